"""Depreciation history across value adjustments (折旧计划段): an adjustment keeps the schedule in force
before it, so the figures of every earlier month stay what they were (card page, reports for any
date), and the monthly run charges the months between the last run and the adjustment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from jiguan.assets import depreciation, selectors, services
from jiguan.assets.models import (
    Asset,
    DepreciationEntry,
    DepreciationMethod,
    ScheduleSegment,
    WorkloadReading,
    period_index,
)
from jiguan.core.context import acting_as

pytestmark = pytest.mark.django_db

JAN_2024, DEC_2030 = period_index(2024, 1), period_index(2030, 12)
VEHICLE = {"name": "公务用车", "class_code": "A02030000", "original_value": Decimal("300000.00"),
           "measure_unit": "辆", "acquired_on": date(2026, 1, 10), "dep_method": DepreciationMethod.UNITS,
           "total_workload": Decimal("500000"), "workload_unit": "km"}


def sql_twin(card, periods):
    """accumulated_expr for each month, as reports and lists compute it."""
    qs = Asset.objects.filter(pk=card.pk)
    return {p: qs.annotate(a=depreciation.accumulated_expr(p)).values_list("a", flat=True).get() for p in periods}


def adjust(card, delta, on, actor):
    with acting_as(actor):
        return services.asset_value_adjust(asset=card, delta=Decimal(delta), on=on, reason="升级")


def fresh(card):
    return Asset.objects.get(pk=card.pk)


@pytest.fixture
def today(monkeypatch):
    """Runs refuse months in the future: run as if it were January 2028."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2028, 1, 10))


def run_months(unit, periods, actor):
    with acting_as(actor):
        for period in periods:
            depreciation.run_execute(depreciation.run_start(unit=unit, period=period, actor=actor))


def ledger(card, through):
    return sum((e.amount for e in DepreciationEntry.objects.filter(asset=card, period__lte=through)), Decimal("0"))


# ---------------------------------------------------------------------------------------------
# The figures of earlier months
# ---------------------------------------------------------------------------------------------

def test_an_adjustment_leaves_the_accumulated_depreciation_of_earlier_months(tree, register, users):
    card = register(tree.city_a_agency)      # 6,000.00 from 2024-01, 72 months, 83.33 a month
    jun_2025, dec_2026 = period_index(2025, 6), period_index(2026, 12)
    card = adjust(card, "1200.00", date(2026, 12, 1), users["prov_assets"])
    assert card.dep_segmented and card.dep_anchor == dec_2026
    # 18 months of 83.33: what the card carried in June 2025, before and after the upgrade
    assert card.accumulated_at(jun_2025) == Decimal("1499.94") == sql_twin(card, [jun_2025])[jun_2025]
    # ... on the books at 6,000.00 then: the 1,200.00 count from December 2026
    assert card.net_value_at(jun_2025) == Decimal("4500.06")
    assert card.net_value_at(dec_2026) == Decimal("7200.00") - Decimal("3032.32")
    assert card.accumulated_at(period_index(2023, 12)) == Decimal("0.00")
    assert card.accumulated_at(dec_2026 - 1) == Decimal("2916.55")
    assert card.accumulated_at(dec_2026) == Decimal("2916.55") + Decimal("115.77")
    assert depreciation.charged_months(card, jun_2025) == 18
    assert depreciation.charged_months(card, dec_2026) == 36


