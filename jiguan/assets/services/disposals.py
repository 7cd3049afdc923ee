"""Disposal documents (处置): creation, the approval outcome hook and the recorded result."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.core.tables import money
from jiguan.org.models import OrgUnit
from jiguan.standards.selectors import standard_values
from jiguan.workflow import documents

from .. import events as asset_events
from .. import policies
from ..documents import DISPOSAL as DISPOSAL_DOCUMENT
from ..models import (
    MOVABLE_STATUSES,
    ZERO,
    Asset,
    AssetEvent,
    AssetStatus,
    Disposal,
    DisposalItem,
    DocStatus,
    EventKind,
    period_of,
)
from .common import _actor, _cards_for, _decider

# ---------------------------------------------------------------------------------------------
# Disposal (处置)
# ---------------------------------------------------------------------------------------------

@transaction.atomic
def disposal_create(*, unit: OrgUnit, asset_ids: Iterable[int], method: str, reason: str, actor,
                    reason_code: str = "", valuation: Decimal | None = None) -> Disposal:
    """Propose disposing of cards of ``unit`` and submit it for approval (as ``transfer_create``).
    They become 待处置 at once (so no second disposal or
    transfer can take them); on approval they close, otherwise they go back to their former status.
    ``actor`` files it and is asked ``policies.disposal_create``."""
    policies.disposal_create(actor, unit)
    on = timezone.localdate()
    errors = {}
    methods = standard_values("disposal_method", on)
    entry = methods.get(method)
    if entry is None:
        errors["method"] = [_("请选择有效的处置方式。")]
    rules = entry.attrs if entry is not None else {}  # standards_data.DISPOSAL_RULES
    if rules.get("reason_table") and reason_code not in standard_values(rules["reason_table"], on):
        errors["reason_code"] = [_("报废、报损须选择条例第二十一条规定的原因。")]
    if rules.get("valuation") and valuation is None:
        errors["valuation"] = [_("%(method)s须先评估，请填写评估价值（条例第三十六条）。") % {"method": entry.name}]
    if not reason.strip():
        errors["reason"] = [_("请填写处置说明。")]
    if errors:
        raise ValidationError(errors)
    cards = _cards_for(asset_ids, unit, _("处置"))
    disposal = Disposal.objects.create(
        number=documents.next_number(DISPOSAL_DOCUMENT.prefix), unit=unit, method=method, reason_code=reason_code,
        reason=reason,
        valuation=valuation, requested_by=actor, total_value=sum((c.original_value for c in cards), ZERO),
        asset_count=len(cards), status=DocStatus.PENDING)
    try:
        with transaction.atomic():
            DisposalItem.objects.bulk_create([
                DisposalItem(disposal=disposal, asset=c, original_value=c.original_value, prev_status=c.status)
                for c in cards])
    except IntegrityError:
        raise ValidationError({"assets": _("所选资产中有正在处置或已处置的资产，不能重复申请。")}) from None
    documents.hold(disposal, cards, field="assets")
    changed = (Asset.objects.filter(pk__in=[c.pk for c in cards], status__in=MOVABLE_STATUSES)
               .update(status=AssetStatus.PENDING_DISPOSAL, version=F("version") + 1, updated_at=timezone.now()))
    if changed != len(cards):
        raise ValidationError({"assets": _("所选资产的状态已变化，请刷新后重试。")})
    audit.record_create(disposal)
    AssetEvent.objects.bulk_create([
        AssetEvent(asset=c, kind=EventKind.DISPOSAL_REQUESTED, occurred_on=on, actor=actor,
                   summary=_("申请%(method)s（%(no)s）") % {"method": methods[method].name, "no": disposal.number},
                   document=disposal.number, data={"disposal": disposal.pk}) for c in cards])
    documents.submit(
        disposal, actor=actor,
        title=_("资产处置 %(no)s：%(method)s %(n)s 项，原值 %(value)s 元") % {
            "no": disposal.number, "method": methods[method].name, "n": len(cards), "value": money(disposal.total_value)},
        values={"amount": str(disposal.total_value)})
    return disposal


def disposal_outcome(disposal: Disposal, outcome: str) -> None:
    """Outcome hook of ``assets.disposal``. Approved: the cards close (已处置), depreciation stops
    from this month (当月减少当月不再计提), an ``assets.asset.disposed`` event per card goes to other systems. Otherwise the cards
    return to their former status. Idempotent: a second call finds the disposal no longer pending."""
    with transaction.atomic():
        disposal = Disposal.objects.select_for_update().get(pk=disposal.pk)
        if disposal.status != DocStatus.PENDING:
            return
        items = list(disposal.items.filter(open=True))
        ids = [i.asset_id for i in items]
        today = timezone.localdate()
        decider, comment = _decider(disposal)
        if outcome == "approved":
            closed = (Asset.objects.filter(pk__in=ids, status=AssetStatus.PENDING_DISPOSAL)
                      .update(status=AssetStatus.DISPOSED, disposed_on=today, dep_stop=period_of(today) - 1,
                              user=None, version=F("version") + 1, updated_at=timezone.now()))
            if closed != len(ids):
                raise ValidationError(_("部分资产已不在待处置状态，处置未执行。"))
            DisposalItem.objects.filter(disposal=disposal).update(open=False, done=True)
            status, kind = DocStatus.COMPLETED, EventKind.DISPOSAL
            summary = _("处置完成（%(no)s）") % {"no": disposal.number}
        else:
            for prev in {i.prev_status for i in items}:
                Asset.objects.filter(pk__in=[i.asset_id for i in items if i.prev_status == prev],
                                     status=AssetStatus.PENDING_DISPOSAL).update(status=prev,
                                                                                 version=F("version") + 1,
                                                                                 updated_at=timezone.now())
            DisposalItem.objects.filter(disposal=disposal).update(open=False)
            status = documents.closed_status(outcome)
            kind = EventKind.DISPOSAL_CANCELLED
            summary = _("处置%(result)s（%(no)s）") % {"result": status.label, "no": disposal.number}
        # Status and completion date, the cards' locks released, one audit record of the change.
        documents.close(disposal, status=status, message=summary)
        AssetEvent.objects.bulk_create([
            AssetEvent(asset_id=i, kind=kind, occurred_on=today, actor=decider or _actor(), summary=summary,
                       document=disposal.number, data={"disposal": disposal.pk, "comment": comment}) for i in ids])
        if outcome == "approved":  # 处置完成: one event per card, for other systems (the accounts side)
            asset_events.disposed(disposal, Asset.objects.filter(pk__in=ids).select_related("owner_unit")
                                  .order_by("pk"))


@transaction.atomic
def disposal_record_result(*, disposal: Disposal, reply_no: str = "", income: Decimal | None = None,
                           actor=None) -> Disposal:
    """Record the approval reply number (批复文号) and the income (处置收入) on a disposal, as ``actor``
    (asked ``policies.disposal_record_result``)."""
    disposal = Disposal.objects.select_for_update().select_related("unit").get(pk=disposal.pk)
    policies.disposal_record_result(actor, disposal)
    before = audit.snapshot(disposal)
    disposal.reply_no, disposal.income = reply_no, income
    disposal.full_clean()
    disposal.save(update_fields=["reply_no", "income", "updated_at"])
    audit.record_update(disposal, before)
    return disposal
