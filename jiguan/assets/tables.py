"""Column lists of the assets pages: one list serves the HTML table and its Excel export.

Money shows grouped in the page (6,000.00) and as a number in the export: such columns come in
pairs, one for each side (``money``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from jiguan.core.tables import Column, Table
from jiguan.core.tables import money as money_text
from jiguan.workflow.documents import document_badge
from jiguan.workflow.documents import status as documents

from .models import AssetStatus, RunStatus, period_label

STATUS_STYLE = {
    AssetStatus.IN_USE: "text-bg-success",
    AssetStatus.IDLE: "text-bg-warning",
    AssetStatus.REPAIR: "text-bg-info",
    AssetStatus.LENT: "text-bg-primary",
    AssetStatus.WAREHOUSE: "text-bg-secondary",
    AssetStatus.PENDING_DISPOSAL: "text-bg-danger",
    AssetStatus.DISPOSED: "text-bg-dark",
}
DOC_STYLE = documents.STYLE  # the kernel's document statuses (jiguan.workflow.documents)
RUN_STYLE = {RunStatus.RUNNING: "text-bg-primary", RunStatus.DONE: "text-bg-success", RunStatus.FAILED: "text-bg-danger"}


def yuan(value) -> str:
    """6000 -> "6,000.00" (core.tables.money); None -> "" (the cell shows a dash)."""
    if value is None or value == "":
        return ""
    return money_text(value)


def badge(label, style: str):
    return format_html('<span class="badge {}">{}</span>', style, label)


def status_badge(obj):
    return badge(obj.get_status_display(), STATUS_STYLE.get(obj.status, "text-bg-secondary"))


def doc_badge(obj):
    return document_badge(obj)


def money(key: str, label, accessor=None) -> list[Column]:
    """Two columns: grouped text in the page, the number in the export."""
    def get(obj):
        if callable(accessor):
            return accessor(obj)
        return getattr(obj, accessor or key)

    return [Column(f"{key}_html", label, accessor=lambda o: yuan(get(o)), export=False),
            Column(key, label, accessor=get, html=False)]


STATUS = _("状态")


def status_columns(label=STATUS, style=doc_badge, sort: str = "") -> list[Column]:
    return [Column("status_html", label, accessor=style, export=False, sort=sort),
            Column("status", label, html=False)]


def using_label(asset) -> str:
    if asset.department_id:
        return f"{asset.using_unit.name} / {asset.department.name}"
    return asset.using_unit.name


class AssetTable(Table):
    """资产卡片. ``net_value`` is annotated by the list's queryset (this month, in SQL)."""

    # Eight columns by default, so the list fits 1366 px; the others are offered in 列设置. The
    # sortable ones sort on an index of their own (code, name, class_code, status, acquired_on).
    columns = [
        Column("code", _("资产编码"), link=True, sort="code"),
        Column("name", _("资产名称"), sort="name"),
        Column("class_name", _("资产分类"), sort="class_code"),
        Column("spec_model", _("规格型号"), default=False),
        Column("owner_unit", _("产权单位"), default=False),
        Column("using", _("使用单位/部门"), accessor=using_label),
        Column("user", _("使用人")),
        Column("location", _("存放地点"), default=False),
        *status_columns(_("使用状态"), status_badge, sort="status"),
        *money("original_value", _("原值（元）")),
        Column("acquired_on", _("取得日期"), default=False, sort="acquired_on"),
        *money("net_value", _("净值（元）")),
    ]


def _asset_link(entry):
    return format_html('<a href="{}">{}</a>', reverse("assets:asset_detail", args=[entry.asset_id]), entry.asset.code)


class LedgerTable(Table):
    """折旧明细账."""

    columns = [
        Column("period", _("期间"), accessor=lambda e: period_label(e.period)),
        Column("asset_link", _("资产编码"), accessor=_asset_link, export=False),
        Column("asset_code", _("资产编码"), accessor="asset.code", html=False),
        Column("asset_name", _("资产名称"), accessor="asset.name"),
        Column("class_code", _("资产分类代码")),
        Column("owner_unit", _("产权单位")),
        *money("amount", _("本月折旧额（元）")),
        *money("accumulated", _("累计折旧（元）")),
    ]


class TransferTable(Table):
    columns = [
        Column("number", _("调拨单号"), link=True),
        Column("from_unit", _("调出单位")),
        Column("to_unit", _("调入单位")),
        Column("asset_count", _("资产数")),
        *money("total_value", _("原值合计（元）")),
        *status_columns(),
        Column("requested_by", _("申请人")),
        Column("created_at", _("申请时间")),
        Column("completed_on", _("完成日期")),
    ]


class ValueChangeTable(Table):
    columns = [
        Column("number", _("调整单号"), link=True),
        Column("asset", _("资产"), accessor=lambda c: f"{c.asset.code} {c.asset.name}"),
        Column("unit", _("产权单位")),
        *money("delta", _("调整金额（元）")),
        *money("value_after", _("调整后原值（元）")),
        Column("effective_on", _("生效日期")),
        *status_columns(),
        Column("requested_by", _("申请人")),
        Column("created_at", _("申请时间")),
    ]


class DisposalTable(Table):
    def __init__(self, method_names: dict | None = None):
        names = method_names or {}
        super().__init__([
            Column("number", _("处置单号"), link=True),
            Column("unit", _("处置单位")),
            Column("method", _("处置方式"), accessor=lambda d: names.get(d.method, d.method)),
            Column("asset_count", _("资产数")),
            *money("total_value", _("原值合计（元）")),
            *money("income", _("处置收入（元）")),
            Column("reply_no", _("批复文号")),
            *status_columns(),
            Column("requested_by", _("申请人")),
            Column("created_at", _("申请时间")),
        ])


def _over_badge(request):
    return badge(_("超标准"), "text-bg-danger") if request.over_standard else ""


class ConfigurationTable(Table):
    columns = [
        Column("number", _("申请单号"), link=True),
        Column("unit", _("申请单位")),
        Column("item_name", _("资产名称")),
        Column("quantity", _("数量")),
        *money("unit_price", _("单价（元）")),
        *money("total_amount", _("金额（元）")),
        Column("over_html", _("超标准"), accessor=_over_badge, export=False),
        Column("over_standard", _("超标准"), html=False),
        Column("idle_offered", _("可调剂闲置资产数")),
        *status_columns(),
        Column("requested_by", _("申请人")),
        Column("created_at", _("申请时间")),
    ]


def _run_status(run):
    return badge(run.get_status_display(), RUN_STYLE.get(run.status, "text-bg-secondary"))


class RunTable(Table):
    columns = [
        Column("period_label", _("期间"), link=True),
        Column("unit", _("计提范围")),
        *status_columns(_("状态"), _run_status),
        Column("progress", _("进度"), accessor=lambda r: f"{r.done} / {r.total}"),
        Column("entry_count", _("计提笔数")),
        *money("amount", _("本月折旧额合计（元）")),
        Column("started_by", _("执行人")),
        Column("finished_at", _("完成时间")),
    ]
