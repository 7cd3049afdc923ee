"""Document numbers (单据号): PREFIX-YEAR-000001, per prefix and year, gap-free.

``next_number("DB")`` locks the counter row ``workflow.DocumentSequence(prefix, year)``
(``SELECT … FOR UPDATE``) and advances it inside the caller's transaction, the one that creates
the document. The lock is held until that transaction ends, so:

- two documents never get the same number (the second creator waits for the first to commit);
- a creation that rolls back rolls the counter back too: the next document takes the number, and
  the numbers of a year run 1, 2, 3 … without a gap;
- creations of one prefix queue on the row while the creating transaction runs (keep it short;
  other prefixes and years do not wait).

Called outside a transaction it would commit the counter at once and a failure afterwards would
leave a gap, so it refuses (``RuntimeError``): a programming error, never a user's.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

WIDTH = 6  # DB-2026-000001


def format_number(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:0{WIDTH}d}"


def next_number(prefix: str, *, year: int | None = None, using: str | None = None) -> str:
    """The next number of ``prefix`` in ``year`` (default: this year, local time)."""
    from ..models import DocumentSequence

    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        raise RuntimeError("documents.next_number must run inside the transaction that creates the document")
    year = year or timezone.localdate().year
    rows = DocumentSequence.objects.using(using) if using else DocumentSequence.objects
    with transaction.atomic(using=using):
        if not rows.filter(prefix=prefix, year=year).exists():
            # The year's first number: create the row (a racing creator's insert waits for ours on the
            # unique constraint, then fails and takes the lock below like any later caller).
            try:
                with transaction.atomic(using=using):
                    rows.create(prefix=prefix, year=year)
            except IntegrityError:
                pass
        row = rows.select_for_update().get(prefix=prefix, year=year)
        rows.filter(pk=row.pk).update(last_value=F("last_value") + 1)
    return format_number(prefix, year, row.last_value + 1)


def parse_number(number: str) -> tuple[str, int, int] | None:
    """"DB-2026-000123" -> ("DB", 2026, 123); None for anything else."""
    parts = (number or "").rsplit("-", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return parts[0], int(parts[1]), int(parts[2])
