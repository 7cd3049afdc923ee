"""Reading standards. Modules never hard-code a standard value: they call these with the date the
calculation is about (the acquisition date, the month being depreciated, the reading's date).

    from jiguan.standards.selectors import standard_value

    life = standard_value("depreciation_life", "computer", asset.acquired_on).value   # Decimal("6")

A version is in force on ``on_date`` when ``effective_from <= on_date`` and (``effective_to`` is null
or ``on_date < effective_to``). There is at most one such version per key (the approval service
closes the previous version where the next one starts).
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import StandardEntry, StandardTable


class StandardNotFound(LookupError):
    """No version of the key is in force on the date (or the table or key does not exist)."""

    def __init__(self, message: str, *, table_code: str, key: str | None = None, on_date: date | None = None):
        super().__init__(message)
        self.message = message
        self.table_code, self.key, self.on_date = table_code, key, on_date

    def __str__(self) -> str:
        return self.message


def as_date(on_date: date | datetime) -> date:
    if isinstance(on_date, datetime):
        return timezone.localtime(on_date).date() if timezone.is_aware(on_date) else on_date.date()
    if not isinstance(on_date, date):
        raise TypeError(f"on_date must be a date, not {type(on_date).__name__}")
    return on_date


def get_table(table_code: str) -> StandardTable:
    table = StandardTable.objects.filter(code=table_code).first()
    if table is None:
        raise StandardNotFound(_("数据标准表“%(table)s”不存在。") % {"table": table_code}, table_code=table_code)
    return table


def standard_value(table_code: str, key: str, on_date: date | datetime) -> StandardEntry:
    """The version of ``key`` in table ``table_code`` in force on ``on_date``.

    Returns the ``StandardEntry`` (``.value``, ``.value2``, ``.unit``, ``.attrs``, ``.source``,
    ``.confidence``, ``.version``). Raises ``StandardNotFound`` with a Chinese message that says
    which table, key and date had no value. One indexed query.
    """
    day = as_date(on_date)
    entry = (StandardEntry.objects.in_force(day).filter(table__code=table_code, key=key)
             .select_related("table").first())
    if entry is not None:
        return entry
    table = get_table(table_code)
    if not StandardEntry.objects.filter(table=table, key=key).exists():
        message = _("数据标准“%(table)s”中没有“%(key)s”。") % {"table": table.name, "key": key}
    else:
        message = _("数据标准“%(table)s”中“%(key)s”在 %(date)s 没有有效的版本。") % {
            "table": table.name, "key": key, "date": day.isoformat()}
    raise StandardNotFound(message, table_code=table_code, key=key, on_date=day)


def standard_values(table_code: str, on_date: date | datetime) -> dict[str, StandardEntry]:
    """Every key of the table in force on ``on_date``, by key: one query for a batch calculation
    (e.g. depreciating thousands of assets for one month). Raises if the table does not exist."""
    day = as_date(on_date)
    entries = {e.key: e for e in StandardEntry.objects.in_force(day).filter(table__code=table_code)
               .select_related("table")}
    if not entries:
        get_table(table_code)  # raises when the table does not exist; an empty table is no error
    return entries


def entries_in_force(table: StandardTable, on_date: date):
    return StandardEntry.objects.in_force(on_date).filter(table=table)


def key_history(table: StandardTable, key: str):
    """Every version of a key, oldest first."""
    return (StandardEntry.objects.filter(table=table, key=key).select_related("approved_by")
            .order_by("effective_from"))


def latest_version(table: StandardTable, key: str) -> StandardEntry | None:
    """The version with the latest start date (the one a change request builds on)."""
    return StandardEntry.objects.filter(table=table, key=key).order_by("-effective_from").first()
