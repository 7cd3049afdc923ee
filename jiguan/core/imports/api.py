"""The import API of registered importers (``registry.register_importer``).

For every declaration the kernel serves (``urlpatterns``)::

    POST /api/v1/imports/<key>/                 upload (multipart, field ``file``)
    GET  /api/v1/imports/<key>/<token>/         a background import's status and result
    GET  /api/v1/imports/<key>/<token>/report/  the error report (.xlsx) of a refused file

All or nothing, as on the page: one bad row imports nothing, and the answer lists every bad row with
its column and reason (400 ``import_invalid``, with the error report's address). A small file is
imported at once (201, ``result_body`` of the declaration); a file over its ``inline_max_rows`` rows
runs as the job ``core.import_run`` (202 with the job's token and ``status_url``). A token names a job
of its caller only. Every operation needs the declaration's permission.

``ImportActionsMixin`` holds the three actions: a module keeps its own API paths (e.g. assets'
``/api/v1/assets/import/``) by mixing it into its viewset with ``import_key`` and its URL names.
"""

from __future__ import annotations

import functools

from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.response import Response

from ..api import ScopedViewSetMixin
from ..serializers import Serializer
from .importer import RowError
from .jobs import STATES, ImportJob, estimate_rows, progress_context, start_import_job
from .readers import XLSX_CONTENT_TYPE, import_setting
from .registry import ImportDeclaration, importer_for, registered
from .views import ImportForm, error_report_file, save_error_report

# Serializers ---------------------------------------------------------------------------------------


class ImportUploadSerializer(Serializer):
    file = serializers.FileField(help_text=gettext_lazy("导入文件（.xlsx 或 .csv），列与导入模板相同"))

    def validate_file(self, upload):
        """The checks of the import page (format, size), with its messages."""
        form = ImportForm({}, {"file": upload}, max_bytes=int(import_setting("MAX_UPLOAD_MB") * 1024 * 1024))
        if not form.is_valid():
            raise serializers.ValidationError(form.errors["file"])
        return upload


class ImportedSerializer(Serializer):
    imported = serializers.IntegerField(help_text=gettext_lazy("导入的记录数"))


class ImportQueuedSerializer(Serializer):
    job = serializers.CharField(help_text=gettext_lazy("导入任务令牌"))
    status_url = serializers.CharField(help_text=gettext_lazy("查询任务进度和结果的地址"))


class ImportRowErrorSerializer(Serializer):
    row = serializers.IntegerField(allow_null=True,
                                   help_text=gettext_lazy("文件中的行号（表头为第 1 行）；空：整个文件的错误"))
    column = serializers.CharField(help_text=gettext_lazy("列名"))
    value = serializers.CharField(help_text=gettext_lazy("填写的值"))
    message = serializers.CharField(help_text=gettext_lazy("错误原因"))


class ImportErrorSerializer(Serializer):
    code = serializers.CharField(help_text=gettext_lazy("import_invalid：文件有错误，未导入任何数据；import_failed：系统错误"))
    message = serializers.CharField()
    rows = ImportRowErrorSerializer(many=True, required=False, help_text=gettext_lazy("每一处错误（行、列、值、原因）"))
    error_count = serializers.IntegerField(required=False, help_text=gettext_lazy("错误总数"))
    bad_rows = serializers.IntegerField(required=False, help_text=gettext_lazy("有错误的行数"))
    report_url = serializers.CharField(required=False, help_text=gettext_lazy("错误报告（.xlsx）的下载地址"))


class ImportErrorBodySerializer(Serializer):
    error = ImportErrorSerializer()


class ImportJobSerializer(Serializer):
    job = serializers.CharField(help_text=gettext_lazy("导入任务令牌"))
    status = serializers.ChoiceField(STATES, help_text=gettext_lazy("queued 排队中、running 进行中、done 已完成、failed 出错"))
    filename = serializers.CharField()
    phase = serializers.CharField(help_text=gettext_lazy("validate 校验、commit 写入；排队时为空"))
    done = serializers.IntegerField(help_text=gettext_lazy("本阶段已处理的行数"))
    total = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("本阶段的总行数（校验阶段未知时为空）"))
    percent = serializers.IntegerField(help_text=gettext_lazy("总进度（0–100）：校验占前一半，写入占后一半"))
    result = ImportedSerializer(allow_null=True, help_text=gettext_lazy("导入成功时的结果"))
    error = ImportErrorSerializer(allow_null=True, help_text=gettext_lazy("文件有错误（未导入任何数据）或任务出错时的原因"))


