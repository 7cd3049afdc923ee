"""Asset reports (资产报表): 资产汇总表 (by unit × class at a date), 状态统计 and 处置统计.

The figures come from ``selectors.py`` (grouped queries, constant query count); these views pick the
unit (only units in the user's scope for ``assets.report_asset``: anything else is a 404), render the
rows and export exactly those rows to Excel through ``jiguan.core.exports``.
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core import exports
from jiguan.core.forms import DateField
from jiguan.core.tables import Column, Table
from jiguan.core.views import ScopedViewMixin, focus_path
from jiguan.org.forms import ScopedFormMixin
from jiguan.org.models import OrgKind
from jiguan.org.picker import ABOVE_DEPARTMENTS, UnitChoices, UnitPickerField

from . import selectors
from .models import Asset

# ---------------------------------------------------------------------------------------------
# The unit (and date) picker
# ---------------------------------------------------------------------------------------------


class ReportForm(ScopedFormMixin, forms.Form):
    # Typed by name or pinyin initials (org.picker); left empty, the report opens on the default unit.
    unit = UnitPickerField(label=gettext_lazy("统计单位（含下级）"), required=False,
                           blank=gettext_lazy("（默认单位）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].offer(UnitChoices(perm=selectors.REPORT_PERMISSION, **ABOVE_DEPARTMENTS), self.user)


class SummaryForm(ReportForm):
    on = DateField(label=gettext_lazy("统计日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                         help_text=gettext_lazy("该日已入账、尚未处置的资产；累计折旧计至该月末"))
    level = forms.TypedChoiceField(label=gettext_lazy("分类级次"), coerce=int, required=False, empty_value=3,
                                   choices=[(k, v) for k, v in selectors.CLASS_LEVELS.items()])


# ---------------------------------------------------------------------------------------------
# Row rendering shared by the page and the export
# ---------------------------------------------------------------------------------------------


class _Rows(list):
    """Report rows handed to ``exports.workbook_bytes``, which slices and iterates like a queryset."""

    def __getitem__(self, index):
        result = super().__getitem__(index)
        return _Rows(result) if isinstance(index, slice) else result

    def iterator(self, chunk_size=None):
        return iter(self)


SUMMARY_TABLE = Table([
    Column("unit_name", gettext_lazy("单位")),
    Column("class_code", gettext_lazy("分类代码")),
    Column("class_name", gettext_lazy("资产分类")),
    Column("count", gettext_lazy("卡片数")),
    Column("quantity", gettext_lazy("数量")),
    Column("original_value", gettext_lazy("原值（元）")),
    Column("accumulated", gettext_lazy("累计折旧（元）")),
    Column("net_value", gettext_lazy("净值（元）")),
])

STATUS_TABLE = Table([
    Column("label", gettext_lazy("使用状态")),
    Column("count", gettext_lazy("卡片数")),
    Column("quantity", gettext_lazy("数量")),
    Column("original_value", gettext_lazy("原值（元）")),
])

DISPOSAL_TABLE = Table([
    Column("year", gettext_lazy("年度")),
    Column("method_name", gettext_lazy("处置方式")),
    Column("disposals", gettext_lazy("处置单数")),
    Column("count", gettext_lazy("处置资产数（张）")),
    Column("original_value", gettext_lazy("原值（元）")),
    Column("income", gettext_lazy("处置收入（元）")),
])

NUMBERS = {"count", "quantity", "disposals"}
MONEY = {"original_value", "accumulated", "net_value", "income"}


def display(key: str, value):
    """A cell as the page shows it: amounts to the cent with thousands separators (1,234,567.80)."""
    if key in MONEY:
        return f"{value:,.2f}"
    if key in NUMBERS:
        return f"{value:,}"
    return "" if value is None else value


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


class ReportView(ScopedViewMixin, generic.TemplateView):
    """A report page: requires ``assets.report_asset``; the unit must be in that scope (else 404)."""

    model = Asset
    action = "report"
    template_name = "assets/report.html"
    form_class = ReportForm
    table: Table = None
    title = ""
    tab = ""

    def get(self, request, *args, **kwargs):
        self.form = self.form_class(request.GET or None, user=request.user)
        self.unit, self.params, self.rows = None, {}, None
        if self.form.is_bound and not self.form.is_valid():
            if "unit" in self.form.errors:
                raise Http404(_("单位不存在，或不在您的数据范围内。"))
        else:
            data = self.form.cleaned_data if self.form.is_bound else {}
            self.unit = data.get("unit") or selectors.default_report_unit(request.user, focus_path(request))
            if self.unit is not None:
                self.params = self.parameters(data)
                self.rows = _Rows(self.build(self.unit, **self.params))
                self.show_values({"unit": self.unit.pk, **self.params})
                if request.GET.get("export") == "xlsx":
                    return self.export()
        return self.render_to_response(self.get_context_data())

    def show_values(self, values: dict) -> None:
        """The form shows the values the report used, defaults included."""
        shown = {k: v.isoformat() if hasattr(v, "isoformat") else str(v) for k, v in values.items()}
        if self.form.is_bound:
            data = self.form.data.copy()
            for key, value in shown.items():
                if not data.get(key):
                    data[key] = value
            self.form.data = data
        else:
            self.form.initial = shown

    def parameters(self, data) -> dict:
        return {}

    def build(self, unit, **params) -> list:
        raise NotImplementedError

    def export_title(self) -> str:
        return f"{self.title}-{self.unit.name}"

    def export(self):
        name = self.export_title()
        conditions = "，".join(f"{self.form.fields[key].label}：{exports.condition_text(self.form.fields[key], value)}"
                               for key, value in self.params.items() if key in self.form.fields)
        subtitle = exports.export_subtitle(scope=_("%(unit)s（含下级）") % {"unit": self.unit.name},
                                           conditions=conditions)
        content = exports.workbook_bytes(self.rows, self.table, str(self.title), subtitle=subtitle)
        audit.record(Action.EXPORT, object_type_label=Asset._meta.label_lower, object_repr=name,
                     message=_("导出 %(name)s，条件：%(query)s") % {
                         "name": name, "query": self.request.GET.urlencode()[:300]})
        return exports.xlsx_response(content, name)

    def query(self, unit=None) -> str:
        """The query string of this report for ``unit`` (default: the current one) and its parameters."""
        unit = unit or self.unit
        values = {"unit": unit.pk} if unit else {}
        values.update({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in self.params.items()})
        return urlencode(values)

    def drill_link(self, row) -> str:
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        columns = self.table.html_columns()
        context.update({
            "title": self.title, "tab": self.tab, "form": self.form, "unit": self.unit, "params": self.params,
            "columns": columns, "numbers": NUMBERS, "money": MONEY,
            "rows": [{"kind": row.kind, "link": self.drill_link(row),
                      "cells": [(c, display(c.key, c.value(row))) for c in columns]} for row in (self.rows or [])],
            "unit_query": urlencode({"unit": self.unit.pk}) if self.unit else "",
            "export_query": f"{self.query()}&export=xlsx" if self.unit else "",
        })
        return context

    def get_breadcrumbs(self):
        return [(gettext_lazy("资产报表"), "assets:report"), (self.title, None)]


class SummaryReportView(ReportView):
    """资产汇总表: by direct child unit × class, for any subtree and date."""

    form_class = SummaryForm
    table = SUMMARY_TABLE
    title = gettext_lazy("资产汇总表")
    tab = "summary"

    def parameters(self, data) -> dict:
        return {"on": data.get("on") or timezone.localdate(), "level": data.get("level") or 3}

    def build(self, unit, on, level):
        self.summary = selectors.asset_summary(self.request.user, unit, on, level)
        return self.summary.rows

    def export_title(self) -> str:
        return f"{self.title}-{self.unit.name}-{self.params['on'].isoformat()}"

    def drill_link(self, row) -> str:
        """The same report one level down, for a child unit's rows (departments are not offered)."""
        child = row.unit
        if row.kind == selectors.TOTAL or child is None or child.pk == self.unit.pk:
            return ""
        if getattr(child, "kind", None) == OrgKind.DEPARTMENT:
            return ""
        return "?" + self.query(child)


class StatusReportView(ReportView):
    """状态统计: cards and original value by status."""

    table = STATUS_TABLE
    title = gettext_lazy("资产状态统计")
    tab = "status"

    def build(self, unit):
        return selectors.status_counts(self.request.user, unit)


class DisposalReportView(ReportView):
    """处置统计: completed disposals by year and method."""

    table = DISPOSAL_TABLE
    title = gettext_lazy("资产处置统计")
    tab = "disposals"

    def build(self, unit):
        return selectors.disposal_stats(self.request.user, unit)
