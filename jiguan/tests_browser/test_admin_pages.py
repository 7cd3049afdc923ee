"""Users, roles and role assignments: the pages of the system and the security administrators."""

import re

import pytest
from playwright.sync_api import expect

from jiguan.tests_browser.conftest import login, shot
from jiguan.tests_browser.pickers import pick

pytestmark = pytest.mark.browser


def test_system_administrator_lists_users_and_opens_one(page, live_server, users, tree):
    login(page, live_server, "sysadmin")
    page.locator("#sidebar").get_by_role("link", name="用户").click()
    expect(page.locator("h1")).to_have_text("用户")
    expect(page.locator("table tbody tr")).to_have_count(len(users))
    shot(page, "users")
    page.get_by_role("link", name="a_assets").click()
    expect(page.locator("h1")).to_contain_text("陈静 a_assets")
    expect(page.locator("dl.fields")).to_contain_text(tree.city_a_dept.name)
    # The header still shows who is signed in, not the user being looked at.
    expect(page.locator("#user-menu")).to_have_text(re.compile(r"张伟"))
    shot(page, "user-detail")
    page.goto(live_server.url + "/org/users/new/")
    expect(page.locator("h1")).to_have_text("新建用户")
    shot(page, "user-form")


def test_security_administrator_grants_roles_and_separation_of_duties_is_enforced(page, live_server, users, tree):
    login(page, live_server, "secadmin")
    nav = page.locator("#sidebar")
    nav.get_by_role("link", name=re.compile(r"角色$")).click()
    expect(page.locator("table tbody")).to_contain_text("系统管理员")
    expect(page.locator("table tbody")).to_contain_text("审计管理员")
    shot(page, "roles")
    page.get_by_role("link", name="审计管理员").click()
    expect(page.locator("h1")).to_contain_text("审计管理员")
    shot(page, "role-detail")

    nav.get_by_role("link", name="角色授权").click()
    expect(page.locator("table tbody")).to_contain_text("sysadmin")
    shot(page, "role-assignments")

    # 三员分立: the system administrator cannot also be the audit administrator.
    page.get_by_role("link", name="新建").click()
    pick(page, "id_user", "张伟", "张伟（sysadmin）")
    page.select_option("#id_role", label="审计管理员")
    pick(page, "id_unit", tree.province.name)
    page.click("#submit")
    expect(page.locator("main form")).to_contain_text("三员分立：张伟 已担任“系统管理员”，不能再担任“审计管理员”。")
    shot(page, "role-assignment-refused")

    # An ordinary grant goes through and shows in the list.
    pick(page, "id_user", "赵磊", "赵磊（staff）")
    page.select_option("#id_role", label="资产管理员")
    pick(page, "id_unit", tree.city_a_dept.name)
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("已授权。")
    expect(page.locator("#user-menu")).to_have_text(re.compile(r"李娜"))
    expect(page.locator("main")).to_contain_text(f"资产管理员 · {tree.city_a_dept.name}")
