"""Configuration requests (配置申请): standard checks, idle cards offered (闲置资产) and the outcome hook."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core.tables import money
from jiguan.org.models import OrgUnit
from jiguan.standards.selectors import standard_values
from jiguan.workflow import documents

from .. import depreciation, policies
from ..documents import CONFIGURATION as CONFIGURATION_DOCUMENT
from ..models import (
    Asset,
    AssetStatus,
    ConfigurationRequest,
    DocStatus,
)
from .common import class_entry, class_prefix

# ---------------------------------------------------------------------------------------------
# Configuration request (配置申请)
# ---------------------------------------------------------------------------------------------

def idle_matches(user, class_code: str, limit: int = 20):
    """Idle cards of the same class in the user's scope: reallocation comes before purchase
    (调剂优先, Order 738 Art 11)."""
    return (Asset.objects.restrict(user, "view").filter(status=AssetStatus.IDLE,
                                                         class_code__startswith=class_prefix(class_code))
            .select_related("owner_unit").order_by("acquired_on")[:limit])


def configuration_check(*, class_code: str, standard_key: str, unit_price: Decimal, on: date) -> list[dict]:
    """Check a planned purchase against the configuration standard: one note per finding, each with
    the standard, its source and confidence."""
    notes = []
    entries = standard_values("office_equipment_config", on)
    entry = entries.get(standard_key) if standard_key else None
    if entry is None:
        for candidate in entries.values():
            if candidate.attrs.get("gbt14885") == class_code:
                entry = candidate
                break
    if entry is None:
        return notes
    cap = entry.value
    note = {"standard": entry.table.name, "item": entry.name, "source": entry.source,
            "confidence": entry.confidence, "cap": str(entry.plain_value) if cap is not None else None,
            "min_life_years": str(entry.plain_value2) if entry.value2 is not None else None, "key": entry.key,
            "version": entry.version}
    if cap is not None and unit_price > cap:
        note["over"] = True
        note["message"] = _("单价 %(price)s 元超过“%(item)s”配置标准上限 %(cap)s 元（%(source)s）。") % {
            "price": unit_price, "item": entry.name, "cap": entry.plain_value, "source": entry.source}
    else:
        note["over"] = False
        note["message"] = _("符合“%(item)s”配置标准（上限 %(cap)s 元）。") % {
            "item": entry.name, "cap": entry.plain_value if cap is not None else "—"}
    notes.append(note)
    return notes


@transaction.atomic
def configuration_create(*, unit: OrgUnit, item_name: str, class_code: str, quantity: int, unit_price: Decimal,
                         reason: str, actor, standard_key: str = "", idle_reason: str = "") -> ConfigurationRequest:
    """File a configuration request of ``unit`` as ``actor`` (asked ``policies.configuration_create``)
    and submit it for approval."""
    policies.configuration_create(actor, unit)
    on = timezone.localdate()
    class_entry(class_code, on)
    notes = configuration_check(class_code=class_code, standard_key=standard_key, unit_price=unit_price, on=on)
    idle = list(idle_matches(actor, class_code))
    if idle and not idle_reason.strip():
        raise ValidationError({"idle_reason": _("您的数据范围内有 %(n)s 项同类闲置资产（如 %(code)s），应优先调剂使用；"
                                                "如仍需购置，请说明不能调剂的理由。") % {"n": len(idle),
                                                                                 "code": idle[0].code}})
    over = any(n.get("over") for n in notes)
    if idle:  # the cards themselves go to idle_assets: each viewer sees those of their own scope
        notes.append({"idle_count": len(idle), "message": _("不调剂的理由：%(r)s") % {"r": idle_reason}})
    request = ConfigurationRequest(
        number=documents.next_number(CONFIGURATION_DOCUMENT.prefix), unit=unit, item_name=item_name,
        class_code=class_code,
        standard_key=standard_key or next((n["key"] for n in notes if "key" in n), ""), quantity=quantity,
        unit_price=unit_price, total_amount=depreciation.money(unit_price * quantity), reason=reason,
        over_standard=over, check_notes=audit.jsonable(notes), idle_offered=len(idle), requested_by=actor,
        status=DocStatus.PENDING)
    request.full_clean()
    request.save()
    request.idle_assets.set(idle)
    audit.record_create(request)
    documents.submit(
        request, actor=actor,
        title=_("配置申请 %(no)s：%(name)s × %(n)s，%(amount)s 元%(flag)s") % {
            "no": request.number, "name": item_name, "n": quantity, "amount": money(request.total_amount),
            "flag": _("（超标准）") if over else ""},
        values={"amount": str(request.total_amount)})
    return request


def idle_prefetch(user) -> Prefetch:
    """The idle cards configuration requests were offered, as far as ``user`` may view them, into
    ``idle_visible``: the one builder the page and the API read them through (a list prefetches them
    for all its rows with it: ``queryset.prefetch_related(idle_prefetch(user))``)."""
    visible = Asset.objects.restrict(user, "view").select_related("owner_unit").order_by("acquired_on", "pk")
    return Prefetch("idle_assets", queryset=visible, to_attr="idle_visible")


def idle_offered_to(request: ConfigurationRequest, user) -> tuple[list[Asset], int]:
    """The idle cards ``request`` was offered that ``user`` may view, and how many others it was
    offered (cards outside the viewer's scope, or no longer found, are counted, never named). Reads
    ``idle_prefetch(user)``'s result, prefetching it when the caller has not."""
    if not hasattr(request, "idle_visible"):
        prefetch_related_objects([request], idle_prefetch(user))
    visible = request.idle_visible
    return visible, max(request.idle_offered - len(visible), 0)


def configuration_outcome(request: ConfigurationRequest, outcome: str) -> None:
    target = {"approved": DocStatus.COMPLETED, "rejected": DocStatus.REJECTED,
              "withdrawn": DocStatus.WITHDRAWN}[outcome]
    with transaction.atomic():
        updated = ConfigurationRequest.objects.filter(pk=request.pk, status=DocStatus.PENDING).update(
            status=target, updated_at=timezone.now())
        if updated:
            request.refresh_from_db()
            audit.record(Action.STATE, request, before={"status": DocStatus.PENDING}, after={"status": target},
                         message=_("配置申请%(result)s") % {"result": target.label})
