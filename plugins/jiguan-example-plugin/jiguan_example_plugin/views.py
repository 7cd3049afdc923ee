"""A page of the plug-in's own besides the register's generated ones: the seals by status (印章概览)."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.views import generic

from jiguan.core.views import ScopedViewMixin

from .models import Seal, SealStatus


class SealOverviewView(ScopedViewMixin, generic.TemplateView):
    """How many seals of each status the user sees (in the unit chosen in the unit switcher)."""

    model = Seal
    template_name = "jiguan_example_plugin/overview.html"
    breadcrumbs = [(_("印章概览"), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = dict(self.base_queryset().order_by().values_list("status").annotate(n=Count("pk")))
        context["rows"] = [(label, counts.get(value, 0)) for value, label in SealStatus.choices]
        context["total"] = sum(counts.values())
        return context
