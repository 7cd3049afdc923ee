from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Announcement, Notification
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


# 通知公告 ------------------------------------------------------------------------------------------

PUBLISH_PERMISSION = "notifications.add_announcement"


def _require_publisher(actor, unit) -> None:
    if actor is not None and not actor.get_scope(PUBLISH_PERMISSION).contains_path(unit.path):
        raise PermissionDenied(_("您不能以该单位的名义发布公告。"))


@transaction.atomic
def announcement_publish(*, unit, title: str, body: str, actor, pinned: bool = False) -> Announcement:
    """Publish a notice of ``unit`` to everyone in it and below; ``actor`` holds the publish
    permission over ``unit``. Audited."""
    from jiguan.audit import services as audit

    _require_publisher(actor, unit)
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("请填写标题。")]
    if not body:
        errors["body"] = [_("请填写正文。")]
    if errors:
        raise ValidationError(errors)
    announcement = Announcement(unit=unit, title=title[:120], body=body[:5000], pinned=pinned, author=actor)
    announcement.full_clean(exclude=["author"])
    announcement.save()
    audit.record_create(announcement)
    return announcement


@transaction.atomic
def announcement_withdraw(*, announcement: Announcement, actor) -> Announcement:
    """撤回: the notice leaves the home pages and the list of its readers; it stays for the record."""
    from jiguan.audit import services as audit

    _require_publisher(actor, announcement.unit)
    if announcement.withdrawn_at is None:
        before = audit.snapshot(announcement)
        announcement.withdrawn_at = timezone.now()
        announcement.save(update_fields=["withdrawn_at"])
        audit.record_update(announcement, before)
    return announcement


def visible_announcements(user):
    """The notices ``user`` reads: those not withdrawn of their unit and every unit above it (one
    query on the unit index), pinned first, newest first."""
    unit = getattr(user, "unit", None)
    if unit is None:
        return Announcement.objects.none()
    from jiguan.org.models import path_prefixes

    return (Announcement.objects.filter(unit__path__in=path_prefixes(unit.path), withdrawn_at__isnull=True)
            .select_related("unit", "author"))
