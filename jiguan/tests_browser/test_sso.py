"""Signing in with the province's directory in the browser (issue 18, acceptance 4): the login page
says 单位目录登录, a directory user signs in with the directory password and the page shows their
unit; a disabled directory account is refused in Chinese. Against a real slapd
(jiguan/org/tests/slapd.py)."""

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from jiguan.org.models import OrgUnit
from jiguan.org.tests import slapd as slapd_server
from jiguan.tests_browser.conftest import ready, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def slapd():
    missing = slapd_server.available()
    if missing:
        pytest.skip(f"the LDAP sign-in journey needs Debian's slapd: {missing}")
    server = slapd_server.start()
    yield server
    server.stop()


def test_a_directory_user_signs_in_and_lands_in_their_unit(page, live_server, users, tree, slapd):
    OrgUnit.objects.filter(pk=tree.city_a_agency.pk).update(credit_code=slapd_server.CODE_A)
    with override_settings(JIGUAN_LDAP=slapd.settings()):
        page.goto(live_server.url + "/login/")
        expect(page.locator("#directory-login")).to_contain_text("单位目录登录")
        page.fill("#id_username", "wangwu")
        page.fill("#id_password", slapd_server.DIRECTORY_PASSWORD)
        page.click("#login-submit")
        expect(page.locator("#login-error")).to_have_text(
            "您的单位目录账号已停用，不能登录。如有疑问请联系本单位人事或信息部门。")

        page.fill("#id_username", "zhangsan")
        page.fill("#id_password", slapd_server.DIRECTORY_PASSWORD)
        shot(page, "login-directory")
        page.click("#login-submit")
        expect(page).to_have_url(live_server.url + "/")
        expect(page.locator("h1")).to_have_text("您好，张三")
        ready(page)
        page.click("#user-menu")
        expect(page.locator(".dropdown-menu .dropdown-item-text")).to_have_text("甲市机关事务管理局")
