"""The asset documents as approvable documents of the kernel (``jiguan.workflow.documents``):
transfer (调拨单, DB-), disposal (处置单, CZ-), value change (价值调整单, TZ-) and configuration
request (配置申请, PZ-). Declared in ``AssetsConfig.ready()`` (``register()``); the declarations give
each its numbering, list, create and detail page bases (titles, breadcrumbs, the relations read
with each document: ``related``), card picker, printable 审批表 (``<list>/<pk>/form.pdf``) and the
policies the kernel's pages ask."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiguan.workflow import documents

POLICIES = "jiguan.assets.policies."
CARD_LINES = (
    (_("资产编码"), "asset.code"),
    (_("资产名称"), "asset.name"),
    (_("规格型号"), "asset.spec_model"),
    (_("原值（元）"), "original_value"),
)


def _standard(table: str, key: str) -> str:
    from jiguan.standards.selectors import StandardNotFound, standard_value

    if not key:
        return ""
    try:
        return standard_value(table, key, timezone.localdate()).name
    except StandardNotFound:
        return key


def disposal_method(disposal) -> str:
    return _standard("disposal_method", disposal.method)


def disposal_reason(disposal) -> str:
    return _standard("scrapping_reason", disposal.reason_code)


def value_change_asset(change) -> str:
    return f"{change.asset.code} {change.asset.name}"


def value_change_delta(change) -> str:
    return f"{change.delta:+,}"


def configuration_class(request) -> str:
    from .services import CLASS_TABLE

    name = _standard(CLASS_TABLE, request.class_code)
    return f"{request.class_code} {name}" if name and name != request.class_code else request.class_code


TRANSFER = documents.DocumentType(
    model="assets.Transfer", prefix="DB", business_type="assets.transfer", title=_("资产调拨"),
    list_url_name="assets:transfer_list", detail_url_name="assets:transfer_detail",
    related=("from_unit", "to_unit", "requested_by"),
    lines="items", line_object="asset", object_model="assets.Asset", line_order="asset__code",
    fields=("from_unit", "to_unit", "reason", "total_value", "asset_count"),
    line_fields=CARD_LINES,
    policies={"create": POLICIES + "transfer_create", "view": POLICIES + "transfer_view",
              "outcome_retry": POLICIES + "outcome_retry"},
)

DISPOSAL = documents.DocumentType(
    model="assets.Disposal", prefix="CZ", business_type="assets.disposal", title=_("资产处置"),
    list_url_name="assets:disposal_list", detail_url_name="assets:disposal_detail",
    related=("unit", "requested_by"),
    lines="items", line_object="asset", object_model="assets.Asset", line_order="asset__code",
    fields=("unit", (_("处置方式"), disposal_method), (_("报废报损原因"), disposal_reason), "reason",
            "total_value", "valuation", "reply_no", "income", "asset_count"),
    line_fields=CARD_LINES,
    policies={"create": POLICIES + "disposal_create", "record_result": POLICIES + "disposal_record_result",
              "outcome_retry": POLICIES + "outcome_retry"},
)

VALUE_CHANGE = documents.DocumentType(
    model="assets.ValueChange", prefix="TZ", business_type="assets.value_change", title=_("资产价值调整"),
    list_url_name="assets:value_change_list", detail_url_name="assets:value_change_detail",
    list_title=_("价值调整"), related=("asset", "unit", "requested_by"),
    line_object="asset", object_model="assets.Asset",  # over one card, its own FK: no line rows
    fields=((_("资产"), value_change_asset), "unit", (_("调整金额（元）"), value_change_delta), "value_before",
            "value_after", "effective_on", "applied_on", "reason", "note"),
    policies={"create": POLICIES + "value_change_create", "outcome_retry": POLICIES + "outcome_retry"},
)

CONFIGURATION = documents.DocumentType(
    model="assets.ConfigurationRequest", prefix="PZ", business_type="assets.purchase", title=_("配置申请"),
    list_url_name="assets:configuration_list", detail_url_name="assets:configuration_detail",
    related=("unit", "requested_by"),
    pdf_url_name="assets:configuration_pdf",
    fields=("unit", "item_name", (_("资产分类"), configuration_class), "quantity", "unit_price", "total_amount",
            "reason", "over_standard", "idle_offered"),
    policies={"create": POLICIES + "configuration_create", "outcome_retry": POLICIES + "outcome_retry"},
)

TYPES = (TRANSFER, DISPOSAL, VALUE_CHANGE, CONFIGURATION)


def register() -> None:
    for document_type in TYPES:
        documents.register(document_type)
