"""Excel (.xlsx) export of a queryset through a Table: streamed, chunked, constant memory; and
``sheet_cell``, the one way every sheet Jiguan hands out (exports, import templates, import error
reports) writes a value, so text a user typed is never a live formula."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .tables import Table

EXPORT_LIMIT = 200_000  # one sheet; larger exports go through a background job
CHUNK = 2000

# Text a spreadsheet would read as a formula (OWASP, "CSV injection"): = + - @, a tab, a carriage return.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def sheet_cell(ws, value, *, font: Font | None = None):
    """``value`` ready for ``ws.append`` (a write-only or an ordinary worksheet).

    A string that starts with a formula trigger becomes a text cell (data type ``s``) with Excel's
    quote prefix: it shows exactly what was typed, is never evaluated, and stays text when someone
    edits the cell. Anything else is returned as it is (cheap over a 200,000-row export), or as a
    cell when it needs the ``font``."""
    formula_like = isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)
    if not formula_like and font is None:
        return value
    cell = WriteOnlyCell(ws, value=value)
    if formula_like:
        cell.data_type = "s"
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (int, float, Decimal, date)):
        return value
    return str(value)


def workbook_bytes(queryset, table: Table, sheet_title: str) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    columns = table.export_columns()
    bold = Font(bold=True)
    ws.append([sheet_cell(ws, str(c.label), font=bold) for c in columns])
    for obj in queryset[:EXPORT_LIMIT].iterator(chunk_size=CHUNK):
        ws.append([sheet_cell(ws, _cell(c.value(obj))) for c in columns])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{filename}-{stamp}.xlsx')}"
    return response
