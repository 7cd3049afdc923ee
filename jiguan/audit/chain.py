"""Canonical form and SM3 digest of an audit record (国密 SM3 through Python's hashlib)."""

from __future__ import annotations

import hashlib
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


def digest(prev_hash: str, values: dict) -> str:
    return hashlib.new("sm3", prev_hash.encode() + canonical(values)).hexdigest()
