"""Private files in an S3-compatible store (JIGUAN_STORAGE=s3, jiguan.core.storage), against moto's
server mode on a free local port: attachments and import files live in the bucket, never on the
disk, and an import uploaded on the web side is run by a worker process that shares no folder with it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from jiguan.core import attachments
from jiguan.core.testing.imports import XLSX, report_rows, xlsx_bytes
from jiguan.org.demo import credit_code
from jiguan.org.models import OrgKind, OrgUnit

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
KEY = "org.orgunit"
URL = f"/imports/{KEY}/"
HEADER = ["名称", "简称", "类型", "上级单位", "行政区划代码", "统一社会信用代码", "排序"]
KEYS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()  # returns once the server accepts connections
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    client.create_bucket(Bucket="jiguan-private")
    yield endpoint, client
    server.stop()


@pytest.fixture
def bucket(s3_server, settings, tmp_path):
    """The private storage is the bucket (a prefix of its own per test); the private root is a folder
    that must stay empty."""
    endpoint, client = s3_server
    prefix = f"t-{uuid.uuid4().hex}"
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "jiguan.core.storage.PrivateS3Storage",
        "OPTIONS": {"bucket_name": "jiguan-private", "endpoint_url": endpoint, "location": prefix,
                    "addressing_style": "path", **KEYS}}}
    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"

    def objects() -> list[str]:
        listing = client.list_objects_v2(Bucket="jiguan-private", Prefix=f"{prefix}/")
        return sorted(item["Key"][len(prefix) + 1:] for item in listing.get("Contents", []))

    objects.endpoint, objects.prefix = endpoint, prefix
    return objects


def disk_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def unit_attachments():
    """The organisation unit takes attachments, for these tests only."""
    before = attachments.declarations().get("org.orgunit")
    if before is None:
        attachments.register(OrgUnit, view_permission="org.view_orgunit", change_permission="org.change_orgunit")
    yield
    if before is None:
        attachments.unregister(OrgUnit)


@pytest.mark.django_db
def test_an_attachment_goes_to_the_bucket_and_downloads_through_the_scoped_view(
        bucket, unit_attachments, tree, users, client_for, settings):
    unit, client = tree.city_a_agency, client_for(users["sysadmin"])
    response = client.post(reverse("attachments:upload", args=["org.orgunit", unit.pk]),
                           {"files": [SimpleUploadedFile("批复.pdf", PDF, content_type="application/pdf")]})
    assert response.status_code == 302
    document = attachments.attachments_of(unit).get()
    assert bucket() == [document.file.name]  # in the bucket, under a random name
    assert disk_files(settings.JIGUAN_PRIVATE_ROOT) == []  # nothing on the disk
    download = client.get(reverse("attachments:download", args=["org.orgunit", unit.pk, document.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    with pytest.raises(ValueError):  # no public URL
        document.file.url  # noqa: B018


def unit_rows(n):
    return [[f"甲市第{i}局", f"第{i}局", "机关", "甲市", "350100", credit_code(OrgKind.AGENCY, "350100", 7000 + i), i]
            for i in range(1, n + 1)]


WORKER = """
import json, sys
import django
django.setup()
from jiguan.core.jobs import import_run
args, kwargs = json.loads(sys.argv[1])
result = import_run.apply(args=args, kwargs=kwargs, throw=True)
print(json.dumps(result.get()))
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only  # the worker process reads the same database
def test_an_import_job_runs_in_a_worker_process_that_shares_no_folder(
        bucket, users, client_for, settings, monkeypatch, tmp_path):
    settings.JIGUAN_IMPORT = {"INLINE_MAX_ROWS": 5}
    queued = []
    from jiguan.core import jobs

    # The web side queues the job (as on a broker) instead of running it in the request.
    monkeypatch.setattr(jobs.import_run, "apply_async", lambda args, kwargs: queued.append((args, kwargs)))
    admin = client_for(users["sysadmin"])
    rows = unit_rows(8)
    rows[6][3] = "丙市"  # no such parent: the job keeps an error report
    response = admin.post(URL, {"file": SimpleUploadedFile("大批量.xlsx", xlsx_bytes(rows, HEADER), content_type=XLSX)})
    assert response.status_code == 302 and "?job=" in response["Location"]
    token = response["Location"].split("?job=", 1)[1]
    (args, kwargs), = queued
    folder = f"imports/{users['sysadmin'].pk}/jobs"
    assert bucket() == sorted([f"{folder}/{token}.json", args[1]])  # the upload and its state
    assert disk_files(settings.JIGUAN_PRIVATE_ROOT) == []
    assert "排队等候中" in admin.get(response["Location"]).content.decode()

    # The worker: another process, its own empty folders, the same database and bucket.
    worker_var = tmp_path / "worker-var"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jiguan.config.settings.test",
           "DATABASE_URL": _database_url(), "JIGUAN_VAR_DIR": str(worker_var),
           "JIGUAN_PRIVATE_ROOT": str(worker_var / "private"), "JIGUAN_STORAGE": "s3",
           "JIGUAN_S3_BUCKET": "jiguan-private", "JIGUAN_S3_ENDPOINT_URL": bucket.endpoint,
           "JIGUAN_S3_PREFIX": bucket.prefix, "JIGUAN_S3_ACCESS_KEY": "testing",
           "JIGUAN_S3_SECRET_KEY": "testing", "JIGUAN_S3_REGION": "us-east-1"}
    env.pop("PYTEST_XDIST_WORKER", None)
    done = subprocess.run([sys.executable, "-c", WORKER, json.dumps([list(args), kwargs])], env=env,
                          cwd=django_settings.BASE_DIR, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["committed"] is False and summary["error_count"] == 1
    assert disk_files(worker_var / "private") == [] and disk_files(settings.JIGUAN_PRIVATE_ROOT) == []

    # The web side shows the result and serves the error report from the bucket.
    page = admin.get(response["Location"])
    assert page.status_code == 200 and page.context["report_url"]
    report = admin.get(page.context["report_url"])
    assert report.status_code == 200 and report_rows(report)[1][:2] == [8, "上级单位"]
    assert not OrgUnit.objects.filter(name__startswith="甲市第").exists()
    assert args[1] not in bucket()  # the upload is gone


def _database_url() -> str:
    """The test database of this run (the worker must see what the web side wrote)."""
    params = connection.settings_dict
    return (f"postgres://{params['USER']}:{params['PASSWORD']}@{params['HOST'] or '127.0.0.1'}:"
            f"{params['PORT'] or 5432}/{params['NAME']}")


def test_a_job_reads_only_from_the_storage(bucket, db, users, settings, tmp_path):
    """Without a second process (SQLite): the private root is removed between the upload and the job,
    which still finds its file in the bucket."""
    import shutil

    from jiguan.core.context import acting_as
    from jiguan.core.imports import ImportJob, run_import_job
    from jiguan.core.storage import private_storage

    user = users["sysadmin"]
    upload = SimpleUploadedFile("units.xlsx", xlsx_bytes(unit_rows(3), HEADER), content_type=XLSX)
    job = ImportJob.create(user, upload, 3, key=KEY)
    shutil.rmtree(settings.JIGUAN_PRIVATE_ROOT, ignore_errors=True)
    with acting_as(user, channel="job"):
        summary = run_import_job(KEY, job.file_name, "units.xlsx", job.token, progress=lambda done, total=None: None)
    assert summary["committed"] and summary["created"] == 3
    assert job.read()["state"] == "done" and not private_storage().exists(job.file_name)
    assert disk_files(settings.JIGUAN_PRIVATE_ROOT) == []
