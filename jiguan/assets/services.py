"""Write operations of the assets app: each atomic, validated, audited, and recorded on the card's
timeline (``AssetEvent``). Views, the API, imports and jobs call these; nothing else writes cards.

Lifecycle documents that need approval are business types of the workflow engine
(docs/development/workflow.md): ``assets.purchase`` (配置申请), ``assets.transfer`` (调拨) and
``assets.disposal`` (处置). Their ``*_outcome`` hooks run after the decision has committed and are
idempotent.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import zipfile
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.db.models import F, Prefetch, prefetch_related_objects
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core import locks
from jiguan.org.models import OrgKind, OrgUnit
from jiguan.standards.selectors import StandardNotFound, standard_value, standard_values
from jiguan.workflow import services as workflow

from . import depreciation
from .models import (
    MOVABLE_STATUSES,
    ZERO,
    Asset,
    AssetAttachment,
    AssetCodeSequence,
    AssetEvent,
    AssetSettings,
    AssetStatus,
    AttachmentKind,
    ConfigurationRequest,
    DepreciationEntry,
    DepreciationMethod,
    DepreciationRun,
    Disposal,
    DisposalItem,
    DocStatus,
    EventKind,
    RepairRecord,
    RunStatus,
    StartRule,
    Transfer,
    TransferItem,
    ValueChange,
    WorkloadReading,
    period_label,
    period_of,
    period_start,
)

PURCHASE = "assets.purchase"
TRANSFER = "assets.transfer"
DISPOSAL = "assets.disposal"
VALUE_CHANGE = "assets.value_change"

# Sent after commit when a disposal completes: the accounts (账务) side books the write-off.
asset_disposed = Signal()  # kwargs: disposal, asset_ids

CLASS_TABLE = "gbt14885"
CLASS_DEPRECIATION_TABLE = "class_depreciation"
LIFE_TABLE = "depreciation_life"


# ---------------------------------------------------------------------------------------------
# Lookups: tenant settings, class, depreciation category, code
# ---------------------------------------------------------------------------------------------

class TenantSettings:
    """Effective settings of a unit: its nearest ancestor's ``AssetSettings``, else the defaults."""

    def __init__(self, row: AssetSettings | None):
        self.row = row
        self.code_pattern = row.code_pattern if row else AssetSettings._meta.get_field("code_pattern").default
        self.start_rule = row.start_rule if row else StartRule.SAME_MONTH
        self.custom_fields = row.custom_fields if row else []


def settings_for(unit: OrgUnit) -> TenantSettings:
    ids = [int(x) for x in unit.path.strip("/").split("/") if x]
    rows = {s.unit_id: s for s in AssetSettings.objects.filter(unit_id__in=ids)}
    for pk in reversed(ids):
        if pk in rows:
            return TenantSettings(rows[pk])
    return TenantSettings(None)


def region_code_of(unit: OrgUnit) -> str:
    ids = [int(x) for x in unit.path.strip("/").split("/") if x]
    codes = dict(OrgUnit.objects.filter(pk__in=ids).exclude(region_code="").values_list("pk", "region_code"))
    for pk in reversed(ids):
        if pk in codes:
            return codes[pk]
    return "000000"


def class_prefix(class_code: str) -> str:
    """The code prefix shared by a class and its subclasses: A02010000 -> A0201."""
    code = class_code
    while len(code) > 3 and code.endswith("00"):
        code = code[:-2]
    return code


