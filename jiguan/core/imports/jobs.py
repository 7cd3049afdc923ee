"""Imports as background jobs (导入任务), for any registered importer (``registry.register_importer``).

A file estimated over its declaration's ``inline_max_rows`` data rows is not imported in the request:
``start_import_job`` saves the upload beside a small JSON state file in the private storage
(``jiguan.core.storage``: ``imports/<user id>/jobs/<token>.<ext>`` and ``<token>.json``, never served;
the web process and the worker share no folder, only the storage) and starts the job ``core.import_run`` (``jiguan.core.jobs``), which
runs the importer as the user who uploaded the file (``run_import_job``). The page and the API read
the state file to show the progress (``progress_context``) and, at the end, the result
(``result_from_dict``) or the error report.

State: ``state`` queued / running / done / failed, ``importer`` (the key), ``filename``, ``estimate``
(rows), ``phase`` validate / commit, ``done`` and ``total`` rows of the phase, ``result``
(``ImportResult.as_dict()``), ``report`` (the error report's token), ``error`` (why a job failed).
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
import zipfile

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from ..storage import private_storage
from .importer import ImportResult, RowError
from .readers import file_extension
from .views import remove_old_files, report_folder, save_error_report

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
STATES = ("queued", "running", "done", "failed")


def estimate_rows(fileobj, filename: str) -> int:
    """A quick upper estimate of the data rows of an upload (to choose inline or background)."""
    stream = getattr(fileobj, "file", None) or fileobj
    extension = file_extension(filename)
    try:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        if extension == ".csv":
            lines = 0
            while chunk := stream.read(1 << 20):
                lines += chunk.count(b"\n")
            return max(0, lines - 1)  # the header
        try:
            rows = max(0, _xlsx_declared_rows(stream) - 1)  # the header
        except Exception:  # noqa: BLE001 - unreadable here is reported by the import itself
            rows = 0
        return max(rows, size // 200)  # a wrong <dimension> in the file: fall back on its size
    finally:
        stream.seek(0)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')


def _xlsx_declared_rows(stream) -> int:
    """The most rows a worksheet of the file declares in its ``<dimension>`` (0 when none does): the
    head of each sheet's XML only, without loading the workbook (openpyxl took 19 s on 100,000 rows)."""
    rows = 0
    with zipfile.ZipFile(stream) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with book.open(name) as sheet:
                    found = _DIMENSION.search(sheet.read(4096))
                rows = max(rows, int(found.group(1)) if found else 0)
    return rows


class ImportJob:
    """A background import of one user: the uploaded file and a JSON state file, side by side in the
    user's folder of the private storage (never served; the web process and the worker reach it
    through the storage, not a shared folder). A token names a job of its user only: another user's
    token finds nothing."""

    def __init__(self, user, token: str):
        if not _TOKEN.match(token or ""):
            raise Http404(_("导入任务不存在或已过期。"))
        self.user, self.token = user, token
        self.folder = f"{report_folder(user)}/jobs"
        self.state_name = f"{self.folder}/{token}.json"

    @classmethod
    def create(cls, user, upload, estimate: int, key: str = "") -> ImportJob:
        """Save ``upload`` for the job of importer ``key`` (state queued); files of the user's jobs
        older than ``REPORT_HOURS`` are removed."""
        job = cls(user, uuid.uuid4().hex)
        remove_old_files(job.folder)
        upload.seek(0)
        job.file_name = private_storage().save(f"{job.folder}/{job.token}{file_extension(upload.name)}", upload)
        job.write(state="queued", importer=key, filename=os.path.basename(upload.name), estimate=estimate,
                  phase="", done=0, total=None)
        return job

    def read(self, key: str | None = None) -> dict | None:
        """The state, or None (no such job; with ``key``: a job of another importer)."""
        try:
            with private_storage().open(self.state_name, "rb") as handle:
                state = json.loads(handle.read().decode("utf-8"))
        except (OSError, ValueError):
            return None
        if key is not None and state.get("importer") not in (None, "", key):
            return None
        return state

    def write(self, **changes) -> None:
        state = {**(self.read() or {}), **changes, "updated": time.time()}
        private_storage().overwrite(self.state_name, json.dumps(state, ensure_ascii=False).encode("utf-8"))

    def remove(self) -> None:
        private_storage().delete(self.state_name)


def start_import_job(declaration, user, upload, estimate: int) -> ImportJob:
    """Save the upload and queue the job ``core.import_run`` for it, as ``user``."""
    from jiguan.core.jobs import import_run

    job = ImportJob.create(user, upload, estimate, key=declaration.key)
    import_run.start(declaration.key, job.file_name, upload.name, job.token, actor=user)
    return job


def run_import_job(key: str, name: str, filename: str, token: str, *, progress) -> dict:
    """The body of the job ``core.import_run``: run importer ``key`` on the saved file (``name`` in the
    private storage, opened through it: the worker needs no folder shared with the web process) as the
    acting user, keeping the state file up to date, and keep the error report when the file is
    refused. The saved file is deleted at the end, whatever happens."""
    from jiguan.core.context import current

    from .registry import importer_for

    user = current().user
    job = ImportJob(user, token)
    storage = private_storage()
    last = [0.0]
    try:
        importer = importer_for(key).importer(user)
    except LookupError:
        storage.delete(name)
        job.write(state="failed", error=_("导入过程中出现系统错误，未导入任何数据。请稍后重试或联系系统管理员。"))
        raise

    def report(done: int, total: int | None) -> None:
        progress(done, total)
        now = time.monotonic()
        if importer.phase == "commit" or now - last[0] > 0.5:
            last[0] = now
            job.write(state="running", phase=importer.phase, done=done, total=total)

    importer.progress = report
    job.write(state="running", phase="validate")
    try:
        with storage.open(name, "rb") as fileobj:
            result = importer.run(fileobj, filename)
    except PermissionDenied as exc:
        job.write(state="failed", error=str(exc))
        return {"error": str(exc)}
    except Exception:
        job.write(state="failed", error=_("导入过程中出现系统错误，未导入任何数据。请稍后重试或联系系统管理员。"))
        raise
    finally:
        storage.delete(name)
    summary = result.as_dict()
    job.write(state="done", result=summary, report="" if result.committed else save_error_report(result, user))
    return summary


def progress_context(state: dict) -> dict:
    """Percent and text of the progress bar: validation is the first half, writing the second."""
    done, total, estimate = state.get("done") or 0, state.get("total"), state.get("estimate") or 0
    if state.get("phase") == "commit" and total:
        percent = 50 + round(50 * done / total)
        text = _("正在写入：%(done)s / %(total)s 行") % {"done": f"{done:,}", "total": f"{total:,}"}
    elif state["state"] == "queued":
        percent, text = 0, _("排队等候中……")
    else:
        percent = min(49, round(50 * done / estimate)) if estimate else 0
        text = _("正在校验：已校验 %(done)s 行") % {"done": f"{done:,}"}
    return {"percent": max(0, min(100, percent)), "progress_text": text}


def result_from_dict(data: dict) -> ImportResult:
    """An ``ImportResult`` back from ``as_dict()`` (a job's result), for the result page."""
    return ImportResult(filename=data.get("filename", ""), sha256=data.get("sha256", ""),
                        total_rows=data.get("total_rows", 0), created=data.get("created", 0),
                        committed=data.get("committed", False), file_errors=list(data.get("file_errors", [])),
                        errors=[RowError(*e) for e in data.get("errors", [])],
                        error_count=data.get("error_count", 0), bad_rows=data.get("bad_rows", 0))
