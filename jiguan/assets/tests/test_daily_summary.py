"""The assets section of the daily summary (每日汇总, jiguan.assets.digest): each asset manager's
registrations and disposals of the day, within their own scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiguan.assets import services
from jiguan.assets.digest import changes_section
from jiguan.assets.models import Asset
from jiguan.core.context import acting_as
from jiguan.notifications import digest
from jiguan.notifications.models import Notification

from .conftest import decide

pytestmark = pytest.mark.django_db


def line_of(section, user) -> str:
    [line] = section[user.pk]
    return line.text


def test_each_manager_is_told_the_days_registrations_and_disposals_of_their_scope(
        tree, users, leaders, asset_flows, register, django_capture_on_commit_callbacks):
    a_cards = register(tree.city_a_agency, count=2, actor=users["a_assets"])
    register(tree.city_b_agency, actor=users["b_assets"])
    yesterdays = register(tree.city_b_agency, actor=users["b_assets"])
    Asset.objects.filter(pk=yesterdays.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[a_cards[0].pk], method="scrap",
                                            reason_code="obsolete", reason="无法维修", actor=users["a_assets"])
    decide(disposal, leaders["leader"], django_capture_on_commit_callbacks)

    today = changes_section(timezone.localdate())
    assert line_of(today, users["a_assets"]) == "当日资产：新登记 2 张卡片，处置 1 张"
    assert line_of(today, users["b_assets"]) == "当日资产：新登记 1 张卡片，处置 0 张"
    assert line_of(today, users["prov_assets"]) == "当日资产：新登记 3 张卡片，处置 1 张"
    assert users["staff"].pk not in today and users["sysadmin"].pk not in today
    # Yesterday: the one card registered then, for city B and the province only.
    before = changes_section(timezone.localdate() - dt.timedelta(days=1))
    assert set(before) == {users["b_assets"].pk, users["prov_assets"].pk}
    assert line_of(before, users["b_assets"]) == "当日资产：新登记 1 张卡片，处置 0 张"

    digest.daily_summary(day=timezone.localdate())
    [summary] = Notification.objects.filter(recipient=users["b_assets"], title__startswith="每日汇总")
    assert "新登记 1 张卡片" in summary.body and summary.url == "/assets/"
