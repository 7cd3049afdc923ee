"""Background jobs that keep the acting user: the audit trail of a job names who started it.

    @job
    def depreciation_run(month: str, *, progress) -> dict: ...

    depreciation_run.start(actor=request.user, month="2026-11")   # Celery, or inline when eager

Inside the job ``jiguan.core.context.current()`` is the starting user on channel "job", so services
called by the job write audit records in that user's name (NetBox #2368: jobs lost the actor).
"""

from __future__ import annotations

import functools

from celery import shared_task
from django.apps import apps

from .context import acting_as


def _load_user(actor_id):
    if actor_id is None:
        return None
    return apps.get_model("org", "User").objects.select_related("unit").get(pk=actor_id)


def job(func):
    """Wrap ``func`` as a Celery task that runs as the user who started it."""

    @shared_task(name=f"{func.__module__}.{func.__name__}", bind=True)
    @functools.wraps(func)
    def task(self, *args, actor_id=None, request_id=None, **kwargs):
        def progress(done: int, total: int | None = None) -> None:
            if not self.request.called_directly and self.request.id:
                self.update_state(state="PROGRESS", meta={"done": done, "total": total})

        with acting_as(_load_user(actor_id), channel="job", request_id=request_id):
            return func(*args, progress=progress, **kwargs)

    def start(*args, actor=None, **kwargs):
        from .context import current

        return task.apply_async(args=args, kwargs={**kwargs, "actor_id": getattr(actor, "pk", None),
                                                   "request_id": current().request_id or None})

    task.start = start
    return task


@job
def import_run(key: str, name: str, filename: str, token: str, *, progress) -> dict:
    """``core.import_run``: a background import (``jiguan.core.imports.jobs``) of the registered
    importer ``key`` from an upload saved in the private storage as ``name``; the state file that the page and the API poll is kept by
    ``run_import_job``, and the upload is deleted at the end."""
    from .imports.jobs import run_import_job

    return run_import_job(key, name, filename, token, progress=progress)
