"""The batch's output files: summary.xlsx (summary_xlsx), byte-stable OOXML (ooxml)."""
