"""Chain verification: streams the log in id order and recomputes every digest."""

from __future__ import annotations

from dataclasses import dataclass

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


def verify_chain(progress=None) -> Result:
    prev_hash, expected_id, checked = GENESIS_HASH, 1, 0
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.order_by("id").filter(id__gt=last_id)[:CHUNK])
        if not rows:
            break
        for event in rows:
            if event.id != expected_id:
                return Result(False, checked, expected_id,
                              f"record {expected_id} is missing (next present record is {event.id})")
            if event.prev_hash != prev_hash:
                return Result(False, checked, event.id, "its previous-hash does not match the record before it")
            if digest(prev_hash, event_values(event)) != event.hash:
                return Result(False, checked, event.id, "its content does not match its hash (edited)")
            prev_hash, expected_id, checked = event.hash, expected_id + 1, checked + 1
        last_id = rows[-1].id
        if progress:
            progress(checked)
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_id != checked or head.last_hash != prev_hash):
        return Result(False, checked, checked + 1 if head.last_id > checked else head.last_id,
                      f"the chain head records {head.last_id} records ending in {head.last_hash[:12]}…, "
                      f"the log holds {checked}: records were removed from the end")
    return Result(True, checked)
