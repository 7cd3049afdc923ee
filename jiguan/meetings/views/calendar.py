"""The calendars (会议室日历: a compound's rooms by day or week, one room's week), a room's door page
(today's schedule and the check-in code) and check-in by that code."""

from __future__ import annotations

import datetime
from functools import lru_cache

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from jiguan.reservations import services as engine

from .. import calendar_html, selectors
from .booking import RoomsMixin, error_text

CALENDAR = gettext_lazy("会议室日历")
WEEKDAY_SHORT = "一二三四五六日"


def day_param(request) -> datetime.date:
    return parse_date(request.GET.get("date") or "") or timezone.localdate()


class CalendarView(RoomsMixin, View):
    """Day (``view=day``) or week (default) of one compound's rooms, or one room's week
    (``room=``). Two queries for the grid whatever the rooms: the rooms and their occurrences."""

    def get(self, request):
        user = request.user
        compounds = list(selectors.compounds_for(user))
        room = None
        if request.GET.get("room", "").isdigit():
            room = self.room(int(request.GET["room"]))
        compound = None
        if room is not None:
            compound = room.compound
        elif request.GET.get("compound", "").isdigit():
            compound = next((c for c in compounds if c.pk == int(request.GET["compound"])), None)
            if compound is None:
                raise Http404(_("办公区不存在，或没有您可以预订的会议室。"))
        elif compounds:
            compound = compounds[0]
        view = "day" if request.GET.get("view") == "day" else "week"
        day = day_param(request)
        first = day if view == "day" else day - datetime.timedelta(days=day.weekday())
        days = 1 if view == "day" else 7
        if room is not None:
            rooms = [room]
        elif compound is not None:
            rooms = list(selectors.bookable_rooms(user, light=True).filter(compound=compound))
        else:
            rooms = []
        rows = selectors.calendar(user, rooms, first, days, seen=True)  # rooms from bookable_rooms(user)
        dates = [(d, WEEKDAY_SHORT[d.weekday()], d == timezone.localdate())
                 for d in (first + datetime.timedelta(days=i) for i in range(days))]
        # A day on which none of the rooms opens and nothing is booked (the weekend) is left out.
        shown = [i for i, (d, _w, _t) in enumerate(dates)
                 if days == 1 or any(r.room.opens_on(d) or r.days[i] for r in rows)] if rows else list(range(days))
        dates = [dates[i] for i in shown]
        for row in rows:
            row.cells = [(dates[n], row.days[i]) for n, i in enumerate(shown)]
            row.free = not any(row.days)
        step = datetime.timedelta(days=days)
        context = {
            "ticks": selectors.ticks(rooms) if view == "day" else [],
            "grid": calendar_html.grid(rows, dates, view=view, day_param=f"{day:%Y-%m-%d}"),
            "title": room.name if room else (compound.name if compound else CALENDAR), "rows": rows,
            "dates": dates,
            "compounds": compounds, "compound": compound, "room": room, "view": view, "day": day,
            "prev": first - step, "next": first + step, "today": timezone.localdate(),
            "breadcrumbs": [(CALENDAR, reverse("meetings:calendar") if room else None)] + (
                [(room.name, None)] if room else []),
            "opts": self.model._meta,
        }
        return render(request, "meetings/calendar.html", context)


@lru_cache(maxsize=256)
def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=6, border=2)


class DoorView(RoomsMixin, View):
    """门口屏: a room's schedule of today, what is on now, and the code to check in by (today's)."""

    def get(self, request, pk):
        room = self.room(pk)
        today = timezone.localdate()
        row = selectors.calendar(request.user, [room], today, 1, seen=True)[0]
        url = request.build_absolute_uri(reverse("meetings:door_check_in", args=[engine.door_token(room, today)]))
        now = timezone.now()
        current = next((e for e in row.days[0] if e.start <= now < e.end and e.blocks), None)
        context = {"title": room.name, "room": room, "entries": row.days[0], "current": current,
                   "qr": mark_safe(qr_svg(url)), "check_in_url": url, "today": today, "opts": self.model._meta,
                   "breadcrumbs": [(CALENDAR, reverse("meetings:calendar")), (room.name, None)]}
        return render(request, "meetings/door.html", context)


class DoorCheckInView(RoomsMixin, View):
    """扫码签到: GET names the room and the booking to check in to; POST checks in."""

    def resolve(self, token):
        try:
            room = self.room(engine.door_resource_id(token))
        except ValidationError as exc:
            raise Http404(error_text(exc)) from exc
        return room

    def get(self, request, token):
        room = self.resolve(token)
        return render(request, "meetings/door_check_in.html", {
            "title": _("签到：%(room)s") % {"room": room.name}, "room": room, "token": token,
            "opts": self.model._meta, "breadcrumbs": [(room.name, None)]})

    def post(self, request, token):
        room = self.resolve(token)
        try:
            o = engine.check_in_by_door(resource_id=room.pk, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
            return HttpResponseRedirect(reverse("meetings:door_check_in", args=[token]))
        messages.success(request, _("已签到：%(o)s") % {"o": str(o)})
        return HttpResponseRedirect(reverse("meetings:booking_detail", args=[o.reservation_id]))
