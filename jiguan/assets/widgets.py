"""Home-page widgets of the assets module (首页工作台): declared in ``AssetsConfig.ready()``.

Each provider receives the kernel's ``dashboard.Board`` (the user and the unit the page looks at) and
reads what the user may read: the figures of value (cards, 原值, 净值, by class, by unit) come from the
资产汇总表 (``selectors.asset_summary``, maintained per owning unit on PostgreSQL, so a province's
home page reads units × classes rather than a million cards), read once per page through
``board.memo``; the status figures from the cards the user may view (``restrict(user, "view")``),
one indexed grouped query each. So a city's asset manager sees the figures of their city only, and
a province leader clicks a city's bar to see that city, unit by unit.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.core import dashboard

from . import selectors
from .depreciation import money
from .models import ZERO, Asset, AssetStatus

UNITS_SHOWN = 12  # bars of the by-unit chart; the rest are summed into 其他


def _unit_filter(board) -> dict:
    """The card list's filter for the board's unit (its subtree), when the page looks at one."""
    return {"owner": board.unit.pk} if board.unit is not None else {}


def open_cards(board):
    """Cards in the user's view scope (and the board's unit) that are still held (已处置 is history)."""
    cards = Asset.objects.restrict(board.user, "view").exclude(status=AssetStatus.DISPOSED)
    if board.unit is not None:
        cards = cards.filter(owner_unit__path__startswith=board.unit.path)
    return cards


def summary(board):
    """The 资产汇总表 of the board's unit (or the top of the user's report scope) today, by 门类."""
    def compute():
        unit = board.unit if board.unit is not None else selectors.default_report_unit(board.user)
        if unit is None:
            return None
        return selectors.asset_summary(board.user, unit, timezone.localdate(), level=3)

    return board.memo("assets.summary", compute)


def statuses(board) -> dict[str, int]:
    """Held cards by status: one grouped query on the status index, shared by the tiles and the chart."""
    return board.memo("assets.statuses", lambda: dict(
        open_cards(board).values_list("status").annotate(n=Count("pk")).order_by()))


def card_count(board) -> dict | None:
    """资产卡片: the cards held."""
    figures = summary(board)
    if figures is None:
        return None
    return dashboard.tile(figures.total.count, unit=_("张"), query=_unit_filter(board))


def original_value(board) -> dict | None:
    """原值合计: the original value of the cards held, to the cent."""
    figures = summary(board)
    if figures is None:
        return None
    return dashboard.amount(money(figures.total.original_value), query=_unit_filter(board))


def net_value(board) -> dict | None:
    """净值合计: original value less the depreciation accumulated to this month."""
    figures = summary(board)
    if figures is None:
        return None
    return dashboard.amount(money(figures.total.net_value), query=_unit_filter(board), hint=_("原值减累计折旧"))


def idle_count(board) -> dict:
    """闲置资产: idle cards, the first place to look before buying (调剂)."""
    return dashboard.tile(statuses(board).get(AssetStatus.IDLE, 0), unit=_("张"), hint=_("配置新资产前优先调剂"),
                          query={**_unit_filter(board), "status": AssetStatus.IDLE})


def pending_disposal_count(board) -> dict:
    """待处置: cards in a disposal not yet completed."""
    return dashboard.tile(statuses(board).get(AssetStatus.PENDING_DISPOSAL, 0), unit=_("张"),
                          query={**_unit_filter(board), "status": AssetStatus.PENDING_DISPOSAL})


def added_this_month(board) -> dict:
    """本月新增: cards acquired since the first of this month (the acquisition date's index)."""
    first = timezone.localdate().replace(day=1)
    count = open_cards(board).filter(acquired_on__gte=first).count()
    return dashboard.tile(count, unit=_("张"), hint=_("按取得日期"),
                          query={**_unit_filter(board), "acquired_from": first.isoformat()})


def my_cards(board) -> dict | None:
    """我的资产: the cards I use (使用人), whatever my role; nothing shown when I use none."""
    count = Asset.objects.filter(user=board.user).exclude(status=AssetStatus.DISPOSED).count()
    if not count:
        return None
    return dashboard.tile(count, unit=_("件"))


def status_chart(board) -> dict:
    """资产状态分布: the cards held by status, every status in its usual order (zeros included)."""
    found = statuses(board)
    return dashboard.pie(_("资产卡片"), [(status.label, found.get(status.value, 0))
                                     for status in AssetStatus if status != AssetStatus.DISPOSED])


def class_chart(board) -> dict | None:
    """原值按门类: the original value of the cards held by GB/T 14885 门类 (土地、房屋、设备…)."""
    figures = summary(board)
    if figures is None:
        return None
    by_class, names = defaultdict(lambda: ZERO), {}
    for row in figures.rows:
        if row.kind == selectors.ROW:
            by_class[row.class_code] += row.original_value
            names[row.class_code] = row.class_name or row.class_code
    items = sorted(by_class.items(), key=lambda item: -item[1])
    return dashboard.pie(_("原值（元）"), [(names[code], money(value)) for code, value in items])


def unit_chart(board) -> dict | None:
    """原值按单位: the original value held by each unit directly below the board's unit, largest first;
    a bar drills down to its unit (本级 is the unit's own cards)."""
    figures = summary(board)
    if figures is None:
        return None
    by_unit, names = defaultdict(lambda: ZERO), {}
    for row in figures.rows:
        if row.kind == selectors.ROW:
            by_unit[row.unit.pk] += row.original_value
            names[row.unit.pk] = row.unit_name
    own = figures.unit.pk
    ranked = sorted(by_unit.items(), key=lambda item: -item[1])
    shown, rest = ranked[:UNITS_SHOWN], ranked[UNITS_SHOWN:]
    items = [(names[pk], money(value), pk if pk != own else None) for pk, value in shown]
    if rest:
        items.append((_("其他 %(n)s 个单位") % {"n": len(rest)}, money(sum(v for _pk, v in rest)), None))
    return dashboard.bars(_("原值（元）"), items, horizontal=True)


def _months_back(today: date, n: int) -> list[date]:
    months, year, month = [], today.year, today.month
    for _i in range(n):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def trend_chart(board) -> dict:
    """近12个月新增: cards acquired and their original value per month, this month included (one
    grouped query over the acquisition date's index)."""
    months = _months_back(timezone.localdate(), 12)
    found = {}
    for month, n, value in (open_cards(board).filter(acquired_on__gte=months[0])
                            .annotate(month=TruncMonth("acquired_on")).values_list("month")
                            .annotate(n=Count("pk"), value=Sum("original_value")).order_by()):
        key = month.date() if hasattr(month, "date") else month
        found[(key.year, key.month)] = (n, money(value) if value is not None else ZERO)
    counts = [found.get((m.year, m.month), (0, ZERO))[0] for m in months]
    values = [found.get((m.year, m.month), (0, ZERO))[1] for m in months]
    chart = dashboard.line([(_("新增卡片（张）"), counts), (_("新增原值（元）"), values)],
                           [f"{m.year}-{m.month:02d}" for m in months])
    # Two scales: cards on the left, yuan on the right.
    chart["yAxis"] = [{"type": "value", "name": _("张")}, {"type": "value", "name": _("元")}]
    chart["series"][1]["yAxisIndex"] = 1
    return chart

