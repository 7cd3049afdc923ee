"""Document numbers (documents.next_number): PREFIX-YEAR-000001 per prefix and year, gap-free."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from jiguan.workflow import documents
from jiguan.workflow.models import DocumentSequence


class Boom(Exception):
    pass


def test_numbers_count_per_prefix_and_per_year(db):
    assert documents.next_number("DB", year=2026) == "DB-2026-000001"
    assert documents.next_number("DB", year=2026) == "DB-2026-000002"
    assert documents.next_number("CZ", year=2026) == "CZ-2026-000001"   # another type: its own count
    assert documents.next_number("DB", year=2027) == "DB-2027-000001"   # a new year starts again
    assert documents.next_number("DB", year=2026) == "DB-2026-000003"
    assert sorted(DocumentSequence.objects.values_list("prefix", "year", "last_value")) == [
        ("CZ", 2026, 1), ("DB", 2026, 3), ("DB", 2027, 1)]


def test_this_year_is_the_default(db):
    from django.utils import timezone

    year = timezone.localdate().year
    assert documents.next_number("TZ") == f"TZ-{year}-000001"


def test_a_rolled_back_creation_leaves_no_gap(db):
    assert documents.next_number("DB", year=2026) == "DB-2026-000001"
    with pytest.raises(Boom), transaction.atomic():
        assert documents.next_number("DB", year=2026) == "DB-2026-000002"
        raise Boom  # the document's creation fails after it took its number
    assert documents.next_number("DB", year=2026) == "DB-2026-000002"


def test_the_first_number_of_a_year_rolled_back_is_given_again(db):
    with pytest.raises(Boom), transaction.atomic():
        assert documents.next_number("PZ", year=2030) == "PZ-2030-000001"
        raise Boom
    assert not DocumentSequence.objects.filter(prefix="PZ").exists()
    assert documents.next_number("PZ", year=2030) == "PZ-2030-000001"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_refuses_as_a_gap_would_follow():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        documents.next_number("DB", year=2026)
    assert not DocumentSequence.objects.exists()


def test_numbers_parse_back():
    assert documents.parse_number("DB-2026-000123") == ("DB", 2026, 123)
    assert documents.parse_number("DB-2026") is None
    assert documents.format_number("CZ", 2026, 7) == "CZ-2026-000007"


def _waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def _wait_until(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # two real concurrent transactions
@pytest.mark.parametrize("first_commits", [False, True])
def test_a_concurrent_creator_waits_and_gets_the_number_a_rollback_freed(first_commits):
    """The first creator holds the counter row until its transaction ends. If it rolls back, the
    creator waiting behind it gets the same number (no gap); if it commits, the next one."""
    with transaction.atomic():
        documents.next_number("DB", year=2026)  # the row exists: both contend for its lock
    took, finish = threading.Event(), threading.Event()
    numbers: dict = {}

    def first():
        try:
            with transaction.atomic():
                numbers["first"] = documents.next_number("DB", year=2026)
                took.set()
                assert finish.wait(30)
                if not first_commits:
                    raise Boom
        except Boom:
            pass
        finally:
            connections.close_all()

    def second():
        try:
            with transaction.atomic():
                numbers["second"] = documents.next_number("DB", year=2026)
        finally:
            connections.close_all()

    a = threading.Thread(target=first, daemon=True)
    a.start()
    assert took.wait(30)
    b = threading.Thread(target=second, daemon=True)
    b.start()
    _wait_until(lambda: _waiting_on_a_lock() >= 1)  # the second creator queues on the counter row
    assert "second" not in numbers
    finish.set()
    a.join(30)
    b.join(30)
    assert not a.is_alive() and not b.is_alive()
    assert numbers["first"] == "DB-2026-000002"
    assert numbers["second"] == ("DB-2026-000003" if first_commits else "DB-2026-000002")
    assert DocumentSequence.objects.get(prefix="DB", year=2026).last_value == (3 if first_commits else 2)
