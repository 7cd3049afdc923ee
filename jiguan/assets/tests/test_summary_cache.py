"""The maintained summary (资产汇总表 on PostgreSQL, migration 0011): figures per owning unit kept in
``SummaryCache`` and trusted only while the unit's ``SummaryVersion`` — bumped by database triggers
on every write to its cards, their schedule segments and workload readings — is the one they were
computed at. Whatever writes a card (a service, a bulk ``update()``, an import), the next report is
the one computed from the cards."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiguan.assets import selectors, services
from jiguan.assets.models import (
    Asset,
    AssetStatus,
    ScheduleSegment,
    SummaryCache,
    SummaryVersion,
    period_index,
)
from jiguan.core.context import acting_as

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres_only,  # statement triggers
]

TODAY = timezone.localdate()


def figures(summary):
    return [(r.kind, r.unit_name, r.class_code, r.count, r.quantity, r.original_value, r.accumulated)
            for r in summary.rows]


def direct(user, unit, on, level=3):
    """The report computed from the cards alone (the SQLite path)."""
    real = connection.vendor
    try:
        connection.vendor = "sqlite-like"          # asset_summary takes the direct path
        return figures(selectors.asset_summary(user, unit, on, level))
    finally:
        connection.vendor = real


def report(user, unit, on=TODAY, level=3):
    with CaptureQueriesContext(connection) as queries:
        result = figures(selectors.asset_summary(user, unit, on, level))
    card_queries = [q["sql"] for q in queries.captured_queries if 'FROM "assets_asset"' in q["sql"]]
    return result, card_queries


@pytest.fixture
def cards(tree, card, users):
    made = {
        "a": card(tree.city_a_agency, count=3),
        "a_old": card(tree.city_a_agency, class_code="A05000000", acquired_on=date(2021, 6, 1),
                      original_value=Decimal("2500.50")),
        "b": card(tree.city_b_agency, count=2, class_code="A02020000", original_value=Decimal("12000.00")),
        "prov": card(tree.prov_agency, class_code="A03000000", original_value=Decimal("88000.00")),
    }
    return {k: v if isinstance(v, list) else [v] for k, v in made.items()}


def test_the_second_report_reads_no_card_and_gives_the_same_figures(cards, tree, users):
    user = users["prov_assets"]
    for on, level in [(TODAY, 3), (TODAY, 5), (date(2025, 6, 30), 3)]:
        first, first_queries = report(user, tree.province, on, level)
        assert first_queries, "a cold report reads the cards"
        second, second_queries = report(user, tree.province, on, level)
        assert second_queries == []
        assert first == second == direct(user, tree.province, on, level)
    # A city's report reuses the units the province's computed.
    city, city_queries = report(user, tree.city_a)
    assert city_queries == [] and city == direct(user, tree.city_a, TODAY)
    assert SummaryCache.objects.filter(class_code="", on=TODAY, level=3).count() == \
        SummaryVersion.objects.count() == 3


def test_every_writer_makes_the_next_report_current(cards, tree, users, card):
    user = users["prov_assets"]
    report(user, tree.province)

    def current(change):
        before, _ = report(user, tree.province)
        change()
        after, card_queries = report(user, tree.province)
        assert after == direct(user, tree.province, TODAY) and after != before, change.__doc__
        assert card_queries, change.__doc__
        return after

    a = cards["a"][0]

    def register():
        """a card registered through the service"""
        card(tree.city_a_agency, class_code="A02030000", original_value=Decimal("150000.00"))

    def bulk_update():
        """a bulk update() that no service sees"""
        Asset.objects.filter(pk=a.pk).update(original_value=Decimal("7000.00"))

    def move():
        """a card moved to another owning unit (both units change)"""
        Asset.objects.filter(pk=cards["b"][0].pk).update(owner_unit=tree.city_a_agency)

    def dispose():
        """a card disposed of"""
        Asset.objects.filter(pk=cards["a"][1].pk).update(status=AssetStatus.DISPOSED, disposed_on=TODAY)

    def value_adjust():
        """a value adjustment (the card and its schedule segment)"""
        with acting_as(users["prov_assets"]):
            services.asset_value_adjust(asset=Asset.objects.get(pk=cards["a_old"][0].pk), delta=Decimal("2000.00"),
                                        on=date(TODAY.year, TODAY.month, 1), reason="升级")

    def bulk_insert():
        """cards inserted in bulk (as the importer does)"""
        template = Asset.objects.get(pk=cards["a_old"][0].pk)
        template.pk, template.code = None, template.code + "X"
        Asset.objects.bulk_create([template])

    for change in (register, bulk_update, move, dispose, value_adjust, bulk_insert):
        current(change)

    # A segment written alone (a data repair) changes the figures of a month before its card's anchor.
    segment = ScheduleSegment.objects.get(asset=cards["a_old"][0])
    past = date(TODAY.year - 1, 12, 31)
    before, _ = report(user, tree.province, past)
    ScheduleSegment.objects.filter(pk=segment.pk).update(original_value=segment.original_value + 1000)
    after, card_queries = report(user, tree.province, past)
    assert card_queries and after != before and after == direct(user, tree.province, past)


def test_a_workload_reading_moves_the_accumulated_depreciation(tree, users, card):
    user, actor = users["prov_assets"], users["prov_assets"]
    vehicle = card(tree.city_a_agency, name="公务用车", class_code="A02030000", original_value=Decimal("300000.00"),
                   acquired_on=date(2026, 1, 10), dep_method="units", total_workload=Decimal("500000"),
                   workload_unit="km")[0]
    on = date(2026, 3, 31)
    before, _ = report(user, tree.province, on)
    with acting_as(actor):
        services.workload_record(asset=vehicle, period=period_index(2026, 3), workload=Decimal("12345.67"),
                                 actor=actor)
    after, card_queries = report(user, tree.province, on)
    assert card_queries and after == direct(user, tree.province, on)
    total = [row for row in after if row[0] == "total"][0]
    assert total[-1] == Decimal("7407.40") and total != [row for row in before if row[0] == "total"][0]


def test_figures_computed_while_a_card_changed_are_not_kept(cards, tree, users, monkeypatch):
    """The versions are read before the cards: a write that lands in between bumps the version, so
    what was computed is stored under the older version and the next report computes again."""
    user = users["prov_assets"]
    real = selectors._grouped
    moved = cards["a"][0]

    def grouped_after_a_write(queryset, on, level):
        Asset.objects.filter(pk=moved.pk).update(original_value=Decimal("9999.99"))
        return real(queryset, on, level)

    monkeypatch.setattr(selectors, "_grouped", grouped_after_a_write)
    report(user, tree.province)
    monkeypatch.setattr(selectors, "_grouped", real)
    stored = SummaryCache.objects.get(unit=tree.city_a_agency, on=TODAY, level=3, class_code="")
    assert stored.version < SummaryVersion.objects.get(unit=tree.city_a_agency).version
    again, card_queries = report(user, tree.province)
    assert card_queries and again == direct(user, tree.province, TODAY)


def test_a_narrower_scope_sees_only_its_units(cards, tree, users):
    report(users["prov_assets"], tree.province)                   # the province's figures are cached
    city_user = users["a_assets"]
    mine, _ = report(city_user, tree.province)
    assert mine == direct(city_user, tree.province, TODAY)
    assert {row[1] for row in mine if row[0] == "row"} <= {tree.city_a.name}
