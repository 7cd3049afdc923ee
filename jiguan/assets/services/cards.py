"""Card operations: registration (验收登记), issue (领用), return (归还), change (变更), value
adjustment (价值调整) and repair (维修)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core.tables import money
from jiguan.org.models import OrgUnit

from .. import depreciation, policies
from .. import events as asset_events
from ..models import (
    Asset,
    AssetEvent,
    AssetStatus,
    DepreciationMethod,
    EventKind,
    RepairRecord,
    period_label,
    period_of,
)
from .common import (
    REGISTER_FIELDS,
    _actor,
    _check_people,
    _last_charged,
    _locked,
    _people,
    _people_label,
    _require_open,
    _save,
    codes_allocate,
    event_add,
    initials,
    prepare,
    settings_for,
)


@transaction.atomic
def asset_register(*, owner_unit: OrgUnit, count: int = 1, on: date | None = None, document: str = "",
                   actor=None, **fields) -> list[Asset]:
    """Register ``count`` identical cards (验收入库; a batch of 10 computers is 10 cards, a batch of 40
    chairs kept as one card is ``quantity=40``). Returns the new cards. ``actor``: asked
    ``policies.card_register`` over the owning (and using) units."""
    policies.card_register(actor, owner_unit, fields.get("using_unit"), fields.get("department"))
    if count < 1 or count > 1000:
        raise ValidationError({"count": _("一次登记的卡片数须在 1 到 1000 之间。")})
    unknown = set(fields) - set(REGISTER_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    on = on or timezone.localdate()
    fields.setdefault("using_unit", owner_unit)
    template = Asset(owner_unit=owner_unit, registered_on=on, code="-", **fields)
    if template.using_unit_id is None:
        template.using_unit = owner_unit
    tenant = settings_for(owner_unit)
    prepare(template, tenant=tenant, on=on)
    template.full_clean(exclude=["code", "name_initials", "class_name"])
    _check_people(template)
    codes = codes_allocate(owner_unit=owner_unit, class_code=template.class_code, on=on, count=count, tenant=tenant)
    cards = []
    for code in codes:
        card = Asset(**{f.attname: getattr(template, f.attname) for f in Asset._meta.concrete_fields
                        if not f.primary_key})
        card.code = code
        cards.append(card)
    cards = Asset.objects.bulk_create(cards)
    if cards[0].pk is None:  # backends without RETURNING
        cards = list(Asset.objects.filter(code__in=codes).order_by("pk"))
    AssetEvent.objects.bulk_create([
        AssetEvent(asset=card, kind=EventKind.REGISTER, occurred_on=on,
                   actor=_actor(), summary=_("验收登记：%(name)s，原值 %(value)s 元") % {
                       "name": card.name, "value": money(card.original_value)},
                   data={"code": card.code, "owner_unit": owner_unit.name}, document=document)
        for card in cards])
    if count == 1:
        audit.record_create(cards[0])
    else:
        audit.record(Action.CREATE, cards[0], object_repr=_("批量登记 %(n)s 张卡片：%(first)s 至 %(last)s") % {
            "n": count, "first": codes[0], "last": codes[-1]}, after={"codes": codes, "name": template.name})
    asset_events.registered(cards, document=document)  # 登记: one event per card, for other systems
    return cards


# ---------------------------------------------------------------------------------------------
# Issue, return, change, value adjustment, repair
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def asset_issue(*, asset: Asset, user=None, department=None, keeper=None, location: str = "",
                on: date | None = None, actor=None) -> Asset:
    """领用: hand the card to a person and/or department; records a handover (交接, Art 15).
    ``actor``: asked ``policies.card_issue``."""
    asset = _locked(asset)
    policies.card_issue(actor, asset, department)
    _require_open(asset)
    if asset.status not in (AssetStatus.IDLE, AssetStatus.WAREHOUSE, AssetStatus.IN_USE):
        raise ValidationError(_("“%(status)s”状态的资产不能领用。") % {"status": asset.get_status_display()})
    if user is None and department is None:
        raise ValidationError({"user": _("请选择领用人或领用部门。")})
    before = audit.snapshot(asset)
    old = _people(asset)
    asset.user, asset.department = user, department
    if keeper is not None:
        asset.keeper = keeper
    if location:
        asset.location = location
    asset.status = AssetStatus.IN_USE
    _check_people(asset)
    _save(asset, before, ["user", "department", "keeper", "location", "status"])
    event_add(asset, EventKind.ISSUE, _("领用：%(to)s") % {"to": _people_label(asset)}, on=on,
              data={"from": old, "to": _people(asset)})
    return asset


@transaction.atomic
def asset_return(*, asset: Asset, location: str = "", on: date | None = None, actor=None) -> Asset:
    """交回: the user gives the card back; it becomes idle (闲置) and can be reallocated (调剂).
    ``actor``: asked ``policies.card_return``."""
    asset = _locked(asset)
    policies.card_return(actor, asset)
    _require_open(asset)
    if asset.status != AssetStatus.IN_USE:
        raise ValidationError(_("只有在用的资产可以交回。"))
    before = audit.snapshot(asset)
    old = _people(asset)
    asset.user, asset.department, asset.status = None, None, AssetStatus.IDLE
    if location:
        asset.location = location
    _save(asset, before, ["user", "department", "location", "status"])
    event_add(asset, EventKind.RETURN, _("交回：%(from)s") % {"from": old.get("user") or old.get("department") or "-"},
              on=on, data={"from": old, "to": _people(asset)})
    return asset


CHANGE_FIELDS = {"name", "spec_model", "brand", "location", "keeper", "user", "department", "using_unit",
                 "warranty_end", "supplier", "contract_no", "invoice_no", "note", "custom", "status",
                 "measure_unit", "funding_source"}
STATUS_BY_CHANGE = {AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.REPAIR, AssetStatus.LENT,
                    AssetStatus.WAREHOUSE}


@transaction.atomic
def asset_change(*, asset: Asset, on: date | None = None, actor=None, **fields) -> Asset:
    """变更: descriptive fields, location, user and keeper (a handover is recorded when the user or
    keeper changes). Value, class and owner change through their own services. ``actor``: asked
    ``policies.card_change`` (over the card and the using unit or department it is given)."""
    unknown = set(fields) - CHANGE_FIELDS
    if unknown:
        raise ValidationError(_("这些字段不能在变更中修改：%(f)s") % {"f": "、".join(sorted(unknown))})
    asset = _locked(asset)
    policies.card_change(actor, asset, fields.get("using_unit"), fields.get("department"))
    _require_open(asset)
    if "status" in fields and fields["status"] != asset.status:
        if asset.status not in STATUS_BY_CHANGE or fields["status"] not in STATUS_BY_CHANGE:
            raise ValidationError({"status": _("“%(a)s”与“%(b)s”之间不能直接变更，请通过调拨或处置办理。") % {
                "a": asset.get_status_display(), "b": AssetStatus(fields["status"]).label}})
    before = audit.snapshot(asset)
    old_people = _people(asset)
    changed = [name for name, value in fields.items() if getattr(asset, name) != value]
    if not changed:
        return asset
    for name in changed:
        setattr(asset, name, fields[name])
    if "name" in changed:
        asset.name_initials = initials(asset.name)
        changed.append("name_initials")
    asset.full_clean(exclude=["code"])
    _check_people(asset)
    _save(asset, before, changed)
    new_people = _people(asset)
    labels = [str(Asset._meta.get_field(n).verbose_name) for n in changed if n != "name_initials"]
    event_add(asset, EventKind.CHANGE, _("变更：%(fields)s") % {"fields": "、".join(labels)}, on=on,
              data={"before": {k: before.get(k) for k in changed}, "after": audit.snapshot(asset, changed)})
    if old_people["user"] != new_people["user"] or old_people["keeper"] != new_people["keeper"]:
        event_add(asset, EventKind.HANDOVER, _("交接：%(a)s → %(b)s") % {
            "a": old_people["user"] or old_people["keeper"] or "-", "b": new_people["user"] or new_people["keeper"] or "-"},
            on=on, data={"from": old_people, "to": new_people})
    return asset


def value_adjust_check(*, asset: Asset, delta, on: date, reason: str) -> Decimal:
    """The checks of a value adjustment, made when it is requested and again when it applies.
    Returns the amount to the cent."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写调整原因。")})
    delta = depreciation.money(delta)
    if delta == 0:
        raise ValidationError({"delta": _("调整金额不能为 0。")})
    _require_open(asset)
    if asset.original_value + delta < 0:
        raise ValidationError({"delta": _("调整后原值不能为负数。")})
    last = _last_charged(asset)
    if last is not None and period_of(on) <= last:
        raise ValidationError({"on": _("%(period)s 及以前的折旧已经计提，调整须从以后的月份生效。")
                               % {"period": period_label(last)}})
    return delta


