"""The import pages of registered importers (``registry.register_importer``).

``RegisteredImportView`` is the upload page of one declaration: the instructions, template link and
error table of ``ImportView``; a file over the declaration's ``inline_max_rows`` rows runs as the job
``core.import_run`` and the page ``?job=<token>`` follows it (htmx polls the progress bar every
second: validation fills the first half, writing the second), then shows the success message or the
errors and the report, as for a file imported at once. The kernel serves it for every declaration at
``/imports/<key>/`` (``imports:import``) with the template at ``/imports/<key>/template.xlsx``
(``imports:template``); a module keeps its own URL with a two-line subclass::

    class VehicleImportView(RegisteredImportView):
        model = Vehicle
        import_key = "vehicles.vehicle"
"""

from __future__ import annotations

import re
from functools import cached_property

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import re_path
from django.utils.translation import gettext as _

from .importer import Importer, ImportResult
from .jobs import ImportJob, estimate_rows, progress_context, result_from_dict, start_import_job
from .registry import ImportDeclaration, importer_for, registered
from .views import ImportTemplateView, ImportView, save_error_report


class RegisteredImportView(ImportView):
    """The import page of the declaration ``import_key`` (subclasses set it and ``model``)."""

    import_key = ""

    @cached_property
    def declaration(self) -> ImportDeclaration:
        try:
            return importer_for(self.import_key)
        except LookupError:
            raise Http404(_("没有这种导入。")) from None

    def required_permission(self) -> str:
        return self.declaration.permission

    def get_importer(self) -> Importer:
        return self.declaration.importer(self.request.user)

    def get_breadcrumbs(self):
        return self.declaration.breadcrumbs()

    def get_success_message(self, result: ImportResult) -> str:
        return str(self.declaration.success_message) % {"count": result.created, "file": result.filename}

    def success_redirect_url(self) -> str:
        return self.declaration.list_url() or self.request.path

    def get(self, request, *args, **kwargs):
        if "job" in request.GET:
            return self.job_response(ImportJob(request.user, request.GET["job"]))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form)
        upload = form.cleaned_data["file"]
        estimate = estimate_rows(upload, upload.name)
        if estimate > self.declaration.get_inline_max_rows():
            job = start_import_job(self.declaration, request.user, upload, estimate)
            return HttpResponseRedirect(f"{request.path}?job={job.token}")
        result = self.get_importer().run(upload, upload.name)
        return self.result_response(result, save_error_report(result, request.user) if not result.committed else "")

    def result_response(self, result: ImportResult, report_token: str):
        if result.committed:
            messages.success(self.request, self.get_success_message(result))
            return HttpResponseRedirect(self.success_redirect_url())
        return self.render(self.get_form(), result=result, report_token=report_token)

    def job_response(self, job: ImportJob):
        state = job.read(self.import_key)
        if state is None:
            raise Http404(_("导入任务不存在或已过期。"))
        partial = self.request.headers.get("HX-Request") == "true"
        if state["state"] in ("queued", "running"):
            context = {"title": self.get_title(self.get_importer()), "breadcrumbs": self.get_breadcrumbs(),
                       "job": state, "token": job.token, "poll_url": f"{self.request.path}?job={job.token}",
                       **progress_context(state)}
            name = "core/_import_progress.html" if partial else self.declaration.progress_template_name
            return render(self.request, name, context)
        if partial:  # finished while the page was polling: load the full page
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"{self.request.path}?job={job.token}"
            return response
        if state["state"] == "failed":
            result = ImportResult(filename=state.get("filename", ""), file_errors=[state.get("error", "")])
            return self.render(self.get_form(), result=result)
        result = result_from_dict(state["result"])
        if result.committed:
            job.remove()  # the success message is shown once
        return self.result_response(result, state.get("report", ""))

    def render(self, form, result: ImportResult | None = None, report_token: str = ""):
        self.template_name = self.declaration.template_name
        self.template_url_name = self.declaration.template_url()  # a path: resolve_url keeps it
        return super().render(form, result=result, report_token=report_token)


class RegisteredImportTemplateView(ImportTemplateView):
    """The template (.xlsx) of the declaration ``import_key`` (subclasses set it and ``model``)."""

    import_key = ""

    @cached_property
    def declaration(self) -> ImportDeclaration:
        try:
            return importer_for(self.import_key)
        except LookupError:
            raise Http404(_("没有这种导入。")) from None

    def required_permission(self) -> str:
        return self.declaration.permission

    def get(self, request, *args, **kwargs):
        return self.declaration.importer(request.user).template_response()


def class_name(key: str, suffix: str) -> str:
    """``assets.asset`` -> ``AssetsAssetImportView``."""
    return "".join(part.capitalize() for part in re.split(r"[._]", key)) + suffix


def view_classes(declaration: ImportDeclaration) -> tuple[type, type]:
    """The page and template view classes of a declaration (each a subclass with its ``model``, so the
    scope meta-test sees a model on every URL)."""
    attrs = {"model": declaration.model, "import_key": declaration.key, "__module__": __name__}
    page = type(class_name(declaration.key, "ImportView"), (RegisteredImportView,), dict(attrs))
    template = type(class_name(declaration.key, "ImportTemplateView"), (RegisteredImportTemplateView,), dict(attrs))
    return page, template


def urlpatterns() -> list:
    """``<key>/`` (``import``) and ``<key>/template.xlsx`` (``template``) for every declaration; the
    key is a literal of each pattern (``reverse("imports:import", args=[key])``)."""
    patterns = []
    for declaration in registered():
        page, template = view_classes(declaration)
        key = re.escape(declaration.key)
        patterns += [re_path(rf"^(?P<key>{key})/$", page.as_view(), name="import"),
                     re_path(rf"^(?P<key>{key})/template\.xlsx$", template.as_view(), name="template")]
    return patterns
