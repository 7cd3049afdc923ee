"""A depreciation month cannot get stuck in 计提中 (issue 16, item 6): a job that cannot be queued
(the broker is down) fails the run at once with the reason; a run whose worker died (no heartbeat for
DEPRECIATION_HEARTBEAT_MINUTES) is failed by the periodic sweep (Celery beat, or the management
command); the page and the API say what happened and run the month again."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from jiguan.assets import depreciation, jobs
from jiguan.assets.models import DepreciationRun, RunStatus, period_label, period_of
from jiguan.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

BROKER_DOWN = "Error 111 connecting to 127.0.0.1:6379. Connection refused."


@pytest.fixture
def last_month(tree, register):
    """A card of 甲市 to charge, and last month's label."""
    last = period_of(timezone.localdate()) - 1
    register(tree.city_a_agency, acquired_on=date(2024, 1, 15))
    return period_label(last)


def broker_down():
    return mock.patch.object(jobs.depreciation_run, "apply_async", side_effect=OperationalError(BROKER_DOWN))


def never_runs():
    """Queued, but no worker ever takes it (the worker died with the job)."""
    return mock.patch.object(jobs.depreciation_run, "apply_async", return_value=None)


def test_the_api_fails_a_run_whose_job_cannot_be_queued_and_runs_it_again(tree, users, api_client_for, last_month):
    api = api_client_for(users["a_assets"])
    body = {"unit": tree.city_a.pk, "period": last_month}
    with broker_down():
        response = api.post("/api/v1/assets/depreciation/runs/", body, format="json")
    assert response.status_code == 201, response.json()
    run = response.json()
    assert (run["status"], run["status_display"], run["restartable"]) == ("failed", "失败", True)
    assert run["error"] == f"计提任务未能提交到后台执行（{BROKER_DOWN}），请稍后重新计提。"
    assert AuditEvent.objects.filter(object_type="assets.depreciationrun", message__contains="失败").count() == 1

    again = api.post("/api/v1/assets/depreciation/runs/", body, format="json").json()
    assert (again["id"], again["status"], again["restartable"], again["error"], again["entry_count"]) == (
        run["id"], "done", False, "", 1)


def test_the_page_says_the_job_could_not_be_queued_and_offers_a_rerun(tree, users, client_for, last_month,
                                                                      django_capture_on_commit_callbacks):
    client = client_for(users["a_assets"])
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assets:run_create"), {"unit": tree.city_a.pk, "month": last_month})
    run = DepreciationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    html = client.get(run.get_absolute_url()).content.decode()
    assert "失败" in html and f"计提任务未能提交到后台执行（{BROKER_DOWN}）" in html
    assert 'id="run-restart"' in html and "重新计提" in html
    assert 'hx-trigger="every' not in html                                      # no endless polling

    with django_capture_on_commit_callbacks(execute=True):                # 重新计提, the broker back
        client.post(reverse("assets:run_create"), {"unit": tree.city_a.pk, "month": last_month})
    run.refresh_from_db()
    assert (run.status, run.error, run.entry_count) == (RunStatus.DONE, "", 1)
    assert 'id="run-restart"' not in client.get(run.get_absolute_url()).content.decode()


def test_a_run_whose_worker_died_is_failed_by_the_sweep_and_can_be_run_again(tree, users, api_client_for,
                                                                             client_for, last_month, settings):
    settings.JIGUAN_DEPRECIATION_HEARTBEAT_MINUTES = 15
    api = api_client_for(users["a_assets"])
    body = {"unit": tree.city_a.pk, "period": last_month}
    with never_runs():
        run = api.post("/api/v1/assets/depreciation/runs/", body, format="json").json()
    assert run["status"] == "running" and run["heartbeat_at"] is not None
    # While the heartbeat is fresh the run is going: no second run, and the sweep leaves it alone.
    refused = api.post("/api/v1/assets/depreciation/runs/", body, format="json")
    assert refused.status_code == 400 and "正在计提中" in str(refused.json())
    jobs.depreciation_sweep.start()
    assert DepreciationRun.objects.get(pk=run["id"]).status == RunStatus.RUNNING

    later = timezone.now() + timedelta(minutes=16)                       # no progress since
    with mock.patch("django.utils.timezone.now", return_value=later):
        result = jobs.depreciation_sweep.start().get()                   # the beat entry's task
    assert result == {"failed": 1}
    stalled = api.get(f"/api/v1/assets/depreciation/runs/{run['id']}/").json()
    assert (stalled["status"], stalled["restartable"]) == ("failed", True)
    assert stalled["error"] == "计提任务中断：超过 15 分钟没有进展（执行任务的进程可能已退出），已处理 0 / 1 项，请重新计提。"
    html = client_for(users["a_assets"]).get(reverse("assets:run_detail", args=[run["id"]])).content.decode()
    assert "计提任务中断" in html and 'id="run-restart"' in html

    again = api.post("/api/v1/assets/depreciation/runs/", body, format="json").json()
    assert (again["id"], again["status"], again["entry_count"]) == (run["id"], "done", 1)


