"""Test factories of meetings (jiguan.core.testing.factories): compounds, buildings and rooms written
through their registers as a room administrator would; the bookings' factories are in
factories_booking.py, imported here."""

from __future__ import annotations

from jiguan.core.context import acting_as
from jiguan.core.testing import factories
from jiguan.core.testing.factories import person, serial
from jiguan.meetings.models import Building, Compound, Room

from ..registers import buildings, compounds, rooms


@factories.factory(Compound, marker=lambda c: c.name)
def compound(unit):
    admin = person(unit, "meeting_admin")
    with acting_as(admin):
        return compounds.create(Compound(unit=unit, name=f"契约办公区{serial()}"), actor=admin)


@factories.factory(Building, marker=lambda b: b.name)
def building(unit):
    admin = person(unit, "meeting_admin")
    with acting_as(admin):
        return buildings.create(Building(compound=compound(unit), name=f"契约楼{serial()}"), actor=admin)


@factories.factory(Room, marker=lambda r: r.name)
def room(unit):
    """A room of a new compound of ``unit``, bookable by ``unit`` and below."""
    admin = person(unit, "meeting_admin")
    with acting_as(admin):
        return rooms.create(Room(unit=unit, compound=compound(unit), name=f"契约会议室{serial()}", capacity=30,
                                 layouts=",boardroom,"), actor=admin, m2m={"allowed_units": [unit]})


from . import factories_booking  # noqa: E402,F401 - reservations, occurrences, service requests, blockings
