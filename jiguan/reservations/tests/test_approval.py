"""Bookings that need approval: pending ones block nothing; approving one confirms it and rejects
the pending bookings it collides with, telling their people why."""

from __future__ import annotations

import pytest

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.notifications.models import Notification
from jiguan.reservations import services
from jiguan.reservations.models import OccurrenceState, ReservationState
from jiguan.workflow import services as workflow
from jiguan.workflow.models import RequestStatus
from jiguan.workflow.selectors import latest_request
from jiguan.workflow.tests.factories import flow_at

from .conftest import BUSINESS_TYPE, at


@pytest.fixture
def approval_room(make_resource, tree):
    flow_at(tree.province, BUSINESS_TYPE)
    return make_resource("审批会议室", requires_approval=True)


@pytest.fixture
def leader(tree):
    return make_user("res_leader", tree.city_a_agency, [("unit_leader", tree.city_a_agency, True)])


def approve(reservation, approver, capture):
    request = latest_request(reservation)
    with capture(execute=True), acting_as(approver):
        workflow.request_approve(request=request, actor=approver, comment="同意")
    return request


def test_approving_one_of_two_colliding_pending_bookings(approval_room, leader, people, day,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.book(resource=approval_room, actor=people["a"], subject="党组会", start=at(day, 9),
                              end=at(day, 10))
        second = services.book(resource=approval_room, actor=people["a_dept"], subject="科务会",
                               start=at(day, 9, 30), end=at(day, 10, 30))
    assert first.state == second.state == ReservationState.PENDING
    assert [o.state for o in second.occurrences.all()] == [OccurrenceState.PENDING]
    assert latest_request(first).status == RequestStatus.PENDING
    before = Notification.objects.filter(recipient=people["a_dept"]).count()

    approve(first, leader, django_capture_on_commit_callbacks)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == ReservationState.CONFIRMED
    assert [o.state for o in first.occurrences.all()] == [OccurrenceState.CONFIRMED]
    lost = second.occurrences.get()
    assert lost.state == OccurrenceState.REJECTED
    assert "党组会" in lost.state_reason
    assert second.state == ReservationState.REJECTED
    told = Notification.objects.filter(recipient=people["a_dept"]).order_by("-pk")
    assert told.count() > before
    assert "科务会" in told.first().title and "未通过" in told.first().title
    assert latest_request(second).status != RequestStatus.PENDING
    # the confirmed booking now blocks the slot
    with pytest.raises(services.BookingConflict):
        services.book(resource=approval_room, actor=people["manager"], subject="临时会", start=at(day, 9),
                      end=at(day, 10))


def test_approval_outcome_is_idempotent_and_rejection_rejects(approval_room, leader, people, day,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        one = services.book(resource=approval_room, actor=people["a"], subject="甲", start=at(day, 9),
                            end=at(day, 10))
        two = services.book(resource=approval_room, actor=people["a"], subject="乙", start=at(day, 11),
                            end=at(day, 12))
    services.approval_outcome(one, "approved")
    services.approval_outcome(one, "approved")
    assert list(one.occurrences.values_list("state", flat=True)) == [OccurrenceState.CONFIRMED]
    services.approval_outcome(two, "rejected")
    two.refresh_from_db()
    assert two.state == ReservationState.REJECTED
    assert list(two.occurrences.values_list("state", flat=True)) == [OccurrenceState.REJECTED]


def test_the_manager_books_without_approval(approval_room, people, day):
    r = services.book(resource=approval_room, actor=people["manager"], subject="管理员预订", start=at(day, 9),
                      end=at(day, 10))
    assert r.state == ReservationState.CONFIRMED
    assert latest_request(r) is None
