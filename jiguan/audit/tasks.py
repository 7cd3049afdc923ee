"""Celery task of the audit log: the sweep that seals records a crash left pending between their
transaction's commit and their sealing (``audit-seal`` in ``CELERY_BEAT_SCHEDULE``; ``manage.py
audit_seal`` without beat). Records are normally sealed right after their transaction commits."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="jiguan.audit.tasks.seal")
def seal() -> dict:
    from . import services

    sealed = services.seal_all()
    waiting, _oldest = services.pending_summary()
    return {"sealed": sealed, "pending": waiting}
