"""Home-page widgets of the assets module (首页): declared in ``AssetsConfig.ready()``.

Each provider reads the cards the user may view (``restrict(user, "view")``), so a city's asset
manager sees the figures of their city only. One query each, whatever the number of cards.
"""

from __future__ import annotations

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from jiguan.core import dashboard

from .depreciation import money
from .models import ZERO, Asset, AssetStatus


def open_cards(user):
    """Cards in the user's view scope that are still held (已处置 ones are history)."""
    return Asset.objects.restrict(user, "view").exclude(status=AssetStatus.DISPOSED)


def card_count(user) -> dict:
    """资产卡片: the cards held."""
    return dashboard.tile(open_cards(user).count(), unit=_("张"))


def original_value(user) -> dict:
    """原值合计: the original value of the cards held, to the cent."""
    total = open_cards(user).aggregate(total=Sum("original_value"))["total"]
    return dashboard.tile(money(total) if total is not None else ZERO, unit=_("元"))


def idle_count(user) -> dict:
    """闲置资产: idle cards, the first place to look before buying (调剂)."""
    return dashboard.tile(open_cards(user).filter(status=AssetStatus.IDLE).count(), unit=_("张"),
                          hint=_("配置新资产前优先调剂"))


def my_approvals(user) -> dict:
    """待我审批: asset documents waiting for the user's decision (routed to them, wherever they are)."""
    from jiguan.workflow.models import ApprovalRequest

    pending = ApprovalRequest.objects.todo_for(user).filter(business_type__startswith="assets.").count()
    return dashboard.tile(pending, unit=_("件"))


def status_chart(user) -> dict:
    """资产状态分布: the cards held by status, every status in its usual order (zeros included)."""
    found = dict(open_cards(user).values_list("status").annotate(n=Count("pk")).order_by())
    return dashboard.pie(_("资产卡片"), [(status.label, found.get(status.value, 0))
                                     for status in AssetStatus if status != AssetStatus.DISPOSED])
