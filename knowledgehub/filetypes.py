"""What kind of file an attachment really is, judged by its content, not its name.

Pure: bytes and a file name in, a verdict out. A file is accepted only when its content is
one of the kinds below and its name ends with an extension of that same kind; anything else
(an HTML page renamed .pdf, a script renamed .png, a text file full of markup) is refused.
"""

import io
import zipfile
from dataclasses import dataclass

MAX_BYTES = 10 * 1024 * 1024

# kind: (content type served, extensions allowed)
KINDS = {
    "pdf": ("application/pdf", {".pdf"}),
    "png": ("image/png", {".png"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {".docx"},
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        {".pptx"},
    ),
    "odt": ("application/vnd.oasis.opendocument.text", {".odt"}),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", {".ods"}),
    "csv": ("text/csv", {".csv"}),
    "txt": ("text/plain", {".txt"}),
}
ALLOWED_EXTENSIONS = sorted({ext for _, exts in KINDS.values() for ext in exts})
_OFFICE_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
_ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_MARKUP = (b"<script", b"<html", b"<svg", b"<iframe", b"<!doctype", b"<body", b"<?xml")


class FileRefused(ValueError):
    """The file cannot be attached; the message says why, in words for the uploader."""


@dataclass(frozen=True)
class Sniffed:
    kind: str
    content_type: str


def _zip_kind(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 100:
                    return _ODF_TYPES.get(archive.read("mimetype").strip())
            if "[Content_Types].xml" in names:
                for part, kind in _OFFICE_PARTS.items():
                    if part in names:
                        return kind
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return None


def _text_kind(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    lowered = content[:65536].lower()
    return not any(marker in lowered for marker in _MARKUP)


def sniff(content: bytes, name: str, *, max_bytes: int = MAX_BYTES) -> Sniffed:
    """The kind of file, or FileRefused saying what is wrong."""
    if len(content) == 0:
        raise FileRefused("The file is empty.")
    if len(content) > max_bytes:
        raise FileRefused(f"The file must be smaller than {max_bytes // (1024 * 1024)} MB.")
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise FileRefused(
            "The file must be a PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, "
            "CSV or plain text file."
        )
    if content.startswith(b"%PDF-"):
        kind = "pdf"
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif content.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif content.startswith(b"PK\x03\x04"):
        kind = _zip_kind(content)
    elif extension in KINDS["csv"][1] | KINDS["txt"][1] and _text_kind(content):
        kind = extension.lstrip(".")
    else:
        kind = None
    if kind is None or extension not in KINDS[kind][1]:
        raise FileRefused(
            f"The file's content is not what its name says ({extension}). "
            "Check it is the right file and save it again in that format."
        )
    return Sniffed(kind=kind, content_type=KINDS[kind][0])
