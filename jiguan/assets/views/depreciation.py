"""Depreciation pages (折旧计提): runs, run progress and the ledger (折旧明细账)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.core.views import ObjectDetailView, ObjectFormView, ObjectListView

from .. import depreciation, filters, forms, tables
from ..models import (
    DepreciationEntry,
    DepreciationRun,
    RunStatus,
)
from ..tables import yuan
from .common import RUNS, is_htmx

# ---------------------------------------------------------------------------------------------
# Depreciation (折旧计提)
# ---------------------------------------------------------------------------------------------


class RunListView(ObjectListView):
    model = DepreciationRun
    title = RUNS
    table = tables.RunTable()
    filterset_class = filters.RunFilter
    create_url_name = "assets:run_create"
    export_name = RUNS
    extra_actions_template = "assets/_run_list_actions.html"
    breadcrumbs = [(RUNS, None)]

    def optimize(self, queryset):
        return queryset.select_related("unit", "started_by").order_by("-period", "-id")


class RunCreateView(ObjectFormView):
    """Start the month's run: ``run_start`` now, ``run_execute`` in a background job after commit
    (inline when Celery is eager); the run page shows the progress."""

    model = DepreciationRun
    action = "add"
    form_class = forms.RunForm
    template_name = "assets/run_form.html"
    success_message = gettext_lazy("已开始计提折旧。")
    breadcrumbs = [(RUNS, "assets:run_list"), (gettext_lazy("计提折旧"), None)]

    def get_title(self):
        return _("计提折旧")

    def perform(self, form):
        data = form.cleaned_data
        try:
            run = depreciation.run_start(unit=data["unit"], period=data["month"], actor=self.request.user)
        except ValueError as exc:
            raise ValidationError({"month": str(exc)}) from None
        user = self.request.user
        # After commit, so the job finds the run; a job that cannot be queued fails the run at once
        # (run_enqueue), and the run page says so and offers 重新计提.
        transaction.on_commit(lambda: depreciation.run_enqueue(run, actor=user), robust=True)
        return run


class RunDetailView(ObjectDetailView):
    """A run and its progress; while it runs the progress card polls this page every second (htmx)."""

    model = DepreciationRun
    template_name = "assets/run_detail.html"

    def optimize(self, queryset):
        return queryset.select_related("unit", "started_by")

    def get(self, request, *args, **kwargs):
        if is_htmx(request):
            self.object = self.get_object()
            return render(request, "assets/_run_progress.html", self.progress_context(self.object))
        return super().get(request, *args, **kwargs)

    def progress_context(self, run) -> dict:
        return {"run": run, "running": run.status == RunStatus.RUNNING, "amount": yuan(run.amount),
                "can_restart": run.restartable and self.request.user.has_perm("assets.add_depreciationrun", run),
                "ledger_url": f"{reverse('assets:ledger')}?period={run.period_label}&owner={run.unit_id}"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        context.update(self.progress_context(run))
        context["title"] = f"{run.unit.name} {run.period_label}"
        context["breadcrumbs"] = [(RUNS, reverse("assets:run_list")), (f"{run.unit.name} {run.period_label}", None)]
        return context


class LedgerListView(ObjectListView):
    """折旧明细账: filtered by month and owning unit (subtree), newest first, exported to Excel."""

    model = DepreciationEntry
    title = gettext_lazy("折旧明细账")
    table = tables.LedgerTable()
    filterset_class = filters.LedgerFilter
    export_name = gettext_lazy("折旧明细账")
    breadcrumbs = [(RUNS, "assets:run_list"), (gettext_lazy("折旧明细账"), None)]

    def optimize(self, queryset):
        return queryset.select_related("asset", "owner_unit").order_by("-id")
