"""The audit administrator reads what the system administrator did."""

import pytest
from playwright.sync_api import expect

from jiguan.tests_browser.conftest import login, logout, shot
from jiguan.tests_browser.test_org import NEW_UNIT, create_unit, move_unit

pytestmark = pytest.mark.browser


def test_audit_administrator_finds_the_creation_and_the_move_of_a_unit(page, live_server, users, tree):
    login(page, live_server, "sysadmin")
    unit = create_unit(page, live_server, tree.city_a)
    move_unit(page, live_server, unit, tree.city_b)
    logout(page)

    login(page, live_server, "auditor")
    nav = page.locator("#sidebar")
    # 三员分立: the audit administrator sees the audit log and nothing else.
    expect(nav.get_by_role("link", name="组织机构")).to_have_count(0)
    nav.get_by_role("link", name="审计日志").click()
    expect(page.locator(".breadcrumb")).to_contain_text("审计日志")
    expect(page.locator("h1")).to_have_text("审计日志")
    # Newest first: the sign-in of the auditor, the sign-out of the administrator, the move, ...
    expect(page.locator("table tbody tr").first).to_contain_text("auditor")
    shot(page, "audit-list")

    page.fill("#id_object_id", str(unit.pk))
    page.locator("form[role=search]").get_by_role("button", name="筛选", exact=True).click()
    rows = page.locator("table tbody tr", has_text=NEW_UNIT)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("移动")
    expect(rows.nth(0)).to_contain_text("sysadmin")
    expect(rows.nth(1)).to_contain_text("新增")
    shot(page, "audit-list-filtered")

    rows.nth(0).locator("a").first.click()
    expect(page.locator("h1")).to_contain_text("审计记录")
    expect(page.locator("h1 .badge")).to_have_text("成功")
    details = page.locator("dl.fields")
    expect(details).to_contain_text("移动")
    expect(details).to_contain_text(NEW_UNIT)
    expect(details).to_contain_text("从 甲市 移至 乙市")
    before = page.locator("h2", has_text="修改前").locator("xpath=following-sibling::pre[1]")
    after = page.locator("h2", has_text="修改后").locator("xpath=following-sibling::pre[1]")
    expect(before).to_contain_text(f'"parent": {tree.city_a.pk}')
    expect(before).to_contain_text(f'"path": "{tree.city_a.path}{unit.pk}/"')
    expect(after).to_contain_text(f'"parent": {tree.city_b.pk}')
    expect(after).to_contain_text(f'"path": "{tree.city_b.path}{unit.pk}/"')
    shot(page, "audit-detail")

    page.go_back()
    rows.nth(1).locator("a").first.click()
    expect(page.locator("dl.fields")).to_contain_text("新增")
    expect(page.locator("h2", has_text="修改后").locator("xpath=following-sibling::pre[1]")).to_contain_text(NEW_UNIT)


def test_audit_administrator_cannot_open_the_org_pages(page, live_server, users, tree):
    login(page, live_server, "auditor")
    response = page.goto(live_server.url + "/org/units/")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("没有权限")
    expect(page.locator("main")).to_contain_text("您没有访问此页面或执行此操作的权限。")
    shot(page, "forbidden")
