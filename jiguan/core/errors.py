"""Django's error views (``handler400``/``403``/``404``/``500`` in ``config/urls.py``): under
``/api/`` the structured error body of ``core.rest`` as JSON, elsewhere the HTML error pages.

DRF answers the errors raised inside an API view itself (``core.rest.exception_handler``); these
answer what happens before a view is reached: a URL that matches no route (``/api/v1/assets/0.5/``),
a body with more fields than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` (``SuspiciousOperation``), a crash.
With ``DEBUG`` on Django shows its technical pages instead.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def _api_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def bad_request(request, exception):
    if request.path.startswith(API_PREFIX):
        return _api_error("bad_request", _("请求无法处理：格式有误或字段过多。"), 400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if request.path.startswith(API_PREFIX):
        return _api_error("permission_denied", _("您没有执行此操作的权限。"), 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return _api_error("not_found", _("记录不存在，或不在您的数据范围内。"), 404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path.startswith(API_PREFIX):
        return _api_error("server_error", _("服务器内部错误，请稍后重试或联系管理员。"), 500)
    return defaults.server_error(request)
