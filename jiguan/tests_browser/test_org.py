"""The organisation tree and unit maintenance, as the system administrator and as a city's manager."""

import re

import pytest
from playwright.sync_api import expect

from jiguan.org.demo import credit_code
from jiguan.org.models import OrgKind, OrgUnit
from jiguan.tests_browser.conftest import login, ready, shot
from jiguan.tests_browser.pickers import matches, pick, picker_box

pytestmark = pytest.mark.browser

NEW_UNIT = "甲市数据管理局"
NEW_UNIT_CODE = credit_code(OrgKind.AGENCY, "350100", 901)


def toggle(page, unit):
    return page.locator(f'li[data-unit="{unit.pk}"] > button.toggle')


def children_list(page, unit):
    return page.locator(f'li[data-unit="{unit.pk}"] > ul')


def open_unit_form_under(page, live_server, parent):
    """From the tree, open ``parent`` and click 新建下级单位."""
    page.goto(live_server.url + "/org/units/")
    page.locator("#unit-tree").get_by_role("link", name=parent.name, exact=True).click()
    expect(page.locator("h1")).to_contain_text(parent.name)
    page.click("#add-child")
    expect(page.locator("h1")).to_have_text("新建组织机构")
    expect(picker_box(page, "id_parent")).to_have_value(parent.name)


def fill_unit_form(page, name, code, region="350100"):
    page.select_option("#id_kind", label="机关")
    page.fill("#id_name", name)
    page.fill("#id_region_code", region)
    page.fill("#id_credit_code", code)


def create_unit(page, live_server, parent, name=NEW_UNIT, code=NEW_UNIT_CODE):
    open_unit_form_under(page, live_server, parent)
    fill_unit_form(page, name, code)
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("单位已创建。")
    expect(page.locator("h1")).to_contain_text(name)
    return OrgUnit.objects.get(name=name)


def move_unit(page, live_server, unit, new_parent, screenshot=None):
    page.goto(live_server.url + unit.get_absolute_url())
    page.click("#move-unit")
    expect(page.locator("h1")).to_have_text(f"移动单位：{unit.name}")
    pick(page, "id_new_parent", new_parent.name)
    if screenshot:
        shot(page, screenshot)
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("单位及其下级已移动。")


def test_browse_the_tree_open_province_and_city_then_a_unit(page, live_server, users, tree):
    login(page, live_server, "sysadmin")
    page.locator("#sidebar").get_by_role("link", name="组织机构").click()
    expect(page.locator("h1")).to_have_text("组织机构")
    ready(page)  # deeper levels load through htmx

    # The province comes open with its children; deeper levels load on demand.
    expect(toggle(page, tree.province)).to_have_attribute("aria-expanded", "true")
    for city in (tree.city_a, tree.city_b):
        expect(children_list(page, tree.province).get_by_role("link", name=city.name, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=tree.city_a_agency.name)).to_have_count(0)

    # Closing and opening the province again needs no new request.
    toggle(page, tree.province).click()
    expect(children_list(page, tree.province)).to_be_hidden()
    toggle(page, tree.province).click()
    expect(children_list(page, tree.province)).to_be_visible()

    with page.expect_response(re.compile(rf"/org/units/{tree.city_a.pk}/children/$")):
        toggle(page, tree.city_a).click()
    city_a_children = children_list(page, tree.city_a)
    expect(city_a_children.get_by_role("link", name=tree.city_a_agency.name)).to_be_visible()
    expect(city_a_children.get_by_role("link", name=tree.county_a.name)).to_be_visible()
    expect(toggle(page, tree.city_a)).to_have_attribute("aria-expanded", "true")
    shot(page, "org-tree")

    city_a_children.get_by_role("link", name=tree.city_a_agency.name).click()
    expect(page.locator("h1")).to_contain_text(tree.city_a_agency.name)
    expect(page.locator("h1 .badge")).to_have_text("机关")
    expect(page.locator("#parent-name")).to_have_text("甲市")
    expect(page.locator(".breadcrumb")).to_contain_text("测试省")
    expect(page.locator(".breadcrumb")).to_contain_text("甲市")
    expect(page.get_by_text(tree.city_a_agency.credit_code)).to_be_visible()
    expect(page.get_by_role("link", name=tree.city_a_dept.name)).to_be_visible()
    for button in ("#add-child", "#move-unit", "#edit-unit"):
        expect(page.locator(button)).to_be_visible()
    shot(page, "org-unit-detail")


def test_search_the_tree_by_name(page, live_server, users, tree):
    login(page, live_server, "sysadmin")
    page.goto(live_server.url + "/org/units/")
    page.get_by_placeholder("按名称查找单位").fill("资产")
    page.get_by_placeholder("按名称查找单位").press("Enter")
    results = page.locator("#unit-tree")
    expect(results.get_by_role("link")).to_have_text([tree.city_a_dept.name, tree.city_b_dept.name])
    page.get_by_placeholder("按名称查找单位").fill("不存在的单位")
    page.get_by_placeholder("按名称查找单位").press("Enter")
    expect(results).to_contain_text("没有名称含“不存在的单位”的单位。")


