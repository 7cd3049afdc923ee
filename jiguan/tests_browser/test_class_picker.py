"""The class picker in the browser (资产分类选择, issue 19): on the register form the user types 台式,
sees 台式计算机 with its place in GB/T 14885-2022 and its code, takes it, and the form carries the code."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jiguan.tests_browser.conftest import login
from jiguan.tests_browser.pickers import matches, pick
from jiguan.tests_browser.test_assets import standards  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

DESKTOP = "A02010105 设备 / 信息化设备 / 计算机 / 台式计算机"


def test_type_tai_shi_and_take_the_desktop_computer(page, live_server, users, standards):  # noqa: F811
    login(page, live_server, "a_assets")
    page.goto(live_server.url + reverse("assets:asset_create"))
    expect(page.locator("h1")).to_have_text("资产登记")
    expect(page.locator("select#id_class_code")).to_have_count(0)  # no list of every class any more

    pick(page, "id_class_code", "台式", "台式计算机")
    expect(page.locator("#id_class_code")).to_have_value("A02010105")
    expect(page.locator("#id_class_code_path")).to_have_text(DESKTOP)

    # Typing again lists the match with its code and path, the one chosen in bold.
    page.locator("#id_class_code_text").fill("台式")
    option = matches(page, "id_class_code").first
    expect(option).to_contain_text(DESKTOP)
    expect(option).to_have_class("dropdown-item text-wrap fw-semibold")
