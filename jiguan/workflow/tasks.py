"""Celery tasks of approval flows: apply a decided outcome from the outbox (with retries), and the
periodic sweep (``CELERY_BEAT_SCHEDULE`` in settings; ``manage.py workflow_sweep`` without beat)."""

from __future__ import annotations

from celery import shared_task

MAX_RETRIES = 5


@shared_task(bind=True, name="jiguan.workflow.tasks.outcome_apply", max_retries=MAX_RETRIES)
def outcome_apply(self, outbox_id: int) -> bool:
    """Apply one outbox row. A failure is stored on the row and retried with back-off; run eagerly
    (the embedded default, tests) it is not retried here: the sweep and 重新执行 take it from there."""
    from . import services

    applied = services.outbox_apply(outbox_id)
    if not applied and not self.request.is_eager and self.request.retries < MAX_RETRIES:
        raise self.retry(countdown=services.retry_delay(self.request.retries + 1))
    return applied


@shared_task(name="jiguan.workflow.tasks.sweep")
def sweep(min_age: int = 60) -> dict:
    """Apply decided-but-unapplied outcomes and mark (or clear) stuck requests."""
    from jiguan.core.context import acting_as

    from . import services

    with acting_as(None, channel="job"):
        return services.workflow_sweep(min_age=min_age)


@shared_task(name="jiguan.workflow.tasks.remind", ignore_result=True)
def remind() -> dict:
    """Approval reminders (催办): jiguan.workflow.reminders.reminders_send."""
    from jiguan.core.context import acting_as

    from . import reminders

    with acting_as(None, channel="job"):
        return reminders.reminders_send()
