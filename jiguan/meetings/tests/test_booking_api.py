"""The bookings API (/api/v1/meetings/): book a room, a conflict with suggestions, who sees what,
bad input, cancel, move and check in, free rooms, the service staff's requests, and lists whose
query count does not grow with their rows."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.meetings.models import Compound, Room, ServiceRequest, ServiceState
from jiguan.reservations.models import Occurrence, OccurrenceState

pytestmark = pytest.mark.django_db

API = "/api/v1/meetings"
BIG = 99999999999999999999  # > 2**64


def next_weekday(weekday: int = 1) -> datetime.date:
    """The next date (from tomorrow) falling on ``weekday`` (0 = Monday)."""
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day


def at(day: datetime.date, hour: int, minute: int = 0) -> str:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
                                     ).isoformat()


@pytest.fixture
def place(tree):
    admin = make_user("room_admin", tree.city_a_agency, [("meeting_admin", tree.city_a_agency, True)])
    service = make_user("tea_staff", tree.city_a_agency, [("meeting_service", tree.city_a_agency, True)])
    staff = make_user("a_staff", tree.county_a_agency, [], full_name="甲县科员")
    colleague = make_user("a_staff2", tree.county_a_agency, [], full_name="甲县科员二")
    outsider = make_user("b_staff", tree.city_b_agency, [], full_name="乙市科员")
    outsider_service = make_user("b_tea", tree.city_b_agency, [("meeting_service", tree.city_b_agency, True)])
    with acting_as(admin):
        compound = Compound.objects.create(unit=tree.city_a_agency, name="甲市行政中心")
        compound.resident_units.set([tree.city_a, tree.county_a])
        big = Room.objects.create(unit=tree.city_a_agency, compound=compound, name="第一会议室", capacity=20,
                                  equipment=",projector,audio,", layouts=",boardroom,u_shape,", release_after=15)
        small = Room.objects.create(unit=tree.city_a_agency, compound=compound, name="小会议室", capacity=14,
                                    equipment=",projector,")
        tiny = Room.objects.create(unit=tree.city_a_agency, compound=compound, name="洽谈室", capacity=6)
        closed = Room.objects.create(unit=tree.city_a_agency, compound=compound, name="停用会议室", capacity=10,
                                     is_active=False)
        for r in (big, small, tiny, closed):
            r.allowed_units.set([tree.city_a])
    return {"admin": admin, "service": service, "staff": staff, "colleague": colleague, "outsider": outsider,
            "outsider_service": outsider_service, "big": big, "small": small, "tiny": tiny, "closed": closed,
            "compound": compound}


def booking(room, day, **extra):
    data = {"room": room.pk, "subject": "季度工作会", "start": at(day, 14), "end": at(day, 16), "guest_count": 12,
            "services": [{"kind": "tea", "note": "12 杯"}]}
    data.update(extra)
    return data


def book(api, room, day, **extra):
    return api.post(f"{API}/bookings/", booking(room, day, **extra), format="json")


def test_book_then_a_conflict_names_it_and_suggests(place, api_client_for):
    api, day = api_client_for(place["staff"]), next_weekday(1)
    r = book(api, place["small"], day, attendees=[place["colleague"].pk], contact_phone="0571-1234")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["subject"] == "季度工作会" and body["state"] == "confirmed" and body["room"] == place["small"].pk
    assert body["room_name"] == "小会议室" and body["compound_name"] == "甲市行政中心"
    assert body["guest_count"] == 12 and body["attendees"] == [{"id": place["colleague"].pk, "name": "甲县科员二"}]
    [occ] = body["occurrences"]
    assert occ["state"] == "confirmed" and [x["kind"] for x in occ["services"]] == ["tea"]
    assert occ["services"][0]["note"] == "12 杯" and occ["services"][0]["state"] == "requested"
    assert ServiceRequest.objects.get(occurrence_id=occ["id"]).kind == "tea"

    clash = book(api_client_for(place["colleague"]), place["small"], day, subject="另一个会",
                 start=at(day, 15), end=at(day, 16, 30))
    assert clash.status_code == 409, clash.json()
    error = clash.json()["error"]
    assert error["code"] == "conflict" and "季度工作会" in error["message"]
    assert error["conflicts"][0]["occurrence_id"] == occ["id"]
    assert error["suggestions"]["times"] and error["suggestions"]["resources"]
    assert {x["name"] for x in error["suggestions"]["resources"]} == {"第一会议室"}  # free and big enough
    assert Occurrence.objects.filter(resource=place["small"]).count() == 1  # nothing of the refused one kept

    # The detail: its people and whoever may book the room; the list: the caller's own.
    assert api.get(f"{API}/bookings/{body['id']}/").json()["id"] == body["id"]
    assert api_client_for(place["colleague"]).get(f"{API}/bookings/{body['id']}/").status_code == 200
    assert [b["id"] for b in api.get(f"{API}/bookings/").json()["results"]] == [body["id"]]
    assert api_client_for(place["colleague"]).get(f"{API}/bookings/").json()["count"] == 0
    managed = api_client_for(place["admin"]).get(f"{API}/bookings/", {"room": place["small"].pk}).json()
    assert [b["id"] for b in managed["results"]] == [body["id"]]


def test_a_room_needing_approval_is_pending(tree, place, api_client_for):
    from jiguan.workflow.tests.factories import flow_at

    make_user("approver", tree.city_a_agency, [("meeting_approver", tree.city_a_agency, True)])
    flow_at(tree.province, "meetings.room_booking", role="meeting_approver")
    Room.objects.filter(pk=place["tiny"].pk).update(requires_approval=True)
    r = book(api_client_for(place["staff"]), place["tiny"], next_weekday(2), guest_count=4, services=[])
    assert r.status_code == 201, r.json()
    assert r.json()["state"] == "pending" and r.json()["occurrences"][0]["state"] == "pending"


def test_outsiders_neither_see_nor_book(place, api_client_for):
    day = next_weekday(2)
    made = book(api_client_for(place["staff"]), place["small"], day).json()
    out = api_client_for(place["outsider"])
    r = book(out, place["small"], day, start=at(day, 9), end=at(day, 10))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    unknown = out.post(f"{API}/bookings/", {**booking(place["small"], day), "room": 10**12}, format="json")
    assert unknown.status_code == 404 and unknown.json() == r.json()  # an unknown room reads the same
    assert out.get(f"{API}/bookings/{made['id']}/").status_code == 404
    assert out.get(f"{API}/bookings/").json()["count"] == 0
    occ = made["occurrences"][0]["id"]
    assert out.post(f"{API}/occurrences/{occ}/cancel/", {"reason": "x"}, format="json").status_code == 404
    assert out.post(f"{API}/occurrences/{occ}/check-in/").status_code == 404
    free = out.get(f"{API}/availability/", {"start": at(day, 9), "end": at(day, 10)})
    assert free.status_code == 200 and free.json()["count"] == 0
    assert Occurrence.objects.get(pk=occ).state == OccurrenceState.CONFIRMED


def test_a_visible_room_that_cannot_be_booked_is_403(tree, place, api_client_for):
    day = next_weekday(3)
    # The service staff see the rooms (meetings.view_room), but this one is only for the county's people.
    place["small"].allowed_units.set([tree.county_a])
    r = book(api_client_for(place["service"]), place["small"], day)
    assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied"
    # A closed room: its manager sees it, nobody books it.
    r = book(api_client_for(place["admin"]), place["closed"], day, guest_count=4, services=[])
    assert r.status_code == 403 and "停用会议室" in r.json()["error"]["message"]
    # Anyone else does not see it at all.
    assert book(api_client_for(place["staff"]), place["closed"], day, guest_count=4).status_code == 404


@pytest.mark.parametrize("change, field", [
    ({"end": "START"}, "end"),                                   # end not after start
    ({"room": BIG}, "room"),
    ({"room": -3}, "room"),
    ({"room": "abc"}, "room"),
    ({"room": [1]}, "room"),
    ({"guest_count": BIG}, "guest_count"),
    ({"guest_count": "many"}, "guest_count"),
    ({"guest_count": 30}, "guest_count"),                        # over the room's capacity (book_room)
    ({"attendees": [BIG]}, "attendees"),
    ({"attendees": "1,2"}, "attendees"),
    ({"attendees": [10**12]}, "attendees"),                      # nobody of the caller's agency
    ({"booked_for": BIG}, "booked_for"),
    ({"start": 12}, "start"),
    ({"start": "tomorrow"}, "start"),
    ({"start": "0001-01-01T00:00:00+08:00"}, "start"),
    ({"end": "9999-12-31T23:59:59+08:00"}, "end"),
    ({"subject": ["x"]}, "subject"),
    ({"subject": ""}, "subject"),
    ({"subject": "x" * 121}, "subject"),
    ({"services": "tea"}, "services"),
    ({"services": [{"kind": "caviar"}]}, "services"),
    ({"services": [1]}, "services"),
    ({"layout": "circus"}, "layout"),
    ({"layout": "theatre"}, "layout"),                            # not a layout this room offers
    ({"recurrence": "hourly"}, "recurrence"),
    ({"recurrence": "weekly"}, "until"),                          # a series needs its last date
    ({"recurrence": "weekly", "until": "2001-01-01"}, "until"),   # before the start
    ({"weekdays": "89"}, "weekdays"),
    ({"start": "PAST", "end": "PAST_END"}, "start"),              # already past
])
def test_bad_input_is_a_400_naming_the_field(place, api_client_for, change, field):
    day = next_weekday(1)
    data = booking(place["big"], day)
    values = {"START": data["start"], "PAST": at(timezone.localdate() - datetime.timedelta(days=7), 10),
              "PAST_END": at(timezone.localdate() - datetime.timedelta(days=7), 11)}
    data.update({k: values.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    r = api_client_for(place["staff"]).post(f"{API}/bookings/", data, format="json")
    assert r.status_code == 400, (change, r.status_code, r.content[:500])
    assert field in r.json()["error"]["fields"], r.json()
    assert not Occurrence.objects.exists()


def test_bad_ids_and_bodies_elsewhere_are_400_or_404(place, api_client_for):
    api = api_client_for(place["staff"])
    for pk in (BIG, "abc", 0):
        assert api.get(f"{API}/bookings/{pk}/").status_code == 404
        assert api.post(f"{API}/occurrences/{pk}/cancel/", {"reason": "x"}, format="json").status_code == 404
        assert api_client_for(place["service"]).post(f"{API}/service-requests/{pk}/accept/").status_code == 404
    assert api.post(f"{API}/bookings/", ["x"], format="json").status_code == 400
    assert api.get(f"{API}/bookings/", {"room": BIG}).status_code == 400
    assert api.get(f"{API}/bookings/", {"date_from": "soon"}).status_code == 400
    for params, field in [({"start": "x"}, "start"), ({"size": BIG}, "size"), ({"equipment": "laser"}, "equipment"),
                          ({"compound": BIG}, "compound"), ({"end": at(next_weekday(1), 10)}, "start"),
                          ({"start": at(next_weekday(1), 10), "end": at(next_weekday(1), 9)}, "end"),
                          ({"start": "0001-01-01T00:00:00+08:00"}, "start")]:
        r = api.get(f"{API}/availability/", params)
        assert r.status_code == 400 and field in r.json()["error"]["fields"], (params, r.json())


def test_cancel_move_and_check_in(place, api_client_for):
    api, first = api_client_for(place["staff"]), next_weekday(1)
    r = book(api, place["big"], first, recurrence="weekly", weekdays="2",
             until=(first + datetime.timedelta(days=21)).isoformat())
    assert r.status_code == 201, r.json()
    occs = [o["id"] for o in r.json()["occurrences"]]
    assert len(occs) == 4

    # Cancel one: a reason is required; someone else who only sees it may not.
    assert api.post(f"{API}/occurrences/{occs[1]}/cancel/", {"scope": "one"}, format="json").status_code == 400
    other = api_client_for(place["colleague"]).post(f"{API}/occurrences/{occs[1]}/cancel/", {"reason": "x"},
                                                    format="json")
    assert other.status_code == 403
    done = api.post(f"{API}/occurrences/{occs[1]}/cancel/", {"scope": "one", "reason": "出差"}, format="json")
    assert done.status_code == 200, done.json()
    assert [o["state"] for o in done.json()["occurrences"]] == ["confirmed", "cancelled", "confirmed", "confirmed"]
    assert Occurrence.objects.get(pk=occs[1]).state_reason == "出差"

    # Move this and the later ones: the series is split, the answer is the new one.
    moved = api.post(f"{API}/occurrences/{occs[2]}/edit/", {"scope": "later", "start_time": "09:00",
                                                             "end_time": "10:00"}, format="json")
    assert moved.status_code == 200, moved.json()
    assert moved.json()["id"] != r.json()["id"]
    assert [timezone.localtime(Occurrence.objects.get(pk=p).start).hour for p in occs[2:]] == [9, 9]
    bad = api.post(f"{API}/occurrences/{occs[0]}/edit/", {"start_time": "10:00", "end_time": "09:00"}, format="json")
    assert bad.status_code == 400 and "end_time" in bad.json()["error"]["fields"]
    closed = api.post(f"{API}/occurrences/{occs[0]}/edit/", {"start_time": "07:00", "end_time": "09:00"},
                      format="json")
    assert closed.status_code == 400 and "start_time" in closed.json()["error"]["fields"]  # before opening

    # A move onto another booking: 409 with suggestions.
    colleague = api_client_for(place["colleague"])
    assert book(colleague, place["big"], first, subject="部门例会", start=at(first, 10), end=at(first, 11),
                services=[]).status_code == 201
    clash = api.post(f"{API}/occurrences/{occs[0]}/edit/", {"start_time": "10:00", "end_time": "11:00"}, format="json")
    assert clash.status_code == 409 and "部门例会" in clash.json()["error"]["message"]
    assert "suggestions" in clash.json()["error"]

    # Check in: not yet (too early), then within the window.
    early = api.post(f"{API}/occurrences/{occs[0]}/check-in/")
    assert early.status_code == 400 and "签到" in early.json()["error"]["fields"]["non_field_errors"][0]
    now = timezone.now()
    Occurrence.objects.filter(pk=occs[0]).update(start=now - datetime.timedelta(minutes=5),
                                                 end=now + datetime.timedelta(minutes=55),
                                                 block_start=now - datetime.timedelta(minutes=5),
                                                 block_end=now + datetime.timedelta(minutes=55))
    assert colleague.post(f"{API}/occurrences/{occs[0]}/check-in/").status_code == 403
    ok = api.post(f"{API}/occurrences/{occs[0]}/check-in/")
    assert ok.status_code == 200, ok.json()
    assert Occurrence.objects.get(pk=occs[0]).state == OccurrenceState.CHECKED_IN


def test_availability_smallest_fitting_free_room_first(place, api_client_for):
    api, day = api_client_for(place["staff"]), next_weekday(1)
    params = {"start": at(day, 14), "end": at(day, 16), "size": 12, "equipment": "projector"}
    names = [r["name"] for r in api.get(f"{API}/availability/", params).json()["results"]]
    assert names == ["小会议室", "第一会议室"]
    assert book(api, place["small"], day).status_code == 201
    free = api.get(f"{API}/availability/", params).json()
    assert [r["name"] for r in free["results"]] == ["第一会议室"] and free["count"] == 1
    assert free["results"][0]["equipment"] == ["projector", "audio"]
    assert free["results"][0]["compound_name"] == "甲市行政中心"
    audio = api.get(f"{API}/availability/", {**params, "equipment": "projector,audio",
                                              "compound": place["compound"].pk}).json()
    assert [r["name"] for r in audio["results"]] == ["第一会议室"]
    assert api.get(f"{API}/availability/").status_code == 200  # the next hour by default


def test_service_requests_accept_and_complete(place, api_client_for):
    day = next_weekday(4)
    made = book(api_client_for(place["staff"]), place["big"], day).json()
    item = ServiceRequest.objects.get(occurrence_id=made["occurrences"][0]["id"])
    staff = api_client_for(place["service"])
    listing = staff.get(f"{API}/service-requests/", {"state": "requested"}).json()
    assert [x["id"] for x in listing["results"]] == [item.pk]
    assert listing["results"][0]["subject"] == "季度工作会" and listing["results"][0]["room_name"] == "第一会议室"

    # Others: the booker and another city's service staff do not see it (404); a viewer without the
    # right to handle it gets 403.
    assert api_client_for(place["staff"]).get(f"{API}/service-requests/").json()["count"] == 0
    assert api_client_for(place["staff"]).post(f"{API}/service-requests/{item.pk}/accept/").status_code == 404
    out = api_client_for(place["outsider_service"])
    assert out.get(f"{API}/service-requests/").json()["count"] == 0
    assert out.post(f"{API}/service-requests/{item.pk}/accept/").status_code == 404
    viewer = make_user("a_viewer", place["admin"].unit, [("meeting_service", place["admin"].unit, True)])
    from django.contrib.auth.models import Permission

    from jiguan.org.models import Role

    role = Role.objects.get(code="meeting_service")
    role.permissions.remove(Permission.objects.get(codename="change_servicerequest"))
    viewer.clear_permission_cache()
    assert api_client_for(viewer).post(f"{API}/service-requests/{item.pk}/accept/").status_code == 403
    role.permissions.add(Permission.objects.get(codename="change_servicerequest"))

    place["service"].clear_permission_cache()
    accepted = staff.post(f"{API}/service-requests/{item.pk}/accept/")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["state"] == "accepted" and accepted.json()["accepted_by_name"]
    again = staff.post(f"{API}/service-requests/{item.pk}/accept/")
    assert again.status_code == 400
    completed = staff.post(f"{API}/service-requests/{item.pk}/complete/")
    assert completed.status_code == 200 and completed.json()["state"] == "done"
    item.refresh_from_db()
    assert item.state == ServiceState.DONE and item.done_by == place["service"]
    detail = api_client_for(place["staff"]).get(f"{API}/bookings/{made['id']}/").json()
    assert detail["occurrences"][0]["services"][0]["state"] == "done"


def test_lists_cost_the_same_queries_for_more_rows(place, api_client_for, django_assert_max_num_queries):
    api, admin = api_client_for(place["staff"]), api_client_for(place["admin"])
    staff = api_client_for(place["service"])

    made = []

    def add(n):
        for _n in range(n):
            i = len(made)
            made.append(i)
            day = next_weekday(i % 5) + datetime.timedelta(days=7 * (i // 5))
            r = book(api, place["big"], day, subject=f"会议{i}", attendees=[place["colleague"].pk])
            assert r.status_code == 201, r.json()

    def counted(client, url, params=None):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params or {}).status_code == 200
        return len(queries)

    add(2)
    urls = [(api, f"{API}/bookings/"), (admin, f"{API}/bookings/"), (staff, f"{API}/service-requests/"),
            (api, f"{API}/availability/")]
    for client, url in urls:
        counted(client, url)  # warm-up
    small = [counted(client, url) for client, url in urls]
    add(4)
    assert api.get(f"{API}/bookings/").json()["count"] == 6
    large = [counted(client, url) for client, url in urls]
    assert small == large
    with django_assert_max_num_queries(12):
        api.get(f"{API}/bookings/")
    with django_assert_max_num_queries(12):
        staff.get(f"{API}/service-requests/")
