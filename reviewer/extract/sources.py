"""Paths → documents: the one place reviewer finds and reads input files.

Both `reviewer extract`/`check`/`review`/`eval` and `reviewer batch` read their inputs
here, so there is one policy for folders, zips, file names and text encodings:

- folders are walked in sorted order; dot-files and unknown suffixes are skipped;
  folders that cannot be read, broken symbolic links, FIFOs and devices are reported;
- zip members are read with limits on size and expansion ratio (zip bombs), names
  written in GBK by Windows zip tools are decoded, a zip inside a zip is reported;
- every document has a `label` safe to print, store in JSON and SQLite and use in a
  file name: a path whose bytes are not UTF-8 is shown decoded as GB18030 or escaped;
- text is decoded as UTF-8 (with or without BOM), UTF-16 (BOM or evident NUL pattern)
  or GB18030; a file cut inside a character keeps everything before the cut, with a
  note naming the byte offset.
"""

from __future__ import annotations

import codecs
import os
import stat
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

TEXT_SUFFIXES = {".txt", ".tsv", ".csv", ".text", ""}
# Documents whose tables are read as tables (reviewer/extract/documents/), and saved forms.
DOCUMENT_SUFFIXES = {".docx", ".docm", ".xlsx", ".xlsm", ".xls", ".html", ".htm", ".mht", ".mhtml", ".pdf"}
SUFFIXES = TEXT_SUFFIXES | DOCUMENT_SUFFIXES | {".json", ".zip"}

