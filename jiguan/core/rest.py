"""API plumbing with no view classes (settings import it): pagination and structured errors.

Error body, for every failure::

    {"error": {"code": "validation_error", "message": "提交的数据有误。",
               "fields": {"credit_code": ["统一社会信用代码校验位错误……"]}}}

An object held by another open document (``core.locks.ObjectLocked``) is 409 ``conflict`` with the
holders named, field by field as a validation error would be, and in ``conflicts``::

    {"error": {"code": "conflict", "message": "资产 ZC-… 已在进行中的资产调拨 DB-2026-000012 中，…",
               "fields": {"assets": ["资产 ZC-… 已在进行中的资产调拨 DB-2026-000012 中，…"]},
               "conflicts": [{"object": "ZC-…", "object_id": 42, "document": "DB-2026-000012",
                              "document_type": "资产调拨"}]}}
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .locks import ObjectLocked
from .pagination import BoundedPaginator

ERROR_MESSAGES = {
    "validation_error": _("提交的数据有误。"),
    "not_authenticated": _("请先登录或提供有效的令牌。"),
    "authentication_failed": _("身份认证失败。"),
    "permission_denied": _("您没有执行此操作的权限。"),
    "not_found": _("记录不存在，或不在您的数据范围内。"),
    "method_not_allowed": _("不支持该请求方法。"),
    "throttled": _("请求过于频繁，请稍后再试。"),
    "conflict": _("操作冲突，请刷新后重试。"),
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = _("操作冲突，请刷新后重试。")


def django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError({k: [str(m) for e in v for m in e.messages] for k, v in
                                           exc.error_dict.items()})
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def _locked_response(exc: ObjectLocked) -> Response:
    fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()} \
        if hasattr(exc, "error_dict") else {"non_field_errors": [str(m) for m in exc.messages]}
    body = {"code": Conflict.default_code, "message": "；".join(str(m) for m in exc.messages), "fields": fields,
            "conflicts": [{k: c[k] for k in ("object", "object_id", "document", "document_type",
                                             "occurrence_id", "start", "end") if k in c}
                          for c in exc.conflicts]}
    body.update(getattr(exc, "extra", None) or {})  # e.g. a booking conflict's suggestions (reservations)
    set_rollback()
    return Response({"error": body}, status=status.HTTP_409_CONFLICT)


def error_messages(detail, prefix: str = "") -> list[str]:
    """The messages of one field's error detail as flat text. The errors of a list's items
    (``{0: [...], 2: [...]}``) and of a nested object's fields read "第 1 项：…" and "name：…"."""
    if isinstance(detail, dict):
        messages = []
        for key, value in detail.items():
            label = _("第 %(n)d 项") % {"n": key + 1} if isinstance(key, int) else str(key)
            messages.extend(error_messages(value, f"{prefix}{label}："))
        return messages
    if isinstance(detail, list):
        if any(isinstance(item, dict) for item in detail):  # a list of objects: one dict per item
            return error_messages({n: item for n, item in enumerate(detail) if item}, prefix)
        return [m for item in detail for m in error_messages(item, prefix)]
    return [f"{prefix}{detail}"]


def exception_handler(exc, context):
    if isinstance(exc, ObjectLocked):
        return _locked_response(exc)
    if isinstance(exc, DjangoValidationError):
        exc = django_validation_to_drf(exc)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    body: dict = {"code": code}
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = "validation_error"
        body["message"] = ERROR_MESSAGES["validation_error"]
        detail = exc.detail
        if isinstance(detail, dict):
            body["fields"] = {k: error_messages(v) for k, v in detail.items()}
        else:
            body["fields"] = {"non_field_errors": error_messages(detail)}
    else:
        detail = getattr(exc, "detail", "")
        if isinstance(exc, (exceptions.NotFound, exceptions.NotAuthenticated, exceptions.PermissionDenied)) and \
                str(detail) == str(exc.default_detail):
            body["message"] = ERROR_MESSAGES.get(code, str(detail))
        else:
            body["message"] = str(detail) or ERROR_MESSAGES.get(code, "")
    response.data = {"error": body}
    return response


class Pagination(pagination.PageNumberPagination):
    """Page-number pagination with the bounded count of ``core.pagination.BoundedPaginator``:
    ``count`` is exact up to 10,000 rows; beyond, it is 10,000 and ``count_exact`` is false (``next``
    still leads on to the end)."""

    django_paginator_class = BoundedPaginator
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_paginated_response(self, data):
        return Response({
            "count": self.page.paginator.count,
            "count_exact": self.page.paginator.count_exact,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_next_link(self):
        """A list polled with ``updated_since`` (``core.polling``) goes on from its last row (a keyset
        cursor), not by page number: rows updated meanwhile move to the end instead of shifting pages."""
        if not getattr(self.request, "jiguan_polling", False) or not self.page.has_next():
            return super().get_next_link()
        from rest_framework.utils.urls import remove_query_param, replace_query_param

        from .polling import AFTER_PARAM, FIELD, PARAM

        last = self.page[len(self.page) - 1]
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        url = replace_query_param(url, PARAM, getattr(last, FIELD).astimezone(datetime.UTC).isoformat())
        return replace_query_param(url, AFTER_PARAM, last.pk)

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        bound = f"{BoundedPaginator.count_bound:,}"
        properties = {}
        for name, value in schema["properties"].items():
            properties[name] = value
            if name == "count":
                value["description"] = f"Rows matching the filters, counted up to {bound} (see count_exact)."
                properties["count_exact"] = {
                    "type": "boolean", "example": True,
                    "description": f"False when more than {bound} rows match: count is then {bound} "
                                   "and next leads on page by page."}
        schema["properties"] = properties
        schema["required"] = [*schema["required"], "count_exact"]
        return schema


def error_response(code: str, message: str, http_status: int, fields: dict | None = None) -> Response:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return Response({"error": body}, status=http_status)
