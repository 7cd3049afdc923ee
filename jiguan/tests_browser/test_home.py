"""The home page (首页工作台) as each kind of user lands on it, on a desktop (1440×900) and a phone
(390×844): a province leader sees the province's figures and charts and drills down to a city, a
county asset manager sees the county only and a tile opens the filtered list, a staff member sees
the cards issued to them; the header's search finds a card by its pinyin initials."""

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from jiguan.core.testing import make_user
from jiguan.tests_browser.conftest import login, ready, shot

pytestmark = pytest.mark.browser

WIDE = {"width": 1440, "height": 900}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def cards(owner_unit, actor, count=1, **fields):
    from django.apps import apps

    from jiguan.assets import services
    from jiguan.assets.standards_data import ensure
    from jiguan.core.context import acting_as

    ensure(apps)  # idempotent: what the migrations load, flushed by transactional tests
    values = {"name": "台式计算机", "class_code": "A02010105", "original_value": Decimal("6000.00"),
              "acquisition_method": "purchase", "acquired_on": date(2024, 1, 15), "funding_source": "fiscal",
              "status": "in_use"}
    values.update(fields)
    with acting_as(actor):
        return services.asset_register(owner_unit=owner_unit, count=count, on=values["acquired_on"], **values)


@pytest.fixture
def province(tree, users):
    """City A: 3 desktops in use and 1 idle desk; its county: 2 desktops; city B: 1 car of 180,000.00."""
    actor = users["prov_assets"]
    cards(tree.city_a_agency, actor, count=3)
    cards(tree.city_a_agency, actor, name="办公桌", class_code="A05010000", original_value=Decimal("1500.00"),
          status="idle")
    cards(tree.county_a_agency, actor, count=2)
    cards(tree.city_b_agency, actor, name="小型客车", class_code="A02030000", original_value=Decimal("180000.00"))
    return tree


def charts_drawn(page):
    charts = page.locator("[data-chart]")
    expect(charts.first).to_be_visible()
    for i in range(charts.count()):
        expect(charts.nth(i)).to_have_attribute("data-rendered", "1")


def test_a_province_leader_sees_the_province_and_drills_down_to_a_city(page, live_server, province, tree):
    make_user("fj_head", tree.province, [("leader", tree.province, True)])
    page.set_viewport_size(WIDE)
    login(page, live_server, "fj_head")
    expect(page.locator("#tile-assetscards .tile-value")).to_have_attribute("data-value", "7")
    expect(page.locator("#tile-assetsvalue .tile-value")).to_contain_text("21.15")   # 211,500.00 元
    expect(page.locator("#tile-assetsvalue .tile-value")).to_contain_text("万元")
    expect(page.locator("#tile-assetsidle .tile-value")).to_have_attribute("data-value", "1")
    for title in ("原值按单位", "原值按门类", "资产状态分布", "近12个月新增"):
        expect(page.locator("#home-charts").get_by_role("heading", name=title)).to_be_visible()
    charts_drawn(page)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, "home-province-leader")

    page.goto(f"{live_server.url}/?unit={tree.city_a.pk}")      # the city's bar leads here
    ready(page)
    expect(page.locator("#board-trail")).to_contain_text("甲市")
    expect(page.locator("#tile-assetscards .tile-value")).to_have_attribute("data-value", "6")
    charts_drawn(page)
    page.locator("#board-trail").get_by_role("link", name="全部范围").click()
    expect(page.locator("#tile-assetscards .tile-value")).to_have_attribute("data-value", "7")


def test_a_county_asset_manager_sees_the_county_and_a_tile_opens_its_list(page, live_server, province, tree):
    make_user("county_assets", tree.county_a_agency, [("asset_manager", tree.county_a, True)])
    page.set_viewport_size(WIDE)
    login(page, live_server, "county_assets")
    expect(page.locator("#tile-assetscards .tile-value")).to_have_attribute("data-value", "2")
    expect(page.locator("#tile-assetsvalue .tile-value")).to_contain_text("12,000.00")
    charts_drawn(page)
    shot(page, "home-county-asset-manager")

    page.locator("#tile-assetsidle").click()                    # the county has no idle card
    expect(page.locator("h1")).to_have_text("资产卡片")
    expect(page.locator(".empty-state")).to_be_visible()


