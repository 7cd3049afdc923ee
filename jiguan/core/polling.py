"""``updated_since``: every list API whose model has ``updated_at`` can be polled by other systems.

``UpdatedSinceFilter`` is one of REST_FRAMEWORK's DEFAULT_FILTER_BACKENDS, so every list operation
of every viewset has it, and a new module's lists too, without a line of their own:

- ``?updated_since=2026-12-01T08:00:00+08:00``: only rows whose ``updated_at`` is at or after that
  instant (ISO 8601; ``Z`` or an offset; a date-time without an offset and a date alone are read in
  the project's TIME_ZONE, a date being its start, 00:00). An unreadable value is 400
  ``validation_error`` with a Chinese message on the ``updated_since`` field.
- The rows are then in the order polling needs, ``updated_at, id`` (the ``ordering`` parameter is
  ignored), so a page never reshuffles.
- Pagination's ``next`` link of such a list is a keyset cursor: ``updated_since`` is the last row's
  ``updated_at`` (to the microsecond) and ``after_id`` its id; with ``after_id`` the list holds the
  rows updated after that instant and those updated at exactly that instant with a greater id. A
  row changed while the poller pages through moves to the end, where a later page finds it, and a
  thousand rows stamped with the same instant by one set-based update are paged through by id.

How an integrator polls without missing rows (the overlap window for transactions that commit late):
docs/development/events.md, "Polling with updated_since". Set-based ``.update()`` calls must set
``updated_at`` themselves (``auto_now`` applies to ``save()`` only), or pollers miss those rows.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend

PARAM = "updated_since"
AFTER_PARAM = "after_id"
FIELD = "updated_at"

# A "+" written unencoded in a query string arrives as a space: "…T08:00:00 08:00" means +08:00.
_PLUS_AS_SPACE = re.compile(r"^(?P<head>.+T[\d:.]+) (?P<offset>\d{2}(:?\d{2})?)$")


def has_updated_at(model) -> bool:
    return model is not None and any(f.name == FIELD for f in model._meta.concrete_fields)


def parse_updated_since(raw: str) -> dt.datetime:
    """The aware instant ``raw`` names; ``ValidationError`` (Chinese, on ``updated_since``) otherwise."""
    value = _PLUS_AS_SPACE.sub(r"\g<head>+\g<offset>", raw.strip())
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is not None:
                moment = dt.datetime.combine(day, dt.time.min)
    except ValueError:  # well formed but not a date (2026-13-01, 25:00)
        moment = None
    if moment is not None:
        try:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, timezone.get_default_timezone())
            return moment.astimezone(dt.UTC)  # as the database compares it; 0001-01-01+08:00 has no UTC
        except OverflowError:
            pass
    raise exceptions.ValidationError({PARAM: [_(
        "“%(value)s”不是有效的时间，请使用 ISO 8601 格式，例如 2026-12-01T08:00:00+08:00 或 2026-12-01。")
        % {"value": raw[:40]}]})


def _parse_after(raw: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= 2**63 - 1:  # a primary key (bigint)
        raise exceptions.ValidationError({AFTER_PARAM: [_("请填写非负整数（上一页最后一条记录的 id）。")]})
    return value


def polls(view) -> bool:
    """Whether ``view`` is a list operation over a model with ``updated_at``."""
    queryset = getattr(view, "queryset", None)
    if queryset is None or not has_updated_at(queryset.model):
        return False
    return getattr(view, "action", None) == "list"  # a viewset's list (a detail or an action: never)


class UpdatedSinceFilter(BaseFilterBackend):
    """``?updated_since=`` (and ``after_id``, the keyset cursor of the ``next`` link) on every list
    whose model has ``updated_at``; ordered by ``updated_at, id`` when given (module docstring)."""

    def filter_queryset(self, request, queryset, view):
        if not polls(view):
            return queryset
        raw = request.query_params.get(PARAM, "")
        after = request.query_params.get(AFTER_PARAM, "")
        if not raw.strip():
            if after.strip():
                raise exceptions.ValidationError({AFTER_PARAM: [_("after_id 须与 updated_since 一起使用。")]})
            return queryset
        since = parse_updated_since(raw)
        if after.strip():
            condition = Q(**{f"{FIELD}__gt": since}) | Q(**{FIELD: since, "pk__gt": _parse_after(after)})
        else:
            condition = Q(**{f"{FIELD}__gte": since})
        request.jiguan_polling = True  # core.rest.Pagination: the next link is the keyset cursor
        return queryset.filter(condition).order_by(FIELD, "pk")

    def get_schema_operation_parameters(self, view):
        if not polls(view):
            return []
        return [
            {"name": PARAM, "in": "query", "required": False,
             "schema": {"type": "string", "format": "date-time"},
             "description": "For systems that poll: only rows whose `updated_at` is at or after this instant "
                            "(ISO 8601, e.g. `2026-12-01T08:00:00+08:00` or `…Z`; encode `+` as `%2B`; without "
                            "an offset, and for a date alone such as `2026-12-01` (its start), the server's "
                            "time zone: TIME_ZONE, by default Asia/Shanghai). The rows are then ordered by `updated_at, id` "
                            "(`ordering` is ignored) and `next` is a keyset cursor (`updated_since` and "
                            "`after_id` of the page's last row): follow it to page through. An invalid value "
                            "is 400 `validation_error`. See docs/development/events.md, \"Polling with "
                            "updated_since\"."},
            {"name": AFTER_PARAM, "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
             "description": "With `updated_since` only (the `next` link sets it): rows updated after "
                            "`updated_since`, and those updated at exactly that instant whose id is greater."},
        ]
