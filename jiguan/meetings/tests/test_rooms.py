"""The room register's own rules: who may book defaults to the compound's units, codes ticked on
the form, Chinese errors."""

import pytest
from django.urls import reverse

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.meetings.models import Compound, Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tree):
    return make_user("r_admin", tree.city_a_agency, [("meeting_admin", tree.city_a_agency, True)])


@pytest.fixture
def compound(tree, admin):
    with acting_as(admin):
        c = Compound.objects.create(unit=tree.city_a_agency, name="甲市行政中心")
        c.resident_units.set([tree.county_a_agency, tree.city_a_dept])
    return c


def form(tree, compound, **changes):
    data = {"unit": tree.city_a_agency.pk, "compound": compound.pk, "name": "第三会议室", "usage": "meeting",
            "capacity": 16, "equipment": ["projector", "video"], "layouts": ["u_shape"], "open_from": "08:30",
            "open_until": "17:30", "open_weekdays": ["1", "2", "3", "4", "5"], "buffer_before": 0,
            "buffer_after": 10, "min_notice": 30, "max_advance": 30, "max_length": 240, "release_after": 15,
            "open_to": "units", "is_active": "on"}
    data.update(changes)
    return data


def test_a_room_is_bookable_by_its_compounds_units_unless_told_otherwise(tree, admin, compound, client_for):
    c = client_for(admin)
    r = c.post(reverse("meetings:room_create"), form(tree, compound))
    assert r.status_code == 302, r.content.decode()[:2000]
    room = Room.objects.get(name="第三会议室")
    assert set(room.allowed_units.all()) == {tree.county_a_agency, tree.city_a_dept, tree.city_a_agency}
    assert room.equipment == ",projector,video," and room.layouts == ",u_shape," and room.open_weekdays == "12345"
    assert room.kind == "meetings.room" and room.buffer_after == 10
    detail = c.get(room.get_absolute_url()).content.decode()
    assert "投影仪、视频会议" in detail and "U 形" in detail and "星期一、星期二" in detail


def test_bad_rules_are_refused_in_chinese(tree, admin, compound, client_for):
    c = client_for(admin)
    r = c.post(reverse("meetings:room_create"), form(tree, compound, open_from="18:00", open_until="08:00",
                                                      open_weekdays=[]))
    text = r.content.decode()
    assert r.status_code == 200 and "开放结束时间须晚于开始时间" in text
    assert not Room.objects.filter(name="第三会议室").exists()
