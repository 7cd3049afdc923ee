"""Home-page widgets of meetings (首页工作台): 我的会议, the user's next meetings with check-in."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from jiguan.reservations import services as engine
from jiguan.reservations.models import OccurrenceState

from . import selectors

SHOWN = 5


def my_meetings_panel(board):
    """The user's next meetings (made, held or attended), nothing for someone who has none."""
    user = board.user
    rows = list(selectors.my_occurrences(user).filter(
        state__in=(OccurrenceState.PENDING, OccurrenceState.CONFIRMED, OccurrenceState.CHECKED_IN))[:SHOWN])
    if not rows:
        return None
    now = timezone.now()
    for o in rows:
        o.may_check_in = (o.state == OccurrenceState.CONFIRMED and o.resource.release_after
                          and o.start - datetime.timedelta(minutes=engine.CHECK_IN_EARLY) <= now < o.end)
    return {"items": rows, "mine_url": reverse("meetings:mine"), "next": reverse("home")}
