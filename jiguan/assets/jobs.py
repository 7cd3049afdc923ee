"""Background jobs of the assets app (``jiguan.core.jobs``): they run as the user who started them."""

from __future__ import annotations

from jiguan.core.jobs import job


@job
def depreciation_run(run_id: int, attempt: int | None = None, *, progress) -> dict:
    """Charge one month (``depreciation.run_execute``) for attempt ``attempt`` of a run created or
    restarted by ``run_start``; the run row holds the progress that the run page polls. A job whose
    run is no longer 计提中 as its attempt (failed by the sweep, run again meanwhile) does nothing.
    (``attempt`` None: a job queued before runs counted their attempts.)"""
    from . import depreciation
    from .models import DepreciationRun, RunStatus

    run = DepreciationRun.objects.select_related("unit").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.RUNNING or attempt not in (None, run.attempt):
        return {"run": run_id, "attempt": attempt, "stale": True}
    run = depreciation.run_execute(run, progress=progress)
    return {"run": run.pk, "entries": run.entry_count, "amount": str(run.amount)}


@job
def depreciation_sweep(*, progress) -> dict:
    """Periodic (``CELERY_BEAT_SCHEDULE["depreciation-sweep"]``): runs whose worker died fail and
    may be run again (``depreciation.runs_sweep``; ``manage.py depreciation_sweep`` does the same)."""
    from . import depreciation

    return {"failed": depreciation.runs_sweep()}


@job
def asset_import(path: str, filename: str, token: str, *, progress) -> dict:
    """A card import queued by an earlier version (imports now run as the kernel's job
    ``core.import_run``, ``jiguan.core.imports.jobs``): kept so that a job waiting in the broker
    across an upgrade still runs."""
    from jiguan.core.imports import run_import_job

    from .imports import KEY

    return run_import_job(KEY, path, filename, token, progress=progress)
