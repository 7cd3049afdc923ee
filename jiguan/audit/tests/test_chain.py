"""The audit trail: one record per write, login and permission change, with who/where/what; an
SM3 hash chain that ``manage.py audit_verify`` checks; no way to edit or delete a record."""

from __future__ import annotations

import io
import threading
from contextlib import contextmanager
from datetime import UTC

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from jiguan.audit import services as audit
from jiguan.audit.models import GENESIS_HASH, Action, AuditEvent, ChainHead
from jiguan.audit.verify import verify_chain
from jiguan.core.context import acting_as
from jiguan.org import services
from jiguan.org.models import OrgKind, OrgUnit, Role, RoleAssignment

PASSWORD = settings.JIGUAN_DEMO_PASSWORD


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@contextmanager
def new_events():
    """Collects the audit records written inside the block."""
    start = last_id()
    found: list[AuditEvent] = []
    yield found
    found.extend(AuditEvent.objects.filter(id__gt=start).order_by("id"))


def only(events) -> AuditEvent:
    assert len(events) == 1, [(e.action, e.object_type, e.message) for e in events]
    return events[0]


def run_verify() -> tuple[int, str, str]:
    """``manage.py audit_verify``: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@contextmanager
def behind_the_apps_back():
    """Raw SQL on the audit table as an intruder with database access would do it. On PostgreSQL the
    append-only trigger must be switched off first (and is switched back on)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")


def login(client, username, password=PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


# One record per write -------------------------------------------------------------------------


def test_unit_create_writes_one_full_record(users, tree):
    admin = users["sysadmin"]
    with new_events() as events, acting_as(admin, channel="command"):
        unit = services.orgunit_create(parent=tree.city_a, kind=OrgKind.AGENCY, name="甲市教育局",
                                       region_code="350100", credit_code="91350100M000100Y43")
    event = only(events)
    assert event.action == Action.CREATE
    assert (event.actor_id, event.actor_username) == (admin.pk, "sysadmin")
    assert event.org_id == tree.prov_agency.pk and event.org_path == tree.prov_agency.path
    assert (event.object_type, event.object_id, event.object_repr) == ("org.orgunit", str(unit.pk), "甲市教育局")
    assert event.before is None
    assert event.after["name"] == "甲市教育局"
    assert event.after["parent_id"] == tree.city_a.pk
    assert event.after["credit_code"] == "91350100M000100Y43"
    assert event.success is True


def test_unit_update_records_only_the_changed_fields(users, tree):
    with new_events() as events, acting_as(users["sysadmin"]):
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.city_a.pk), name="甲市（新）",
                                short_name="甲", region_code="350100")
    event = only(events)
    assert event.action == Action.UPDATE
    assert event.actor == users["sysadmin"]
    assert (event.object_type, event.object_id) == ("org.orgunit", str(tree.city_a.pk))
    assert event.before == {"name": "甲市", "short_name": ""}
    assert event.after == {"name": "甲市（新）", "short_name": "甲"}


def test_update_that_changes_nothing_writes_nothing(users, tree):
    with new_events() as events, acting_as(users["sysadmin"]):
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.city_a.pk), name="甲市")
    assert events == []


def test_unit_move_writes_one_move_record(users, tree):
    with new_events() as events, acting_as(users["sysadmin"]):
        services.orgunit_move(unit=tree.county_a, new_parent=tree.city_b)
    event = only(events)
    assert event.action == Action.MOVE
    assert event.actor == users["sysadmin"]
    assert event.before["parent"] == tree.city_a.pk and event.after["parent"] == tree.city_b.pk
    assert event.after["path"] == OrgUnit.objects.get(pk=tree.county_a.pk).path


def test_user_create_writes_one_record_without_the_password(users, tree):
    with new_events() as events, acting_as(users["sysadmin"]):
        user = services.user_create(username="newbie", unit=tree.city_a_dept, password="Xk9#long-enough",
                                    full_name="新同事")
    event = only(events)
    assert event.action == Action.CREATE and event.actor == users["sysadmin"]
    assert (event.object_type, event.object_id, event.object_repr) == ("org.user", str(user.pk), "新同事")
    assert event.after["username"] == "newbie" and event.after["unit_id"] == tree.city_a_dept.pk
    assert "password" not in event.after
    assert "Xk9#long-enough" not in str(event.after) and user.password[:10] not in str(event.after)


