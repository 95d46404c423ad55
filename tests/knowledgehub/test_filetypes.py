"""Attachments are judged by their content, not their name (knowledgehub/filetypes.py)."""

import io
import zipfile

import pytest

from knowledgehub.filetypes import MAX_BYTES, FileRefused, sniff

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (PDF, "report.pdf", "pdf"),
        (PNG, "chart.PNG", "png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo.jpg", "jpeg"),
        (office("word/document.xml"), "plan.docx", "docx"),
        (office("xl/workbook.xml"), "data.xlsx", "xlsx"),
        (office("ppt/presentation.xml"), "slides.pptx", "pptx"),
        (b"council,saving\nHartlepool,2m\n", "savings.csv", "csv"),
        ("Notes – £2m saved\n".encode(), "notes.txt", "txt"),
    ],
)
def test_real_files_are_accepted(content, name, kind):
    assert sniff(content, name).kind == kind


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"<html><script>alert(1)</script></html>", "report.pdf"),  # HTML renamed
        (PNG, "report.pdf"),  # the wrong kind for its name
        (PDF, "report.html"),  # an extension not allowed
        (b"<svg onload=alert(1)>", "image.png"),
        (b"<script>alert(1)</script>", "notes.txt"),  # markup in a text file
        (b"MZ\x90\x00\x03", "tool.docx"),  # an executable renamed
        (b"PK\x03\x04not really a zip", "plan.docx"),
        (office("xl/workbook.xml"), "plan.docx"),  # a workbook named as a document
        (b"\xff\xfe\x00b\x00a\x00d", "data.csv"),  # not UTF-8 text
        (b"", "empty.pdf"),
        (PDF, "no-extension"),
    ],
)
def test_wrong_files_are_refused(content, name):
    with pytest.raises(FileRefused):
        sniff(content, name)


def test_too_large_is_refused_with_the_limit_in_the_message():
    with pytest.raises(FileRefused, match="10 MB"):
        sniff(PDF + b"0" * MAX_BYTES, "big.pdf")
