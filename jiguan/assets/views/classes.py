"""The class picker's matches (资产分类选择): GB/T 14885-2022 classes in force today, by code prefix
or by name, each with its place in the tree, as JSON for jiguan/static/jiguan/picker.js."""

from django.http import JsonResponse
from django.utils import timezone
from django.views import View

from jiguan.core.views import ScopedViewMixin
from jiguan.standards.models import StandardEntry

from ..forms import CLASS_LIMIT, search_classes


class ClassPickView(ScopedViewMixin, View):
    """``?q=`` the text typed: at most ``CLASS_LIMIT`` classes, closest first, each
    ``{"id", "code", "label", "path"}``; the top classes for an empty ``q``. The classification is a
    national standard shared by the whole tenant: any signed-in user may read it."""

    model = StandardEntry
    require_model_permission = False

    def get(self, request):
        results, more = search_classes(request.GET.get("q", ""), timezone.localdate())
        response = JsonResponse({"results": results, "more": more, "limit": CLASS_LIMIT})
        response["Cache-Control"] = "private, no-store"
        return response
