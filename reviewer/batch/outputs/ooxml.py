"""Make an .xlsx/.docx byte-for-byte reproducible: fixed zip dates, fixed document dates.

openpyxl and python-docx stamp the current time into docProps/core.xml and into each
zip entry; two runs on the same inputs should give the same files.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
FIXED_DOC_DATE = "2000-01-01T00:00:00Z"
_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def normalise(path: Path | str) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _DATES.sub(rb"\g<1>" + FIXED_DOC_DATE.encode() + rb"\g<2>", data)
            out = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_DATE)
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = 0o600 << 16
            dst.writestr(out, data)
    os.replace(tmp, path)
