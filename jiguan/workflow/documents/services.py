"""Writes every approvable document shares, for its module's services to call inside their own
transaction (they stay the only writers of their documents):

    @transaction.atomic
    def handover_create(*, unit, key_ids, actor, reason):
        policies.handover_create(actor, unit)
        keys = ...                                         # the objects, row-locked
        handover = KeyHandover.objects.create(number=documents.next_number("YS"), unit=unit,
                                              requested_by=actor, status=DocStatus.PENDING, ...)
        documents.hold(handover, keys)                     # core.locks: one open document per key
        audit.record_create(handover)
        documents.submit(handover, actor=actor, title=..., values={"amount": ...})

    def handover_outcome(handover, outcome):               # the business type's on_outcome
        with transaction.atomic():
            handover = KeyHandover.objects.select_for_update().get(pk=handover.pk)
            if handover.status != DocStatus.PENDING:
                return                                     # idempotent
            ...                                            # apply the approval to the keys
            documents.close(handover, outcome, message=...)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from jiguan.core import locks

from .registry import type_of
from .status import DocStatus, closed_status


def hold(document, objects: Iterable, *, field: str | None = None) -> None:
    """Hold ``objects`` for ``document`` while it is open (``core.locks.acquire``; ``ObjectLocked``
    names the open documents that hold any of them)."""
    locks.acquire(document, objects, field=field)


def submit(document, *, actor, title: str, values: dict | None = None):
    """Start and submit the approval request of ``document`` under its type's business type."""
    from jiguan.workflow import services as workflow

    return workflow.request_start(business_type=type_of(document).business_type, obj=document, applicant=actor,
                                  title=title, values=values)


def close(document, outcome: str | None = None, *, status: str | None = None, message: str = "",
          fields: dict | None = None) -> str:
    """Close a pending document in its outcome hook's transaction: its status (``status``, or the
    one ``outcome`` leads to), ``completed_on`` (today when completed, otherwise none) and
    ``fields``; its locks released (every way it closes); one audit record of the change. Returns
    the status. (A type without ``completed_on`` (``completed_on = None`` on its model) keeps none.)"""
    from jiguan.audit import services as audit
    from jiguan.audit.models import Action

    status = status or closed_status(outcome)
    update = {"status": status}
    if any(f.name == "completed_on" for f in document._meta.concrete_fields):
        update["completed_on"] = timezone.localdate() if status == DocStatus.COMPLETED else None
    if any(f.name == "updated_at" for f in document._meta.concrete_fields):
        update["updated_at"] = timezone.now()  # a set-based update: auto_now does not apply
    update.update(fields or {})
    before = document.status
    type(document).objects.filter(pk=document.pk).update(**update)
    for name, value in update.items():
        setattr(document, name, value)
    locks.release(document)
    audit.record(Action.STATE, document, before={"status": before}, after={"status": status}, message=message)
    return status


def history_add(document, kind: str, summary: str, *, actor=None, data: dict | None = None, on=None) -> None:
    """A timeline entry on each object of ``document`` (``jiguan.core.history``), naming it."""
    from jiguan.core import history

    for obj in type_of(document).objects_of(document):
        history.add(obj, kind, summary, on=on, data=data, document=document.number, actor=actor)