# The actions ---------------------------------------------------------------------------------------

IMPORT_ACTIONS = ("import_upload", "import_status", "import_report")


class CanImport(permissions.BasePermission):
    """The declaration's permission (message: 您没有导入<label>的权限。)."""

    def has_permission(self, request, view):
        declaration = view.import_declaration()
        self.message = _("您没有导入%(label)s的权限。") % {"label": declaration.get_label()}
        return request.user.has_perm(declaration.permission)


class ImportActionsMixin:
    """``import_upload``, ``import_status`` and ``import_report`` of the declaration ``import_key``,
    for a viewset (``as_view({"post": "import_upload"})`` ...). The status and report addresses are
    reversed from ``import_status_url_name`` and ``import_report_url_name`` with the token and
    ``import_route_kwargs()``."""

    import_key = ""
    import_status_url_name = "import-status"
    import_report_url_name = "import-report"

    def import_declaration(self) -> ImportDeclaration:
        try:
            return importer_for(self.import_key)
        except LookupError:
            raise Http404 from None

    def import_route_kwargs(self) -> dict:
        return {}

    def get_permissions(self):
        if self.action in IMPORT_ACTIONS:
            return [permissions.IsAuthenticated(), CanImport()]
        return super().get_permissions()

    def perform_content_negotiation(self, request, force=False):
        # The error report is a file whatever the Accept header asks for; errors are JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "import_report")

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer},
                   responses={201: ImportedSerializer, 202: ImportQueuedSerializer, 400: ImportErrorBodySerializer})
    def import_upload(self, request, *args, **kwargs):
        """Upload a file (multipart, field ``file``). 201: imported; 202: queued as a background job,
        poll ``status_url``; 400 ``import_invalid``: nothing imported, with every error and the error
        report's address (400 ``validation_error`` for a missing, unsupported or too large file)."""
        body = ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        user, declaration = request.user, self.import_declaration()
        estimate = estimate_rows(upload, upload.name)
        if estimate > declaration.get_inline_max_rows():
            job = start_import_job(declaration, user, upload, estimate)
            return Response({"job": job.token, "status_url": self.import_url(self.import_status_url_name, job.token)},
                            status=status.HTTP_202_ACCEPTED)
        importer = declaration.importer(user)
        result = importer.run(upload, upload.name)
        if result.committed:
            return Response(declaration.result_body(importer, result), status=status.HTTP_201_CREATED)
        error = self.import_invalid(result.as_dict(), save_error_report(result, user), rows=result.errors)
        return Response({"error": error}, status=status.HTTP_400_BAD_REQUEST)

    @extend_schema(responses=ImportJobSerializer, filters=False)
    def import_status(self, request, token=None, *args, **kwargs):
        """A background import: its progress while it runs, then its result (``result``) or why nothing
        was imported (``error``, with the error report's address)."""
        state = self.import_state(token)
        if state is None:
            raise Http404
        result = error = None
        if state["state"] == "done":
            summary = state["result"]
            if summary.get("committed"):
                result = {"imported": summary.get("created", 0)}
            else:
                error = self.import_invalid(summary, state.get("report", ""), token=token)
        elif state["state"] == "failed":
            error = {"code": "import_failed", "message": state.get("error", "")}
        return Response({
            "job": token, "status": state["state"], "filename": state.get("filename", ""),
            "phase": state.get("phase") or "", "done": state.get("done") or 0, "total": state.get("total"),
            "percent": 100 if state["state"] in ("done", "failed") else progress_context(state)["percent"],
            "result": result, "error": error})

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY}, filters=False)
    def import_report(self, request, token=None, *args, **kwargs):
        """The error report (.xlsx: row, column, value, reason) of a refused file: ``token`` is the job's,
        or the one in the ``report_url`` of a 400 answer. Kept for 24 hours."""
        state = self.import_state(token)
        report = error_report_file(request.user, state.get("report", "") if state else token)
        if report is None:
            raise Http404
        label = self.import_declaration().get_label()
        return FileResponse(report, as_attachment=True, content_type=XLSX_CONTENT_TYPE,
                            filename=_("%(label)s导入错误报告.xlsx") % {"label": label})

    def import_state(self, token) -> dict | None:
        """The caller's own job of ``token`` for this importer (another user's token finds nothing), or None."""
        return ImportJob(self.request.user, token).read(self.import_key)

    def import_url(self, name: str, token: str) -> str:
        return self.request.build_absolute_uri(reverse(name, kwargs={**self.import_route_kwargs(), "token": token}))

    def import_invalid(self, summary: dict, report: str, rows=None, token: str = "") -> dict:
        """The ``import_invalid`` error of a refused file (nothing was imported)."""
        if rows is None:
            rows = [RowError(*e) for e in summary.get("errors", [])]
        file_errors = summary.get("file_errors", [])
        if file_errors:
            message = _("文件无法导入，未导入任何数据：%(errors)s") % {"errors": "；".join(file_errors)}
        else:
            message = _("文件中有 %(rows)d 行共 %(n)d 处错误，未导入任何数据。请修改后重新上传。") % {
                "rows": summary.get("bad_rows", 0), "n": summary.get("error_count", 0)}
        error = {
            "code": "import_invalid", "message": message,
            "rows": [{"row": None, "column": "", "value": "", "message": m} for m in file_errors]
            + [{"row": e.row, "column": e.column, "value": e.value, "message": e.message} for e in rows],
            "error_count": summary.get("error_count", 0) + len(file_errors), "bad_rows": summary.get("bad_rows", 0),
        }
        if report:
            error["report_url"] = self.import_url(self.import_report_url_name, token or report)
        return error


