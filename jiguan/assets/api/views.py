"""REST API of the assets app (资产管理): cards and their lifecycle operations, transfer, disposal and
configuration documents, depreciation runs and the ledger. Thin: every write is a service call.

Approving or rejecting a document happens in the workflow API (``/api/v1/workflow/requests/{id}/``);
documents show their latest approval request as ``approval``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from jiguan.core.api import (
    ScopedModelPermissions,
    ScopedModelViewSet,
    ScopedReadOnlyViewSet,
    require_in_scope,
)
from jiguan.core.attachments import api as attachment_api
from jiguan.core.imports import XLSX_CONTENT_TYPE
from jiguan.core.imports.api import ImportActionsMixin
from jiguan.core.scoping import permission_name
from jiguan.workflow import documents

from .. import depreciation, filters, imports, labels, policies, services
from ..models import (
    Asset,
    AssetEvent,
    ConfigurationRequest,
    DepreciationEntry,
    DepreciationRun,
    Disposal,
    DisposalItem,
    EventKind,
    RepairRecord,
    Transfer,
    TransferItem,
    ValueChange,
    WorkloadReading,
)
from . import serializers


def require_verb(user, model, verb: str, unit, message: str) -> None:
    """A custom verb (issue, transfer, dispose, depreciate…): the permission somewhere (403 with
    ``message`` otherwise), and over ``unit`` (the card's or document's owner)."""
    if not user.has_perm(permission_name(model, verb)):
        raise PermissionDenied(message)
    require_in_scope(user, model, verb, unit)


def cards_of_one_unit(user, ids, verb: str) -> tuple[list[Asset], object]:
    """The cards ``ids`` that ``user`` may ``verb`` (transfer, dispose), all of one owning unit."""
    wanted = {int(i) for i in ids}
    cards = list(Asset.objects.restrict(user, verb).filter(pk__in=wanted).select_related("owner_unit"))
    missing = sorted(wanted - {c.pk for c in cards})
    if missing:
        raise ValidationError({"assets": _("资产 %(ids)s 不存在，或不在您的数据范围内。") % {
            "ids": "、".join(str(i) for i in missing)}})
    owners = {c.owner_unit_id for c in cards}
    if len(owners) > 1:
        raise ValidationError({"assets": _("一张单据只能包含同一产权单位的资产，请按产权单位分别申请。")})
    return cards, cards[0].owner_unit


FILE_ACTIONS = ("label", "import_report", "attachment")


class CardAttachmentPermissions(ScopedModelPermissions):
    """Attachments of a card: read with the right to view cards, upload and delete with the right to
    change them (there is no delete_asset: cards are never deleted)."""

    perms_map = {**ScopedModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"],
                 "DELETE": ["%(app_label)s.change_%(model_name)s"]}


ATTACHMENT_PERMISSIONS = [permissions.IsAuthenticated, CardAttachmentPermissions]


class CardWorkloadPermissions(ScopedModelPermissions):
    """Workload readings of a card: reached with the right to view cards; recording one checks the
    right to record workload over the card's owner in the action (``require_verb``), not the right to
    register cards (add_asset)."""

    perms_map = {**ScopedModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}
ATTACHMENT_ID = OpenApiParameter("attachment_pk", OpenApiTypes.INT, OpenApiParameter.PATH,
                                 description="the attachment's id")


class AssetViewSet(ImportActionsMixin, ScopedModelViewSet):
    """Asset cards (资产卡片) in the caller's scope, with the current month's depreciation figures.
    POST registers cards (验收登记, ``count`` for a batch); PATCH is a change (资产变更) of the
    descriptive fields, location, people and status only. Lifecycle operations are actions."""

    queryset = Asset.objects.all()
    serializer_class = serializers.AssetSerializer
    filterset_class = filters.AssetFilter
    ordering_fields = ["code", "acquired_on", "original_value", "id"]
    ordering = ["-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    import_key = imports.KEY
    import_status_url_name = "asset-import-status"
    import_report_url_name = "asset-import-report"

    def scope_action(self):
        # Actions reach visible cards; each then checks its own verb over the card's owner (403).
        if self.action not in (None, "list", "retrieve", "create", "partial_update", "update"):
            return "view"
        return super().scope_action()

    def optimize(self, queryset):
        period = serializers.current_period()
        return (queryset.select_related("owner_unit", "using_unit", "department", "user", "keeper")
                .prefetch_related("schedule_segments")   # charged_months of adjusted cards
                .annotate(dep_accumulated=depreciation.accumulated_column(period),
                          dep_previous=depreciation.accumulated_column(period - 1)))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "period": serializers.current_period()}

    def _read(self, card) -> dict:
        """The card as the list shows it (annotated), after a write."""
        return self.get_serializer(self.get_queryset().get(pk=card.pk)).data

    def _card(self, policy) -> Asset:
        """The card of a lifecycle action, once ``policy`` lets the caller (asked again by the service
        with the body's details: asked here first, so a refusal is a 403 whatever the body says)."""
        card = self.get_object()
        policy(self.request.user, card)
        return card

    @extend_schema(request=serializers.AssetSerializer, responses={201: serializers.AssetRegistrationSerializer})
    def create(self, request, *args, **kwargs):
        """Register ``count`` (default 1) identical cards, each with its own asset code (验收登记)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            self.perform_create(serializer)
        cards = self.get_queryset().filter(pk__in=[c.pk for c in serializer.instance]).order_by("pk")
        return Response({"count": len(cards), "results": self.get_serializer(cards, many=True).data},
                        status=status.HTTP_201_CREATED)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        count = data.pop("count", 1)
        owner = data.pop("owner_unit")
        serializer.instance = services.asset_register(owner_unit=owner, count=count, actor=self.request.user, **data)

    def partial_update(self, request, *args, **kwargs):
        """资产变更: name, specification, brand, location, people (a handover is recorded when the user
        or keeper changes), status among in use / idle / under repair / lent / warehouse, and the
        other descriptive fields. Any other writable field is refused per field: the original value
        changes by ``value-adjust``, the owning unit by a transfer."""
        return super().partial_update(request, *args, **kwargs)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        card = services.asset_change(asset=serializer.instance, actor=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=card.pk)

    @extend_schema(request=serializers.IssueSerializer, responses=serializers.AssetSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """领用: hand the card to a person and/or department (a handover is recorded)."""
        card = self._card(policies.card_issue)
        body = serializers.IssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(self._read(services.asset_issue(asset=card, actor=request.user, **body.validated_data)))

    @extend_schema(request=serializers.ReturnSerializer, responses=serializers.AssetSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_card(self, request, pk=None):
        """交回: the user gives the card back; it becomes idle (闲置)."""
        card = self._card(policies.card_return)
        body = serializers.ReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(self._read(services.asset_return(asset=card, actor=request.user, **body.validated_data)))

    @extend_schema(request=serializers.ValueAdjustSerializer, responses={201: serializers.ValueChangeSerializer})
    @action(detail=True, methods=["post"], url_path="value-adjust")
    def value_adjust(self, request, pk=None):
        """价值调整: request adding to (or taking from) the original value. The request goes through the
        approval flow of ``assets.value_change`` (decide at ``/api/v1/workflow/requests/{approval.id}/…``);
        when approved, the remaining net value is spread over the remaining months from the month of
        ``on``. Follow it at ``/api/v1/assets/value-changes/{id}/``."""
        card = self._card(policies.card_value_adjust)
        body = serializers.ValueAdjustSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        change = services.value_change_create(asset=card, delta=data["delta"], on=data["on"], reason=data["reason"],
                                              actor=request.user)
        change = ValueChange.objects.select_related("asset", "unit", "requested_by").get(pk=change.pk)
        return Response(serializers.ValueChangeSerializer(change, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=serializers.RepairRecordSerializer(many=True), filters=False)
    @extend_schema(methods=["POST"], request=serializers.RepairRecordSerializer,
                   responses={201: serializers.RepairRecordSerializer})
    @action(detail=True, methods=["get", "post"])
    def repairs(self, request, pk=None):
        """Repair records of the card (维修记录), newest first; POST records one."""
        card = self.get_object()
        if request.method == "POST":
            policies.card_repair(request.user, card)
            body = serializers.RepairRecordSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            record = services.repair_record(asset=card, actor=request.user, **body.validated_data)
            return Response(serializers.RepairRecordSerializer(record).data, status=status.HTTP_201_CREATED)
        records = RepairRecord.objects.restrict(request.user, "view").filter(asset=card).order_by("-repaired_on", "-id")
        page = self.paginate_queryset(records)
        return self.get_paginated_response(serializers.RepairRecordSerializer(page, many=True).data)

    @extend_schema(methods=["GET"], responses=serializers.WorkloadReadingSerializer(many=True), filters=False)
    @extend_schema(methods=["POST"], request=serializers.WorkloadReadingSerializer,
                   responses={201: serializers.WorkloadReadingSerializer})
    @action(detail=True, methods=["get", "post"], permission_classes=[permissions.IsAuthenticated,
                                                                      CardWorkloadPermissions])
    def workload(self, request, pk=None):
        """Workload readings (工作量记录) of a units-of-production card (工作量法), newest month first,
        each with the depreciation of its month. POST records a month's workload (``period`` as
        YYYY-MM, ``workload`` done in that month, not the cumulative); recording a month again
        corrects it while no depreciation run has charged it. Needs the right to record workload."""
        card = self.get_object()
        if request.method == "POST":
            policies.card_workload(request.user, card)
            body = serializers.WorkloadReadingSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
            reading = services.workload_record(asset=card, period=data["period"], workload=data["workload"],
                                               actor=request.user, note=data.get("note", ""))
            card.refresh_from_db()
            return Response(self._readings(card, [reading])[0], status=status.HTTP_201_CREATED)
        readings = (WorkloadReading.objects.restrict(request.user, "view").filter(asset=card)
                    .select_related("recorded_by").order_by("-period"))
        page = self.paginate_queryset(readings)
        return self.get_paginated_response(self._readings(card, page))

    def _readings(self, card, readings) -> list:
        readings = list(readings)
        amounts = {r.pk: amount for r, amount in depreciation.reading_amounts(card, readings)}
        charged = set(DepreciationEntry.objects.filter(asset=card, period__in=[r.period for r in readings])
                      .values_list("period", flat=True))
        context = {**self.get_serializer_context(), "amounts": amounts, "charged": charged}
        return serializers.WorkloadReadingSerializer(readings, many=True, context=context).data

    @extend_schema(responses=serializers.AssetEventSerializer(many=True), filters=False, parameters=[
        OpenApiParameter("kind", OpenApiTypes.STR, enum=EventKind.values, description="only events of this kind")])
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """The card's timeline (资产履历): every event in the order it happened, with actor and document."""
        card = self.get_object()
        events = AssetEvent.objects.restrict(request.user, "view").filter(asset=card).select_related("actor")
        events = filters.EventFilter(request.query_params, queryset=events, request=request)
        if not events.is_valid():
            raise translate_validation(events.errors)
        page = self.paginate_queryset(events.qs.order_by("id"))
        return self.get_paginated_response(serializers.AssetEventSerializer(page, many=True).data)

    @extend_schema(methods=["GET"], responses=serializers.AssetAttachmentSerializer(many=True), filters=False)
    @extend_schema(methods=["POST"], request={"multipart/form-data": serializers.AssetAttachmentUploadSerializer},
                   responses={201: serializers.AssetAttachmentSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get", "post"], permission_classes=ATTACHMENT_PERMISSIONS)
    def attachments(self, request, pk=None):
        """Photos and attachments of the card (照片与附件), oldest first. POST uploads one or more files
        (multipart, field ``file`` repeated; all or nothing): JPG, PNG or WEBP photos, PDF, DOCX, XLSX or
        OFD documents, each checked by extension and content, at most ``JIGUAN_MAX_ATTACHMENT_MB``
        (20 MB by default); needs the right to change the card."""
        card = self.get_object()
        if request.method == "POST":
            return attachment_api.upload_response(request, card, serializers.AssetAttachmentSerializer,
                                                  check_change=None)  # policies.attachment_add decides
        return attachment_api.list_response(self, card, serializers.AssetAttachmentSerializer)

    @extend_schema(methods=["GET"], operation_id="assets_attachment_download",
                   responses=attachment_api.DOWNLOAD_RESPONSES, filters=False,
                   parameters=[ATTACHMENT_ID, OpenApiParameter("inline", OpenApiTypes.INT, enum=[1],
                                                              description="1: show photos and PDFs in the browser")])
    @extend_schema(methods=["DELETE"], operation_id="assets_attachment_delete", responses={204: None},
                   filters=False, parameters=[ATTACHMENT_ID])
    @action(detail=True, methods=["get", "delete"], url_path=r"attachments/(?P<attachment_pk>[0-9]+)",
            url_name="attachment", http_method_names=["get", "delete", "head", "options"],
            permission_classes=ATTACHMENT_PERMISSIONS)
    def attachment(self, request, pk=None, attachment_pk=None):
        """One attachment: GET downloads its file (with its original name and content type); DELETE
        removes it (file and record, audited), with the right to change the card."""
        return attachment_api.attachment_response(request, self.get_object(), attachment_pk,
                                                  check_change=None)  # policies.attachment_delete decides

    @extend_schema(operation_id="assets_label", responses={(200, "application/pdf"): OpenApiTypes.BINARY},
                   filters=False)
    def label(self, request, pk=None):
        """The card's label (资产标签): a 70 × 40 mm PDF page with the card's essentials and the QR code
        of its short link, as printed from the card's page."""
        card = self.get_object()
        content = labels.label_pdf([card], labels.short_url_builder(request))
        return labels.pdf_response(content, f"{_('资产标签')}-{card.code}.pdf")

    def perform_content_negotiation(self, request, force=False):
        # The label and the error report are files whatever the Accept header asks for; errors are JSON.
        return super().perform_content_negotiation(request, force=force or self.action in FILE_ACTIONS)

    # Import (资产卡片导入): routed in urls.py (assets/import/…), before assets/{id}/: the kernel's
    # import actions (jiguan.core.imports.api) of the declaration assets.asset, documented here as
    # assets' operations. All or nothing: one bad row imports nothing, and the answer lists every bad
    # row with its column and reason. Small files are imported at once (201); larger ones (over
    # ``imports.INLINE_MAX_ROWS``, 2,000) by the job ``core.import_run`` (202): poll ``status_url``.

    @extend_schema(operation_id="assets_import",
                   request={"multipart/form-data": serializers.AssetImportUploadSerializer},
                   responses={201: serializers.AssetImportedSerializer, 202: serializers.AssetImportQueuedSerializer,
                              400: serializers.ImportErrorBodySerializer})
    def import_upload(self, request):
        """Upload a file (multipart, field ``file``). 201: imported, with the first and last asset code
        allocated; 202: queued as a background job; 400 ``import_invalid``: nothing imported, with
        every error and the error report's address (400 ``validation_error`` for a missing, unsupported
        or too large file)."""
        return super().import_upload(request)

    @extend_schema(operation_id="assets_import_status", responses=serializers.AssetImportJobSerializer, filters=False)
    def import_status(self, request, token=None):
        """A background import: its progress while it runs, then its result (``result``) or why nothing
        was imported (``error``, with the error report's address)."""
        return super().import_status(request, token)

    @extend_schema(operation_id="assets_import_report", responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
                   filters=False)
    def import_report(self, request, token=None):
        """The error report (.xlsx: row, column, value, reason) of a refused file: ``token`` is the job's,
        or the one in the ``report_url`` of a 400 answer. Kept for 24 hours."""
        return super().import_report(request, token)


class DocumentViewSet(ScopedModelViewSet):
    """Common ground of the lifecycle documents: list, detail and create only (decisions are made in
    the workflow API). One document is shown once its type's ``view`` policy lets the caller, as
    its page asks (``jiguan.workflow.documents``)."""

    ordering_fields = ["number", "created_at", "id"]
    ordering = ["-id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_object(self):
        document = super().get_object()
        documents.type_of(document).check("view", self.request.user, document)
        return document


class TransferViewSet(DocumentViewSet):
    """Transfers (资产调拨) seen by both sides: the giving unit's scope and the receiving unit's.
    Creating one starts its approval; the cards change owner only
    when the flow approves (approve at ``/api/v1/workflow/requests/{approval.id}/approve/``)."""

    queryset = Transfer.objects.all()
    serializer_class = serializers.TransferSerializer
    filterset_class = filters.TransferFilter

    def optimize(self, queryset):
        return queryset.select_related("from_unit", "to_unit", "requested_by").prefetch_related(
            Prefetch("items", queryset=TransferItem.objects.select_related("asset").order_by("asset__code")))

    def perform_create(self, serializer):
        user = self.request.user
        data = dict(serializer.validated_data)
        policies.transfer_create(user)  # the right somewhere (403) before the cards are looked up
        cards, from_unit = cards_of_one_unit(user, data["assets"], "transfer")
        serializer.instance = services.transfer_create(
            from_unit=from_unit, to_unit=data["to_unit"], asset_ids=[c.pk for c in cards], reason=data["reason"],
            actor=user)


class ValueChangeViewSet(ScopedReadOnlyViewSet):
    """Value changes (价值调整单) of cards in scope, requested at ``/api/v1/assets/{id}/value-adjust/``."""

    def get_object(self):
        document = super().get_object()
        documents.type_of(document).check("view", self.request.user, document)
        return document

    queryset = ValueChange.objects.all()
    serializer_class = serializers.ValueChangeSerializer
    filterset_class = filters.ValueChangeFilter
    ordering_fields = ["number", "created_at", "id"]
    ordering = ["-id"]

    def optimize(self, queryset):
        return queryset.select_related("asset", "unit", "requested_by")


class DisposalViewSet(DocumentViewSet):
    """Disposals (资产处置). A card can never be in two disposals: a second request for it is refused.
    Approve at ``/api/v1/workflow/requests/{approval.id}/approve/``; record the reply number and the
    income with ``result``."""

    queryset = Disposal.objects.all()
    serializer_class = serializers.DisposalSerializer
    filterset_class = filters.DisposalFilter

    def scope_action(self):
        return "view" if self.action == "result" else super().scope_action()

    def optimize(self, queryset):
        return queryset.select_related("unit", "requested_by").prefetch_related(
            Prefetch("items", queryset=DisposalItem.objects.select_related("asset").order_by("asset__code")))

    def perform_create(self, serializer):
        user = self.request.user
        data = dict(serializer.validated_data)
        policies.disposal_create(user)  # the right somewhere (403) before the cards are looked up
        cards, unit = cards_of_one_unit(user, data.pop("assets"), "dispose")
        serializer.instance = services.disposal_create(
            unit=unit, asset_ids=[c.pk for c in cards], actor=user, method=data["method"], reason=data["reason"],
            reason_code=data.get("reason_code", ""), valuation=data.get("valuation"))

    @extend_schema(request=serializers.DisposalResultSerializer, responses=serializers.DisposalSerializer)
    @action(detail=True, methods=["post"])
    def result(self, request, pk=None):
        """Record the approval reply number (批复文号) and the disposal income (处置收入)."""
        disposal = self.get_object()
        policies.disposal_record_result(request.user, disposal)
        body = serializers.DisposalResultSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.disposal_record_result(disposal=disposal, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=disposal.pk)).data)


class ConfigurationViewSet(DocumentViewSet):
    """Configuration requests (配置申请), checked against the configuration standard (price cap,
    minimum life) with idle cards of the same class offered first (调剂优先). ``check`` runs the same
    check without creating anything."""

    queryset = ConfigurationRequest.objects.all()
    serializer_class = serializers.ConfigurationRequestSerializer
    filterset_class = filters.ConfigurationFilter

    def optimize(self, queryset):
        # The idle cards offered, as far as the caller may see them (the serializer counts the rest).
        return queryset.select_related("unit", "requested_by").prefetch_related(
            services.idle_prefetch(self.request.user))

    def perform_create(self, serializer):
        user = self.request.user
        data = dict(serializer.validated_data)
        serializer.instance = services.configuration_create(
            unit=data["unit"], item_name=data["item_name"], class_code=data["class_code"], quantity=data["quantity"],
            unit_price=data["unit_price"], reason=data["reason"], actor=user,
            standard_key=data.get("standard_key", ""), idle_reason=data["idle_reason"])

    @extend_schema(request=serializers.ConfigurationCheckSerializer,
                   responses=serializers.ConfigurationCheckResultSerializer)
    @action(detail=False, methods=["post"])
    def check(self, request):
        """Check a planned purchase against the configuration standard (each note with the standard and
        its source) and list the idle cards of the same class in the caller's scope. Creates nothing."""
        body = serializers.ConfigurationCheckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        unit = data.get("unit")
        if unit is not None and not request.user.get_scope(
                permission_name(ConfigurationRequest, "add")).contains_path(unit.path):
            raise Http404  # a unit outside the caller's scope is answered as one that does not exist
        on = timezone.localdate()
        services.class_entry(data["class_code"], on)
        notes = services.configuration_check(class_code=data["class_code"], standard_key=data["standard_key"],
                                             unit_price=data["unit_price"], on=on)
        idle = services.idle_matches(request.user, data["class_code"])
        return Response(serializers.ConfigurationCheckResultSerializer({
            "over_standard": any(n.get("over") for n in notes), "notes": notes, "idle": idle}).data)


class DepreciationRunViewSet(ScopedModelViewSet):
    """Monthly depreciation runs (折旧计提). POST charges a month for every card owned within the unit's
    subtree, set-based, in a background job, and returns the run with its progress (``status``,
    ``done`` of ``total``, ``percent``): finished when the job runs inline (the embedded default),
    otherwise poll the run. Running a month again rewrites its ledger. A run that failed (``error``
    says why: the job could not be queued, its worker stopped without progress for
    ``DEPRECIATION_HEARTBEAT_MINUTES``, a chunk failed) is ``restartable``: POST the same unit and
    period again."""

    queryset = DepreciationRun.objects.all()
    serializer_class = serializers.DepreciationRunSerializer
    filterset_class = filters.RunFilter
    ordering_fields = ["period", "id"]
    ordering = ["-period", "-id"]
    http_method_names = ["get", "post", "head", "options"]

    def optimize(self, queryset):
        return queryset.select_related("unit", "started_by")

    def create(self, request, *args, **kwargs):
        # Not one transaction: the run commits chunk by chunk (progress), and a failed run stays
        # recorded with its error.
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    def perform_create(self, serializer):
        user = self.request.user
        unit, period = serializer.validated_data["unit"], serializer.validated_data["period"]
        try:
            run = depreciation.run_start(unit=unit, period=period, actor=user)
        except ValueError as exc:
            raise ValidationError({"period": str(exc)}) from None
        # The run row is committed: the job charges the month (inline when Celery is eager, as in the
        # embedded default; otherwise in a worker, and GET …/runs/{id}/ shows the progress). A job
        # that cannot be queued fails the run at once, with the reason in ``error``.
        depreciation.run_enqueue(run, actor=user)
        serializer.instance = self.get_queryset().get(pk=run.pk)


class LedgerViewSet(ScopedReadOnlyViewSet):
    """The depreciation ledger (折旧明细账): one row per card and month charged.
    ``?period=2026-11&owner=<unit id>`` for one month of a unit's subtree."""

    queryset = DepreciationEntry.objects.all()
    serializer_class = serializers.DepreciationEntrySerializer
    filterset_class = filters.LedgerFilter
    ordering_fields = ["period", "asset", "amount"]
    ordering = ["-period", "asset"]

    def optimize(self, queryset):
        return queryset.select_related("asset", "owner_unit")

