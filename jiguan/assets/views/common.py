"""Helpers shared by the assets pages: section titles, htmx detection, net values, approval panel
context, month and id parsing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, ExpressionWrapper, F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.core.validators import parse_ids
from jiguan.standards.selectors import StandardNotFound, standard_value
from jiguan.workflow.documents.views import approval_context  # noqa: F401 - the kernel's, for the card page

from .. import depreciation, forms
from ..models import (
    MONEY,
    period_of,
)
from ..tables import yuan

ASSETS = gettext_lazy("资产卡片")
TRANSFERS = gettext_lazy("资产调拨")
DISPOSALS = gettext_lazy("资产处置")
VALUE_CHANGES = gettext_lazy("价值调整")
CONFIGURATIONS = gettext_lazy("配置申请")
RUNS = gettext_lazy("折旧计提")
MINE = gettext_lazy("我的资产")


def card_refusal(user) -> Exception:
    """What a card the user may not open answers (``policies.card_view``): 403 to someone who may view
    no card anywhere (only their own, as 使用人), a 404 to a viewer (outside the scope is not found)."""
    if not user.has_perm("assets.view_asset"):
        return PermissionDenied(_("您没有执行此操作的权限。"))
    return Http404(_("记录不存在，或不在您的数据范围内。"))


def cards_home(user) -> tuple[str, str]:
    """Where a card page's breadcrumb leads back to: the card list for viewers, 我的资产 for a card's
    own user who may view no list."""
    if user.has_perm("assets.view_asset"):
        return ASSETS, reverse("assets:asset_list")
    return MINE, reverse("assets:mine")


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def with_net_value(queryset, period: int):
    """Annotate ``accumulated`` and ``net_value`` at the end of ``period``: one SQL expression over
    the rows fetched (a page, or an export), never a Python loop."""
    money_field = DecimalField(**MONEY)
    return queryset.annotate(accumulated=depreciation.accumulated_column(period)).annotate(
        net_value=ExpressionWrapper(F("original_value") - F("accumulated"), output_field=money_field))


def month_of(request) -> int:
    """The month a page is about: ``?month=YYYY-MM``, default this month."""
    return forms.parse_month(request.GET.get("month", "")) or period_of(timezone.localdate())


def with_value_text(objects, field: str = "original_value"):
    """Give each object ``value_text``: its money field grouped for the page (6,000.00)."""
    for obj in objects:
        obj.value_text = yuan(getattr(obj, field))
    return objects


def ids_from(values) -> list[int]:
    """Card ids from ``?assets=1,2,3`` and/or repeated ``assets`` parameters."""
    return parse_ids(values, limit=1000)


def standard_name(table: str, key: str, on) -> str:
    if not key:
        return ""
    try:
        return standard_value(table, key, on).name
    except StandardNotFound:
        return ""
