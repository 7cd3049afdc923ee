"""Helpers for import tests (批量导入, ``jiguan.core.imports``): build an import file, upload it to an
importer's page or API, follow a background job, and read back what the user is shown: the bad rows
with their column and reason, the error report.

Kernel code: it knows no importer. A test brings its importer's header, rows and URLs, and asserts
what a user would notice (the rows imported, the bad-row list, nothing imported when one row is bad)::

    from jiguan.core.testing.imports import page_errors, upload, xlsx_bytes

    response = upload(client, "/imports/org.orgunit/", xlsx_bytes(rows, HEADER))
    assert response.status_code == 200 and not OrgUnit.objects.filter(name__startswith="甲市第").exists()
    assert page_errors(response) == [(3, "类型", "公司")]

Error reports and job files go through the private storage (``jiguan.core.storage``): point it at a
temporary folder (``settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from jiguan.core.imports.readers import XLSX_CONTENT_TYPE

XLSX = XLSX_CONTENT_TYPE


# Files ----------------------------------------------------------------------------------------------


def xlsx_bytes(rows: Iterable[Sequence], header: Sequence) -> bytes:
    """An .xlsx workbook: ``header`` on row 1, then ``rows`` (row 2 is the first data row)."""
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Sequence], header: Sequence, encoding: str) -> bytes:
    """A .csv file as Excel saves it (CRLF, ``None`` as an empty cell) in ``encoding`` (``"gbk"``,
    ``"utf-8-sig"``, ...)."""
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_rows(content: bytes, sheet: str | None = None) -> list[list]:
    """The cell values of a workbook's sheet (the active one by default), row by row."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb[sheet] if sheet else wb.active
    return [[cell.value for cell in row] for row in ws.iter_rows()]


def uploaded(content: bytes, name: str = "import.xlsx") -> SimpleUploadedFile:
    """``content`` as the browser sends a chosen file (.xlsx content type whatever the name)."""
    return SimpleUploadedFile(name, content, content_type=XLSX)


# Uploading ------------------------------------------------------------------------------------------


def upload(client, url: str, content: bytes, name: str = "import.xlsx"):
    """Post ``content`` to an import page as its form does (a Django test client)."""
    return client.post(url, {"file": uploaded(content, name)})


def api_upload(client, url: str, content: bytes, name: str = "import.xlsx"):
    """Post ``content`` to an import API as multipart (a DRF test client)."""
    return client.post(url, {"file": uploaded(content, name)}, format="multipart")


# What the user is shown -----------------------------------------------------------------------------


def job_token(response) -> str:
    """The job token of an upload the page handed to a background job (its redirect to ``?job=``)."""
    location = response["Location"]
    assert response.status_code == 302 and "?job=" in location, (response.status_code, location)
    return location.split("?job=", 1)[1]


def follow_job(client, response):
    """The page an upload handed to a background job leads to (Celery is eager in tests, so the job
    has run): the redirect to the list when it imported, the errors when it did not."""
    job_token(response)
    return client.get(response["Location"])


def page_errors(response) -> list[tuple]:
    """The bad rows an import page lists, in order: ``(row, column, value)``."""
    return [(e.row, e.column, e.value) for e in response.context["errors"]]


def page_messages(response) -> dict[tuple, str]:
    """The reason an import page gives per bad cell: ``{(row, column): message}``."""
    return {(e.row, e.column): e.message for e in response.context["errors"]}


def api_errors(error: dict) -> list[tuple]:
    """The bad rows of an API ``import_invalid`` error (``response.json()["error"]``), in order:
    ``(row, column, value)``."""
    return [(e["row"], e["column"], e["value"]) for e in error["rows"]]


def report_rows(response) -> list[list]:
    """The rows of a downloaded error report (a streamed .xlsx): the header, then per error
    ``[row, column, value, reason]``."""
    return xlsx_rows(b"".join(response.streaming_content))
