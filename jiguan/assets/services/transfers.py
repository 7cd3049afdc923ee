"""Transfer documents (调拨): creation and the approval outcome hook."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.org.models import OrgKind, OrgUnit
from jiguan.workflow import documents

from .. import events as asset_events
from .. import policies
from ..documents import TRANSFER as TRANSFER_DOCUMENT
from ..models import (
    ZERO,
    Asset,
    AssetEvent,
    AssetStatus,
    DocStatus,
    EventKind,
    Transfer,
    TransferItem,
)
from .common import _actor, _cards_for, _decider

# ---------------------------------------------------------------------------------------------
# Transfer (调拨)
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def transfer_create(*, from_unit: OrgUnit, to_unit: OrgUnit, asset_ids: Iterable[int], reason: str,
                    actor) -> Transfer:
    """Propose moving cards from ``from_unit`` to ``to_unit`` and submit it for approval (a document
    over cards is submitted as it is created: it holds its cards from then until it closes, and no
    page or API could ever submit or cancel a draft). The owner changes only on approval.
    ``actor`` files it (the applicant) and is asked ``policies.transfer_create``."""
    policies.transfer_create(actor, from_unit)
    if from_unit.pk == to_unit.pk:
        raise ValidationError({"to_unit": _("调入单位不能与调出单位相同。")})
    if to_unit.kind == OrgKind.DEPARTMENT:
        raise ValidationError({"to_unit": _("调入单位须是机关或事业单位，内设机构之间请办理变更。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写调拨理由。")})
    cards = _cards_for(asset_ids, from_unit, _("调拨"))
    transfer = Transfer.objects.create(
        number=documents.next_number(TRANSFER_DOCUMENT.prefix), from_unit=from_unit, to_unit=to_unit, reason=reason,
        requested_by=actor,
        total_value=sum((c.original_value for c in cards), ZERO), asset_count=len(cards),
        status=DocStatus.PENDING)
    try:
        with transaction.atomic():
            TransferItem.objects.bulk_create([TransferItem(transfer=transfer, asset=c, original_value=c.original_value)
                                              for c in cards])
    except IntegrityError:
        raise ValidationError({"assets": _("所选资产中有正在调拨的资产，不能重复申请。")}) from None
    documents.hold(transfer, cards, field="assets")
    audit.record_create(transfer)
    AssetEvent.objects.bulk_create([
        AssetEvent(asset=c, kind=EventKind.TRANSFER_REQUESTED, occurred_on=timezone.localdate(), actor=actor,
                   summary=_("申请调拨至%(to)s（%(no)s）") % {"to": to_unit.name, "no": transfer.number},
                   document=transfer.number, data={"transfer": transfer.pk}) for c in cards])
    documents.submit(
        transfer, actor=actor,
        title=_("资产调拨 %(no)s：%(from)s → %(to)s，%(n)s 项") % {
            "no": transfer.number, "from": from_unit.name, "to": to_unit.name, "n": len(cards)},
        values={"amount": str(transfer.total_value)})
    return transfer


def transfer_outcome(transfer: Transfer, outcome: str) -> None:
    """Outcome hook of ``assets.transfer``: on approval the cards change owner (and leave their
    former users and departments); otherwise the cards are released. Idempotent."""
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().select_related("to_unit", "from_unit").get(pk=transfer.pk)
        if transfer.status != DocStatus.PENDING:
            return
        items = list(transfer.items.filter(open=True).select_related("asset"))
        ids = [i.asset_id for i in items]
        today = timezone.localdate()
        decider, comment = _decider(transfer)
        if outcome == "approved":
            moved = (Asset.objects.filter(pk__in=ids, owner_unit=transfer.from_unit)
                     .exclude(status=AssetStatus.DISPOSED)
                     .update(owner_unit=transfer.to_unit, using_unit=transfer.to_unit, department=None, user=None,
                             keeper=None, version=F("version") + 1, updated_at=timezone.now()))
            if moved != len(ids):
                raise ValidationError(_("部分资产已不属于调出单位或已处置，调拨未执行。"))
            status, kind = DocStatus.COMPLETED, EventKind.TRANSFER
            summary = _("调拨：%(from)s → %(to)s（%(no)s）") % {"from": transfer.from_unit.name,
                                                            "to": transfer.to_unit.name, "no": transfer.number}
        else:
            status = documents.closed_status(outcome)
            kind = EventKind.TRANSFER_CANCELLED
            summary = _("调拨%(result)s（%(no)s）") % {"result": status.label, "no": transfer.number}
        TransferItem.objects.filter(transfer=transfer).update(open=False)
        # Status and completion date, the cards' locks released, one audit record of the change.
        documents.close(transfer, status=status, message=summary)
        AssetEvent.objects.bulk_create([
            AssetEvent(asset_id=i, kind=kind, occurred_on=today, actor=decider or _actor(), summary=summary,
                       document=transfer.number, data={"transfer": transfer.pk, "comment": comment}) for i in ids])
        if outcome == "approved":  # 调拨完成: one event per card, for other systems
            asset_events.transferred(transfer, [i.asset for i in items])
