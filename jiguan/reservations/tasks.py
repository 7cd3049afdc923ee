"""Celery tasks of the reservation engine (``CELERY_BEAT_SCHEDULE`` in settings): release no-shows
and finish ended occurrences every minute, remind the people of occurrences about to start."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="jiguan.reservations.tasks.sweep")
def sweep() -> dict:
    """未签到释放 and 已结束 (``services.release_no_shows``): the number released."""
    from jiguan.core.context import acting_as

    from . import services

    with acting_as(None, channel="job"):
        return {"released": services.release_no_shows()}


@shared_task(name="jiguan.reservations.tasks.remind")
def remind() -> dict:
    """预订提醒 (``services.reminders_send``): the number of occurrences reminded."""
    from jiguan.core.context import acting_as

    from . import services

    with acting_as(None, channel="job"):
        return {"reminded": services.reminders_send()}
