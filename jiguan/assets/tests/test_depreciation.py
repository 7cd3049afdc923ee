"""Depreciation (折旧): the schedule, its SQL twin, and the monthly run."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from jiguan.assets import depreciation, services
from jiguan.assets.models import Asset, DepreciationEntry, DepreciationMethod, period_index
from jiguan.core.context import acting_as


def accumulated_sql(asset, period):
    return Asset.objects.filter(pk=asset.pk).annotate(a=depreciation.accumulated_expr(period)).get().a


@pytest.mark.django_db
def test_a_computer_of_6000_after_35_months_and_at_the_end_of_its_life(tree, register):
    card = register(tree.city_a_agency)
    assert card.life_months == 72                  # 6 years from the standards table
    assert card.dep_category == "computer"
    assert card.dep_monthly == Decimal("83.33")
    nov_2026 = period_index(2026, 11)
    assert card.accumulated_at(nov_2026) == Decimal("2916.55")
    assert card.net_value_at(nov_2026) == Decimal("3083.45")
    assert accumulated_sql(card, nov_2026) == Decimal("2916.55")
    last = period_index(2029, 12)
    assert card.accumulated_at(last) == Decimal("6000.00")
    assert card.accumulated_at(last) - card.accumulated_at(last - 1) == Decimal("83.57")
    assert accumulated_sql(card, last) == Decimal("6000.00")
    assert card.accumulated_at(last + 5) == Decimal("6000.00")
    assert card.accumulated_at(period_index(2023, 12)) == Decimal("0.00")


@pytest.mark.django_db
def test_python_and_sql_agree_month_by_month(tree, register):
    cards = [register(tree.city_a_agency, original_value=Decimal(v), acquired_on=d)
             for v, d in [("6000.00", date(2024, 1, 15)), ("1234.57", date(2025, 7, 1)), ("0.01", date(2025, 1, 3))]]
    for card in cards:
        for p in range(period_index(2023, 11), period_index(2032, 2), 7):
            assert card.accumulated_at(p) == accumulated_sql(card, p), (card.original_value, p)


@pytest.mark.django_db
def test_classes_that_are_not_depreciated_are_skipped(tree, register):
    relic = register(tree.city_a_agency, name="青铜鼎", class_code="A03000000", original_value=Decimal("90000"))
    assert relic.dep_method == DepreciationMethod.NONE
    assert relic.accumulated_at(period_index(2030, 1)) == Decimal("0")


@pytest.mark.django_db
def test_life_below_the_minimum_is_refused(tree, register):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        register(tree.city_a_agency, life_months=60)
    assert "不得低于" in str(exc.value.message_dict["life_months"])


@pytest.mark.django_db
def test_value_adjustment_respreads_the_remaining_value(tree, register, users):
    card = register(tree.city_a_agency)
    with acting_as(users["prov_assets"]):
        card = services.asset_value_adjust(asset=card, delta=Decimal("1200.00"), on=date(2026, 12, 1),
                                           reason="加装内存")
    dec = period_index(2026, 12)
    assert card.accumulated_at(dec - 1) == Decimal("2916.55")
    # 72 - 35 = 37 months remain for 7,200.00 - 2,916.55 = 4,283.45 -> 115.77 a month
    assert card.dep_monthly == Decimal("115.77")
    assert card.accumulated_at(period_index(2029, 12)) == Decimal("7200.00")
    assert card.accumulated_at(dec) == Decimal("2916.55") + Decimal("115.77")
    assert accumulated_sql(card, dec + 3) == card.accumulated_at(dec + 3)


@pytest.mark.django_db(transaction=True)
def test_monthly_run_writes_the_ledger_once_and_sums_to_the_value(tree, register, users):
    a = register(tree.city_a_agency, acquired_on=date(2026, 1, 10))
    b = register(tree.city_a_agency, acquired_on=date(2026, 1, 10), original_value=Decimal("100.00"))
    register(tree.city_b_agency, acquired_on=date(2026, 1, 10))           # another city's run
    actor = users["a_assets"]
    with acting_as(actor):
        for month in range(1, 12):
            run = depreciation.run_start(unit=tree.city_a, period=period_index(2026, month), actor=actor)
            depreciation.run_execute(run)
        again = depreciation.run_start(unit=tree.city_a, period=period_index(2026, 3), actor=actor)
        depreciation.run_execute(again)                                   # idempotent
    assert DepreciationEntry.objects.filter(asset=a).count() == 11
    assert DepreciationEntry.objects.filter(owner_unit=tree.city_b_agency).count() == 0
    total_a = sum(e.amount for e in DepreciationEntry.objects.filter(asset=a))
    assert total_a == a.accumulated_at(period_index(2026, 11)) == Decimal("916.63")
    assert sum(e.amount for e in DepreciationEntry.objects.filter(asset=b)) == b.accumulated_at(period_index(2026, 11))
    run.refresh_from_db()
    assert run.status == "done" and run.entry_count == 2 and run.percent == 100
    with pytest.raises(ValueError):
        depreciation.run_start(unit=tree.city_a, period=depreciation.period_of(timezone.localdate()) + 1, actor=actor)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # worker connections
def test_the_run_shares_its_chunks_among_two_connections_and_writes_the_same_ledger(
        tree, register, users, monkeypatch, settings):
    """Outside a transaction the chunks run on two connections at once; the ledger is the one a run
    on a single connection writes, and the progress reaches every card."""
    actor = users["a_assets"]
    cards = [register(tree.city_a_agency, acquired_on=date(2025, 1, 10), original_value=Decimal(v))
             for v in ("6000.00", "100.00", "2500.50", "999.99", "12000.00", "0.50", "4321.09")]
    monkeypatch.setattr(depreciation, "CHUNK", 2)        # 7 cards: 4 or more chunks
    period = period_index(2026, 6)
    threads = set()
    real_chunk = depreciation._insert_chunk

    def spy(*args, **kwargs):
        threads.add(threading.current_thread().name)
        return real_chunk(*args, **kwargs)

    monkeypatch.setattr(depreciation, "_insert_chunk", spy)

    def ledger(run):
        return sorted(DepreciationEntry.objects.filter(run=run).values_list("asset_id", "amount", "accumulated"))

    seen = []
    with acting_as(actor):
        settings.JIGUAN_DEPRECIATION_WORKERS = 1
        one = depreciation.run_execute(depreciation.run_start(unit=tree.city_a, period=period, actor=actor))
        single, single_threads = ledger(one), set(threads)
        threads.clear()
        settings.JIGUAN_DEPRECIATION_WORKERS = 2
        two = depreciation.run_execute(depreciation.run_start(unit=tree.city_a, period=period, actor=actor),
                                       progress=lambda done, total: seen.append((done, total)))
    assert single_threads == {"MainThread"}
    assert threads and threads <= {"depreciation-0", "depreciation-1"}   # worker connections only
    assert ledger(two) == single and len(single) == len(cards)
    assert [c.pk for c in cards] == [a for a, _amount, _acc in single]
    assert all(amount == c.accumulated_at(period) - c.accumulated_at(period - 1)
               for c, (_a, amount, _acc) in zip(cards, single, strict=True))
    two.refresh_from_db()
    assert two.status == "done" and two.done == two.total == len(cards) and two.entry_count == len(cards)
    assert seen[-1] == (len(cards), len(cards)) and [d for d, _t in seen] == sorted(d for d, _t in seen)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # worker connections
def test_a_failed_chunk_fails_the_run_and_says_why(tree, register, users, monkeypatch):
    actor = users["a_assets"]
    for _ in range(5):
        register(tree.city_a_agency, acquired_on=date(2025, 1, 10))
    monkeypatch.setattr(depreciation, "CHUNK", 1)
    real_chunk = depreciation._insert_chunk
    first_id = Asset.objects.order_by("pk").values_list("pk", flat=True)[2]

    def broken(run, period, low, high, **kwargs):
        if low == first_id:
            raise RuntimeError("磁盘已满")
        return real_chunk(run, period, low, high, **kwargs)

    monkeypatch.setattr(depreciation, "_insert_chunk", broken)
    with acting_as(actor):
        run = depreciation.run_start(unit=tree.city_a, period=period_index(2026, 6), actor=actor)
        with pytest.raises(RuntimeError, match="磁盘已满"):
            depreciation.run_execute(run)
    run.refresh_from_db()
    assert run.status == "failed" and "磁盘已满" in run.error
    assert not DepreciationEntry.objects.filter(run=run, asset_id=first_id).exists()
