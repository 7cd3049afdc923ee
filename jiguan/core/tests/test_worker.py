"""Background work on a real Celery worker (issue 18): a ``celery -A jiguan.config.celery worker``
subprocess against Redis, on this test's PostgreSQL database, not eager. What a user would notice:
an import the page hands to a background job is imported by the worker and the page says so; an
event is delivered to the receiving system after commit, and one whose first attempt was lost is
delivered by the periodic sweep; every entry of beat's schedule (``CELERY_BEAT_SCHEDULE``) names a
task the worker has registered, so a misspelt task name fails here and not silently in production.

PostgreSQL only: the worker is another process and must see the rows the test committed
(``transactional_db``); an in-memory SQLite test database is invisible to it. Each worker gets its
own queue and node name on the test Redis database (``JIGUAN_TEST_REDIS_URL``, default
``redis://127.0.0.1:6379/7``), so two pytest-xdist workers running these tests at once never take
each other's tasks. Waits have deadlines; nothing sleeps a fixed time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.db import connection, transaction
from kombu import pools as kombu_pools

from jiguan.config.celery import app as celery_app
from jiguan.core import events
from jiguan.core.context import acting_as
from jiguan.core.events.testing import Receiver
from jiguan.core.models import DeliveryStatus, EventDelivery
from jiguan.core.testing.imports import job_token, upload, xlsx_bytes
from jiguan.org.demo import credit_code
from jiguan.org.models import OrgKind, OrgUnit

pytestmark = pytest.mark.postgres_only  # a worker process on the test database

REDIS_URL = os.environ.get("JIGUAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
READY_SECONDS = 60
DONE_SECONDS = 30
SECRET = "s3cret-for-the-worker-test-receiver"
KIND = "core_test.worker.checked"


def wait_until(check, seconds: float, what: str, worker=None):
    """``check()``'s first true value within ``seconds``; fails with ``what`` (and the worker's log)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if worker is not None and worker.process.poll() is not None:
            pytest.fail(f"the worker exited ({worker.process.returncode}) before {what}:\n{worker.log()}")
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {what}" + (f"\nworker log:\n{worker.log()}" if worker else ""))
        time.sleep(0.1)


class Worker:
    """A ``celery worker`` subprocess with its own queue and node name, and a control client for it."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.queue = f"jiguan-test-{uuid.uuid4().hex[:12]}"
        self.node = f"{self.queue}@localhost"
        self.log_path = folder / "worker.log"
        self.control = Celery("jiguan-test-control", broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
        database = connection.settings_dict
        url = "postgres://{user}{password}@{host}:{port}/{name}".format(
            user=database["USER"] or "postgres", password=f":{database['PASSWORD']}" if database["PASSWORD"] else "",
            host=database["HOST"] or "127.0.0.1", port=database["PORT"] or 5432, name=database["NAME"])
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("PYTEST_", "CELERY_")) and key not in ("REDIS_URL", "DATABASE_URL")}
        env.update(
            DJANGO_SETTINGS_MODULE="jiguan.config.settings.test",
            DATABASE_URL=url,                       # the test database, not the one the run was given
            CELERY_BROKER_URL=REDIS_URL, CELERY_RESULT_BACKEND=REDIS_URL,
            CELERY_TASK_ALWAYS_EAGER="0", JIGUAN_TEST_CELERY_QUEUE=self.queue,
            # Files (import uploads and their state) where this test's web side keeps them.
            JIGUAN_VAR_DIR=str(folder), JIGUAN_PRIVATE_ROOT=str(folder / "private"), MEDIA_ROOT=str(folder / "media"),
        )
        celery = Path(sys.executable).with_name("celery")
        self.log_file = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(celery), "-A", "jiguan.config.celery", "worker", "--pool", "solo", "--concurrency", "1",
             "--queues", self.queue, "--hostname", self.node, "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel", "INFO"],
            cwd=django_settings.BASE_DIR, env=env, stdout=self.log_file, stderr=subprocess.STDOUT,
            start_new_session=True)

    def log(self) -> str:
        self.log_file.flush()
        return self.log_path.read_text("utf-8", errors="replace")[-6000:]

    def ping(self) -> bool:
        return bool(self.control.control.ping(destination=[self.node], timeout=0.5))

    def registered(self) -> set[str]:
        answer = self.control.control.inspect(destination=[self.node], timeout=5).registered() or {}
        return set(answer.get(self.node, []))

    def send(self, name: str, args=(), kwargs=None, **options):
        """Send task ``name`` to this worker's queue, as beat does with a schedule entry."""
        return self.control.send_task(name, args=args, kwargs=kwargs or {}, queue=self.queue, **options)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM: finish the current task), then kill if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log_file.close()
        with self.control.connection_for_write() as conn:   # the queue this worker left
            conn.default_channel.client.delete(self.queue)
        self.control.close()


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """One worker per module and pytest-xdist worker, on that process's test database."""
    with django_db_blocker.unblock():
        started = Worker(tmp_path_factory.mktemp("celery-worker"))
    try:
        wait_until(started.ping, READY_SECONDS, "the worker answered a ping", started)
        yield started
    finally:
        started.stop()


def _reset_producer(app, *others) -> None:
    """Forget the broker connections and routes ``app`` built from its configuration before a change
    (kombu's pools are shared by the process: the other apps using them forget theirs too)."""
    kombu_pools.reset()   # closes and forgets this process's broker connections and producers
    for each in (app, *others):
        each._pool = None
        amqp = each.__dict__.get("amqp")
        if amqp is not None:
            amqp._producer_pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        for cached in ("create_task_message", "send_task_message", "default_queue", "queues", "router",
                       "default_exchange", "_event_dispatcher"):
            amqp.__dict__.pop(cached, None)


