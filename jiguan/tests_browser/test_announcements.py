"""通知公告 in the browser (issue 19): 甲市's publisher publishes a pinned notice on the page; a member
of staff of 甲市资产管理科 finds it on their home page and opens it."""

import pytest
from playwright.sync_api import expect

from jiguan.core.testing import make_user
from jiguan.tests_browser.conftest import login, shot
from jiguan.tests_browser.pickers import pick

pytestmark = pytest.mark.browser


def test_a_notice_published_on_the_page_reaches_the_staff_home_page(new_page, live_server, users, tree):
    make_user("a_announcer", tree.city_a_agency, [("announcer", tree.city_a, True)], full_name="郑洁")
    page = new_page()
    login(page, live_server, "a_announcer")
    page.goto(live_server.url + "/notifications/announcements/new/")
    expect(page.locator("h1")).to_have_text("发布公告")
    pick(page, "id_unit", "甲市", "甲市")
    page.fill("#id_title", "关于做好年度资产清查的通知")
    page.fill("#id_body", "请各单位于12月20日前完成清查，闲置资产在系统中标记为“闲置”。")
    page.check("#id_pinned")
    shot(page, "announcement-form")
    page.click("#submit")
    expect(page.locator(".alert-success")).to_contain_text("公告已发布。")
    expect(page.locator("#announcement h1")).to_contain_text("关于做好年度资产清查的通知")

    staff = new_page()
    login(staff, live_server, "staff")
    panel = staff.locator("#home-announcements")
    expect(panel).to_contain_text("关于做好年度资产清查的通知")
    expect(panel).to_contain_text("置顶")
    shot(staff, "home-announcements")
    with staff.expect_navigation():
        panel.get_by_role("link", name="关于做好年度资产清查的通知").click()
    expect(staff.locator(".announcement-body")).to_contain_text("12月20日前完成清查")
    expect(staff.locator("#announcement-withdraw")).to_have_count(0)
