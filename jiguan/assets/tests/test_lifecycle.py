"""The lifecycle services: issue/return, change with handover, transfer, disposal, configuration."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jiguan.assets import services
from jiguan.assets.models import Asset, AssetEvent, AssetStatus, DisposalItem, DocStatus, EventKind
from jiguan.audit.models import AuditEvent
from jiguan.core.context import acting_as
from jiguan.core.models import Event
from jiguan.core.testing import make_user, run_at_once
from jiguan.workflow import services as workflow
from jiguan.workflow.models import ApprovalRequest
from jiguan.workflow.selectors import latest_request

from .conftest import decide


@pytest.fixture
def card(tree, register, users):
    return register(tree.city_a_agency, actor=users["a_assets"])


def kinds(asset):
    return list(AssetEvent.objects.filter(asset=asset).order_by("id").values_list("kind", flat=True))


def test_codes_follow_the_tenant_pattern_and_are_never_reused(tree, register, users):
    first = register(tree.city_a_agency)
    batch = register(tree.city_a_agency, count=3)
    codes = [first.code] + [c.code for c in batch]
    assert codes == [f"3501002024{n:06d}" for n in range(1, 5)]        # region 350100, year, serial
    assert len(set(Asset.objects.values_list("code", flat=True))) == 4
    assert first.name_initials == "tsjsj"                               # 台式计算机
    assert kinds(first) == [EventKind.REGISTER]


def test_issue_return_and_a_change_of_keeper_leave_a_timeline(card, users, tree):
    holder = make_user("holder", tree.city_a_dept)
    keeper = make_user("keeper", tree.city_a_agency)
    with acting_as(users["a_assets"]):
        services.asset_issue(asset=card, user=holder, department=tree.city_a_dept, location="301 室")
        services.asset_change(asset=card, keeper=keeper)
        card = services.asset_return(asset=card)
    assert card.status == AssetStatus.IDLE and card.user is None
    assert kinds(card) == [EventKind.REGISTER, EventKind.ISSUE, EventKind.CHANGE, EventKind.HANDOVER, EventKind.RETURN]
    outsider = make_user("outsider", tree.city_b_agency)
    with acting_as(users["a_assets"]), pytest.raises(ValidationError) as exc:
        services.asset_issue(asset=card, user=outsider)
    assert "使用人须是产权单位" in str(exc.value)


def test_value_cannot_be_changed_through_a_plain_change(card, users):
    with acting_as(users["a_assets"]), pytest.raises(ValidationError) as exc:
        services.asset_change(asset=card, original_value=Decimal("1"))
    assert "不能在变更中修改" in str(exc.value)


def test_transfer_changes_the_owner_only_after_approval(card, tree, users, leaders, asset_flows,
                                                        django_capture_on_commit_callbacks):
    b_user = users["b_assets"]
    assert not Asset.objects.restrict(b_user).filter(pk=card.pk).exists()
    with acting_as(users["a_assets"]):
        transfer = services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.city_b_agency,
                                            asset_ids=[card.pk], reason="工作调整", actor=users["a_assets"])
    card.refresh_from_db()
    assert card.owner_unit == tree.city_a_agency                         # not before approval
    assert not Asset.objects.restrict(b_user).filter(pk=card.pk).exists()
    assert type(transfer).objects.restrict(b_user).filter(pk=transfer.pk).exists()   # the receiver sees the transfer
    decide(transfer, leaders["leader"], django_capture_on_commit_callbacks)
    card.refresh_from_db()
    transfer.refresh_from_db()
    assert transfer.status == DocStatus.COMPLETED
    assert card.owner_unit == tree.city_b_agency and card.using_unit == tree.city_b_agency
    assert Asset.objects.restrict(b_user).filter(pk=card.pk).exists()
    assert not Asset.objects.restrict(users["a_assets"]).filter(pk=card.pk).exists()
    assert kinds(card) == [EventKind.REGISTER, EventKind.TRANSFER_REQUESTED, EventKind.TRANSFER]
    assert AssetEvent.objects.filter(asset=card, kind=EventKind.TRANSFER).get().actor == leaders["leader"]


def test_a_rejected_transfer_leaves_the_card_where_it_was(card, tree, users, leaders, asset_flows,
                                                          django_capture_on_commit_callbacks):
    with acting_as(users["a_assets"]):
        transfer = services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.city_b_agency,
                                            asset_ids=[card.pk], reason="工作调整", actor=users["a_assets"])
        with pytest.raises(ValidationError):   # the card is already in an open transfer
            services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.county_a_agency,
                                     asset_ids=[card.pk], reason="again", actor=users["a_assets"])
    decide(transfer, leaders["leader"], django_capture_on_commit_callbacks, approve=False, comment="不符合规定")
    card.refresh_from_db()
    assert card.owner_unit == tree.city_a_agency
    assert kinds(card)[-1] == EventKind.TRANSFER_CANCELLED
    with acting_as(users["a_assets"]):    # free again
        services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.county_a_agency,
                                 asset_ids=[card.pk], reason="重新申请", actor=users["a_assets"])


def test_disposal_closes_the_card_and_stops_depreciation(card, tree, users, leaders, asset_flows,
                                                        django_capture_on_commit_callbacks):
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="scrap",
                                            reason_code="obsolete", reason="无法维修", actor=users["a_assets"])
    card.refresh_from_db()
    assert card.status == AssetStatus.PENDING_DISPOSAL
    decide(disposal, leaders["leader"], django_capture_on_commit_callbacks)
    card.refresh_from_db()
    assert card.status == AssetStatus.DISPOSED and card.disposed_on is not None
    # The accounts (账务) side learns of it through the event for other systems (jiguan.core.events).
    disposed = Event.objects.filter(kind="assets.asset.disposed")
    assert [(e.object_id, e.payload["disposal"]) for e in disposed] == [(card.pk, disposal.number)]
    stop = card.dep_stop
    assert card.accumulated_at(stop + 12) == card.accumulated_at(stop)   # no charge after disposal
    with acting_as(users["a_assets"]), pytest.raises(ValidationError):
        services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="scrap",
                                 reason_code="obsolete", reason="again", actor=users["a_assets"])


def test_disposal_rules_from_the_regulation(card, tree, users, asset_flows):
    with acting_as(users["a_assets"]):
        with pytest.raises(ValidationError) as exc:
            services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="scrap", reason="x",
                                     actor=users["a_assets"])
        assert "第二十一条" in str(exc.value.message_dict["reason_code"])
        with pytest.raises(ValidationError) as exc:
            services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="sale", reason="x",
                                     actor=users["a_assets"])
        assert "评估" in str(exc.value.message_dict["valuation"])


def test_a_rejected_disposal_restores_the_former_status(card, tree, users, leaders, asset_flows,
                                                       django_capture_on_commit_callbacks):
    with acting_as(users["a_assets"]):
        services.asset_return(asset=services.asset_issue(asset=card, department=tree.city_a_dept))
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="scrap",
                                            reason_code="past_life", reason="超期", actor=users["a_assets"])
    decide(disposal, leaders["leader"], django_capture_on_commit_callbacks, approve=False, comment="仍可使用")
    card.refresh_from_db()
    assert card.status == AssetStatus.IDLE
    assert DisposalItem.objects.filter(asset=card, open=True).count() == 0


def test_two_approvals_of_one_disposal_one_disposal_one_refusal(card, tree, users, leaders, asset_flows,
                                                               django_capture_on_commit_callbacks):
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="scrap",
                                            reason_code="obsolete", reason="无法维修", actor=users["a_assets"])
    request = latest_request(disposal)
    first = ApprovalRequest.objects.get(pk=request.pk)
    second = ApprovalRequest.objects.get(pk=request.pk)     # both screens loaded while pending
    with django_capture_on_commit_callbacks(execute=True), acting_as(leaders["leader"]):
        workflow.request_approve(request=first, actor=leaders["leader"])
    with acting_as(leaders["leader2"]), pytest.raises(workflow.StaleRequest) as exc:
        workflow.request_approve(request=second, actor=leaders["leader2"])
    assert "已被他人处理" in exc.value.message
    assert DisposalItem.objects.filter(asset=card, done=True).count() == 1
    assert AssetEvent.objects.filter(asset=card, kind=EventKind.DISPOSAL).count() == 1
    services.disposal_outcome(disposal, "approved")                     # a retried hook changes nothing
    assert AssetEvent.objects.filter(asset=card, kind=EventKind.DISPOSAL).count() == 1


STALE = "该申请已被他人处理或已变化，请刷新后查看最新状态。"


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # real concurrent transactions
def test_two_approvers_at_the_same_moment_dispose_once(tree, register, users, leaders, asset_flows):
    card = register(tree.city_a_agency, actor=users["a_assets"])
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="scrap",
                                            reason_code="obsolete", reason="无法维修", actor=users["a_assets"])
    pk = latest_request(disposal).pk
    # Both leaders' screens were loaded while the request was pending.
    screens = {name: ApprovalRequest.objects.get(pk=pk) for name in ("leader", "leader2")}

    def approve(name):
        def call():
            with acting_as(leaders[name], channel="web"):
                workflow.request_approve(request=screens[name], actor=leaders[name])
            return "ok"
        return call

    outcomes = run_at_once(approve("leader"), approve("leader2"))
    assert outcomes.count("ok") == 1, outcomes
    (loser,) = [o for o in outcomes if o != "ok"]
    assert type(loser) is workflow.StaleRequest, repr(loser)
    assert str(loser.message) == STALE
    card.refresh_from_db()
    assert card.status == AssetStatus.DISPOSED
    assert AssetEvent.objects.filter(asset=card, kind=EventKind.DISPOSAL).count() == 1
    assert AuditEvent.objects.filter(object_type="assets.disposal", action="state").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # real concurrent transactions
def test_two_disposal_requests_for_one_card_at_once(tree, register, users, asset_flows):
    card = register(tree.city_a_agency, actor=users["a_assets"])

    def dispose(n):
        def call():
            with acting_as(users["a_assets"]):
                return services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="scrap",
                                                reason_code="obsolete", reason=f"第{n}次", actor=users["a_assets"])
        return call

    outcomes = run_at_once(dispose(1), dispose(2))
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    (winner,), (loser,) = winners, losers
    # The loser waited for the winner's lock and is told which open document holds the card.
    assert isinstance(loser, ValidationError), repr(loser)
    assert loser.message_dict == {"assets": [f"资产 {card.code} 已在进行中的资产处置 {winner.number} 中，请待其办结后再办理。"]}
    assert DisposalItem.objects.filter(asset=card).count() == 1
    card.refresh_from_db()
    assert card.status == AssetStatus.PENDING_DISPOSAL


def test_configuration_over_the_cap_is_flagged_and_idle_computers_come_first(tree, register, users, asset_flows):
    idle = register(tree.city_a_agency, status="idle", acquired_on=date(2025, 3, 1))
    with acting_as(users["a_assets"]):
        notes = services.configuration_check(class_code="A02010105", standard_key="", unit_price=Decimal("6500"),
                                             on=date.today())
        assert notes[0]["over"] is True and notes[0]["cap"] == "5000"
        assert "中央行政单位通用办公设备家具配置标准" in notes[0]["source"] and notes[0]["confidence"] == "S"
        assert [c.pk for c in services.idle_matches(users["a_assets"], "A02010105")] == [idle.pk]
        with pytest.raises(ValidationError) as exc:
            services.configuration_create(unit=tree.city_a_agency, item_name="台式计算机", class_code="A02010105",
                                          quantity=2, unit_price=Decimal("6500"), reason="新进人员",
                                          actor=users["a_assets"])
        assert idle.code in str(exc.value.message_dict["idle_reason"])
        request = services.configuration_create(
            unit=tree.city_a_agency, item_name="台式计算机", class_code="A02010105", quantity=2,
            unit_price=Decimal("6500"), reason="新进人员", idle_reason="闲置机型无法运行业务系统",
            actor=users["a_assets"])
    assert request.over_standard and request.total_amount == Decimal("13000.00")
    assert "超标准" in latest_request(request).title
    # Another city's idle computers are not offered to city A.
    assert list(services.idle_matches(users["b_assets"], "A02010105")) == []


@pytest.fixture
def group_transfer_flow(tree, leaders):
    """The demo's transfer flow: the giving unit's leader, the receiving unit's leader, then the
    offices administration, which an internal transfer (both units under one parent) skips."""
    from jiguan.org.demo import credit_code
    from jiguan.org.models import OrgKind, Role
    from jiguan.org.services import orgunit_create
    from jiguan.workflow.models import ApproverRelation, Flow, FlowStep

    with acting_as(None, channel="command"):
        edu = orgunit_create(parent=tree.city_a, kind=OrgKind.AGENCY, name="甲市教育局", region_code="350100",
                             credit_code=credit_code(OrgKind.AGENCY, "350100", 901))
        flow = Flow.objects.create(business_type="assets.transfer", name="资产调拨审批", unit=tree.province)
        leader = Role.objects.get(code="unit_leader")
        FlowStep.objects.create(flow=flow, order=1, name="调出单位负责人审批", approver_role=leader,
                                relation=ApproverRelation.SAME_UNIT)
        FlowStep.objects.create(flow=flow, order=2, name="调入单位负责人确认", approver_role=leader,
                                relation=ApproverRelation.COUNTERPARTY_UNIT)
        FlowStep.objects.create(flow=flow, order=3, name="机关事务管理局审批", skip_if_same_parent=True,
                                approver_role=Role.objects.get(code="offices_approver"),
                                relation=ApproverRelation.FIXED_UNIT, fixed_unit=tree.prov_agency)
    return {
        "edu": edu,
        "edu_leader": make_user("edu_leader", edu, [("unit_leader", edu, True)]),
        "county_leader": make_user("county_leader", tree.county_a_agency,
                                   [("unit_leader", tree.county_a_agency, True)]),
        "offices": make_user("offices", tree.prov_agency, [("offices_approver", tree.prov_agency, False)]),
    }


def test_an_internal_transfer_needs_only_the_two_units_sign_off(card, tree, users, leaders, group_transfer_flow,
                                                               django_capture_on_commit_callbacks):
    edu, edu_leader = group_transfer_flow["edu"], group_transfer_flow["edu_leader"]
    with acting_as(users["a_assets"]):
        transfer = services.transfer_create(from_unit=tree.city_a_agency, to_unit=edu, asset_ids=[card.pk],
                                            reason="同一主管部门内调剂", actor=users["a_assets"])
    request = decide(transfer, leaders["leader"], django_capture_on_commit_callbacks)
    request.refresh_from_db()
    assert request.current_step.name == "调入单位负责人确认"          # the receiving unit signs off next
    assert workflow.can_act(edu_leader, request) and not workflow.can_act(leaders["b_leader"], request)
    card.refresh_from_db()
    assert card.owner_unit == tree.city_a_agency                        # still not moved
    decide(transfer, edu_leader, django_capture_on_commit_callbacks)
    request.refresh_from_db()
    transfer.refresh_from_db()
    card.refresh_from_db()
    assert request.status == "approved" and transfer.status == DocStatus.COMPLETED
    assert card.owner_unit == edu                                       # no third step
    steps = list(request.actions.order_by("id").values_list("step_name", "kind"))
    assert ("机关事务管理局审批", "skip") in steps


def test_a_transfer_across_groups_also_goes_to_the_offices_administration(card, tree, users, leaders,
                                                                          group_transfer_flow,
                                                                          django_capture_on_commit_callbacks):
    with acting_as(users["a_assets"]):
        transfer = services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.county_a_agency,
                                            asset_ids=[card.pk], reason="调剂给县财政局", actor=users["a_assets"])
    decide(transfer, leaders["leader"], django_capture_on_commit_callbacks)
    request = decide(transfer, group_transfer_flow["county_leader"], django_capture_on_commit_callbacks)
    request.refresh_from_db()
    card.refresh_from_db()
    assert request.status == "pending" and request.current_step.name == "机关事务管理局审批"
    assert card.owner_unit == tree.city_a_agency
    decide(transfer, group_transfer_flow["offices"], django_capture_on_commit_callbacks)
    card.refresh_from_db()
    assert card.owner_unit == tree.county_a_agency
