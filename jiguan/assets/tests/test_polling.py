"""Polling the cards and their documents with ``?updated_since=`` (core.polling, issue 18): the
services that change cards in bulk (a transfer completed, a disposal requested, approved or
rejected) set ``updated_at`` themselves, so another system polling the card list sees those cards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiguan.assets import services
from jiguan.assets.models import Asset, Disposal, Transfer
from jiguan.core.context import acting_as

from .conftest import decide

pytestmark = pytest.mark.django_db


def polled(client, url, since) -> list[int]:
    response = client.get(url, {"updated_since": since.isoformat(), "page_size": 500})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def long_ago(*models) -> None:
    for model in models:
        model.objects.update(updated_at=timezone.now() - dt.timedelta(days=30))


def test_a_poller_sees_the_cards_a_transfer_moved(tree, users, leaders, asset_flows, register, api_client_for,
                                                 django_capture_on_commit_callbacks):
    moved = register(tree.city_a_agency, count=3, actor=users["a_assets"])
    stays = register(tree.city_a_agency, actor=users["a_assets"])
    with acting_as(users["a_assets"]):
        transfer = services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.city_b_agency,
                                            asset_ids=[c.pk for c in moved], reason="工作调整",
                                            actor=users["a_assets"])
    long_ago(Asset, Transfer)
    since = timezone.now()
    poller = api_client_for(users["prov_assets"])
    assert polled(poller, "/api/v1/assets/", since) == []

    decide(transfer, leaders["leader"], django_capture_on_commit_callbacks)
    assert polled(poller, "/api/v1/assets/", since) == sorted(c.pk for c in moved)  # updated_at, id
    rows = poller.get("/api/v1/assets/", {"updated_since": since.isoformat()}).json()["results"]
    assert {row["owner_unit"] for row in rows} == {tree.city_b_agency.pk}
    assert stays.pk not in polled(poller, "/api/v1/assets/", since)
    assert polled(poller, "/api/v1/assets/transfers/", since) == [transfer.pk]


def test_a_poller_sees_cards_a_disposal_holds_and_releases(tree, users, leaders, asset_flows, register,
                                                          api_client_for, django_capture_on_commit_callbacks):
    cards = register(tree.city_a_agency, count=2, actor=users["a_assets"])
    long_ago(Asset)
    poller = api_client_for(users["prov_assets"])

    requested = timezone.now()
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[c.pk for c in cards],
                                            method="scrap", reason_code="obsolete", reason="无法维修",
                                            actor=users["a_assets"])
    assert polled(poller, "/api/v1/assets/", requested) == [c.pk for c in cards]  # 待处置
    long_ago(Asset, Disposal)

    rejected = timezone.now()
    decide(disposal, leaders["leader"], django_capture_on_commit_callbacks, approve=False)
    rows = poller.get("/api/v1/assets/", {"updated_since": rejected.isoformat()}).json()["results"]
    assert [row["id"] for row in rows] == [c.pk for c in cards]
    assert {row["status"] for row in rows} == {"in_use"}              # back to their former status
    assert polled(poller, "/api/v1/assets/disposals/", rejected) == [disposal.pk]   # closed: 已驳回
