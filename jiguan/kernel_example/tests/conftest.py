"""Fixtures of the kernel example: key keepers (钥匙管理员) of city A and city B, and one key in each
city (created through the register, as the system)."""

import pytest

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.kernel_example.models import Key
from jiguan.kernel_example.registers import keys as key_register


@pytest.fixture
def keepers(tree):
    return {
        "a": make_user("a_keeper", tree.city_a_agency, [("key_keeper", tree.city_a, True)]),
        "b": make_user("b_keeper", tree.city_b_agency, [("key_keeper", tree.city_b, True)]),
        "county": make_user("county_keeper", tree.county_a_agency, [("key_keeper", tree.county_a, True)]),
        "none": make_user("no_keys", tree.city_a_agency, [("staff", tree.city_a, True)]),
    }


def new_key(actor, unit, code, **fields):
    fields.setdefault("room", f"{code} 室")
    with acting_as(actor, channel="command"):
        return key_register.create(Key(unit=unit, code=code, **fields), actor=actor)


@pytest.fixture
def keys(tree, keepers):
    return {
        "a": new_key(keepers["a"], tree.city_a_agency, "A-001", room="甲市 101 室", holder="张三", status="issued"),
        "b": new_key(keepers["b"], tree.city_b_agency, "B-001", room="乙市 201 室"),
    }


@pytest.fixture
def leaders(tree):
    """The unit leaders (单位负责人) of 甲市机关事务管理局 and 乙市机关事务管理局: they approve handovers."""
    return {
        "a": make_user("a_leader", tree.city_a_agency, [("unit_leader", tree.city_a_agency, True)]),
        "b": make_user("b_leader", tree.city_b_agency, [("unit_leader", tree.city_b_agency, True)]),
    }


@pytest.fixture
def handover_flow(tree, leaders):
    """A one-step flow at the province for key handovers: the unit's leader decides."""
    from jiguan.org.models import Role
    from jiguan.workflow.models import ApproverRelation, Flow, FlowStep

    with acting_as(None):
        flow = Flow.objects.create(business_type="kernel_example.key_handover", name="钥匙移交审批", unit=tree.province)
        FlowStep.objects.create(flow=flow, order=1, name="单位负责人审批", approver_role=Role.objects.get(code="unit_leader"),
                                relation=ApproverRelation.SAME_UNIT)
    return flow


def file_handover(actor, unit, keys, to_holder="王五", reason="工作调整"):
    from jiguan.kernel_example import services

    with acting_as(actor):
        return services.handover_create(unit=unit, keys=keys, to_holder=to_holder, reason=reason, actor=actor)


def decide(document, approver, captured, approve=True, comment="同意"):
    """Approve (or reject) the document's pending request as ``approver``; the outcome hook runs
    after commit, as in production."""
    from jiguan.workflow import services as workflow
    from jiguan.workflow.selectors import latest_request

    request = latest_request(document)
    with captured(execute=True), acting_as(approver):
        if approve:
            workflow.request_approve(request=request, actor=approver, comment=comment)
        else:
            workflow.request_reject(request=request, actor=approver, comment=comment or "不同意")
    return request