def test_two_adjustments_python_and_sql_agree_every_month_and_the_life_ends_at_the_value(tree, register, users):
    card = register(tree.city_a_agency)
    original = {p: card.accumulated_at(p) for p in range(JAN_2024, DEC_2030 + 1)}
    card = adjust(card, "1200.00", date(2026, 12, 1), users["prov_assets"])
    after_first = {p: card.accumulated_at(p) for p in range(JAN_2024, DEC_2030 + 1)}
    card = adjust(card, "-500.00", date(2028, 3, 1), users["prov_assets"])
    assert ScheduleSegment.objects.filter(asset=card).count() == 2
    python = {p: fresh(card).accumulated_at(p) for p in range(JAN_2024, DEC_2030 + 1)}
    assert python == sql_twin(card, range(JAN_2024, DEC_2030 + 1))
    # Each adjustment moves only the months from its own on.
    assert all(python[p] == original[p] for p in range(JAN_2024, period_index(2026, 12)))
    assert all(python[p] == after_first[p] for p in range(JAN_2024, period_index(2028, 3)))
    assert python[period_index(2028, 3)] != after_first[period_index(2028, 3)]
    # Never decreasing, and exactly the final original value at the end of the life (2029-12).
    assert all(python[p] <= python[p + 1] for p in range(JAN_2024, DEC_2030))
    assert python[period_index(2029, 12)] == Decimal("6700.00") == python[DEC_2030]
    assert python[period_index(2029, 11)] < Decimal("6700.00")
    assert depreciation.charged_months(fresh(card), DEC_2030) == 72
    # The original value on the books month by month, in both twins.
    values = {p: fresh(card).net_value_at(p) + python[p] for p in range(JAN_2024, DEC_2030 + 1)}
    qs = Asset.objects.filter(pk=card.pk)
    assert values == {p: qs.annotate(v=depreciation.original_value_expr(p)).values_list("v", flat=True).get()
                      for p in range(JAN_2024, DEC_2030 + 1)}
    assert [values[period_index(y, m)] for y, m in [(2026, 11), (2026, 12), (2028, 2), (2028, 3)]] == [
        Decimal("6000.00"), Decimal("7200.00"), Decimal("7200.00"), Decimal("6700.00")]


def test_an_adjustment_from_an_earlier_month_replaces_the_later_one(tree, register, users):
    """A second adjustment effective before the first one's month (nothing charged in between)
    starts from its own month: the first one's schedule never applied."""
    card = register(tree.city_a_agency)
    card = adjust(card, "1200.00", date(2026, 12, 1), users["prov_assets"])
    card = adjust(card, "1200.00", date(2026, 10, 1), users["prov_assets"])
    assert list(ScheduleSegment.objects.filter(asset=card).values_list("valid_to", "original_value")) == [
        (period_index(2026, 9), Decimal("6000.00"))]
    # 33 months charged (2,749.89); 39 months left for 8,400.00 - 2,749.89 = 5,650.11: 144.87 a month
    assert (card.dep_anchor, card.dep_base, card.dep_monthly) == (period_index(2026, 10), Decimal("2749.89"),
                                                                  Decimal("144.87"))
    months = range(JAN_2024, DEC_2030 + 1)
    assert {p: card.accumulated_at(p) for p in months} == sql_twin(card, months)
    assert card.accumulated_at(period_index(2029, 12)) == Decimal("8400.00")


def test_before_the_schedule_began_it_starts_over_with_the_new_value(tree, register, users):
    card = register(tree.city_a_agency, acquired_on=date(2026, 6, 5))
    card = adjust(card, "1200.00", date(2026, 9, 1), users["prov_assets"])
    assert card.dep_segmented
    card = adjust(card, "600.00", date(2026, 5, 1), users["prov_assets"])   # before June: all of it anew
    assert not card.dep_segmented and not ScheduleSegment.objects.filter(asset=card).exists()
    assert (card.dep_anchor, card.dep_months, card.dep_monthly) == (period_index(2026, 6), 72, Decimal("108.33"))
    assert card.accumulated_at(period_index(2032, 5)) == Decimal("7800.00")


def test_a_card_disposed_of_before_the_adjustment_takes_effect_keeps_its_figures(tree, register, users):
    card = register(tree.city_a_agency)
    card = adjust(card, "1200.00", date(2026, 12, 1), users["prov_assets"])
    stop = period_index(2026, 7)
    Asset.objects.filter(pk=card.pk).update(dep_stop=stop)    # as the disposal service sets it
    card = fresh(card)
    months = [stop - 1, stop, stop + 1, DEC_2030]
    figures = {p: card.accumulated_at(p) for p in months}
    assert figures == sql_twin(card, months)
    assert figures[stop] == figures[DEC_2030] == Decimal("2583.23")       # 31 months of 83.33


