"""Sealing after commit (封存): an audited write inserts its record without any shared lock, and the
record is chained once its transaction commits, so audited writes never queue on the chain head
(docs/development/architecture.md, "Sealing after commit"). These tests run the production setting,
``JIGUAN_AUDIT_SEAL = "after_commit"``, on transactions that really commit."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from jiguan.audit import services as audit
from jiguan.audit import tasks
from jiguan.audit.models import Action, AuditEvent, ChainHead, PendingRecord
from jiguan.audit.verify import verify_chain
from jiguan.core.context import acting_as
from jiguan.org import services as org
from jiguan.org.models import OrgKind

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def after_commit(settings):
    settings.JIGUAN_AUDIT_SEAL = "after_commit"


def run(command: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def chained(object_type: str, action: str = "") -> list[AuditEvent]:
    events = AuditEvent.objects.filter(object_type=object_type).order_by("id")
    return list(events.filter(action=action) if action else events)


def test_a_write_is_in_the_chain_when_the_service_returns(tree, users):
    before = AuditEvent.objects.count()
    with acting_as(users["sysadmin"], channel="web"):
        unit = org.orgunit_create(parent=tree.city_a, name="新设科室", kind=OrgKind.DEPARTMENT)
    event = AuditEvent.objects.get(object_type="org.orgunit", object_id=str(unit.pk))
    assert event.action == Action.CREATE and event.actor_username == "sysadmin"
    assert event.id == before + 1 and PendingRecord.objects.count() == 0
    result = verify_chain()
    assert result.ok and result.checked == before + 1 and result.pending == 0


def test_inside_its_transaction_a_record_waits_and_a_rollback_leaves_neither_record_nor_gap(tree, users):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic(), acting_as(users["sysadmin"], channel="web"):
        org.orgunit_create(parent=tree.city_a, name="撤回的科室", kind=OrgKind.DEPARTMENT)
        assert PendingRecord.objects.filter(object_repr__contains="撤回的科室").count() == 1
        assert not AuditEvent.objects.filter(object_repr__contains="撤回的科室").exists()
        raise RuntimeError("the request fails after its write")
    assert not PendingRecord.objects.exists()
    assert not AuditEvent.objects.filter(object_repr__contains="撤回的科室").exists()
    with acting_as(users["sysadmin"], channel="web"):
        org.orgunit_create(parent=tree.city_a, name="保留的科室", kind=OrgKind.DEPARTMENT)
    kept = AuditEvent.objects.get(object_repr__contains="保留的科室")
    assert kept.id == before + 1  # gap-free: the rolled-back record took no id
    assert verify_chain().ok


def test_records_of_one_transaction_are_chained_together_in_the_order_written(tree, users):
    with transaction.atomic(), acting_as(users["sysadmin"], channel="job"):
        for n in range(3):
            audit.record(Action.IMPORT, object_type_label="test.batch", object_id=str(n))
    ids = [(e.object_id, e.id) for e in chained("test.batch")]
    assert [oid for oid, _ in ids] == ["0", "1", "2"]
    assert [i for _, i in ids] == list(range(ids[0][1], ids[0][1] + 3))


def test_a_record_left_pending_by_a_crash_is_reported_and_sealed_by_the_sweep(tree, users, monkeypatch):
    # The process dies between the commit and the sealing: the record is committed, not chained.
    monkeypatch.setattr(audit, "seal_after_commit", lambda *args: 0)
    with acting_as(users["sysadmin"], channel="web"):
        org.orgunit_update(unit=tree.city_a, short_name="甲市")
    monkeypatch.undo()
    pending = PendingRecord.objects.get()
    assert pending.object_id == str(tree.city_a.pk) and not chained("org.orgunit", Action.UPDATE)

    code, out, _ = run("audit_verify")
    assert code == 0 and "1 records are written but not sealed yet" in out and "not running" not in out
    PendingRecord.objects.filter(pk=pending.pk).delete()  # an old one: the sealer has stopped
    PendingRecord.objects.create(**{**{f: getattr(pending, f) for f in audit.RECORD_FIELDS},
                                    "occurred_at": timezone.now() - timedelta(minutes=30)})
    code, out, _ = run("audit_verify")
    assert code == 0 and "the sealer is not running" in out

    count = AuditEvent.objects.count()
    assert tasks.seal.apply().get() == {"sealed": 1, "pending": 0}  # the audit-seal beat entry
    event = AuditEvent.objects.get(object_type="org.orgunit", action=Action.UPDATE)
    assert event.id == count + 1 and event.after == {"short_name": "甲市"}
    assert not PendingRecord.objects.exists()
    code, out, _ = run("audit_verify")
    assert code == 0 and f"{count + 1} records verified" in out and "not sealed" not in out


def test_audit_seal_command_seals_what_is_pending(tree, users, monkeypatch):
    monkeypatch.setattr(audit, "seal_after_commit", lambda *args: 0)
    with acting_as(users["sysadmin"], channel="job"):
        for n in range(3):
            audit.record(Action.IMPORT, object_type_label="test.batch", object_id=str(n))
    assert PendingRecord.objects.count() == 3
    code, out, _ = run("audit_seal")
    assert code == 0 and "sealed 3 audit records; 0 pending" in out
    assert [e.object_id for e in chained("test.batch")] == ["0", "1", "2"]
    assert verify_chain().ok


def test_an_edited_or_deleted_record_sealed_after_commit_is_caught(tree, users):
    with acting_as(users["sysadmin"], channel="job"):
        for n in range(4):
            audit.record(Action.IMPORT, object_type_label="test.batch", object_id=str(n))
    events = chained("test.batch")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        try:
            cursor.execute("UPDATE audit_auditevent SET object_id = 'x' WHERE id = %s", [events[1].id])
            assert verify_chain().broken_id == events[1].id
            cursor.execute("UPDATE audit_auditevent SET object_id = '1' WHERE id = %s", [events[1].id])
            assert verify_chain().ok
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[2].id])
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")
    result = verify_chain()
    assert not result.ok and result.broken_id == events[2].id and "missing" in result.reason


@pytest.mark.postgres_only  # the trigger exists on PostgreSQL only
def test_a_pending_record_cannot_be_changed(tree, users, monkeypatch):
    monkeypatch.setattr(audit, "seal_after_commit", lambda *args: 0)
    with acting_as(users["sysadmin"], channel="job"):
        audit.record(Action.IMPORT, object_type_label="test.batch", object_id="0")
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        PendingRecord.objects.update(object_id="forged")
    assert PendingRecord.objects.get().object_id == "0"


# Concurrency (PostgreSQL: real concurrent transactions and row locks) ------------------------------


def hold_chain_head():
    """Another connection holds the chain head (a sealer in the middle of its work) until released."""
    held, release, failure = threading.Event(), threading.Event(), []

    def holder():
        try:
            with transaction.atomic():
                ChainHead.objects.select_for_update().get(pk=1)
                held.set()
                release.wait(timeout=30)
        except Exception as exc:  # reported by the caller
            failure.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(timeout=10)
    return thread, release, failure


@pytest.mark.postgres_only
def test_audited_writes_and_sign_ins_never_wait_for_another_transaction(tree, users, settings):
    """While another connection holds the chain head (a sealer stuck in the middle of its work),
    audited writes and refused sign-ins still succeed: their records wait, and each gives up waiting
    for the head after JIGUAN_AUDIT_SEAL_WAIT; the next sealer chains them in the order written."""
    settings.JIGUAN_AUDIT_SEAL_WAIT = 0.2
    audit.seal_all()
    ChainHead.objects.get_or_create(pk=1)
    thread, release, failure = hold_chain_head()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a write that queued on the head would fail
        with acting_as(users["sysadmin"], channel="web"):
            org.orgunit_update(unit=tree.city_a, short_name="甲市")
            org.orgunit_update(unit=tree.city_b, short_name="乙市")
        response = Client().post("/login/", {"username": "sysadmin", "password": "wrong-password-1"})
        assert response.status_code == 200 and "密码错误" in response.content.decode()
        assert PendingRecord.objects.count() == 3 and not chained("org.orgunit", Action.UPDATE)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
        release.set()
        thread.join(timeout=30)
    assert not thread.is_alive() and not failure
    # The next writer chains what waited, in the order it was written.
    with acting_as(users["sysadmin"], channel="web"):
        org.orgunit_update(unit=tree.city_a, short_name="甲")
    assert not PendingRecord.objects.exists()
    assert [e.after["short_name"] for e in chained("org.orgunit", Action.UPDATE)] == ["甲市", "乙市", "甲"]
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor_username="sysadmin").count() == 1
    assert verify_chain().ok


@pytest.mark.postgres_only
def test_concurrent_writers_leave_nothing_pending_and_an_intact_chain():
    """Writers seal each other's records (a sealer takes everything committed that waits), each
    makes sure its own are chained, and when they stop nothing is left for the sweep."""
    threads_n, per_thread = 8, 40
    start = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with acting_as(None, channel="job"), transaction.atomic():
                    audit.record(Action.IMPORT, object_type_label="test.batch", object_id=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads) and errors == []
    assert PendingRecord.objects.count() == 0
    ours = chained("test.batch")
    assert len(ours) == threads_n * per_thread
    assert {e.object_id for e in ours} == {f"{n}-{i}" for n in range(threads_n) for i in range(per_thread)}
    for n in range(threads_n):  # each writer's records in the order it wrote them
        mine = [int(e.object_id.split("-")[1]) for e in ours if e.object_id.startswith(f"{n}-")]
        assert mine == sorted(mine)
    order = [e.object_id.split("-")[0] for e in ours]
    assert sum(1 for a, b in zip(order, order[1:], strict=False) if a != b) > threads_n - 1
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    assert ids == list(range(1, len(ids) + 1))
    result = verify_chain()
    assert result.ok and result.checked == len(ids) and result.pending == 0
