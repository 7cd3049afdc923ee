"""The keyed chain: records are signed with HMAC-SM3 and a key kept outside the database, so whoever
holds only the database credentials cannot append (or re-sign) records that verify. Records written
before the installation had a key still verify as plain SM3, up to JIGUAN_AUDIT_PLAIN_UNTIL (a setting,
outside the database) and the first keyed record; a retired key cannot sign after a newer one."""

import importlib
import io
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from jiguan.audit import keys
from jiguan.audit import services as audit
from jiguan.audit.chain import digest
from jiguan.audit.models import Action, AuditEvent, ChainHead
from jiguan.core.context import acting_as
from jiguan.org import services
from jiguan.org.models import OrgUnit

OTHER_KEY = "an-intruders-own-key-of-enough-length-0123456789"
NEW_KEY = "the-next-audit-key-after-rotation-abcdef0123456789"


def run_verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def append_behind_the_apps_back(*, key_id: str, key: bytes | None, message: str = "伪造的记录") -> int:
    """What an intruder with the database credentials can do: insert the next record with a hash
    they compute, and move the chain head to it (the append-only trigger refuses only UPDATE and
    DELETE on the log)."""
    head = ChainHead.objects.get()
    event = AuditEvent(id=head.last_id + 1, occurred_at=timezone.now(), actor_username="sysadmin",
                       channel="web", action=Action.LOGIN, object_type="org.user", message=message,
                       prev_hash=head.last_hash, key_id=key_id)
    event.hash = digest(head.last_hash, audit.event_values(event), key)
    event.save(force_insert=True)
    ChainHead.objects.filter(pk=1).update(last_id=event.id, last_hash=event.hash, count=head.count + 1)
    return event.id


def test_records_are_signed_with_the_audit_key(users):
    kid, key = keys.current()
    assert key == keys.DEV_KEY.encode() and kid == keys.key_id(keys.DEV_KEY)
    events = list(AuditEvent.objects.order_by("id"))
    assert events and all(e.key_id == kid for e in events)
    for event in events:
        assert event.hash == digest(event.prev_hash, audit.event_values(event), key)
        assert event.hash != digest(event.prev_hash, audit.event_values(event))  # not plain SM3
    code, out, err = run_verify()
    assert code == 0, err
    assert f"audit chain intact: {len(events)} records verified" in out
    assert f"last record {len(events)}, hash {events[-1].hash}" in out
    assert "plain SM3" not in out


def test_a_record_appended_with_a_plain_sm3_hash_is_reported(users):
    forged = append_behind_the_apps_back(key_id="", key=None)
    code, out, err = run_verify()
    assert code == 1 and "intact" not in out
    assert f"audit chain BROKEN at record {forged}:" in err
    assert "appended without the audit key" in err
    assert f"({forged - 1} records verified before it)" in err


def test_a_plain_hash_under_the_current_key_id_is_reported(users):
    forged = append_behind_the_apps_back(key_id=keys.current()[0], key=None)
    code, _out, err = run_verify()
    assert code == 1
    assert f"audit chain BROKEN at record {forged}: its content does not match its hash" in err


def test_a_record_signed_with_another_key_is_reported(users):
    forged = append_behind_the_apps_back(key_id=keys.key_id(OTHER_KEY), key=OTHER_KEY.encode())
    code, _out, err = run_verify()
    assert code == 1
    assert f"audit chain BROKEN at record {forged}:" in err
    assert f"signed with a key this installation does not hold (key id {keys.key_id(OTHER_KEY)})" in err


def test_another_key_under_the_current_key_id_is_reported(users):
    forged = append_behind_the_apps_back(key_id=keys.current()[0], key=OTHER_KEY.encode())
    code, _out, err = run_verify()
    assert code == 1
    assert f"audit chain BROKEN at record {forged}: its content does not match its hash" in err


