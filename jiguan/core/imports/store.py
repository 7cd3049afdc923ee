"""Where validated rows wait and how they are written: ``ImportRow``, the spooled ``RowStore`` and the
set-based writes (``reserve_ids``, ``insert_rows``: COPY on PostgreSQL, executemany elsewhere)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from .parsers import _MISSING
from .readers import import_setting


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