def test_a_units_card_keeps_the_charges_of_its_readings_before_the_adjustment(tree, register, users):
    actor = users["a_assets"]
    card = register(tree.city_a_agency, **VEHICLE)
    with acting_as(actor):
        for month, workload in [(1, "10000"), (2, "12345.67"), (4, "8888.88"), (5, "20000")]:
            services.workload_record(asset=card, period=period_index(2026, month), workload=Decimal(workload),
                                     actor=actor)
    months = range(period_index(2025, 12), period_index(2027, 1))
    before = {p: fresh(card).accumulated_at(p) for p in months}
    assert before[period_index(2026, 2)] == Decimal("13407.40")
    card = adjust(fresh(card), "30000.00", date(2026, 4, 1), actor)
    card = adjust(card, "10000.00", date(2026, 6, 1), actor)
    with acting_as(actor):
        services.workload_record(asset=card, period=period_index(2026, 6), workload=Decimal("10000"), actor=actor)
    card = fresh(card)
    python = {p: card.accumulated_at(p) for p in months}
    assert python == sql_twin(card, months)
    assert all(python[p] == before[p] for p in months if p < period_index(2026, 4))
    # April under the first adjustment: 13,407.40 + 316,592.60 * 8,888.88 / 477,654.33
    assert python[period_index(2026, 4)] == Decimal("13407.40") + Decimal("5891.61")
    readings = WorkloadReading.objects.filter(asset=card).order_by("period")
    amounts = [amount for _reading, amount in depreciation.reading_amounts(card, readings)]
    assert amounts == [python[r.period] - python[r.period - 1] for r in readings]


# ---------------------------------------------------------------------------------------------
# The monthly run charges the months before the adjustment
# ---------------------------------------------------------------------------------------------

def test_the_run_charges_the_months_between_the_last_run_and_the_adjustment(tree, register, users, today):
    actor = users["a_assets"]
    computer = register(tree.city_a_agency, acquired_on=date(2026, 1, 10))
    vehicle = register(tree.city_a_agency, **VEHICLE)
    plain = register(tree.city_a_agency, acquired_on=date(2026, 1, 10), original_value=Decimal("100.00"))
    with acting_as(actor):
        for month in range(1, 12):
            services.workload_record(asset=vehicle, period=period_index(2026, month), workload=Decimal("1000"),
                                     actor=actor)
    run_months(tree.city_a, [period_index(2026, m) for m in range(1, 10)], actor)
    computer = adjust(computer, "1200.00", date(2026, 12, 1), actor)
    vehicle = adjust(fresh(vehicle), "30000.00", date(2026, 12, 1), actor)
    months = range(period_index(2026, 10), period_index(2027, 4))
    run_months(tree.city_a, months, actor)
    for card in (fresh(computer), fresh(vehicle), fresh(plain)):
        for p in range(period_index(2026, 1), months[-1] + 1):
            assert ledger(card, p) == card.accumulated_at(p), (card.name, p)
    # October and November under the original schedule; from December 103.01 a month:
    # (7,200.00 - 916.63) over the 61 months left.
    charged = dict(DepreciationEntry.objects.filter(asset=computer).values_list("period", "amount"))
    assert [charged[period_index(2026, m)] for m in (10, 11, 12)] == [Decimal("83.33"), Decimal("83.33"),
                                                                      Decimal("103.01")]
    vehicle_charged = dict(DepreciationEntry.objects.filter(asset=vehicle).values_list("period", "amount"))
    assert vehicle_charged[period_index(2026, 11)] == Decimal("600.00")     # 1,000 km at 0.60 a km
    # Running a gap month again writes the same ledger.
    rows = sorted(DepreciationEntry.objects.values_list("asset", "period", "amount", "accumulated"))
    run_months(tree.city_a, [period_index(2026, 11)], actor)
    assert sorted(DepreciationEntry.objects.values_list("asset", "period", "amount", "accumulated")) == rows


