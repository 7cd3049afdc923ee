"""Asset fixtures: cards registered through the services, as users would."""

from datetime import date
from decimal import Decimal

import pytest

from jiguan.assets import services
from jiguan.core.context import acting_as


@pytest.fixture(autouse=True)
def shipped_standards(db):
    """The standards tables the assets module reads. Loaded by migrations; a transactional test
    elsewhere may have flushed them, so load them again when they are missing (idempotent)."""
    from django.apps import apps

    from jiguan.assets.standards_data import ensure

    ensure(apps)  # idempotent: what the migrations load, flushed by transactional tests


@pytest.fixture
def register(users):
    """register(owner_unit, **fields) -> Asset: a desktop computer of 6,000.00 by default."""

    def _register(owner_unit, actor=None, count=1, **fields):
        values = {"name": "台式计算机", "class_code": "A02010105", "original_value": Decimal("6000.00"),
                  "acquisition_method": "purchase", "acquired_on": date(2024, 1, 15), "funding_source": "fiscal",
                  "status": "in_use"}
        values.update(fields)
        with acting_as(actor or users["prov_assets"]):
            cards = services.asset_register(owner_unit=owner_unit, count=count, on=values["acquired_on"], **values)
        return cards[0] if count == 1 else cards

    return _register


@pytest.fixture
def leaders(tree):
    """Two unit leaders of 甲市机关事务管理局 (either may approve) and one of 乙市."""
    from jiguan.core.testing import make_user

    return {
        "leader": make_user("a_leader", tree.city_a_agency, [("unit_leader", tree.city_a_agency, True)]),
        "leader2": make_user("a_leader2", tree.city_a_agency, [("unit_leader", tree.city_a_agency, True)]),
        "b_leader": make_user("b_leader", tree.city_b_agency, [("unit_leader", tree.city_b_agency, True)]),
    }


@pytest.fixture
def asset_flows(tree, leaders):
    """One-step flows at the province for the asset business types: the applicant's unit
    leader decides (a department applies through its agency)."""
    from jiguan.org.models import Role
    from jiguan.workflow.models import ApproverRelation, Flow, FlowStep

    flows = {}
    with acting_as(None):
        for code, name in [("assets.transfer", "资产调拨审批"), ("assets.disposal", "资产处置审批"),
                           ("assets.purchase", "资产配置审批"), ("assets.value_change", "资产价值调整审批")]:
            flow = Flow.objects.create(business_type=code, name=name, unit=tree.province)
            FlowStep.objects.create(flow=flow, order=1, name="单位负责人审批",
                                    approver_role=Role.objects.get(code="unit_leader"),
                                    relation=ApproverRelation.SAME_UNIT)
            flows[code] = flow
    return flows


def decide(obj, approver, captured, approve=True, comment="同意"):
    """Approve (or reject) the object's pending approval request as ``approver``, running the
    outcome hook after commit as in production."""
    from jiguan.workflow import services as workflow
    from jiguan.workflow.selectors import latest_request

    request = latest_request(obj)
    with captured(execute=True), acting_as(approver):
        if approve:
            workflow.request_approve(request=request, actor=approver, comment=comment)
        else:
            workflow.request_reject(request=request, actor=approver, comment=comment or "不同意")
    return request


@pytest.fixture
def card(users):
    """card(owner_unit, count=1, **fields) -> [Asset]: registered through the service; a card acquired
    before GB/T 14885-2022 took effect is entered in the books (registered) later, with its 2022 code."""

    def _card(owner_unit, count=1, **fields):
        values = {"name": "台式计算机", "class_code": "A02010105", "original_value": Decimal("6000.00"),
                  "acquisition_method": "purchase", "acquired_on": date(2024, 1, 15), "funding_source": "fiscal",
                  "status": "in_use"}
        values.update(fields)
        with acting_as(users["prov_assets"]):
            return services.asset_register(owner_unit=owner_unit, count=count,
                                           on=max(values["acquired_on"], date(2023, 1, 1)), **values)

    return _card
