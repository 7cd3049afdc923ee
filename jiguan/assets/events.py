"""The asset card's events for other systems (事件推送, ``jiguan.core.events``): registration (登记),
transfer completed (调拨完成), value change completed (价值调整生效) and disposal completed (处置完成),
one event per card, emitted by the services in their transaction. The payloads are the serializers
below; the OpenAPI document shows them under the ``Event`` schema."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jiguan.core import events
from jiguan.core.serializers import Serializer

REGISTERED = "assets.asset.registered"
TRANSFERRED = "assets.asset.transferred"
VALUE_CHANGED = "assets.asset.value_changed"
DISPOSED = "assets.asset.disposed"
CENT = Decimal("0.01")


class CardPayload(Serializer):
    code = serializers.CharField(help_text="资产编码")
    name = serializers.CharField(help_text="资产名称")
    class_code = serializers.CharField(help_text="资产分类代码（GB/T 14885）")
    owner_unit = serializers.IntegerField(help_text="产权单位 id")
    owner_unit_name = serializers.CharField(help_text="产权单位名称")
    original_value = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="原值（元）")


class RegisteredPayload(CardPayload):
    registered_on = serializers.DateField(help_text="登记日期")
    quantity = serializers.IntegerField(help_text="数量")
    document = serializers.CharField(allow_blank=True, help_text="相关单据，如配置申请单号")


class TransferredPayload(CardPayload):
    transfer = serializers.CharField(help_text="调拨单号")
    from_unit = serializers.IntegerField(help_text="调出单位 id")
    from_unit_name = serializers.CharField(help_text="调出单位名称")
    to_unit = serializers.IntegerField(help_text="调入单位 id")
    to_unit_name = serializers.CharField(help_text="调入单位名称")
    completed_on = serializers.DateField(help_text="完成日期")


class ValueChangedPayload(CardPayload):
    value_change = serializers.CharField(help_text="价值调整单号")
    delta = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="调整金额（元）")
    value_before = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="调整前原值（元）")
    applied_on = serializers.DateField(help_text="实际生效日期")


class DisposedPayload(CardPayload):
    disposal = serializers.CharField(help_text="处置单号")
    method = serializers.CharField(help_text="处置方式代码")
    disposed_on = serializers.DateField(help_text="处置日期")


def declare() -> None:
    """From ``AssetsConfig.ready()``."""
    events.register(REGISTERED, _("资产登记"), RegisteredPayload)
    events.register(TRANSFERRED, _("资产调拨完成"), TransferredPayload)
    events.register(VALUE_CHANGED, _("资产价值调整生效"), ValueChangedPayload)
    events.register(DISPOSED, _("资产处置完成"), DisposedPayload)


def money(value) -> str:
    """An amount in yuan as the payloads write it: two decimals ("90000.00"), whatever the value's
    exponent in memory (a card just registered holds the Decimal it was given)."""
    return str(Decimal(value).quantize(CENT))


def card_data(card, owner=None) -> dict:
    owner = owner or card.owner_unit
    return {"code": card.code, "name": card.name, "class_code": card.class_code, "owner_unit": owner.pk,
            "owner_unit_name": owner.name, "original_value": money(card.original_value)}


def registered(cards: Iterable, *, document: str = "") -> None:
    events.emit_many(REGISTERED, [(card, {
        **card_data(card), "registered_on": card.registered_on.isoformat(), "quantity": card.quantity,
        "document": document}) for card in cards])


def registered_in_bulk(cards: Iterable[dict]) -> int:
    """``registered`` for cards an import wrote without model instances: each a dict with the card's
    ``id``, ``code``, ``name``, ``class_code``, ``owner_unit`` (id), ``owner_unit_name``,
    ``original_value``, ``registered_on`` and ``quantity``. Set-based (``events.emit_rows``)."""
    from .models import Asset

    return events.emit_rows(REGISTERED, Asset, [(card["id"], f"{card['code']} {card['name']}", {
        "code": card["code"], "name": card["name"], "class_code": card["class_code"],
        "owner_unit": card["owner_unit"], "owner_unit_name": card["owner_unit_name"],
        "original_value": money(card["original_value"]), "registered_on": card["registered_on"].isoformat(),
        "quantity": card["quantity"], "document": ""}) for card in cards])


def transferred(transfer, cards: Iterable) -> None:
    today = timezone.localdate().isoformat()
    events.emit_many(TRANSFERRED, [(card, {
        **card_data(card, transfer.to_unit), "transfer": transfer.number, "from_unit": transfer.from_unit_id,
        "from_unit_name": transfer.from_unit.name, "to_unit": transfer.to_unit_id,
        "to_unit_name": transfer.to_unit.name, "completed_on": today}) for card in cards])


def value_changed(change, card, *, applied_on) -> None:
    events.emit(VALUE_CHANGED, card, {
        **card_data(card), "value_change": change.number, "delta": money(change.delta),
        "value_before": money(change.value_before), "applied_on": applied_on.isoformat()})


def disposed(disposal, cards: Iterable) -> None:
    events.emit_many(DISPOSED, [(card, {
        **card_data(card), "disposal": disposal.number, "method": disposal.method,
        "disposed_on": card.disposed_on.isoformat()}) for card in cards])
