"""Events for other systems (事件推送, jiguan.core.events): the outbox, delivery with signatures,
back-off and order, replay, the administrator's pages and API. A real HTTP receiver
(``jiguan.core.events.testing.Receiver``) on a free port; the clock is the ``now`` the sweep is given."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from jiguan.audit.models import AuditEvent
from jiguan.core import events
from jiguan.core.context import acting_as
from jiguan.core.events.testing import Receiver
from jiguan.core.models import DeliveryStatus, Event, EventDelivery, EventSubscriber
from jiguan.core.serializers import Serializer
from jiguan.core.testing import make_user, run_at_once

SECRET = "s3cret-for-the-test-receiver"
KIND, OTHER = "core_test.unit.renamed", "core_test.unit.closed"


class RenamedPayload(Serializer):
    name = serializers.CharField()


@pytest.fixture
def kinds():
    events.register(KIND, "单位更名（测试）", RenamedPayload)
    events.register(OTHER, "单位撤销（测试）", {"type": "object", "properties": {"why": {"type": "string"}},
                                           "required": ["why"]})
    yield
    events.unregister(KIND)
    events.unregister(OTHER)


@pytest.fixture
def receiver():
    receiver = Receiver(SECRET)
    yield receiver
    receiver.close()


@pytest.fixture
def subscriber(kinds, receiver, db):
    with acting_as(None, channel="command"):
        return events.subscriber_create(name="财务系统", url=receiver.url, secret=SECRET, kinds=[KIND])


def emit(obj, name, capture, kind=KIND):
    with capture(execute=True), transaction.atomic():
        return events.emit(kind, obj, {"name": name} if kind == KIND else {"why": name})


def test_an_event_is_delivered_after_commit_signed_and_logged(tree, subscriber, receiver,
                                                              django_capture_on_commit_callbacks):
    event = emit(tree.city_a, "甲市", django_capture_on_commit_callbacks)
    [request] = receiver.received
    assert receiver.bad_signatures == 0          # the receiver checked HMAC-SM3(secret, timestamp + "." + body)
    headers = request["headers"]
    assert headers["X-Jiguan-Event-Id"] == str(event.uuid)
    assert headers["X-Jiguan-Event-Kind"] == KIND
    assert headers["X-Jiguan-Timestamp"].isdigit()
    assert request["event"] == {"id": str(event.uuid), "kind": KIND, "occurred_at": request["event"]["occurred_at"],
                                "object": {"type": "org.orgunit", "id": tree.city_a.pk, "repr": str(tree.city_a)},
                                "data": {"name": "甲市"}}
    delivery = EventDelivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    [attempt] = delivery.attempt_log.all()
    assert attempt.success and attempt.status_code == 200 and attempt.duration_ms >= 0


def test_a_rolled_back_transaction_emits_nothing(tree, subscriber, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            events.emit(KIND, tree.city_a, {"name": "甲市"})
            raise RuntimeError("the business write failed")
    assert callbacks == []
    assert not Event.objects.exists() and not EventDelivery.objects.exists()
    events.sweep(now=timezone.now() + timedelta(days=1))
    assert receiver.received == []


def test_a_subscriber_gets_only_the_kinds_it_takes_and_only_while_active(tree, subscriber, receiver,
                                                                         django_capture_on_commit_callbacks):
    emit(tree.city_a, "不订阅", django_capture_on_commit_callbacks, kind=OTHER)
    assert receiver.received == [] and not EventDelivery.objects.exists()
    with acting_as(None, channel="command"):
        events.subscriber_update(subscriber=subscriber, is_active=False)
    emit(tree.city_a, "已停用", django_capture_on_commit_callbacks)
    assert receiver.received == [] and not EventDelivery.objects.exists()
    assert Event.objects.count() == 2            # the outbox has them all the same


def test_emit_refuses_an_undeclared_kind_and_a_payload_without_its_keys(tree, kinds):
    with pytest.raises(LookupError):
        events.emit("core_test.nothing", tree.city_a, {})
    with pytest.raises(ValueError, match="name"):
        events.emit(KIND, tree.city_a, {})
    with pytest.raises(ValueError, match="why"):
        events.emit(OTHER, tree.city_a, {"name": "x"})


def test_failures_back_off_and_an_object_s_events_keep_their_order(tree, subscriber, receiver, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.JIGUAN_EVENTS_RETRY_BASE_SECONDS = 30
    receiver.down()
    first = emit(tree.city_a, "一", django_capture_on_commit_callbacks)
    second = emit(tree.city_a, "二", django_capture_on_commit_callbacks)
    elsewhere = emit(tree.city_b, "乙", django_capture_on_commit_callbacks)
    d1, d2, d3 = (EventDelivery.objects.get(event=e) for e in (first, second, elsewhere))
    assert (d1.attempts, d2.attempts, d3.attempts) == (1, 0, 1)   # the second waits for the first
    assert receiver.refused == 2
    t0 = d1.next_attempt_at - timedelta(seconds=30)
    # Back-off: the failed ones are not due yet; the second is, and still waits for the first.
    assert events.sweep(now=t0 + timedelta(seconds=10)) == {"blocked": 1}
    assert events.sweep(now=t0 + timedelta(seconds=31)) == {"retry": 2, "blocked": 1}
    d1.refresh_from_db()
    assert d1.attempts == 2 and d1.next_attempt_at == t0 + timedelta(seconds=31 + 60)   # doubled
    receiver.down(closed=True)     # no answer at all: the subscriber's other deliveries wait for the next sweep
    assert events.sweep(now=t0 + timedelta(seconds=92)) == {"retry": 1, "deferred": 2}
    d1.refresh_from_db()
    assert d1.last_status_code is None and "Connection refused" in d1.last_error
    assert events.sweep(now=t0 + timedelta(seconds=93)) == {"retry": 1, "blocked": 1}   # d1 waits, d3 goes
    receiver.up()
    assert events.sweep(now=t0 + timedelta(hours=1)) == {"delivered": 3}
    assert [e["data"]["name"] for e in receiver.events()] == ["一", "二", "乙"]   # oldest event first
    log = [(a.status_code, bool(a.error), a.success) for a in EventDelivery.objects.get(pk=d1.pk).attempt_log.all()]
    assert log == [(503, True, False), (503, True, False), (None, True, False), (200, False, True)]
    log3 = [a.status_code for a in EventDelivery.objects.get(pk=d3.pk).attempt_log.all()]
    assert log3 == [503, 503, None, 200]
    assert events.sweep(now=t0 + timedelta(days=2)) == {}         # exactly once: nothing is sent again
    assert len(receiver.received) == 3


def test_a_redirect_is_not_a_delivery(tree, subscriber, receiver, django_capture_on_commit_callbacks):
    receiver.down(redirect=True)
    event = emit(tree.city_a, "一", django_capture_on_commit_callbacks)
    delivery = EventDelivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code == 302
    assert receiver.refused == 1 and receiver.received == []


def test_a_delivery_gives_up_after_the_last_attempt_and_the_replay_sends_it(tree, subscriber, receiver, settings,
                                                                            django_capture_on_commit_callbacks):
    settings.JIGUAN_EVENTS_MAX_ATTEMPTS = 2
    receiver.down()
    event = emit(tree.city_a, "一", django_capture_on_commit_callbacks)
    assert events.sweep(now=timezone.now() + timedelta(hours=1)) == {"failed": 1}
    delivery = EventDelivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    receiver.up()
    with acting_as(None, channel="command"), django_capture_on_commit_callbacks(execute=True):
        events.delivery_replay(delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.replays == 1
    assert [e["id"] for e in receiver.events()] == [str(event.uuid)]


def test_the_administrator_replays_a_delivered_event_through_the_api(tree, users, subscriber, receiver,
                                                                     api_client_for,
                                                                     django_capture_on_commit_callbacks):
    event = emit(tree.city_a, "一", django_capture_on_commit_callbacks)
    delivery = EventDelivery.objects.get(event=event)
    client = api_client_for(users["sysadmin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("event-delivery-replay", args=[delivery.pk]))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending" and response.json()["replays"] == 1   # sent after commit
    assert [e["id"] for e in receiver.events()] == [str(event.uuid)] * 2    # the same event id again
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempt_log.count() == 2
    record = AuditEvent.objects.get(object_type="core.eventdelivery")
    assert record.actor == users["sysadmin"] and record.message == "重新投递"


def test_the_replay_button_of_the_delivery_page(tree, users, subscriber, receiver, client_for,
                                                django_capture_on_commit_callbacks):
    event = emit(tree.city_a, "一", django_capture_on_commit_callbacks)
    delivery = EventDelivery.objects.get(event=event)
    client = client_for(users["sysadmin"])
    page = client.get(reverse("events:delivery_detail", args=[delivery.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "重新投递" in text and "已投递" in text and str(event.uuid) in text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:delivery_replay", args=[delivery.pk]))
    assert response.status_code == 302
    assert len(receiver.received) == 2
    listing = client.get(reverse("events:delivery_list"))
    assert listing.status_code == 200 and "单位更名（测试）" in listing.content.decode()


def test_the_administrator_creates_and_edits_a_subscriber_on_the_pages_audited(kinds, tree, users, client_for):
    client = client_for(users["sysadmin"])
    assert client.get(reverse("events:subscriber_create")).status_code == 200
    response = client.post(reverse("events:subscriber_create"), {
        "name": "资产账务系统", "url": "https://acc.example.cn/hook", "secret": SECRET, "kinds": [KIND],
        "is_active": "on", "description": ""})
    assert response.status_code == 302, response.content.decode()
    subscriber = EventSubscriber.objects.get(name="资产账务系统")
    assert subscriber.secret == SECRET and subscriber.kinds == [KIND]
    created = AuditEvent.objects.get(object_type="core.eventsubscriber", action="create")
    assert "secret" not in created.after and created.after["url"] == "https://acc.example.cn/hook"
    # Edit: a blank secret keeps the one there is.
    url = reverse("events:subscriber_edit", args=[subscriber.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "资产账务系统", "url": "https://acc.example.cn/hook2", "secret": "",
                                 "kinds": [KIND, OTHER], "is_active": "on", "description": ""})
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.secret == SECRET and subscriber.kinds == [KIND, OTHER]
    updated = AuditEvent.objects.get(object_type="core.eventsubscriber", action="update")
    assert updated.after == {"url": "https://acc.example.cn/hook2", "kinds": [KIND, OTHER]}
    # Bad input on the page: Chinese messages beside the fields, nothing saved.
    response = client.post(url, {"name": "资产账务系统", "url": "ftp://acc.example.cn/", "secret": "short",
                                 "kinds": ["nope"], "is_active": "on"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"url", "secret", "kinds"}
    assert "签名密钥至少 16 个字符。" in errors["secret"]
    listing = client.get(reverse("events:subscriber_list"))
    assert listing.status_code == 200 and "资产账务系统" in listing.content.decode()


def test_the_api_creates_and_changes_subscribers_and_never_shows_the_secret(kinds, users, api_client_for):
    client = api_client_for(users["sysadmin"])
    response = client.post("/api/v1/events/subscribers/", {
        "name": "资产账务系统", "url": "http://10.1.2.3:8080/hook", "secret": SECRET, "kinds": [KIND]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert "secret" not in body and body["kinds"] == [KIND] and body["is_active"] is True
    response = client.patch(f"/api/v1/events/subscribers/{body['id']}/", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert EventSubscriber.objects.get().secret == SECRET
    assert AuditEvent.objects.filter(object_type="core.eventsubscriber").count() == 2
    listed = client.get("/api/v1/events/subscribers/").json()
    assert [s["name"] for s in listed["results"]] == ["资产账务系统"]


@pytest.mark.parametrize("body, field, message", [
    ({"url": "ftp://acc.example.cn/hook"}, "url", "http:// 或 https://"),
    ({"url": "not a url"}, "url", ""),
    ({"kinds": ["assets.nothing"]}, "kinds", "未知的事件类型：assets.nothing"),
    ({"kinds": []}, "kinds", ""),
    ({"secret": "short"}, "secret", ""),
    ({"secret": None}, "secret", ""),
])
def test_bad_input_to_the_subscriber_api_is_a_structured_400(kinds, users, api_client_for, body, field, message):
    data = {"name": "资产账务系统", "url": "https://acc.example.cn/hook", "secret": SECRET, "kinds": [KIND], **body}
    response = api_client_for(users["sysadmin"]).post("/api/v1/events/subscribers/", data, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error" and list(error["fields"]) == [field]
    assert message in error["fields"][field][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["fields"][field][0])   # Chinese
    assert not EventSubscriber.objects.exists()


PAGES = ["events:subscriber_list", "events:subscriber_create", "events:delivery_list"]
APIS = ["/api/v1/events/subscribers/", "/api/v1/events/deliveries/"]


def test_only_the_system_administrator_of_the_whole_tree_reaches_the_pages_and_the_api(
        tree, users, subscriber, client_for, api_client_for, django_capture_on_commit_callbacks):
    emit(tree.city_a, "一", django_capture_on_commit_callbacks)
    delivery = EventDelivery.objects.get()
    city_sysadmin = make_user("city_sysadmin", tree.city_a_agency, [("system_admin", tree.city_a, True)])
    others = [users[name] for name in ("secadmin", "auditor", "prov_assets", "a_assets", "staff")]
    for user in [*others, city_sysadmin]:
        client, api = client_for(user), api_client_for(user)
        for name in PAGES:
            assert client.get(reverse(name)).status_code == 403, (user.username, name)
        for url in [reverse("events:subscriber_edit", args=[subscriber.pk]),
                    reverse("events:delivery_detail", args=[delivery.pk])]:
            assert client.get(url).status_code == 403, (user.username, url)
        assert client.post(reverse("events:delivery_replay", args=[delivery.pk])).status_code == 403
        for url in APIS:
            assert api.get(url).status_code == 403, (user.username, url)
        assert api.post(f"/api/v1/events/deliveries/{delivery.pk}/replay/").status_code == 403
        assert api.post("/api/v1/events/subscribers/", {"name": "x"}, format="json").status_code == 403
    assert "事件推送须由根单位" in api_client_for(city_sysadmin).get(APIS[0]).json()["error"]["message"]
    sysadmin, sysapi = client_for(users["sysadmin"]), api_client_for(users["sysadmin"])
    for name in PAGES:
        assert sysadmin.get(reverse(name)).status_code == 200
    for url in APIS:
        assert sysapi.get(url).status_code == 200
    assert sysapi.get("/api/v1/events/deliveries/999999/").status_code == 404
    assert EventDelivery.objects.get().replays == 0
    # The menu entry: the system administrator's only.
    assert "事件订阅" in sysadmin.get(reverse("home")).content.decode()
    assert "事件订阅" not in client_for(users["secadmin"]).get(reverse("home")).content.decode()


def test_the_permissions_belong_to_the_system_administrator_only():
    from jiguan.org.roles import BUILTIN_ROLES

    holders = {code for code, role in BUILTIN_ROLES.items() if role.permissions & events.PERMISSIONS}
    assert holders == {"system_admin"}
    assert events.PERMISSIONS <= BUILTIN_ROLES["system_admin"].permissions


def test_the_sweep_is_on_the_beat_schedule(settings):
    assert settings.CELERY_BEAT_SCHEDULE["events-sweep"]["task"] == "jiguan.core.events.tasks.sweep"
    from jiguan.config.celery import app

    assert "jiguan.core.events.tasks.sweep" in app.tasks and "jiguan.core.events.tasks.deliver" in app.tasks


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # real concurrent transactions and row locks (skip_locked)
def test_two_sweeps_at_once_send_each_delivery_once(tree, kinds, receiver):
    with acting_as(None, channel="command"):
        second = events.subscriber_create(name="第二系统", url=receiver.url, secret=SECRET, kinds=[KIND])
        events.subscriber_create(name="财务系统", url=receiver.url, secret=SECRET, kinds=[KIND])
    receiver.down()
    units = [tree.city_a, tree.city_b, tree.county_a, tree.city_a_agency, tree.city_b_agency]
    for n, unit in enumerate(units):
        for step in range(2):
            events.emit(KIND, unit, {"name": f"{n}-{step}"})   # autocommit: each its own transaction
    assert EventDelivery.objects.count() == 20
    receiver.up()
    later = timezone.now() + timedelta(hours=1)
    outcomes = run_at_once(lambda: events.sweep(now=later), lambda: events.sweep(now=later))
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    final = events.sweep(now=later)   # whatever a sweep found blocked (or held by the other) goes now
    assert sum(o.get("delivered", 0) for o in [*outcomes, final]) == 20
    assert EventDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 20
    sent = [(r["event"]["id"], r["headers"]["X-Jiguan-Delivery-Id"]) for r in receiver.received]
    assert len(sent) == len(set(sent)) == 20                    # each delivery sent exactly once
    for delivery in EventDelivery.objects.all():
        assert delivery.attempt_log.filter(success=True).count() == 1
    per_object = {}
    for r in receiver.received:
        if r["headers"]["X-Jiguan-Delivery-Id"] in {str(d.pk) for d in second.deliveries.all()}:
            per_object.setdefault(r["event"]["object"]["id"], []).append(r["event"]["data"]["name"])
    assert all(names == sorted(names) for names in per_object.values())   # in order per object


def test_the_lists_and_their_exports_cost_the_same_queries_for_few_and_many_rows(
        tree, users, subscriber, receiver, client_for, api_client_for, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page, api = client_for(users["sysadmin"]), api_client_for(users["sysadmin"])
    urls = [(page, reverse("events:delivery_list"), {}), (page, reverse("events:delivery_list"), {"export": "xlsx"}),
            (page, reverse("events:subscriber_list"), {}), (page, reverse("events:subscriber_list"), {"export": "xlsx"}),
            (api, "/api/v1/events/deliveries/", {}), (api, "/api/v1/events/subscribers/", {})]

    def counts():
        found = []
        for client, url, params in urls:
            client.get(url, params)  # warm-up
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, params).status_code == 200
            found.append(len(queries))
        return found

    emit(tree.city_a, "一", django_capture_on_commit_callbacks)
    few = counts()
    for n in range(4):
        emit(tree.city_b, f"乙{n}", django_capture_on_commit_callbacks)
    with acting_as(None, channel="command"):
        events.subscriber_create(name="档案系统", url=receiver.url, secret=SECRET, kinds=[KIND, OTHER])
    assert counts() == few
