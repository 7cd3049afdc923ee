"""Asset reports (acceptance 8): on generated data — about 300 cards of random classes, values, dates,
statuses and units, some disposed of through the approval flow in different years — the report
totals equal the sums computed in Python from the cards, for the province, a city and past dates.
"""

from __future__ import annotations

import io
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiguan.assets import depreciation, selectors, services
from jiguan.assets.models import Asset, AssetStatus, period_of
from jiguan.assets.standards_data import DISPOSAL_RULES
from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.org.models import Role
from jiguan.workflow import services as workflow
from jiguan.workflow.models import ApproverRelation, Flow, FlowStep
from jiguan.workflow.selectors import latest_request

# Classes of the shipped GB/T 14885 table, with the depreciation category where the class needs one.
CLASSES = [("A02010105", {}), ("A02010108", {}), ("A02020000", {}), ("A02030000", {}),
           ("A05000000", {}), ("A05010000", {}), ("A03000000", {}), ("A04000000", {}),
           ("A01000000", {"dep_category": "building_brick"}), ("A07000000", {})]
STATUSES = [AssetStatus.IN_USE] * 4 + [AssetStatus.IDLE, AssetStatus.REPAIR, AssetStatus.LENT, AssetStatus.WAREHOUSE]
METHODS = ["scrap", "sale", "free_transfer", "donation", "exchange", "loss_writeoff"]
TODAY = timezone.localdate()
EARLY = date(2024, 3, 20)       # disposals done "then" (the date is moved for the services)
LATER = date(2025, 8, 5)


@pytest.fixture
def approver(tree):
    """A one-step disposal flow for the whole province, decided by the province's unit leader."""
    leader = make_user("prov_leader", tree.prov_agency, [("unit_leader", tree.province, True)])
    with acting_as(None):
        flow = Flow.objects.create(business_type=services.DISPOSAL, name="资产处置审批（测试省）", unit=tree.province)
        FlowStep.objects.create(flow=flow, order=1, name="单位负责人审批", relation=ApproverRelation.FIXED_UNIT,
                                fixed_unit=tree.province, approver_role=Role.objects.get(code="unit_leader"))
    return leader


@dataclass
class Generated:
    cards: list = field(default_factory=list)
    disposals: list = field(default_factory=list)   # (method, year, [values], income)


