"""Celery tasks of the events (事件推送): the first attempt after commit, and the periodic sweep
(``CELERY_BEAT_SCHEDULE["events-sweep"]``)."""

from celery import shared_task

from . import services


@shared_task(name="jiguan.core.events.tasks.deliver", ignore_result=True)
def deliver(delivery_ids: list[int]) -> dict:
    return services.deliver(delivery_ids)


@shared_task(name="jiguan.core.events.tasks.sweep", ignore_result=True)
def sweep() -> dict:
    return services.sweep()
