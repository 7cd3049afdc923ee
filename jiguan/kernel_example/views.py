"""The key handover's own pages, thin subclasses of the document kernel's (``workflow.documents``):
its detail page (approval, lines, 审批表 link), its create page with the key picker and its 审批表.
The list, the API, the menu entry and the search come from its register (``registers.py``)."""

from django.utils.translation import gettext_lazy

from jiguan.core.views import ObjectFormView
from jiguan.workflow.documents.views import DocumentDetailView, DocumentPdfView, LinePickerMixin

from . import forms, services
from .models import KeyHandover, KeyStatus


class KeyHandoverDetailView(DocumentDetailView):
    model = KeyHandover

    def optimize(self, queryset):
        return queryset.select_related("unit", "requested_by")


class KeyHandoverCreateView(LinePickerMixin, ObjectFormView):
    model = KeyHandover
    action = "add"
    form_class = forms.KeyHandoverForm
    template_name = "workflow/document_form.html"
    success_message = gettext_lazy("钥匙移交单已提交审批。")
    lines_field = "keys"
    search_fields = ("code", "room", "holder")
    candidate_order = ("code", "pk")
    busy = "mark"

    def candidate_queryset(self):
        return super().candidate_queryset().exclude(status=KeyStatus.LOST)

    def get_title(self):
        return gettext_lazy("办理钥匙移交")

    def perform(self, form):
        return services.handover_create(actor=self.request.user, **form.cleaned_data)


class KeyHandoverPdfView(DocumentPdfView):
    model = KeyHandover
