"""Outbound channels for notifications (email, SMS, a government messaging gateway).

A deployment plugs its gateway in with the setting ``JIGUAN_NOTIFICATION_SENDERS`` (dotted paths of
classes with ``send(notification)``). The default only logs, so nothing leaves a closed network."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("jiguan.notifications")


class Sender:
    def send(self, notification) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LoggingSender(Sender):
    def send(self, notification) -> None:
        log.info("notify %s: %s %s", notification.recipient_id, notification.title, notification.url)


def configured_senders() -> list[Sender]:
    paths = getattr(settings, "JIGUAN_NOTIFICATION_SENDERS", ["jiguan.notifications.senders.LoggingSender"])
    return [import_string(path)() for path in paths]
