"""Document pages: transfers (调拨), disposals (处置), value changes (价值调整) and configuration
requests (配置申请), on the document kernel's list, create, detail and 审批表 views
(``workflow.documents.views``), which take titles, breadcrumbs and the relations read with each
document from the declarations (``assets/documents.py``). Here: what differs per document, and
the card picker."""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiguan.core.views import ObjectFormView
from jiguan.workflow.documents.views import DocumentCreateView, DocumentListView, LinePickerMixin
from jiguan.workflow.documents.views import DocumentDetailView as KernelDocumentDetailView
from jiguan.workflow.documents.views import DocumentPdfView as KernelDocumentPdfView

from .. import filters, forms, policies, services, tables
from ..models import (
    MOVABLE_STATUSES,
    AssetStatus,
    ConfigurationRequest,
    Disposal,
    DocStatus,
    Transfer,
    ValueChange,
)
from ..tables import yuan
from .common import DISPOSALS, is_htmx, standard_name, with_value_text

# ---------------------------------------------------------------------------------------------
# Documents: transfer and disposal (cards picked on the page)
# ---------------------------------------------------------------------------------------------


class CardPickerMixin(LinePickerMixin):
    """The create page of a document over cards (the kernel's line picker): cards preselected by
    ``?assets=1,2,3`` and a search that adds cards of the chosen unit (htmx partial, or a plain GET
    without JavaScript). A card any open document holds is not offered (``busy = "exclude"``)."""

    template_name = "assets/document_form.html"
    lines_field = "assets"
    unit_field = "from_unit"
    object_unit_field = "owner_unit"
    candidate_statuses = MOVABLE_STATUSES
    candidate_order = ("code",)
    candidates_template = "assets/_card_candidates.html"

    def objects_queryset(self):
        return forms.movable_cards(self.request.user, self.get_objects_permission()).select_related("owner_unit")

    def candidate_queryset(self):
        return self.objects_queryset().filter(status__in=self.candidate_statuses)

    def search(self, queryset, query: str):
        return filters.AssetFilter(data={"q": query}, queryset=queryset).qs

    def decorate(self, objects: list) -> list:
        return with_value_text(objects)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        selected = context["selected_objects"]
        context.update({
            "selected_cards": selected,
            "selected_total": yuan(sum((c.original_value for c in selected), Decimal("0"))),
        })
        return context


class TransferListView(DocumentListView):
    model = Transfer
    table = tables.TransferTable()
    filterset_class = filters.TransferFilter
    create_url_name = "assets:transfer_create"


class TransferCreateView(CardPickerMixin, DocumentCreateView):
    model = Transfer
    form_class = forms.TransferForm
    create_title = gettext_lazy("申请调拨")
    candidate_statuses = (AssetStatus.IDLE, AssetStatus.IN_USE)
    success_message = gettext_lazy("调拨申请已提交审批。")

    def perform(self, form):
        data = form.cleaned_data
        return services.transfer_create(from_unit=data["from_unit"], to_unit=data["to_unit"],
                                        asset_ids=[a.pk for a in data["assets"]], reason=data["reason"],
                                        actor=self.request.user)


class DocumentDetailView(KernelDocumentDetailView):
    """A lifecycle document (transfer, disposal, value change, configuration request): the kernel's
    document page (approval request and timeline, status badge, number as the title, breadcrumbs
    back to its list, 打印审批表) with the assets templates, which show the fields their own way."""

    declared_context = False


class TransferPdfView(KernelDocumentPdfView):
    """资产调拨审批表 (PDF)."""

    model = Transfer


class DisposalPdfView(KernelDocumentPdfView):
    """资产处置审批表 (PDF)."""

    model = Disposal


class ValueChangePdfView(KernelDocumentPdfView):
    """资产价值调整审批表 (PDF)."""

    model = ValueChange


class ConfigurationPdfView(KernelDocumentPdfView):
    """配置申请审批表 (PDF)."""

    model = ConfigurationRequest


class TransferDetailView(DocumentDetailView):
    model = Transfer
    template_name = "assets/transfer_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        transfer = self.object
        context.update({
            "items": with_value_text(list(transfer.items.select_related("asset").order_by("asset__code"))),
            "total": yuan(transfer.total_value),
        })
        return context


def disposal_names() -> tuple[dict, dict]:
    on = timezone.localdate()
    return forms.standard_names("disposal_method", on), forms.standard_names("scrapping_reason", on)


class DisposalListView(DocumentListView):
    model = Disposal
    filterset_class = filters.DisposalFilter
    create_url_name = "assets:disposal_create"

    def get(self, request, *args, **kwargs):
        self.table = tables.DisposalTable(disposal_names()[0])
        return super().get(request, *args, **kwargs)


class DisposalCreateView(CardPickerMixin, DocumentCreateView):
    model = Disposal
    form_class = forms.DisposalForm
    create_title = gettext_lazy("申请处置")
    unit_field = "unit"
    success_message = gettext_lazy("处置申请已提交审批。")

    def perform(self, form):
        data = form.cleaned_data
        return services.disposal_create(unit=data["unit"], asset_ids=[a.pk for a in data["assets"]],
                                        method=data["method"], reason=data["reason"], actor=self.request.user,
                                        reason_code=data.get("reason_code") or "", valuation=data.get("valuation"))


