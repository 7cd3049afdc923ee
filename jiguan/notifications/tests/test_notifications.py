from jiguan.notifications.models import Notification
from jiguan.notifications.services import notify


def test_notifications_are_personal_and_marked_read_on_open(users, client_for, api_client_for,
                                                            django_capture_on_commit_callbacks):
    a, b = users["a_assets"], users["b_assets"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(recipients=[a, a], title="待办：采购申请", body="请审批", url="/workflow/todo/")
    assert len(callbacks) == 1
    assert Notification.objects.filter(recipient=a).count() == 1  # duplicates collapse
    page = client_for(a).get("/notifications/").content.decode()
    assert "待办：采购申请" in page and 'id="unread-count">1<' in page
    assert "待办：采购申请" not in client_for(b).get("/notifications/").content.decode()
    note = Notification.objects.get(recipient=a)
    assert client_for(b).get(f"/notifications/{note.pk}/").status_code == 404
    response = client_for(a).get(f"/notifications/{note.pk}/")
    assert response.status_code == 302 and response["Location"] == "/workflow/todo/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'id="unread-count"' not in client_for(a).get("/notifications/").content.decode()
    assert api_client_for(b).get("/api/v1/notifications/").json()["count"] == 0
    assert api_client_for(a).get("/api/v1/notifications/", {"unread": "true"}).json()["count"] == 0


def test_rolled_back_transaction_sends_nothing(users, settings, django_capture_on_commit_callbacks):
    from django.db import transaction

    from jiguan.notifications import senders

    sent = []

    class Gateway(senders.Sender):
        def send(self, notification):
            sent.append((notification.recipient_id, notification.title))

    senders.TestGateway = Gateway
    settings.JIGUAN_NOTIFICATION_SENDERS = ["jiguan.notifications.senders.TestGateway"]
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    notify(recipients=[users["staff"]], title="不会发出", url="/")
                    raise RuntimeError("rollback")
            except RuntimeError:
                pass
        assert callbacks == [] and sent == []
        assert not Notification.objects.filter(title="不会发出").exists()

        # The same notification in a transaction that commits reaches the gateway: the check above
        # watches a sender that works.
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with transaction.atomic():
                notify(recipients=[users["staff"]], title="会发出", url="/")
        assert len(callbacks) == 1 and sent == [(users["staff"].pk, "会发出")]
        assert Notification.objects.filter(recipient=users["staff"], title="会发出").count() == 1
    finally:
        del senders.TestGateway


def test_senders_receive_each_notification_after_commit(users, settings, django_capture_on_commit_callbacks):
    from jiguan.notifications import senders

    received = []

    class Gateway(senders.Sender):
        def send(self, notification):
            received.append((notification.recipient_id, notification.title))

    senders.TestGateway = Gateway
    settings.JIGUAN_NOTIFICATION_SENDERS = ["jiguan.notifications.senders.TestGateway"]
    try:
        with django_capture_on_commit_callbacks(execute=True):
            notify(recipients=[users["staff"]], title="短信网关测试")
            assert received == []
        assert received == [(users["staff"].pk, "短信网关测试")]
    finally:
        del senders.TestGateway
