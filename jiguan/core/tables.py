"""One column definition serves the HTML list and its Excel export, so an export is what the list shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

# render_value_in_context (localisation, time zone, escaping) as a template would apply it.
_CELL_CONTEXT = Context(autoescape=True)


def display(value):
    """How a table cell shows a value: booleans as 是/否, None as a dash."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(value) \
            else value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def money(value) -> str:
    """An amount of 元 as every page, message and sheet writes it: thousands separators, to the cent
    (1,234,567.80); None or blank as a dash."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(str(value)):,.2f}"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    accessor: str | Callable[[Any], Any] | None = None  # dotted attribute path or a callable
    link: bool = False  # render as a link to the row's detail page (always shown: the row's way in)
    html: bool = True  # shown in the HTML table
    export: bool = True  # written to the Excel export
    default: bool = True  # shown until the user chooses the columns (列设置); False: offered in the chooser
    sort: str = ""  # the indexed field the header sorts by ("code"); "" for a column that does not sort

    def value(self, obj) -> Any:
        accessor = self.accessor or self.key
        if callable(accessor):
            return accessor(obj)
        value = obj
        for part in accessor.split("."):
            if value is None:
                return None
            display = getattr(value, f"get_{part}_display", None)
            value = display() if callable(display) else getattr(value, part, None)
        if isinstance(value, models.Model):
            return str(value)
        return value


class Table:
    columns: list[Column] = []
    row_actions_template: str = ""  # a template rendered in a last cell per row, with ``object``

    def __init__(self, columns: list[Column] | None = None):
        if columns is not None:
            self.columns = columns

    def html_columns(self, chosen: list[str] | None = None) -> list[Column]:
        """The page's columns: the defaults, or the ``chosen`` keys (a user's 列设置) in the table's
        order, the link column always among them."""
        if chosen:
            wanted = set(chosen)
            picked = [c for c in self.columns if c.html and (c.key in wanted or c.link)]
            if picked:
                return picked
        return self.default_columns()

    def default_columns(self) -> list[Column]:
        return [c for c in self.columns if c.html and c.default]

    def choosable_columns(self) -> list[Column]:
        """Every column the page can show (what the column chooser lists)."""
        return [c for c in self.columns if c.html]

    def sort_field(self, value: str) -> str | None:
        """``?sort=`` as an order_by argument ("-acquired_on"): a column's key, "-" first for descending,
        when that column sorts; None otherwise (unknown keys are ignored, never an error)."""
        descending = value.startswith("-")
        key = value[1:] if descending else value
        for column in self.columns:
            if column.sort and column.key == key:
                return f"-{column.sort}" if descending else column.sort
        return None

    def export_columns(self) -> list[Column]:
        return [c for c in self.columns if c.export]

    def html_rows(self, objects, columns: list[Column] | None = None) -> list[dict]:
        """Per row: the object, its (column, value) cells, and ``cells_html``, the row's ``<td>``s
        rendered here rather than by a template loop (20 rows × 15 columns of template tags cost a
        list page more than its queries; docs/performance.md). Each cell carries its column's label
        (``data-label``), which the phone layout shows beside the value (a row becomes a card)."""
        cols = columns if columns is not None else self.html_columns()
        labels = [escape(str(c.label)) for c in cols]
        rows = []
        for obj in objects:
            cells = [(c, c.value(obj)) for c in cols]
            parts, url = [], None
            for (col, value), label in zip(cells, labels, strict=True):
                text = render_value_in_context(display(value), _CELL_CONTEXT)
                if col.link:
                    url = url if url is not None else escape(obj.get_absolute_url())
                    parts.append(f'<td data-label="{label}" class="cell-link"><a href="{url}">{text}</a></td>')
                else:
                    parts.append(f'<td data-label="{label}">{text}</td>')
            rows.append({"object": obj, "cells": cells, "cells_html": mark_safe("".join(parts))})  # noqa: S308
        return rows