class DisposalDetailView(DocumentDetailView):
    model = Disposal
    template_name = "assets/disposal_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        disposal, user = self.object, self.request.user
        methods, reasons = disposal_names()
        context.update({
            "items": with_value_text(list(disposal.items.select_related("asset").order_by("asset__code"))),
            "method_name": methods.get(disposal.method, disposal.method),
            "reason_name": reasons.get(disposal.reason_code, disposal.reason_code),
            "total": yuan(disposal.total_value),
            "valuation": yuan(disposal.valuation),
            "income": yuan(disposal.income),
            "can_record_result": policies.allows(policies.disposal_record_result, user, disposal)
            and disposal.status in (DocStatus.PENDING, DocStatus.COMPLETED),
        })
        return context


class ValueChangeListView(DocumentListView):
    model = ValueChange
    table = tables.ValueChangeTable()
    filterset_class = filters.ValueChangeFilter


class ValueChangeDetailView(DocumentDetailView):
    model = ValueChange
    template_name = "assets/value_change_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        change = self.object
        context.update({"delta": f"{change.delta:+,}", "value_before": yuan(change.value_before),
                        "value_after": yuan(change.value_after)})
        return context


class DisposalResultView(ObjectFormView):
    """Record the approval reply number (批复文号) and the income (处置收入)."""

    model = Disposal
    action = "change"
    form_class = forms.DisposalResultForm
    success_message = gettext_lazy("批复文号和处置收入已保存。")

    def optimize(self, queryset):
        return queryset.select_related("unit")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance", None)
        kwargs["disposal"] = self.get_object()
        return kwargs

    def get_title(self):
        return _("登记处置结果：%(no)s") % {"no": self.get_object().number}

    def get_breadcrumbs(self):
        disposal = self.get_object()
        return [(DISPOSALS, reverse("assets:disposal_list")), (disposal.number, disposal.get_absolute_url()),
                (_("登记处置结果"), None)]

    def perform(self, form):
        data = form.cleaned_data
        return services.disposal_record_result(disposal=self.get_object(), reply_no=data.get("reply_no") or "",
                                               income=data.get("income"), actor=self.request.user)


# ---------------------------------------------------------------------------------------------
# Configuration requests (配置申请)
# ---------------------------------------------------------------------------------------------


class ConfigurationListView(DocumentListView):
    model = ConfigurationRequest
    table = tables.ConfigurationTable()
    filterset_class = filters.ConfigurationFilter
    create_url_name = "assets:configuration_create"


class ConfigurationCreateView(DocumentCreateView):
    """配置申请: the page checks the configuration standard and looks for idle cards of the class
    while the user fills the form (htmx), or on 核对 without JavaScript; 提交 submits."""

    model = ConfigurationRequest
    form_class = forms.ConfigurationForm
    template_name = "assets/configuration_form.html"
    create_title = gettext_lazy("申请配置")
    success_message = gettext_lazy("配置申请已提交审批。")

    def get(self, request, *args, **kwargs):
        if is_htmx(request) and "check" in request.GET:
            form = self.form_class(data=request.GET, user=request.user)
            return render(request, "assets/_configuration_check.html", self.check_context(form))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if "check" in request.POST:  # 核对: show the check, save nothing
            form = self.get_form()
            form.is_valid()
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def check_context(self, form) -> dict:
        inputs = form.check_inputs() if form.is_bound else None
        if inputs is None:
            return {"checked": False}
        price = inputs["unit_price"]
        notes = services.configuration_check(class_code=inputs["class_code"], standard_key=inputs["standard_key"],
                                             unit_price=price if price is not None else Decimal("0"),
                                             on=timezone.localdate())
        for note in notes:
            note["confidence_label"] = confidence_label(note.get("confidence"))
            if price is None:
                note["over"], note["message"] = False, ""
        return {"checked": True, "notes": notes, "price_missing": price is None,
                "idle": list(services.idle_matches(self.request.user, inputs["class_code"]))}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.check_context(context["form"]))
        context["route_business_type"] = services.PURCHASE  # the approval route before 提交审批
        return context

    def perform(self, form):
        data = form.cleaned_data
        return services.configuration_create(
            unit=data["unit"], item_name=data["item_name"], class_code=data["class_code"], quantity=data["quantity"],
            unit_price=data["unit_price"], reason=data["reason"], actor=self.request.user,
            standard_key=data.get("standard_key") or "", idle_reason=data.get("idle_reason") or "")


def confidence_label(code) -> str:
    from jiguan.standards.models import Confidence

    try:
        return Confidence(code).label
    except ValueError:
        return code or ""


class ConfigurationDetailView(DocumentDetailView):
    model = ConfigurationRequest
    template_name = "assets/configuration_detail.html"

    def optimize(self, queryset):
        return super().optimize(queryset).prefetch_related(services.idle_prefetch(self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.object
        notes, idle_notes = [], []
        for note in request.check_notes or []:
            if "idle_count" in note:
                idle_notes.append(note)
            else:
                notes.append({**note, "confidence_label": confidence_label(note.get("confidence"))})
        idle_cards, idle_hidden = services.idle_offered_to(request, self.request.user)
        context.update({
            "notes": notes, "idle_notes": idle_notes, "idle_cards": idle_cards, "idle_hidden": idle_hidden,
            "class_name": standard_name(services.CLASS_TABLE, request.class_code, timezone.localdate()),
            "unit_price": yuan(request.unit_price), "total_amount": yuan(request.total_amount),
        })
        return context
