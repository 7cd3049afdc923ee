"""Writing audit records. Every service calls ``record`` inside its transaction; the record is
chained (sealed) after that transaction commits, by ``seal`` (docs/development/architecture.md).

``record`` takes the acting user, IP and request id from ``jiguan.core.context`` (set by the request
middleware, by ``acting_as`` in commands and jobs), so the trail is complete outside requests too.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from jiguan.core import context

from . import keys
from .chain import digest
from .models import Action, AuditEvent, ChainHead, PendingRecord

SECRET_FIELDS = {"password", "key", "token"}
log = logging.getLogger(__name__)


def jsonable(value: Any) -> Any:
    """Values as they will read back from a JSON column, so the stored record hashes the same."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """Concrete field values of ``obj`` (foreign keys as ids, secrets left out, and columns derived
    from others, ``audited = False``, such as core.pinyin.InitialsField)."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in SECRET_FIELDS or not getattr(field, "audited", True) or (fields and field.name not in fields):
            continue
        data[field.attname if field.is_relation else field.name] = field.value_from_object(obj)
    return jsonable(data)


def diff(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Only the changed keys of an update."""
    if not before or not after:
        return before, after
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    changed.discard("updated_at")
    return ({k: before.get(k) for k in sorted(changed)}, {k: after.get(k) for k in sorted(changed)})


def object_type(obj_or_model) -> str:
    return obj_or_model._meta.label_lower


def record(
    action: str | Action,
    obj: models.Model | None = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    success: bool = True,
    message: str = "",
    actor=None,
    object_type_label: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> PendingRecord | AuditEvent:
    """Write one audit record in the current transaction (or its own). It is chained by the sealer
    once that transaction commits (``JIGUAN_AUDIT_SEAL = "after_commit"``, the default), so an
    audited write never waits for another's; a transaction that rolls back leaves no record. With
    ``"in_transaction"`` (the test settings) it is chained at once, inside the transaction, holding
    the chain head until it ends (the behaviour before sealing after commit). Returns the record:
    the chained ``AuditEvent`` when it was sealed at once, else the ``PendingRecord``."""
    ctx = context.current()
    actor = actor if actor is not None else ctx.user
    if actor is not None and not getattr(actor, "pk", None):
        actor = None
    unit = getattr(actor, "unit", None) if actor is not None else None
    # No savepoint: if the record cannot be written, the write it records must not commit either.
    with transaction.atomic(savepoint=False):
        pending = PendingRecord.objects.create(
            occurred_at=timezone.now(),
            actor=actor,
            actor_username=getattr(actor, "username", "") or "",
            org=unit,
            org_path=getattr(unit, "path", "") or "",
            ip=ctx.ip,
            request_id=ctx.request_id,
            channel=ctx.channel,
            action=str(action),
            object_type=object_type_label or (object_type(obj) if obj is not None else ""),
            object_id=object_id or (str(obj.pk) if obj is not None and obj.pk is not None else ""),
            object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
            before=jsonable(before) if before is not None else None,
            after=jsonable(after) if after is not None else None,
            success=success,
            message=message[:500],
        )
        if getattr(settings, "JIGUAN_AUDIT_SEAL", "after_commit") == "in_transaction":
            sealed = _seal(wait=True, inside=True)
            if pending.pk in sealed:
                return sealed[pending.pk]
        else:
            transaction.on_commit(functools.partial(seal_after_commit, pending.pk), robust=True)
    return pending


# Sealing (封存): chaining committed records -----------------------------------------------------

SEAL_BATCH = 1000  # records chained per sealing transaction
SEAL_ROUNDS = 5    # sealing transactions one writer runs after its commit, at most


SEALER_LOCK = 0x4A494755  # PostgreSQL advisory lock of the sealer ("JIGU"): one sealer at a time


def seal(*, wait: bool = True, inside: bool = False) -> int | None:
    """Chain what waits (``_seal``): how many records were chained, or None when another sealer is
    at work and ``wait`` is false."""
    sealed = _seal(wait=wait, inside=inside)
    return None if sealed is None else len(sealed)


def _seal(*, wait: bool, inside: bool) -> dict[int, AuditEvent] | None:
    """Chain the committed pending records, oldest first, in one transaction under the chain head's
    lock: each gets the next gap-free id, the previous record's hash and its HMAC-SM3 digest, and is
    deleted from the pending table. Returns the chained records by pending id, or None when ``wait``
    is false and another sealer is at work (on PostgreSQL sealers take a transaction-level advisory lock
    first, so a sealer that finds one at work leaves with one query; on SQLite writers are
    serialised and it always proceeds). A waiting sealer gives up after ``JIGUAN_AUDIT_SEAL_WAIT``
    seconds on PostgreSQL (``OperationalError``), leaving the records to the sweep. ``inside``: called
    from ``record`` inside the writer's transaction (``JIGUAN_AUDIT_SEAL = "in_transaction"``), where
    the head's row lock, held until that transaction ends, is the whole serialisation, and a lock
    timeout set here would hold for the rest of the writer's transaction."""
    key_id, key = keys.current()
    with transaction.atomic():
        if connection.vendor == "postgresql" and not inside:
            with connection.cursor() as cursor:
                if not wait:
                    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK])
                    if not cursor.fetchone()[0]:
                        return None
                else:
                    wait_ms = int(float(getattr(settings, "JIGUAN_AUDIT_SEAL_WAIT", 2)) * 1000)
                    cursor.execute(f"SET LOCAL lock_timeout = {max(wait_ms, 1)}")
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK])
        # The head's row lock orders the chain; sealers reach it one at a time (above), so it is
        # held by someone else only in the "in_transaction" mode or by hand.
        head = ChainHead.objects.select_for_update(skip_locked=not wait).filter(pk=1).first()
        if head is None:
            if not wait and ChainHead.objects.filter(pk=1).exists():
                return None
            ChainHead.objects.get_or_create(pk=1)
            head = ChainHead.objects.select_for_update().get(pk=1)
        pending = list(PendingRecord.objects.order_by("id")[:SEAL_BATCH])
        if not pending:
            return {}
        last_id, last_hash, events = head.last_id, head.last_hash, []
        for row in pending:
            last_id += 1
            event = AuditEvent(id=last_id, prev_hash=last_hash, key_id=key_id,
                               **{name: getattr(row, name) for name in RECORD_FIELDS})
            event.hash = last_hash = digest(last_hash, event_values(event), key)
            events.append(event)
        AuditEvent.objects.bulk_create(events)
        PendingRecord.objects.filter(id__in=[row.id for row in pending]).delete()
        ChainHead.objects.filter(pk=1).update(last_id=last_id, last_hash=last_hash,
                                              count=head.count + len(events))
    return {row.id: event for row, event in zip(pending, events, strict=True)}