def test_staff_see_the_cards_issued_to_them_on_the_phone(phone_page, live_server, tree, users):
    staff = make_user("a_clerk", tree.city_a_dept, [("staff", tree.city_a_dept, False)])
    cards(tree.city_a_agency, users["prov_assets"], count=2, user=staff)
    page = phone_page
    login(page, live_server, "a_clerk")
    expect(page.locator("#tile-assetsmine .tile-value")).to_have_attribute("data-value", "2")
    expect(page.locator("#tile-assetscards")).to_have_count(0)  # no figures of the unit for staff
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, "home-staff-phone")


def test_staff_open_my_assets_from_the_tile_and_their_card_on_the_phone(phone_page, live_server, tree, users):
    staff = make_user("a_typist", tree.city_a_dept, [("staff", tree.city_a_dept, False)])
    mine = cards(tree.city_a_agency, users["prov_assets"], name="笔记本电脑", spec_model="ThinkPad X1",
                 location="302 室", user=staff)[0]
    cards(tree.city_a_agency, users["prov_assets"], name="激光打印机", user=users["a_assets"])  # not theirs
    page = phone_page
    login(page, live_server, "a_typist")
    page.locator("#tile-assetsmine").tap()
    expect(page.locator("h1")).to_have_text("我的资产")
    phone_cards = page.locator("#mine-cards .mine-card")
    expect(phone_cards).to_have_count(1)
    expect(phone_cards.first).to_contain_text("笔记本电脑")
    expect(phone_cards.first).to_contain_text(mine.code)
    expect(page.locator("#mine-table")).to_be_hidden()          # the table is for wider screens
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, "home-staff-mine")
    phone_cards.first.tap()
    expect(page.locator("#asset-code")).to_have_text(mine.code)
    expect(page.locator("#action-return-request")).to_be_visible()
    expect(page.locator("#action-change")).to_have_count(0)     # read-only for its user


def test_staff_scan_the_label_on_their_desk_and_only_their_own_opens(new_page, live_server, tree, users):
    from jiguan.tests_browser.conftest import PHONE
    from jiguan.tests_browser.test_scan import FAKE_CAMERA, label_picture

    staff = make_user("a_scanner", tree.city_a_dept, [("staff", tree.city_a_dept, False)])
    mine = cards(tree.city_a_agency, users["prov_assets"], name="笔记本电脑", user=staff)[0]
    theirs = cards(tree.city_a_agency, users["prov_assets"], name="激光打印机", user=users["a_assets"])[0]
    for card, opens in ((mine, True), (theirs, False)):
        page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        page.add_init_script(FAKE_CAMERA % repr(label_picture(card, live_server.url)))
        login(page, live_server, "a_scanner")
        page.goto(live_server.url + "/assets/scan/")
        if opens:  # the label is read and the card opens through its short link
            page.wait_for_url(re.compile(rf"/assets/{card.pk}/$"))
            expect(page.locator("#asset-code")).to_have_text(card.code)
            shot(page, "assets-scan-staff-card")
        else:      # someone else's card: refused, nothing of it shown
            page.wait_for_url(re.compile(rf"/assets/c/{card.code}/$"))
            expect(page).to_have_title(re.compile("没有权限"))
            expect(page.locator("main")).not_to_contain_text("激光打印机")
        page.close()


def test_the_header_search_finds_a_card_by_its_pinyin_initials(page, live_server, province, users):
    login(page, live_server, "a_assets")
    box = page.locator("#global-search-q")
    box.fill("bgz")                                             # 办公桌
    results = page.locator("#global-search-results")
    expect(results).to_be_visible()
    expect(results.get_by_text("资产卡片")).to_be_visible()
    expect(results.locator("a", has_text="办公桌")).to_have_count(1)
    shot(page, "home-global-search", full_page=False)
    box.press("Enter")
    expect(page.locator("h1")).to_have_text("搜索")
    expect(page.locator("#search-results")).to_contain_text("办公桌")