class ImportViewSet(ImportActionsMixin, ScopedViewSetMixin, viewsets.GenericViewSet):
    """The kernel's import API of one declaration (a subclass per key, see ``viewset_class``)."""

    def import_route_kwargs(self) -> dict:
        return {"key": self.import_key}


def _documented(base, name: str, **schema):
    """``base``'s action ``name`` as a method of its own, documented with ``schema`` (so documenting
    one key's operation does not change another's)."""
    method = getattr(base, name)

    @functools.wraps(method)
    def action(self, request, *args, **kwargs):
        return method(self, request, *args, **kwargs)

    if hasattr(method, "kwargs"):
        action.kwargs = method.kwargs.copy()
    return extend_schema(**schema)(action)


def viewset_class(declaration: ImportDeclaration) -> type:
    """The API viewset of a declaration: its own operation ids (``imports_<app>_<model>_upload`` ...)."""
    slug = declaration.key.replace(".", "_")
    label = declaration.get_label()
    created = declaration.result_serializer or ImportedSerializer
    name = "".join(part.capitalize() for part in slug.split("_")) + "ImportViewSet"
    return type(name, (ImportViewSet,), {
        "__module__": __name__, "import_key": declaration.key, "queryset": declaration.model._default_manager.all(),
        "import_upload": _documented(ImportViewSet, "import_upload", operation_id=f"imports_{slug}_upload",
                                     summary=_("导入%(label)s") % {"label": label},
                                     responses={201: created, 202: ImportQueuedSerializer,
                                                400: ImportErrorBodySerializer}),
        "import_status": _documented(ImportViewSet, "import_status", operation_id=f"imports_{slug}_status",
                                     summary=_("%(label)s导入任务的进度和结果") % {"label": label}),
        "import_report": _documented(ImportViewSet, "import_report", operation_id=f"imports_{slug}_report",
                                     summary=_("%(label)s导入错误报告") % {"label": label}),
    })


def urlpatterns() -> list:
    """``<key>/`` (``import-upload``), ``<key>/<token>/`` (``import-status``) and
    ``<key>/<token>/report/`` (``import-report``) for every declaration, the key a literal of each
    path (``reverse("import-status", kwargs={"key": key, "token": token})``)."""
    patterns = []
    for declaration in registered():
        viewset = viewset_class(declaration)
        key = {"key": declaration.key}
        patterns += [
            path(f"{declaration.key}/", viewset.as_view({"post": "import_upload"}), key, name="import-upload"),
            path(f"{declaration.key}/<str:token>/", viewset.as_view({"get": "import_status"}), key,
                 name="import-status"),
            path(f"{declaration.key}/<str:token>/report/", viewset.as_view({"get": "import_report"}), key,
                 name="import-report"),
        ]
    return patterns
