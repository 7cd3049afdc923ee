"""Import pages: the upload form, ``ImportView`` and ``ImportTemplateView``, and the error reports kept
for download."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ..forms import BootstrapFormMixin
from ..storage import private_storage
from ..views import ScopedViewMixin
from .importer import Importer, ImportResult
from .readers import SUPPORTED_EXTENSIONS, XLSX_CONTENT_TYPE, file_extension, import_setting

# Error reports kept for download ----------------------------------------------------------------

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def report_folder(user) -> str:
    """The user's folder of import files in the private storage (``jiguan.core.storage``): error
    reports, and the uploads and state files of background jobs (``jobs/``). Never served."""
    return f"imports/{user.pk}"


def remove_old_files(folder: str) -> None:
    """Delete the files of ``folder`` (a storage folder) older than ``REPORT_HOURS``."""
    storage = private_storage()
    cutoff = timezone.now() - dt.timedelta(hours=import_setting("REPORT_HOURS"))
    try:
        names = storage.listdir(folder)[1]
    except OSError:  # no such folder yet
        return
    for name in names:
        try:
            if storage.get_modified_time(f"{folder}/{name}") < cutoff:
                storage.delete(f"{folder}/{name}")
        except OSError:
            pass


def save_error_report(result: ImportResult, user) -> str:
    """Keep the error report for ``user`` (private storage, not served); returns its token."""
    folder = report_folder(user)
    remove_old_files(folder)
    token = uuid.uuid4().hex
    private_storage().overwrite(f"{folder}/{token}.xlsx", result.error_report())
    return token


def error_report_name(user, token: str) -> str | None:
    """The storage name of ``user``'s error report ``token``, or None (no such report)."""
    if not _TOKEN.match(token or ""):
        return None
    name = f"{report_folder(user)}/{token}.xlsx"
    return name if private_storage().exists(name) else None


def error_report_file(user, token: str):
    """``user``'s error report ``token`` opened from the private storage, or None."""
    name = error_report_name(user, token)
    if name is None:
        return None
    try:
        return private_storage().open(name, "rb")
    except OSError:  # removed in between
        return None


# Views ------------------------------------------------------------------------------------------


class ImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("导入文件"), help_text=gettext_lazy("支持 .xlsx 和 .csv 文件。"))

    def __init__(self, *args, max_bytes: int, **kwargs):
        self.max_bytes = max_bytes
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = file_extension(upload.name)
        if extension == ".xls":
            raise ValidationError(_("不支持 Excel 97-2003（.xls）格式，请在 Excel 中另存为 .xlsx 后再上传。"))
        if extension not in SUPPORTED_EXTENSIONS:
            raise ValidationError(_("只能上传 .xlsx 或 .csv 文件（当前文件：%(name)s）。") % {"name": upload.name})
        if upload.size > self.max_bytes:
            raise ValidationError(_("文件过大（%(size).1f MB），网页上传不能超过 %(max)d MB。") % {
                "size": upload.size / 1024 / 1024, "max": self.max_bytes // (1024 * 1024)})
        return upload


class ImportView(ScopedViewMixin, View):
    """The upload page of an importer: instructions, template link, upload form, error table.

    Subclasses set ``model``, ``importer_class``, ``template_url_name`` and ``success_url``.
    """

    action = "import"
    importer_class: type[Importer] = None
    template_name = "core/import.html"
    template_url_name = ""
    success_url = ""
    success_message = gettext_lazy("已成功导入 %(count)d 条记录。")

    def get_importer(self) -> Importer:
        return self.importer_class(self.request.user)

    def max_upload_bytes(self) -> int:
        return int(import_setting("MAX_UPLOAD_MB") * 1024 * 1024)

    def get_form(self, data=None, files=None) -> ImportForm:
        return ImportForm(data, files, max_bytes=self.max_upload_bytes())

    def get(self, request, *args, **kwargs):
        if "report" in request.GET:
            return self.error_report_response(request.GET["report"])
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form)
        upload = form.cleaned_data["file"]
        result = self.get_importer().run(upload, upload.name)
        if result.committed:
            messages.success(request, self.get_success_message(result))
            return HttpResponseRedirect(resolve_url(self.success_url))
        token = save_error_report(result, request.user)
        return self.render(self.get_form(), result=result, report_token=token)

    def get_success_message(self, result: ImportResult) -> str:
        return str(self.success_message) % {"count": result.created, "file": result.filename}

    def error_report_response(self, token: str):
        report = error_report_file(self.request.user, token)
        if report is None:
            raise Http404(_("错误报告不存在或已过期，请重新上传文件。"))
        name = _("%(label)s导入错误报告.xlsx") % {"label": self.get_importer().get_label()}
        return FileResponse(report, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)

    def get_title(self, importer: Importer) -> str:
        return _("导入%(label)s") % {"label": importer.get_label()}

    def render(self, form, result: ImportResult | None = None, report_token: str = ""):
        importer = self.get_importer()
        shown = import_setting("ERRORS_SHOWN")
        context = {
            "title": self.get_title(importer),
            "breadcrumbs": self.get_breadcrumbs(),
            "opts": self.model._meta,
            "form": form,
            "importer": importer,
            "columns": importer.column_help(),
            "instructions": importer.general_instructions(),
            "template_url": resolve_url(self.template_url_name) if self.template_url_name else "",
            "result": result,
            "errors": result.errors[:shown] if result else [],
            "errors_hidden": (result.error_count - min(shown, len(result.errors))) if result else 0,
            "report_url": f"{self.request.path}?report={report_token}" if report_token else "",
        }
        return render(self.request, self.template_name, context)


class ImportTemplateView(ScopedViewMixin, View):
    """Downloads the importer's template (.xlsx)."""

    action = "import"
    importer_class: type[Importer] = None

    def get(self, request, *args, **kwargs):
        return self.importer_class(request.user).template_response()
