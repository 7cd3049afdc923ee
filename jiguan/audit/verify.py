"""Chain verification: streams the log in id order and recomputes every digest.

A record is checked with the key its ``key_id`` names (HMAC-SM3). Rotation moves forward only: the
key ring lists the current key first and older keys after it, and a record signed with an older key
than the record before it is reported (a retired key kept to verify old records cannot sign new
ones). A record without a key id is checked with plain SM3 and accepted only as part of the prefix
written before the installation had a key: its id must be at most ``JIGUAN_AUDIT_PLAIN_UNTIL`` (a
setting, outside the database) and no keyed record may come before it.

Records not sealed yet (``PendingRecord``) are not part of the chain; the result counts them, so that
a sealer that stopped running shows (``audit_verify`` warns about any older than a few minutes)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from . import keys
from .chain import digest
from .models import GENESIS_HASH, AuditEvent, ChainHead
from .services import event_values, pending_summary

CHUNK = 5000


@dataclass
class Result:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""
    plain: int = 0  # records from before the switch-over to the keyed chain (plain SM3)
    last_hash: str = ""  # the hash of the last record verified
    plain_until: int = 0  # JIGUAN_AUDIT_PLAIN_UNTIL: the last id a plain record may have
    beyond_plain_until: bool = False  # broken at a plain record after JIGUAN_AUDIT_PLAIN_UNTIL
    pending: int = 0  # records written and committed but not chained yet (audit.models.PendingRecord)
    pending_oldest: object = None  # when the oldest of them was written


def plain_prefix() -> int:
    """The id of the last record before the first keyed one (all of them when none is keyed): what
    ``JIGUAN_AUDIT_PLAIN_UNTIL`` is set to when an installation that had no key is upgraded. Read from
    the database, so only a hint: check it against the record count of the last verification before
    the upgrade."""
    first_keyed = AuditEvent.objects.exclude(key_id="").order_by("id").values_list("id", flat=True).first()
    if first_keyed is not None:
        return first_keyed - 1
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def verify_chain(progress=None) -> Result:
    ring = keys.keyring()
    order = {kid: position for position, kid in enumerate(ring)}  # 0: the current key, higher: older
    plain_until = max(0, int(getattr(settings, "JIGUAN_AUDIT_PLAIN_UNTIL", 0) or 0))
    prev_hash, expected_id, checked, plain = GENESIS_HASH, 1, 0, 0
    prev_kid = ""  # the key of the last keyed record: every later record is keyed, with it or a newer key
    last_id = 0

    def broken(event_id, reason, beyond_plain_until=False):
        return Result(False, checked, event_id, reason, plain, plain_until=plain_until,
                      beyond_plain_until=beyond_plain_until)

    while True:
        rows = list(AuditEvent.objects.order_by("id").filter(id__gt=last_id)[:CHUNK])
        if not rows:
            break
        for event in rows:
            if event.id != expected_id:
                return broken(expected_id, f"record {expected_id} is missing (next present record is {event.id})")
            if event.prev_hash != prev_hash:
                return broken(event.id, "its previous-hash does not match the record before it")
            if event.key_id:
                key = ring.get(event.key_id)
                if key is None:
                    return broken(event.id,
                                  f"it is signed with a key this installation does not hold (key id "
                                  f"{event.key_id}): appended by someone else, or that key is missing from "
                                  f"the audit key configuration")
                if prev_kid and order[event.key_id] > order[prev_kid]:
                    return broken(event.id,
                                  f"it is signed with an older key (key id {event.key_id}) than the record "
                                  f"before it (key id {prev_kid}): appended with a retired key")
                prev_kid = event.key_id
            elif prev_kid:
                return broken(event.id, "it carries no keyed digest although the records before it do "
                                        "(appended without the audit key)")
            elif event.id > plain_until:
                return broken(event.id,
                              f"it carries no keyed digest and lies after the records from before the audit "
                              f"key (JIGUAN_AUDIT_PLAIN_UNTIL={plain_until}): appended without the audit key, "
                              f"or JIGUAN_AUDIT_PLAIN_UNTIL is not set (docs/operations.md, \"The audit key\")",
                              beyond_plain_until=True)
            else:
                key = None
            if digest(prev_hash, event_values(event), key) != event.hash:
                return broken(event.id, "its content does not match its hash (edited, or signed without the "
                                        "audit key)")
            plain += key is None
            prev_hash, expected_id, checked = event.hash, expected_id + 1, checked + 1
        last_id = rows[-1].id
        if progress:
            progress(checked)
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_id != checked or head.last_hash != prev_hash):
        return broken(checked + 1 if head.last_id > checked else head.last_id,
                      f"the chain head records {head.last_id} records ending in {head.last_hash[:12]}…, "
                      f"the log holds {checked}: records were removed from the end")
    pending, oldest = pending_summary()
    return Result(True, checked, plain=plain, last_hash=prev_hash, plain_until=plain_until,
                  pending=pending, pending_oldest=oldest)