def test_create_a_unit_under_city_a(page, live_server, users, tree):
    login(page, live_server, "sysadmin")
    open_unit_form_under(page, live_server, tree.city_a)
    fill_unit_form(page, NEW_UNIT, NEW_UNIT_CODE)
    shot(page, "org-unit-form")
    page.click("#submit")

    expect(page.locator(".alert-success")).to_contain_text("单位已创建。")
    unit = OrgUnit.objects.get(name=NEW_UNIT)
    expect(page).to_have_url(live_server.url + unit.get_absolute_url())
    expect(page.locator("h1")).to_contain_text(NEW_UNIT)
    expect(page.locator("#parent-name")).to_have_text("甲市")
    expect(page.get_by_text(NEW_UNIT_CODE)).to_be_visible()
    shot(page, "org-unit-created")
    assert unit.parent == tree.city_a and unit.path.startswith(tree.city_a.path)


def test_an_invalid_credit_code_is_explained_under_the_field(page, live_server, users, tree):
    login(page, live_server, "sysadmin")
    open_unit_form_under(page, live_server, tree.city_a)
    wrong_check = "0" if NEW_UNIT_CODE[-1] != "0" else "1"
    fill_unit_form(page, NEW_UNIT, NEW_UNIT_CODE[:17] + wrong_check)
    page.click("#submit")

    expect(page.locator("#form-errors")).to_have_text("未保存：请按下方红色提示修改后重新提交。")
    field = page.locator("#id_credit_code")
    expect(field).to_have_class(re.compile(r"\bis-invalid\b"))
    error = page.locator("#id_credit_code + .invalid-feedback")
    expect(error).to_have_text(
        f"统一社会信用代码校验位错误：第 18 位应为 {NEW_UNIT_CODE[-1]}，实际为 {wrong_check}。")
    expect(error).to_be_visible()
    # What the user typed is kept; nothing was saved.
    expect(page.locator("#id_name")).to_have_value(NEW_UNIT)
    assert not OrgUnit.objects.filter(name=NEW_UNIT).exists()
    error.scroll_into_view_if_needed()
    shot(page, "org-unit-form-error")

    page.fill("#id_credit_code", "12345")
    page.click("#submit")
    expect(error).to_have_text("统一社会信用代码应为 18 位，当前为 5 位。")


def test_move_a_unit_from_city_a_to_city_b(page, live_server, users, tree):
    login(page, live_server, "sysadmin")
    unit = create_unit(page, live_server, tree.city_a)
    expect(page.locator("#parent-name")).to_have_text("甲市")
    move_unit(page, live_server, unit, tree.city_b, screenshot="org-unit-move")

    expect(page).to_have_url(live_server.url + unit.get_absolute_url())
    expect(page.locator("#parent-name")).to_have_text("乙市")
    expect(page.locator(".breadcrumb")).to_contain_text("乙市")
    unit.refresh_from_db()
    assert unit.parent == tree.city_b and unit.path.startswith(tree.city_b.path)


def test_city_a_asset_manager_does_not_see_city_b(page, live_server, users, tree):
    login(page, live_server, "a_assets")
    page.goto(live_server.url + "/org/units/")
    unit_tree = page.locator("#unit-tree")
    expect(unit_tree.get_by_role("link", name="甲市", exact=True)).to_be_visible()
    expect(unit_tree.get_by_role("link", name=tree.city_a_agency.name)).to_be_visible()
    expect(unit_tree).not_to_contain_text("乙")
    expect(unit_tree).not_to_contain_text("测试省")
    # A manager only looks: no buttons to change the tree.
    expect(page.locator("#create-unit")).to_have_count(0)
    shot(page, "org-tree-city-manager")

    page.get_by_placeholder("按名称查找单位").fill("乙市")
    page.get_by_placeholder("按名称查找单位").press("Enter")
    expect(unit_tree).to_contain_text("没有名称含“乙市”的单位。")

    response = page.goto(live_server.url + tree.city_b.get_absolute_url())
    assert response.status == 404
    expect(page.locator("main")).to_contain_text("您要找的页面或记录不存在，或不在您的数据范围内。")
    shot(page, "not-found")


def test_the_unit_switcher_narrows_the_lists(page, live_server, users, tree):
    login(page, live_server, "sysadmin")
    page.goto(live_server.url + "/org/users/")
    table = page.locator("table tbody")
    expect(table.locator("tr")).to_have_count(7)
    # The switcher is a picker: 乙 lists 乙市 and 乙县 (the system administrator's scope holds them).
    ready(page)
    box = picker_box(page, "switch-unit")
    box.click()
    box.fill("乙")
    found = matches(page, "switch-unit")
    expect(found).to_have_count(2)
    expect(found).to_contain_text(["乙市", "乙县"])
    shot(page, "unit-switcher")
    with page.expect_navigation():
        found.first.click()
    expect(page).to_have_url(live_server.url + "/org/users/")
    expect(picker_box(page, "switch-unit")).to_have_value("乙市")
    expect(table.locator("tr")).to_have_count(1)
    expect(table).to_contain_text("b_assets")

    ready(page)
    picker_box(page, "switch-unit").click()  # the unit shown: the list starts with 全部 and the top units
    expect(matches(page, "switch-unit").first).to_have_text("全部（我的数据范围）")
    with page.expect_navigation():
        matches(page, "switch-unit").first.click()
    expect(table.locator("tr")).to_have_count(7)
