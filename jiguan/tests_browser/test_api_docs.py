"""The API documentation page (Swagger UI from drf-spectacular-sidecar): served from the platform itself."""

import pytest
from playwright.sync_api import expect

from jiguan.tests_browser.conftest import login, shot

pytestmark = pytest.mark.browser


def test_api_docs_render_for_a_signed_in_user_without_leaving_the_machine(page, live_server, users, traffic):
    login(page, live_server, "sysadmin")
    page.goto(live_server.url + "/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("机关事务一体化管理平台")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    # A few hundred operations are rendered as the list scrolls (virtualised): the filter box narrows
    # them to one tag, as a reader looking for the organisation API would.
    page.locator(".operation-filter-input").fill("org")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/org/units/").first).to_be_visible()
    page.locator(".operation-filter-input").fill("auth")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/auth/token/")).to_be_visible()
    page.locator(".operation-filter-input").fill("org")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/org/units/").first).to_be_visible()
    # Swagger UI's scripts, styles and the schema all come from the platform.
    static = [r for r in traffic.requests if "swagger-ui" in r]
    assert static and all(live_server.url in r for r in static), traffic.requests
    assert any("/api/v1/schema/" in r for r in traffic.requests), traffic.requests
    shot(page, "api-docs", full_page=False)

    # One operation opened: the parameters and responses are documented.
    page.locator(".opblock-summary-path", has_text="/api/v1/org/units/").first.click()
    expect(page.locator(".opblock.is-open .parameters-container")).to_be_visible()
