"""Spreadsheet import (批量导入): one declarative framework every module copies.

A module declares its columns once (Chinese header, key, required, parser, example) and gets:

* reading of ``.xlsx`` (python-calamine, a Rust reader: values only) and ``.csv`` (UTF-8 with or
  without BOM, GB18030/GBK as saved by Chinese Excel, UTF-16 "Unicode text"), header matched by label
  whatever the whitespace and column order, unknown or missing required headers refused;
* validation of every row and every cell, collecting *all* errors as (Excel row, column, value, reason);
  a parser that depends on the cell alone (``Parser.cacheable``) parses each distinct cell once per import;
* a cross-row hook (duplicates in the file, references to earlier rows);
* all-or-nothing: any error and nothing is written; otherwise ``commit(rows)`` writes set-based
  (``bulk_create`` in chunks, or ``insert_rows``: COPY on PostgreSQL, executemany elsewhere) inside one
  transaction, with one audit record (``Action.IMPORT``);
* the downloadable template (header, example row, a 填写说明 sheet) and error report (.xlsx);
* generic views (upload page, template download) used by every module's URLs.

Reading, validating and committing are plain methods taking a file object and an actor, so a
background job (``jiguan.core.jobs``) runs the same code with a ``progress(done, total)`` callback.
Validated rows are spooled to a temporary file past a few MB, so a million-row file is validated in
constant memory. See docs/development/imports.md.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import itertools
import operator
import os
import pickle
import re
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineError, CalamineWorkbook

from jiguan.audit import services as audit
from jiguan.audit.models import Action

from .exports import sheet_cell
from .forms import BootstrapFormMixin
from .scoping import permission_name
from .views import ScopedViewMixin

# Settings ---------------------------------------------------------------------------------------

DEFAULTS = {
    "MAX_UPLOAD_MB": 20,  # uploads through the web page; a background job may take more
    "MAX_ERRORS": 10_000,  # errors kept (and written to the report); further errors are only counted
    "ERRORS_SHOWN": 500,  # errors listed on the page; the downloadable report has all kept errors
    "CHUNK_SIZE": 2000,  # rows per bulk_create call
    "PROGRESS_EVERY": 1000,  # rows between two progress callbacks
    "SPOOL_MB": 8,  # validated rows stay in memory up to this, then go to a temporary file
    "REPORT_DIR": None,  # where error reports are kept (default VAR_DIR/imports/reports; not served)
    "REPORT_HOURS": 24,  # error reports older than this are deleted
}

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUPPORTED_EXTENSIONS = (".xlsx", ".csv")


def import_setting(name: str):
    """``settings.JIGUAN_IMPORT[name]``, falling back to ``DEFAULTS``."""
    return {**DEFAULTS, **getattr(settings, "JIGUAN_IMPORT", {})}[name]


# Cells ------------------------------------------------------------------------------------------


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def display(raw: Any) -> str:
    """A cell value as the user typed it (for messages, the error report and text columns)."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float):
        if raw.is_integer() and abs(raw) < 1e15:
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, (dt.date, dt.time)):
        return raw.isoformat()
    return str(raw).strip()


def _ascii(text: str) -> str:
    """Full-width digits, letters and signs to ASCII (Chinese input methods type them)."""
    return unicodedata.normalize("NFKC", text).strip()


# Parsers: a non-blank cell in, a Python value out, or ValidationError with a Chinese reason ------


class Parser:
    """Base of cell parsers. Subclasses implement ``parse``; ``describe`` feeds the 填写说明 sheet."""

    text_format = False  # format the template column as text (codes with leading zeros, long digits)
    # True when the result (value or error) depends on the cell alone: an import then parses each
    # distinct cell of the column once (validators must be plain functions of the value).
    cacheable = False

    def __call__(self, raw: Any) -> Any:
        return self.parse(raw)

    def parse(self, raw: Any) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        return ""

    def allowed_values(self) -> list[str]:
        """For a drop-down list in the template; empty when the column is free input."""
        return []


def _run_validators(value, validators) -> None:
    """Validators may raise ValidationError (Django style) or return a message (None when valid)."""
    for validator in validators:
        problem = validator(value)
        if isinstance(problem, str) and problem:
            raise ValidationError(problem)


class Text(Parser):
    cacheable = True

    def __init__(self, max_length: int | None = None, validators: Iterable[Callable] = (), upper: bool = False,
                 text_format: bool = False, description: str = ""):
        self.max_length = max_length
        self.validators = tuple(validators)
        self.upper = upper
        self.text_format = text_format
        self.description = description

    def parse(self, raw):
        value = display(raw)
        if self.upper:
            value = value.upper()
        if self.max_length and len(value) > self.max_length:
            raise ValidationError(_("不能超过 %(max)d 个字符（当前 %(n)d 个）。") % {
                "max": self.max_length, "n": len(value)})
        _run_validators(value, self.validators)
        return value

    def describe(self):
        if self.description:
            return self.description
        return _("文本，不超过 %(max)d 个字符") % {"max": self.max_length} if self.max_length else _("文本")


class Integer(Parser):
    cacheable = True

    def __init__(self, min_value: int | None = None, max_value: int | None = None):
        self.min_value, self.max_value = min_value, max_value

    def parse(self, raw):
        if isinstance(raw, bool):
            raise ValidationError(_("应为整数。"))
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        else:
            text = _ascii(display(raw)).replace(",", "")
            if not re.fullmatch(r"[+-]?\d+(\.0+)?", text):
                raise ValidationError(_("应为整数。"))
            value = int(text.split(".")[0])
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(_("不能小于 %(min)d。") % {"min": self.min_value})
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(_("不能大于 %(max)d。") % {"max": self.max_value})
        return value

    def describe(self):
        return _("整数")


