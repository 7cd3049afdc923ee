"""Events for other systems (事件推送): the system administrator subscribes a receiving system, a
card is registered while that system is down, the delivery log shows the failed attempt, and
重新投递 delivers it once the system is back. Screenshots for the user guide (平台基础功能, 事件推送)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from jiguan.core.events.testing import Receiver
from jiguan.tests_browser.conftest import login, ready, shot
from jiguan.tests_browser.test_assets import register, standards  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

SECRET = "finance-bureau-secret-2026"


@pytest.fixture
def receiver():
    receiving = Receiver(SECRET)
    yield receiving
    receiving.close()


def test_the_administrator_subscribes_a_system_and_replays_what_it_missed(page, live_server, users, tree,
                                                                          standards, receiver):  # noqa: F811
    login(page, live_server, "sysadmin")
    page.locator("#sidebar").get_by_role("link", name="事件订阅").click()
    expect(page.locator("h1")).to_have_text("事件订阅")
    ready(page)
    page.get_by_role("link", name="新建").click()
    expect(page.locator("h1")).to_contain_text("事件订阅")
    ready(page)
    page.fill("#id_name", "资产账务系统")
    page.fill("#id_url", receiver.url)
    page.fill("#id_secret", "short")
    page.get_by_label("资产登记").check()
    page.get_by_label("资产处置完成").check()
    page.click("#submit")
    expect(page.locator("main form")).to_contain_text("签名密钥至少 16 个字符。")
    page.fill("#id_secret", SECRET)
    page.click("#submit")
    expect(page.locator("table tbody")).to_contain_text("资产账务系统")
    expect(page.locator("table tbody")).to_contain_text("资产处置完成、资产登记")
    shot(page, "events-subscribers")

    # The receiving system is down when 甲市's asset manager registers a computer.
    receiver.down()
    card = register(tree.city_a_dept, users["a_assets"])[0]
    assert receiver.received == [] and receiver.refused == 1

    page.locator("#delivery-log").click()
    expect(page.locator("h1")).to_have_text("事件投递记录")
    row = page.locator("table tbody tr", has_text=card.code)
    expect(row).to_contain_text("待投递")
    expect(row).to_contain_text("503")
    shot(page, "events-deliveries")

    receiver.up()
    row.get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("投递")
    ready(page)
    page.click("#replay")
    expect(page.locator(".alert-success")).to_contain_text("已重新投递。")
    expect(page.locator("main")).to_contain_text("已投递")
    expect(page.locator("main")).to_contain_text(re.compile(r"接收方返回 HTTP 503"))
    shot(page, "events-delivery")
    assert [e["event"]["kind"] for e in receiver.received] == ["assets.asset.registered"]
    assert receiver.received[0]["event"]["data"]["code"] == card.code
