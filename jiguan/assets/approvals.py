"""The documents a form describes before they exist, for the approval route shown before 提交审批
(``registry.BusinessType.draft``, rendered by ``jiguan.workflow.views.RoutePreviewView``). Each
builder reads the same form as the create page, within the user's scope, and returns the unsaved
document with the values its request would freeze (the same ``amount`` as the ``*_create`` services),
or None while the form does not yet say which unit it is for."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from jiguan.core.validators import parse_id

from . import depreciation, forms
from .models import ZERO, Asset, ConfigurationRequest, Disposal, Transfer, ValueChange


def _cleaned(form) -> dict:
    form.is_valid()  # the fields given so far: a half-filled form still names its units
    return getattr(form, "cleaned_data", {})


def _total(cards, unit) -> Decimal:
    return sum((c.original_value for c in cards or [] if c.owner_unit_id == unit.pk), ZERO)


def transfer_draft(user, data):
    cleaned = _cleaned(forms.TransferForm(data=data, user=user))
    if not cleaned.get("from_unit"):
        return None
    transfer = Transfer(from_unit=cleaned["from_unit"], to_unit=cleaned.get("to_unit"))
    return transfer, {"amount": str(_total(cleaned.get("assets"), transfer.from_unit))}


def disposal_draft(user, data):
    cleaned = _cleaned(forms.DisposalForm(data=data, user=user))
    if not cleaned.get("unit"):
        return None
    return Disposal(unit=cleaned["unit"]), {"amount": str(_total(cleaned.get("assets"), cleaned["unit"]))}


def configuration_draft(user, data):
    cleaned = _cleaned(forms.ConfigurationForm(data=data, user=user))
    if not cleaned.get("unit"):
        return None
    price, quantity = cleaned.get("unit_price") or ZERO, cleaned.get("quantity") or 1
    return ConfigurationRequest(unit=cleaned["unit"]), {"amount": str(depreciation.money(price * quantity))}


def value_change_draft(user, data):
    pk = parse_id(data.get("asset"))
    asset = (Asset.objects.restrict(user, "change").select_related("owner_unit").filter(pk=pk).first()
             if pk is not None else None)
    if asset is None:
        return None
    try:
        delta = Decimal(str(data.get("delta") or "0"))
    except InvalidOperation:
        delta = ZERO
    if not delta.is_finite():
        delta = ZERO
    return ValueChange(asset=asset, unit=asset.owner_unit, delta=delta), {"amount": str(abs(delta))}