def on_day(monkeypatch, day):
    """Run services as if today were ``day`` (disposals are completed on "today")."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)


def dispose(actor, approver, unit, cards, method, rng, outcome="approved", income=None):
    extra = {}
    rules = DISPOSAL_RULES.get(method, {})
    if rules.get("reason_table"):
        extra["reason_code"] = "obsolete"
    if rules.get("valuation"):
        extra["valuation"] = Decimal(rng.randint(0, 5000))
    with acting_as(actor, channel="web"):
        disposal = services.disposal_create(unit=unit, asset_ids=[c.pk for c in cards], method=method,
                                            reason="测试处置", actor=actor, **extra)
    decide = workflow.request_approve if outcome == "approved" else workflow.request_reject
    with acting_as(approver, channel="web"), TestCase.captureOnCommitCallbacks(execute=True):
        decide(request=latest_request(disposal), actor=approver, comment="同意" if outcome == "approved" else "不同意")
    if income is not None:
        with acting_as(actor, channel="web"):
            services.disposal_record_result(disposal=disposal, reply_no="测财资〔2025〕1号", income=income)
    disposal.refresh_from_db()
    return disposal


@pytest.fixture
def generated(tree, users, card, approver, monkeypatch):
    """~300 cards over the whole tree, registered through the services with seeded random fields;
    a few value adjustments; disposals approved in 2024, 2025 and today, one rejected, one pending."""
    rng = random.Random(14885)
    owners = [tree.province, tree.prov_agency, tree.city_a, tree.city_a_agency, tree.county_a_agency,
              tree.city_b_agency, tree.county_b]
    data = Generated()
    for i in range(100):
        code, extra = rng.choice(CLASSES)
        acquired = date(2017, 1, 1) + timedelta(days=rng.randint(0, (TODAY - date(2017, 1, 1)).days))
        data.cards.extend(card(rng.choice(owners), count=rng.randint(1, 5), name=f"测试资产{i}", class_code=code,
                               original_value=Decimal(rng.randint(1, 5_000_000)) / 100, acquired_on=acquired,
                               quantity=rng.choice([1, 1, 1, 2, 10, 40]), status=rng.choice(STATUSES), **extra))
    actor = users["prov_assets"]
    for upgraded in rng.sample(data.cards, 8):   # upgrades re-spread the remaining value
        on = max(upgraded.acquired_on, date(2024, 1, 1)) + timedelta(days=40)
        if on <= TODAY:
            with acting_as(actor):
                services.asset_value_adjust(asset=upgraded, delta=Decimal(rng.randint(100, 900_000)) / 100, on=on,
                                            reason="升级")

    def open_cards(unit, before):
        ids = [c.pk for c in data.cards if c.owner_unit_id == unit.pk and c.acquired_on < before]
        return list(Asset.objects.filter(pk__in=ids, status__in=services.MOVABLE_STATUSES).order_by("pk"))

    for day in (EARLY, LATER, TODAY):
        on_day(monkeypatch, day)
        for unit in rng.sample(owners, 5):
            candidates = open_cards(unit, day)
            if not candidates:
                continue
            cards = rng.sample(candidates, min(len(candidates), rng.randint(1, 4)))
            method = rng.choice(METHODS)
            income = Decimal(rng.randint(0, 200_000)) / 100 if rng.random() < 0.7 else None
            dispose(actor, approver, unit, cards, method, rng, income=income)
            data.disposals.append((method, day.year, [c.original_value for c in cards], income or Decimal("0")))
    monkeypatch.undo()
    # Not in the disposal statistics: a rejected disposal (cards back in service) and a pending one.
    rejected = open_cards(tree.city_a_agency, TODAY)[:2]
    dispose(actor, approver, tree.city_a_agency, rejected, "scrap", rng, outcome="rejected")
    with acting_as(actor, channel="web"):
        services.disposal_create(unit=tree.city_b_agency, asset_ids=[open_cards(tree.city_b_agency, TODAY)[0].pk],
                                 method="scrap", reason_code="obsolete", reason="待审批", actor=actor)
    data.cards = list(Asset.objects.select_related("owner_unit").order_by("pk"))
    assert 250 <= len(data.cards) <= 350
    return data


# Expected figures, computed in Python from the cards -------------------------------------------------


def child_of(card, unit):
    """The direct child of ``unit`` whose subtree owns ``card`` (or ``unit`` itself): its path."""
    rest = card.owner_unit.path[len(unit.path):]
    return unit.path + rest.split("/", 1)[0] + "/" if rest else unit.path


def expected_summary(cards, unit, on, level=3):
    period = period_of(on)
    rows = defaultdict(lambda: [0, 0, Decimal("0"), Decimal("0")])
    for card in cards:
        if not card.owner_unit.path.startswith(unit.path) or card.acquired_on > on:
            continue
        if card.disposed_on is not None and card.disposed_on <= on:
            continue
        row = rows[(child_of(card, unit), card.class_code[:level])]
        row[0] += 1
        row[1] += card.quantity
        row[2] += depreciation.original_value_at(card, period)   # an adjustment counts from its month on
        row[3] += card.accumulated_at(period)
    return dict(rows)


def report_rows(summary):
    return {(r.unit.path, r.class_code): [r.count, r.quantity, r.original_value, r.accumulated]
            for r in summary.rows if r.kind == selectors.ROW}


def totals(rows):
    return [sum(r[i] for r in rows.values()) for i in range(4)]


# The summary ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_summary_totals_equal_the_cards_for_the_province_a_city_and_past_dates(generated, tree, users):
    user = users["prov_assets"]
    disposed = [c for c in generated.cards if c.disposed_on]
    assert {c.disposed_on.year for c in disposed} >= {EARLY.year, LATER.year, TODAY.year}
    cases = [(tree.province, TODAY), (tree.city_a, TODAY), (tree.province, date(2024, 12, 31)),
             (tree.city_b, LATER - timedelta(days=1)), (tree.province, EARLY), (tree.county_a, date(2019, 6, 30)),
             (tree.province, date(2024, 1, 31))]   # before every value adjustment (from 2024-02-10)
    assert any(c.dep_segmented and c.acquired_on <= date(2023, 12, 31) for c in generated.cards)
    for unit, on in cases:
        summary = selectors.asset_summary(user, unit, on)
        expected = expected_summary(generated.cards, unit, on)
        assert report_rows(summary) == expected, (unit.name, on)
        count, quantity, value, accumulated = totals(expected)
        total = summary.total
        assert summary.rows[-1] is total and total.kind == selectors.TOTAL
        assert (total.count, total.quantity, total.original_value, total.accumulated) == (
            count, quantity, value, accumulated), (unit.name, on)
        assert total.net_value == value - accumulated
        assert count > 0
    # A past date sees cards disposed of later and not those acquired later.
    past = selectors.asset_summary(user, tree.province, date(2024, 12, 31)).total
    now = selectors.asset_summary(user, tree.province, TODAY).total
    in_2024 = [c for c in generated.cards if c.acquired_on <= date(2024, 12, 31)
               and not (c.disposed_on and c.disposed_on <= date(2024, 12, 31))]
    assert past.count == len(in_2024) != now.count
    assert any(c.disposed_on and c.disposed_on.year == LATER.year for c in in_2024)


@pytest.mark.django_db
def test_summary_groups_by_direct_child_and_by_class_level(generated, tree, users):
    summary = selectors.asset_summary(users["prov_assets"], tree.province, TODAY)
    units = [r.unit for r in summary.rows if r.kind == selectors.ROW]
    # The province's own cards (本级) come first; every other row is a direct child of the province.
    assert units[0] == tree.province
    assert summary.rows[0].unit_name == "测试省（本级）"
    assert {u.pk for u in units} <= {tree.province.pk, tree.prov_agency.pk, tree.city_a.pk, tree.city_b.pk}
    city_a = [r for r in summary.rows if r.kind == selectors.SUBTOTAL and r.unit == tree.city_a]
    city_a_own = selectors.asset_summary(users["prov_assets"], tree.city_a, TODAY).total
    assert city_a and city_a[0].original_value == city_a_own.original_value  # the child sums its subtree
    names = {r.class_code: r.class_name for r in summary.rows if r.kind == selectors.ROW}
    assert names["A02"] == "设备" and names["A05"] == "家具和用具"
    detailed = selectors.asset_summary(users["prov_assets"], tree.province, TODAY, level=5)
    assert report_rows(detailed) == expected_summary(generated.cards, tree.province, TODAY, level=5)
    assert {r.class_name for r in detailed.rows if r.class_code == "A0201"} == {"信息化设备"}
    assert detailed.total.original_value == summary.total.original_value


# Status and disposal statistics -----------------------------------------------------------------------


@pytest.mark.django_db
def test_status_counts_equal_the_cards(generated, tree, users):
    for unit in (tree.province, tree.city_a, tree.city_b):
        rows = selectors.status_counts(users["prov_assets"], unit)
        cards = [c for c in generated.cards if c.owner_unit.path.startswith(unit.path)]
        counts = Counter(c.status for c in cards)
        values = defaultdict(Decimal)
        for c in cards:
            values[c.status] += c.original_value
        assert [r.label for r in rows] == [s.label for s in AssetStatus] + ["合计"]
        for row in rows[:-1]:
            assert (row.count, row.original_value) == (counts[row.status], values[row.status]), row.label
        assert (rows[-1].count, rows[-1].original_value) == (len(cards), sum(c.original_value for c in cards))
        assert rows[-1].quantity == sum(c.quantity for c in cards)
    province = {r.status: r.count for r in selectors.status_counts(users["prov_assets"], tree.province)}
    assert province[AssetStatus.DISPOSED] > 0 and province[AssetStatus.PENDING_DISPOSAL] == 1


@pytest.mark.django_db
def test_disposal_stats_equal_the_completed_disposals(generated, tree, users):
    expected = defaultdict(lambda: [0, 0, Decimal("0"), Decimal("0")])
    for method, year, values, income in generated.disposals:
        row = expected[(year, method)]
        row[0] += 1
        row[1] += len(values)
        row[2] += sum(values)
        row[3] += income
    rows = selectors.disposal_stats(users["prov_assets"], tree.province)
    got = {(r.year, r.method): [r.disposals, r.count, r.original_value, r.income] for r in rows[:-1]}
    assert got == dict(expected)
    assert len({year for year, _m in got}) == 3
    total = rows[-1]
    assert total.method_name == "合计"
    assert total.count == sum(len(v) for _m, _y, v, _i in generated.disposals) == len(
        [c for c in generated.cards if c.status == AssetStatus.DISPOSED])
    assert total.income == sum(i for *_rest, i in generated.disposals)
    assert {r.method_name for r in rows[:-1]} <= {"报废", "出售", "无偿划转", "对外捐赠", "置换", "报损核销"}
    assert [r.year for r in rows[:-1]] == sorted((r.year for r in rows[:-1]), reverse=True)
    city_b = selectors.disposal_stats(users["prov_assets"], tree.city_b)[-1]
    b_cards = [c for c in generated.cards if c.status == AssetStatus.DISPOSED and c.owner_unit.path.startswith(
        tree.city_b.path)]
    assert city_b.count == len(b_cards)
    assert city_b.original_value == sum(c.original_value for c in b_cards)


# Pages, permission, scope, export ---------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_show_the_reports_for_the_default_and_chosen_unit(generated, tree, users, client_for):
    client = client_for(users["a_assets"])
    page = client.get(reverse("assets:report")).content.decode()
    city_a = selectors.asset_summary(users["a_assets"], tree.city_a, TODAY).total
    assert "资产汇总表" in page and "甲市机关事务管理局" in page
    assert f'name="on" value="{TODAY.isoformat()}"' in page  # the default date, as the date input reads it
    county = client.get(reverse("assets:report"), {"unit": tree.county_a.pk}).content.decode()
    # The unit picker shows the unit chosen by its name, its id in the hidden input.
    assert f'name="unit" id="id_unit" value="{tree.county_a.pk}"' in county and 'value="甲县"' in county
    assert f'name="on" value="{TODAY.isoformat()}"' in county
    assert f"{city_a.original_value:,.2f}" in page          # the city's total, the user's widest unit
    assert "乙市" not in page                                 # neither in the rows nor in the unit picker
    assert f'name="unit" id="id_unit" value="{tree.city_a.pk}"' in page and 'value="甲市"' in page
    # Drill down: the province manager's summary links each city to its own summary.
    province_page = client_for(users["prov_assets"]).get(reverse("assets:report"),
                                                          {"on": "2024-12-31", "level": "3"}).content.decode()
    assert f"?unit={tree.city_a.pk}&amp;on=2024-12-31&amp;level=3" in province_page
    past = selectors.asset_summary(users["prov_assets"], tree.province, date(2024, 12, 31)).total
    assert f"{past.accumulated:,.2f}" in province_page
    status = client.get(reverse("assets:report_status"), {"unit": tree.county_a.pk}).content.decode()
    assert "已处置" in status and "待处置" in status and "甲县" in status
    disposals = client.get(reverse("assets:report_disposals")).content.decode()
    assert "处置统计" in disposals and "合计" in disposals


@pytest.mark.django_db
def test_permission_and_scope(tree, users, client_for, card):
    card(tree.city_a_agency)
    b = client_for(users["b_assets"])
    for name in ("assets:report", "assets:report_status", "assets:report_disposals"):
        assert b.get(reverse(name), {"unit": tree.city_a.pk}).status_code == 404      # city A is not B's
        assert b.get(reverse(name), {"unit": tree.city_b.pk}).status_code == 200
        assert client_for(users["staff"]).get(reverse(name)).status_code == 403    # no report permission
    page = b.get(reverse("assets:report")).content.decode()
    assert "乙市" in page and "甲市" not in page and "测试省" not in page
    assert b.get(reverse("assets:report"), {"unit": tree.city_b.pk, "on": "not-a-date"}).status_code == 200
    # Even asked for its parent's subtree, a unit leader of one agency sees only that agency's cards.
    leader = make_user("leader", tree.city_a_agency, [("unit_leader", tree.city_a_agency, True)])
    card(tree.county_a_agency, original_value=Decimal("999.00"))
    assert client_for(leader).get(reverse("assets:report"), {"unit": tree.city_a.pk}).status_code == 404
    total = selectors.asset_summary(leader, tree.city_a, TODAY).total
    assert (total.count, total.original_value) == (1, Decimal("6000.00"))


@pytest.mark.django_db
def test_excel_export_is_what_the_page_shows(generated, tree, users, client_for):
    client = client_for(users["prov_assets"])
    response = client.get(reverse("assets:report"), {"unit": tree.city_a.pk, "on": "2025-06-30", "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "资产汇总表"
    assert rows[1][0].startswith("范围：甲市（含下级）；条件：统计日期：2025-06-30，分类级次：门类；导出时间：")
    rows = rows[2:]  # the header, then the report's rows
    assert rows[0] == ("单位", "分类代码", "资产分类", "卡片数", "数量", "原值（元）", "累计折旧（元）", "净值（元）")
    summary = selectors.asset_summary(users["prov_assets"], tree.city_a, date(2025, 6, 30))
    assert len(rows) == 1 + len(summary.rows)
    for line, row in zip(rows[1:], summary.rows, strict=True):
        assert line[0] == row.unit_name and (line[1] or "") == row.class_code
        assert line[3:] == (row.count, row.quantity, pytest.approx(float(row.original_value)),
                            pytest.approx(float(row.accumulated)), pytest.approx(float(row.net_value)))
    assert rows[-1][0] == "合计"
    assert AuditEvent.objects.filter(action=Action.EXPORT, actor=users["prov_assets"],
                                     object_repr__startswith="资产汇总表-甲市-2025-06-30").count() == 1
    for name, header in (("assets:report_status", "使用状态"), ("assets:report_disposals", "年度")):
        response = client.get(reverse(name), {"export": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert next(sheet.iter_rows(min_row=3, values_only=True))[0] == header


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_data(tree, users, client_for, card, django_assert_max_num_queries):
    client = client_for(users["prov_assets"])
    card(tree.city_a_agency)

    def counts():
        result = []
        for name, params in (("assets:report", {"on": "2026-01-31"}), ("assets:report_status", {}),
                             ("assets:report_disposals", {})):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse(name), params).status_code == 200
            result.append(len(ctx.captured_queries))
        return result

    small = counts()
    rng = random.Random(7)
    for unit in (tree.province, tree.prov_agency, tree.city_b_agency, tree.county_a_agency, tree.county_b):
        for code, extra in CLASSES:
            card(unit, count=rng.randint(1, 3), class_code=code, acquired_on=date(2020, 5, 1), **extra)
    assert counts() == small
    with django_assert_max_num_queries(20):
        client.get(reverse("assets:report"), {"unit": tree.province.pk, "on": "2025-12-31", "level": "5"})