def test_role_grant_and_revoke_write_one_record_each(users, tree):
    sec = users["secadmin"]
    staff = users["staff"]
    role = Role.objects.get(code="asset_manager")
    with new_events() as granted, acting_as(sec):
        assignment = services.assignment_grant(user=staff, role=role, unit=tree.city_a, granted_by=sec)
    event = only(granted)
    assert event.action == Action.PERMISSION and event.actor == sec
    assert (event.object_type, event.object_id) == ("org.roleassignment", str(assignment.pk))
    assert event.before is None
    assert (event.after["user_id"], event.after["role_id"], event.after["unit_id"]) == (staff.pk, role.pk, tree.city_a.pk)
    assert "授予" in event.message and "资产管理员" in event.message

    with new_events() as revoked, acting_as(sec):
        services.assignment_revoke(assignment=RoleAssignment.objects.get(pk=assignment.pk))
    event = only(revoked)
    assert event.action == Action.PERMISSION and event.actor == sec
    assert (event.object_type, event.object_id) == ("org.roleassignment", str(assignment.pk))
    assert event.before["role_id"] == role.pk and event.after is None
    assert "收回" in event.message
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_login_success_is_one_record_with_ip_and_request_id(users, client):
    with new_events() as events:
        response = login(client, "a_assets", REMOTE_ADDR="10.20.30.40")
    assert response.status_code == 302
    event = only(events)
    assert event.action == Action.LOGIN and event.success
    assert event.actor == users["a_assets"]
    assert event.org_id == users["a_assets"].unit_id
    assert (event.object_type, event.object_id) == ("org.user", str(users["a_assets"].pk))
    assert event.ip == "10.20.30.40"
    assert event.channel == "web"
    assert event.request_id and event.request_id == response["X-Request-ID"]


def test_login_failure_is_one_record(users, client):
    with new_events() as events:
        response = login(client, "a_assets", "wrong-password", REMOTE_ADDR="10.20.30.41")
    assert response.status_code == 200
    event = only(events)
    assert event.action == Action.LOGIN_FAILED and event.success is False
    assert event.actor == users["a_assets"]
    assert event.message == "密码错误（第 1 次）"
    assert event.ip == "10.20.30.41" and event.request_id == response["X-Request-ID"]


def test_login_with_unknown_account_is_recorded(db, client):
    with new_events() as events:
        login(client, "nobody", "whatever")
    event = only(events)
    assert event.action == Action.LOGIN_FAILED and not event.success
    assert event.actor is None and event.object_repr == "nobody"
    assert event.message == "账号不存在"


def test_token_login_and_api_write_carry_actor_ip_and_request_id(users, tree, settings):
    from rest_framework.test import APIClient

    # The system administrator's token for a password alone: the second factor's own rules (no token
    # by password for 三员) are tested in jiguan/org/tests/test_otp.py.
    settings.JIGUAN_ADMIN_OTP = False
    client = APIClient()
    with new_events() as token_events:
        token = client.post("/api/v1/auth/token/", {"username": "sysadmin", "password": PASSWORD},
                            REMOTE_ADDR="192.0.2.7")
    assert token.status_code == 200
    assert only(token_events).action == Action.TOKEN
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    with new_events() as events:
        response = client.patch(f"/api/v1/org/units/{tree.city_b.pk}/", {"short_name": "乙"},
                                REMOTE_ADDR="192.0.2.8", HTTP_X_REQUEST_ID="trace-42")
    assert response.status_code == 200, response.content
    event = only(events)
    assert event.action == Action.UPDATE and event.actor == users["sysadmin"]
    assert event.before == {"short_name": ""} and event.after == {"short_name": "乙"}
    assert (event.ip, event.channel, event.request_id) == ("192.0.2.8", "api", "trace-42")
    assert response["X-Request-ID"] == "trace-42"


def test_web_write_records_ip_and_request_id(users, tree, client_for):
    client = client_for(users["sysadmin"])
    with new_events() as events:
        response = client.post(f"/org/units/{tree.city_b.pk}/edit/", {
            "kind": "city", "name": "乙市", "short_name": "乙", "region_code": "350200", "sort_order": 0,
            "is_active": "on"}, REMOTE_ADDR="172.16.5.9")
    assert response.status_code == 302
    event = only(events)
    assert event.action == Action.UPDATE and event.actor == users["sysadmin"]
    assert event.after == {"short_name": "乙"}
    assert event.ip == "172.16.5.9" and event.channel == "web"
    assert len(response["X-Request-ID"]) >= 8 and event.request_id == response["X-Request-ID"]


