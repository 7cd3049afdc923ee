"""Test factories of the workflow models (jiguan.core.testing.factories), and ``flow_at`` for the
modules' document factories: a one-step flow their requests go through."""

from __future__ import annotations

from jiguan.core.context import acting_as
from jiguan.core.services import generic_create
from jiguan.core.testing import factories
from jiguan.core.testing.factories import person, serial
from jiguan.org.models import Role
from jiguan.workflow import registry, services
from jiguan.workflow.models import ApprovalRequest, ApproverRelation, Flow, FlowStep

CONTRACT_BUSINESS_TYPE = "workflow.contract_test"


def contract_business_type():
    """A business type over org units for the approval requests of kernel tests (the modules' types
    belong to the modules). Registered on first use, for the rest of the test process."""
    try:
        registry.get(CONTRACT_BUSINESS_TYPE)
    except LookupError:
        registry.register(registry.BusinessType(code=CONTRACT_BUSINESS_TYPE, label="契约测试申请",
                                                model="org.OrgUnit", on_outcome=lambda obj, outcome: None))


def flow_at(unit, business_type: str, role: str = "unit_leader") -> Flow:
    """The active one-step flow for ``business_type`` at ``unit`` (made on first use): the holder of
    ``role`` in the applicant's unit (its business unit) decides."""
    flow = Flow.objects.filter(business_type=business_type, unit=unit, is_active=True).first()
    if flow is None:
        with acting_as(None, channel="command"):
            flow = generic_create(Flow(business_type=business_type, unit=unit, name=f"{business_type} 审批"))
            generic_create(FlowStep(flow=flow, order=1, name="单位负责人审批", approver_role=Role.objects.get(code=role),
                                    relation=ApproverRelation.SAME_UNIT))
    return flow


def make_flow(unit) -> Flow:
    """An inactive flow (a unit has one active flow per business type; inactive ones may pile up)."""
    with acting_as(None, channel="command"):
        flow = generic_create(Flow(business_type=CONTRACT_BUSINESS_TYPE, unit=unit, is_active=False,
                                   name=f"契约流程{serial()}"))
        generic_create(FlowStep(flow=flow, order=1, name="单位负责人审批", approver_role=Role.objects.get(code="unit_leader"),
                                relation=ApproverRelation.SAME_UNIT))
    return flow


def make_flow_step(unit) -> FlowStep:
    return make_flow(unit).steps.get()


def make_approval_request(unit) -> ApprovalRequest:
    """A pending request of ``unit`` over a new department of it, filed by its staff member and
    decided by its leader."""
    contract_business_type()
    flow_at(unit, CONTRACT_BUSINESS_TYPE)
    person(unit, "unit_leader")
    applicant = person(unit, "staff")
    subject = factories.make_unit(unit)
    with acting_as(applicant):
        return services.request_start(business_type=CONTRACT_BUSINESS_TYPE, obj=subject, applicant=applicant,
                                      title=f"契约申请{serial()}")


def request_people(request: ApprovalRequest) -> list:
    """Who sees a request besides the holders of the view permission: its applicant and approver."""
    return [request.applicant, person(request.business_unit, "unit_leader")]


factories.register(Flow, make_flow, marker=lambda flow: flow.name,
                   url_kwargs=lambda flow: {"pk": flow.pk, "step_id": flow.steps.values_list("pk", flat=True).first()})
factories.register(FlowStep, make_flow_step, marker=lambda step: step.flow.name)
factories.register(ApprovalRequest, make_approval_request, marker=lambda request: request.title, seen_by=request_people)
