"""Events for other systems (事件推送): a module declares its event kinds once,

    events.register("assets.asset.disposed", _("资产处置完成"), DisposedPayload)

and its services call ``events.emit(kind, obj, payload)`` inside their transaction: one outbox row
(``core.Event``) and one delivery (``core.EventDelivery``) per active subscriber taking the kind,
sent after commit by a Celery task and retried by the periodic sweep with exponential back-off,
signed with HMAC-SM3, exactly once per subscriber and in order per object. Subscribers are
configured by the system administrator on ``/events/…`` and ``/api/v1/events/…``. See
docs/development/events.md.
"""

from .registry import EventKind, choices, declarations, get, is_declared, register, unregister
from .services import (
    HEADERS,
    SIGNATURE_HEADER,
    attempt,
    backoff,
    body_of,
    deliver,
    delivery_replay,
    emit,
    emit_many,
    emit_rows,
    envelope,
    sign,
    subscriber_create,
    subscriber_update,
    sweep,
)

PERMISSIONS = frozenset({
    "core.view_eventsubscriber", "core.add_eventsubscriber", "core.change_eventsubscriber",
    "core.view_eventdelivery", "core.replay_eventdelivery",
})

__all__ = [
    "HEADERS", "PERMISSIONS", "SIGNATURE_HEADER", "EventKind", "attempt", "backoff", "body_of", "choices",
    "declarations", "deliver", "delivery_replay", "emit", "emit_many", "emit_rows", "envelope", "get", "is_declared",
    "register", "sign", "subscriber_create", "subscriber_update", "sweep", "unregister",
]
