"""The platform on a phone held upright: the navigation hides behind the menu button."""

import re

import pytest
from playwright.sync_api import expect

from jiguan.tests_browser.conftest import login, ready, shot

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_phone_navigation_is_behind_the_menu_button_and_the_tree_is_usable(phone_page, live_server, users, tree):
    page = phone_page
    page.goto(live_server.url + "/login/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, "phone-login")
    login(page, live_server, "sysadmin")

    menu_button = page.get_by_role("button", name="菜单")
    sidebar = page.locator("#sidebar")
    expect(menu_button).to_be_visible()
    expect(sidebar.get_by_role("link", name="组织机构")).not_to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, "phone-home")

    menu_button.tap()
    expect(sidebar).to_have_class(re.compile(r"\bshow\b"))
    expect(sidebar.get_by_text("功能菜单")).to_be_visible()
    expect(sidebar.get_by_role("link", name="组织机构")).to_be_visible()
    shot(page, "phone-menu", full_page=False)
    sidebar.get_by_role("link", name="组织机构").tap()

    expect(page.locator("h1")).to_have_text("组织机构")
    ready(page)  # the tree's children load through htmx
    expect(sidebar.get_by_role("link", name="组织机构")).not_to_be_visible()
    toggle = page.locator(f'li[data-unit="{tree.city_b.pk}"] > button.toggle')
    toggle.tap()
    agency = page.locator("#unit-tree").get_by_role("link", name=tree.city_b_agency.name)
    expect(agency).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, "phone-tree")

    agency.tap()
    expect(page.locator("h1")).to_contain_text(tree.city_b_agency.name)
    expect(page.locator("#parent-name")).to_have_text("乙市")
    expect(page.locator("#edit-unit")).to_be_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, "phone-unit-detail")