# ---------------------------------------------------------------------------------------------
# Reports for a date before the adjustment
# ---------------------------------------------------------------------------------------------

def test_the_summary_before_an_adjustment_shows_the_depreciation_then(tree, register, users):
    cards = [register(tree.city_a_agency), register(tree.city_a_agency, original_value=Decimal("1234.56")),
             register(tree.city_a_agency, **{**VEHICLE, "acquired_on": date(2024, 1, 10)})]
    with acting_as(users["a_assets"]):
        services.workload_record(asset=cards[2], period=period_index(2024, 3), workload=Decimal("50000"),
                                 actor=users["a_assets"])
    on, period = date(2025, 6, 30), period_index(2025, 6)
    then = selectors.asset_summary(users["prov_assets"], tree.city_a, on).total.accumulated
    # 1,499.94 + 18 months of 17.15 (308.70) + 30,000.00 for the vehicle's 50,000 km
    assert then == Decimal("1499.94") + Decimal("308.70") + Decimal("30000.00")
    adjust(cards[0], "1200.00", date(2026, 12, 1), users["prov_assets"])
    adjust(cards[1], "-200.00", date(2025, 9, 1), users["prov_assets"])
    adjust(fresh(cards[2]), "20000.00", date(2026, 2, 1), users["prov_assets"])
    summary = selectors.asset_summary(users["prov_assets"], tree.city_a, on).total
    assert summary.accumulated == then == sum(fresh(c).accumulated_at(period) for c in cards)
    # The original values on the books then, for the report's 原值 column (original_value_expr).
    books = Asset.objects.filter(pk__in=[c.pk for c in cards]).aggregate(
        v=Sum(depreciation.original_value_expr(period)))["v"]
    assert books == Decimal("6000.00") + Decimal("1234.56") + Decimal("300000.00")


def test_the_compiled_column_of_lists_and_the_api_agrees_with_the_expression(tree, register, users):
    """Lists and the API read ``accumulated_column`` (the expression compiled once per month and
    process): the same figures as ``accumulated_expr`` and the Python twin for adjusted,
    units-of-production and plain cards, and the same rows when the query is nested in another."""
    actor = users["a_assets"]
    adjusted = adjust(register(tree.city_a_agency), "1200.00", date(2026, 12, 1), users["prov_assets"])
    vehicle = register(tree.city_a_agency, **VEHICLE)
    with acting_as(actor):
        services.workload_record(asset=vehicle, period=period_index(2026, 3), workload=Decimal("12345.67"),
                                 actor=actor)
    plain = register(tree.city_a_agency, original_value=Decimal("999.99"), acquired_on=date(2025, 3, 1))
    cards = Asset.objects.filter(pk__in=[adjusted.pk, vehicle.pk, plain.pk])
    for p in [period_index(2025, 12), period_index(2026, 3), period_index(2027, 6), DEC_2030]:
        expected = {c.pk: c.accumulated_at(p) for c in cards}
        assert dict(cards.annotate(a=depreciation.accumulated_expr(p)).values_list("pk", "a")) == expected
        frozen = cards.annotate(a=depreciation.accumulated_column(p))
        assert dict(frozen.values_list("pk", "a")) == expected
        assert [c.pk for c in frozen.order_by("-a", "pk")] == sorted(expected, key=lambda pk: (-expected[pk], pk))
        # Nested in another query (aliases relabelled): compiled in full, the same rows.
        threshold = sorted(expected.values())[1]
        nested = Asset.objects.filter(pk__in=frozen.filter(a__gte=threshold).values("pk"))
        assert set(nested.values_list("pk", flat=True)) == {pk for pk, a in expected.items() if a >= threshold}
    assert expected[vehicle.pk] == Decimal("7407.40") and expected[adjusted.pk] == Decimal("7200.00")