def test_records_written_under_acting_as_carry_that_user(users, tree):
    admin = users["sysadmin"]
    with new_events() as events, acting_as(admin, channel="command") as ctx:
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.county_b.pk), short_name="乙县")
        services.user_create(username="batch01", unit=tree.county_b)
    assert len(events) == 2
    for event in events:
        assert event.actor == admin and event.actor_username == "sysadmin"
        assert event.org_id == admin.unit_id and event.org_path == tree.prov_agency.path
        assert event.channel == "command" and event.ip is None
        assert event.request_id == ctx.request_id != ""


def test_records_outside_any_context_are_the_system(tree):
    event = AuditEvent.objects.get(object_type="org.orgunit", object_id=str(tree.province.pk))
    assert event.actor is None and event.actor_username == "" and event.org_path == ""


# Verification ----------------------------------------------------------------------------------


def test_audit_verify_passes_on_an_intact_chain(users):
    count = AuditEvent.objects.count()
    assert count >= 20
    code, out, err = run_verify()
    assert code == 0, err
    assert f"audit chain intact: {count} records verified" in out
    assert err == ""
    head = ChainHead.objects.get()
    assert head.last_id == count == head.count
    first = AuditEvent.objects.get(id=1)
    assert first.prev_hash == GENESIS_HASH
    assert AuditEvent.objects.get(id=2).prev_hash == first.hash
    assert len(first.hash) == 64


def test_audit_verify_on_an_empty_log(db):
    assert not AuditEvent.objects.exists()
    code, out, _err = run_verify()
    assert code == 0 and "audit chain intact: 0 records verified" in out


def test_ids_are_gap_free_and_each_hash_chains_the_previous(users):
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash


@pytest.mark.parametrize("sql, value", [
    ("UPDATE audit_auditevent SET message = %s WHERE id = %s", "什么也没发生"),
    ("UPDATE audit_auditevent SET after = %s WHERE id = %s", '{"name": "篡改后的名称"}'),
    ("UPDATE audit_auditevent SET actor_username = %s WHERE id = %s", "someone_else"),
    ("UPDATE audit_auditevent SET success = %s WHERE id = %s", False),
])
def test_edited_row_is_named_by_audit_verify(users, sql, value):
    """ACCEPTANCE: one row edited in the database → audit_verify exits non-zero naming that row."""
    total = AuditEvent.objects.count()
    target = total // 2
    with behind_the_apps_back() as cursor:
        cursor.execute(sql, [value, target])
        assert cursor.rowcount == 1
    code, out, err = run_verify()
    assert code == 1
    assert f"audit chain BROKEN at record {target}:" in err
    assert "edited" in err
    assert f"({target - 1} records verified before it)" in err
    assert "intact" not in out


def test_edited_row_with_recomputed_hash_is_caught_at_the_next_row(users):
    """A careful intruder who also rewrites the row's hash (even with the audit key) still breaks
    the link to the next row."""
    from jiguan.audit import keys
    from jiguan.audit.chain import digest

    target = AuditEvent.objects.count() // 2
    event = AuditEvent.objects.get(id=target)
    event.message = "改写"
    new_hash = digest(event.prev_hash, audit.event_values(event), keys.keyring()[event.key_id])
    with behind_the_apps_back() as cursor:
        cursor.execute("UPDATE audit_auditevent SET message = %s, hash = %s WHERE id = %s",
                       ["改写", new_hash, target])
    code, _out, err = run_verify()
    assert code == 1
    assert f"audit chain BROKEN at record {target + 1}:" in err
    assert "previous-hash" in err


def test_deleted_middle_row_is_named_as_missing(users):
    total = AuditEvent.objects.count()
    target = total // 2
    with behind_the_apps_back() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [target])
        assert cursor.rowcount == 1
    code, _out, err = run_verify()
    assert code == 1
    assert f"audit chain BROKEN at record {target}: record {target} is missing" in err
    assert f"next present record is {target + 1}" in err


def test_deleted_last_row_is_detected_through_the_chain_head(users):
    total = AuditEvent.objects.count()
    with behind_the_apps_back() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [total])
        assert cursor.rowcount == 1
    code, _out, err = run_verify()
    assert code == 1
    assert f"audit chain BROKEN at record {total}:" in err
    assert "removed from the end" in err
    assert f"the log holds {total - 1}" in err


