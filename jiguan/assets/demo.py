"""Demo data of the assets app: the approval flows of the three asset business types at the
province, about 180 asset cards across the demo units (computers, printers, cars, furniture, a
building, a painting), some idle, and a transfer and a disposal of 福州市教育局 waiting in its
leader's (fzedu_leader) 我的待办. Reproducible (fixed seed) and idempotent: nothing is
added when cards exist."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from jiguan.core.context import acting_as
from jiguan.org.models import OrgKind, OrgUnit, Role, User
from jiguan.workflow.models import ApproverRelation, Flow, FlowStep, Operator

from . import services
from .models import Asset, AssetStatus

# (name, class code, measure unit, value range, quantity, depreciation category or "")
CATALOGUE = [
    ("台式计算机", "A02010105", "台", (3800, 5600), 1, ""),
    ("便携式计算机", "A02010108", "台", (5200, 6900), 1, ""),
    ("激光打印机", "A02020000", "台", (1500, 3200), 1, ""),
    ("复印机", "A02020000", "台", (18000, 34000), 1, ""),
    ("办公桌", "A05010000", "张", (1800, 4200), 1, ""),
    ("文件柜", "A05010000", "组", (900, 1600), 1, ""),
    ("会议椅", "A05010000", "把", (6000, 12000), 40, ""),
    ("公务轿车", "A02030000", "辆", (150000, 180000), 1, ""),
]

FLOWS = [
    ("assets.purchase", "资产配置审批", [
        ("单位负责人审批", "unit_leader", ApproverRelation.SAME_UNIT, "", None),
        ("财政部门审核（5 万元及以上）", "finance_approver", ApproverRelation.NEAREST_NAMED, "财政", Decimal("50000")),
    ]),
    # An internal transfer inside one centrally managed group (both units under the same parent)
    # needs only the two units' sign-off: the third step is skipped (skip_if_same_parent).
    ("assets.transfer", "资产调拨审批", [
        ("调出单位负责人审批", "unit_leader", ApproverRelation.SAME_UNIT, "", None),
        ("调入单位负责人确认", "unit_leader", ApproverRelation.COUNTERPARTY_UNIT, "", None),
        ("机关事务管理局审批（跨主管部门）", "offices_approver", ApproverRelation.NEAREST_NAMED, "机关事务", None,
         {"skip_if_same_parent": True}),
    ]),
    ("assets.value_change", "资产价值调整审批", [
        ("单位负责人审批", "unit_leader", ApproverRelation.SAME_UNIT, "", None),
        ("机关事务管理局审核（调整 10 万元及以上）", "offices_approver", ApproverRelation.NEAREST_NAMED, "机关事务",
         Decimal("100000")),
    ]),
    ("assets.disposal", "资产处置审批", [
        ("单位负责人审批", "unit_leader", ApproverRelation.SAME_UNIT, "", None),
        ("机关事务管理局审核", "offices_approver", ApproverRelation.NEAREST_NAMED, "机关事务", None),
        ("财政部门审批（原值 50 万元及以上）", "finance_approver", ApproverRelation.NEAREST_NAMED, "财政",
         Decimal("500000")),
    ]),
]


def flows_ensure(province: OrgUnit) -> None:
    for code, name, steps in FLOWS:
        if Flow.objects.filter(business_type=code, unit=province).exists():
            continue
        flow = Flow.objects.create(business_type=code, name=name, unit=province)
        for order, (step_name, role, relation, keyword, threshold, *options) in enumerate(steps, start=1):
            FlowStep.objects.create(
                flow=flow, order=order, name=step_name, approver_role=Role.objects.get(code=role), relation=relation,
                unit_keyword=keyword, condition_field="amount" if threshold else "",
                condition_operator=Operator.GTE if threshold else "", condition_value=threshold,
                **(options[0] if options else {}))


def load(out) -> None:
    province = OrgUnit.objects.filter(parent=None).first()
    if province is None:
        return
    flows_ensure(province)
    if Asset.objects.exists():
        out.write(f"  assets: {Asset.objects.count()} cards (kept)")
        return
    rng = random.Random(20261123)
    managers = {u.username: u for u in User.objects.filter(username__in=["prov_assets", "fz_assets", "xm_assets",
                                                                         "fzedu_assets"])}
    owners = [u for u in OrgUnit.objects.filter(kind__in=[OrgKind.AGENCY, OrgKind.INSTITUTION]).order_by("path")]
    prov_manager = managers.get("prov_assets")
    if prov_manager is None:
        return
    today = date.today()
    for unit in owners:
        people = list(User.objects.filter(unit__path__startswith=unit.path).order_by("pk")[:5])
        departments = list(OrgUnit.objects.filter(parent=unit, kind=OrgKind.DEPARTMENT))
        for name, class_code, measure, (low, high), quantity, category in CATALOGUE:
            for _n in range(rng.randint(1, 3) if quantity == 1 and not name.startswith("公务") else 1):
                acquired = today - timedelta(days=rng.randint(60, 9 * 365))
                status = rng.choices([AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.REPAIR], [8, 2, 0.3])[0]
                with acting_as(prov_manager, channel="command"):
                    card = services.asset_register(
                        owner_unit=unit, on=today, name=name, class_code=class_code, measure_unit=measure,
                        quantity=quantity, original_value=Decimal(rng.randint(low, high)).quantize(Decimal("1.00")),
                        acquisition_method="purchase", acquired_on=acquired, funding_source="fiscal",
                        brand=rng.choice(["联想", "华为", "得力", "惠普", "佳能", "比亚迪", "震旦"]),
                        status=status, location=f"{rng.randint(1, 9)}0{rng.randint(1, 9)} 室",
                        dep_category=category)[0]
                    if status == AssetStatus.IN_USE and (people or departments):
                        services.asset_issue(asset=card, user=rng.choice(people) if people else None,
                                             department=rng.choice(departments) if departments else None, on=today)
    with acting_as(prov_manager, channel="command"):
        agency = OrgUnit.objects.get(name="福建省机关事务管理局")
        services.asset_register(owner_unit=agency, on=today, name="办公楼（1 号楼）", class_code="A01000000",
                                measure_unit="栋", original_value=Decimal("38600000.00"), acquisition_method="construction",
                                acquired_on=date(2015, 6, 30), funding_source="fiscal", dep_category="building_steel",
                                location="鼓楼区 1 号楼", status=AssetStatus.IN_USE)
        services.asset_register(owner_unit=agency, on=today, name="书画作品《闽江春色》",
                                class_code="A03000000", measure_unit="幅", original_value=Decimal("120000.00"),
                                acquisition_method="donation", acquired_on=date(2019, 9, 1), funding_source="other",
                                location="一楼大厅", status=AssetStatus.IN_USE)
        # 王科员 (staff) of 福州市教育局办公室 uses a laptop: their 我的资产 and label scan have a card.
        staff = User.objects.filter(username="staff").select_related("unit").first()
        if staff is not None and staff.unit is not None and staff.unit.parent_id:
            laptop = services.asset_register(
                owner_unit=staff.unit.parent, on=today, name="便携式计算机", class_code="A02010108",
                original_value=Decimal("6800.00"), acquisition_method="purchase", acquired_on=today - timedelta(days=400),
                funding_source="fiscal", brand="联想", spec_model="昭阳 K43", location="办公室 203 室",
                status=AssetStatus.IN_USE)[0]
            services.asset_issue(asset=laptop, user=staff, department=staff.unit, on=today)
    _pending_documents(managers)
    out.write(f"  assets: {Asset.objects.count()} cards; flows for purchase, transfer, value change and disposal at "
              f"{province.name}")


def _pending_documents(managers) -> None:
    """A transfer and a disposal of 福州市教育局 waiting for its leader (fzedu_leader)."""
    manager = managers.get("fzedu_assets")
    edu = OrgUnit.objects.filter(name="福州市教育局").first()
    target = OrgUnit.objects.filter(name="闽侯县财政局").first()
    if manager is None or edu is None or target is None:
        return
    idle = list(Asset.objects.filter(owner_unit=edu, status=AssetStatus.IDLE).order_by("pk")[:2])
    in_use = list(Asset.objects.filter(owner_unit=edu, status=AssetStatus.IN_USE, class_code="A02010105")
                  .order_by("pk")[:1])
    manager.clear_permission_cache()
    with acting_as(manager, channel="command"):
        if idle:
            services.transfer_create(from_unit=edu, to_unit=target, asset_ids=[c.pk for c in idle],
                                     reason="闲置资产调剂给闽侯县财政局使用", actor=manager)
        if in_use:
            services.disposal_create(unit=edu, asset_ids=[in_use[0].pk], method="scrap", reason_code="obsolete",
                                     reason="主板损坏，维修费用超过残值，无维修价值", actor=manager)
