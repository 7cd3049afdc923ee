"""Series: weekly and monthly dates, cancelling one occurrence, editing this-and-later and all."""

from __future__ import annotations

import calendar
import datetime

import pytest

from jiguan.reservations import services
from jiguan.reservations.models import OccurrenceState, Recurrence, Reservation

from .conftest import at


def weekly(room, actor, day, start=9, end=10, subject="例会"):
    return services.book(resource=room, actor=actor, subject=subject, start=at(day, start), end=at(day, end),
                         recurrence=Recurrence.WEEKLY, weekdays="24", until=day + datetime.timedelta(days=27))


def times(reservation):
    return [(services.local(o.start).date(), services.local(o.start).time(), services.local(o.end).time())
            for o in reservation.occurrences.order_by("start")]


def test_weekly_on_tuesdays_and_thursdays_for_four_weeks(room, people, day):
    series = weekly(room, people["a"], day)
    rows = list(series.occurrences.order_by("start"))
    assert len(rows) == 8
    assert {services.local(o.start).isoweekday() for o in rows} == {2, 4}
    assert all(services.local(o.start).time() == datetime.time(9) for o in rows)
    assert series.until_date == services.local(rows[-1].start).date()


def test_monthly_skips_a_month_without_the_31st(make_resource, people):
    room = make_resource("全周会议室", open_weekdays="1234567", max_advance=400)
    today = datetime.date.today()
    month = datetime.date(today.year + (today.month // 12), today.month % 12 + 1, 1)
    def has_31st(m):
        return calendar.monthrange(m.year, m.month)[1] == 31

    def following(m):
        return datetime.date(m.year + (m.month // 12), m.month % 12 + 1, 1)

    while not (has_31st(month) and not has_31st(following(month))):  # e.g. March (April has 30 days)
        month = following(month)
    first, nxt = month.replace(day=31), following(month)
    series = services.book(resource=room, actor=people["a"], subject="月度例会", start=at(first, 9),
                           end=at(first, 10), recurrence=Recurrence.MONTHLY, count=3)
    dates = [d for d, _s, _e in times(series)]
    assert len(dates) == 3
    assert all(d.day == 31 for d in dates)
    assert dates[0] == first and nxt.month not in [d.month for d in dates]
    assert dates[1] > nxt


def test_cancelling_one_occurrence_leaves_the_others(room, people, day):
    series = weekly(room, people["a"], day)
    rows = list(series.occurrences.order_by("start"))
    services.cancel(occurrence=rows[1], actor=people["a"], reason="出差", scope="one")
    states = list(series.occurrences.order_by("start").values_list("state", flat=True))
    assert states[1] == OccurrenceState.CANCELLED
    assert states.count(OccurrenceState.CONFIRMED) == 7
    # the freed slot is bookable again
    s = rows[1]
    assert services.book(resource=room, actor=people["a_dept"], subject="临时会", start=s.start, end=s.end)


def test_editing_this_and_later_splits_the_series(room, people, day):
    series = weekly(room, people["a"], day)
    rows = list(series.occurrences.order_by("start"))
    moved = services.edit(occurrence=rows[2], actor=people["a"], scope="later", start_time=datetime.time(14),
                          end_time=datetime.time(15, 30))
    assert len(moved) == 6
    kept = times(series)
    assert len(kept) == 2 and all((s, e) == (datetime.time(9), datetime.time(10)) for _d, s, e in kept)
    new = Reservation.objects.exclude(pk=series.pk).get()
    later = times(new)
    assert len(later) == 6
    assert all((s, e) == (datetime.time(14), datetime.time(15, 30)) for _d, s, e in later)
    assert [d for d, _s, _e in later] == [services.local(o.start).date() for o in rows[2:]]
    series.refresh_from_db()
    assert series.until_date < new.first_date == services.local(rows[2].start).date()
    assert (new.start_time, new.end_time) == (datetime.time(14), datetime.time(15, 30))


def test_editing_all_moves_every_occurrence(room, people, day):
    series = weekly(room, people["a"], day)
    services.edit(occurrence=series.occurrences.order_by("start")[3], actor=people["a"], scope="all",
                  start_time=datetime.time(16), end_time=datetime.time(17), subject="改期例会")
    series.refresh_from_db()
    assert (series.start_time, series.subject) == (datetime.time(16), "改期例会")
    assert {(s, e) for _d, s, e in times(series)} == {(datetime.time(16), datetime.time(17))}
    assert Reservation.objects.count() == 1


def test_a_moved_occurrence_that_would_collide_is_refused(room, people, day):
    series = weekly(room, people["a"], day)
    rows = list(series.occurrences.order_by("start"))
    target_day = services.local(rows[3].start).date()
    services.book(resource=room, actor=people["a_dept"], subject="专题会", start=at(target_day, 14),
                  end=at(target_day, 15))
    with pytest.raises(services.BookingConflict) as refused:
        services.edit(occurrence=rows[0], actor=people["a"], scope="all", start_time=datetime.time(14),
                      end_time=datetime.time(15))
    assert "专题会" in refused.value.conflicts[0]["document"]
    assert {(s, e) for _d, s, e in times(series)} == {(datetime.time(9), datetime.time(10))}
    with pytest.raises(services.BookingConflict):
        services.edit(occurrence=rows[3], actor=people["a"], scope="one", start_time=datetime.time(14, 30),
                      end_time=datetime.time(15, 30))
    # moving it to its own old slot's neighbourhood, free, is fine (itself excluded)
    services.edit(occurrence=rows[3], actor=people["a"], scope="one", start_time=datetime.time(9, 30),
                  end_time=datetime.time(10, 30))
    rows[3].refresh_from_db()
    assert rows[3].is_exception and services.local(rows[3].start).time() == datetime.time(9, 30)
