"""Events for other systems: the outbox (``emit``), the subscribers' audited writes, delivery
(``attempt``, ``sweep``) and the administrator's replay. See docs/development/events.md."""

from __future__ import annotations

import hmac  # SM3 comes from OpenSSL through hmac/hashlib
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action

from ..models import DeliveryAttempt, DeliveryStatus, Event, EventDelivery, EventSubscriber
from . import registry

logger = logging.getLogger("jiguan.events")

SIGNATURE_HEADER = "X-Jiguan-Signature"
HEADERS = ("X-Jiguan-Event-Id", "X-Jiguan-Event-Kind", "X-Jiguan-Delivery-Id", "X-Jiguan-Timestamp",
           SIGNATURE_HEADER)
SUBSCRIBER_AUDIT_FIELDS = ["id", "name", "url", "kinds", "is_active", "description"]


def _setting(name: str, default):
    return getattr(settings, name, default)


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: base · 2^(attempts-1), at most the cap."""
    base = _setting("JIGUAN_EVENTS_RETRY_BASE_SECONDS", 30)
    cap = _setting("JIGUAN_EVENTS_RETRY_MAX_SECONDS", 3600)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def max_attempts() -> int:
    return _setting("JIGUAN_EVENTS_MAX_ATTEMPTS", 20)


# ---------------------------------------------------------------------------------------------
# The outbox
# ---------------------------------------------------------------------------------------------

def _check_payload(declaration: registry.EventKind, payload: dict) -> None:
    if not isinstance(payload, dict):
        raise TypeError(f"event {declaration.kind}: the payload is a dict")
    missing = [name for name in declaration.required if name not in payload]
    if missing:
        raise ValueError(f"event {declaration.kind}: payload lacks {missing}")


def emit(kind: str, obj: models.Model, payload: dict | None = None) -> Event:
    """Write one event about ``obj`` to the outbox, in the caller's transaction, with one delivery
    per active subscriber that takes ``kind``; they are sent after commit (and by the sweep). If
    the caller's transaction rolls back, neither the event nor its deliveries exist."""
    return emit_many(kind, [(obj, payload or {})])[0]


def emit_many(kind: str, items: Iterable[tuple[models.Model, dict]]) -> list[Event]:
    """``emit`` for many objects at once (one bulk insert of events, one of deliveries)."""
    declaration = registry.get(kind)
    items = list(items)
    if not items:
        return []
    now = timezone.now()
    events = []
    for obj, payload in items:
        _check_payload(declaration, payload)
        events.append(Event(kind=kind, content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk,
                            object_repr=str(obj)[:200], payload=payload, occurred_at=now))
    subscribers = [s for s in EventSubscriber.objects.filter(is_active=True) if s.takes(kind)]
    with transaction.atomic(savepoint=False):  # an event that cannot be written fails the write
        events = Event.objects.bulk_create(events)
        if events and events[0].pk is None:  # backends without RETURNING
            events = list(Event.objects.filter(uuid__in=[e.uuid for e in events]).order_by("pk"))
        if not subscribers:
            return events
        deliveries = EventDelivery.objects.bulk_create([
            EventDelivery(event=event, subscriber=subscriber, object_type_id=event.content_type_id,
                          object_id=event.object_id, next_attempt_at=now)
            for event in events for subscriber in subscribers])
        ids = [d.pk for d in deliveries if d.pk is not None] or list(
            EventDelivery.objects.filter(event__in=events).order_by("pk").values_list("pk", flat=True))
        transaction.on_commit(lambda: dispatch(ids))
    return events


DISPATCH_AT_ONCE = 500  # deliveries of one bulk emit queued after commit; the sweep sends the rest


