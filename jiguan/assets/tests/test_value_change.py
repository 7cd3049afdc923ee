"""Value changes (价值调整单): a value adjustment goes through the approval flow ``assets.value_change``
and changes the card only when approved; small changes pass at once where the flow says so."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jiguan.assets import depreciation, services
from jiguan.assets.models import AssetEvent, DocStatus, EventKind, ValueChange, period_index
from jiguan.core import locks
from jiguan.core.context import acting_as
from jiguan.workflow.selectors import latest_request

from .conftest import decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(tree, register, users):
    return register(tree.city_a_agency, actor=users["a_assets"])   # 6,000.00, 72 months from 2024-01


def request_change(card, actor, delta="1200.00", on=date(2026, 11, 1), reason="加装内存和固态硬盘"):
    with acting_as(actor):
        return services.value_change_create(asset=card, delta=Decimal(delta), on=on, reason=reason, actor=actor)


def test_an_approved_change_applies_from_the_first_month_not_yet_charged(card, tree, users, leaders, asset_flows,
                                                                         django_capture_on_commit_callbacks):
    change = request_change(card, users["a_assets"])
    assert (change.status, change.value_before, change.value_after) == (DocStatus.PENDING, Decimal("6000.00"),
                                                                       Decimal("7200.00"))
    with acting_as(users["a_assets"]):   # November is charged while the request waits
        run = depreciation.run_start(unit=tree.city_a, period=period_index(2026, 11), actor=users["a_assets"])
        depreciation.run_execute(run)
    card.refresh_from_db()
    assert card.original_value == Decimal("6000.00")
    decide(change, leaders["leader"], django_capture_on_commit_callbacks)
    card.refresh_from_db()
    change.refresh_from_db()
    assert change.status == DocStatus.COMPLETED and change.applied_on == date(2026, 12, 1)
    assert card.original_value == Decimal("7200.00")
    # 35 months charged on 6,000.00 (2,916.55); the remaining 37 months spread 4,283.45: 115.77 a month
    assert card.accumulated_at(period_index(2026, 11)) == Decimal("2916.55")
    assert card.dep_monthly == Decimal("115.77")
    assert card.accumulated_at(period_index(2029, 12)) == Decimal("7200.00")
    events = list(AssetEvent.objects.filter(asset=card).order_by("id"))
    assert [e.kind for e in events] == [EventKind.REGISTER, EventKind.VALUE_REQUESTED, EventKind.VALUE]
    assert events[-1].actor == leaders["leader"] and events[-1].document == change.number
    assert "+1,200.00 元，调整后原值 7,200.00 元" in events[-1].summary


def test_a_rejected_change_leaves_the_card_and_frees_it_for_another(card, users, leaders, asset_flows,
                                                                   django_capture_on_commit_callbacks):
    change = request_change(card, users["a_assets"])
    with pytest.raises(ValidationError) as exc:
        request_change(card, users["a_assets"], delta="100.00")
    assert f"已在进行中的价值调整 {change.number} 中" in str(exc.value)
    decide(change, leaders["leader"], django_capture_on_commit_callbacks, approve=False, comment="发票不全")
    card.refresh_from_db()
    change.refresh_from_db()
    assert card.original_value == Decimal("6000.00") and change.status == DocStatus.REJECTED
    cancelled = AssetEvent.objects.filter(asset=card).order_by("id").last()
    assert cancelled.kind == EventKind.VALUE_CANCELLED and cancelled.data["comment"] == "发票不全"
    again = request_change(card, users["a_assets"], delta="-500.00", reason="部件拆除")
    assert again.status == DocStatus.PENDING and again.value_after == Decimal("5500.00")


def test_the_request_is_checked_before_it_goes_to_approval(card, users, asset_flows):
    for delta, on, reason, field, message in [
        ("0", date(2026, 12, 1), "x", "delta", "调整金额不能为 0"),
        ("-7000.00", date(2026, 12, 1), "x", "delta", "调整后原值不能为负数"),
        ("100.00", date(2026, 12, 1), " ", "reason", "请填写调整原因"),
    ]:
        with pytest.raises(ValidationError) as exc:
            request_change(card, users["a_assets"], delta=delta, on=on, reason=reason)
        assert message in str(exc.value.message_dict[field])
    assert not ValueChange.objects.exists()


def test_a_flow_with_an_amount_condition_lets_small_changes_through_at_once(card, tree, users, leaders,
                                                                          django_capture_on_commit_callbacks):
    from jiguan.org.models import Role
    from jiguan.workflow.models import ApproverRelation, Flow, FlowStep, Operator

    with acting_as(None):
        flow = Flow.objects.create(business_type="assets.value_change", name="资产价值调整审批", unit=tree.province)
        FlowStep.objects.create(flow=flow, order=1, name="单位负责人审批（1 万元及以上）",
                                approver_role=Role.objects.get(code="unit_leader"),
                                relation=ApproverRelation.SAME_UNIT, condition_field="amount",
                                condition_operator=Operator.GTE, condition_value=Decimal("10000"))
    with django_capture_on_commit_callbacks(execute=True):
        small = request_change(card, users["a_assets"], delta="800.00")
    small.refresh_from_db()
    card.refresh_from_db()
    assert small.status == DocStatus.COMPLETED and card.original_value == Decimal("6800.00")
    with django_capture_on_commit_callbacks(execute=True):
        large = request_change(card, users["a_assets"], delta="12000.00")
    large.refresh_from_db()
    assert large.status == DocStatus.PENDING and latest_request(large).current_step.order == 1


def test_a_change_approved_after_the_card_was_disposed_of_closes_as_void_and_says_why(
        card, tree, users, leaders, asset_flows, django_capture_on_commit_callbacks, client_for):
    """A disposal waits for an open change (one open document per card). A change and a disposal
    open at once come from before the object locks (the migration gave the card to the older one):
    approving the change after the disposal completes the request, leaves the card as it is, and
    closes the document as 未生效 with the reason, on the document and on the card's timeline."""
    change = request_change(card, users["a_assets"])
    with acting_as(users["a_assets"]), pytest.raises(ValidationError) as refused:
        services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="scrap",
                                 reason_code="obsolete", reason="无法维修", actor=users["a_assets"])
    assert f"已在进行中的价值调整 {change.number} 中" in str(refused.value)
    locks.release(change)  # as a change filed before the locks, beside a disposal
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="scrap",
                                            reason_code="obsolete", reason="无法维修", actor=users["a_assets"])
    decide(disposal, leaders["leader"], django_capture_on_commit_callbacks)
    card.refresh_from_db()
    assert card.status == "disposed"
    request = decide(change, leaders["leader2"], django_capture_on_commit_callbacks)
    request.refresh_from_db()
    change.refresh_from_db()
    card.refresh_from_db()
    assert request.status == "approved" and request.outcome_error == ""
    assert change.status == DocStatus.VOID and change.get_status_display() == "未生效"
    assert "已处置" in change.note and change.applied_on is None
    assert card.original_value == Decimal("6000.00")
    last = AssetEvent.objects.filter(asset=card).order_by("id").last()
    assert last.kind == EventKind.VALUE_CANCELLED and f"价值调整未生效（{change.number}）" in last.summary
    page = client_for(users["a_assets"]).get(change.get_absolute_url()).content.decode()
    assert "未生效" in page and "未生效原因" in page and "已处置" in page
