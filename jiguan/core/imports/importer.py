"""The declarative importer: ``ImportColumn``, ``RowError``, ``ImportResult`` and ``Importer`` (read,
validate every row, all-or-nothing commit, template download)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import operator
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    ImproperlyConfigured,
    PermissionDenied,
    ValidationError,
)
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from jiguan.audit import services as audit
from jiguan.audit.models import Action

from ..exports import sheet_cell
from ..scoping import permission_name
from .parsers import REQUIRED, Text, display, is_blank
from .readers import (
    XLSX_CONTENT_TYPE,
    ImportFileError,
    _blank_row,
    _displays_as,
    file_sha256,
    import_setting,
    iter_table,
    normalize_header,
)
from .store import ImportRow, RowStore

CELL_CACHE_SIZE = 50_000  # distinct cells remembered per column and import


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


def _bold_cell(ws, value):
    return sheet_cell(ws, value, font=Font(bold=True))


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
        """Write the valid rows (runs inside the import's transaction). Default: bulk_create in chunks,
        then ``after_create`` for each chunk."""
        created = 0
        for chunk in rows.chunks(self.chunk_size):
            instances = self.model.objects.bulk_create([self.build_instance(r) for r in chunk],
                                                       batch_size=self.chunk_size)
            self.after_create(instances)
            created += len(chunk)
            self._report(created, len(rows))
        return created

    def history_summary(self) -> str:
        return _("批量导入，文件：%(file)s") % {"file": self.result.filename or self.get_label()}

    def after_create(self, instances: list) -> None:
        """After a chunk's bulk insert (same transaction): when the model keeps a history
        (``core.history``), one 登记 entry on each new object, written at once. An importer whose
        ``commit`` writes its own entries (assets' 导入 events) does not call this."""
        from jiguan.core import history

        if not instances or not history.is_registered(self.model):
            return
        if any(obj.pk is None for obj in instances):
            raise ImproperlyConfigured(
                f"{self.model._meta.label}: the database returned no ids from the bulk insert, so the "
                "imported rows' history cannot be written; override after_create or commit")
        history.add_many(instances, "create", self.history_summary(), actor=self.actor)

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