def test_the_command_sweeps_too_and_a_stalled_run_may_be_started_before_it(tree, users, last_month, capsys):
    with never_runs():
        run = depreciation.run_start(unit=tree.city_a, period=period_of(timezone.localdate()) - 1,
                                     actor=users["a_assets"])
        depreciation.run_enqueue(run, actor=users["a_assets"])
    DepreciationRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    # Started again before any sweep: a run without a heartbeat for so long is not going.
    again = depreciation.run_start(unit=tree.city_a, period=run.period, actor=users["a_assets"])
    assert again.pk == run.pk and again.status == RunStatus.RUNNING
    DepreciationRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    call_command("depreciation_sweep")
    assert "failed for lack of progress: 1" in capsys.readouterr().out
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "计提任务中断" in run.error


def test_each_chunk_beats(tree, register, users, monkeypatch):
    """The heartbeat moves on with the progress, chunk by chunk."""
    monkeypatch.setattr(depreciation, "CHUNK", 1)
    register(tree.city_a_agency, count=3, acquired_on=date(2024, 1, 15))
    run = depreciation.run_start(unit=tree.city_a, period=period_of(timezone.localdate()) - 1,
                                 actor=users["a_assets"])
    started, beats = run.heartbeat_at, []

    def progress(done, total):
        beats.append(DepreciationRun.objects.values_list("heartbeat_at", flat=True).get(pk=run.pk))

    depreciation.run_execute(run, progress=progress)
    assert len(beats) == 3 and beats == sorted(beats) and beats[0] >= started and beats[-1] > started


def test_a_stale_job_after_a_rerun_changes_nothing(tree, users, api_client_for, last_month, settings):
    """Review finding 7: a job queued behind others whose run the sweep failed and the user ran again
    finds another attempt and does nothing, whether it arrives before or after the new job."""
    settings.JIGUAN_DEPRECIATION_HEARTBEAT_MINUTES = 15
    api = api_client_for(users["a_assets"])
    body = {"unit": tree.city_a.pk, "period": last_month}
    with never_runs() as first_queued:
        run = api.post("/api/v1/assets/depreciation/runs/", body, format="json").json()
    stale = first_queued.call_args.kwargs                                # the job the worker has yet to take
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=16)):
        assert jobs.depreciation_sweep.start().get() == {"failed": 1}
    with never_runs() as second_queued:                                  # 重新计提
        again = api.post("/api/v1/assets/depreciation/runs/", body, format="json").json()
    assert (again["id"], again["status"]) == (run["id"], "running")
    fresh = second_queued.call_args.kwargs

    # The stale job arrives first: the new attempt stays untouched, waiting for its own job.
    assert jobs.depreciation_run.apply(**stale).get()["stale"] is True
    waiting = api.get(f"/api/v1/assets/depreciation/runs/{run['id']}/").json()
    assert (waiting["status"], waiting["done"], waiting["entry_count"]) == ("running", 0, 0)
    finished = AuditEvent.objects.filter(object_type="assets.depreciationrun", message__startswith="完成计提")
    assert not finished.exists()

    jobs.depreciation_run.apply(**fresh).get()                           # the new attempt's own job
    done = api.get(f"/api/v1/assets/depreciation/runs/{run['id']}/").json()
    assert (done["status"], done["entry_count"]) == ("done", 1)

    # ... or after it: the finished run keeps its figures, its time and its one audit record.
    assert jobs.depreciation_run.apply(**stale).get()["stale"] is True
    assert api.get(f"/api/v1/assets/depreciation/runs/{run['id']}/").json() == done
    assert finished.count() == 1


def test_a_job_whose_run_was_failed_while_it_worked_stops_and_leaves_the_run_failed(tree, register, users,
                                                                                    monkeypatch):
    """Every update of run_execute is this attempt's: once the sweep failed the run in the middle of
    the work, the job neither marks it done nor overwrites its error."""
    monkeypatch.setattr(depreciation, "CHUNK", 1)
    register(tree.city_a_agency, count=3, acquired_on=date(2024, 1, 15))
    run = depreciation.run_start(unit=tree.city_a, period=period_of(timezone.localdate()) - 1,
                                 actor=users["a_assets"])

    def progress(done, total):
        if done == 1:
            depreciation.run_fail(run, "计提任务中断")

    result = depreciation.run_execute(run, progress=progress)
    assert (result.status, result.error, result.done) == (RunStatus.FAILED, "计提任务中断", 1)
