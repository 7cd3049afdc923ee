"""`load_demo` creates province-wide administrators with the published password: it refuses to run
unless DEBUG is on (manage.py's dev settings, `make demo`, CI's demo step) or JIGUAN_DEMO says the
database is a demo (issue 16, item 21)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from jiguan.audit.models import AuditEvent
from jiguan.org.models import OrgUnit, User

pytestmark = pytest.mark.django_db

REFUSED = "load_demo refused"


@override_settings(DEBUG=False, JIGUAN_DEMO=False)
def test_load_demo_refuses_settings_that_are_not_a_demo():
    with pytest.raises(CommandError, match=REFUSED) as excinfo:
        call_command("load_demo", stdout=open(os.devnull, "w"))
    assert "JIGUAN_DEMO=1" in str(excinfo.value)
    assert (OrgUnit.objects.count(), User.objects.count(), AuditEvent.objects.count()) == (0, 0, 0)


@override_settings(DEBUG=True, JIGUAN_DEMO=False)
def test_load_demo_runs_with_debug_on():
    call_command("load_demo", stdout=open(os.devnull, "w"))
    assert User.objects.filter(username="sysadmin").exists()


def test_load_demo_under_the_production_settings_exits_non_zero(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jiguan.config.settings.production",
           "SECRET_KEY": "x" * 50, "JIGUAN_AUDIT_KEY": "k" * 64,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
           "JIGUAN_VAR_DIR": str(tmp_path)}
    env.pop("JIGUAN_DEMO", None)
    env.pop("DEBUG", None)
    result = subprocess.run([sys.executable, "manage.py", "load_demo"], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert REFUSED in result.stderr
    assert not (tmp_path / "prod.sqlite3").exists(), "refused before touching the database"


def test_manage_py_uses_the_dev_settings_with_debug_on(tmp_path):
    """`make demo` and .ci/run's demo step call `manage.py load_demo` with the dev settings."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "JIGUAN_DEMO"}}
    env["JIGUAN_VAR_DIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-v", "0", "-c",
                             "from django.conf import settings; print(settings.DEBUG or settings.JIGUAN_DEMO)"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
