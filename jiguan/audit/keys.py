"""The audit chain's keys (HMAC-SM3). Kept outside the database, so whoever holds only the database
credentials cannot append records that verify (docs/operations.md, "The audit key").

A key is a line of at least 32 characters (``secrets.token_hex(32)``). ``JIGUAN_AUDIT_KEY_FILE``
holds one key per line, the current key first and earlier keys after it (kept to verify the records
they signed); ``JIGUAN_AUDIT_KEY`` holds the keys themselves, comma-separated, in the same order.
Rotation moves forward only: verification refuses a record signed with an older key than the record
before it (``audit.verify``).
Each record stores the id of its key (``key_id``, a digest of the key, not the key). The settings
load the keys with ``load_keys`` (the module needs no configured Django to import).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MIN_LENGTH = 32
# Development and tests only: a published key protects nothing. Production refuses to start with it.
DEV_KEY = "jiguan-development-audit-key-not-secret-0000000000000000"


class AuditKeyError(ImproperlyConfigured):
    """The configured keys cannot be used (the message says why, without the key)."""


def load_keys(key: str = "", key_file: str = "") -> list[str]:
    """The keys from the environment's values, current first; [] when neither is set."""
    if key_file:
        try:
            text = Path(key_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise AuditKeyError(f"JIGUAN_AUDIT_KEY_FILE {key_file!r} cannot be read: {exc.strerror}") from exc
        keys = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        source = "JIGUAN_AUDIT_KEY_FILE"
        if not keys:
            raise AuditKeyError(f"JIGUAN_AUDIT_KEY_FILE {key_file!r} holds no key")
    else:
        keys = [part.strip() for part in key.split(",") if part.strip()]
        source = "JIGUAN_AUDIT_KEY"
    for number, value in enumerate(keys, start=1):
        if len(value) < MIN_LENGTH:
            raise AuditKeyError(f"{source}: key {number} is shorter than {MIN_LENGTH} characters")
    return keys


def key_id(key: str) -> str:
    """A short public name of a key: the first 16 hex digits of SM3 over a label and the key."""
    return hashlib.new("sm3", b"jiguan audit key id\0" + key.encode()).hexdigest()[:16]


@lru_cache(maxsize=8)
def _ring(keys: tuple[str, ...]) -> dict[str, bytes]:
    return {key_id(key): key.encode() for key in keys}


def keyring() -> dict[str, bytes]:
    """{key id: key} of every configured key; the first entry is the current key."""
    from django.conf import settings

    return _ring(tuple(getattr(settings, "JIGUAN_AUDIT_KEYS", ())))


def current() -> tuple[str, bytes | None]:
    """(key id, key) that new records are signed with; ("", None) without a key (plain SM3)."""
    ring = keyring()
    for kid, key in ring.items():
        return kid, key
    return "", None
