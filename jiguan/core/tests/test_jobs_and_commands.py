"""The acting user survives outside web requests: background jobs and management commands."""

import importlib
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import current
from jiguan.core.jobs import job
from jiguan.core.management.base import AuditedCommand
from jiguan.org import services
from jiguan.org.models import OrgKind


@job
def rename_unit(unit_id: int, name: str, *, progress) -> dict:
    from jiguan.org.models import OrgUnit

    progress(0, 1)
    unit = services.orgunit_update(unit=OrgUnit.objects.get(pk=unit_id), name=name)
    progress(1, 1)
    ctx = current()
    return {"name": unit.name, "actor": ctx.user.username if ctx.user else None, "channel": ctx.channel}


def test_job_runs_as_the_user_who_started_it_and_audits_in_their_name(users, tree):
    result = rename_unit.start(tree.county_a_agency.pk, "甲县财政局（新）", actor=users["sysadmin"]).get()
    assert result == {"name": "甲县财政局（新）", "actor": "sysadmin", "channel": "job"}
    event = AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(tree.county_a_agency.pk)).latest("id")
    assert event.actor_username == "sysadmin"
    assert event.channel == "job"
    assert event.after == {"name": "甲县财政局（新）"}


class CreateUnitCommand(AuditedCommand):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("parent_id", type=int)

    def handle(self, *args, **options):
        from jiguan.org.models import OrgUnit

        services.orgunit_create(parent=OrgUnit.objects.get(pk=options["parent_id"]), kind=OrgKind.DEPARTMENT,
                                name="命令创建的科室")


def test_command_with_as_records_that_user(users, tree):
    call_command(CreateUnitCommand(), str(tree.city_a_agency.pk), "--as", "secadmin")
    event = AuditEvent.objects.filter(action=Action.CREATE, object_type="org.orgunit").latest("id")
    assert event.object_repr == "命令创建的科室"
    assert (event.actor_username, event.channel) == ("secadmin", "command")


def test_command_without_as_records_the_system(users, tree):
    call_command(CreateUnitCommand(), str(tree.city_a_agency.pk))
    event = AuditEvent.objects.filter(action=Action.CREATE, object_type="org.orgunit").latest("id")
    assert (event.actor_username, event.actor_id, event.channel) == ("", None, "command")


def test_command_with_unknown_user_is_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such user"):
        call_command("load_demo", "--as", "nobody")


def test_demo_data_is_idempotent(db):
    from jiguan.org.models import OrgUnit, User

    call_command("load_demo", stdout=open("/dev/null", "w"))
    counts = (OrgUnit.objects.count(), User.objects.count())
    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert (OrgUnit.objects.count(), User.objects.count()) == counts
    assert OrgUnit.objects.filter(kind=OrgKind.CITY).count() >= 2
    assert OrgUnit.objects.filter(kind=OrgKind.COUNTY).count() >= 2


@pytest.mark.parametrize("env, message", [
    ({"SECRET_KEY": "", "DEBUG": "0"}, "SECRET_KEY"),
    ({"SECRET_KEY": "x" * 50, "DEBUG": "1"}, "DEBUG"),
])
def test_production_settings_refuse_unsafe_defaults(monkeypatch, env, message):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for name in ("jiguan.config.settings.production", "jiguan.config.settings.base"):
        sys.modules.pop(name, None)
    try:
        with pytest.raises(ImproperlyConfigured, match=message):
            importlib.import_module("jiguan.config.settings.production")
    finally:
        for name in ("jiguan.config.settings.production", "jiguan.config.settings.base"):
            sys.modules.pop(name, None)


def test_production_settings_start_with_a_real_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 50)
    monkeypatch.setenv("JIGUAN_AUDIT_KEY", "a" * 40)
    monkeypatch.setenv("DEBUG", "0")
    sys.modules.pop("jiguan.config.settings.production", None)
    sys.modules.pop("jiguan.config.settings.base", None)
    try:
        module = importlib.import_module("jiguan.config.settings.production")
        assert module.DEBUG is False
        assert module.SESSION_COOKIE_SECURE is True
    finally:
        sys.modules.pop("jiguan.config.settings.production", None)
        sys.modules.pop("jiguan.config.settings.base", None)
