"""Value change documents (价值调整单): the value adjustment of a card through the approval flow."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.core import locks
from jiguan.workflow import documents

from .. import events as asset_events
from .. import policies
from ..documents import VALUE_CHANGE as VALUE_CHANGE_DOCUMENT
from ..models import (
    Asset,
    DocStatus,
    EventKind,
    ValueChange,
    period_of,
    period_start,
)
from .cards import asset_value_adjust, value_adjust_check
from .common import _decider, _last_charged, _locked, event_add

# ---------------------------------------------------------------------------------------------
# Value change (价值调整单): the adjustment of cards.py (asset_value_adjust), through the approval flow
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def value_change_create(*, asset: Asset, delta, on: date, reason: str, actor) -> ValueChange:
    """Request a value adjustment of one card. Checked now (so the user hears at once what is wrong)
    and again when the flow approves; the card changes only then. One request per card at a time.
    ``actor`` files it: asked ``policies.value_change_create`` (the document) and
    ``policies.card_value_adjust`` (the card's value)."""
    asset = _locked(asset)
    policies.value_change_create(actor, asset)
    policies.card_value_adjust(actor, asset)
    locks.check([asset], field="delta")
    delta = value_adjust_check(asset=asset, delta=delta, on=on, reason=reason)
    change = ValueChange(number=documents.next_number(VALUE_CHANGE_DOCUMENT.prefix), asset=asset,
                         unit=asset.owner_unit, delta=delta, effective_on=on, reason=reason.strip(), value_before=asset.original_value,
                         value_after=asset.original_value + delta, requested_by=actor,
                         status=DocStatus.PENDING)
    try:
        with transaction.atomic():
            change.save()
    except IntegrityError:
        pending = ValueChange.objects.filter(asset=asset, status__in=[DocStatus.DRAFT, DocStatus.PENDING]).first()
        raise ValidationError({"delta": _("该资产已有进行中的价值调整（%(no)s），请待其办结后再申请。") % {
            "no": pending.number if pending else ""}}) from None
    documents.hold(change, [asset], field="delta")
    audit.record_create(change)
    event_add(asset, EventKind.VALUE_REQUESTED, _("申请价值调整：%(delta)s 元（%(no)s）") % {
        "delta": f"{delta:+,}", "no": change.number}, document=change.number, data={"value_change": change.pk},
        actor=actor)
    documents.submit(
        change, actor=actor,
        title=_("资产价值调整 %(no)s：%(code)s %(name)s %(delta)s 元") % {
            "no": change.number, "code": asset.code, "name": asset.name, "delta": f"{delta:+,.2f}"},
        values={"amount": str(abs(delta))})
    return change


def value_change_outcome(change: ValueChange, outcome: str) -> None:
    """Outcome hook of ``assets.value_change``. Approved: the adjustment applies from its effective
    month, or from the first month no depreciation run has charged yet when that month was closed
    while the request waited. Otherwise the card stays as it is. Idempotent."""
    with transaction.atomic():
        change = ValueChange.objects.select_for_update().get(pk=change.pk)
        if change.status != DocStatus.PENDING:
            return
        today = timezone.localdate()
        decider, comment = _decider(change)
        update = {"completed_on": today, "updated_at": timezone.now()}  # set-based: auto_now does not apply
        if outcome == "approved":
            asset = _locked(change.asset)
            on, last = change.effective_on, _last_charged(asset)
            if last is not None and period_of(on) <= last:
                on = period_start(last + 1)
            try:
                with transaction.atomic():
                    asset = asset_value_adjust(asset=asset, delta=change.delta, on=on, reason=change.reason,
                                               document=change.number)
            except ValidationError as exc:
                # Approved, but the card changed while the request waited (disposed of, or charged
                # beyond the new value): the document closes as 未生效 and says why; the card is unchanged.
                why = "；".join(exc.messages)
                update.update(status=DocStatus.VOID, note=why[:500])
                summary = _("价值调整未生效（%(no)s）：%(why)s") % {"no": change.number, "why": why}
            else:
                update.update(status=DocStatus.COMPLETED, applied_on=on, value_after=asset.original_value)
                asset_events.value_changed(change, asset, applied_on=on)  # 价值调整生效, for other systems
                summary = _("价值调整已生效（%(no)s）") % {"no": change.number}
        else:
            status = documents.closed_status(outcome)
            update.update(status=status, completed_on=None)
            summary = _("价值调整%(result)s（%(no)s）") % {"result": status.label, "no": change.number}
        if update["status"] != DocStatus.COMPLETED:  # the card is unchanged: its timeline says so, and why
            event_add(change.asset, EventKind.VALUE_CANCELLED, summary, document=change.number,
                      data={"value_change": change.pk, "comment": comment}, actor=decider)
        # Status and dates (a void change keeps the day it closed), the card's lock released, one audit
        # record of the change.
        status = update.pop("status")
        documents.close(change, status=status, message=summary, fields=update)