def seal_after_commit(pending_id: int | None = None) -> int:
    """Run once a transaction with audit records has committed: see that its records (the last of
    them is ``pending_id``) get chained, without waiting for anyone. If another sealer already took
    them (a sealer takes every committed record that waits), nothing is left to do. Otherwise try
    the head: when another sealer holds it, leave, because that sealer looks for waiting records
    again after it lets go and this transaction's committed before it was found holding the head;
    when this one gets it, chain everything that waits, then look again once it has let go, for the
    same reason. After ``SEAL_ROUNDS`` rounds under load the rest is left to the writers still
    coming and to the sweep (``audit-seal`` in beat), which also seals what a crash left."""
    if pending_id is not None and not PendingRecord.objects.filter(pk=pending_id).exists():
        return 0
    sealed = 0
    for _round in range(SEAL_ROUNDS):
        count = seal(wait=False)
        if count is None:
            break
        sealed += count
        if not _any_pending():
            break
    return sealed


def _any_pending() -> bool:
    # Through the primary key's index: the table is a queue, and a sequential scan would read the
    # rows deleted since the last vacuum.
    return PendingRecord.objects.order_by("id").values_list("id", flat=True).first() is not None


def seal_all() -> int:
    """Seal everything pending now, waiting for the head (the sweep, ``manage.py audit_seal``)."""
    sealed = 0
    while (count := seal(wait=True)):
        sealed += count
    return sealed


def pending_summary() -> tuple[int, object]:
    """How many records wait to be sealed, and when the oldest of them was written."""
    agg = PendingRecord.objects.aggregate(n=models.Count("id"), oldest=models.Min("occurred_at"))
    return agg["n"], agg["oldest"]


RECORD_FIELDS = [field.attname for field in PendingRecord._meta.concrete_fields if not field.primary_key]


def event_values(event: AuditEvent) -> dict:
    return {
        "id": event.id, "occurred_at": event.occurred_at, "actor_id": event.actor_id,
        "actor_username": event.actor_username, "org_id": event.org_id, "org_path": event.org_path,
        "ip": event.ip, "request_id": event.request_id, "channel": event.channel, "action": event.action,
        "object_type": event.object_type, "object_id": event.object_id, "object_repr": event.object_repr,
        "before": event.before, "after": event.after, "success": event.success, "message": event.message,
    }


def record_create(obj: models.Model, **kwargs) -> PendingRecord:
    return record(Action.CREATE, obj, after=snapshot(obj), **kwargs)


def record_update(obj: models.Model, before: dict, **kwargs) -> PendingRecord | None:
    """Record an update with only the changed fields; nothing when nothing changed."""
    old, new = diff(before, snapshot(obj))
    if not old and not new:
        return None
    return record(Action.UPDATE, obj, before=old, after=new, **kwargs)


def record_delete(obj: models.Model, before: dict, **kwargs) -> PendingRecord:
    return record(Action.DELETE, obj, before=before, **kwargs)
