"""The extract layer: documents → forms. Imports only the domain layer.

`sources` finds and reads input files (folders, zips, names, encodings, limits), `files`
turns one document into forms, and `layouts` find the form's cells in each kind of text.
"""

from reviewer.extract.files import (
    SUFFIXES,
    TEXT_SUFFIXES,
    ExtractFailure,
    check_complete,
    decode_text,
    discover,
    document_forms,
    extract_file,
    extract_paths,
    forms_from_json,
    parse_text,
    read_document,
    xlsx_text,
)
from reviewer.extract.sources import Document, count_documents, display_path, iter_documents

__all__ = [
    "SUFFIXES", "TEXT_SUFFIXES", "Document", "ExtractFailure", "check_complete", "count_documents",
    "decode_text", "discover", "display_path", "document_forms", "extract_file", "extract_paths",
    "forms_from_json", "iter_documents", "parse_text", "read_document", "xlsx_text",
]
