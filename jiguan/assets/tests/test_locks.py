"""One open document per card (issue 16, item 5): a transfer, a disposal and a value change each take
one object lock (core.ObjectLock) per card while they are open, so a card in an open document is
refused by any other, by the API (409 with the open document's number), the pages (a form error)
and the database (the unique constraint, also when two requests race on PostgreSQL). Closing the
document (approved, rejected, withdrawn, void) releases its locks."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from jiguan.assets import services
from jiguan.assets.models import AssetStatus, Disposal, DocStatus, Transfer
from jiguan.core import locks
from jiguan.core.context import acting_as
from jiguan.core.models import ObjectLock
from jiguan.core.testing import run_at_once

from .conftest import decide

pytestmark = pytest.mark.django_db

SCRAP = {"method": "scrap", "reason_code": "obsolete", "reason": "主板损坏，无维修价值"}


@pytest.fixture
def a_api(users, api_client_for):
    return api_client_for(users["a_assets"])


def held(card) -> str:
    """What the lock message says about ``card`` held by document ``number``."""
    return f"资产 {card.code} 已在进行中的%s %s 中，请待其办结后再办理。"


def open_transfer(tree, card, actor) -> Transfer:
    with acting_as(actor):
        return services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.city_b_agency,
                                        asset_ids=[card.pk], reason="调剂使用", actor=actor)


def test_the_api_refuses_a_disposal_of_a_card_in_an_open_transfer_with_409_naming_it(
        tree, register, users, asset_flows, a_api):
    card = register(tree.city_a_agency)
    transfer = open_transfer(tree, card, users["a_assets"])

    response = a_api.post("/api/v1/assets/disposals/", {"assets": [card.pk], **SCRAP}, format="json")
    assert response.status_code == 409, response.json()
    error = response.json()["error"]
    message = held(card) % ("资产调拨", transfer.number)
    assert (error["code"], error["message"], error["fields"]) == ("conflict", message, {"assets": [message]})
    assert error["conflicts"] == [{"object": card.code, "object_id": card.pk, "document": transfer.number,
                                   "document_type": "资产调拨"}]
    assert not Disposal.objects.exists()
    card.refresh_from_db()
    assert card.status == AssetStatus.IN_USE                              # not 待处置

    response = a_api.post(f"/api/v1/assets/{card.pk}/value-adjust/",
                          {"delta": "100.00", "on": "2026-12-01", "reason": "加装内存"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["conflicts"][0]["document"] == transfer.number


def test_the_disposal_page_shows_the_open_transfer_as_a_form_error(tree, register, users, asset_flows, client_for):
    card = register(tree.city_a_agency)
    transfer = open_transfer(tree, card, users["a_assets"])
    response = client_for(users["a_assets"]).post(reverse("assets:disposal_create"), {
        "unit": tree.city_a_agency.pk, "assets": [card.pk], **SCRAP})
    assert response.status_code == 200                                    # the form again, nothing saved
    assert held(card) % ("资产调拨", transfer.number) in response.context["form"].errors["assets"]
    assert held(card) % ("资产调拨", transfer.number) in response.content.decode()
    assert not Disposal.objects.exists()


def test_a_rejected_transfer_releases_its_cards_for_a_disposal(tree, register, users, leaders, asset_flows, a_api,
                                                               django_capture_on_commit_callbacks):
    card, other = register(tree.city_a_agency, count=2)
    transfer = open_transfer(tree, card, users["a_assets"])
    assert set(ObjectLock.objects.values_list("object_id", "holder_number")) == {(card.pk, transfer.number)}
    decide(transfer, leaders["leader"], django_capture_on_commit_callbacks, approve=False)
    transfer.refresh_from_db()
    assert transfer.status == DocStatus.REJECTED and not ObjectLock.objects.exists()

    response = a_api.post("/api/v1/assets/disposals/", {"assets": [card.pk, other.pk], **SCRAP}, format="json")
    assert response.status_code == 201, response.json()
    number = response.json()["number"]
    assert set(ObjectLock.objects.values_list("object_id", "holder_number")) == {(card.pk, number),
                                                                               (other.pk, number)}
    # Approved and applied: the disposal closes and lets go of its cards too.
    decide(Disposal.objects.get(number=number), leaders["leader"], django_capture_on_commit_callbacks)
    assert not ObjectLock.objects.exists()


def test_an_approved_transfer_and_a_withdrawn_value_change_release_their_locks(
        tree, register, users, leaders, asset_flows, django_capture_on_commit_callbacks):
    from jiguan.workflow import services as workflow
    from jiguan.workflow.selectors import latest_request

    card = register(tree.city_a_agency)
    manager = users["a_assets"]
    with acting_as(manager):
        change = services.value_change_create(asset=card, delta="100.00", on=card.acquired_on.replace(day=1),
                                              reason="加装内存", actor=manager)
        with pytest.raises(ValidationError) as refused:
            services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.city_b_agency, asset_ids=[card.pk],
                                     reason="调剂使用", actor=manager)
    assert held(card) % ("价值调整", change.number) in refused.value.messages
    with django_capture_on_commit_callbacks(execute=True), acting_as(manager):
        workflow.request_withdraw(request=latest_request(change), actor=manager)
    change.refresh_from_db()
    assert change.status == DocStatus.WITHDRAWN and not ObjectLock.objects.exists()

    transfer = open_transfer(tree, card, manager)
    decide(transfer, leaders["leader"], django_capture_on_commit_callbacks)
    card.refresh_from_db()
    assert card.owner_unit == tree.city_b_agency and not ObjectLock.objects.exists()


def test_the_migration_gives_each_open_document_its_cards_the_older_one_first(tree, register, users, asset_flows):
    """Documents filed before the locks: each open one takes its cards; a card that two held at once
    (the defect) goes to the older; closed documents take nothing."""
    card, other = register(tree.city_a_agency, count=2)
    transfer = open_transfer(tree, card, users["a_assets"])
    locks.release(transfer)  # as it was filed before the locks existed
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk, other.pk],
                                            actor=users["a_assets"], **SCRAP)
    ObjectLock.objects.all().delete()
    migration = importlib.import_module("jiguan.assets.migrations.0012_object_locks_for_open_documents")
    migration.take_locks(django_apps, None)
    assert set(ObjectLock.objects.values_list("object_id", "holder_number", "holder_label", "object_label")) == {
        (card.pk, transfer.number, "资产调拨", card.code), (other.pk, disposal.number, "资产处置", other.code)}


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # real concurrent transactions
def test_a_transfer_and_a_disposal_of_one_card_at_once_one_wins(tree, register, users, asset_flows):
    card = register(tree.city_a_agency, actor=users["a_assets"])
    manager = users["a_assets"]

    def transfer():
        with acting_as(manager):
            return services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.city_b_agency,
                                            asset_ids=[card.pk], reason="调剂使用", actor=manager)

    def dispose():
        with acting_as(manager):
            return services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], actor=manager, **SCRAP)

    outcomes = run_at_once(transfer, dispose, timeout=30)
    winners = [o for o in outcomes if isinstance(o, (Transfer, Disposal))]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    (winner,), (loser,) = winners, losers
    kind = "资产调拨" if isinstance(winner, Transfer) else "资产处置"
    assert type(loser) is locks.ObjectLocked, repr(loser)
    assert loser.message_dict == {"assets": [held(card) % (kind, winner.number)]}
    assert loser.conflicts[0]["document"] == winner.number
    assert list(ObjectLock.objects.values_list("object_id", "holder_number")) == [(card.pk, winner.number)]
    assert Transfer.objects.count() + Disposal.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # real concurrent transactions, no row lock taken first
def test_the_database_refuses_a_second_lock_taken_at_the_same_moment(tree, register, users, asset_flows):
    """``acquire`` alone (no card row lock before it, as a module that forgets one): the unique
    constraint makes the second insert wait for the first and fail, naming the winner."""
    from django.db import transaction

    card = register(tree.city_a_agency, actor=users["a_assets"])
    first, second = (open_transfer(tree, c, users["a_assets"]) for c in register(tree.city_a_agency, count=2))
    ObjectLock.objects.all().delete()

    def take(holder):
        def call():
            with transaction.atomic():
                locks.acquire(holder, [card])
            return holder.number
        return call

    outcomes = run_at_once(take(first), take(second), timeout=30)
    winners = [o for o in outcomes if isinstance(o, str)]
    losers = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert type(losers[0]) is locks.ObjectLocked and losers[0].conflicts[0]["document"] == winners[0]
    assert list(ObjectLock.objects.values_list("holder_number", flat=True)) == winners


# Review finding 5: a draft (submit: false) could never be submitted or cancelled and held its cards
# for good; documents are submitted as they are created, and old drafts are withdrawn.

@pytest.mark.parametrize("path, body", [
    ("/api/v1/assets/transfers/", {"reason": "调剂使用"}),
    ("/api/v1/assets/disposals/", SCRAP),
])
def test_the_api_refuses_a_draft_and_the_cards_stay_free(tree, register, users, asset_flows, a_api, path, body):
    card = register(tree.city_a_agency)
    if "transfers" in path:
        body = {**body, "to_unit": tree.city_b_agency.pk}
    response = a_api.post(path, {"assets": [card.pk], "submit": False, **body}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["fields"] == {
        "submit": ["不支持草稿：单据创建时即提交审批（草稿无法提交或撤销，会一直占用所选资产）。"]}
    assert not Transfer.objects.exists() and not Disposal.objects.exists() and not ObjectLock.objects.exists()
    card.refresh_from_db()
    assert card.status == AssetStatus.IN_USE
    # The card can be disposed of at once (a draft held it for good: 409 naming the draft).
    assert a_api.post("/api/v1/assets/disposals/", {"assets": [card.pk], **SCRAP}, format="json").status_code == 201


def test_the_migration_withdraws_the_drafts_and_frees_their_cards(tree, register, users, asset_flows, a_api):
    """Drafts filed before (submit: false) are withdrawn: their locks, open lines and the 待处置 status
    of a draft disposal's cards go; each card's timeline says why."""
    moved, scrapped = register(tree.city_a_agency, count=2)
    transfer = open_transfer(tree, moved, users["a_assets"])
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[scrapped.pk],
                                            actor=users["a_assets"], **SCRAP)
    Transfer.objects.filter(pk=transfer.pk).update(status=DocStatus.DRAFT)   # as submit: false left them
    Disposal.objects.filter(pk=disposal.pk).update(status=DocStatus.DRAFT)
    migration = importlib.import_module("jiguan.assets.migrations.0016_withdraw_unsubmittable_drafts")
    migration.withdraw_drafts(django_apps, None)

    assert Transfer.objects.get().status == Disposal.objects.get().status == DocStatus.WITHDRAWN
    assert not ObjectLock.objects.exists()
    scrapped.refresh_from_db()
    assert scrapped.status == AssetStatus.IN_USE                          # no longer 待处置
    assert scrapped.events.order_by("-id").first().summary == f"处置草稿无法提交，已撤回（{disposal.number}）"
    response = a_api.post("/api/v1/assets/disposals/", {"assets": [moved.pk, scrapped.pk], **SCRAP}, format="json")
    assert response.status_code == 201, response.json()
