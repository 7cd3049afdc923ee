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

ASSET_WIDGETS = ["assets.cards", "assets.value", "assets.idle", "assets.approvals", "assets.status"]


def figures(user) -> dict:
    return {w["key"]: w["data"] for w in dashboard.for_user(user) if w["key"].startswith("assets.")}


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


def test_each_city_sees_its_own_figures(cards, users):
    a = figures(users["a_assets"])
    assert list(a) == ASSET_WIDGETS
    assert (a["assets.cards"]["value"], a["assets.cards"]["display"], a["assets.cards"]["unit"]) == (3, "3", "张")
    assert (a["assets.value"]["value"], a["assets.value"]["display"]) == (Decimal("13500.00"), "13,500.00")
    assert a["assets.idle"]["value"] == 1
    shares = pie(a["assets.status"])
    assert list(shares) == ["在用", "闲置", "维修中", "出借", "公物仓", "待处置"]   # 已处置 is history
    assert (shares["在用"], shares["闲置"], sum(shares.values())) == (2, 1, 3)

    b = figures(users["b_assets"])
    assert (b["assets.cards"]["value"], b["assets.value"]["value"], b["assets.idle"]["value"]) == (
        1, Decimal("9000.00"), 0)
    assert pie(b["assets.status"])["在用"] == 1

    province = figures(users["prov_assets"])
    assert (province["assets.cards"]["value"], province["assets.value"]["value"]) == (4, Decimal("22500.00"))


def test_the_widgets_need_the_asset_permission(cards, tree, users):
    assert figures(users["secadmin"]) == {}                    # 三员: no business figures
    assert figures(make_user("nobody", tree.city_a_dept)) == {}
    leader = make_user("b_head", tree.city_b_agency, [("unit_leader", tree.city_b_agency, True)])
    assert figures(leader)["assets.cards"]["value"] == 1       # a unit leader reads the cards of the unit


def test_the_approvals_tile_counts_what_waits_for_me(tree, users, leaders, register, asset_flows, api_client_for):
    card = register(tree.city_a_agency)
    response = api_client_for(users["a_assets"]).post("/api/v1/assets/transfers/", {
        "assets": [card.pk], "to_unit": tree.city_b_agency.pk, "reason": "调剂使用"}, format="json")
    assert response.status_code == 201, response.json()
    assert figures(leaders["leader"])["assets.approvals"]["value"] == 1       # the leader of the giving unit
    assert figures(users["a_assets"])["assets.approvals"]["value"] == 0       # the applicant decides nothing
    assert figures(leaders["b_leader"])["assets.approvals"]["value"] == 0


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
    assert count_queries(lambda: dashboard.for_user(viewer)) == small
    assert count_queries(lambda: search.search(viewer, "tsjsj", limit=5)) == small_search
    assert small <= len(ASSET_WIDGETS), small                                # one query per widget
    assert small_search == 1
