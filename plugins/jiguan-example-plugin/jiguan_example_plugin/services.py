"""Seal engraving (印章刻制): a seal registered as 待刻制 is submitted for approval; the outcome puts
it in use (approved) or voids it. The seals themselves are written by their register (audited, with
history)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiguan.core.services import generic_update
from jiguan.workflow import services as workflow

from .models import Seal, SealStatus

ENGRAVING = "example_plugin.seal_engraving"  # the workflow business type


def engraving_submit(seal: Seal, *, actor):
    """Submit a 待刻制 seal for approval (the flow of ``ENGRAVING`` over the seal's unit)."""
    if seal.status != SealStatus.PENDING:
        raise ValidationError(_("只有待刻制的印章可以申请刻制。"))
    return workflow.request_start(business_type=ENGRAVING, obj=seal, applicant=actor,
                                  title=_("印章刻制：%(name)s") % {"name": seal.name})


def engraving_outcome(seal: Seal, outcome: str) -> None:
    """Outcome hook of ``ENGRAVING``: approved, the seal is in use; rejected or withdrawn, void. Idempotent."""
    with transaction.atomic():
        seal = Seal.objects.select_for_update().get(pk=seal.pk)
        if seal.status != SealStatus.PENDING:
            return
        generic_update(seal, {"status": SealStatus.IN_USE if outcome == "approved" else SealStatus.VOID})