def test_records_from_before_the_key_still_verify(db, settings):
    """An installation upgraded to the keyed chain: its earlier records are plain SM3 and verify as
    such; from the first keyed record on, a plain record is an append without the key."""
    settings.JIGUAN_AUDIT_KEYS = []
    with acting_as(None, channel="command"):
        for n in range(3):
            audit.record(Action.IMPORT, object_type_label="test.batch", object_id=str(n))
    plain = AuditEvent.objects.count()
    assert set(AuditEvent.objects.values_list("key_id", flat=True)) == {""}
    settings.JIGUAN_AUDIT_PLAIN_UNTIL = plain  # what the upgrade notes say to set
    settings.JIGUAN_AUDIT_KEYS = [keys.DEV_KEY]
    with acting_as(None, channel="command"):
        audit.record(Action.IMPORT, object_type_label="test.batch", object_id="keyed")
    assert AuditEvent.objects.order_by("-id").first().key_id == keys.key_id(keys.DEV_KEY)
    code, out, err = run_verify()
    assert code == 0, err
    assert f"audit chain intact: {plain + 1} records verified" in out
    assert f"records 1-{plain} are from before the audit key (plain SM3, JIGUAN_AUDIT_PLAIN_UNTIL={plain})" in out
    assert "lies beyond" not in out
    forged = append_behind_the_apps_back(key_id="", key=None)
    code, _out, err = run_verify()
    assert code == 1 and f"BROKEN at record {forged}:" in err and "appended without the audit key" in err


def test_a_rotated_key_verifies_the_records_of_the_key_before_it(users, settings, tree):
    before = AuditEvent.objects.count()
    settings.JIGUAN_AUDIT_KEYS = [NEW_KEY, keys.DEV_KEY]   # the new key first, the old one kept
    with acting_as(users["sysadmin"]):
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.city_a.pk), short_name="甲")
    assert AuditEvent.objects.order_by("-id").first().key_id == keys.key_id(NEW_KEY)
    code, out, err = run_verify()
    assert code == 0, err
    assert f"{before + 1} records verified" in out
    settings.JIGUAN_AUDIT_KEYS = [NEW_KEY]                 # the old key lost
    code, _out, err = run_verify()
    assert code == 1
    assert f"BROKEN at record 1: it is signed with a key this installation does not hold (key id " \
           f"{keys.key_id(keys.DEV_KEY)})" in err


def test_a_retired_key_cannot_sign_after_the_rotation(users, settings, tree):
    """Whoever could read the old key (the reason to rotate) keeps it in the ring's later lines, so it
    still verifies the records it signed; a record it signs after one under the new key is reported."""
    settings.JIGUAN_AUDIT_KEYS = [NEW_KEY, keys.DEV_KEY]
    with acting_as(users["sysadmin"]):
        services.orgunit_update(unit=OrgUnit.objects.get(pk=tree.city_a.pk), short_name="甲")
    assert run_verify()[0] == 0
    forged = append_behind_the_apps_back(key_id=keys.key_id(keys.DEV_KEY), key=keys.DEV_KEY.encode())
    code, out, err = run_verify()
    assert code == 1 and "intact" not in out
    assert (f"audit chain BROKEN at record {forged}: it is signed with an older key (key id "
            f"{keys.key_id(keys.DEV_KEY)}) than the record before it (key id {keys.key_id(NEW_KEY)}): "
            f"appended with a retired key") in err


def _write_plain(n: int) -> None:
    with acting_as(None, channel="command"):
        for i in range(n):
            audit.record(Action.IMPORT, object_type_label="test.batch", object_id=str(i))


def test_a_log_rewritten_as_plain_sm3_is_reported(db, settings):
    """Whoever can rewrite the table can replace the whole log (and the chain head) with plain SM3
    records, which need no key: on an installation that never had plain records (the setting's
    default, 0) the first of them is reported."""
    settings.JIGUAN_AUDIT_KEYS = []
    _write_plain(3)  # what such a rewrite leaves: a consistent plain chain and head
    assert not AuditEvent.objects.exclude(key_id="").exists()
    assert settings.JIGUAN_AUDIT_PLAIN_UNTIL == 0
    settings.JIGUAN_AUDIT_KEYS = [keys.DEV_KEY]
    code, out, err = run_verify()
    assert code == 1 and "intact" not in out
    assert ("audit chain BROKEN at record 1: it carries no keyed digest and lies after the records from "
            "before the audit key (JIGUAN_AUDIT_PLAIN_UNTIL=0)") in err
    # what an operator upgrading from a release without the key reads: the value to check and set
    assert "the log begins with 3 records without a key" in err and "JIGUAN_AUDIT_PLAIN_UNTIL=3" in err


