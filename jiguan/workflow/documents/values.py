"""Reading a declaration's field specs (``DocumentType.fields`` / ``line_fields``) off an object:
the label and the text a page or the 审批表 shows."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _

EMPTY = "—"


def _model_field(model, path: list[str]):
    """The model field at the end of ``path`` ("asset.code" -> Asset.code), or None."""
    field = None
    for name in path:
        if model is None:
            return None
        try:
            field = model._meta.get_field(name)
        except (FieldDoesNotExist, AttributeError):
            return None
        model = field.related_model
    return field


def _resolve(obj, path: list[str]):
    value = obj
    for index, name in enumerate(path):
        if value is None:
            return None
        if index == len(path) - 1:
            display = getattr(value, f"get_{name}_display", None)
            if callable(display):
                return display()
        value = getattr(value, name, None)
        if callable(value) and not hasattr(value, "_meta"):
            value = value()
    return value


def text_of(value) -> str:
    """How a value reads on a page or the 审批表: a unit or person by name, money grouped to the cent,
    dates as 2026-12-02, times in local time, nothing as a dash."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    for attr in ("display_name", "name"):
        named = getattr(value, attr, None)
        if isinstance(named, str) and named and hasattr(value, "_meta"):
            return named
    return str(value)


def read(obj, spec) -> tuple[str, str]:
    """(label, text) of one field spec on ``obj``: a field name or dotted path (labelled with the
    model field's verbose name), or (label, accessor) with a dotted path or callable(obj)."""
    if isinstance(spec, (tuple, list)):
        label, accessor = spec
        if callable(accessor):
            return str(label), text_of(accessor(obj))
        return str(label), text_of(_resolve(obj, accessor.split(".")))
    path = spec.split(".")
    field = _model_field(type(obj), path)
    label = str(field.verbose_name) if field is not None else spec
    return label, text_of(_resolve(obj, path))


def rows(obj, specs: Iterable) -> list[tuple[str, str]]:
    return [read(obj, spec) for spec in specs]


def labels(model, specs: Iterable) -> list[str]:
    """The column labels of ``specs`` over rows of ``model`` (a lines table's header)."""
    out = []
    for spec in specs:
        if isinstance(spec, (tuple, list)):
            out.append(str(spec[0]))
        else:
            field = _model_field(model, spec.split("."))
            out.append(str(field.verbose_name) if field is not None else spec)
    return out


def cells(obj, specs: Iterable) -> list[str]:
    return [read(obj, spec)[1] for spec in specs]


