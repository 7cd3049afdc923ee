"""Celery tasks of notifications: the daily summary (每日汇总) on the beat schedule
(``CELERY_BEAT_SCHEDULE["daily-summary"]``; ``manage.py daily_summary`` without beat)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="jiguan.notifications.tasks.daily_summary", ignore_result=True)
def daily_summary() -> dict:
    from jiguan.core.context import acting_as

    from . import digest

    with acting_as(None, channel="job"):
        return digest.daily_summary()
