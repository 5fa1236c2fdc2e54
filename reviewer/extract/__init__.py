"""The extract layer: documents → forms. Imports only the domain layer.

`files` reads paths (folders, zips, text, workbooks, PDFs, saved JSON) and `layouts` find
the form's cells in each kind of text.
"""

from reviewer.extract.files import (
    SUFFIXES,
    TEXT_SUFFIXES,
    ExtractFailure,
    check_complete,
    decode_text,
    discover,
    document_text,
    extract_file,
    extract_paths,
    forms_from_json,
    xlsx_text,
    parse_text,
)

__all__ = [
    "SUFFIXES", "TEXT_SUFFIXES", "ExtractFailure", "check_complete", "decode_text", "discover",
    "document_text", "extract_file", "extract_paths", "forms_from_json", "parse_text", "xlsx_text",
]
