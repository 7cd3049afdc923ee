"""使用统计: the figures of ``meetings.stats`` for the rooms in the user's report scope (narrowed by
the unit switcher and a unit filter), a period, charts and an Excel export."""

from __future__ import annotations

import datetime
import io

from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from openpyxl import Workbook

from jiguan.core.exports import export_subtitle, xlsx_response
from jiguan.core.views import ScopedViewMixin

from .. import stats as room_stats
from ..models import Room

STATS = gettext_lazy("会议室使用统计")


class StatsView(ScopedViewMixin, View):
    model = Room
    action = "report"
    breadcrumbs = [(STATS, None)]

    def period(self):
        today = timezone.localdate()
        first = parse_date(self.request.GET.get("from") or "") or today.replace(day=1)
        last = parse_date(self.request.GET.get("to") or "") or today
        if last < first:
            first, last = last, first
        if (last - first).days > 366:
            first = last - datetime.timedelta(days=366)
        return first, last

    def get(self, request):
        first, last = self.period()
        figures = room_stats.stats(self.get_queryset(), first, last)
        if request.GET.get("export") == "xlsx":
            return xlsx_response(self.workbook(figures), _("会议室使用统计"))
        top = sorted(figures.rooms, key=lambda r: -r.occupancy)[:15]
        charts = {
            "occupancy": {"title": {"text": _("使用率（%）"), "left": 0, "textStyle": {"fontSize": 13}},
                          "xAxis": {"type": "value", "max": 100}, "yAxis": {"type": "category", "inverse": True,
                                                                             "data": [r.room.name for r in top]},
                          "series": [{"type": "bar", "name": _("使用率"), "data": [r.occupancy for r in top]}]},
            "units": {"title": {"text": _("各单位预订时长（小时）"), "left": 0, "textStyle": {"fontSize": 13}},
                      "series": [{"type": "pie", "name": _("预订时长"),
                                  "data": [{"name": u, "value": h} for u, _n, h in figures.units[:10]]}]},
        }
        context = {"title": STATS, "figures": figures, "totals": figures.totals, "first": first, "last": last,
                   "charts": [(f"chart-{k}", v) for k, v in charts.items()]
                   if figures.rooms else [], "breadcrumbs": self.get_breadcrumbs(), "opts": Room._meta}
        return render(request, "meetings/stats.html", context)

    def workbook(self, figures) -> bytes:
        wb = Workbook()
        subtitle = export_subtitle(conditions=_("统计期间：%(a)s 至 %(b)s") % {
            "a": figures.first.isoformat(), "b": figures.last.isoformat()})
        sheets = [
            (_("会议室"), [_("办公区"), _("会议室"), _("开放时长（小时）"), _("预订时长（小时）"), _("使用率（%）"),
                          _("预订场次"), _("未签到释放"), _("取消")],
             [[r.room.compound.name, r.room.name, r.open_hours, r.booked_hours, r.occupancy, r.bookings, r.no_shows,
               r.cancelled] for r in figures.rooms]),
            (_("按单位"), [_("预订单位"), _("预订场次"), _("预订时长（小时）")], [list(u) for u in figures.units]),
            (_("会务服务"), [_("服务项目"), _("提出"), _("完成")], [list(s) for s in figures.services]),
        ]
        wb.remove(wb.active)
        for name, header, rows in sheets:
            ws = wb.create_sheet(str(name))
            ws.append([str(STATS) + " · " + str(name)])
            ws.append([subtitle])
            ws.append([str(h) for h in header])
            for row in rows:
                ws.append(row)
            ws.freeze_panes = "A4"
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()
