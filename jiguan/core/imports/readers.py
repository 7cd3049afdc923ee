"""Reading import files: the import settings, ``.csv`` (encoding detection) and ``.xlsx`` rows, header
normalisation and the file-level error (``ImportFileError``)."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import os
import re
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

from .parsers import display

# Settings ---------------------------------------------------------------------------------------

DEFAULTS = {
    "MAX_UPLOAD_MB": 20,  # uploads through the web page; a background job may take more
    "MAX_ERRORS": 10_000,  # errors kept (and written to the report); further errors are only counted
    "ERRORS_SHOWN": 500,  # errors listed on the page; the downloadable report has all kept errors
    "CHUNK_SIZE": 2000,  # rows per bulk_create call
    "PROGRESS_EVERY": 1000,  # rows between two progress callbacks
    "SPOOL_MB": 8,  # validated rows stay in memory up to this, then go to a temporary file
    "REPORT_HOURS": 24,  # error reports and job files (private storage, imports/<user id>/) older than this are deleted
    "INLINE_MAX_ROWS": 2000,  # larger files of a registered importer run as a background job
}

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUPPORTED_EXTENSIONS = (".xlsx", ".csv")


def import_setting(name: str):
    """``settings.JIGUAN_IMPORT[name]``, falling back to ``DEFAULTS``."""
    return {**DEFAULTS, **getattr(settings, "JIGUAN_IMPORT", {})}[name]


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, headers). The messages are for the user:
    one per problem (``ImportFileError(first, second, ...)``)."""

    @property
    def messages(self) -> list[str]:
        return [str(m) for m in self.args]


# Reading ----------------------------------------------------------------------------------------


def file_extension(filename: str) -> str:
    return os.path.splitext(filename or "")[1].lower()


def _binary(fileobj):
    """The underlying binary stream of a Django ``File``/``UploadedFile`` or of a plain file."""
    return getattr(fileobj, "file", None) or fileobj


def file_sha256(fileobj) -> str:
    stream = _binary(fileobj)
    stream.seek(0)
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def detect_encoding(stream) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM, else GB18030 (a superset of GBK, Excel's Chinese CSV)."""
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        stream.seek(0)


def iter_csv(fileobj) -> Iterator[tuple[int, list]]:
    stream = _binary(fileobj)
    encoding = detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        first = text.readline()
        counts = {d: first.count(d) for d in (",", "\t", ";")}
        delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
        reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
        yield from enumerate(reader, start=1)
    except UnicodeDecodeError:
        raise ImportFileError(_("无法识别文件的文字编码。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再上传。")) from None
    except csv.Error as exc:
        raise ImportFileError(_("CSV 文件格式有误：%(error)s") % {"error": exc}) from None
    finally:
        try:
            text.detach()  # leave the caller's file open
        except ValueError:
            pass


def iter_xlsx(fileobj) -> Iterator[tuple[int, list]]:
    """The first sheet through python-calamine (Rust): values only, empty cells as "". Rows are
    numbered as Excel shows them; columns start at the first used one, the same for every row, so the
    header's positions hold for the data rows. The sheet is held in memory while it is read (about 90
    bytes a cell: a million rows of 10 columns take ~1 GB); a CSV file is streamed."""
    stream = _binary(fileobj)
    stream.seek(0)
    try:
        workbook = CalamineWorkbook.from_filelike(stream)
        sheets = workbook.sheet_names
        sheet = workbook.get_sheet_by_index(0) if sheets else None
    except (CalamineError, OSError, ValueError, TypeError):
        raise ImportFileError(_("无法读取该文件：文件已损坏，或不是 Excel 2007 及以上版本保存的 .xlsx 文件。")) from None
    try:
        if sheet is None:
            raise ImportFileError(_("该 Excel 文件中没有工作表。"))
        yield from enumerate(sheet.iter_rows(), start=1)
    finally:
        workbook.close()


def iter_table(fileobj, filename: str) -> Iterator[tuple[int, tuple | list]]:
    """(row number as Excel shows it, cell values) for every row of the first sheet or of the CSV."""
    extension = file_extension(filename)
    if extension == ".xlsx":
        return iter_xlsx(fileobj)
    if extension == ".csv":
        return iter_csv(fileobj)
    if extension == ".xls":
        raise ImportFileError(_("不支持 Excel 97-2003（.xls）格式，请在 Excel 中另存为 .xlsx 后再上传。"))
    raise ImportFileError(_("只能导入 .xlsx 或 .csv 文件。"))


_REQUIRED_MARK = re.compile(r"[（(]\s*必填\s*[）)]$")


def normalize_header(value: Any) -> str:
    """Header text without whitespace (full-width too), a trailing 必填 note or required star."""
    text = re.sub(r"\s+", "", display(value).replace("\u3000", " "))
    text = _REQUIRED_MARK.sub("", text)
    return text.strip("*＊")


def _blank_row(cells: tuple) -> bool:
    """``all(is_blank(c) for c in cells)``, stopping at the first filled cell."""
    for cell in cells:
        if cell is not None and (cell.__class__ is not str or cell.strip()):
            return False
    return True


def _displays_as(cells: tuple, texts: tuple) -> bool:
    """``tuple(display(c) for c in cells) == texts``, stopping at the first difference."""
    return all(display(cell) == text for cell, text in zip(cells, texts, strict=True))