@functools.lru_cache(maxsize=4096)
def initials(name: str) -> str:
    """Pinyin initials for search: 办公桌 -> bgz; letters and digits are kept as they are."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda s: list(s))).lower()[:120]


def class_entry(class_code: str, on: date):
    try:
        return standard_value(CLASS_TABLE, class_code, on)
    except StandardNotFound:
        raise ValidationError({"class_code": _("资产分类代码“%(code)s”不在 GB/T 14885-2022 分类表中。")
                               % {"code": class_code}}) from None


def depreciation_rule(class_code: str, on: date, table: dict | None = None) -> tuple[str, str]:
    """(method, category) for a class from the standards table 资产分类与折旧类别对照: the longest
    matching code prefix wins. method "none" for classes that are not depreciated (FACTS §2)."""
    table = table if table is not None else standard_values(CLASS_DEPRECIATION_TABLE, on)
    for length in range(len(class_code), 0, -1):
        entry = table.get(class_code[:length])
        if entry is not None:
            if entry.attrs.get("depreciate") is False:
                return DepreciationMethod.NONE, ""
            return DepreciationMethod.STRAIGHT_LINE, entry.attrs.get("category", "")
    return DepreciationMethod.STRAIGHT_LINE, ""


def minimum_life_months(category: str, on: date, lives: dict | None = None, fallback: date | None = None) -> int:
    """The minimum life in months of a depreciation category in force on ``on`` (the acquisition
    date). An asset acquired before the first version of the table (2017) takes the version in force
    on ``fallback`` (the registration date): the accounting standard applies to it from adoption."""
    if lives is not None:
        entry = lives.get(category)
        if entry is None or entry.value is None:
            raise ValidationError({"dep_category": _("折旧类别“%(key)s”在《政府固定资产折旧年限表》中没有年限。")
                                   % {"key": category}})
        return int(entry.value * 12)
    try:
        entry = standard_value(LIFE_TABLE, category, on)
    except StandardNotFound as exc:
        if fallback is None or fallback <= on:
            raise ValidationError({"dep_category": str(exc)}) from None
        return minimum_life_months(category, fallback)
    if entry.value is None:
        raise ValidationError({"dep_category": _("“%(name)s”是折旧类别的分组，请选择具体类别。") % {"name": entry.name}})
    return int(entry.value * 12)


_PLACEHOLDER = re.compile(r"\{(region|year|class|seq)(?::[^}]*)?\}")


def render_code_prefix(pattern: str, *, region: str, year: int, class_code: str) -> tuple[str, str]:
    """(prefix, seq_format) of a code pattern; the serial number comes last."""
    if "{seq" not in pattern:
        raise ValidationError({"code_pattern": _("资产编码规则必须包含流水号 {seq:06d}。")})
    head, _sep, tail = pattern.partition("{seq")
    if _PLACEHOLDER.search(tail.split("}", 1)[1] if "}" in tail else ""):
        raise ValidationError({"code_pattern": _("流水号 {seq} 必须放在编码规则的最后。")})
    seq_format = "{" + "seq" + tail.split("}", 1)[0] + "}"
    prefix = head.format(region=region, year=year, **{"class": class_code[:3]})
    return prefix, seq_format


def codes_allocate(*, owner_unit: OrgUnit, class_code: str, on: date, count: int = 1,
                   tenant: TenantSettings | None = None, region: str | None = None) -> list[str]:
    """``count`` new asset codes. The counter row is locked and advanced once for the whole batch,
    never moved back: a code is never issued twice."""
    tenant = tenant or settings_for(owner_unit)
    prefix, seq_format = render_code_prefix(tenant.code_pattern, region=region or region_code_of(owner_unit),
                                            year=on.year, class_code=class_code)
    first = _sequence_advance(prefix, count)
    return [prefix + seq_format.format(seq=n) for n in range(first, first + count)]


def _sequence_advance(prefix: str, count: int = 1) -> int:
    """Reserve ``count`` serial numbers of ``prefix`` under a row lock; returns the first."""
    with transaction.atomic():
        AssetCodeSequence.objects.get_or_create(prefix=prefix)
        row = AssetCodeSequence.objects.select_for_update().get(prefix=prefix)
        AssetCodeSequence.objects.filter(pk=row.pk).update(last_value=F("last_value") + count)
    return row.last_value + 1


def event_add(asset: Asset, kind: str, summary: str, *, on: date | None = None, data: dict | None = None,
              document: str = "", actor=None) -> AssetEvent:
    from jiguan.core.context import current

    return AssetEvent.objects.create(
        asset=asset, kind=kind, summary=summary[:300], occurred_on=on or timezone.localdate(),
        actor=actor if actor is not None else (current().user if getattr(current().user, "pk", None) else None),
        data=audit.jsonable(data or {}), document=document)


# ---------------------------------------------------------------------------------------------
# Registration (验收登记)
# ---------------------------------------------------------------------------------------------

REGISTER_FIELDS = ["name", "class_code", "spec_model", "brand", "quantity", "measure_unit", "original_value",
                   "acquisition_method", "acquired_on", "funding_source", "supplier", "contract_no", "invoice_no",
                   "using_unit", "department", "user", "keeper", "location", "status", "warranty_end", "custom",
                   "note", "dep_method", "dep_category", "life_months", "total_workload", "workload_unit"]


def _check_codes(asset: Asset, on: date, enums: dict | None = None) -> dict:
    """Codes that must come from the standards tables in force: class, acquisition method, funding."""
    errors: dict[str, list[str]] = {}
    checks = [("acquisition_method", "acquisition_method", True), ("funding_source", "funding_source", False)]
    for field, table, required in checks:
        value = getattr(asset, field)
        if not value:
            if required:
                errors.setdefault(field, []).append(_("请选择%(label)s。") % {
                    "label": Asset._meta.get_field(field).verbose_name})
            continue
        known = enums[table] if enums is not None else standard_values(table, on)
        if value not in known:
            errors.setdefault(field, []).append(_("“%(value)s”不是有效的%(label)s。") % {
                "value": value, "label": Asset._meta.get_field(field).verbose_name})
    return errors


def prepare(asset: Asset, *, tenant: TenantSettings, on: date, lookups: dict | None = None) -> None:
    """Fill the derived fields of a new card (class name, initials, depreciation schedule) and
    validate it against the standards; raise ``ValidationError`` with every problem. ``lookups``
    (classes, rules, lives, enums) lets an import check thousands of rows with a handful of queries."""
    errors: dict[str, list[str]] = {}
    lookups = lookups or {}
    classes = lookups.get("classes")
    if classes is not None:
        entry = classes.get(asset.class_code)
        if entry is None:
            errors["class_code"] = [_("资产分类代码“%(code)s”不在 GB/T 14885-2022 分类表中。") % {"code": asset.class_code}]
    else:
        try:
            entry = class_entry(asset.class_code, on)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            entry = None
    if entry is not None:
        asset.class_name = entry.name
    asset.name_initials = initials(asset.name or "")
    for field, messages in _check_codes(asset, on, lookups.get("enums")).items():
        errors.setdefault(field, []).extend(messages)

    if entry is not None and asset.acquired_on:
        # The class-to-category mapping in force at registration (a platform rule, not the asset's).
        method, category = depreciation_rule(asset.class_code, on, lookups.get("rules"))
        if method == DepreciationMethod.NONE:  # whichever method was chosen (straight-line, units)
            asset.dep_method = DepreciationMethod.NONE
        if asset.dep_method != DepreciationMethod.NONE:
            asset.dep_category = asset.dep_category or category
            if not asset.dep_category:
                errors.setdefault("dep_category", []).append(
                    _("该分类须选择折旧类别（如房屋的结构类型），以确定最低折旧年限。"))
            else:
                try:
                    minimum = minimum_life_months(asset.dep_category, asset.acquired_on, lookups.get("lives"),
                                                  fallback=on)
                except ValidationError as exc:
                    for field, messages in exc.message_dict.items():
                        errors.setdefault(field, []).extend(messages)
                else:
                    if not asset.life_months:
                        asset.life_months = minimum
                    elif asset.life_months < minimum:
                        errors.setdefault("life_months", []).append(
                            _("折旧年限不得低于《政府固定资产折旧年限表》规定的 %(years)s 年（%(months)s 个月）。")
                            % {"years": _years(minimum), "months": minimum})
            if asset.dep_method == DepreciationMethod.UNITS and not (asset.total_workload or 0) > 0:
                errors.setdefault("total_workload", []).append(_("工作量法须填写大于 0 的预计总工作量。"))
        else:
            asset.dep_category, asset.life_months = "", 0
    if errors:
        raise ValidationError(errors)
    if asset.dep_method == DepreciationMethod.STRAIGHT_LINE:
        anchor = depreciation.start_period(asset.acquired_on, tenant.start_rule)
        for name, value in depreciation.schedule(asset.original_value, asset.life_months, anchor).items():
            setattr(asset, name, value)
    elif asset.dep_method == DepreciationMethod.UNITS:
        # 工作量法: from its start month the workload readings drive the charge (depreciation.py).
        asset.dep_anchor = depreciation.start_period(asset.acquired_on, tenant.start_rule)
        asset.dep_months, asset.dep_monthly, asset.dep_base = 0, ZERO, ZERO


def _years(months: int) -> str:
    return str(months // 12) if months % 12 == 0 else f"{months / 12:.1f}"


@transaction.atomic
def asset_register(*, owner_unit: OrgUnit, count: int = 1, on: date | None = None, document: str = "",
                   **fields) -> list[Asset]:
    """Register ``count`` identical cards (验收入库; a batch of 10 computers is 10 cards, a batch of 40
    chairs kept as one card is ``quantity=40``). Returns the new cards."""
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
                       "name": card.name, "value": card.original_value},
                   data={"code": card.code, "owner_unit": owner_unit.name}, document=document)
        for card in cards])
    if count == 1:
        audit.record_create(cards[0])
    else:
        audit.record(Action.CREATE, cards[0], object_repr=_("批量登记 %(n)s 张卡片：%(first)s 至 %(last)s") % {
            "n": count, "first": codes[0], "last": codes[-1]}, after={"codes": codes, "name": template.name})
    return cards


def _actor():
    from jiguan.core.context import current

    user = current().user
    return user if getattr(user, "pk", None) else None


def _check_people(asset: Asset) -> None:
    errors = {}
    if asset.using_unit_id and asset.owner_unit_id and asset.using_unit_id != asset.owner_unit_id:
        using = asset.using_unit
        if not using.path.startswith(asset.owner_unit.path):
            errors["using_unit"] = [_("使用单位须是产权单位或其下级单位。")]
    if asset.department_id:
        dept = asset.department
        base = asset.using_unit or asset.owner_unit
        if dept.kind != OrgKind.DEPARTMENT or not dept.path.startswith(base.path):
            errors["department"] = [_("使用部门须是使用单位的内设机构。")]
    for field in ("user", "keeper"):
        person = getattr(asset, field)
        if person is not None and not person.unit.path.startswith(asset.owner_unit.path):
            errors[field] = [_("%(label)s须是产权单位（或其下级单位）的人员。") % {
                "label": Asset._meta.get_field(field).verbose_name}]
    if errors:
        raise ValidationError(errors)


def _locked(asset: Asset) -> Asset:
    return Asset.objects.select_for_update().select_related("owner_unit", "using_unit").get(pk=asset.pk)


def _require_open(asset: Asset) -> None:
    if asset.status == AssetStatus.DISPOSED:
        raise ValidationError(_("资产“%(code)s”已处置，不能再办理业务。") % {"code": asset.code})


def _save(asset: Asset, before: dict, fields: list[str]) -> None:
    asset.version += 1
    asset.save(update_fields=[*fields, "version", "updated_at"])
    audit.record_update(asset, before)


# ---------------------------------------------------------------------------------------------
# Issue, return, change, value adjustment, repair
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def asset_issue(*, asset: Asset, user=None, department=None, keeper=None, location: str = "",
                on: date | None = None) -> Asset:
    """领用: hand the card to a person and/or department; records a handover (交接, Art 15)."""
    asset = _locked(asset)
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
def asset_return(*, asset: Asset, location: str = "", on: date | None = None) -> Asset:
    """交回: the user gives the card back; it becomes idle (闲置) and can be reallocated (调剂)."""
    asset = _locked(asset)
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
def asset_change(*, asset: Asset, on: date | None = None, **fields) -> Asset:
    """变更: descriptive fields, location, user and keeper (a handover is recorded when the user or
    keeper changes). Value, class and owner change through their own services."""
    unknown = set(fields) - CHANGE_FIELDS
    if unknown:
        raise ValidationError(_("这些字段不能在变更中修改：%(f)s") % {"f": "、".join(sorted(unknown))})
    asset = _locked(asset)
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


def _people(asset: Asset) -> dict:
    return {"user": asset.user.display_name if asset.user_id else "",
            "keeper": asset.keeper.display_name if asset.keeper_id else "",
            "department": asset.department.name if asset.department_id else ""}


def _people_label(asset: Asset) -> str:
    p = _people(asset)
    return " / ".join(x for x in (p["department"], p["user"]) if x) or "-"


def _last_charged(asset: Asset) -> int | None:
    """The last month a depreciation run charged this card (months up to it are closed)."""
    return DepreciationEntry.objects.filter(asset=asset).aggregate(p=models.Max("period"))["p"]


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
        "delta": f"{delta:+,}", "value": f"{new_value:,}", "reason": reason}, on=on, document=document,
        data={"delta": delta, "before": before["original_value"], "after": new_value})
    return asset


# ---------------------------------------------------------------------------------------------
# Value change (价值调整单): the adjustment above, through the approval flow
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def value_change_create(*, asset: Asset, delta, on: date, reason: str, actor) -> ValueChange:
    """Request a value adjustment of one card. Checked now (so the user hears at once what is wrong)
    and again when the flow approves; the card changes only then. One request per card at a time."""
    asset = _locked(asset)
    locks.check([asset], field="delta")
    delta = value_adjust_check(asset=asset, delta=delta, on=on, reason=reason)
    change = ValueChange(number=_number("TZ"), asset=asset, unit=asset.owner_unit, delta=delta, effective_on=on,
                         reason=reason.strip(), value_before=asset.original_value,
                         value_after=asset.original_value + delta, requested_by=actor,
                         status=DocStatus.PENDING)
    try:
        with transaction.atomic():
            change.save()
    except IntegrityError:
        pending = ValueChange.objects.filter(asset=asset, status__in=[DocStatus.DRAFT, DocStatus.PENDING]).first()
        raise ValidationError({"delta": _("该资产已有进行中的价值调整（%(no)s），请待其办结后再申请。") % {
            "no": pending.number if pending else ""}}) from None
    locks.acquire(change, [asset], field="delta")
    audit.record_create(change)
    event_add(asset, EventKind.VALUE_REQUESTED, _("申请价值调整：%(delta)s 元（%(no)s）") % {
        "delta": f"{delta:+,}", "no": change.number}, document=change.number, data={"value_change": change.pk},
        actor=actor)
    workflow.request_start(
        business_type=VALUE_CHANGE, obj=change, applicant=actor,
        title=_("资产价值调整 %(no)s：%(code)s %(name)s %(delta)s 元") % {
            "no": change.number, "code": asset.code, "name": asset.name, "delta": f"{delta:+,}"},
        values={"amount": str(abs(delta))})
    return change


def value_change_outcome(change: ValueChange, outcome: str) -> None:
    """Outcome hook of ``assets.value_change``. Approved: the adjustment applies from its effective
    month, or from the first month no depreciation run has charged yet when that month was closed
    while the request waited. Otherwise the card stays as it is. Idempotent."""
    with transaction.atomic():
        change = ValueChange.objects.select_for_update().get(pk=change.pk)
        if change.status != DocStatus.PENDING:
            return
        today = timezone.localdate()
        decider, comment = _decider(change)
        update = {"completed_on": today}
        if outcome == "approved":
            asset = _locked(change.asset)
            on, last = change.effective_on, _last_charged(asset)
            if last is not None and period_of(on) <= last:
                on = period_start(last + 1)
            try:
                with transaction.atomic():
                    asset = asset_value_adjust(asset=asset, delta=change.delta, on=on, reason=change.reason,
                                               document=change.number)
            except ValidationError as exc:
                # Approved, but the card changed while the request waited (disposed of, or charged
                # beyond the new value): the document closes as 未生效 and says why; the card is unchanged.
                why = "；".join(exc.messages)
                update.update(status=DocStatus.VOID, note=why[:500])
                summary = _("价值调整未生效（%(no)s）：%(why)s") % {"no": change.number, "why": why}
            else:
                update.update(status=DocStatus.COMPLETED, applied_on=on, value_after=asset.original_value)
                summary = _("价值调整已生效（%(no)s）") % {"no": change.number}
        else:
            status = _closed_status(outcome)
            update.update(status=status, completed_on=None)
            summary = _("价值调整%(result)s（%(no)s）") % {"result": status.label, "no": change.number}
        if update["status"] != DocStatus.COMPLETED:  # the card is unchanged: its timeline says so, and why
            event_add(change.asset, EventKind.VALUE_CANCELLED, summary, document=change.number,
                      data={"value_change": change.pk, "comment": comment}, actor=decider)
        ValueChange.objects.filter(pk=change.pk).update(**update)
        locks.release(change)
        audit.record(Action.STATE, change, before={"status": DocStatus.PENDING}, after={"status": update["status"]},
                     message=summary)


# ---------------------------------------------------------------------------------------------
# Workload readings (工作量记录) of units-of-production cards (工作量法)
# ---------------------------------------------------------------------------------------------

def workload_closed_through(asset: Asset) -> int | None:
    """The last month a depreciation run has charged (or is charging) for ``asset``: the latest
    completed or running run over its owning unit or a unit above it, or its own latest ledger row
    (charged under a former owner). A units card's month without workload leaves no ledger row, so
    the runs are what close its months."""
    ids = [int(x) for x in asset.owner_unit.path.strip("/").split("/") if x]
    run = (DepreciationRun.objects.filter(unit_id__in=ids, status__in=[RunStatus.DONE, RunStatus.RUNNING])
           .aggregate(p=models.Max("period"))["p"])
    entry = DepreciationEntry.objects.filter(asset=asset).aggregate(p=models.Max("period"))["p"]
    return max((p for p in (run, entry) if p is not None), default=None)


def _workload_label(asset: Asset, value: Decimal) -> str:
    return f"{value:,.2f} {asset.workload_unit}".strip()


@transaction.atomic
def workload_record(*, asset: Asset, period: int, workload, actor=None, note: str = "") -> WorkloadReading:
    """录入工作量: the workload of a units-of-production card (工作量法) in month ``period``, new or a
    correction, and the cumulative of this and every later reading kept right with one UPDATE.

    A month already charged by a depreciation run is closed (``workload_closed_through``): its
    reading cannot be recorded or changed any more, since the ledger of that month and the months
    after it would no longer add up to the accumulated depreciation. A missed or wrong workload is
    put right in the next open month's reading: the cumulative, which drives the charge, comes out
    the same (a correction in the current period, as for any closed accounting month)."""
    asset = _locked(asset)
    actor = actor if getattr(actor, "pk", None) else _actor()
    if asset.dep_method != DepreciationMethod.UNITS:
        raise ValidationError(_("资产“%(code)s”不按工作量法计提折旧，不能录入工作量。") % {"code": asset.code})
    if not (asset.total_workload or 0) > 0:
        raise ValidationError(_("资产“%(code)s”没有预计总工作量，不能按工作量法计提折旧。") % {"code": asset.code})
    try:
        workload = Decimal(workload)
    except (TypeError, ValueError, ArithmeticError):
        workload = None
    if workload is None or not workload.is_finite():
        raise ValidationError({"workload": _("请填写本月工作量。")})
    if workload < 0:
        raise ValidationError({"workload": _("工作量不能为负数。")})
    if workload.as_tuple().exponent < -2 and workload != workload.quantize(depreciation.CENT):
        raise ValidationError({"workload": _("工作量最多保留两位小数。")})
    workload = workload.quantize(depreciation.CENT)
    label = period_label(period)
    if period > period_of(timezone.localdate()):
        raise ValidationError({"period": _("不能录入未来月份（%(period)s）的工作量。") % {"period": label}})
    if period < asset.dep_anchor:
        start = depreciation.start_period(asset.acquired_on, settings_for(asset.owner_unit).start_rule)
        if asset.dep_anchor > start:
            message = _("该资产的价值调整自 %(start)s 起生效，此前月份的工作量不能再录入或修改。")
        else:
            message = _("该资产自 %(start)s 起计提折旧，不能录入 %(period)s 的工作量。")
        raise ValidationError({"period": message % {"start": period_label(asset.dep_anchor), "period": label}})
    if asset.dep_stop is not None and period > asset.dep_stop:
        raise ValidationError({"period": _("资产已于 %(date)s 处置，处置当月起不再计提折旧，不能录入 %(period)s 的工作量。")
                               % {"date": asset.disposed_on or period_label(asset.dep_stop + 1), "period": label}})
    closed = workload_closed_through(asset)
    if closed is not None and period <= closed:
        raise ValidationError({"period": _("%(closed)s 及以前月份的折旧已经计提，这些月份的工作量不能再录入或修改。"
                                           "请把漏录或需更正的工作量计入 %(next)s 或以后月份的工作量。")
                               % {"closed": period_label(closed), "next": period_label(closed + 1)}})

    note = (note or "").strip()
    reading = WorkloadReading.objects.filter(asset=asset, period=period).first()
    if reading is not None and reading.workload == workload and reading.note == note:
        return reading  # recorded again as it is: nothing to write
    before = audit.snapshot(reading) if reading is not None else None
    previous = (WorkloadReading.objects.filter(asset=asset, period__lt=period).order_by("-period")
                .values_list("cumulative", flat=True).first()) or ZERO
    old_workload = reading.workload if reading is not None else ZERO
    reading = reading or WorkloadReading(asset=asset, period=period)
    reading.workload, reading.cumulative = workload, previous + workload
    reading.note, reading.recorded_by = note, actor
    reading.full_clean()
    reading.save()
    change = reading.workload - old_workload
    if change:  # the later readings' cumulative moves by the same amount: one UPDATE
        WorkloadReading.objects.filter(asset=asset, period__gt=period).update(cumulative=F("cumulative") + change)
    if before is None:
        audit.record_create(reading, message=_("资产 %(code)s 录入 %(period)s 工作量") % {
            "code": asset.code, "period": label})
    else:
        audit.record_update(reading, before, message=_("资产 %(code)s 更正 %(period)s 工作量") % {
            "code": asset.code, "period": label})
    reached = _("，已达到预计总工作量") if reading.cumulative >= asset.total_workload else ""
    summary = _("%(verb)s %(period)s 工作量：%(workload)s，累计 %(cumulative)s%(reached)s") % {
        "verb": _("录入") if before is None else _("更正"), "period": label,
        "workload": _workload_label(asset, workload), "cumulative": _workload_label(asset, reading.cumulative),
        "reached": reached}
    event_add(asset, EventKind.WORKLOAD, summary, actor=actor,
              data={"reading": reading.pk, "period": label, "workload": workload, "cumulative": reading.cumulative,
                    "before": before and {"workload": before.get("workload"), "cumulative": before.get("cumulative")}})
    return reading


@transaction.atomic
def repair_record(*, asset: Asset, repaired_on: date, cost: Decimal, vendor: str = "", result: str,
                  under_repair: bool = False) -> RepairRecord:
    asset = _locked(asset)
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


# ---------------------------------------------------------------------------------------------
# Documents: numbering, items
# ---------------------------------------------------------------------------------------------

def _number(prefix: str) -> str:
    """DB-2026-000123: a per-prefix-and-year counter in the same sequence table as asset codes."""
    year = timezone.localdate().year
    return f"{prefix}-{year}-{_sequence_advance(f'#{prefix}-{year}-'):06d}"


def _cards_for(ids: Iterable[int], owner_unit: OrgUnit, verb: str) -> list[Asset]:
    ids = sorted({int(i) for i in ids})
    if not ids:
        raise ValidationError({"assets": _("请至少选择一项资产。")})
    cards = list(Asset.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    errors = []
    if len(cards) != len(ids):
        errors.append(_("有 %(n)s 项资产不存在。") % {"n": len(ids) - len(cards)})
    for card in cards:
        if card.owner_unit_id != owner_unit.pk:
            errors.append(_("%(code)s 不属于%(unit)s，不能%(verb)s。") % {"code": card.code, "unit": owner_unit.name,
                                                                        "verb": verb})
    if errors:
        raise ValidationError({"assets": errors})
    # A card in another open document is refused naming that document (the row locks above make
    # this exact; the document's own locks, taken by the caller, are the guarantee).
    locks.check(cards)
    for card in cards:
        if card.status not in MOVABLE_STATUSES:
            errors.append(_("%(code)s 当前状态为“%(status)s”，不能%(verb)s。") % {
                "code": card.code, "status": card.get_status_display(), "verb": verb})
    if errors:
        raise ValidationError({"assets": errors})
    return cards


def _closed_status(outcome: str) -> str:
    """The status of a document whose request ended without approval (rejected or withdrawn)."""
    return DocStatus.REJECTED if outcome == "rejected" else DocStatus.WITHDRAWN


def _decider(obj) -> tuple[object, str]:
    from jiguan.workflow.selectors import latest_request

    request = latest_request(obj)
    if request is None:
        return None, ""
    action = request.actions.order_by("-id").first()
    return (action.actor if action else None), (action.comment if action else "")


# ---------------------------------------------------------------------------------------------
# Transfer (调拨)
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def transfer_create(*, from_unit: OrgUnit, to_unit: OrgUnit, asset_ids: Iterable[int], reason: str,
                    actor) -> Transfer:
    """Propose moving cards from ``from_unit`` to ``to_unit`` and submit it for approval (a document
    over cards is submitted as it is created: it holds its cards from then until it closes, and no
    page or API could ever submit or cancel a draft). The owner changes only on approval."""
    if from_unit.pk == to_unit.pk:
        raise ValidationError({"to_unit": _("调入单位不能与调出单位相同。")})
    if to_unit.kind == OrgKind.DEPARTMENT:
        raise ValidationError({"to_unit": _("调入单位须是机关或事业单位，内设机构之间请办理变更。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写调拨理由。")})
    cards = _cards_for(asset_ids, from_unit, _("调拨"))
    transfer = Transfer.objects.create(
        number=_number("DB"), from_unit=from_unit, to_unit=to_unit, reason=reason, requested_by=actor,
        total_value=sum((c.original_value for c in cards), ZERO), asset_count=len(cards),
        status=DocStatus.PENDING)
    try:
        with transaction.atomic():
            TransferItem.objects.bulk_create([TransferItem(transfer=transfer, asset=c, original_value=c.original_value)
                                              for c in cards])
    except IntegrityError:
        raise ValidationError({"assets": _("所选资产中有正在调拨的资产，不能重复申请。")}) from None
    locks.acquire(transfer, cards)
    audit.record_create(transfer)
    AssetEvent.objects.bulk_create([
        AssetEvent(asset=c, kind=EventKind.TRANSFER_REQUESTED, occurred_on=timezone.localdate(), actor=actor,
                   summary=_("申请调拨至%(to)s（%(no)s）") % {"to": to_unit.name, "no": transfer.number},
                   document=transfer.number, data={"transfer": transfer.pk}) for c in cards])
    workflow.request_start(
        business_type=TRANSFER, obj=transfer, applicant=actor,
        title=_("资产调拨 %(no)s：%(from)s → %(to)s，%(n)s 项") % {
            "no": transfer.number, "from": from_unit.name, "to": to_unit.name, "n": len(cards)},
        values={"amount": str(transfer.total_value)})
    return transfer


def transfer_outcome(transfer: Transfer, outcome: str) -> None:
    """Outcome hook of ``assets.transfer``: on approval the cards change owner (and leave their
    former users and departments); otherwise the cards are released. Idempotent."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().select_related("to_unit", "from_unit").get(pk=transfer.pk)
        if transfer.status != DocStatus.PENDING:
            return
        items = list(transfer.items.filter(open=True).select_related("asset"))
        ids = [i.asset_id for i in items]
        today = timezone.localdate()
        decider, comment = _decider(transfer)
        if outcome == "approved":
            moved = (Asset.objects.filter(pk__in=ids, owner_unit=transfer.from_unit)
                     .exclude(status=AssetStatus.DISPOSED)
                     .update(owner_unit=transfer.to_unit, using_unit=transfer.to_unit, department=None, user=None,
                             keeper=None, version=F("version") + 1, updated_at=timezone.now()))
            if moved != len(ids):
                raise ValidationError(_("部分资产已不属于调出单位或已处置，调拨未执行。"))
            status, kind = DocStatus.COMPLETED, EventKind.TRANSFER
            summary = _("调拨：%(from)s → %(to)s（%(no)s）") % {"from": transfer.from_unit.name,
                                                            "to": transfer.to_unit.name, "no": transfer.number}
        else:
            status = _closed_status(outcome)
            kind = EventKind.TRANSFER_CANCELLED
            summary = _("调拨%(result)s（%(no)s）") % {"result": status.label, "no": transfer.number}
        TransferItem.objects.filter(transfer=transfer).update(open=False)
        Transfer.objects.filter(pk=transfer.pk).update(status=status, completed_on=today if outcome == "approved"
                                                       else None)
        locks.release(transfer)
        audit.record(Action.STATE, transfer, before={"status": DocStatus.PENDING}, after={"status": status},
                     message=summary)
        AssetEvent.objects.bulk_create([
            AssetEvent(asset_id=i, kind=kind, occurred_on=today, actor=decider or _actor(), summary=summary,
                       document=transfer.number, data={"transfer": transfer.pk, "comment": comment}) for i in ids])