SAVE_AS_DOCX = "save it as .docx or PDF (File → Save As) and read that file"
RUN_OCR = "run OCR on it and give reviewer the text, or ask the unit for the original document"
# Formats a reviewer meets that reviewer cannot read, and what to tell them.
UNREADABLE_FORMATS = {
    ".doc": f"a .doc (Word 97-2003) file: {SAVE_AS_DOCX}",
    ".wps": f"a .wps (WPS Writer) file: {SAVE_AS_DOCX}",
    ".rtf": f"an .rtf (Rich Text) file: {SAVE_AS_DOCX}",
    ".et": "a .et (WPS Spreadsheets) file: save it as .xlsx (File → Save As) and read that file",
    ".ofd": "an .ofd (OFD e-document) file: export it as PDF and read that file",
    ".rar": "a RAR archive: unpack it (or re-pack it as .zip) and read that",
    ".7z": "a 7z archive: unpack it (or re-pack it as .zip) and read that",
    **{s: f"a scanned image ({s}): {RUN_OCR}" for s in (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif")},
}
# Read by their bytes, not their suffix: government sites serve HTML tables saved as .xls
# or .doc, and Word web pages (.mht) as .doc; the document reader says what they really are.
SNIFFED_SUFFIXES = {".doc", ".et"}

MiB = 1024 * 1024
# No form file is this large; a larger one is a mistake or an attack, and reading it
# would hold it all in memory.
MAX_DOCUMENT_BYTES = 256 * MiB
# A zip member that expands more than this many times over, past the floor below, is a
# zip bomb: real forms (text, xlsx, pdf) compress 2-20 times, highly repetitive text 100.
MAX_ZIP_RATIO = 200
ZIP_RATIO_FLOOR = 8 * MiB
MAX_ZIP_TOTAL_BYTES = 2048 * MiB  # all members of one archive together


class ExtractFailure(Exception):
    """A document that yields no form; the message says why, without the path. Callers
    turn it into one line per file and go on with the others."""


SourceError = ExtractFailure  # raised while reading bytes, before any layout ran


@dataclass
class Document:
    """One input document, read into memory (or the reason it could not be)."""

    label: str  # what outputs call it: its path, or archive!member; always valid text
    suffix: str  # lower-case, e.g. ".txt"
    data: bytes | None = None
    error: str | None = None
    path: Path | None = None  # the file on disk; None for zip members


@dataclass
class Decoded:
    text: str
    encoding: str  # utf-8, utf-16, gb18030
    notes: list[str] = field(default_factory=list)  # what the reader should warn about


# ---------------------------------------------------------------- names


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as text that can be printed and stored: names whose bytes are not UTF-8
    (a GBK name from a Windows share or zip) are decoded as GB18030, else escaped."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    raw = os.fsencode(text)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace")


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as its author wrote it. Zips without the UTF-8 flag store names
    in the writer's code page (GBK on Chinese Windows); zipfile decodes them as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


# ---------------------------------------------------------------- discovery


def iter_documents(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Document]:
    """Every document under the given paths, in order, each read into memory on its turn.

    A path that cannot be read yields a Document with `error` set, so that a caller
    reports it and goes on."""
    for path in map(Path, paths):
        for found, error in _walk(path):
            if error is not None:
                yield Document(display_path(found), found.suffix.lower(), error=error)
            elif found.suffix.lower() == ".zip":
                yield from _zip_documents(found)
            else:
                yield _read_file(found)


def count_documents(paths: Iterable[str | os.PathLike[str]]) -> int:
    """How many documents iter_documents yields, without reading them (for progress bars)."""
    n = 0
    for path in map(Path, paths):
        for found, error in _walk(path):
            if error is None and found.suffix.lower() == ".zip":
                try:
                    with zipfile.ZipFile(found) as archive:
                        n += sum(1 for info in archive.infolist() if _wanted(member_name(info), info.is_dir()))
                    continue
                except (zipfile.BadZipFile, OSError, ValueError):
                    pass
            n += 1
    return n


def discover(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """The readable files under the given paths (zips as files), for callers that only list."""
    for path in map(Path, paths):
        for found, error in _walk(path):
            if error is None:
                yield found


def _wanted(name: str, is_dir: bool = False) -> bool:
    base = name.rstrip("/").rsplit("/", 1)[-1]
    suffix = Path(base).suffix.lower()
    return not is_dir and not base.startswith(".") and (suffix in SUFFIXES or suffix in UNREADABLE_FORMATS)


def _walk(path: Path) -> Iterator[tuple[Path, str | None]]:
    """(file, None) for each candidate file under `path`, or (path, why it cannot be read)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            yield path, f"broken symbolic link (points to {display_path(os.readlink(path))})"
        else:
            yield path, "no such file or folder"
        return
    except OSError as exc:
        yield path, f"cannot read ({exc.strerror})"
        return
    if stat.S_ISDIR(st.st_mode):
        yield from _walk_folder(path)
        return
    problem = _not_regular(st)
    if problem:
        yield path, problem
        return
    yield path, None


def _walk_folder(root: Path) -> Iterator[tuple[Path, str | None]]:
    seen: set[tuple[int, int]] = set()
    errors: list[OSError] = []
    for folder, dirs, files in os.walk(root, onerror=errors.append, followlinks=True):
        while errors:
            exc = errors.pop()
            yield Path(exc.filename or folder), f"cannot read folder ({exc.strerror})"
        here = Path(folder)
        try:
            st = here.stat()
            if (st.st_dev, st.st_ino) in seen:  # a symbolic link loop
                dirs[:] = []
                continue
            seen.add((st.st_dev, st.st_ino))
        except OSError:
            pass
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not _wanted(name):
                continue
            yield from _walk(here / name)
    while errors:
        exc = errors.pop()
        yield Path(exc.filename or root), f"cannot read folder ({exc.strerror})"


def _not_regular(st: os.stat_result) -> str | None:
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return None
    kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    return f"{kind}, not a file; not read"


def read_path(path: Path) -> Document:
    """One file, read whole (a zip is not opened: give folders and zips to iter_documents)."""
    for found, error in _walk(path):
        if error is not None:
            return Document(display_path(found), found.suffix.lower(), error=error, path=found)
        return _read_file(found)
    return Document(display_path(path), path.suffix.lower(), error="no such file or folder", path=path)


def _read_file(path: Path) -> Document:
    label, suffix = display_path(path), path.suffix.lower()
    if suffix in UNREADABLE_FORMATS and suffix not in SNIFFED_SUFFIXES:
        return Document(label, suffix, error=UNREADABLE_FORMATS[suffix], path=path)
    try:
        # O_NONBLOCK: a file swapped for a FIFO after the stat above must not hang the read.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            problem = _not_regular(os.fstat(handle.fileno()))
            if problem:
                return Document(label, suffix, error=problem, path=path)
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except FileNotFoundError:
        return Document(label, suffix, error="no such file or folder", path=path)
    except OSError as exc:
        return Document(label, suffix, error=f"cannot read file ({exc.strerror})", path=path)
    if len(data) > MAX_DOCUMENT_BYTES:
        return Document(label, suffix, error=_too_large(), path=path)
    return Document(label, suffix, data, path=path)


def _too_large() -> str:
    return f"larger than {MAX_DOCUMENT_BYTES // MiB} MB, far larger than any form; not read"


# ---------------------------------------------------------------- zips


def _zip_documents(path: Path) -> Iterator[Document]:
    archive_label = display_path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        yield Document(archive_label, ".zip", error="not a readable zip archive", path=path)
        return
    expanded = 0
    with archive:
        for info in archive.infolist():
            name = member_name(info)
            if not _wanted(name, info.is_dir()):
                continue
            label = f"{archive_label}!{name}"
            suffix = Path(name).suffix.lower()
            if suffix == ".zip":
                yield Document(label, suffix, error="a zip inside a zip is not read; unpack it first")
                continue
            if suffix in UNREADABLE_FORMATS and suffix not in SNIFFED_SUFFIXES:
                yield Document(label, suffix, error=UNREADABLE_FORMATS[suffix])
                continue
            budget = min(MAX_DOCUMENT_BYTES, MAX_ZIP_TOTAL_BYTES - expanded)
            try:
                data = _read_member(archive, info, budget)
            except SourceError as exc:
                yield Document(label, suffix, error=str(exc))
                continue
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError, NotImplementedError) as exc:
                yield Document(label, suffix, error=f"cannot read this zip member ({type(exc).__name__})")
                continue
            expanded += len(data)
            yield Document(label, suffix, data)


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """The member's bytes, refused before reading when it would expand too far. zipfile never
    reads past the size the header declares (a forged header fails its CRC instead)."""
    limit = min(budget, max(ZIP_RATIO_FLOOR, info.compress_size * MAX_ZIP_RATIO))
    if info.file_size > limit:
        ratio = info.file_size / info.compress_size if info.compress_size else float("inf")
        raise SourceError(
            f"zip member expands to {info.file_size / MiB:.0f} MB from {info.compress_size / MiB:.1f} MB "
            f"({ratio:.0f}:1); not read (limits: {budget // MiB} MB a member, {MAX_ZIP_RATIO}:1 above "
            f"{ZIP_RATIO_FLOOR // MiB} MB): a zip bomb, or unpack it and read the files")
    return archive.read(info)


# ---------------------------------------------------------------- text


_BOMS = ((codecs.BOM_UTF8, "utf-8", "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
         (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"), (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"))


def decode_text(data: bytes) -> Decoded:
    """Bytes of a text file → text. Raises SourceError for empty or binary data."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            decoded = _decode_lenient(data[len(bom):], codec, name)
            if not decoded.text.strip():
                raise SourceError("empty file")
            return decoded
    if not data.strip():
        raise SourceError("empty file")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _decode_lenient(data, utf16, "utf-16")
    if b"\x00" in data[:4096]:
        raise SourceError("binary file, not text (contains NUL bytes)")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if _damaged_utf8(data, utf8_error):
        return _decode_lenient(data, "utf-8", "utf-8")
    try:
        text, notes = data.decode("gb18030"), []
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 4:
            raise SourceError(
                f"not UTF-8 or GBK/GB18030 text (the first byte that is neither is at offset "
                f"{utf8_error.start} for UTF-8, {exc.start} for GB18030)") from None
        decoded = _decode_lenient(data, "gb18030", "gb18030")  # GBK cut inside its last character
        text, notes = decoded.text, decoded.notes
    controls = sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\t\r\n\f")
    if controls > 0.01 * min(len(text), 4096):
        raise SourceError("binary file, not text")
    return Decoded(text, "gb18030", ["file is GBK/GB18030-encoded, not UTF-8; decoded as GB18030", *notes])


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a BOM: every other byte of ASCII and CJK text is NUL-free
    in one half and mostly NUL in the other only for ASCII; a strong NUL pattern decides."""
    sample = data[:4096]
    if len(sample) < 8 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _damaged_utf8(data: bytes, exc: UnicodeDecodeError) -> bool:
    """UTF-8 text damaged in a few places (a cut inside a character, a stray byte), rather
    than text in another encoding: the part before the first error is long, holds multi-byte
    characters, and few bytes after it fail."""
    if exc.reason == "unexpected end of data" and exc.start >= len(data) - 3:
        return True  # cut inside the last character
    head = data[: exc.start]
    if exc.start < 64 or not any(b >= 0x80 for b in head):
        return False
    bad = data.decode("utf-8", errors="replace").count("\ufffd") - head.decode("utf-8").count("\ufffd")
    return bad <= max(3, len(data) // 2000)


def _decode_lenient(data: bytes, codec: str, name: str) -> Decoded:
    """Decode, keeping what is legible: a tail cut inside a character is dropped, a few
    damaged bytes become U+FFFD; the notes name the byte offsets."""
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    text = decoder.decode(data, final=False)
    cut = len(data) - len(decoder.getstate()[0])  # bytes held back: an incomplete last character
    notes: list[str] = []
    damaged = text.count("\ufffd") - _count_replacement_chars(data[:cut], codec)
    if damaged:
        offsets = _bad_offsets(data[:cut], codec, limit=5)
        shown = ", ".join(map(str, offsets)) + (" …" if damaged > len(offsets) else "")
        notes.append(f"{damaged} byte sequence(s) are not valid {name} (at byte {shown}); shown as \ufffd")
    if cut < len(data):
        notes.append(f"file ends inside a character at byte {cut} of {len(data)}: the last "
                     f"{len(data) - cut} byte(s) are dropped (the file may be truncated)")
    return Decoded(text, name, notes)


def _count_replacement_chars(data: bytes, codec: str) -> int:
    """U+FFFD characters written in the file itself (not made by decoding)."""
    return data.count("\ufffd".encode(codec)) if codec.startswith("utf") else 0


def _bad_offsets(data: bytes, codec: str, limit: int) -> list[int]:
    offsets: list[int] = []
    pos = 0
    while len(offsets) < limit and pos < len(data):
        try:
            data[pos:].decode(codec)
            break
        except UnicodeDecodeError as exc:
            offsets.append(pos + exc.start)
            pos += exc.end
    return offsets
