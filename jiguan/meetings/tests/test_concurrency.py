"""No double booking under concurrency, on PostgreSQL: clients booking one room for overlapping
times at the same moment get exactly one booking; the database's exclusion constraint refuses an
overlap whatever writes it."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.meetings import services
from jiguan.meetings.models import Compound, Room
from jiguan.reservations import services as engine
from jiguan.reservations.models import Occurrence, OccurrenceState

from .test_booking_pages import next_weekday

CLIENTS = 8


@pytest.fixture
def room(tree):
    admin = make_user("cc_admin", tree.city_a_agency, [("meeting_admin", tree.city_a_agency, True)])
    with acting_as(admin):
        compound = Compound.objects.create(unit=tree.city_a_agency, name="并发办公区")
        made = Room.objects.create(unit=tree.city_a_agency, compound=compound, name="并发会议室", capacity=30,
                                   buffer_after=10)
        made.allowed_units.set([tree.city_a])
    return made


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # real concurrent transactions
def test_clients_booking_one_slot_at_once_get_exactly_one_booking(tree, room):
    people = [make_user(f"cc_{i}", tree.county_a_agency, []) for i in range(CLIENTS)]
    day = next_weekday(2)
    tz = timezone.get_current_timezone()
    barrier = threading.Barrier(CLIENTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def client(i, person):
        try:
            start = datetime.datetime.combine(day, datetime.time(14, 10 * (i % 3)), tzinfo=tz)  # all overlapping
            barrier.wait()
            with acting_as(person):
                services.book_room(room=room, actor=person, subject=f"并发会议{i}", start=start,
                                   end=start + datetime.timedelta(hours=1), guest_count=5)
            result = "booked"
        except engine.BookingConflict:
            result = "conflict"
        except Exception as exc:  # noqa: BLE001 - every other outcome is the failure this test looks for
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=client, args=(i, p)) for i, p in enumerate(people)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["booked"] + ["conflict"] * (CLIENTS - 1), outcomes
    assert Occurrence.objects.filter(resource=room, state=OccurrenceState.CONFIRMED).count() == 1


@pytest.mark.django_db
@pytest.mark.postgres_only  # the exclusion constraint of migration reservations 0002
def test_the_database_refuses_an_overlap_whatever_writes_it(tree, room):
    staff = make_user("cc_staff", tree.county_a_agency, [])
    day = next_weekday(3)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(9), tzinfo=tz)
    with acting_as(staff):
        meeting = services.book_room(room=room, actor=staff, subject="先到的会", start=start,
                                     end=start + datetime.timedelta(hours=1), guest_count=3)
    first = meeting.reservation.occurrences.get()
    # Straight into the table, past the services: 10:05 is inside the first one's 10-minute buffer.
    late = start + datetime.timedelta(minutes=65)
    with pytest.raises(IntegrityError), transaction.atomic():
        Occurrence.objects.create(reservation=first.reservation, resource=room, start=late,
                                  end=late + datetime.timedelta(hours=1), block_start=late,
                                  block_end=late + datetime.timedelta(hours=1), state=OccurrenceState.CONFIRMED)
    # A pending (or cancelled) occurrence blocks nothing: the same row is accepted.
    Occurrence.objects.create(reservation=first.reservation, resource=room, start=late,
                              end=late + datetime.timedelta(hours=1), block_start=late,
                              block_end=late + datetime.timedelta(hours=1), state=OccurrenceState.PENDING)
