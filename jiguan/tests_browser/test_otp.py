"""The administrators' second factor (动态口令) in the browser: the step after the password, a wrong
code refused in Chinese, the right one signs in; the account page changes the device."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from jiguan.core.testing import PASSWORD
from jiguan.org import otp
from jiguan.tests_browser.conftest import otp_code, ready, shot

pytestmark = pytest.mark.browser


def test_an_administrator_signs_in_with_password_then_code(page, live_server, users):
    code = otp_code("secadmin")
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "secadmin")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("h1")).to_have_text("第二步：动态口令")
    expect(page).to_have_url(re.compile("/login/otp/$"))
    expect(page.locator("label[for=id_code]")).to_contain_text("动态口令")
    shot(page, "login-otp")

    page.fill("#id_code", "000000" if code != "000000" else "111111")
    page.click("#otp-submit")
    expect(page.locator("#login-error")).to_have_text("动态口令错误，再错 4 次账号将被锁定。")
    page.fill("#id_code", code)
    page.click("#otp-submit")
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("您好，李娜")
    ready(page)

    # The account page: a code of the current device, then the new device's QR code and a code of it.
    page.goto(live_server.url + "/password/")
    page.click("#otp-device-link")
    expect(page.locator("h2")).to_have_text("第一步：输入当前设备的动态口令")
    page.fill("#id_code", otp_code("secadmin"))
    page.click("#otp-device-submit")
    expect(page.locator("#otp-qr svg")).to_be_visible()
    shot(page, "otp-device")
    new_secret = page.inner_text("#otp-secret")
    page.fill("#id_code", pyotp.TOTP(new_secret, interval=otp.INTERVAL).at(time.time()))
    page.click("#otp-device-submit")
    expect(page.locator(".alert-success")).to_contain_text("动态口令设备已更换")
