"""One column definition serves the HTML list and its Excel export, so an export is what the list shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    accessor: str | Callable[[Any], Any] | None = None  # dotted attribute path or a callable
    link: bool = False  # render as a link to the row's detail page
    html: bool = True  # shown in the HTML table
    export: bool = True  # written to the Excel export

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

    def html_columns(self) -> list[Column]:
        return [c for c in self.columns if c.html]

    def export_columns(self) -> list[Column]:
        return [c for c in self.columns if c.export]

    def html_rows(self, objects) -> list[dict]:
        cols = self.html_columns()
        return [{"object": obj, "cells": [(c, c.value(obj)) for c in cols]} for obj in objects]
