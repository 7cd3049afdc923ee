"""ICS calendars (RFC 5545) of occurrences, for the calendar programs people already use."""

from __future__ import annotations

import datetime

from django.utils import timezone

PRODID = "-//Jiguan//Reservations//ZH"


def _escape(text: str) -> str:
    return (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (continuation lines start with a space)."""
    out, current = [], b""
    for ch in line:
        b = ch.encode()
        if len(current) + len(b) > 75:
            out.append(current.decode())
            current = b" " + b
        else:
            current += b
    out.append(current.decode())
    return "\r\n".join(out)


def _utc(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(name: str, occurrences, host: str, show=lambda o: True) -> str:
    """A VCALENDAR with one VEVENT per occurrence: its subject and place when ``show(o)``, else only
    that the resource is taken; cancelled ones as STATUS:CANCELLED so calendars remove them."""
    now = _utc(timezone.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_escape(name)}", "X-WR-TIMEZONE:Asia/Shanghai"]
    for o in occurrences:
        r = o.reservation
        visible = show(o)
        summary = r.subject if visible else "已占用"
        status = {"pending": "TENTATIVE", "cancelled": "CANCELLED", "rejected": "CANCELLED",
                  "no_show": "CANCELLED"}.get(o.state, "CONFIRMED")
        lines += ["BEGIN:VEVENT", f"UID:occurrence-{o.pk}@{host}", f"DTSTAMP:{now}",
                  f"DTSTART:{_utc(o.start)}", f"DTEND:{_utc(o.end)}", f"SUMMARY:{_escape(summary)}",
                  f"LOCATION:{_escape(o.resource.name)}", f"STATUS:{status}",
                  f"LAST-MODIFIED:{_utc(o.updated_at)}"]
        if visible and r.unit_id:
            lines.append(f"DESCRIPTION:{_escape(r.unit.name)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
