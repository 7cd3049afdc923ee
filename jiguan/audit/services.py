"""Writing audit records. Every service calls ``record`` inside its transaction.

``record`` takes the acting user, IP and request id from ``jiguan.core.context`` (set by the request
middleware, by ``acting_as`` in commands and jobs), so the trail is complete outside requests too.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from jiguan.core import context

from . import keys
from .chain import digest
from .models import Action, AuditEvent, ChainHead

SECRET_FIELDS = {"password", "key", "token"}


def jsonable(value: Any) -> Any:
    """Values as they will read back from a JSON column, so the stored record hashes the same."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """Concrete field values of ``obj`` (foreign keys as ids, secrets left out)."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in SECRET_FIELDS or (fields and field.name not in fields):
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
) -> AuditEvent:
    """Append one record to the chain. Runs in (or opens) a transaction and holds the chain lock
    until that transaction ends, so records are chained in commit order."""
    ctx = context.current()
    actor = actor if actor is not None else ctx.user
    if actor is not None and not getattr(actor, "pk", None):
        actor = None
    unit = getattr(actor, "unit", None) if actor is not None else None
    key_id, key = keys.current()
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            ChainHead.objects.get_or_create(pk=1)
            head = ChainHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            id=head.last_id + 1,
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
            prev_hash=head.last_hash,
            key_id=key_id,
        )
        event.hash = digest(head.last_hash, event_values(event), key)
        event.save(force_insert=True)
        ChainHead.objects.filter(pk=1).update(last_id=event.id, last_hash=event.hash, count=head.count + 1)
    return event


def event_values(event: AuditEvent) -> dict:
    return {
        "id": event.id, "occurred_at": event.occurred_at, "actor_id": event.actor_id,
        "actor_username": event.actor_username, "org_id": event.org_id, "org_path": event.org_path,
        "ip": event.ip, "request_id": event.request_id, "channel": event.channel, "action": event.action,
        "object_type": event.object_type, "object_id": event.object_id, "object_repr": event.object_repr,
        "before": event.before, "after": event.after, "success": event.success, "message": event.message,
    }


def record_create(obj: models.Model, **kwargs) -> AuditEvent:
    return record(Action.CREATE, obj, after=snapshot(obj), **kwargs)


def record_update(obj: models.Model, before: dict, **kwargs) -> AuditEvent | None:
    """Record an update with only the changed fields; nothing when nothing changed."""
    old, new = diff(before, snapshot(obj))
    if not old and not new:
        return None
    return record(Action.UPDATE, obj, before=old, after=new, **kwargs)


def record_delete(obj: models.Model, before: dict, **kwargs) -> AuditEvent:
    return record(Action.DELETE, obj, before=before, **kwargs)
