"""Chain verification: streams the log in id order and recomputes every digest.

A record is checked with the key its ``key_id`` names (HMAC-SM3); a record without a key id with
plain SM3, which is accepted only before the first keyed record (the switch-over to the keyed chain):
after it, a record without a valid keyed digest was appended by someone without the audit key."""

from __future__ import annotations

from dataclasses import dataclass

from . import keys
from .chain import digest
from .models import GENESIS_HASH, AuditEvent, ChainHead
from .services import event_values

CHUNK = 5000


@dataclass
class Result:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""
    plain: int = 0  # records from before the switch-over to the keyed chain (plain SM3)
    last_hash: str = ""  # the hash of the last record verified


def verify_chain(progress=None) -> Result:
    ring = keys.keyring()
    prev_hash, expected_id, checked, plain = GENESIS_HASH, 1, 0, 0
    keyed = False  # a keyed record has been seen: every later record must be keyed too
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.order_by("id").filter(id__gt=last_id)[:CHUNK])
        if not rows:
            break
        for event in rows:
            if event.id != expected_id:
                return Result(False, checked, expected_id,
                              f"record {expected_id} is missing (next present record is {event.id})", plain)
            if event.prev_hash != prev_hash:
                return Result(False, checked, event.id, "its previous-hash does not match the record before it",
                              plain)
            if event.key_id:
                key = ring.get(event.key_id)
                if key is None:
                    return Result(False, checked, event.id,
                                  f"it is signed with a key this installation does not hold (key id "
                                  f"{event.key_id}): appended by someone else, or that key is missing from "
                                  f"the audit key configuration", plain)
                keyed = True
            elif keyed:
                return Result(False, checked, event.id,
                              "it carries no keyed digest although the records before it do "
                              "(appended without the audit key)", plain)
            else:
                key = None
            if digest(prev_hash, event_values(event), key) != event.hash:
                return Result(False, checked, event.id,
                              "its content does not match its hash (edited, or signed without the audit key)",
                              plain)
            plain += key is None
            prev_hash, expected_id, checked = event.hash, expected_id + 1, checked + 1
        last_id = rows[-1].id
        if progress:
            progress(checked)
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_id != checked or head.last_hash != prev_hash):
        return Result(False, checked, checked + 1 if head.last_id > checked else head.last_id,
                      f"the chain head records {head.last_id} records ending in {head.last_hash[:12]}…, "
                      f"the log holds {checked}: records were removed from the end", plain)
    return Result(True, checked, plain=plain, last_hash=prev_hash)