# ---------------------------------------------------------------------------------------------
# Disposal (处置)
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def disposal_create(*, unit: OrgUnit, asset_ids: Iterable[int], method: str, reason: str, actor,
                    reason_code: str = "", valuation: Decimal | None = None) -> Disposal:
    """Propose disposing of cards of ``unit`` and submit it for approval (as ``transfer_create``).
    They become 待处置 at once (so no second disposal or
    transfer can take them); on approval they close, otherwise they go back to their former status."""
    on = timezone.localdate()
    errors = {}
    methods = standard_values("disposal_method", on)
    entry = methods.get(method)
    if entry is None:
        errors["method"] = [_("请选择有效的处置方式。")]
    rules = entry.attrs if entry is not None else {}  # standards_data.DISPOSAL_RULES
    if rules.get("reason_table") and reason_code not in standard_values(rules["reason_table"], on):
        errors["reason_code"] = [_("报废、报损须选择条例第二十一条规定的原因。")]
    if rules.get("valuation") and valuation is None:
        errors["valuation"] = [_("%(method)s须先评估，请填写评估价值（条例第三十六条）。") % {"method": entry.name}]
    if not reason.strip():
        errors["reason"] = [_("请填写处置说明。")]
    if errors:
        raise ValidationError(errors)
    cards = _cards_for(asset_ids, unit, _("处置"))
    disposal = Disposal.objects.create(
        number=_number("CZ"), unit=unit, method=method, reason_code=reason_code, reason=reason,
        valuation=valuation, requested_by=actor, total_value=sum((c.original_value for c in cards), ZERO),
        asset_count=len(cards), status=DocStatus.PENDING)
    try:
        with transaction.atomic():
            DisposalItem.objects.bulk_create([
                DisposalItem(disposal=disposal, asset=c, original_value=c.original_value, prev_status=c.status)
                for c in cards])
    except IntegrityError:
        raise ValidationError({"assets": _("所选资产中有正在处置或已处置的资产，不能重复申请。")}) from None
    locks.acquire(disposal, cards)
    changed = (Asset.objects.filter(pk__in=[c.pk for c in cards], status__in=MOVABLE_STATUSES)
               .update(status=AssetStatus.PENDING_DISPOSAL, version=F("version") + 1))
    if changed != len(cards):
        raise ValidationError({"assets": _("所选资产的状态已变化，请刷新后重试。")})
    audit.record_create(disposal)
    AssetEvent.objects.bulk_create([
        AssetEvent(asset=c, kind=EventKind.DISPOSAL_REQUESTED, occurred_on=on, actor=actor,
                   summary=_("申请%(method)s（%(no)s）") % {"method": methods[method].name, "no": disposal.number},
                   document=disposal.number, data={"disposal": disposal.pk}) for c in cards])
    workflow.request_start(
        business_type=DISPOSAL, obj=disposal, applicant=actor,
        title=_("资产处置 %(no)s：%(method)s %(n)s 项，原值 %(value)s 元") % {
            "no": disposal.number, "method": methods[method].name, "n": len(cards), "value": disposal.total_value},
        values={"amount": str(disposal.total_value)})
    return disposal


