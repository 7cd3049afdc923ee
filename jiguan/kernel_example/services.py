"""Key handovers (钥匙移交): filing one (submitted for approval as it is created, holding its keys)
and the approval's outcome (the keys pass to the new holder, or are released). Keys themselves are
written by their register (``registers.keys``: generic, audited, with history)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.core.services import generic_update
from jiguan.workflow import documents

from . import policies
from .models import Key, KeyHandover, KeyHandoverItem, KeyStatus

HANDOVER = "kernel_example.key_handover"  # the workflow business type
PREFIX = "YS"  # YS-2026-000001
HISTORY_KIND = "handover"  # the keys' timeline entries of a handover (移交)


@transaction.atomic
def handover_create(*, unit, keys: Iterable, to_holder: str, reason: str, actor,
                    to_holder_phone: str = "") -> KeyHandover:
    """File a handover of ``keys`` (keys of ``unit``, or their ids) to ``to_holder`` and submit it for approval.
    The keys are held by it until it closes; the holder changes only on approval."""
    policies.handover_create(actor, unit)
    to_holder, reason = (to_holder or "").strip(), (reason or "").strip()
    errors = {}
    if not to_holder:
        errors["to_holder"] = [_("请填写接收人。")]
    if not reason:
        errors["reason"] = [_("请填写移交原因。")]
    ids = list(dict.fromkeys(getattr(k, "pk", k) for k in keys or []))
    if not ids:
        errors["keys"] = [_("请至少选择一把钥匙。")]
    if errors:
        raise ValidationError(errors)
    rows = list(Key.objects.select_for_update().filter(pk__in=ids, unit=unit).order_by("code", "pk"))
    if len(rows) != len(ids):
        raise ValidationError({"keys": _("所选钥匙中有不属于所选单位的钥匙。")})
    problems = [_("钥匙 %(code)s 已遗失，不能移交。") % {"code": k.code} for k in rows if k.status == KeyStatus.LOST]
    problems += [_("钥匙 %(code)s 的保管人已是 %(name)s。") % {"code": k.code, "name": to_holder}
                 for k in rows if k.holder == to_holder]
    if problems:
        raise ValidationError({"keys": problems})
    handover = KeyHandover.objects.create(
        number=documents.next_number(PREFIX), unit=unit, to_holder=to_holder, to_holder_phone=to_holder_phone,
        reason=reason, key_count=len(rows), requested_by=actor, status=documents.DocStatus.PENDING)
    KeyHandoverItem.objects.bulk_create([KeyHandoverItem(handover=handover, key=k, from_holder=k.holder)
                                         for k in rows])
    documents.hold(handover, rows, field="keys")
    audit.record_create(handover)
    documents.history_add(handover, HISTORY_KIND, _("申请移交给%(to)s") % {"to": to_holder}, actor=actor)
    documents.submit(handover, actor=actor, title=_("钥匙移交 %(no)s：%(n)d 把钥匙移交给%(to)s") % {
        "no": handover.number, "n": len(rows), "to": to_holder}, values={"count": len(rows)})
    return handover


def handover_outcome(handover: KeyHandover, outcome: str) -> None:
    """Outcome hook of ``kernel_example.key_handover``: approved, each key passes to the new holder
    (audited as an update of the key); otherwise nothing changes. Either way the keys are released
    and their timelines say so. Idempotent."""
    with transaction.atomic():
        handover = KeyHandover.objects.select_for_update().get(pk=handover.pk)
        if handover.status != documents.DocStatus.PENDING:
            return
        if outcome == "approved":
            for key in Key.objects.select_for_update().filter(handover_items__handover=handover).order_by("pk"):
                generic_update(key, {"holder": handover.to_holder, "holder_phone": handover.to_holder_phone,
                                     "status": KeyStatus.ISSUED})
            summary = _("移交给%(to)s") % {"to": handover.to_holder}
        else:
            summary = _("移交未办理：%(result)s") % {"result": documents.closed_status(outcome).label}
        documents.history_add(handover, HISTORY_KIND, summary)
        documents.close(handover, outcome, message=summary)