def test_deleted_last_rows_are_detected_through_the_chain_head(users):
    total = AuditEvent.objects.count()
    with behind_the_apps_back() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id > %s", [total - 3])
        assert cursor.rowcount == 3
    code, _out, err = run_verify()
    assert code == 1
    assert f"audit chain BROKEN at record {total - 2}:" in err


def test_chain_continues_correctly_after_verification(users, tree):
    assert run_verify()[0] == 0
    with acting_as(users["sysadmin"]):
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.city_a.pk), short_name="甲")
    code, out, _ = run_verify()
    assert code == 0 and f"{AuditEvent.objects.count()} records verified" in out


# PostgreSQL: the database itself refuses UPDATE and DELETE ---------------------------------------


@pytest.mark.postgres_only  # the trigger exists on PostgreSQL only
@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditevent SET message = 'x' WHERE id = 1",
    "UPDATE audit_auditevent SET after = NULL",
    "DELETE FROM audit_auditevent WHERE id = 1",
    "DELETE FROM audit_auditevent",
])
def test_trigger_refuses_raw_update_and_delete(users, sql):
    before = list(AuditEvent.objects.order_by("id").values_list("id", "message", "hash"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert list(AuditEvent.objects.order_by("id").values_list("id", "message", "hash")) == before
    assert run_verify()[0] == 0


@pytest.mark.postgres_only  # the trigger exists on PostgreSQL only
def test_trigger_refuses_orm_update_and_delete(users):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(id=1).update(message="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(id=1).delete()
    assert AuditEvent.objects.filter(id=1).exists()


@pytest.mark.postgres_only  # the trigger exists on PostgreSQL only
def test_tampering_with_the_trigger_disabled_is_named_by_audit_verify(users):
    target = AuditEvent.objects.count() // 2
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        cursor.execute("UPDATE audit_auditevent SET message = 'tampered' WHERE id = %s", [target])
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")
    code, _out, err = run_verify()
    assert code == 1 and f"audit chain BROKEN at record {target}:" in err
    # And the trigger is back: the next edit is refused again.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET message = 'again' WHERE id = %s", [target])


# No edit or delete URL -------------------------------------------------------------------------


def test_api_has_no_way_to_edit_or_delete_a_record(users, api_client_for):
    client = api_client_for(users["auditor"])
    event = AuditEvent.objects.order_by("id").first()
    url = f"/api/v1/audit/events/{event.pk}/"
    assert client.get(url).status_code == 200
    for method, body in (("put", {"message": "x"}), ("patch", {"message": "x"}), ("delete", None)):
        response = getattr(client, method)(url, body)
        assert response.status_code == 405, (method, response.status_code)
        assert response.json()["error"]["code"] == "method_not_allowed"
    response = client.post("/api/v1/audit/events/", {"action": "login", "message": "forged"})
    assert response.status_code == 405
    assert AuditEvent.objects.get(pk=event.pk).message == event.message
    assert not AuditEvent.objects.filter(message="forged").exists()
    assert run_verify()[0] == 0


def test_audit_pages_offer_no_edit(users, client_for):
    client = client_for(users["auditor"])
    event = AuditEvent.objects.order_by("id").first()
    page = client.get(f"/audit/{event.pk}/")
    assert page.status_code == 200
    assert event.hash in page.content.decode()
    assert client.post(f"/audit/{event.pk}/", {"message": "x"}).status_code == 405
    assert client.get(f"/audit/{event.pk}/edit/").status_code == 404
    assert client.get(f"/audit/{event.pk}/delete/").status_code == 404


def test_only_the_auditor_reads_the_log(users, api_client_for, client_for):
    assert api_client_for(users["auditor"]).get("/api/v1/audit/events/").status_code == 200
    assert api_client_for(users["sysadmin"]).get("/api/v1/audit/events/").status_code == 403
    assert client_for(users["sysadmin"]).get("/audit/").status_code == 403


# Filters on the page and in the API -------------------------------------------------------------


@pytest.fixture
def activity(users, tree):
    """Logins by people of city A and city B, a failed login, and an edit by the system admin, with
    the moment between the first and the second half recorded."""
    from django.test import Client

    for name in ("a_assets", "staff"):
        assert login(Client(), name).status_code == 302
    login(Client(), "b_assets", "wrong-password")
    middle = timezone.now()
    assert login(Client(), "b_assets").status_code == 302
    with acting_as(users["sysadmin"]):
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.city_b.pk), short_name="乙")
    return {"middle": middle.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


def page_ids(client, **params):
    response = client.get("/audit/", params)
    assert response.status_code == 200
    assert not response.context["filterset"].errors
    return {row["object"].pk for row in response.context["rows"]}


def api_ids(client, **params):
    response = client.get("/api/v1/audit/events/", {**params, "page_size": 500})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def expected(**lookups):
    return set(AuditEvent.objects.filter(**lookups).values_list("id", flat=True))


def test_filters_on_the_page_and_in_the_api(users, tree, activity, client_for, api_client_for):
    page, api = client_for(users["auditor"]), api_client_for(users["auditor"])
    everything = set(AuditEvent.objects.values_list("id", flat=True))
    cases = [
        ({"actor": "b_assets"}, expected(actor_username="b_assets"), 2),
        ({"actor": "SYSADMIN"}, expected(actor_username="sysadmin"), 1),
        ({"unit": tree.city_a.pk}, expected(actor_username__in=["a_assets", "staff"]), 2),
        ({"unit": tree.city_b.pk}, expected(actor_username="b_assets"), 2),
        ({"action": "login_failed"}, expected(action="login_failed"), 1),
        ({"action": "login"}, expected(action="login"), 3),
        ({"object_type": "org.orgunit"}, expected(object_type="org.orgunit"), 12),
        ({"since": activity["middle"]}, expected(occurred_at__gte=activity["middle"]), 2),
        ({"until": activity["middle"]}, expected(occurred_at__lt=activity["middle"]), None),
        ({"actor": "b_assets", "since": activity["middle"]}, expected(actor_username="b_assets", action="login"), 1),
        ({"unit": tree.city_a.pk, "action": "login_failed"}, set(), 0),
    ]
    for params, ids, size in cases:
        if size is not None:
            assert len(ids) == size, (params, ids)
        assert ids != everything
        assert page_ids(page, **params) == ids, params
        assert api_ids(api, **params) == ids, params


def test_time_range_splits_the_log(users, activity, api_client_for):
    api = api_client_for(users["auditor"])
    before = api_ids(api, until=activity["middle"])
    after = api_ids(api, since=activity["middle"])
    assert before and after and not before & after
    assert before | after == set(AuditEvent.objects.values_list("id", flat=True))
    assert max(before) < min(after)


def test_bad_filter_value_is_a_400_in_the_api(users, api_client_for):
    response = api_client_for(users["auditor"]).get("/api/v1/audit/events/", {"since": "yesterday"})
    assert response.status_code == 400
    assert "since" in response.json()["error"]["fields"]


# Concurrency -----------------------------------------------------------------------------------


@pytest.mark.postgres_only  # in-memory SQLite test databases serialise writers
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_an_intact_chain():
    threads_n, per_thread = 4, 50
    start = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with acting_as(None, channel="job"):
                    audit.record(Action.IMPORT, object_type_label="test.batch", object_id=f"{n}-{i}",
                                 object_repr=f"线程 {n} 第 {i} 条")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    total = threads_n * per_thread
    ours = AuditEvent.objects.filter(object_type="test.batch")
    assert ours.count() == total
    assert set(ours.values_list("object_id", flat=True)) == {f"{n}-{i}" for n in range(threads_n)
                                                              for i in range(per_thread)}
    # The writers really interleaved (otherwise this test proves nothing about locking).
    order = [oid.split("-")[0] for oid in ours.order_by("id").values_list("object_id", flat=True)]
    assert sum(1 for a, b in zip(order, order[1:], strict=False) if a != b) > threads_n - 1
    all_ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    assert all_ids == list(range(1, len(all_ids) + 1))
    result = verify_chain()
    assert result.ok, result
    assert result.checked == len(all_ids)
    code, out, _ = run_verify()
    assert code == 0 and f"{len(all_ids)} records verified" in out


def test_api_write_names_the_caller_whatever_the_authentication(users, tree, api_client_for):
    with new_events() as events:
        response = api_client_for(users["sysadmin"]).patch(f"/api/v1/org/units/{tree.city_a.pk}/",
                                                          {"short_name": "甲"}, format="json")
    assert response.status_code == 200
    assert only(events).actor_username == "sysadmin"
