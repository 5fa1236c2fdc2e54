"""Reading documents into Grids: .xlsx with and without merged cells, and the other formats.

    python eval/bench_documents.py [--rows 20000] [--repeat 3]

xlsx is read in openpyxl's read-only mode (streamed) with merged ranges taken from the
sheet XML; this prints that against openpyxl's full load (which has `merged_cells` but
builds every cell object) and against the former TSV-only read (read-only, no merges), on
  - seed 001's 24 forms as a workbook (one merged form per sheet, the zoo's rendering),
  - one large sheet without merges, and the same sheet with its level cells merged.
Then the seconds per form of every document format through the zoo. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from reviewer.extract.documents import read_document, xlsx_grids  # noqa: E402
from zoo.render import DOCUMENT_CARRIERS, rendering  # noqa: E402

SEED = "001_61357c0ed07ba240.part-a"


def tsv_only(path: Path) -> int:
    """The former reader: read-only rows as text, merges invisible."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = 0
    for sheet in book.worksheets:
        sheet.reset_dimensions()
        for row in sheet.iter_rows(values_only=True):
            cells += sum(1 for v in row if v is not None)
    book.close()
    return cells


def full_load(path: Path) -> int:
    """openpyxl's normal mode: every cell an object, merged ranges from ws.merged_cells."""
    import openpyxl

    book = openpyxl.load_workbook(path, data_only=True)
    cells = 0
    for sheet in book.worksheets:
        cells += len([r.bounds for r in sheet.merged_cells.ranges])
        for row in sheet.iter_rows():
            cells += sum(1 for c in row if c.value is not None)
    return cells


def large_sheet(path: Path, rows: int, merged: bool) -> Path:
    import openpyxl

    book = openpyxl.Workbook(write_only=False)
    ws = book.active
    ws.append(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"])
    for i in range(rows):
        ws.append(["产出指标" if i % 5 == 0 else None, "数量指标" if i % 5 == 0 else None, f"指标{i}",
                   "≥90%", "95%", 5, 4.5, "按计划完成" if i % 3 else None])  # fmt: skip
    if merged:
        for start in range(2, rows + 2, 5):
            end = min(start + 4, rows + 1)
            if end > start:
                ws.merge_cells(start_row=start, start_column=1, end_row=end, end_column=1)
                ws.merge_cells(start_row=start, start_column=2, end_row=end, end_column=2)
    book.save(path)
    return path


def best(fn, path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        forms, _ = rendering(SEED, "national", "xlsx", folder)
        plain = large_sheet(folder / "plain.xlsx", args.rows, merged=False)
        merged = large_sheet(folder / "merged.xlsx", args.rows, merged=True)
        print(f"{'workbook':<38} {'grids (ro+xml merges)':>22} {'full load':>10} {'tsv only':>9}")
        for label, path in ((f"seed {SEED[:3]}: 24 merged form sheets", forms),
                            (f"{args.rows} rows, no merges", plain),
                            (f"{args.rows} rows, {2 * (args.rows // 5)} merges", merged)):  # fmt: skip
            grids = best(xlsx_grids, path, args.repeat)
            full = best(full_load, path, args.repeat)
            tsv = best(tsv_only, path, args.repeat)
            print(f"{label:<38} {grids:>20.3f} s {full:>8.3f} s {tsv:>7.3f} s")
        print()
        print(f"{'format':<8} {'seconds per form (seed 001, 24 forms, read only)':>50}")
        for carrier in DOCUMENT_CARRIERS:
            path, expected = rendering(SEED, "national", carrier, folder)
            seconds = best(read_document, path, args.repeat)
            print(f"{carrier:<8} {seconds / len(expected):>12.4f} s/form  ({seconds:.2f} s for {len(expected)} forms)")


if __name__ == "__main__":
    main()
