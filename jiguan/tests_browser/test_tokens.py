"""API tokens (API 令牌) as the person who connects another system: issue one per system from the
account menu, copy it once, call the API with it, revoke it."""

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from jiguan.tests_browser.conftest import login, ready, shot

pytestmark = pytest.mark.browser


def api_get(url: str, token: str) -> tuple[int, dict]:
    """What another system sees: a request of its own, with the token and no browser cookie."""
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_issue_use_and_revoke_a_named_token(page, live_server, users):
    login(page, live_server, "prov_assets")
    page.click("#user-menu")
    page.get_by_role("link", name="API 令牌").click()
    expect(page.locator("h1")).to_have_text("API 令牌")
    expect(page.locator("#token-table")).to_contain_text("还没有令牌。")
    ready(page)

    page.fill("#id_name", "预算管理一体化系统")
    page.fill("#id_days", "30")
    page.get_by_role("button", name="签发令牌").click()
    expect(page.locator("#issued-token")).to_contain_text("已签发令牌“预算管理一体化系统”，请立即复制保存")
    plain = page.locator("#issued-token-value").inner_text().strip()
    assert len(plain) >= 40
    row = page.locator("#token-table tbody tr", has_text="预算管理一体化系统")
    expect(row).to_contain_text("有效")
    expect(row.locator("code")).to_have_text(re.compile(re.escape(plain[:10])))
    shot(page, "account-tokens")

    status, _body = api_get(live_server.url + "/api/v1/assets/", plain)
    assert status == 200

    # Leaving the page, the token cannot be seen again: only its first characters are listed.
    page.reload()
    expect(page.locator("#issued-token")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(plain)

    row.get_by_role("button", name="撤销").click()
    expect(page.locator("#token-table tbody tr", has_text="预算管理一体化系统")).to_contain_text("已撤销")
    status, body = api_get(live_server.url + "/api/v1/assets/", plain)
    assert status == 401
    assert body["error"]["code"] == "authentication_failed"
