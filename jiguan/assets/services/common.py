"""Shared pieces of the asset services: business types, tenant settings (资产管理设置), class and
depreciation lookups, code allocation (资产编码), card preparation, events, document helpers and scope checks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.core import history, locks
from jiguan.core.pinyin import initials
from jiguan.org.models import OrgKind, OrgUnit
from jiguan.standards.selectors import StandardNotFound, standard_value, standard_values
from jiguan.workflow import services as workflow

from .. import depreciation, policies
from ..models import (
    MOVABLE_STATUSES,
    ZERO,
    Asset,
    AssetCodeSequence,
    AssetEvent,
    AssetSettings,
    AssetStatus,
    DepreciationEntry,
    DepreciationMethod,
    StartRule,
)

PURCHASE = "assets.purchase"
TRANSFER = "assets.transfer"
DISPOSAL = "assets.disposal"
VALUE_CHANGE = "assets.value_change"

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
    """One entry on the card's timeline (资产履历): the kernel's ``history.add``, whose store for cards
    is ``AssetEvent`` (``jiguan.assets.timeline``)."""
    return history.add(asset, kind, summary, on=on, data=data, document=document, actor=actor)


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


# ---------------------------------------------------------------------------------------------
# Documents: their cards (numbers come from jiguan.workflow.documents.next_number)
# ---------------------------------------------------------------------------------------------

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
    locks.check(cards, field="assets")
    for card in cards:
        if card.status not in MOVABLE_STATUSES:
            errors.append(_("%(code)s 当前状态为“%(status)s”，不能%(verb)s。") % {
                "code": card.code, "status": card.get_status_display(), "verb": verb})
    if errors:
        raise ValidationError({"assets": errors})
    return cards


def _decider(obj) -> tuple[object, str]:
    from jiguan.workflow.selectors import latest_request

    request = latest_request(obj)
    if request is None:
        return None, ""
    action = request.actions.order_by("-id").first()
    return (action.actor if action else None), (action.comment if action else "")


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def settings_save(*, unit: OrgUnit, code_pattern: str, start_rule: str, custom_fields=None,
                  actor=None) -> AssetSettings:
    """资产管理设置 of a province, city or county, as ``actor`` (asked ``policies.settings_save``)."""
    policies.settings_save(actor, unit)
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
