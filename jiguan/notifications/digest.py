"""The daily summary (每日汇总): one notification a morning per user with something to report.

Modules contribute sections from their ``AppConfig.ready()``, so the kernel names none of them::

    from jiguan.notifications import digest

    digest.register("workflow.pending", "jiguan.workflow.reminders.pending_section", order=10)

A section is a function ``section(day) -> {user_id: [Line, ...]}``, set-based (a few queries for
everybody, never one per user): approvals waiting for each user (jiguan.workflow.reminders), a unit
asset manager's registrations and disposals of ``day`` in their scope (jiguan.assets.digest). The
summary joins each user's lines into one notification titled 每日汇总（<day>）, linked to the first
line's page; a user with no line gets nothing.

``daily_summary()`` runs it: the Celery task ``jiguan.notifications.tasks.daily_summary`` on the beat
schedule (07:00, CELERY_BEAT_SCHEDULE["daily-summary"]) or ``manage.py daily_summary`` from cron. By
default it summarises yesterday (it runs in the morning); a user already sent the summary of that day
is skipped, so running it twice sends nothing more.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

log = logging.getLogger("jiguan.notifications")


@dataclass(frozen=True)
class Line:
    text: str
    url: str = ""


@dataclass(frozen=True)
class Section:
    name: str
    function: str | Callable
    order: int = 100

    def __call__(self, day: dt.date) -> dict[int, list[Line]]:
        function = import_string(self.function) if isinstance(self.function, str) else self.function
        return function(day)


_sections: dict[str, Section] = {}


def register(name: str, function: str | Callable, *, order: int = 100) -> Section:
    section = Section(name, function, order)
    _sections[name] = section
    return section


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.name))


def title_for(day: dt.date) -> str:
    return _("每日汇总（%(date)s）") % {"date": f"{day.year}年{day.month}月{day.day}日"}


def daily_summary(*, day: dt.date | None = None) -> dict[str, int]:
    """Send the summary of ``day`` (default: yesterday) to every active user with a line in it.
    Returns ``{"sent": n, "skipped": already sent}``."""
    from .services import notify_each

    day = day or timezone.localdate() - dt.timedelta(days=1)
    lines: dict[int, list[Line]] = defaultdict(list)
    for section in sections():
        try:
            found = section(day)
        except Exception:  # noqa: BLE001 - one module's failure must not cost everybody their summary
            log.exception("daily summary: section %s failed", section.name)
            continue
        for user_id, items in found.items():
            lines[user_id].extend(items)
    title = title_for(day)
    User = apps.get_model("org", "User")
    Notification = apps.get_model("notifications", "Notification")
    active = set(User.objects.filter(pk__in=list(lines), is_active=True).values_list("pk", flat=True))
    already = set(Notification.objects.filter(title=title, recipient_id__in=active)
                  .values_list("recipient_id", flat=True))
    messages = []
    for user_id in sorted(active - already):
        items = lines[user_id]
        url = next((line.url for line in items if line.url), "")
        messages.append((user_id, title, "；".join(line.text for line in items), url))
    with transaction.atomic():
        notify_each(messages)
    return {"sent": len(messages), "skipped": len(already)}