@transaction.atomic
def asset_value_adjust(*, asset: Asset, delta: Decimal, on: date, reason: str, document: str = "") -> Asset:
    """价值调整 (e.g. an upgrade adds to the original value). From the month of ``on`` the remaining
    net value is spread over the remaining months. Months already charged by a run are closed.
    Applied by ``value_change_outcome`` when the approval flow approves a ``ValueChange``."""
    asset = _locked(asset)
    delta = value_adjust_check(asset=asset, delta=delta, on=on, reason=reason)
    new_value = asset.original_value + delta
    p0 = period_of(on)
    before = audit.snapshot(asset)
    fields = ["original_value"]
    if (asset.dep_method == DepreciationMethod.STRAIGHT_LINE and asset.dep_months
            or asset.dep_method == DepreciationMethod.UNITS):
        # What was charged up to p0 - 1 stays (dep_base) and the schedule then in force is kept as a
        # segment (折旧计划段), so the figures of earlier months do not move (depreciation.py). 工作量法:
        # readings before p0 are closed from then on.
        sched, kept = depreciation.adjusted_schedule(asset, new_value, p0)
        if new_value < sched["dep_base"]:
            raise ValidationError({"delta": _("调整后原值不能低于已计提的累计折旧 %(a)s 元。") % {"a": sched["dep_base"]}})
        depreciation.keep_segment(asset, p0, kept)
        for name, value in sched.items():
            setattr(asset, name, value)
        fields += list(sched)
    asset.original_value = new_value
    asset.full_clean(exclude=["code"])
    _save(asset, before, fields)
    event_add(asset, EventKind.VALUE, _("价值调整：%(delta)s 元，调整后原值 %(value)s 元（%(reason)s）") % {
        "delta": f"{delta:+,.2f}", "value": money(new_value), "reason": reason}, on=on, document=document,
        data={"delta": delta, "before": before["original_value"], "after": new_value})
    return asset


@transaction.atomic
def repair_record(*, asset: Asset, repaired_on: date, cost: Decimal, vendor: str = "", result: str,
                  under_repair: bool = False, actor=None) -> RepairRecord:
    """维修登记 of a card (and its 维修中 status); ``actor``: asked ``policies.card_repair``."""
    asset = _locked(asset)
    policies.card_repair(actor, asset)
    _require_open(asset)
    record = RepairRecord(asset=asset, repaired_on=repaired_on, cost=cost, vendor=vendor, result=result)
    record.full_clean()
    record.save()
    audit.record_create(record)
    if under_repair != (asset.status == AssetStatus.REPAIR) and asset.status in (AssetStatus.IN_USE,
                                                                                  AssetStatus.REPAIR,
                                                                                  AssetStatus.IDLE):
        before = audit.snapshot(asset)
        asset.status = AssetStatus.REPAIR if under_repair else AssetStatus.IN_USE
        _save(asset, before, ["status"])
    event_add(asset, EventKind.REPAIR, _("维修：%(result)s，费用 %(cost)s 元") % {"result": result, "cost": cost},
              on=repaired_on, data={"vendor": vendor, "cost": cost, "repair": record.pk})
    return record
