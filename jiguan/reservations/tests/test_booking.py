"""Booking once: conflicts (naming the booking collided with, with suggestions), buffers, the rules
of opening hours, length, notice and advance, and who may book."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jiguan.reservations import policies, services
from jiguan.reservations.models import OccurrenceState, OpenTo, ReservationState, Resource

from .conftest import at, weekday


def book(resource, actor, start, end, subject="处务会", **kw):
    return services.book(resource=resource, actor=actor, subject=subject, start=start, end=end, **kw)


def test_a_booking_is_confirmed_and_a_colliding_one_is_refused_naming_it(room, make_resource, people, day):
    other = make_resource("二号会议室", capacity=30)
    make_resource("小会议室", capacity=5)  # too small for the room's 20: not suggested
    first = book(room, people["a"], at(day, 9), at(day, 10), subject="党组会")
    assert first.state == ReservationState.CONFIRMED
    assert [o.state for o in first.occurrences.all()] == [OccurrenceState.CONFIRMED]

    with pytest.raises(services.BookingConflict) as refused:
        book(room, people["a_dept"], at(day, 9, 30), at(day, 10, 30), subject="科务会")
    conflict = refused.value
    assert "党组会" in " ".join(conflict.messages)
    assert "一号会议室" in " ".join(conflict.messages)
    assert [c["occurrence_id"] for c in conflict.conflicts] == [first.occurrences.get().pk]
    assert "党组会" in conflict.conflicts[0]["document"]
    assert conflict.suggestions["times"], "other times of the room are offered"
    assert [r["name"] for r in conflict.suggestions["resources"]] == ["二号会议室"]
    assert conflict.suggestions["resources"][0]["id"] == other.pk
    # the suggested times are free indeed
    s = datetime.datetime.fromisoformat(conflict.suggestions["times"][0]["start"])
    e = datetime.datetime.fromisoformat(conflict.suggestions["times"][0]["end"])
    assert book(room, people["a_dept"], s, e, subject="科务会").state == ReservationState.CONFIRMED


def test_touching_bookings_do_not_collide(room, people, day):
    book(room, people["a"], at(day, 9), at(day, 10))
    assert book(room, people["a"], at(day, 10), at(day, 11)).state == ReservationState.CONFIRMED


def test_the_buffer_after_keeps_the_room_for_tidying(make_resource, people, day):
    room = make_resource("缓冲会议室", buffer_after=15)
    book(room, people["a"], at(day, 9), at(day, 10), subject="第一场")
    with pytest.raises(services.BookingConflict) as refused:
        book(room, people["a"], at(day, 10, 10), at(day, 11))
    assert "第一场" in refused.value.conflicts[0]["document"]
    assert book(room, people["a"], at(day, 10, 20), at(day, 11)).state == ReservationState.CONFIRMED


def _refused(resource, actor, start, end):
    with pytest.raises(ValidationError) as refused:
        book(resource, actor, start, end)
    return " ".join(m for ms in refused.value.message_dict.values() for m in ms)


def test_rules_refuse_in_chinese(make_resource, people, day):
    room = make_resource("规则会议室", max_length=120, min_notice=24 * 60, max_advance=30)
    assert "开放时间为 08:00–18:00" in _refused(room, people["a"], at(day, 7), at(day, 9))
    assert "开放时间" in _refused(room, people["a"], at(day, 17), at(day, 19))
    saturday = weekday(1, 6)
    assert "不开放" in _refused(room, people["a"], at(saturday, 9), at(saturday, 10))
    assert "单次最长可预订 120 分钟" in _refused(room, people["a"], at(day, 9), at(day, 12))
    soon = timezone.localtime() + datetime.timedelta(hours=2)
    while soon.isoweekday() > 5 or not (8 <= soon.hour < 17):
        soon += datetime.timedelta(hours=1)
    soon = soon.replace(minute=0, second=0, microsecond=0)
    if soon - timezone.now() < datetime.timedelta(hours=24):
        assert "须至少提前 1440 分钟" in _refused(room, people["a"], soon, soon + datetime.timedelta(hours=1))
    far = weekday(8, 2)  # more than 30 days ahead
    assert "最多可提前 30 天" in _refused(room, people["a"], at(far, 9), at(far, 10))
    past = weekday(-1, 2)
    assert "开始时间已过" in _refused(room, people["a"], at(past, 9), at(past, 10))
    # the manager is held to the hours only
    far_ok = book(room, people["manager"], at(far, 9), at(far, 10))
    assert far_ok.state == ReservationState.CONFIRMED
    assert "开放时间" in _refused(room, people["manager"], at(day, 7), at(day, 9))


def test_notice_is_waived_for_the_manager(make_resource, people):
    room = make_resource("须提前会议室", min_notice=7 * 24 * 60)
    soon = weekday(0, 5) if timezone.localdate() < weekday(0, 4) else weekday(1, 1)
    # within a week, not enough notice for a member of staff
    assert "须至少提前" in _refused(room, people["a"], at(soon, 9), at(soon, 10))
    assert book(room, people["manager"], at(soon, 9), at(soon, 10)).state == ReservationState.CONFIRMED


def test_who_may_book_units(make_resource, tree, people, day):
    room = make_resource("甲市会议室", open_to=OpenTo.UNITS)
    room.allowed_units.set([tree.city_a])
    assert book(room, people["county"], at(day, 9), at(day, 10)).state == ReservationState.CONFIRMED
    with pytest.raises(PermissionDenied) as refused:
        book(room, people["b"], at(day, 11), at(day, 12))
    assert "不在 甲市会议室 的可预订范围内" in str(refused.value)


def test_who_may_book_roles(make_resource, tree, people, day):
    from jiguan.core.testing import make_user
    from jiguan.org.models import Role

    role = Role.objects.get(code="staff")
    room = make_resource("角色会议室", open_to=OpenTo.ROLES)
    room.allowed_roles.set([role])
    holder = make_user("res_staff_b", tree.city_b_agency, [("staff", tree.city_b_agency, False)])
    assert book(room, holder, at(day, 9), at(day, 10)).state == ReservationState.CONFIRMED
    with pytest.raises(PermissionDenied):
        book(room, people["a"], at(day, 11), at(day, 12))


def test_resources_for_agrees_with_may_book(make_resource, tree, people):
    from jiguan.core.testing import make_user
    from jiguan.org.models import Role

    own = make_resource("本单位会议室")  # no allowed units: the unit's own subtree
    units = make_resource("乙市开放会议室", open_to=OpenTo.UNITS)
    units.allowed_units.set([tree.city_b])
    everyone = make_resource("全员会议室", open_to=OpenTo.ALL)
    roles = make_resource("角色会议室", open_to=OpenTo.ROLES)
    roles.allowed_roles.set([Role.objects.get(code="staff")])
    inactive = make_resource("停用会议室", is_active=False, open_to=OpenTo.ALL)
    make_resource("乙市会议室", unit=tree.city_b_agency)
    staff_b = make_user("res_staff_b2", tree.city_b_dept, [("staff", tree.city_b_dept, False)])
    everyone_ids = {everyone.pk}
    for who in [*people.values(), staff_b]:
        active = Resource.objects.filter(is_active=True)
        listed = set(services.resources_for(active, who).values_list("pk", flat=True))
        asked = {r.pk for r in active if policies.may_book(who, r)}
        assert listed == asked, who.username
        assert everyone_ids <= listed
    # an inactive resource is bookable by nobody; resources_for still lists it for its managers
    # ("may book or manage"), so the lists are compared over active resources
    assert not any(policies.may_book(who, inactive) for who in people.values())
    assert inactive.pk in set(services.resources_for(Resource.objects.all(), people["manager"]).values_list(
        "pk", flat=True))
    assert own.pk in set(services.resources_for(Resource.objects.all(), people["a_dept"]).values_list("pk", flat=True))
    assert units.pk in set(services.resources_for(Resource.objects.all(), people["b"]).values_list("pk", flat=True))
    assert roles.pk in set(services.resources_for(Resource.objects.all(), staff_b).values_list("pk", flat=True))
