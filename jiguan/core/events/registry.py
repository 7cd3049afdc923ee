"""Event kinds (事件类型): declared once, from the module's ``AppConfig.ready()``,

    events.register("assets.asset.disposed", _("资产处置完成"), DisposedPayload)

with a Chinese label and the payload's schema: a DRF serializer class, or a dict holding a JSON
schema (``{"type": "object", "properties": {...}, "required": [...]}``). ``emit`` refuses a kind
that is not declared; the subscriber pages and API offer the declared kinds; the OpenAPI document
describes every kind's envelope and payload (``schema.event_envelope``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EventKind:
    kind: str
    label: Any  # a lazy Chinese string
    schema: Any  # a Serializer class or a JSON schema dict
    description: Any = ""

    @functools.cached_property  # a serializer's fields are built anew each time: once per kind
    def required(self) -> list[str]:
        """The payload keys ``emit`` insists on."""
        if isinstance(self.schema, dict):
            return list(self.schema.get("required", []))
        return [name for name, field in self.schema().fields.items() if field.required]


_kinds: dict[str, EventKind] = {}


def register(kind: str, label, schema, description="") -> EventKind:
    """Declare an event kind. Idempotent for the same declaration; a different one is an error."""
    declared = EventKind(kind, label, schema, description)
    existing = _kinds.get(kind)
    if existing is not None and existing != declared:
        raise ValueError(f"event kind {kind} is already declared differently")
    _kinds[kind] = declared
    return declared


def unregister(kind: str) -> None:
    _kinds.pop(kind, None)


def get(kind: str) -> EventKind:
    try:
        return _kinds[kind]
    except KeyError:
        raise LookupError(f"event kind {kind} is not declared (events.register)") from None


def declarations() -> list[EventKind]:
    return sorted(_kinds.values(), key=lambda k: k.kind)


def choices() -> list[tuple[str, str]]:
    return [(k.kind, f"{k.label}（{k.kind}）") for k in declarations()]


def is_declared(kind: str) -> bool:
    return kind in _kinds


def label_of(kind: str) -> str:
    """The kind's Chinese label, or the kind itself when it is no longer declared."""
    declared = _kinds.get(kind)
    return str(declared.label) if declared else kind