@pytest.fixture
def not_eager(worker, settings, transactional_db):
    """This process sends its tasks to the worker's queue on Redis, as the web process does in
    production; the files the worker reads are in the worker's folder."""
    settings.VAR_DIR = worker.folder
    settings.JIGUAN_PRIVATE_ROOT = worker.folder / "private"
    settings.MEDIA_ROOT = worker.folder / "media"
    conf = celery_app.conf
    keys = ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    saved = {key: conf[key] for key in keys}
    _reset_producer(celery_app, worker.control)
    conf.update(broker_url=REDIS_URL, result_backend="cache+memory://", task_always_eager=False,
                task_default_queue=worker.queue)
    try:
        yield worker
    finally:
        _reset_producer(celery_app, worker.control)
        conf.update(saved)


# Beat's schedule --------------------------------------------------------------------------------------


def test_every_beat_entry_names_a_task_the_worker_runs(worker):
    registered = worker.registered()
    assert "jiguan.core.jobs.import_run" in registered        # a sanity check of the answer itself
    schedule = django_settings.CELERY_BEAT_SCHEDULE
    assert schedule
    missing = {name: entry["task"] for name, entry in schedule.items() if entry["task"] not in registered}
    assert not missing, f"beat entries naming no task the worker has: {missing}"


def test_the_sweeps_on_the_schedule_run_on_the_worker(worker):
    """Sent by name as beat sends them, the sweeps that keep a result succeed on the worker (events-sweep
    keeps none: its effect is checked below)."""
    celery_app.autodiscover_tasks(force=True)  # the apps' tasks modules, as a worker imports them at start
    for name, entry in django_settings.CELERY_BEAT_SCHEDULE.items():
        if celery_app.tasks[entry["task"]].ignore_result:
            continue
        result = worker.send(entry["task"], entry.get("args", ()), entry.get("kwargs"), **entry.get("options", {}))
        value = result.get(timeout=DONE_SECONDS)
        assert isinstance(value, dict), (name, value)
        result.forget()


# An import the page hands to a background job ----------------------------------------------------------

HEADER = ["名称", "简称", "类型", "上级单位", "行政区划代码", "统一社会信用代码", "排序"]


def test_a_background_import_is_run_by_the_worker_and_the_page_says_so(not_eager, users, client_for, settings):
    settings.JIGUAN_IMPORT = {"INLINE_MAX_ROWS": 5}   # 8 rows: a background job
    rows = [[f"甲市第{i}局", f"第{i}局", "机关", "甲市", "350100", credit_code(OrgKind.AGENCY, "350100", 7100 + i), i]
            for i in range(1, 9)]
    admin = client_for(users["sysadmin"])
    url = "/imports/org.orgunit/"
    response = upload(admin, url, xlsx_bytes(rows, HEADER), name="后台导入.xlsx")
    token = job_token(response)
    poll = f"{url}?job={token}"

    def finished():   # the progress bar polls like this (htmx) until the job is over
        answer = admin.get(poll, headers={"HX-Request": "true"})
        assert answer.status_code in (200, 204), answer.status_code
        return answer.status_code == 204 and answer

    answer = wait_until(finished, DONE_SECONDS, "the import job finished", not_eager)
    assert answer["HX-Redirect"] == poll
    page = admin.get(poll)
    assert page.status_code == 302 and page["Location"] == "/org/units/"
    assert "已成功导入 8 个单位。" in admin.get("/org/units/").content.decode()
    assert OrgUnit.objects.filter(name__startswith="甲市第").count() == 8
    assert "import_run" in not_eager.log() and "succeeded" in not_eager.log()


# Events for other systems -------------------------------------------------------------------------------


@pytest.fixture
def subscriber(not_eager):
    receiver = Receiver(SECRET)
    events.register(KIND, "单位核对（测试）", {"type": "object", "properties": {"note": {"type": "string"}}})
    with acting_as(None, channel="command"):
        events.subscriber_create(name="财务系统", url=receiver.url, secret=SECRET, kinds=[KIND])
    yield receiver
    events.unregister(KIND)
    receiver.close()


def _emit(unit, note):
    with transaction.atomic():
        return events.emit(KIND, unit, {"note": note})


def _delivered(event):
    return EventDelivery.objects.filter(event=event, status=DeliveryStatus.DELIVERED).first()


def test_an_event_is_delivered_by_the_worker_after_commit(tree, subscriber, not_eager):
    event = _emit(tree.city_a, "提交后投递")
    delivery = wait_until(lambda: _delivered(event), DONE_SECONDS, "the event was delivered", not_eager)
    assert delivery.attempts == 1
    [request] = subscriber.received
    assert request["event"]["id"] == str(event.uuid) and request["event"]["data"] == {"note": "提交后投递"}
    assert subscriber.bad_signatures == 0


def test_an_event_whose_first_attempt_was_lost_is_delivered_by_the_sweep(tree, subscriber, not_eager, monkeypatch):
    """The broker was down at commit (the task was never queued): beat's events-sweep delivers it."""
    monkeypatch.setattr(events.services, "dispatch", lambda ids: None)
    event = _emit(tree.city_a, "补投")
    delivery = EventDelivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    assert subscriber.received == []
    entry = django_settings.CELERY_BEAT_SCHEDULE["events-sweep"]
    not_eager.send(entry["task"], entry.get("args", ()), entry.get("kwargs"))
    delivery = wait_until(lambda: _delivered(event), DONE_SECONDS, "the sweep delivered the event", not_eager)
    assert delivery.attempts == 1 and [r["event"]["id"] for r in subscriber.received] == [str(event.uuid)]
