"""Canonical form and digest of an audit record: HMAC-SM3 with the audit key (``audit.keys``), or
plain SM3 for records written before the installation had a key (国密 SM3 through Python's hashlib)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

CHAINED_FIELDS = (
    "id", "occurred_at", "actor_id", "actor_username", "org_id", "org_path", "ip", "request_id",
    "channel", "action", "object_type", "object_id", "object_repr", "before", "after", "success",
    "message",
)


def _normal(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def canonical(values: dict) -> bytes:
    body = {name: _normal(values.get(name)) for name in CHAINED_FIELDS}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(prev_hash: str, values: dict, key: bytes | None = None) -> str:
    """``HMAC-SM3(key, prev_hash + canonical(record))``; ``SM3(prev_hash + canonical(record))`` without a key."""
    message = prev_hash.encode() + canonical(values)
    if key is None:
        return hashlib.new("sm3", message).hexdigest()
    return hmac.new(key, message, "sm3").hexdigest()