def disposal_outcome(disposal: Disposal, outcome: str) -> None:
    """Outcome hook of ``assets.disposal``. Approved: the cards close (已处置), depreciation stops
    from this month (当月减少当月不再计提), ``asset_disposed`` is sent after commit. Otherwise the cards
    return to their former status. Idempotent: a second call finds the disposal no longer pending."""
    with transaction.atomic():
        disposal = Disposal.objects.select_for_update().get(pk=disposal.pk)
        if disposal.status != DocStatus.PENDING:
            return
        items = list(disposal.items.filter(open=True))
        ids = [i.asset_id for i in items]
        today = timezone.localdate()
        decider, comment = _decider(disposal)
        if outcome == "approved":
            closed = (Asset.objects.filter(pk__in=ids, status=AssetStatus.PENDING_DISPOSAL)
                      .update(status=AssetStatus.DISPOSED, disposed_on=today, dep_stop=period_of(today) - 1,
                              user=None, version=F("version") + 1, updated_at=timezone.now()))
            if closed != len(ids):
                raise ValidationError(_("部分资产已不在待处置状态，处置未执行。"))
            DisposalItem.objects.filter(disposal=disposal).update(open=False, done=True)
            status, kind = DocStatus.COMPLETED, EventKind.DISPOSAL
            summary = _("处置完成（%(no)s）") % {"no": disposal.number}
        else:
            for prev in {i.prev_status for i in items}:
                Asset.objects.filter(pk__in=[i.asset_id for i in items if i.prev_status == prev],
                                     status=AssetStatus.PENDING_DISPOSAL).update(status=prev,
                                                                                 version=F("version") + 1)
            DisposalItem.objects.filter(disposal=disposal).update(open=False)
            status = _closed_status(outcome)
            kind = EventKind.DISPOSAL_CANCELLED
            summary = _("处置%(result)s（%(no)s）") % {"result": status.label, "no": disposal.number}
        Disposal.objects.filter(pk=disposal.pk).update(status=status,
                                                       completed_on=today if outcome == "approved" else None)
        locks.release(disposal)
        audit.record(Action.STATE, disposal, before={"status": DocStatus.PENDING}, after={"status": status},
                     message=summary)
        AssetEvent.objects.bulk_create([
            AssetEvent(asset_id=i, kind=kind, occurred_on=today, actor=decider or _actor(), summary=summary,
                       document=disposal.number, data={"disposal": disposal.pk, "comment": comment}) for i in ids])
        if outcome == "approved":
            transaction.on_commit(lambda: asset_disposed.send(sender=Disposal, disposal=disposal, asset_ids=ids))


