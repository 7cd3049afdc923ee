"""The asset card's events for other systems (事件推送): registration, transfer, value change and
disposal completed, each emitted in the service's transaction and delivered to the subscribers that
take it. Acceptance (issue 18): an asset disposal approved while the webhook receiver is down is
delivered once the receiver is back, exactly once per subscriber, in order per object; the delivery
log shows the retries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jiguan.assets import events as asset_events
from jiguan.assets import services
from jiguan.core import events
from jiguan.core.context import acting_as
from jiguan.core.events.testing import Receiver
from jiguan.core.models import DeliveryStatus, Event, EventDelivery

from .conftest import decide

ALL = [asset_events.REGISTERED, asset_events.TRANSFERRED, asset_events.VALUE_CHANGED, asset_events.DISPOSED]


@pytest.fixture
def receivers():
    made = {"accounts": Receiver("accounts-secret-0123456789"), "archive": Receiver("archive-secret-0123456789")}
    yield made
    for receiver in made.values():
        receiver.close()


@pytest.fixture
def subscribers(db, receivers):
    with acting_as(None, channel="command"):
        return {
            # The accounts system (账务) takes every card event; the archive only disposals.
            "accounts": events.subscriber_create(name="资产账务系统", url=receivers["accounts"].url,
                                                 secret=receivers["accounts"].secret, kinds=ALL),
            "archive": events.subscriber_create(name="档案系统", url=receivers["archive"].url,
                                                secret=receivers["archive"].secret, kinds=[asset_events.DISPOSED]),
        }


def test_a_disposal_approved_while_the_receiver_is_down_is_delivered_once_it_is_back(
        tree, users, leaders, asset_flows, register, subscribers, receivers, client_for,
        django_capture_on_commit_callbacks):
    accounts, archive = receivers["accounts"], receivers["archive"]
    with django_capture_on_commit_callbacks(execute=True):
        card = register(tree.city_a_agency, actor=users["a_assets"])
    assert [e["kind"] for e in accounts.events()] == [asset_events.REGISTERED] and archive.received == []

    # Both receivers go down: a transfer completes, then a disposal of the same card is approved.
    accounts.down()
    archive.down(closed=True)
    with acting_as(users["a_assets"]):
        transfer = services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.city_b_agency,
                                            asset_ids=[card.pk], reason="工作调整", actor=users["a_assets"])
    decide(transfer, leaders["leader"], django_capture_on_commit_callbacks)
    with acting_as(users["b_assets"]):
        disposal = services.disposal_create(unit=tree.city_b_agency, asset_ids=[card.pk], method="scrap",
                                            reason_code="obsolete", reason="无法维修", actor=users["b_assets"])
    decide(disposal, leaders["b_leader"], django_capture_on_commit_callbacks)
    disposed = EventDelivery.objects.get(event__kind=asset_events.DISPOSED, subscriber=subscribers["accounts"])
    archived = EventDelivery.objects.get(event__kind=asset_events.DISPOSED, subscriber=subscribers["archive"])
    assert archived.attempts == 1 and "Connection refused" in archived.last_error
    assert disposed.attempts == 0              # waits for the transfer's event of the same card
    assert accounts.received[1:] == [] and archive.received == []

    # Still down at the first retries; then back.
    now = timezone.now()
    events.sweep(now=now + timedelta(minutes=1))
    events.sweep(now=now + timedelta(minutes=3))
    accounts.up()
    archive.up()
    events.sweep(now=now + timedelta(hours=2))
    expected = [asset_events.REGISTERED, asset_events.TRANSFERRED, asset_events.DISPOSED]
    assert [e["kind"] for e in accounts.events()] == expected            # in order per object
    assert [e["kind"] for e in archive.events()] == [asset_events.DISPOSED]
    [body] = archive.events()
    assert body["object"] == {"type": "assets.asset", "id": card.pk, "repr": str(card)}
    assert body["data"]["code"] == card.code and body["data"]["disposal"] == disposal.number
    assert body["data"]["method"] == "scrap" and body["data"]["disposed_on"] == timezone.localdate().isoformat()
    assert accounts.bad_signatures == archive.bad_signatures == 0

    # Exactly once per subscriber: later sweeps send nothing again.
    events.sweep(now=now + timedelta(days=3))
    assert len(accounts.received) == len(expected) and len(archive.received) == 1
    assert set(EventDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}

    # The delivery log shows the retries.
    archived.refresh_from_db()
    attempts = list(archived.attempt_log.values_list("success", flat=True))
    assert attempts == [False, False, False, True] and archived.attempts == 4
    page = client_for(users["sysadmin"]).get(reverse("events:delivery_detail", args=[archived.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and text.count("失败") >= 3 and "成功" in text and "资产处置完成" in text
    api = client_for(users["sysadmin"]).get(f"/api/v1/events/deliveries/{archived.pk}/").json()
    assert [a["success"] for a in api["attempt_log"]] == [False, False, False, True]
    assert api["body"]["kind"] == asset_events.DISPOSED


def test_registration_transfer_and_value_change_emit_their_events(tree, users, leaders, asset_flows, register,
                                                                 django_capture_on_commit_callbacks):
    cards = register(tree.city_a_agency, actor=users["a_assets"], count=2)
    registered = Event.objects.filter(kind=asset_events.REGISTERED).order_by("id")
    assert [e.object_id for e in registered] == [c.pk for c in cards]
    assert registered[0].payload["code"] == cards[0].code and registered[0].payload["original_value"] == "6000.00"
    with acting_as(users["a_assets"]):
        transfer = services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.city_b_agency,
                                            asset_ids=[cards[0].pk], reason="工作调整", actor=users["a_assets"])
    assert not Event.objects.filter(kind=asset_events.TRANSFERRED).exists()   # only once completed
    decide(transfer, leaders["leader"], django_capture_on_commit_callbacks)
    moved = Event.objects.get(kind=asset_events.TRANSFERRED)
    assert moved.object_id == cards[0].pk and moved.payload["transfer"] == transfer.number
    assert (moved.payload["from_unit"], moved.payload["to_unit"]) == (tree.city_a_agency.pk, tree.city_b_agency.pk)
    assert moved.payload["owner_unit"] == tree.city_b_agency.pk
    with acting_as(users["a_assets"]):
        change = services.value_change_create(asset=cards[1], delta=Decimal("500.00"), on=timezone.localdate(),
                                              reason="加装配件", actor=users["a_assets"])
    decide(change, leaders["leader"], django_capture_on_commit_callbacks)
    changed = Event.objects.get(kind=asset_events.VALUE_CHANGED)
    assert changed.object_id == cards[1].pk and changed.payload["delta"] == "500.00"
    assert (changed.payload["value_before"], changed.payload["original_value"]) == ("6000.00", "6500.00")


def test_a_rejected_disposal_emits_nothing(tree, users, leaders, asset_flows, register,
                                           django_capture_on_commit_callbacks):
    card = register(tree.city_a_agency, actor=users["a_assets"])
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="scrap",
                                            reason_code="obsolete", reason="无法维修", actor=users["a_assets"])
    decide(disposal, leaders["leader"], django_capture_on_commit_callbacks, approve=False)
    assert not Event.objects.filter(kind=asset_events.DISPOSED).exists()


def test_the_asset_kinds_are_declared_and_in_the_api_document():
    assert {k.kind for k in events.declarations()} >= set(ALL)
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    mapping = schema["components"]["schemas"]["Event"]["discriminator"]["mapping"]
    assert set(ALL) <= set(mapping)
    disposed = schema["components"]["schemas"]["AssetsAssetDisposedEvent"]
    assert {"id", "kind", "occurred_at", "object", "data"} <= set(disposed["properties"])
