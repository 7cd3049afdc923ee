"""Test factories of bookings (imported by factories.py): reservations, their occurrences, service
requests and blockings of a room owned by the given unit, written through the services as a user
would."""

from __future__ import annotations

import datetime

from django.utils import timezone

from jiguan.core.context import acting_as
from jiguan.core.testing import factories
from jiguan.core.testing.factories import person, serial
from jiguan.meetings import services
from jiguan.meetings.models import Room, ServiceRequest
from jiguan.reservations import services as engine
from jiguan.reservations.models import Blocking, Occurrence, Reservation


def _room(unit) -> Room:
    from .factories import room

    return room(unit)


def _next_weekday() -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _book(unit, services_asked=()):
    room = _room(unit)
    booker = person(unit, None)
    day = _next_weekday()
    tz = timezone.get_current_timezone()
    with acting_as(booker):
        return services.book_room(
            room=room, actor=booker, subject=f"契约会议{serial()}", guest_count=5,
            start=datetime.datetime.combine(day, datetime.time(10), tzinfo=tz),
            end=datetime.datetime.combine(day, datetime.time(11), tzinfo=tz), services=list(services_asked))


def _party(r: Reservation) -> list:
    return [r.booked_by]


@factories.factory(Reservation, marker=lambda r: r.subject, seen_by=_party)
def reservation(unit):
    return _book(unit).reservation


@factories.factory(Occurrence, marker=lambda o: o.reservation.subject, seen_by=lambda o: _party(o.reservation))
def occurrence(unit):
    return _book(unit).reservation.occurrences.get()


@factories.factory(ServiceRequest, marker=lambda s: s.occurrence.reservation.subject)
def service_request(unit):
    return ServiceRequest.objects.get(occurrence__reservation=_book(unit, [("tea", "契约茶水")]).reservation)


@factories.factory(Blocking, marker=lambda b: b.title)
def blocking(unit):
    room = _room(unit)
    admin = person(unit, "meeting_admin")
    day = _next_weekday()
    tz = timezone.get_current_timezone()
    with acting_as(admin):
        return engine.blocking_create(unit=unit, title=f"契约公务活动{serial()}", resources=[room], actor=admin,
                                      start=datetime.datetime.combine(day, datetime.time(8), tzinfo=tz),
                                      end=datetime.datetime.combine(day, datetime.time(12), tzinfo=tz))