class DecimalNumber(Parser):
    cacheable = True

    def __init__(self, max_digits: int = 16, decimal_places: int = 2, min_value: Decimal | int | None = None):
        self.max_digits, self.decimal_places, self.min_value = max_digits, decimal_places, min_value

    def parse(self, raw):
        if isinstance(raw, bool):
            raise ValidationError(_("应为数字。"))
        text = repr(raw) if isinstance(raw, float) else _ascii(display(raw)).replace(",", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("应为数字。")) from None
        if not value.is_finite():
            raise ValidationError(_("应为数字。"))
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.decimal_places:
            rounded = value.quantize(Decimal(1).scaleb(-self.decimal_places))
            if rounded != value:
                raise ValidationError(_("最多保留 %(n)d 位小数。") % {"n": self.decimal_places})
            value = rounded
        if len(value.quantize(Decimal(1).scaleb(-self.decimal_places)).as_tuple().digits) > self.max_digits:
            raise ValidationError(_("数值过大。"))
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(_("不能小于 %(min)s。") % {"min": self.min_value})
        return value

    def describe(self):
        return _("数字，最多 %(n)d 位小数") % {"n": self.decimal_places}


class Date(Parser):
    cacheable = True

    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")

    def parse(self, raw):
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        text = _ascii(display(raw))
        text = text.split(" ")[0] if re.match(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2} ", text) else text
        for fmt in self.FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValidationError(_("应为日期，例如 2026-03-01。"))

    def describe(self):
        return _("日期，如 2026-03-01")


_MISSING = object()
REQUIRED = object()  # the problem of a blank cell in a required column
CELL_CACHE_SIZE = 50_000  # distinct cells remembered per column and import


class Choice(Parser):
    """One of ``choices`` ((value, label) pairs, e.g. ``TextChoices.choices``): the label or the value."""

    cacheable = True

    def __init__(self, choices: Iterable[tuple[Any, Any]]):
        self.choices = [(value, label) for value, label in choices]
        self._lookup: tuple[str, dict[str, Any]] | None = None

    def lookup(self) -> dict[str, Any]:
        """Label or value (folded) -> value, built once per language (labels are lazy translations)."""
        language = get_language() or ""
        if self._lookup is None or self._lookup[0] != language:
            table = {}
            for value, _label in reversed(self.choices):
                table[_ascii(str(value)).casefold()] = value
            for value, label in reversed(self.choices):
                table[_ascii(str(label)).casefold()] = value
            self._lookup = (language, table)
        return self._lookup[1]

    def parse(self, raw):
        text = display(raw)
        value = self.lookup().get(_ascii(text).casefold(), _MISSING)
        if value is not _MISSING:
            return value
        raise ValidationError(_("“%(value)s”不是允许的值，可选：%(allowed)s。") % {
            "value": text, "allowed": "、".join(self.allowed_values())})

    def describe(self):
        return _("可选：%(allowed)s") % {"allowed": "、".join(self.allowed_values())}

    def allowed_values(self):
        return [str(label) for _value, label in self.choices]


class Boolean(Parser):
    cacheable = True

    TRUE = {"是", "y", "yes", "true", "1", "√", "对"}
    FALSE = {"否", "n", "no", "false", "0", "×", "x", "错"}

    def parse(self, raw):
        if isinstance(raw, bool):
            return raw
        text = _ascii(display(raw)).casefold()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(_("应填写“是”或“否”。"))

    def describe(self):
        return _("是 / 否")

    def allowed_values(self):
        return ["是", "否"]


# Declarations and results -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportColumn:
    """One column of an import file.

    ``key`` names the value in ``row.values``; when the model has a plain (non-relational) field of
    that name, the default ``build_instance`` fills it. ``parser`` gets non-blank cells only; a blank
    cell gives ``default`` (or the error 必填 when ``required``).
    """

    label: str
    key: str
    required: bool = False
    parser: Callable[[Any], Any] = field(default_factory=Text)
    example: Any = ""
    help: str = ""
    default: Any = ""
    aliases: tuple[str, ...] = ()

    def description(self) -> str:
        """For the 填写说明 sheet and the page: ``help`` if given, and the parser's allowed values."""
        describe = getattr(self.parser, "describe", None)
        described = str(describe()) if callable(describe) else ""
        allowed = getattr(self.parser, "allowed_values", None)
        if not self.help:
            return described
        if described and callable(allowed) and allowed():
            return f"{self.help}；{described}"
        return str(self.help)


@dataclass
class ImportRow:
    """A data row: ``number`` is the row number the user sees in Excel; ``values`` the parsed values
    (a failed column holds its default and is listed in ``failed``); ``extra`` what the importer's
    hooks worked out (resolved references...). ``values`` and ``extra`` must be plain, picklable data."""

    number: int
    values: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] | None = None
    failed: set[str] = field(default_factory=set)
    error_count: int = 0

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    def ok(self, *keys: str) -> bool:
        """True when the row's columns ``keys`` were parsed without error."""
        return not self.failed or self.failed.isdisjoint(keys)


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: an error about the whole file
    column: str
    value: str
    message: str


