"""领用申请 in the browser (issue 19 self-service): a member of staff opens 我的服务 on the home page,
finds the idle chair of their agency by its pinyin initials, asks for it with its use, and the
agency's asset manager is told."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jiguan.core.context import acting_as
from jiguan.tests_browser.conftest import login, shot

pytestmark = pytest.mark.browser


def test_staff_ask_for_an_idle_chair_from_the_home_page(phone_page, live_server, users, tree):
    from django.apps import apps

    from jiguan.assets import services
    from jiguan.assets.standards_data import ensure
    from jiguan.notifications.models import Notification

    ensure(apps)
    with acting_as(users["a_assets"]):
        chair = services.asset_register(
            owner_unit=tree.city_a_agency, count=1, on=timezone.localdate(), name="办公椅", class_code="A05010000",
            original_value=Decimal("800.00"), acquisition_method="purchase", acquired_on=timezone.localdate(),
            funding_source="fiscal", status="idle", location="负一楼库房")[0]
    page = phone_page
    login(page, live_server, "staff")
    with page.expect_navigation():
        page.locator("#service-assetsrequisition").click()
    expect(page.locator("h1")).to_have_text("领用申请")
    page.fill("#requisition-q", "bgy")
    with page.expect_navigation():
        page.get_by_role("button", name="查找").click()
    card = page.locator(f"#idle-{chair.pk}")
    expect(card).to_contain_text("办公椅")
    expect(card).to_contain_text("负一楼库房")
    card.locator("input[name=reason]").fill("新入职人员办公使用")
    shot(page, "requisition-phone")
    with page.expect_navigation():
        card.get_by_role("button", name="申请领用").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已提交领用申请：{chair.code} 办公椅")
    told = Notification.objects.get(recipient=users["a_assets"], title=f"领用申请：{chair.code} 办公椅")
    assert "新入职人员办公使用" in told.body
