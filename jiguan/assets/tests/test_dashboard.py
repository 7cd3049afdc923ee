"""The assets module's home-page widgets and global search: a city's asset manager sees the figures and
cards of their city only, a user without the asset permissions sees none of it, and the cost in
queries does not grow with the number of cards."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiguan.core import dashboard, search
from jiguan.core.testing import make_user

pytestmark = pytest.mark.django_db

ASSET_WIDGETS = ["assets.cards", "assets.value", "assets.net", "assets.idle", "assets.pending_disposal",
                 "assets.added", "assets.by_unit", "assets.by_class", "assets.status", "assets.trend"]


def figures(user, unit=None) -> dict:
    return {w["key"]: w["data"] for w in dashboard.for_user(user, unit) if w["key"].startswith("assets.")}


def bars(data) -> dict:
    [series] = data["series"]
    assert series["type"] == "bar"
    return dict(zip(data["yAxis"]["data"], series["data"], strict=True))


def pie(data) -> dict:
    [series] = data["series"]
    assert series["type"] == "pie"
    return {d["name"]: d["value"] for d in series["data"]}


@pytest.fixture
def cards(tree, register):
    """City A: 2 desktops in use (6,000.00 each), 1 idle desk (1,500.00), 1 disposed card; city B:
    1 desktop in use (9,000.00)."""
    register(tree.city_a_agency, count=2)
    register(tree.county_a_agency, name="办公桌", class_code="A05010000", original_value=Decimal("1500.00"),
             status="idle")
    register(tree.city_a_agency, status="disposed")
    register(tree.city_b_agency, original_value=Decimal("9000.00"))


def test_each_city_sees_its_own_figures(cards, tree, users):
    a = figures(users["a_assets"])
    assert list(a) == ASSET_WIDGETS
    assert (a["assets.cards"]["value"], a["assets.cards"]["display"], a["assets.cards"]["unit"]) == (3, "3", "张")
    assert (a["assets.value"]["value"], a["assets.value"]["display"]) == (Decimal("13500.00"), "13,500.00")
    assert a["assets.net"]["value"] <= a["assets.value"]["value"]
    assert a["assets.idle"]["value"] == 1
    assert (a["assets.pending_disposal"]["value"], a["assets.added"]["value"]) == (0, 0)   # acquired last year
    assert a["assets.idle"]["query"] == {"status": "idle"}
    by_class = pie(a["assets.by_class"])
    assert by_class == {"设备": 12000.0, "家具和用具": 1500.0}
    shares = pie(a["assets.status"])
    assert list(shares) == ["在用", "闲置", "维修中", "出借", "公物仓", "待处置"]   # 已处置 is history
    assert (shares["在用"], shares["闲置"], sum(shares.values())) == (2, 1, 3)

    b = figures(users["b_assets"])
    assert (b["assets.cards"]["value"], b["assets.value"]["value"], b["assets.idle"]["value"]) == (
        1, Decimal("9000.00"), 0)
    assert pie(b["assets.status"])["在用"] == 1

    province = figures(users["prov_assets"])
    assert (province["assets.cards"]["value"], province["assets.value"]["value"]) == (4, Decimal("22500.00"))
    # The province leader's bars are the cities, each drilling down to its city.
    assert bars(province["assets.by_unit"]) == {"甲市": {"value": 13500.0, "unit": tree.city_a.pk},
                                                "乙市": {"value": 9000.0, "unit": tree.city_b.pk}}


def test_a_leader_drills_down_to_a_city_and_its_links_follow(cards, tree, users):
    city = figures(users["prov_assets"], tree.city_a)
    assert (city["assets.cards"]["value"], city["assets.idle"]["value"]) == (3, 1)
    assert city["assets.idle"]["query"] == {"owner": tree.city_a.pk, "status": "idle"}
    widgets = {w["key"]: w for w in dashboard.for_user(users["prov_assets"], tree.city_a)}
    assert widgets["assets.idle"]["url"] == f"/assets/?owner={tree.city_a.pk}&status=idle"
    # City B's manager asking for city A sees nothing of it (the scope still applies).
    assert figures(users["b_assets"], tree.city_a)["assets.idle"]["value"] == 0


def test_the_trend_counts_this_years_cards_by_month(tree, users, register):
    from django.utils import timezone

    today = timezone.localdate()
    register(tree.city_a_agency, count=2, acquired_on=today.replace(day=1))
    trend = figures(users["a_assets"])["assets.trend"]
    assert trend["xAxis"]["data"][-1] == f"{today.year}-{today.month:02d}"
    assert len(trend["xAxis"]["data"]) == 12
    cards, value = trend["series"]
    assert cards["data"][-1] == 2 and cards["data"][:-1] == [0] * 11
    assert value["data"][-1] == 12000.0
    assert figures(users["a_assets"])["assets.added"]["value"] == 2


def test_the_widgets_need_the_asset_permission(cards, tree, users):
    assert figures(users["secadmin"]) == {}                    # 三员: no business figures
    assert figures(make_user("nobody", tree.city_a_dept)) == {}
    leader = make_user("b_head", tree.city_b_agency, [("unit_leader", tree.city_b_agency, True)])
    assert figures(leader)["assets.cards"]["value"] == 1       # a unit leader reads the cards of the unit


def test_my_assets_tile_counts_the_cards_i_use_whatever_my_role(tree, users, register):
    staff = make_user("a_clerk", tree.city_a_dept, [("staff", tree.city_a_dept, False)])
    assert "assets.mine" not in figures(staff)                       # nothing issued to me: no tile
    register(tree.city_a_agency, count=2, user=staff)
    assert figures(staff) == {"assets.mine": {"value": 2, "display": "2", "unit": "件", "hint": "", "query": {}}}


def test_search_finds_the_cards_in_scope_only(tree, users, register):
    mine = register(tree.city_a_agency, count=3)
    theirs = register(tree.city_b_agency)

    [group] = search.search(users["a_assets"], "tsjsj", limit=2)             # pinyin initials of 台式计算机
    assert (group["key"], group["label"], group["more"]) == ("assets.cards", "资产卡片", True)
    assert group["more_url"] == "/assets/?q=tsjsj"
    assert [h.url for h in group["hits"]] == [mine[2].get_absolute_url(), mine[1].get_absolute_url()]  # newest first
    assert group["hits"][0].title == f"{mine[2].code} 台式计算机"
    assert group["hits"][0].subtitle == "甲市机关事务管理局 · 在用"

    [group] = search.search(users["a_assets"], mine[0].code[:8], limit=10)    # a code prefix
    assert len(group["hits"]) == 3 and group["more"] is False
    assert search.search(users["a_assets"], theirs.code) == []               # city B's card: no hit
    [group] = search.search(users["b_assets"], theirs.code)
    assert [h.url for h in group["hits"]] == [theirs.get_absolute_url()]
    assert search.search(make_user("nobody", tree.city_a_dept), "tsjsj") == []


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_widgets_and_search_cost_the_same_queries_for_3_and_40_cards(tree, users, register, client_for):
    viewer = make_user("qc_assets", tree.city_a_agency, [("asset_manager", tree.city_a, True)])
    register(tree.city_a_agency, count=3)
    dashboard.for_user(viewer)                                               # the user's grants, once
    small = count_queries(lambda: dashboard.for_user(viewer))
    small_search = count_queries(lambda: search.search(viewer, "tsjsj", limit=5))
    register(tree.county_a_agency, count=37)
    register(tree.city_a_agency, count=5, status="idle")
    # On PostgreSQL the first page after the registrations refreshes the 资产汇总表 of the units that
    # changed (a statement per unit set, not per card); after it the page costs what it did.
    dashboard.for_user(viewer)
    assert count_queries(lambda: dashboard.for_user(viewer)) == small
    assert count_queries(lambda: search.search(viewer, "tsjsj", limit=5)) == small_search
    # About one query per widget the user may see, every module's, shown or found empty (asset tiles
    # and charts share the 资产汇总表 and the status counts; PostgreSQL checks the summary's version
    # before reading it; a personal panel with nothing in it, 我的会议, still asked).
    shown = dashboard.for_user(viewer)
    asked = [w for w in dashboard.registered() if dashboard.may_see(viewer, w)]
    assert small <= len(asked) + 2, (small, [w["key"] for w in shown], [w.key for w in asked])
    assert small_search == 1
