"""List columns of the standards pages (one definition for the HTML list and its Excel export)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.core.tables import Column, Table

from .models import Confidence, RequestStatus, StandardTable, plain_decimal

BADGE_CLASSES = {Confidence.CONFIRMED: "text-bg-success", Confidence.SECONDARY: "text-bg-warning",
                 Confidence.UNCONFIRMED: "text-bg-secondary"}
STATUS_CLASSES = {RequestStatus.DRAFT: "text-bg-light", RequestStatus.PENDING: "text-bg-warning",
                  RequestStatus.APPROVED: "text-bg-success", RequestStatus.REJECTED: "text-bg-danger",
                  RequestStatus.WITHDRAWN: "text-bg-secondary"}


def confidence_badge(code: str):
    """[C] green, [S] amber, [?] grey; the title says what the mark means."""
    try:
        confidence = Confidence(code)
    except ValueError:
        return code or ""
    return format_html('<span class="badge {} confidence" title="{}">[{}]</span>',
                       BADGE_CLASSES[confidence], confidence.label, confidence.value)


def status_badge(request):
    return format_html('<span class="badge {}">{}</span>', STATUS_CLASSES.get(request.status, "text-bg-light"),
                       request.get_status_display())


# The names of the attributes (attrs) the shipped standards carry, as users read them; a value that is a
# code (a key of another table, a class code) is shown as it is.
ATTR_LABELS = {
    "category": gettext_lazy("折旧类别"),
    "depreciate": gettext_lazy("计提折旧"),
    "gbt14885": gettext_lazy("GB/T 14885 分类代码"),
    "maps_to": gettext_lazy("对应 2022 版分类代码"),
    "cap_key": gettext_lazy("上限参照"),
    "pages": gettext_lazy("复印张数"),
    "reason_table": gettext_lazy("原因代码表"),
    "valuation": gettext_lazy("须先评估"),
}


def attrs_text(attrs) -> str:
    if not attrs:
        return ""

    def value_text(value):
        if isinstance(value, bool):
            return _("是") if value else _("否")
        return "—" if value in ("", None) else value

    return "；".join(f"{ATTR_LABELS.get(k, k)}：{value_text(v)}" for k, v in attrs.items())


class StandardTableTable(Table):
    columns = [
        Column("name", gettext_lazy("名称"), link=True),
        Column("code", gettext_lazy("编码")),
        Column("kind", gettext_lazy("类别")),
        Column("entries_in_force", gettext_lazy("现行条目数")),
        Column("default_source", gettext_lazy("默认依据文件")),
        Column("description", gettext_lazy("说明"), html=False),
    ]


def with_unit(value, unit: str):
    value = plain_decimal(value)
    if value is None:
        return None
    return f"{value} {unit}".strip()


def truncated(text: str, width: str = "18em"):
    """A long text cut to one line in the HTML list; the whole text is in the tooltip."""
    if not text:
        return ""
    return format_html('<span class="d-inline-block text-truncate align-bottom" style="max-width: {}" title="{}">{}'
                       "</span>", width, text, text)


def entry_table(table: StandardTable, *, with_attrs: bool = True) -> Table:
    """The columns of one standard table's entries: labels and value columns follow the table. The
    HTML list shows a value with its unit in one cell; the Excel export keeps them apart."""
    columns = [Column("key", table.key_title, link=True)]
    if table.hierarchical:
        columns.append(Column("parent_key", _("上级")))
    columns += [Column("name_html", _("名称"), accessor=lambda e: truncated(e.name, "16em"), export=False),
                Column("name", _("名称"), html=False)]
    if table.value_label:
        columns += [
            Column("value_html", table.value_label, accessor=lambda e: with_unit(e.value, e.unit), export=False),
            Column("value", table.value_label, accessor="plain_value", html=False),
            Column("unit", _("单位"), html=False),
        ]
    if table.value2_label:
        columns += [
            Column("value2_html", table.value2_label, accessor=lambda e: with_unit(e.value2, e.unit2), export=False),
            Column("value2", table.value2_label, accessor="plain_value2", html=False),
            Column("unit2", _("%(label)s单位") % {"label": table.value2_label}, html=False),
        ]
    if with_attrs:
        columns.append(Column("attrs", _("其他属性"), accessor=lambda e: attrs_text(e.attrs)))
    columns += [
        Column("confidence_badge", _("可信度"), accessor=lambda e: confidence_badge(e.confidence), export=False),
        Column("source_html", _("依据文件"), accessor=lambda e: truncated(e.source, "14em"), export=False),
        Column("source", _("依据文件"), html=False),
        Column("confidence", _("可信度"), html=False),
        Column("effective_from", _("生效日期")),
        Column("effective_to", _("失效日期"), html=False),
        Column("version", _("版本")),
        Column("approved_by", _("审批人"),
               accessor=lambda e: e.approved_by.display_name if e.approved_by_id else _("平台预置")),
        Column("note_html", _("备注"), accessor=lambda e: truncated(e.note, "12em"), export=False),
        Column("note", _("备注"), html=False),
    ]
    return Table(columns)


class ChangeRequestTable(Table):
    columns = [
        Column("id", gettext_lazy("编号"), link=True),
        Column("table", gettext_lazy("标准表")),
        Column("key", gettext_lazy("键"), accessor=lambda r: r.key if not r.is_import else
               _("批量 %(n)d 条") % {"n": r.item_count}),
        Column("name", gettext_lazy("名称")),
        Column("value", gettext_lazy("拟定数值"), accessor="plain_value"),
        Column("value2", gettext_lazy("拟定第二数值"), accessor="plain_value2"),
        Column("effective_from", gettext_lazy("生效日期")),
        Column("status_badge", gettext_lazy("状态"), accessor=status_badge, export=False),
        Column("status", gettext_lazy("状态"), html=False),
        Column("requested_by", gettext_lazy("申请人"), accessor=lambda r: r.requested_by.display_name),
        Column("created_at", gettext_lazy("申请时间")),
        Column("decided_by", gettext_lazy("审核人"),
               accessor=lambda r: r.decided_by.display_name if r.decided_by_id else None),
        Column("decided_at", gettext_lazy("审核时间"), html=False),
        Column("reason", gettext_lazy("变更理由"), html=False),
        Column("decision_comment", gettext_lazy("审核意见"), html=False),
    ]
