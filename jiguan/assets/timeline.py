"""The card's timeline (资产履历) as the kernel's history of ``Asset``: entries stay in ``AssetEvent``
(tens of millions of rows at a province's scale, indexed per card by ``assets_event_asset``), not in
``core.HistoryEntry``; ``AssetEventStore`` is the adapter that ``history.add`` / ``history.entries``
go through. Declared in ``apps.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jiguan.core import history

from .models import Asset, AssetEvent


class AssetEventStore(history.Store):
    def add(self, obj, *, kind, summary, occurred_on, data, document, actor):
        return AssetEvent.objects.create(asset=obj, kind=kind, summary=summary, occurred_on=occurred_on,
                                         actor=actor, data=data, document=document)

    def entries(self, obj):
        return AssetEvent.objects.filter(asset=obj).order_by("id")


def declare() -> None:
    history.register(Asset, store=AssetEventStore(), title=_("资产履历"),
                     link="jiguan.assets.views.cards.event_url")
