"""Fixtures of the reservation engine's tests: plain ``Resource`` rows of a test kind (a kernel app's
tests import no domain app), their managers and bookers, and future weekday times."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.reservations import registry

KIND = "reservations_test.thing"
BUSINESS_TYPE = "reservations_test.booking"

registry.register(registry.Kind(code=KIND, label="测试资源", model="reservations.Resource",
                                manage_permission="reservations.change_resource", business_type=BUSINESS_TYPE))


def weekday(weeks_ahead: int = 1, isoweekday: int = 2) -> datetime.date:
    """A date ``weeks_ahead`` weeks from now on ``isoweekday`` (1 = Monday)."""
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(weeks=weeks_ahead)
    return monday + datetime.timedelta(days=isoweekday - 1)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def manager_role(db):
    from django.contrib.auth.models import Permission

    from jiguan.org.models import Role

    with acting_as(None, channel="command"):
        role = Role.objects.create(code="reservations_test_manager", name="测试资源管理员")
        role.permissions.set(Permission.objects.filter(
            content_type__app_label="reservations",
            codename__in=["change_resource", "add_blocking", "change_blocking", "view_reservation"]))
    return role


@pytest.fixture
def people(tree, manager_role):
    """A manager of 甲市机关事务管理局's resources, staff of 甲市 (agency, department, county) and of 乙市."""
    t = tree
    return {
        "manager": make_user("res_manager", t.city_a_agency, [("reservations_test_manager", t.city_a_agency, True)]),
        "a": make_user("res_a", t.city_a_agency),
        "a_dept": make_user("res_a_dept", t.city_a_dept),
        "county": make_user("res_county", t.county_a_agency),
        "b": make_user("res_b", t.city_b_agency),
    }


@pytest.fixture
def make_resource(tree):
    from jiguan.reservations.models import Resource

    def make(name="一号会议室", unit=None, **fields):
        with acting_as(None, channel="command"):
            return Resource.objects.create(kind=KIND, unit=unit or tree.city_a_agency, name=name, **fields)

    return make


@pytest.fixture
def room(make_resource):
    return make_resource("一号会议室", capacity=20)


@pytest.fixture
def day():
    return weekday(1, 2)  # Tuesday of next week
