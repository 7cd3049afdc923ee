from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiguan.core.views import ObjectDetailView, ObjectListView

from .diffs import readable_changes
from .filters import AuditEventFilter
from .models import AuditEvent
from .tables import AuditEventTable


class AuditEventListView(ObjectListView):
    model = AuditEvent
    table = AuditEventTable()
    filterset_class = AuditEventFilter
    export_name = _("审计日志")
    title = _("审计日志")
    breadcrumbs = [(_("审计日志"), None)]

    def optimize(self, queryset):
        return queryset.select_related("org", "actor").order_by("-id")


class AuditEventDetailView(ObjectDetailView):
    model = AuditEvent
    template_name = "audit/event_detail.html"

    def optimize(self, queryset):
        return queryset.select_related("org", "actor")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = [(_("审计日志"), reverse("audit:event_list")), (f"#{self.object.pk}", None)]
        context["changes"] = readable_changes(self.object)
        return context