def emit_rows(kind: str, model: type[models.Model], rows: Iterable[tuple[int, str, dict]]) -> int:
    """``emit_many`` for rows written in bulk without model instances (imports): ``rows`` are
    (object id, object name, payload). The events and their deliveries are written set-based
    (``insert_rows``: COPY on PostgreSQL) in the caller's transaction; the first
    ``DISPATCH_AT_ONCE`` deliveries are queued after commit, and the sweep sends the rest, so a
    large import never sends thousands of requests from the request that made it. Returns the
    number of events."""
    from jiguan.core.imports.store import insert_rows, reserve_ids

    declaration = registry.get(kind)
    rows = list(rows)
    if not rows:
        return 0
    for _object_id, _name, payload in rows:
        _check_payload(declaration, payload)
    content_type = ContentType.objects.get_for_model(model)
    now = timezone.now()
    subscribers = [s.pk for s in EventSubscriber.objects.filter(is_active=True) if s.takes(kind)]
    with transaction.atomic(savepoint=False):
        ids = reserve_ids(Event, len(rows))
        insert_rows(Event, ["id", "uuid", "kind", "content_type_id", "object_id", "object_repr", "payload",
                            "occurred_at"],
                    [(pk, uuid.uuid4(), kind, content_type.pk, object_id, name[:200], payload, now)
                     for pk, (object_id, name, payload) in zip(ids, rows, strict=True)], every=len(rows))
        if not subscribers:
            return len(rows)
        pairs = [(event_id, subscriber, object_id) for event_id, (object_id, _n, _p) in zip(ids, rows, strict=True)
                 for subscriber in subscribers]
        delivery_ids = reserve_ids(EventDelivery, len(pairs))
        insert_rows(EventDelivery, ["id", "event_id", "subscriber_id", "object_type_id", "object_id",
                                    "next_attempt_at"],
                    [(pk, event_id, subscriber, content_type.pk, object_id, now)
                     for pk, (event_id, subscriber, object_id) in zip(delivery_ids, pairs, strict=True)],
                    every=len(pairs))
        first = delivery_ids[:DISPATCH_AT_ONCE]
        transaction.on_commit(lambda: dispatch(first))
    return len(rows)


def dispatch(delivery_ids: list[int]) -> None:
    """Queue the deliveries' first attempt (after commit). A broker that is down loses nothing:
    the sweep finds the deliveries due."""
    from . import tasks

    try:
        tasks.deliver.delay(list(delivery_ids))
    except Exception:  # noqa: BLE001 - the business write has committed; the sweep retries
        logger.exception("events: could not queue deliveries %s", delivery_ids[:20])


# ---------------------------------------------------------------------------------------------
# Delivery
# ---------------------------------------------------------------------------------------------

def envelope(event: Event) -> dict:
    """The JSON body a subscriber receives (see docs/development/events.md)."""
    return {
        "id": str(event.uuid),
        "kind": event.kind,
        "occurred_at": event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "object": {"type": f"{event.content_type.app_label}.{event.content_type.model}",
                   "id": event.object_id, "repr": event.object_repr},
        "data": event.payload,
    }


def body_of(event: Event) -> bytes:
    return json.dumps(envelope(event), ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      cls=DjangoJSONEncoder).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``HMAC-SM3(secret, timestamp + "." + body)`` in hex: the ``X-Jiguan-Signature`` value after ``sm3=``."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, "sm3").hexdigest()


def headers_for(delivery: EventDelivery, body: bytes, now: datetime) -> dict[str, str]:
    timestamp = str(int(now.timestamp()))
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Jiguan-Events/1",
        "X-Jiguan-Event-Id": str(delivery.event.uuid),
        "X-Jiguan-Event-Kind": delivery.event.kind,
        "X-Jiguan-Delivery-Id": str(delivery.pk),
        "X-Jiguan-Timestamp": timestamp,
        SIGNATURE_HEADER: "sm3=" + sign(delivery.subscriber.secret, timestamp, body),
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: the 3xx is logged and the delivery retried."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST ``body``; (status code, "") for any HTTP answer, (None, error) when there was none."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=_setting("JIGUAN_EVENTS_TIMEOUT_SECONDS", 10)) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return None, f"{type(exc).__name__}: {reason}"[:300]


def earlier_undelivered(delivery: EventDelivery) -> bool:
    """True while an earlier event of the same object is not yet delivered to the same subscriber."""
    return EventDelivery.objects.filter(
        subscriber_id=delivery.subscriber_id, object_type_id=delivery.object_type_id,
        object_id=delivery.object_id, event_id__lt=delivery.event_id,
    ).exclude(status=DeliveryStatus.DELIVERED).exists()


