"""A room that needs approval, through the pages: pending bookings do not block the slot; approving
one of two colliding ones rejects the other with a reason; its booker is told."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.meetings.models import Compound, Room
from jiguan.notifications.models import Notification
from jiguan.reservations.models import Occurrence, OccurrenceState, ReservationState
from jiguan.workflow.models import ApprovalRequest
from jiguan.workflow.tests.factories import flow_at

from .test_booking_pages import book_data, next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(tree):
    admin = make_user("hall_admin", tree.city_a_agency, [("meeting_admin", tree.city_a_agency, True)])
    approver = make_user("hall_approver", tree.city_a_agency, [("meeting_approver", tree.city_a_agency, False)])
    with acting_as(admin):
        compound = Compound.objects.create(unit=tree.city_a_agency, name="甲市会议中心")
        room = Room.objects.create(unit=tree.city_a_agency, compound=compound, name="报告厅", capacity=200,
                                   requires_approval=True)
        room.allowed_units.set([tree.city_a])
    flow_at(tree.province, "meetings.room_booking", role="meeting_approver")
    return {"room": room, "approver": approver,
            "one": make_user("hall_one", tree.county_a_agency, [], full_name="甲县甲"),
            "two": make_user("hall_two", tree.city_a_dept, [], full_name="甲市乙")}


def test_pending_does_not_block_and_approval_rejects_the_other(hall, client_for, django_capture_on_commit_callbacks):
    day = next_weekday(1)
    room = hall["room"]
    one, two = client_for(hall["one"]), client_for(hall["two"])
    assert one.post(reverse("meetings:book", args=[room.pk]), book_data(day, subject="全县大会")).status_code == 302
    r = two.post(reverse("meetings:book", args=[room.pk]), book_data(day, subject="全市培训", start_time="15:00",
                                                                     end_time="17:00"))
    assert r.status_code == 302  # the first one is pending: it does not hold the slot
    assert Occurrence.objects.filter(resource=room, state=OccurrenceState.PENDING).count() == 2
    calendar = one.get(reverse("meetings:calendar"), {"room": room.pk, "date": day.isoformat()}).content.decode()
    assert "全县大会" in calendar and "全市培训" in calendar and "待审批" in calendar

    first = ApprovalRequest.objects.get(title__contains="全县大会")
    approver = client_for(hall["approver"])
    page = approver.get(reverse("workflow:request_detail", args=[first.pk]))
    assert page.status_code == 200
    detail_url = reverse("meetings:booking_detail", args=[first.object_id])
    assert detail_url in page.content.decode()
    assert approver.get(detail_url).status_code == 200  # the approver may read what they decide
    with django_capture_on_commit_callbacks(execute=True):  # the outcome is applied after the decision commits
        done = approver.post(reverse("workflow:request_action", args=[first.pk, "approve"]),
                             {"version": first.version, "comment": ""})
    assert done.status_code == 302

    won = Occurrence.objects.get(reservation_id=first.object_id)
    lost = Occurrence.objects.get(resource=room, reservation__subject="全市培训")
    assert won.state == OccurrenceState.CONFIRMED and won.reservation.state == ReservationState.CONFIRMED
    assert lost.state == OccurrenceState.REJECTED and "全县大会" in lost.state_reason
    assert lost.reservation.state == ReservationState.REJECTED
    assert Notification.objects.filter(recipient=hall["two"], title__contains="未通过").exists()
    second = ApprovalRequest.objects.get(title__contains="全市培训")
    assert not second.is_open  # nothing left to decide: withdrawn
    page = two.get(reverse("meetings:booking_detail", args=[lost.reservation_id])).content.decode()
    assert "未通过" in page and "全县大会" in page
