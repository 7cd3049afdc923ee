"""Room statistics (会议室使用统计): occupancy within opening hours, bookings by unit, no-shows and
service requests, for the rooms of a subtree over a period. One query for the rooms and one for
the occurrences of the period; the sums are made in Python over those rows."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from jiguan.reservations.models import Occurrence, OccurrenceState, ReservationKind

from .models import Room, ServiceKind, ServiceRequest, ServiceState

USED = (OccurrenceState.CONFIRMED, OccurrenceState.CHECKED_IN, OccurrenceState.FINISHED)


@dataclass
class RoomRow:
    room: Room
    open_hours: float = 0.0
    booked_hours: float = 0.0
    bookings: int = 0
    no_shows: int = 0
    cancelled: int = 0

    @property
    def occupancy(self) -> float:
        return round(self.booked_hours / self.open_hours * 100, 1) if self.open_hours else 0.0


@dataclass
class Stats:
    first: datetime.date
    last: datetime.date
    rooms: list[RoomRow] = field(default_factory=list)
    units: list[tuple[str, int, float]] = field(default_factory=list)      # name, bookings, hours
    services: list[tuple[str, int, int]] = field(default_factory=list)     # kind label, asked, done

    @property
    def totals(self) -> dict:
        open_h = sum(r.open_hours for r in self.rooms)
        booked = sum(r.booked_hours for r in self.rooms)
        return {"rooms": len(self.rooms), "bookings": sum(r.bookings for r in self.rooms),
                "no_shows": sum(r.no_shows for r in self.rooms), "booked_hours": round(booked, 1),
                "occupancy": round(booked / open_h * 100, 1) if open_h else 0.0}


def _open_hours(room: Room, first: datetime.date, last: datetime.date) -> float:
    per_day = ((room.open_until.hour * 60 + room.open_until.minute)
               - (room.open_from.hour * 60 + room.open_from.minute)) / 60
    days = sum(1 for i in range((last - first).days + 1)
               if room.opens_on(first + datetime.timedelta(days=i)))
    return max(per_day, 0) * days


def stats(rooms, first: datetime.date, last: datetime.date) -> Stats:
    """The figures of ``rooms`` (a queryset already limited to the user's report scope) from
    ``first`` to ``last`` (inclusive)."""
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    rooms = list(rooms.select_related("compound").order_by("compound__name", "name"))
    rows = {r.pk: RoomRow(room=r, open_hours=_open_hours(r, first, last)) for r in rooms}
    by_unit: dict[str, list] = defaultdict(lambda: [0, 0.0])
    occurrences = (Occurrence.objects.filter(resource_id__in=list(rows), start__gte=lo, start__lt=hi,
                                             reservation__kind=ReservationKind.BOOKING)
                   .values_list("resource_id", "start", "end", "state", "reservation__unit__name"))
    for rid, start, end, state, unit in occurrences:
        row = rows[rid]
        if state in USED:
            hours = (min(end, hi) - max(start, lo)).total_seconds() / 3600
            row.booked_hours += hours
            row.bookings += 1
            by_unit[unit][0] += 1
            by_unit[unit][1] += hours
        elif state == OccurrenceState.NO_SHOW:
            row.no_shows += 1
        elif state == OccurrenceState.CANCELLED:
            row.cancelled += 1
    for row in rows.values():
        row.booked_hours = round(row.booked_hours, 1)
    asked: Counter = Counter()
    done: Counter = Counter()
    for kind, state in ServiceRequest.objects.filter(occurrence__resource_id__in=list(rows),
                                                     occurrence__start__gte=lo, occurrence__start__lt=hi
                                                     ).values_list("kind", "state"):
        if state != ServiceState.CANCELLED:
            asked[kind] += 1
        if state == ServiceState.DONE:
            done[kind] += 1
    return Stats(first=first, last=last, rooms=list(rows.values()),
                 units=sorted(((u, n, round(h, 1)) for u, (n, h) in by_unit.items()), key=lambda x: -x[2]),
                 services=[(str(ServiceKind(k).label), asked[k], done[k]) for k in ServiceKind.values if asked[k]])
