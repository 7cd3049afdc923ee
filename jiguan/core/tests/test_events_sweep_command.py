"""``manage.py events_sweep``: the events sweep of the beat schedule, for installations without beat."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_command_runs_the_sweep(monkeypatch, capsys):
    from jiguan.core.events import services

    calls = []

    def sweep(**kwargs):
        calls.append(kwargs)
        return {"delivered": 2, "failed": 1}

    monkeypatch.setattr(services, "sweep", sweep)
    call_command("events_sweep", "--limit", "50")
    assert calls == [{"limit": 50}]
    assert capsys.readouterr().out.strip() == "delivered: 2, failed: 1"


def test_nothing_due_says_so(capsys):
    call_command("events_sweep")
    assert capsys.readouterr().out.strip() == "nothing due"
