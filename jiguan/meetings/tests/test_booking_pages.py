"""The booking journey through the pages: find a free room, book it with tea, a conflict with
suggestions, the calendar, the door code, the service staff's task, cancel and move."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.meetings.models import Compound, Room, ServiceRequest, ServiceState
from jiguan.reservations.models import Occurrence, OccurrenceState

pytestmark = pytest.mark.django_db


def next_weekday(weekday: int = 1) -> datetime.date:
    """The next date (from tomorrow) falling on ``weekday`` (0 = Monday)."""
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day


@pytest.fixture
def place(tree):
    admin = make_user("room_admin", tree.city_a_agency, [("meeting_admin", tree.city_a_agency, True)])
    service = make_user("tea_staff", tree.city_a_agency, [("meeting_service", tree.city_a_agency, True)])
    staff = make_user("a_staff", tree.county_a_agency, [], full_name="甲县科员")
    outsider = make_user("b_staff", tree.city_b_agency, [], full_name="乙市科员")
    with acting_as(admin):
        compound = Compound.objects.create(unit=tree.city_a_agency, name="甲市行政中心")
        compound.resident_units.set([tree.city_a, tree.county_a])
        big = Room.objects.create(unit=tree.city_a_agency, compound=compound, name="第一会议室", capacity=20,
                                  equipment=",projector,audio,", layouts=",boardroom,u_shape,", release_after=15)
        small = Room.objects.create(unit=tree.city_a_agency, compound=compound, name="小会议室", capacity=14,
                                    equipment=",projector,")
        tiny = Room.objects.create(unit=tree.city_a_agency, compound=compound, name="洽谈室", capacity=6)
        for r in (big, small, tiny):
            r.allowed_units.set([tree.city_a])
    return {"admin": admin, "service": service, "staff": staff, "outsider": outsider, "big": big,
            "small": small, "tiny": tiny, "compound": compound}


def book_data(day, **extra):
    data = {"subject": "季度工作会", "date": day.isoformat(), "start_time": "14:00", "end_time": "16:00",
            "guest_count": 12, "recurrence": "once", "services": ["tea"], "service_note": "12 杯"}
    data.update(extra)
    return data


def test_find_book_conflict_calendar_door_and_service(place, client_for, django_assert_max_num_queries):
    staff, day = place["staff"], next_weekday(1)
    c = client_for(staff)
    page = c.get(reverse("meetings:find"), {"date": day.isoformat(), "start_time": "14:00", "end_time": "16:00",
                                            "size": 12, "equipment": ["projector"]})
    text = page.content.decode()
    assert page.status_code == 200
    assert "小会议室" in text and "第一会议室" in text and "洽谈室" not in text
    assert text.index("小会议室") < text.index("第一会议室")  # the smallest fitting room first

    response = c.post(reverse("meetings:book", args=[place["small"].pk]), book_data(day))
    assert response.status_code == 302, response.content.decode()[:3000]
    occ = Occurrence.objects.get(resource=place["small"])
    assert occ.state == OccurrenceState.CONFIRMED
    assert ServiceRequest.objects.get(occurrence=occ).kind == "tea"
    detail = c.get(response["Location"]).content.decode()
    assert "季度工作会" in detail and "茶水" in detail

    # A second booking over it: 409, the first one named, other times and rooms offered.
    other = make_user("a_staff2", place["staff"].unit, [])
    clash = client_for(other).post(reverse("meetings:book", args=[place["small"].pk]),
                                   book_data(day, subject="另一个会", start_time="15:00", end_time="16:30"))
    assert clash.status_code == 409
    body = clash.content.decode()
    assert "季度工作会" in body and "同一会议室的其他空闲时间" in body and "第一会议室" in body

    # The week calendar shows it to insiders, and costs the same few queries for more rooms.
    cal = c.get(reverse("meetings:calendar"), {"date": day.isoformat()})
    assert "季度工作会" in cal.content.decode()
    with django_assert_max_num_queries(20):
        c.get(reverse("meetings:calendar"), {"date": day.isoformat()})

    # The door page's code checks the booker in, within the window.
    door = c.get(reverse("meetings:door", args=[place["small"].pk]))
    assert door.status_code == 200 and "<svg" in door.content.decode()
    from jiguan.reservations import services as engine

    token = engine.door_token(place["small"])
    Occurrence.objects.filter(pk=occ.pk).update(start=timezone.now() - datetime.timedelta(minutes=5),
                                                end=timezone.now() + datetime.timedelta(minutes=55),
                                                block_start=timezone.now() - datetime.timedelta(minutes=5),
                                                block_end=timezone.now() + datetime.timedelta(minutes=55))
    done = c.post(reverse("meetings:door_check_in", args=[token]))
    assert done.status_code == 302
    occ.refresh_from_db()
    assert occ.state == OccurrenceState.CHECKED_IN

    # The service staff see the tea task and complete it; the booker is told.
    s = client_for(place["service"])
    tasks = s.get(reverse("meetings:services")).content.decode()
    assert "茶水" in tasks and "季度工作会" in tasks
    req = ServiceRequest.objects.get(occurrence=occ)
    assert s.post(reverse("meetings:service_accept", args=[req.pk])).status_code == 302
    assert s.post(reverse("meetings:service_complete", args=[req.pk])).status_code == 302
    req.refresh_from_db()
    assert req.state == ServiceState.DONE and req.done_by == place["service"]


def test_outsiders_neither_see_nor_book(place, client_for):
    day = next_weekday(2)
    c = client_for(place["staff"])
    assert c.post(reverse("meetings:book", args=[place["small"].pk]), book_data(day)).status_code == 302
    occ = Occurrence.objects.get(resource=place["small"])
    out = client_for(place["outsider"])
    assert out.get(reverse("meetings:book", args=[place["small"].pk])).status_code == 404
    assert out.post(reverse("meetings:book", args=[place["small"].pk]), book_data(day)).status_code == 404
    assert out.get(reverse("meetings:booking_detail", args=[occ.reservation_id])).status_code == 404
    assert out.get(reverse("meetings:door", args=[place["small"].pk])).status_code == 404
    cal = out.get(reverse("meetings:calendar"), {"room": place["small"].pk})
    assert cal.status_code == 404
    assert "季度工作会" not in out.get(reverse("meetings:calendar")).content.decode()
    assert "季度工作会" not in out.get(reverse("meetings:mine")).content.decode()
    from jiguan.reservations import services as engine

    assert out.get(reverse("meetings:door_check_in", args=[engine.door_token(place["small"])])).status_code == 404
    assert out.post(reverse("meetings:occurrence_cancel", args=[occ.pk]), {"scope": "one", "reason": "x"}
                    ).status_code == 404
    occ.refresh_from_db()
    assert occ.state == OccurrenceState.CONFIRMED


def test_weekly_series_cancel_one_and_move_later(place, client_for):
    c = client_for(place["staff"])
    first = next_weekday(1)
    r = c.post(reverse("meetings:book", args=[place["big"].pk]),
               book_data(first, recurrence="weekly", weekdays=["2"], until=(first + datetime.timedelta(days=21)).isoformat(),
                         services=[]))
    assert r.status_code == 302, r.content.decode()[:2000]
    occs = list(Occurrence.objects.filter(resource=place["big"]).order_by("start"))
    assert len(occs) == 4
    assert c.post(reverse("meetings:occurrence_cancel", args=[occs[1].pk]),
                  {"scope": "one", "reason": "出差"}).status_code == 302
    r = c.post(reverse("meetings:occurrence_edit", args=[occs[2].pk]),
               {"scope": "later", "start_time": "09:00", "end_time": "10:00"})
    assert r.status_code == 302, r.content.decode()[:2000]
    rows = list(Occurrence.objects.filter(resource=place["big"]).order_by("start"))
    assert [o.state for o in rows] == ["confirmed", "cancelled", "confirmed", "confirmed"]
    assert timezone.localtime(rows[0].start).hour == 14
    assert [timezone.localtime(o.start).hour for o in rows[2:]] == [9, 9]
    assert rows[0].reservation_id == occs[0].reservation_id and rows[2].reservation_id != occs[0].reservation_id
    page = c.get(reverse("meetings:booking_detail", args=[rows[2].reservation_id])).content.decode()
    assert "参会人数" in page and ">12<" in page  # the split-off series keeps its meeting


def test_stats_counts_occupancy_no_shows_and_services(place, client_for):
    day = next_weekday(3)
    c = client_for(place["staff"])
    assert c.post(reverse("meetings:book", args=[place["big"].pk]), book_data(day)).status_code == 302
    admin = client_for(place["admin"])
    page = admin.get(reverse("meetings:stats"), {"from": day.isoformat(), "to": day.isoformat()})
    text = page.content.decode()
    assert page.status_code == 200
    # 2 of the big room's 10 open hours (08:00–18:00), nothing in the other two: 2 / 30 h = 6.7 %.
    assert "20.0%" in text and "6.7%" in text and "茶水" in text and "甲县财政局" in text
    export = admin.get(reverse("meetings:stats"), {"from": day.isoformat(), "to": day.isoformat(), "export": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_for(place["staff"]).get(reverse("meetings:stats")).status_code == 403


def test_my_next_meetings_on_the_home_page(place, client_for):
    c = client_for(place["staff"])
    assert "home-meetings" not in c.get(reverse("home")).content.decode()  # nothing booked: no empty panel
    assert c.post(reverse("meetings:book", args=[place["big"].pk]), book_data(next_weekday(4))).status_code == 302
    home = c.get(reverse("home")).content.decode()
    assert "我的会议" in home and "季度工作会" in home and "第一会议室" in home


def test_a_blocking_cancels_the_colliding_bookings_and_tells_their_bookers(place, client_for):
    from jiguan.notifications.models import Notification

    day = next_weekday(2)
    c = client_for(place["staff"])
    assert c.post(reverse("meetings:book", args=[place["big"].pk]), book_data(day)).status_code == 302
    assert c.post(reverse("meetings:book", args=[place["small"].pk]),
                  book_data(day, start_time="09:00", end_time="10:00")).status_code == 302
    admin = client_for(place["admin"])
    assert admin.get(reverse("meetings:blocking_create")).status_code == 200
    r = admin.post(reverse("meetings:blocking_create"), {
        "title": "省委全会保障", "start": f"{day.isoformat()}T13:00", "end": f"{day.isoformat()}T18:00",
        "rooms": [place["big"].pk, place["small"].pk]})
    assert r.status_code == 302, r.content.decode()[:2000]
    big = Occurrence.objects.get(resource=place["big"], reservation__kind="booking")
    small = Occurrence.objects.get(resource=place["small"], reservation__kind="booking")
    assert big.state == OccurrenceState.CANCELLED and "省委全会保障" in big.state_reason
    assert small.state == OccurrenceState.CONFIRMED  # 09:00–10:00 is outside the blocking
    note = Notification.objects.get(recipient=place["staff"])
    assert "公务活动" in note.title and "季度工作会" in note.title
    listing = admin.get(reverse("meetings:blocking_list")).content.decode()
    assert "省委全会保障" in listing
    again = c.post(reverse("meetings:book", args=[place["big"].pk]), book_data(day, start_time="15:00",
                                                                              end_time="16:00"))
    assert again.status_code == 409 and "公务保障「省委全会保障」" in again.content.decode()


def test_the_week_calendar_costs_the_same_queries_for_more_rooms_and_escapes_subjects(place, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    day = next_weekday(1)
    c = client_for(place["staff"])
    assert c.post(reverse("meetings:book", args=[place["big"].pk]),
                  book_data(day, subject="<script>alert(1)</script>会")).status_code == 302

    def count():
        with CaptureQueriesContext(connection) as q:
            page = c.get(reverse("meetings:calendar"), {"compound": place["compound"].pk, "date": day.isoformat()})
        return len(q), page.content.decode()

    few, text = count()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;会" in text and "<script>alert(1)" not in text
    with acting_as(place["admin"]):
        for i in range(12):
            room = Room.objects.create(unit=place["big"].unit, compound=place["compound"], name=f"加开{i}", capacity=8)
            room.allowed_units.set([place["big"].unit.parent])
    many, text = count()
    assert "加开11" in text
    assert many == few
