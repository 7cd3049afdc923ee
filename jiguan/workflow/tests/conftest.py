"""A purchase-like business type and a three-step flow: unit head → city offices administration →
finance (only when the amount is at least 500,000 yuan). The business object is an org unit, which
stands in for whatever a module attaches (the standards change request is the real example)."""

from decimal import Decimal

import pytest

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.org import services as org_services
from jiguan.org.models import OrgKind, Role
from jiguan.workflow import registry
from jiguan.workflow.models import ApproverRelation, Flow, FlowStep, Operator

OUTCOMES: list[tuple[int, str]] = []


def record_outcome(obj, outcome):
    OUTCOMES.append((obj.pk, outcome))


@pytest.fixture
def purchase_type():
    OUTCOMES.clear()
    btype = registry.register(registry.BusinessType(
        code="test.purchase", label="测试采购申请", model="org.OrgUnit",
        on_outcome=record_outcome, fields={"amount": "金额（元）"}))
    yield btype
    registry.unregister("test.purchase")


@pytest.fixture
def city_units(tree):
    with acting_as(None):
        edu = org_services.orgunit_create(parent=tree.city_a, kind=OrgKind.AGENCY, name="甲市教育局",
                                          region_code="350100")
        office = org_services.orgunit_create(parent=edu, kind=OrgKind.DEPARTMENT, name="甲市教育局办公室")
        finance = org_services.orgunit_create(parent=tree.city_a, kind=OrgKind.AGENCY, name="甲市财政局",
                                              region_code="350100")
    return {"edu": edu, "office": office, "finance": finance, "offices": tree.city_a_agency}


@pytest.fixture
def people(city_units, tree):
    u = city_units
    return {
        "applicant": make_user("applicant", u["office"], [("staff", u["office"], False)]),
        "leader": make_user("leader", u["edu"], [("unit_leader", u["edu"], True)]),
        "leader2": make_user("leader2", u["edu"], [("unit_leader", u["edu"], True)]),
        "offices": make_user("offices", u["offices"], [("offices_approver", u["offices"], False)]),
        "finance": make_user("finance", u["finance"], [("finance_approver", u["finance"], False)]),
        "outsider": make_user("outsider", tree.city_b_agency, [("unit_leader", tree.city_b_agency, True)]),
    }


@pytest.fixture
def three_step_flow(purchase_type, tree, people):
    with acting_as(None):
        flow = Flow.objects.create(business_type="test.purchase", name="采购审批（甲市）", unit=tree.city_a)
        FlowStep.objects.create(flow=flow, order=1, name="单位负责人审批",
                                approver_role=Role.objects.get(code="unit_leader"),
                                relation=ApproverRelation.SAME_UNIT)
        FlowStep.objects.create(flow=flow, order=2, name="市机关事务局审核",
                                approver_role=Role.objects.get(code="offices_approver"),
                                relation=ApproverRelation.NEAREST_NAMED, unit_keyword="机关事务")
        FlowStep.objects.create(flow=flow, order=3, name="财政审核",
                                approver_role=Role.objects.get(code="finance_approver"),
                                relation=ApproverRelation.NEAREST_NAMED, unit_keyword="财政",
                                condition_field="amount", condition_operator=Operator.GTE,
                                condition_value=Decimal("500000"))
    return flow


@pytest.fixture
def start_purchase(three_step_flow, people, city_units):
    from jiguan.workflow import services

    objects = iter([city_units["edu"], city_units["office"], city_units["finance"], city_units["offices"]])

    def start(amount, title="采购台式计算机"):
        return services.request_start(business_type="test.purchase", obj=next(objects),
                                      applicant=people["applicant"], title=f"{title}（{amount} 元）",
                                      values={"amount": str(amount)})

    return start