@dataclass
class ImportResult:
    filename: str = ""
    sha256: str = ""
    total_rows: int = 0
    skipped_example: int = 0
    created: int = 0
    committed: bool = False
    file_errors: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    bad_rows: int = 0
    seconds: float = 0.0

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or self.error_count > 0

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def as_dict(self) -> dict:
        """JSON-serialisable summary (a background job's result)."""
        return {
            "filename": self.filename, "sha256": self.sha256, "total_rows": self.total_rows,
            "created": self.created, "committed": self.committed, "file_errors": list(self.file_errors),
            "error_count": self.error_count, "bad_rows": self.bad_rows,
            "errors": [[e.row, e.column, e.value, e.message] for e in self.errors[:import_setting("ERRORS_SHOWN")]],
        }

    def error_report(self) -> bytes:
        """The error report (.xlsx): row, column, value, reason."""
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(_("错误清单"))
        ws.column_dimensions["A"].width = 8
        ws.column_dimensions["B"].width = 18
        ws.column_dimensions["C"].width = 30
        ws.column_dimensions["D"].width = 70
        ws.append([_bold_cell(ws, str(h)) for h in (_("行号"), _("列"), _("填写的值"), _("错误原因"))])
        for message in self.file_errors:
            ws.append(["", "", "", sheet_cell(ws, message)])
        for error in self.errors:  # what the user typed is written as text, never as a formula
            ws.append([error.row or "", sheet_cell(ws, error.column), sheet_cell(ws, error.value),
                       sheet_cell(ws, error.message)])
        if self.truncated:
            ws.append(["", "", "", _("错误过多：共 %(n)d 处错误，仅列出前 %(kept)d 处。") % {
                "n": self.error_count, "kept": len(self.errors)}])
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, headers). The messages are for the user:
    one per problem (``ImportFileError(first, second, ...)``)."""

    @property
    def messages(self) -> list[str]:
        return [str(m) for m in self.args]


def _bold_cell(ws, value):
    return sheet_cell(ws, value, font=Font(bold=True))


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


class RowStore:
    """Validated rows waiting for ``commit``: pickled in chunks into a spooled temporary file, so memory
    stays bounded however many rows the file has. Iterate it (``ImportRow``s in file order) or use
    ``chunks(n)``; ``len()`` is the number of rows."""

    PICKLE_CHUNK = 1000

    def __init__(self):
        self._file = tempfile.SpooledTemporaryFile(max_size=int(import_setting("SPOOL_MB") * 1024 * 1024))
        self._pending: list[tuple] = []
        self._count = 0

    def append(self, row: ImportRow) -> None:
        self._pending.append((row.number, row.values, row.extra))
        self._count += 1
        if len(self._pending) >= self.PICKLE_CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._file.seek(0, io.SEEK_END)
            pickle.dump(self._pending, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[ImportRow]:
        self._flush()
        self._file.seek(0)
        while True:
            try:
                batch = pickle.load(self._file)  # our own temporary file, written just above
            except EOFError:
                return
            for number, values, extra in batch:
                yield ImportRow(number, values, extra)

    def chunks(self, size: int) -> Iterator[list[ImportRow]]:
        iterator = iter(self)
        while batch := list(itertools.islice(iterator, size)):
            yield batch

    def close(self) -> None:
        self._file.close()


def _blank_row(cells: tuple) -> bool:
    """``all(is_blank(c) for c in cells)``, stopping at the first filled cell."""
    for cell in cells:
        if cell is not None and (cell.__class__ is not str or cell.strip()):
            return False
    return True


def _displays_as(cells: tuple, texts: tuple) -> bool:
    """``tuple(display(c) for c in cells) == texts``, stopping at the first difference."""
    return all(display(cell) == text for cell, text in zip(cells, texts, strict=True))


def chunked(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# Set-based writes ---------------------------------------------------------------------------------
# For imports of hundreds of thousands of rows, where bulk_create (a model instance per row, every
# value prepared through its field) costs more than the validation. One code path for both databases
# apart from the write primitive: COPY on PostgreSQL, executemany on SQLite.


def reserve_ids(model, count: int) -> list[int]:
    """``count`` new primary keys of ``model`` from the database's own counter, so that rows are written
    with their ids and rows pointing at them can be written in the same pass, without RETURNING: the
    identity sequence on PostgreSQL (one query), ``sqlite_sequence`` on SQLite (advanced by a write,
    so under the write lock). Ids are never handed out twice; a rollback leaves a gap on PostgreSQL."""
    if count <= 0:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, column, count])
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":  # AUTOINCREMENT tables: the next id is seq + 1
            with transaction.atomic():  # the write lock, from the UPDATE to the SELECT
                cursor.execute("UPDATE sqlite_sequence SET seq = seq + %s WHERE name = %s", [count, table])
                if cursor.rowcount == 0:  # no row was ever inserted into the table
                    quote = connection.ops.quote_name
                    cursor.execute(f"INSERT INTO sqlite_sequence (name, seq) "
                                   f"SELECT %s, COALESCE(MAX({quote(column)}), 0) + %s FROM {quote(table)}",
                                   [table, count])
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                last = cursor.fetchone()[0]
            return list(range(last - count + 1, last + 1))
    raise NotImplementedError(f"reserve_ids: {connection.vendor}")


# A value of each field type whose preparation for the database may be the value itself.
_PROBES = {"CharField": "x", "TextField": "x", "IntegerField": 7, "PositiveIntegerField": 7,
           "SmallIntegerField": 7, "PositiveSmallIntegerField": 7, "BigIntegerField": 7,
           "PositiveBigIntegerField": 7, "AutoField": 7, "BigAutoField": 7, "ForeignKey": 7,
           "BooleanField": True, "DecimalField": Decimal("7.00"), "DateField": dt.date(2000, 1, 1)}


def _preparer(model_field, db) -> Callable[[Any], Any] | None:
    """How a value of ``model_field`` is prepared for the database ``db``; None when preparing gives
    back an equal value of the same type (strings and integers everywhere, dates and decimals on
    PostgreSQL), which the driver writes as it is. The last value is remembered with its preparation:
    rows share value objects (a field's default, the dates and amounts of the cell caches)."""
    probe = _PROBES.get(model_field.get_internal_type(), _MISSING)
    if probe is not _MISSING:
        prepared = model_field.get_db_prep_save(probe, db)
        if isinstance(prepared, type(probe)) and prepared == probe:
            return None
    last = [_MISSING, None]

    def prepare(value):
        if value is not last[0]:
            last[0], last[1] = value, model_field.get_db_prep_save(value, db)
        return last[1]

    return prepare


def insert_rows(model, fields: list[str], rows: Iterable[tuple], *, constants: dict[str, Any] | None = None,
                progress: Callable[[int], None] | None = None, every: int = 10_000) -> int:
    """Insert ``rows`` into ``model``'s table: tuples of Python values in the order of ``fields``
    (attnames, e.g. ``owner_unit_id``). Every other concrete field takes ``constants[attname]``, else
    what a new instance gets (its default; the time for ``auto_now``/``auto_now_add``), once for all
    rows; the primary key, when not in ``fields``, comes from the database. No model instance per
    row, no validation (the importer has done it), no RETURNING (see ``reserve_ids``).
    ``progress(rows written)`` is called every ``every`` rows. Returns the number of rows written."""
    meta, db = model._meta, connections[DEFAULT_DB_ALIAS]  # not the proxy: it is read per value
    by_attname = {f.attname: f for f in meta.concrete_fields}
    given = [by_attname[name] for name in fields]
    template = model(**(constants or {}))
    others = [f for f in meta.concrete_fields if f.attname not in fields and not f.primary_key]
    tail = tuple(f.get_db_prep_save(f.pre_save(template, add=True), db) for f in others)
    preparers = [(index, prepare) for index, f in enumerate(given) if (prepare := _preparer(f, db)) is not None]
    quote = db.ops.quote_name
    columns = ", ".join(quote(f.column) for f in [*given, *others])

    def prepared(row: tuple) -> tuple:
        if preparers:
            row = list(row)
            for index, prepare in preparers:
                row[index] = prepare(row[index])
            row = tuple(row)
        return row + tail

    written = 0
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
            with cursor.copy(sql) as copy:  # Django logs it as a query (DEBUG, tests)
                for row in rows:
                    copy.write_row(prepared(row))
                    written += 1
                    if progress is not None and written % every == 0:
                        progress(written)
        else:
            placeholders = ", ".join(["%s"] * (len(given) + len(others)))
            sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
            for chunk in chunked(rows, every):
                cursor.executemany(sql, [prepared(row) for row in chunk])
                written += len(chunk)
                if progress is not None:
                    progress(written)
    if progress is not None and written % every:
        progress(written)
    return written


# The importer -------------------------------------------------------------------------------------


class Importer:
    """Base of every module's importer. Declare ``model``, ``columns``; override hooks as needed:

    ``prefetch()``            load lookups once (one query per reference type, never per row)
    ``clean_row(row)``        checks across the columns of one row (raise ValidationError or add_error)
    ``check_across(row)``     checks against earlier rows of the file, in file order (duplicates,
                              references); the default enforces ``unique_in_file``
    ``finish()``              checks that need the whole file (e.g. a reference to a later row)
    ``build_instance(row)``   the unsaved model instance of a row (model validation and default commit)
    ``commit(rows)``          set-based writes; returns the number of records created

    ``run(file, filename)`` does it all: the caller needs nothing else, web page or background job.
    """

    model = None
    label = ""  # what is imported, in Chinese (default: the model's verbose_name_plural)
    action = "import"  # the permission checked: <app>.<action>_<model>
    columns: list[ImportColumn] = []
    unique_in_file: list[tuple[str, ...]] = []  # keys whose (non-blank) values may occur once per file
    instructions: list[str] = []  # extra bullet points for the page and the 填写说明 sheet
    validate_model = True  # run the model's full_clean() on each row (relations and uniqueness excluded)
    model_exclude: tuple[str, ...] = ()  # further model fields not to validate per row
    skip_example_row = True  # a row identical to the template's example row is ignored
    chunk_size: int | None = None
    progress_every: int | None = None

    def __init__(self, actor, *, progress: Callable[[int, int | None], None] | None = None):
        self.actor = actor
        self.progress = progress
        self.chunk_size = self.chunk_size or import_setting("CHUNK_SIZE")
        self.progress_every = self.progress_every or import_setting("PROGRESS_EVERY")
        self._by_key = {c.key: c for c in self.columns}
        self.reset()

    def reset(self) -> None:
        """Forget the state of a previous run (subclasses extend it for their own lookups)."""
        self.phase = ""
        self.result = ImportResult()
        self._seen_unique: dict[tuple[str, ...], dict[tuple, int]] = {k: {} for k in self.unique_in_file}
        self._bad_rows: set[int] = set()
        self._cells: list[tuple[str, ImportColumn, dict | None]] | None = None
        self._absent: dict[str, Any] = {}
        self._header_problems: list[str] = []
        self._unlabelled: tuple[int, ...] = ()  # positions of blank header cells
        self._header_width = 0
        self._unlabelled_data: dict[int, tuple[int, Any]] = {}  # position -> (first row, its cell)

    # Declarations ---------------------------------------------------------------------------
    def get_label(self) -> str:
        return str(self.label or self.model._meta.verbose_name_plural)

    def required_permission(self) -> str:
        return permission_name(self.model, self.action)

    def check_permission(self) -> None:
        if self.actor is None or not self.actor.has_perm(self.required_permission()):
            raise PermissionDenied(_("您没有导入%(label)s的权限。") % {"label": self.get_label()})

    def column_label(self, key: str | None) -> str:
        if not key or key == NON_FIELD_ERRORS:
            return ""
        column = self._by_key.get(key)
        if column is not None:
            return str(column.label)
        try:
            return str(self.model._meta.get_field(key).verbose_name)
        except (FieldDoesNotExist, AttributeError):
            return str(key)

    def general_instructions(self) -> list[str]:
        limit = import_setting("MAX_UPLOAD_MB")
        items = [
            _("请先下载导入模板，按模板填写。第 1 行是列标题，请勿修改文字；列的顺序可以调整，不需要的非必填列可以删除。"),
            _("支持 .xlsx 文件和 .csv 文件（UTF-8 或 GBK 编码），网页上传的文件不超过 %(mb)d MB。") % {"mb": limit},
            _("所有行都校验通过才会导入：只要有一行有错误，就不会导入任何数据，页面会列出全部错误，可下载错误报告逐条修改后重新上传。"),
        ]
        if self.skip_example_row:
            items.append(_("与模板示例行完全相同的行会被忽略，可以保留也可以删除。"))
        return items + [str(i) for i in self.instructions]

    def column_help(self) -> list[dict]:
        return [{"label": str(c.label), "required": c.required, "description": c.description(),
                 "example": display(c.example)} for c in self.columns]

    # The whole import -----------------------------------------------------------------------
    def run(self, fileobj, filename: str = "", *, dry_run: bool = False) -> ImportResult:
        """Validate every row; when all are valid (and not ``dry_run``) commit them in one transaction
        with one audit record. Never writes anything when any row has an error."""
        started = time.monotonic()
        self.check_permission()
        filename = os.path.basename(filename or getattr(fileobj, "name", "") or "")
        self.reset()
        self.result = result = ImportResult(filename=filename)
        store = RowStore()
        try:
            try:
                result.sha256 = file_sha256(fileobj)
                self.validate(fileobj, filename, store)
            except ImportFileError as exc:
                result.file_errors.extend(exc.messages)
            if result.total_rows == 0 and not result.has_errors:
                result.file_errors.append(_("文件中没有数据行。"))
            if result.has_errors or dry_run:
                return result
            self.phase = "commit"
            try:
                with transaction.atomic():
                    result.created = self.commit(store)
                    self.record_audit(result)
            except ValidationError as exc:
                result.file_errors.extend(exc.messages)
                return result
            except IntegrityError:
                result.file_errors.append(_("保存时数据库拒绝了数据（可能有人同时修改了相关数据），未导入任何数据，请重新上传。"))
                return result
            result.committed = True
            self._report(result.created, result.created)
            return result
        finally:
            store.close()
            result.seconds = round(time.monotonic() - started, 3)

    def validate(self, fileobj, filename: str, store: RowStore | None = None) -> ImportResult:
        """Read and check every row, collecting every error into ``self.result``. Valid rows go to
        ``store`` until the first error (after that nothing will be written, so nothing is kept)."""
        self.phase = "validate"
        result = self.result
        rows = iter_table(fileobj, filename)
        try:
            header_number, mapping = self.read_header(rows)
            if self._header_problems:
                # Rows are not checked against a wrong header; the file is only read to the end for
                # the columns that hold data under a blank header, so that every problem is listed.
                for number, cells in rows:
                    self._note_unlabelled(number, cells)
                raise ImportFileError(*self._header_problems, *self._unlabelled_problems(), self._header_hint(
                    header_number))
            self._prepare_cells({column.key for _index, column in mapping})
            self.prefetch()
            keys = [column.key for _index, column in mapping]
            indices = [index for index, _column in mapping]
            width = max(indices) + 1
            pick = operator.itemgetter(*indices) if len(indices) > 1 else (lambda cells: (cells[indices[0]],))
            example = self._example_signature(mapping) if self.skip_example_row else None
            done = 0
            check_unlabelled = self._note_unlabelled
            for number, cells in rows:
                check_unlabelled(number, cells)
                if len(cells) < width:
                    cells = [*cells, *[None] * (width - len(cells))]
                picked = pick(cells)
                if _blank_row(picked):
                    continue
                if example is not None and _displays_as(picked, example[1]):
                    result.skipped_example += 1
                    continue
                result.total_rows += 1
                row = ImportRow(number, {}, raw=dict(zip(keys, picked, strict=True)))
                self.validate_row(row)
                self.check_across(row)
                if store is not None and not row.has_errors and result.error_count == 0:
                    row.raw = None
                    store.append(row)
                done += 1
                if done % self.progress_every == 0:
                    self._report(done, None)
            self.finish()
            unlabelled = self._unlabelled_problems()
            if unlabelled:
                result.file_errors.extend([*unlabelled, self._header_hint(header_number)])
        finally:
            rows.close()
        result.errors.sort(key=lambda e: (e.row or 0, self._column_order(e.column)))
        result.bad_rows = len(self._bad_rows)
        return result

    def _report(self, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def _column_order(self, label: str) -> int:
        for index, column in enumerate(self.columns):
            if str(column.label) == label:
                return index
        return len(self.columns)

    def _example_signature(self, mapping):
        keys = tuple(column.key for _index, column in mapping)
        values = tuple(display(self._by_key[k].example) for k in keys)
        return (keys, values) if any(values) else None

    def read_header(self, rows: Iterator) -> tuple[int, list[tuple[int, ImportColumn]]]:
        """Find the header (the first row naming a known column, within the first 10 rows) and map
        cell positions to columns. Unknown, duplicate and missing required headers are problems of
        the file (``_header_problems``), each naming its column; a blank header cell is a problem
        only if a row has data under it (``_note_unlabelled``). Never ignores a column."""
        known: dict[str, ImportColumn] = {}
        for column in self.columns:
            for name in (column.label, *column.aliases):
                known[normalize_header(name)] = column
        for number, cells in itertools.islice(rows, 10):
            names = [normalize_header(c) for c in cells]
            if not any(n in known for n in names):
                continue
            mapping, problems, blank, seen = [], [], [], {}
            for index, name in enumerate(names):
                if not name:
                    blank.append(index)
                    continue
                column = known.get(name)
                if column is None:
                    problems.append(_("第 %(col)s 列的列标题“%(name)s”无法识别。") % {
                        "col": get_column_letter(index + 1), "name": display(cells[index])})
                elif column.key in seen:
                    problems.append(_("第 %(col)s 列的列标题“%(name)s”与第 %(first)s 列重复。") % {
                        "col": get_column_letter(index + 1), "name": display(cells[index]),
                        "first": get_column_letter(seen[column.key] + 1)})
                else:
                    seen[column.key] = index
                    mapping.append((index, column))
            missing = [str(c.label) for c in self.columns if c.required and c.key not in seen]
            if missing:
                problems.insert(0, _("缺少必填列：%(cols)s。") % {"cols": "、".join(missing)})
            self._header_problems = problems
            self._unlabelled, self._header_width = tuple(blank), len(cells)
            return number, mapping
        raise ImportFileError(_("找不到列标题行：文件的第 1 行应为列标题（%(cols)s）。请使用导入模板。") % {
            "cols": "、".join(str(c.label) for c in self.columns if c.required)})

    def _note_unlabelled(self, number: int, cells) -> None:
        """Remember the first row with data in a column without a header (a blank header cell, or
        beyond the header's last cell)."""
        width = self._header_width
        if not self._unlabelled and len(cells) <= width:
            return
        found = self._unlabelled_data
        for index in (*self._unlabelled, *range(width, len(cells))):
            if index < len(cells) and index not in found and not is_blank(cells[index]):
                found[index] = (number, cells[index])

    def _unlabelled_problems(self) -> list[str]:
        return [_("第 %(col)s 列有数据但没有列标题（第 %(row)d 行为“%(value)s”）：请填写列标题，或删除该列。") % {
            "col": get_column_letter(index + 1), "row": row, "value": display(value)[:50]}
            for index, (row, value) in sorted(self._unlabelled_data.items())]

    def _header_hint(self, number: int) -> str:
        return _("第 %(n)d 行为列标题行，允许的列：%(allowed)s。请使用导入模板。") % {
            "n": number, "allowed": "、".join(str(c.label) for c in self.columns)}

    # Row checks -------------------------------------------------------------------------------
    def add_error(self, row: ImportRow | int, key: str | None, message: str, value: Any = None) -> None:
        """Record an error of ``row`` (an ImportRow or a row number) in column ``key``."""
        number = row.number if isinstance(row, ImportRow) else row
        if isinstance(row, ImportRow):
            row.error_count += 1
            if value is None and row.raw is not None and key in row.raw:
                value = row.raw[key]
        result = self.result
        result.error_count += 1
        self._bad_rows.add(number)
        if len(result.errors) < import_setting("MAX_ERRORS"):
            result.errors.append(RowError(number, self.column_label(key), display(value), str(message)))

    def add_validation_error(self, row: ImportRow, exc: ValidationError, key: str | None = None) -> None:
        if hasattr(exc, "error_dict"):
            for field_name, errors in exc.error_dict.items():
                for message in ValidationError(errors).messages:
                    self.add_error(row, field_name, message)
        else:
            for message in exc.messages:
                self.add_error(row, key, message)

    def _prepare_cells(self, present: set[str]) -> None:
        """Once per run: the columns of the file, each with its cell cache (a dict when the parser is
        ``cacheable``), and the defaults of the columns the file leaves out (never required ones: the
        header check refuses those)."""
        self._cells = [(c.key, c, {} if getattr(c.parser, "cacheable", False) else None)
                       for c in self.columns if c.key in present]
        self._absent = {c.key: c.default for c in self.columns if c.key not in present}

    def parse_cell(self, column: ImportColumn, raw: Any) -> tuple[Any, Any]:
        """(value, problem) of one cell: the parsed value and None; or the column's default and
        ``REQUIRED`` (a blank cell in a required column) or the parser's ValidationError."""
        if is_blank(raw):
            return column.default, (REQUIRED if column.required else None)
        try:
            return column.parser(raw), None
        except ValidationError as exc:
            return column.default, exc

    def validate_row(self, row: ImportRow) -> None:
        if self._cells is None:
            self._prepare_cells(set(row.raw))
        raw, values = row.raw, row.values
        values.update(self._absent)
        for key, column, cache in self._cells:
            cell = raw.get(key)
            if cache is None:
                value, problem = self.parse_cell(column, cell)
            else:
                # 1, 1.0 and True are equal keys of a dict but not the same cell.
                memo = cell if cell.__class__ is str else (cell.__class__, cell)
                hit = cache.get(memo)
                if hit is None:
                    if len(cache) >= CELL_CACHE_SIZE:
                        cache.clear()  # a column of (nearly) unique values: keep memory bounded
                    hit = cache[memo] = self.parse_cell(column, cell)
                value, problem = hit
            values[key] = value
            if problem is not None:
                row.failed.add(key)
                if problem is REQUIRED:
                    self.add_error(row, key, _("必填，不能为空。"))
                else:
                    self.add_validation_error(row, problem, key)
        try:
            self.clean_row(row)
        except ValidationError as exc:
            self.add_validation_error(row, exc)
        if self.validate_model and self.model is not None:
            self.validate_instance(row)

    def validate_instance(self, row: ImportRow) -> None:
        """The model's own validation (field rules and ``clean()``), without a query: relations and
        uniqueness are the importer's job (prefetched lookups, ``unique_in_file``)."""
        instance = self.build_instance(row)
        if instance is None:
            return
        if not hasattr(self, "_model_exclude_cache"):
            self._model_exclude_cache = {f.name for f in self.model._meta.concrete_fields if f.is_relation} | set(
                self.model_exclude)
        exclude = self._model_exclude_cache | row.failed
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field_name, errors in exc.message_dict.items():
                if field_name in row.failed:
                    continue  # already reported by the column's parser
                for message in errors:
                    self.add_error(row, field_name, message)

    def prefetch(self) -> None:
        """Load every lookup the checks need, once (one query per reference type)."""

    def clean_row(self, row: ImportRow) -> None:
        """Checks across the columns of one row. Use ``row.ok(key, ...)`` before relying on a value."""

    def check_across(self, row: ImportRow) -> None:
        """Checks against earlier rows, called in file order for every row (valid or not), so later
        rows can refer to earlier ones. Keep what later rows need on ``self``."""
        for keys, seen in self._seen_unique.items():
            if not row.ok(*keys):
                continue
            value = tuple(row.values.get(k) for k in keys)
            if all(v in (None, "") for v in value):
                continue
            first = seen.get(value)
            if first is None:
                seen[value] = row.number
            else:
                labels = "、".join(self.column_label(k) for k in keys)
                self.add_error(row, keys[0], _("与第 %(row)d 行的“%(cols)s”重复。") % {"row": first, "cols": labels})

    def finish(self) -> None:
        """Checks that need the whole file; report with ``add_error(row_number, key, message, value)``."""

    # Writing ----------------------------------------------------------------------------------
    def build_instance(self, row: ImportRow):
        """An unsaved instance from the row: every column whose key is a plain field of the model.
        Override to set relations from ``row.extra``."""
        if self.model is None:
            return None
        return self.model(**{c.key: row.values.get(c.key, c.default) for c in self._field_columns()})

    def _field_columns(self) -> list[ImportColumn]:
        """Columns whose key is a plain (concrete, non-relational) field of the model; computed once."""
        cached = getattr(self, "_field_columns_cache", None)
        if cached is None:
            cached = []
            for column in self.columns:
                try:
                    model_field = self.model._meta.get_field(column.key)
                except FieldDoesNotExist:
                    continue
                if model_field.concrete and not model_field.is_relation:
                    cached.append(column)
            self._field_columns_cache = cached
        return cached

    def commit(self, rows: RowStore) -> int:
        """Write the valid rows (runs inside the import's transaction). Default: bulk_create in chunks."""
        created = 0
        for chunk in rows.chunks(self.chunk_size):
            self.model.objects.bulk_create([self.build_instance(r) for r in chunk], batch_size=self.chunk_size)
            created += len(chunk)
            self._report(created, len(rows))
        return created

    def audit_message(self, result: ImportResult) -> str:
        return _("导入%(label)s %(n)d 条，文件：%(file)s") % {
            "label": self.get_label(), "n": result.created, "file": result.filename}

    def record_audit(self, result: ImportResult) -> None:
        audit.record(Action.IMPORT, actor=self.actor, object_type_label=self.model._meta.label_lower,
                     object_repr=result.filename or self.get_label(), message=self.audit_message(result),
                     after={"file": result.filename, "sha256": result.sha256, "rows": result.total_rows,
                            "created": result.created})

    # Template -----------------------------------------------------------------------------------
    def template_bytes(self) -> bytes:
        """The import template: header row, an example row, and a 填写说明 sheet."""
        wb = Workbook()
        ws = wb.active
        ws.title = self.get_label()[:31]
        required_font = Font(bold=True, color="C00000")
        header_fill = PatternFill("solid", fgColor="F2F2F2")
        headers = [sheet_cell(ws, str(c.label), font=required_font if c.required else Font(bold=True))
                   for c in self.columns]
        for header in headers:
            header.fill = header_fill
        ws.append(headers)
        ws.append([sheet_cell(ws, self._example_cell(c)) for c in self.columns])
        for index, column in enumerate(self.columns, start=1):
            letter = get_column_letter(index)
            text = getattr(column.parser, "text_format", False)
            if text:
                ws.cell(row=2, column=index).number_format = "@"
                ws.column_dimensions[letter].number_format = "@"
            ws.column_dimensions[letter].width = max(12, min(40, len(str(column.label)) * 2 + 4,
                                                              len(display(column.example)) * 2 + 2))
            allowed = getattr(column.parser, "allowed_values", lambda: [])()
            if allowed and len(",".join(allowed)) < 250:
                validation = DataValidation(type="list", formula1='"' + ",".join(allowed) + '"', allow_blank=True)
                validation.error = _("请从下拉列表中选择。")
                validation.errorTitle = str(column.label)
                ws.add_data_validation(validation)
                validation.add(f"{letter}2:{letter}1048576")
        ws.freeze_panes = "A2"

        notes = wb.create_sheet(_("填写说明"))
        widths = {"A": 18, "B": 10, "C": 70, "D": 24}
        for letter, width in widths.items():
            notes.column_dimensions[letter].width = width
        notes.append([_("列名"), _("是否必填"), _("填写要求"), _("示例")])
        for cell in notes[1]:
            cell.font = Font(bold=True)
            cell.fill = header_fill
        for item in self.column_help():
            notes.append([sheet_cell(notes, item["label"]), _("必填") if item["required"] else _("选填"),
                          sheet_cell(notes, item["description"]), sheet_cell(notes, item["example"])])
        notes.append([])
        notes.append([_("说明")])
        notes.cell(row=notes.max_row, column=1).font = Font(bold=True)
        for number, text in enumerate(self.general_instructions(), start=1):
            notes.append([f"{number}.", "", text])
        for row in notes.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()

    def _example_cell(self, column: ImportColumn):
        value = column.example
        if getattr(column.parser, "text_format", False):
            return display(value)
        return value if isinstance(value, (int, float, Decimal, dt.date)) else display(value)

    def template_filename(self) -> str:
        return _("%(label)s导入模板.xlsx") % {"label": self.get_label()}

    def template_response(self) -> HttpResponse:
        return xlsx_download(self.template_bytes(), self.template_filename())


def xlsx_download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# Error reports kept for download ----------------------------------------------------------------

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def report_dir(user) -> Path:
    base = import_setting("REPORT_DIR") or Path(getattr(settings, "VAR_DIR", tempfile.gettempdir())) / "imports" / "reports"
    return Path(base) / str(user.pk)


def save_error_report(result: ImportResult, user) -> str:
    """Keep the error report for ``user`` (private directory, not served); returns its token."""
    folder = report_dir(user)
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - import_setting("REPORT_HOURS") * 3600
    for old in folder.glob("*.xlsx"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    token = uuid.uuid4().hex
    (folder / f"{token}.xlsx").write_bytes(result.error_report())
    return token


def error_report_path(user, token: str) -> Path | None:
    if not _TOKEN.match(token or ""):
        return None
    path = report_dir(user) / f"{token}.xlsx"
    return path if path.is_file() else None


# Views ------------------------------------------------------------------------------------------


class ImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("导入文件"), help_text=gettext_lazy("支持 .xlsx 和 .csv 文件。"))

    def __init__(self, *args, max_bytes: int, **kwargs):
        self.max_bytes = max_bytes
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = file_extension(upload.name)
        if extension == ".xls":
            raise ValidationError(_("不支持 Excel 97-2003（.xls）格式，请在 Excel 中另存为 .xlsx 后再上传。"))
        if extension not in SUPPORTED_EXTENSIONS:
            raise ValidationError(_("只能上传 .xlsx 或 .csv 文件（当前文件：%(name)s）。") % {"name": upload.name})
        if upload.size > self.max_bytes:
            raise ValidationError(_("文件过大（%(size).1f MB），网页上传不能超过 %(max)d MB。") % {
                "size": upload.size / 1024 / 1024, "max": self.max_bytes // (1024 * 1024)})
        return upload


class ImportView(ScopedViewMixin, View):
    """The upload page of an importer: instructions, template link, upload form, error table.

    Subclasses set ``model``, ``importer_class``, ``template_url_name`` and ``success_url``.
    """

    action = "import"
    importer_class: type[Importer] = None
    template_name = "core/import.html"
    template_url_name = ""
    success_url = ""
    success_message = gettext_lazy("已成功导入 %(count)d 条记录。")

    def get_importer(self) -> Importer:
        return self.importer_class(self.request.user)

    def max_upload_bytes(self) -> int:
        return int(import_setting("MAX_UPLOAD_MB") * 1024 * 1024)

    def get_form(self, data=None, files=None) -> ImportForm:
        return ImportForm(data, files, max_bytes=self.max_upload_bytes())

    def get(self, request, *args, **kwargs):
        if "report" in request.GET:
            return self.error_report_response(request.GET["report"])
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form)
        upload = form.cleaned_data["file"]
        result = self.get_importer().run(upload, upload.name)
        if result.committed:
            messages.success(request, self.get_success_message(result))
            return HttpResponseRedirect(resolve_url(self.success_url))
        token = save_error_report(result, request.user)
        return self.render(self.get_form(), result=result, report_token=token)

    def get_success_message(self, result: ImportResult) -> str:
        return str(self.success_message) % {"count": result.created, "file": result.filename}

    def error_report_response(self, token: str):
        path = error_report_path(self.request.user, token)
        if path is None:
            raise Http404(_("错误报告不存在或已过期，请重新上传文件。"))
        name = _("%(label)s导入错误报告.xlsx") % {"label": self.get_importer().get_label()}
        return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)

    def get_title(self, importer: Importer) -> str:
        return _("导入%(label)s") % {"label": importer.get_label()}

    def render(self, form, result: ImportResult | None = None, report_token: str = ""):
        importer = self.get_importer()
        shown = import_setting("ERRORS_SHOWN")
        context = {
            "title": self.get_title(importer),
            "breadcrumbs": self.get_breadcrumbs(),
            "opts": self.model._meta,
            "form": form,
            "importer": importer,
            "columns": importer.column_help(),
            "instructions": importer.general_instructions(),
            "template_url": resolve_url(self.template_url_name) if self.template_url_name else "",
            "result": result,
            "errors": result.errors[:shown] if result else [],
            "errors_hidden": (result.error_count - min(shown, len(result.errors))) if result else 0,
            "report_url": f"{self.request.path}?report={report_token}" if report_token else "",
        }
        return render(self.request, self.template_name, context)


class ImportTemplateView(ScopedViewMixin, View):
    """Downloads the importer's template (.xlsx)."""

    action = "import"
    importer_class: type[Importer] = None

    def get(self, request, *args, **kwargs):
        return self.importer_class(request.user).template_response()
