"""The assets section of the daily summary (每日汇总, jiguan.notifications.digest): for each asset
manager (资产管理员), the cards registered and disposed of on the day within their scope.

Two grouped queries over the day's cards, read through ``assets_updated (updated_at, id)``: a card
registered or disposed of that day was updated at or after the day's start. A scope is summed from the
per-unit counts with the manager's assignments (their unit, with its subtree or not), so nested
assignments count a card once."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.notifications.digest import Line
from jiguan.org.models import RoleAssignment

from .models import Asset, AssetStatus

MANAGER_ROLE = "asset_manager"


def _per_unit(queryset) -> Counter:
    return Counter({row["owner_unit__path"]: row["n"] for row in
                    queryset.order_by().values("owner_unit__path").annotate(n=Count("pk"))})


def changes_section(day: dt.date) -> dict[int, list[Line]]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    today = Asset.objects.filter(updated_at__gte=start)
    registered = _per_unit(today.filter(created_at__gte=start, created_at__lt=end))
    disposed = _per_unit(today.filter(status=AssetStatus.DISPOSED, disposed_on=day))
    if not registered and not disposed:
        return {}
    scopes: dict[int, list[tuple[str, bool]]] = {}
    for a in RoleAssignment.objects.filter(role__code=MANAGER_ROLE, role__is_active=True, user__is_active=True) \
            .values("user_id", "unit__path", "include_descendants"):
        scopes.setdefault(a["user_id"], []).append((a["unit__path"], a["include_descendants"]))
    url = reverse("assets:asset_list")
    lines = {}
    for user_id, scope in scopes.items():
        def covered(path, scope=scope):
            return any(path == unit or (subtree and path.startswith(unit)) for unit, subtree in scope)

        r = sum(n for path, n in registered.items() if covered(path))
        d = sum(n for path, n in disposed.items() if covered(path))
        if r or d:
            lines[user_id] = [Line(_("当日资产：新登记 %(r)d 张卡片，处置 %(d)d 张") % {"r": r, "d": d}, url)]
    return lines
