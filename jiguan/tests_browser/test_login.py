"""Signing in and the shell around every page."""

import re

import pytest
from playwright.sync_api import expect

from jiguan.core.testing import PASSWORD
from jiguan.tests_browser.conftest import login, logout, ready, shot

pytestmark = pytest.mark.browser

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def test_login_page_is_chinese_and_a_wrong_password_is_refused_in_chinese(page, live_server, users):
    page.goto(live_server.url + "/login/")
    expect(page).to_have_title(re.compile("登录"))
    assert page.get_attribute("html", "lang") == "zh-hans"
    expect(page.locator("label[for=id_username]")).to_contain_text("用户名")
    expect(page.locator("label[for=id_password]")).to_contain_text("密码")
    expect(page.locator("#login-submit")).to_have_text("登录")
    assert not LATIN_WORD.search(page.inner_text("body")), page.inner_text("body")
    shot(page, "login")

    page.fill("#id_username", "sysadmin")
    page.fill("#id_password", "not-the-password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_contain_text("用户名或密码错误，再错 4 次账号将被锁定。")
    expect(page).to_have_url(re.compile("/login/$"))
    shot(page, "login-error")

    page.fill("#id_password", "")
    page.click("#login-submit")
    expect(page.locator("#id_password + .invalid-feedback")).to_have_text("该字段是必填项。")


def test_system_administrator_signs_in_and_sees_the_shell(page, live_server, users):
    login(page, live_server, "sysadmin")
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("您好，张伟")
    nav = page.locator("#sidebar")
    expect(nav.get_by_role("link", name="组织机构")).to_be_visible()
    expect(nav.get_by_role("link", name="用户")).to_be_visible()
    # 三员分立: the system administrator neither grants roles nor reads the audit log.
    expect(nav.get_by_role("link", name="审计日志")).to_have_count(0)
    expect(nav.get_by_role("link", name="角色授权")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("系统管理员 · 测试省（本单位及下级）")
    # The unit switcher (a picker): clicked, it lists 全部 and the top of the scope, shallower first.
    ready(page)
    page.locator("#switch-unit_text").click()
    options = page.locator("#switch-unit_list [role=option] > div:first-child")
    expect(options).to_have_text(["全部（我的数据范围）", "测试省", "甲市", "乙市", "甲县", "乙县"])
    page.keyboard.press("Escape")
    shot(page, "home")

    page.click("#user-menu")
    expect(page.get_by_role("link", name="修改密码")).to_be_visible()
    shot(page, "user-menu", full_page=False)
    page.keyboard.press("Escape")
    logout(page)
    expect(page.locator("#login-submit")).to_be_visible()


def test_a_page_asked_for_before_signing_in_opens_after_signing_in(page, live_server, users):
    page.goto(live_server.url + "/org/units/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/org/units/$"))
    page.fill("#id_username", "a_assets")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    expect(page).to_have_url(live_server.url + "/org/units/")
    expect(page.locator("h1")).to_have_text("组织机构")
