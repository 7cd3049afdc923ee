"""Reads of meetings: the rooms a user may book, free rooms for a time, the calendars."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from jiguan.reservations import policies as booking_policies
from jiguan.reservations import services as engine
from jiguan.reservations.models import Occurrence, OccurrenceState

from .models import Compound, Room

SHOWN_STATES = (OccurrenceState.PENDING, OccurrenceState.CONFIRMED, OccurrenceState.CHECKED_IN,
                OccurrenceState.FINISHED)


def bookable_rooms(user, *, light: bool = False):
    """The active rooms ``user`` may book (or manage), with what a list of them shows; ``light``:
    only what a calendar row shows (the rule itself is in the query, so nothing to prefetch)."""
    if light:
        rooms = Room.objects.only("resource_ptr_id", "name", "capacity", "open_from", "open_until",
                                  "open_weekdays", "compound_id", "release_after")
    else:
        rooms = Room.objects.select_related("compound", "building", "unit").prefetch_related(
            "allowed_units", "allowed_roles")
    return engine.resources_for(rooms, user).order_by("compound__name", "name", "pk")


def compounds_for(user):
    """The compounds with a room ``user`` may book."""
    return Compound.objects.filter(pk__in=bookable_rooms(user).values("compound_id")).order_by("name")


def find_free(user, *, start: datetime.datetime, end: datetime.datetime, size: int = 0, equipment=(),
              compound=None, usage: str = ""):
    """Rooms ``user`` may book that hold ``size`` people, have every piece of ``equipment`` and are
    free from ``start`` to ``end`` (buffers included): smallest fitting room first. Two queries."""
    rooms = bookable_rooms(user).filter(is_active=True)
    if size:
        rooms = rooms.filter(capacity__gte=size)
    for code in equipment or ():
        rooms = rooms.filter(equipment__contains=f",{code},")
    if compound is not None:
        rooms = rooms.filter(compound=compound)
    if usage:
        rooms = rooms.filter(usage=usage)
    rooms = list(rooms.order_by("capacity", "name", "pk")[:200])
    return engine.free_resources(rooms, start, end)


def alternatives(resource, start, end, actor, limit):
    """Engine hook: other free rooms of the same compound that hold as many people."""
    room = resource if isinstance(resource, Room) else Room.objects.get(pk=resource.pk)
    rooms = bookable_rooms(actor).filter(compound_id=room.compound_id, is_active=True, usage=room.usage).exclude(
        pk=room.pk)
    if room.capacity:
        rooms = rooms.filter(capacity__gte=room.capacity)
    return engine.free_resources(list(rooms.order_by("capacity", "name")[:50]), start, end)[:limit]


@dataclass(slots=True)
class Entry:
    """One occurrence in a calendar cell: plain values read in one query (no model instances, so a
    week of a 300-room compound stays cheap)."""

    pk: int
    reservation_id: int
    start: datetime.datetime     # local time
    end: datetime.datetime
    state: str
    subject: str
    kind: str
    unit_name: str
    visible: bool                # the subject and unit may be shown
    top: float = 0.0             # position within the day's axis, in % (the day view)
    height: float = 0.0

    @property
    def state_label(self) -> str:
        return str(OccurrenceState(self.state).label)

    @property
    def blocks(self) -> bool:
        return self.state in (OccurrenceState.CONFIRMED, OccurrenceState.CHECKED_IN)


@dataclass
class CalendarRow:
    room: Room
    days: list[list[Entry]] = field(default_factory=list)
    cells: list = field(default_factory=list)
    free: bool = False


def calendar(user, rooms, first: datetime.date, days: int, *, seen: bool = False) -> list[CalendarRow]:
    """One row per room, one cell per day holding its occurrences (pending ones included, marked),
    each with whether ``user`` may see its subject (``seen``: the caller's rooms come from
    ``bookable_rooms(user)``, whose rule already says so). Two queries whatever the number of rooms:
    the rooms (given) and the occurrences of all of them in the span (as values, not instances)."""
    rooms = list(rooms)
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    hi = lo + datetime.timedelta(days=days)
    by_room: dict[int, list[tuple]] = {}
    if rooms:
        rows = (Occurrence.objects.filter(resource_id__in=[r.pk for r in rooms], state__in=SHOWN_STATES,
                                          start__lt=hi, end__gt=lo)
                .order_by("start")
                .values_list("id", "resource_id", "start", "end", "state", "reservation_id", "reservation__subject",
                             "reservation__kind", "reservation__unit__name", "reservation__booked_by_id",
                             "reservation__booked_for_id"))
        for row in rows:
            by_room.setdefault(row[1], []).append(row)
    result = []
    base, open_minutes = window(rooms)
    me = user.pk
    for room in rooms:
        sees = seen or booking_policies.may_see(user, room)
        row = CalendarRow(room=room, days=[[] for _d in range(days)])
        for pk, _rid, start, end, state, res_id, subject, kind, unit, by, held in by_room.get(room.pk, ()):
            s = start.astimezone(tz)
            e = end.astimezone(tz)
            index = (s.date() - first).days
            if not 0 <= index < days:
                index = 0 if s.date() < first else days - 1
            top = max(0.0, (s.hour * 60 + s.minute - base) / open_minutes * 100)
            bottom = min(100.0, (e.hour * 60 + e.minute - base) / open_minutes * 100) if e.date() == s.date() else 100
            row.days[index].append(Entry(pk, res_id, s, e, state, subject, kind, unit or "",
                                         sees or me in (by, held), round(top, 2), round(max(bottom - top, 3), 2)))
        result.append(row)
    return result


def window(rooms) -> tuple[int, int]:
    """The day view's common time axis: from the earliest opening to the latest closing of
    ``rooms``, in minutes after midnight and its length."""
    if not rooms:
        return 8 * 60, 10 * 60
    lo = min(r.open_from.hour * 60 + r.open_from.minute for r in rooms)
    hi = max(r.open_until.hour * 60 + r.open_until.minute for r in rooms)
    return lo, max(hi - lo, 60)


def ticks(rooms) -> list[tuple[str, float]]:
    """Hour labels of the day view's axis, every two hours: ("08:00", left %)."""
    base, span = window(rooms)
    first = (base + 59) // 60
    return [(f"{h:02d}:00", round((h * 60 - base) / span * 100, 2))
            for h in range(first, (base + span) // 60 + 1, 2)]


def my_occurrences(user, *, upcoming: bool = True):
    """Occurrences of bookings the user made, holds or attends: upcoming (not ended) first."""
    from django.db.models import Q

    now = timezone.now()
    qs = (Occurrence.objects.filter(Q(reservation__booked_by=user) | Q(reservation__booked_for=user)
                                    | Q(reservation__meeting__attendees=user), resource__kind="meetings.room")
          .select_related("resource", "reservation__unit", "reservation__booked_by", "reservation__booked_for")
          .distinct())
    if upcoming:
        qs = qs.filter(end__gt=now).order_by("start", "pk")
    else:
        qs = qs.filter(end__lte=now).order_by("-start", "-pk")
    return qs


def room_for(user, pk: int) -> Room | None:
    """A room the user may see (book or manage); None otherwise (the pages answer 404)."""
    return bookable_rooms(user).filter(pk=pk).first()


