"""An audit record's before/after as the audit administrator (审计管理员) reads it: one row per field,
labelled with the model field's Chinese name, foreign keys by name, choices by label, 是/否, amounts
with thousands separators and dates as YYYY-MM-DD, instead of the stored JSON of field names, ids
and codes. The stored JSON stays what the chain hashes; this only reads it."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from jiguan.core.tables import money

EMPTY = "—"


def model_of(object_type: str) -> type[models.Model] | None:
    """The model an audit record names ("org.orgunit"), or None when it is gone or was never one."""
    if not object_type or "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _fields_by_key(model: type[models.Model] | None) -> dict[str, models.Field]:
    """Snapshot keys to fields: a foreign key is stored under its column ("parent_id", audit.snapshot)
    or by hand under its name ("parent", orgunit_move); both lead to the field."""
    if model is None:
        return {}
    found: dict[str, models.Field] = {}
    for field in model._meta.get_fields():
        if not isinstance(field, models.Field):
            continue  # reverse relations are never in a snapshot
        found.setdefault(field.name, field)
        attname = getattr(field, "attname", None)
        if attname:
            found.setdefault(attname, field)
    return found


def _is_fk(field: models.Field | None) -> bool:
    return field is not None and field.is_relation and (field.many_to_one or field.one_to_one) \
        and field.concrete


def _names(fk_values: dict[models.Field, set]) -> dict[models.Field, dict[str, str]]:
    """``str(obj)`` of the rows the foreign keys point at: one query per related model, whatever
    the number of fields pointing at it (a unit's 上级单位 and a step's 指定单位 share one)."""
    by_model: dict[tuple, set] = {}
    for field, values in fk_values.items():
        target = field.target_field
        key = (field.related_model, target.attname)
        for value in values:
            try:
                by_model.setdefault(key, set()).add(target.to_python(value))
            except (ValidationError, TypeError, ValueError):
                continue
    looked_up: dict[tuple, dict[str, str]] = {}
    for (related, attname), values in by_model.items():
        if not values:
            continue
        rows = related._base_manager.filter(**{f"{attname}__in": values})
        looked_up[(related, attname)] = {str(getattr(obj, attname)): str(obj) for obj in rows}
    return {field: looked_up.get((field.related_model, field.target_field.attname), {}) for field in fk_values}


def _plain(value: Any) -> str:
    """A value of a key that names no field (the model is gone, or the key was written by hand)."""
    if value is None or value == "":
        return EMPTY
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, list):
        return "、".join(_plain(item) for item in value) or EMPTY
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _decimal(field: models.DecimalField, value: Any) -> str:
    if field.decimal_places == 2:
        return money(value)
    try:
        return f"{Decimal(str(value)):,}"
    except InvalidOperation:
        return str(value)


def _datetime(value: Any) -> str:
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(parsed, datetime):
        return str(value)
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return parsed.strftime("%Y-%m-%d %H:%M:%S")


def _date(value: Any) -> str:
    parsed = parse_date(value[:10]) if isinstance(value, str) else value
    return parsed.strftime("%Y-%m-%d") if isinstance(parsed, date) else str(value)


def format_value(field: models.Field | None, value: Any, names: dict[str, str] | None = None) -> str:
    """One stored value as a page shows it."""
    if value is None or value == "":
        return EMPTY
    if field is None:
        return _plain(value)
    if _is_fk(field):
        return (names or {}).get(str(value)) or _("（已删除）#%(id)s") % {"id": value}
    if field.choices and not isinstance(value, list | dict):
        labels = {str(code): str(label) for code, label in field.flatchoices}
        return labels.get(str(value), str(value))
    if isinstance(field, models.BooleanField):
        return _plain(bool(value))
    if isinstance(field, models.DecimalField):
        return _decimal(field, value)
    if isinstance(field, models.DateTimeField):
        return _datetime(value)
    if isinstance(field, models.DateField):
        return _date(value)
    return _plain(value)


def readable_changes(event) -> list[dict]:
    """The rows of an audit record's change table: ``{"key", "label", "before", "after"}`` per field,
    in the model's field order (keys of no field after them, by name). For an update (both snapshots)
    only the fields whose values differ; for a create or a delete every field stored. ``label`` is
    the field's verbose_name when the record's object type is a model that still exists, else the
    stored key. Foreign keys are resolved in one query per related model; a row gone since reads
    "（已删除）#id"."""
    before = event.before if isinstance(event.before, dict) else None
    after = event.after if isinstance(event.after, dict) else None
    if before is None and after is None:
        return []
    if before is not None and after is not None:
        keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    else:
        keys = list((before or after).keys())
    fields = _fields_by_key(model_of(event.object_type))
    order = {key: i for i, key in enumerate(fields)}
    keys.sort(key=lambda k: (k not in fields, order.get(k, 0), k))

    fk_values: dict[models.Field, set] = {}
    for key in keys:
        field = fields.get(key)
        if _is_fk(field):
            for snapshot in (before, after):
                value = (snapshot or {}).get(key)
                if value is not None and value != "" and not isinstance(value, list | dict):
                    fk_values.setdefault(field, set()).add(value)
    names = _names(fk_values) if fk_values else {}

    rows = []
    for key in keys:
        field = fields.get(key)
        field_names = names.get(field, {}) if field is not None else {}
        rows.append({
            "key": key,
            "label": str(field.verbose_name) if field is not None else key,
            "before": format_value(field, before.get(key), field_names) if before is not None else EMPTY,
            "after": format_value(field, after.get(key), field_names) if after is not None else EMPTY,
        })
    return rows
