"""The home page's 通知公告 panel (core.dashboard PANEL): the latest notices reaching the user."""

from __future__ import annotations

from django.urls import reverse

from . import services

SHOWN = 5


def announcements_panel(board):
    notices = list(services.visible_announcements(board.user).order_by("-pinned", "-published_at", "-id")[:SHOWN])
    if not notices:
        return None
    return {"notices": notices, "list_url": reverse("notifications:announcement_list")}