def attempt(delivery_id: int, *, now: datetime | None = None, unreachable: set[int] | None = None) -> str:
    """Try one delivery if it is due: "delivered", "retry" (failed, next attempt later), "failed"
    (failed for the last time), "blocked" (an earlier event of the object waits), "deferred" (its
    subscriber did not answer earlier in this batch: ``unreachable``, which a failure without an
    answer extends), or "skipped" (not due, delivered, its subscriber inactive, or another worker
    holds it). The row stays locked during the POST, so a second worker skips it (``skip_locked``)."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (EventDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("event__content_type", "subscriber")
                    .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).first())
        if delivery is None or not delivery.subscriber.is_active:
            return "skipped"
        if unreachable is not None and delivery.subscriber_id in unreachable:
            return "deferred"
        if earlier_undelivered(delivery):
            return "blocked"
        body = body_of(delivery.event)
        started = time.monotonic()
        status_code, error = post(delivery.subscriber.url, body, headers_for(delivery, body, now))
        duration = int((time.monotonic() - started) * 1000)
        success = status_code is not None and 200 <= status_code < 300
        if status_code is not None and not success:
            error = _("接收方返回 HTTP %(code)s") % {"code": status_code}
        if status_code is None and unreachable is not None:
            unreachable.add(delivery.subscriber_id)  # no answer (refused, timed out): not again in this batch
        DeliveryAttempt.objects.create(delivery=delivery, attempted_at=now, status_code=status_code, error=error,
                                       duration_ms=duration, success=success)
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_error = status_code, error
        if success:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
            outcome = "delivered"
        elif delivery.attempts >= max_attempts():
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            outcome = "failed"
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            outcome = "retry"
        delivery.save(update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at",
                                     "next_attempt_at"])
    return outcome


def deliver(delivery_ids: Iterable[int], *, now: datetime | None = None) -> dict[str, int]:
    """Attempt the given deliveries in event order; returns the count of each outcome. A subscriber
    that does not answer at all (connection refused, timeout) is not tried again in the same batch,
    so a receiver that is down costs one timeout per batch, not one per delivery."""
    counts: dict[str, int] = {}
    unreachable: set[int] = set()
    ids = EventDelivery.objects.filter(pk__in=list(delivery_ids)).order_by("event_id", "pk").values_list(
        "pk", flat=True)
    for pk in list(ids):
        outcome = attempt(pk, now=now, unreachable=unreachable)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def sweep(*, now: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Attempt every pending delivery that is due (its first attempt lost, or its back-off over),
    oldest event first, so the earlier events of an object go before the later ones. The periodic
    task ``jiguan.core.events.tasks.sweep`` (celery beat) runs it."""
    now = now or timezone.now()
    due = (EventDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now,
                                        subscriber__is_active=True)
           .order_by("event_id", "pk").values_list("pk", flat=True)[:limit])
    return deliver(list(due), now=now)


# ---------------------------------------------------------------------------------------------
# The administrator's writes (audited)
# ---------------------------------------------------------------------------------------------

def _snapshot(subscriber: EventSubscriber) -> dict:
    return audit.snapshot(subscriber, fields=SUBSCRIBER_AUDIT_FIELDS)


@transaction.atomic
def subscriber_create(*, name: str, url: str, secret: str, kinds: list[str], is_active: bool = True,
                      description: str = "") -> EventSubscriber:
    subscriber = EventSubscriber(name=name, url=url, secret=secret, kinds=list(kinds), is_active=is_active,
                                 description=description)
    subscriber.full_clean()
    subscriber.save()
    audit.record(Action.CREATE, subscriber, after=_snapshot(subscriber))
    return subscriber


@transaction.atomic
def subscriber_update(*, subscriber: EventSubscriber, **changes) -> EventSubscriber:
    """Change a subscriber; a blank or missing ``secret`` keeps the current one."""
    subscriber = EventSubscriber.objects.select_for_update().get(pk=subscriber.pk)
    before = _snapshot(subscriber)
    unknown = set(changes) - {"name", "url", "secret", "kinds", "is_active", "description"}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    secret = changes.pop("secret", "")
    for name, value in changes.items():
        setattr(subscriber, name, list(value) if name == "kinds" else value)
    if secret:
        subscriber.secret = secret
    subscriber.full_clean()
    subscriber.save()
    old, new = audit.diff(before, _snapshot(subscriber))
    if secret:
        old, new = dict(old or {}, secret="***"), dict(new or {}, secret=_("（已更换）"))
    if old or new:
        audit.record(Action.UPDATE, subscriber, before=old, after=new)
    return subscriber


@transaction.atomic
def delivery_replay(*, delivery: EventDelivery) -> EventDelivery:
    """Send a delivery again (重新投递), delivered or not: it is pending and due now, sent after
    commit; earlier undelivered events of the same object still go first."""
    delivery = EventDelivery.objects.select_for_update().select_related("event", "subscriber").get(pk=delivery.pk)
    if not delivery.subscriber.is_active:
        raise ValidationError(_("订阅方“%(name)s”已停用，不能重新投递。") % {"name": delivery.subscriber.name})
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, timezone.now()
    delivery.replays += 1
    delivery.save(update_fields=["status", "next_attempt_at", "replays"])
    audit.record(Action.STATE, delivery, before=before, after={"status": delivery.status, "replays": delivery.replays},
                 object_repr=_("事件 %(kind)s（%(object)s）投递至 %(name)s") % {
                     "kind": delivery.event.kind, "object": delivery.event.object_repr,
                     "name": delivery.subscriber.name},
                 message=_("重新投递"))
    pk = delivery.pk
    transaction.on_commit(lambda: dispatch([pk]))
    return delivery
