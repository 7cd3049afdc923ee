# Placeholder until the import framework lands (same session).
from django.http import HttpResponse
from django.views import View

from jiguan.core.views import ScopedViewMixin

from .models import OrgUnit


class UnitImportView(ScopedViewMixin, View):
    model = OrgUnit
    action = "import"

    def get(self, request):
        return HttpResponse("TODO")


class UnitImportTemplateView(UnitImportView):
    pass