def test_plain_records_after_the_configured_prefix_are_reported(db, settings):
    """An upgraded installation: records 1-2 were plain before the key; plain records appended after
    them fail even when no keyed record follows yet (the end of the prefix is not in the database)."""
    settings.JIGUAN_AUDIT_KEYS = []
    _write_plain(2)
    settings.JIGUAN_AUDIT_PLAIN_UNTIL = 2
    settings.JIGUAN_AUDIT_KEYS = [keys.DEV_KEY]
    assert run_verify()[0] == 0
    forged = append_behind_the_apps_back(key_id="", key=None)
    code, _out, err = run_verify()
    assert code == 1
    assert (f"audit chain BROKEN at record {forged}: it carries no keyed digest and lies after the records "
            f"from before the audit key (JIGUAN_AUDIT_PLAIN_UNTIL=2)") in err
    assert "the log begins with" not in err  # the setting is made: no value to suggest


def test_a_plain_until_beyond_the_plain_records_is_pointed_out(db, settings):
    settings.JIGUAN_AUDIT_KEYS = []
    _write_plain(2)
    settings.JIGUAN_AUDIT_KEYS = [keys.DEV_KEY]
    _write_plain(1)
    settings.JIGUAN_AUDIT_PLAIN_UNTIL = 10
    code, out, _err = run_verify()
    assert code == 0
    assert "records 1-2 are from before the audit key (plain SM3, JIGUAN_AUDIT_PLAIN_UNTIL=10)" in out
    assert "JIGUAN_AUDIT_PLAIN_UNTIL=10 lies beyond the records from before the audit key: set it to 2" in out


# Configuration ------------------------------------------------------------------------------------


def test_keys_are_read_from_a_key_file_current_first(tmp_path):
    path = tmp_path / "audit.key"
    path.write_text(f"# the audit key of this installation\n{NEW_KEY}\n\n{keys.DEV_KEY}\n", encoding="utf-8")
    assert keys.load_keys(key_file=str(path)) == [NEW_KEY, keys.DEV_KEY]
    assert keys.load_keys(key=f"{NEW_KEY}, {keys.DEV_KEY}") == [NEW_KEY, keys.DEV_KEY]
    assert keys.load_keys() == []
    with pytest.raises(ImproperlyConfigured, match="shorter than 32 characters"):
        keys.load_keys(key="short")
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        keys.load_keys(key_file=str(tmp_path / "missing.key"))


def _import_production(monkeypatch, **env):
    monkeypatch.setenv("SECRET_KEY", "k" * 50)
    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.delenv("JIGUAN_AUDIT_KEY", raising=False)
    monkeypatch.delenv("JIGUAN_AUDIT_KEY_FILE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    names = ("jiguan.config.settings.production", "jiguan.config.settings.base")
    for name in names:
        sys.modules.pop(name, None)
    try:
        return importlib.import_module("jiguan.config.settings.production")
    finally:
        for name in names:
            sys.modules.pop(name, None)


def test_production_refuses_to_start_without_an_audit_key(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="JIGUAN_AUDIT_KEY_FILE"):
        _import_production(monkeypatch)
    with pytest.raises(ImproperlyConfigured, match="JIGUAN_AUDIT_KEY_FILE"):
        _import_production(monkeypatch, JIGUAN_AUDIT_KEY=keys.DEV_KEY)   # the published key


def test_production_refuses_the_development_key_anywhere_in_the_ring(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="published development key"):
        _import_production(monkeypatch, JIGUAN_AUDIT_KEY=f"{NEW_KEY},{keys.DEV_KEY}")
    path = tmp_path / "audit.key"
    path.write_text(f"{NEW_KEY}\n{keys.DEV_KEY}\n", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match="published development key"):
        _import_production(monkeypatch, JIGUAN_AUDIT_KEY_FILE=str(path))


def test_production_starts_with_a_key_file(monkeypatch, tmp_path):
    path = tmp_path / "audit.key"
    path.write_text(NEW_KEY + "\n", encoding="utf-8")
    module = _import_production(monkeypatch, JIGUAN_AUDIT_KEY_FILE=str(path))
    assert module.JIGUAN_AUDIT_KEYS == [NEW_KEY]
