"""The calendar grid's HTML, written in Python: a compound's week is 300 rooms × 7 days with a few
thousand bookings, and the template engine took over a second for it; string joins with each text
escaped take a few milliseconds. The markup is the one ``meetings/calendar.html`` styles (cal-*
classes; on a phone the table becomes one card per room, ``table-cards``)."""

from __future__ import annotations

from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def grid(rows, dates, *, view: str, day_param: str) -> SafeString:
    """``rows``: ``selectors.CalendarRow`` with ``cells`` [(date tuple, entries)]; ``dates``:
    [(date, weekday name, is today)]."""
    week = _("周")
    taken, pending_label = escape(_("已占用")), escape(_("待审批"))
    people = escape(_("人"))
    booking_url = reverse("meetings:booking_detail", args=[0])[:-2]  # ".../bookings/" + id + "/"
    calendar_url = reverse("meetings:calendar")
    free_text = escape(_("当天空闲") if view == "day" else _("本周空闲"))
    day_view = view == "day"
    out = []
    push = out.append
    subjects: dict[int, str] = {}  # a series' occurrences share their subject: escaped once
    for row in rows:
        room = row.room
        push(f'<tr id="cal-room-{room.pk}"><td class="cell-link"><a href="{calendar_url}?room={room.pk}'
             f'&amp;date={day_param}">{escape(room.name)}</a>')
        if room.capacity:
            push(f' <span class="small text-muted">{room.capacity}{people}</span>')
        push("</td>")
        for (d, weekday, today), entries in row.cells:
            classes = ("cal-today" if today else "") + ("" if entries else " cal-empty")
            push(f'<td data-label="{d:%m-%d} {week}{weekday}" class="{classes.strip()}">')
            if day_view:
                push('<div class="cal-day-track w-100">')
            for e in entries:
                # e.start/e.end are local datetimes; strftime is the costly part, so read the fields.
                css = "cal-entry"
                if e.state == "pending":
                    css += " cal-pending"
                if e.kind == "blocking":
                    css += " cal-blocking"
                span = f"{e.start.hour:02d}:{e.start.minute:02d}–{e.end.hour:02d}:{e.end.minute:02d}"
                if e.visible:
                    text = subjects.get(e.reservation_id)
                    if text is None:
                        text = subjects[e.reservation_id] = escape(e.subject)
                else:
                    text = taken
                title = f"{span} {text}（{escape(e.unit_name)}）" if e.visible else f"{span} {taken}"
                if not e.visible:
                    css += " cal-hidden"
                style = f' style="left: {e.top}%; width: {e.height}%"' if day_view else ""
                href = f' href="{booking_url}{e.reservation_id}/"' if e.visible and e.kind == "booking" else ""
                mark = f"（{pending_label}）" if e.state == "pending" else ""
                push(f'<a class="{css}"{style}{href} title="{title}">{span} {text}{mark}</a>')
            if day_view:
                push("</div>")
            push("</td>")
        if row.free:
            push(f'<td class="cal-free text-muted small">{free_text}</td>')
        push("</tr>")
    return mark_safe("".join(out))  # every text above is escaped
