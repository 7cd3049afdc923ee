from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from .models import Notification
from .senders import configured_senders

log = logging.getLogger("jiguan.notifications")


def notify(*, recipients, title: str, body: str = "", url: str = "", topic: str = "") -> list[Notification]:
    """Create in-app notifications (one INSERT) and hand them to the outbound senders after commit,
    so a rolled-back transaction never announces anything. ``topic`` names what the message asks of
    its recipients (a 待办), so ``settle(topic)`` can clear it once done."""
    unique = {u.pk: u for u in recipients if u is not None and u.pk}
    rows = Notification.objects.bulk_create([
        Notification(recipient_id=pk, title=title[:200], body=body[:1000], url=url[:300], topic=topic[:80])
        for pk in unique])
    _send_after_commit(rows)
    return rows


def notify_each(messages) -> list[Notification]:
    """One notification per ``(recipient_id, title, body, url)`` of ``messages``, each its own text
    (reminders, the daily summary): one INSERT, handed to the outbound senders after commit."""
    rows = Notification.objects.bulk_create([
        Notification(recipient_id=recipient_id, title=title[:200], body=body[:1000], url=url[:300])
        for recipient_id, title, body, url in messages])
    _send_after_commit(rows)
    return rows


def _send_after_commit(rows: list[Notification]) -> None:
    def deliver():
        for sender in configured_senders():
            for row in rows:
                try:
                    sender.send(row)
                except Exception:  # noqa: BLE001 - a gateway failure must not break the caller
                    log.exception("sender %s failed for notification %s", sender, row.pk)

    transaction.on_commit(deliver)


def settle(topic: str) -> int:
    """What ``topic`` asked is done (the request was decided, handed on or withdrawn): its unread
    messages, whoever they went to, are marked read, so 待办 messages do not linger. One UPDATE on
    the open-topic index; returns how many."""
    if not topic:
        return 0
    return Notification.objects.filter(topic=topic, read_at__isnull=True).update(read_at=timezone.now())


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, user, ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