@transaction.atomic
def disposal_record_result(*, disposal: Disposal, reply_no: str = "", income: Decimal | None = None) -> Disposal:
    """Record the approval reply number (批复文号) and the income (处置收入) on a disposal."""
    disposal = Disposal.objects.select_for_update().get(pk=disposal.pk)
    before = audit.snapshot(disposal)
    disposal.reply_no, disposal.income = reply_no, income
    disposal.full_clean()
    disposal.save(update_fields=["reply_no", "income", "updated_at"])
    audit.record_update(disposal, before)
    return disposal


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
        number=_number("PZ"), unit=unit, item_name=item_name, class_code=class_code,
        standard_key=standard_key or next((n["key"] for n in notes if "key" in n), ""), quantity=quantity,
        unit_price=unit_price, total_amount=depreciation.money(unit_price * quantity), reason=reason,
        over_standard=over, check_notes=audit.jsonable(notes), idle_offered=len(idle), requested_by=actor,
        status=DocStatus.PENDING)
    request.full_clean()
    request.save()
    request.idle_assets.set(idle)
    audit.record_create(request)
    workflow.request_start(
        business_type=PURCHASE, obj=request, applicant=actor,
        title=_("配置申请 %(no)s：%(name)s × %(n)s，%(amount)s 元%(flag)s") % {
            "no": request.number, "name": item_name, "n": quantity, "amount": request.total_amount,
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
        updated = ConfigurationRequest.objects.filter(pk=request.pk, status=DocStatus.PENDING).update(status=target)
        if updated:
            request.refresh_from_db()
            audit.record(Action.STATE, request, before={"status": DocStatus.PENDING}, after={"status": target},
                         message=_("配置申请%(result)s") % {"result": target.label})


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def settings_save(*, unit: OrgUnit, code_pattern: str, start_rule: str, custom_fields=None) -> AssetSettings:
    if unit.kind not in (OrgKind.PROVINCE, OrgKind.CITY, OrgKind.COUNTY):
        raise ValidationError({"unit": _("资产管理设置按省、市、县（区）设置。")})
    render_code_prefix(code_pattern, region="000000", year=2000, class_code="A00000000")
    row = AssetSettings.objects.filter(unit=unit).first()
    before = audit.snapshot(row) if row else None
    row = row or AssetSettings(unit=unit)
    row.code_pattern, row.start_rule = code_pattern, start_rule
    if custom_fields is not None:
        row.custom_fields = custom_fields
    row.full_clean()
    row.save()
    if before is None:
        audit.record_create(row)
    else:
        audit.record_update(row, before)
    return row


def can_decide(user, obj) -> bool:
    from jiguan.workflow.selectors import latest_request

    request = latest_request(obj)
    return bool(request) and workflow.can_act(user, request)


def require_scope(user, obj, action: str) -> None:
    if not type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("该记录不在您的数据范围内。"))



# ---------------------------------------------------------------------------------------------
# Photos and attachments (照片与附件)
# ---------------------------------------------------------------------------------------------

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# extension -> (kind, content type, what the file must look like inside)
ATTACHMENT_TYPES = {
    ".jpg": ("photo", "image/jpeg", "jpeg"),
    ".jpeg": ("photo", "image/jpeg", "jpeg"),
    ".png": ("photo", "image/png", "png"),
    ".webp": ("photo", "image/webp", "webp"),
    ".pdf": ("document", "application/pdf", "pdf"),
    ".docx": ("document", DOCX_TYPE, "zip:word/document.xml"),
    ".xlsx": ("document", XLSX_TYPE, "zip:xl/workbook.xml"),
    ".ofd": ("document", "application/ofd", "zip:OFD.xml"),  # GB/T 33190 电子文件（版式）
}
ATTACHMENT_MAX_FILES = 20  # files per upload


def attachment_max_bytes() -> int:
    from django.conf import settings

    return int(getattr(settings, "JIGUAN_MAX_ATTACHMENT_MB", 20)) * 1024 * 1024


def _clean_filename(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip().replace("\x00", "")
    if len(name) > 255:
        stem, ext = os.path.splitext(name)
        name = stem[: 255 - len(ext)] + ext
    return name


def _content_is(signature: str, fileobj) -> bool:
    """Whether the file's bytes are what its extension says (magic bytes; for Office and OFD files,
    a ZIP container holding the format's main part)."""
    fileobj.seek(0)
    head = fileobj.read(1024)
    fileobj.seek(0)
    if signature == "jpeg":
        return head[:3] == b"\xff\xd8\xff"
    if signature == "png":
        return head[:8] == b"\x89PNG\r\n\x1a\n"
    if signature == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if signature == "pdf":
        return b"%PDF-" in head
    if signature.startswith("zip:"):
        if head[:4] != b"PK\x03\x04":
            return False
        try:
            with zipfile.ZipFile(fileobj) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            fileobj.seek(0)
        return signature[4:] in names
    return False


def attachment_check(file) -> tuple[str, str, str, str]:
    """Validate one upload; returns (kind, content type, sha256, clean filename). Chinese errors."""
    name = _clean_filename(getattr(file, "name", ""))
    ext = os.path.splitext(name)[1].lower()
    allowed = ATTACHMENT_TYPES.get(ext)
    if not name or allowed is None:
        raise ValidationError({"file": _("文件“%(name)s”的类型不受支持。照片支持 JPG、PNG、WEBP，文档支持 PDF、"
                                         "DOCX、XLSX、OFD。") % {"name": name or "-"}})
    size = file.size or 0
    if size == 0:
        raise ValidationError({"file": _("文件“%(name)s”是空文件。") % {"name": name}})
    limit = attachment_max_bytes()
    if size > limit:
        raise ValidationError({"file": _("文件“%(name)s”大小为 %(size).1f MB，超过 %(limit)d MB 的上限。") % {
            "name": name, "size": size / 1024 / 1024, "limit": limit // 1024 // 1024}})
    kind, content_type, signature = allowed
    if not _content_is(signature, file):
        raise ValidationError({"file": _("文件“%(name)s”的内容与扩展名 %(ext)s 不符，已拒绝上传。请上传真实的 "
                                         "%(ext)s 文件。") % {"name": name, "ext": ext}})
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return kind, content_type, digest.hexdigest(), name


def _attachment_data(attachment: AssetAttachment) -> dict:
    return {"asset": attachment.asset_id, "kind": attachment.kind, "filename": attachment.filename,
            "size": attachment.size, "content_type": attachment.content_type, "sha256": attachment.sha256,
            "description": attachment.description, "stored": attachment.file.name}


@transaction.atomic
def attachment_add(*, asset: Asset, file, description: str = "", checked: tuple | None = None) -> AssetAttachment:
    """Attach a photo or document to a card: checked (type by extension and content, size), stored
    under the private root, audited and shown on the card's timeline."""
    kind, content_type, sha256, filename = checked or attachment_check(file)
    attachment = AssetAttachment(asset=asset, kind=kind, filename=filename, size=file.size,
                                 content_type=content_type, sha256=sha256, description=(description or "")[:200],
                                 uploaded_by=_actor())
    file.seek(0)
    attachment.file.save(filename, file if isinstance(file, File) else File(file), save=False)
    try:
        attachment.full_clean(exclude=["file"])
        attachment.save()
        audit.record(Action.CREATE, attachment, after=_attachment_data(attachment),
                     message=_("资产 %(code)s 上传附件") % {"code": asset.code})
        label = _("上传照片") if kind == AttachmentKind.PHOTO else _("上传附件")
        event_add(asset, EventKind.ATTACHMENT, f"{label}：{filename}", document=filename[:80],
                  data={"attachment": attachment.pk, "kind": kind, "filename": filename, "sha256": sha256})
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def attachments_add(*, asset: Asset, files, description: str = "") -> list[AssetAttachment]:
    """Several files at once, all or nothing: every file is checked before any is stored."""
    files = list(files)
    if not files:
        raise ValidationError({"file": _("请选择要上传的文件。")})
    if len(files) > ATTACHMENT_MAX_FILES:
        raise ValidationError({"file": _("一次最多上传 %(n)d 个文件。") % {"n": ATTACHMENT_MAX_FILES}})
    checked, errors = [], []
    for file in files:
        try:
            checked.append(attachment_check(file))
        except ValidationError as exc:
            errors.extend(exc.message_dict.get("file", exc.messages))
    if errors:
        raise ValidationError({"file": errors})
    added: list[AssetAttachment] = []
    try:
        with transaction.atomic():
            for file, check in zip(files, checked, strict=True):
                added.append(attachment_add(asset=asset, file=file, description=description, checked=check))
    except BaseException:
        for attachment in added:  # the rows rolled back; remove their files too
            attachment.file.storage.delete(attachment.file.name)
        raise
    return added


def attachment_deletable(asset: Asset) -> bool:
    """Whether the card's attachments may still be deleted: not while its disposal is pending (待处置:
    the photos of the damage are what the approvers decide on) nor once it is disposed of."""
    return asset.status not in (AssetStatus.PENDING_DISPOSAL, AssetStatus.DISPOSED)


@transaction.atomic
def attachment_delete(*, attachment: AssetAttachment) -> None:
    """Delete an attachment: the row now, audited and on the timeline; the file once committed. The
    attachments of a card pending disposal (待处置) or disposed of (已处置) are the evidence of its
    disposal and are never deleted (the card's row is locked, so a disposal filed meanwhile waits)."""
    attachment = AssetAttachment.objects.select_related("asset").get(pk=attachment.pk)
    asset, stored, storage = _locked(attachment.asset), attachment.file.name, attachment.file.storage
    if not attachment_deletable(asset):
        state = _("正在处置中") if asset.status == AssetStatus.PENDING_DISPOSAL else _("已处置")
        raise PermissionDenied(_("资产 %(code)s %(state)s，其照片与附件是处置的凭证，不能删除。") % {
            "code": asset.code, "state": state})
    audit.record(Action.DELETE, attachment, before=_attachment_data(attachment),
                 message=_("资产 %(code)s 删除附件") % {"code": asset.code})
    event_add(asset, EventKind.ATTACHMENT, _("删除附件：%(name)s") % {"name": attachment.filename},
              document=attachment.filename[:80],
              data={"deleted": attachment.pk, "kind": attachment.kind, "filename": attachment.filename,
                    "sha256": attachment.sha256})
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))
