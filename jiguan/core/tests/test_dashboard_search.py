"""The home-page widget and search registries (jiguan.core.dashboard, jiguan.core.search): what a user
is shown is gated by the declared permission, in order, in the shapes the home page renders; and every
declaration of every module names a real permission and a URL that reverses. Modules' own figures
(scoped per city) are tested in their apps (assets: assets/tests/test_dashboard.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse

from jiguan.core import dashboard, search
from jiguan.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def only(monkeypatch):
    """Empty registries for the test (the modules' declarations stay untouched)."""
    monkeypatch.setattr(dashboard, "_widgets", {})
    monkeypatch.setattr(search, "_providers", {})


def units_tile(board):
    from jiguan.org.models import OrgUnit

    units = OrgUnit.objects.restrict(board.user)
    if board.unit is not None:
        units = units.filter(path__startswith=board.unit.path)
    return dashboard.tile(units.count(), unit="个", query={"parent": board.unit.pk} if board.unit else None)


# Widgets ----------------------------------------------------------------------------------------


def test_a_user_sees_the_widgets_of_the_permissions_held_in_order(only, tree, users):
    dashboard.register(dashboard.Widget("org.units", "单位", dashboard.TILE, "org.view_orgunit", units_tile,
                                        order=20, url_name="org:unit_list"))
    dashboard.register(dashboard.Widget("audit.chart", "审计", dashboard.CHART, "audit.view_auditevent",
                                        lambda board: dashboard.pie("操作", [("登录", 2), ("导出", 1)]), order=10))
    dashboard.register(dashboard.Widget("mine", "我的", dashboard.TILE, None, lambda board: dashboard.tile(7), order=30))

    seen = dashboard.for_user(users["a_assets"])   # asset manager of city A: units, not the audit log
    assert [w["key"] for w in seen] == ["org.units", "mine"]
    units = seen[0]
    assert (units["label"], units["kind"], units["url"]) == ("单位", "tile", reverse("org:unit_list"))
    # City A's subtree: the city, its agency and department, the county and its agency.
    assert units["data"] == {"value": 5, "display": "5", "unit": "个", "hint": "", "query": {}}
    assert dashboard.for_user(users["prov_assets"])[0]["data"]["value"] == 11   # the whole province

    seen = dashboard.for_user(users["auditor"])    # the audit administrator: the audit chart first
    assert [w["key"] for w in seen] == ["audit.chart", "mine"]
    assert seen[0]["data"]["series"] == [{"type": "pie", "name": "操作",
                                          "data": [{"name": "登录", "value": 2}, {"name": "导出", "value": 1}]}]
    nobody = make_user("nobody", tree.city_a_dept)
    assert [w["key"] for w in dashboard.for_user(nobody)] == ["mine"]


def test_a_chart_with_nothing_to_draw_is_marked_empty(only, users, client_for):
    """Zeros only, or no points: the page says 当前范围内暂无数据 instead of an empty ring."""
    dashboard.register(dashboard.Widget("a.zeros", "全为零", dashboard.CHART, None,
                                        lambda board: dashboard.pie("状态", [("在用", 0), ("闲置", 0)])))
    dashboard.register(dashboard.Widget("b.none", "无数据", dashboard.CHART, None,
                                        lambda board: dashboard.line([("新增", [])], [])))
    dashboard.register(dashboard.Widget("c.some", "有数据", dashboard.CHART, None,
                                        lambda board: dashboard.bars("原值", [("甲市", 0), ("乙市", 3)])))
    seen = {w["key"]: w["data"]["empty"] for w in dashboard.for_user(users["a_assets"])}
    assert seen == {"a.zeros": True, "b.none": True, "c.some": False}
    html = client_for(users["a_assets"]).get("/").content.decode()
    assert html.count("当前范围内暂无数据。") == 2 and 'data-chart="c.some"' in html
    assert 'data-chart="a.zeros"' not in html and 'data-chart-empty="a.zeros"' in html


def test_a_board_at_a_unit_narrows_the_figures_and_the_link(only, tree, users):
    dashboard.register(dashboard.Widget("org.units", "单位", permission="org.view_orgunit", provider=units_tile,
                                        url_name="org:unit_list"))
    [units] = dashboard.for_user(users["prov_assets"], tree.city_a)      # the province leader drills into city A
    assert units["data"]["value"] == 5
    assert units["url"] == reverse("org:unit_list") + f"?parent={tree.city_a.pk}"


def test_a_provider_with_nothing_to_show_is_left_out_and_the_memo_is_per_page(only, users):
    reads = []

    def shared(board):
        return board.memo("figures", lambda: reads.append(1) or 42)

    dashboard.register(dashboard.Widget("a.one", "一", provider=lambda board: dashboard.tile(shared(board))))
    dashboard.register(dashboard.Widget("a.two", "二", provider=lambda board: dashboard.tile(shared(board) + 1)))
    dashboard.register(dashboard.Widget("a.none", "无", provider=lambda board: None))
    assert [(w["key"], w["data"]["value"]) for w in dashboard.for_user(users["a_assets"])] == [
        ("a.one", 42), ("a.two", 43)]
    assert reads == [1]                                              # read once for both tiles
    dashboard.for_user(users["a_assets"])
    assert reads == [1, 1]                                           # and again on the next page


def test_providers_get_the_user_and_a_dotted_path_works(only, users):
    dashboard.register(dashboard.Widget("org.units", "单位", permission="org.view_orgunit",
                                        provider="jiguan.core.tests.test_dashboard_search.units_tile"))
    assert dashboard.for_user(users["b_assets"])[0]["data"]["value"] == 4   # city B has no county agency


def test_a_bad_declaration_or_bad_data_is_refused(only, users):
    with pytest.raises(ImproperlyConfigured, match="kind 'table'"):
        dashboard.register(dashboard.Widget("x", "X", "table", None, units_tile))
    with pytest.raises(ImproperlyConfigured, match="no provider"):
        dashboard.register(dashboard.Widget("x", "X"))
    with pytest.raises(ImproperlyConfigured, match="not '<app>.<codename>'"):
        dashboard.register(dashboard.Widget("x", "X", permission="view_orgunit", provider=units_tile))
    first = dashboard.register(dashboard.Widget("x", "X", provider=units_tile))
    assert dashboard.register(first) is first                      # the same declaration again: fine
    with pytest.raises(ImproperlyConfigured, match="already registered differently"):
        dashboard.register(dashboard.Widget("x", "Y", provider=units_tile))

    with pytest.raises(ImproperlyConfigured, match="only a panel, names a template"):
        dashboard.register(dashboard.Widget("x.panel", "X", dashboard.PANEL, provider=units_tile))
    with pytest.raises(ImproperlyConfigured, match="only a panel, names a template"):
        dashboard.register(dashboard.Widget("x.tile", "X", provider=units_tile, template="core/x.html"))

    dashboard.register(dashboard.Widget("bad.tile", "坏", provider=lambda board: {"n": 1}))
    with pytest.raises(ImproperlyConfigured, match="needs a 'value'"):
        dashboard.for_user(users["a_assets"])
    dashboard._widgets.pop("bad.tile")
    dashboard.register(dashboard.Widget("bad.chart", "坏", dashboard.CHART, provider=lambda board: {"data": []}))
    with pytest.raises(ImproperlyConfigured, match="'series' list"):
        dashboard.for_user(users["a_assets"])


def test_data_builders_are_json_ready():
    assert dashboard.tile(Decimal("1234567.5"), unit="元") == {
        "value": Decimal("1234567.5"), "display": "1,234,567.50", "unit": "元", "hint": "", "query": {}}
    assert dashboard.tile(12345)["display"] == "12,345"
    small, large = dashboard.amount(Decimal("99999.99")), dashboard.amount(Decimal("41805626.30"))
    assert (small["display"], small["unit"], small["exact"]) == ("99,999.99", "元", "99,999.99 元")
    assert (large["display"], large["unit"], large["exact"]) == ("4,180.56", "万元", "41,805,626.30 元")
    chart = dashboard.bars("原值", [("甲市", Decimal("10.50"), 7), ("乙市", 3)])
    assert chart["xAxis"]["data"] == ["甲市", "乙市"]
    assert chart["series"] == [{"type": "bar", "name": "原值", "data": [{"value": 10.5, "unit": 7}, 3]}]
    across = dashboard.bars("原值", [("甲市", 1)], horizontal=True)
    assert across["yAxis"] == {"type": "category", "data": ["甲市"], "inverse": True}
    trend = dashboard.line([("张", [1, 2]), ("元", [Decimal("1.5"), 0])], ["2026-11", "2026-12"])
    assert trend["xAxis"]["data"] == ["2026-11", "2026-12"]
    assert [s["data"] for s in trend["series"]] == [[1, 2], [1.5, 0]]


# Search -----------------------------------------------------------------------------------------


def unit_search(user, q, limit):
    from jiguan.org.models import OrgUnit

    rows = OrgUnit.objects.restrict(user).filter(name__contains=q).order_by("path")[:limit]
    return [search.SearchHit(u.name, u.get_kind_display(), u.get_absolute_url()) for u in rows]


def test_search_asks_the_providers_the_user_may_use_and_groups_their_hits(only, tree, users):
    calls = []

    def spy(user, q, limit):
        calls.append((q, limit))
        return []

    search.register(search.SearchProvider("org.units", "组织机构", "org.view_orgunit", unit_search, order=20,
                                          more_url=lambda q: f"/org/units/list/?q={q}"))
    search.register(search.SearchProvider("audit.events", "审计", "audit.view_auditevent", spy, order=10))

    groups = search.search(users["a_assets"], "  甲市   机关 ", limit=5)
    assert calls == []                                         # no audit permission: never asked
    assert groups == []                                        # "甲市 机关": no unit is named so
    groups = search.search(users["a_assets"], "甲", limit=2)
    assert [g["key"] for g in groups] == ["org.units"]
    [units] = groups
    assert [h.title for h in units["hits"]] == ["甲市", "甲市机关事务管理局"]
    assert units["more"] is True and units["more_url"] == "/org/units/list/?q=甲"   # 5 units of city A match
    assert units["hits"][0].url == tree.city_a.get_absolute_url()
    assert search.search(users["b_assets"], "甲") == []         # city B sees no unit of city A

    groups = search.search(users["auditor"], "x" * 300, limit=999)
    assert calls == [("x" * search.MAX_QUERY, search.MAX_LIMIT + 1)]   # bounded query and limit
    assert groups == []                                          # a provider without hits is left out
    assert search.search(users["a_assets"], "   ") == []


def test_a_bad_search_declaration_is_refused(only):
    with pytest.raises(ImproperlyConfigured, match="no search function"):
        search.register(search.SearchProvider("x", "X"))
    with pytest.raises(ImproperlyConfigured, match="not '<app>.<codename>'"):
        search.register(search.SearchProvider("x", "X", "nope", unit_search))
    search.register(search.SearchProvider("x", "X", None, unit_search))
    with pytest.raises(ImproperlyConfigured, match="already registered differently"):
        search.register(search.SearchProvider("x", "Y", None, unit_search))


# Every module's declarations ----------------------------------------------------------------------


def declaration_problems(widgets, providers) -> list[str]:
    from django.contrib.auth.models import Permission
    from django.utils.module_loading import import_string

    known = {f"{app}.{code}" for app, code in Permission.objects.values_list("content_type__app_label", "codename")}
    problems = []
    for item, what in [(w, "widget") for w in widgets] + [(p, "search provider") for p in providers]:
        if item.permission is not None and item.permission not in known:
            problems.append(f"{what} {item.key}: unknown permission {item.permission}")
        for attr in ("provider", "search", "more_url"):
            value = getattr(item, attr, None)
            if isinstance(value, str):
                try:
                    import_string(value)
                except ImportError:
                    problems.append(f"{what} {item.key}: {attr} {value} does not import")
        if getattr(item, "url_name", ""):
            try:
                reverse(item.url_name)
            except NoReverseMatch:
                problems.append(f"{what} {item.key}: url_name {item.url_name} does not reverse")
    return problems


def test_every_declared_widget_and_provider_is_sound():
    assert declaration_problems(dashboard.registered(), search.registered()) == []


def test_the_declaration_check_catches_mistakes():
    problems = declaration_problems(
        [dashboard.Widget("w", "W", permission="org.view_orgunt", provider="jiguan.nowhere.tile",
                          url_name="org:no_such_page")],
        [search.SearchProvider("s", "S", "org.view_orgunit", search="jiguan.core.search.nothing")])
    assert problems == ["widget w: unknown permission org.view_orgunt",
                        "widget w: provider jiguan.nowhere.tile does not import",
                        "widget w: url_name org:no_such_page does not reverse",
                        "search provider s: search jiguan.core.search.nothing does not import"]
