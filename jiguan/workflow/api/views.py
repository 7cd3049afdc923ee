from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from jiguan.audit import services as audit
from jiguan.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet, require_in_scope
from jiguan.core.rest import Conflict
from jiguan.core.services import generic_create, generic_update
from jiguan.core.validators import parse_id

from .. import filters, registry, services
from ..models import ApprovalRequest, Flow, FlowStep
from . import serializers


class FlowViewSet(ScopedModelViewSet):
    """Approval flows configured for a unit and its subtree."""

    queryset = Flow.objects.all()
    serializer_class = serializers.FlowSerializer
    filterset_class = filters.FlowFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def optimize(self, queryset):
        return queryset.select_related("unit").prefetch_related("steps")

    def perform_create(self, serializer):
        require_in_scope(self.request.user, Flow, "add", serializer.validated_data["unit"])
        serializer.instance = generic_create(Flow(**serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = generic_update(serializer.instance, serializer.validated_data)


class FlowStepViewSet(ScopedModelViewSet):
    """Steps of approval flows."""

    queryset = FlowStep.objects.all()
    serializer_class = serializers.FlowStepSerializer
    filterset_class = filters.FlowStepFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def optimize(self, queryset):
        return queryset.select_related("flow")

    def perform_create(self, serializer):
        require_in_scope(self.request.user, FlowStep, "add", serializer.validated_data["flow"].unit)
        serializer.instance = generic_create(FlowStep(**serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = generic_update(serializer.instance, serializer.validated_data)

    def perform_destroy(self, instance):
        with transaction.atomic():
            audit.record_delete(instance, audit.snapshot(instance))
            instance.delete()


class ApprovalRequestViewSet(ScopedReadOnlyViewSet):
    """Approval requests visible to the caller (data scope, own, participated, routed to them).
    ``?todo=true`` lists those waiting for the caller; ``?mine=true`` the caller's own."""

    queryset = ApprovalRequest.objects.all()
    serializer_class = serializers.ApprovalRequestSerializer
    filterset_class = filters.RequestFilter
    require_model_permission = False
    ordering = ["-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApprovalRequest.objects.none()
        user = self.request.user
        if self.request.query_params.get("todo") == "true":
            queryset = ApprovalRequest.objects.todo_for(user)
        elif self.request.query_params.get("mine") == "true":
            queryset = ApprovalRequest.objects.filter(applicant=user)
        else:
            queryset = ApprovalRequest.objects.restrict(user, "view")
        return queryset.select_related("current_step").prefetch_related("actions__actor")

    @extend_schema(parameters=[
        OpenApiParameter("todo", bool, description="only requests waiting for the caller"),
        OpenApiParameter("mine", bool, description="only the caller's own requests")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _decide(self, request, verb):
        try:
            req = self.get_object()
        except Http404:
            pk = parse_id(self.kwargs.get("pk"))
            gone = ApprovalRequest.objects.filter(pk=pk).first() if pk is not None else None
            if gone is not None and services.was_approver(request.user, gone):
                raise Conflict(services.StaleRequest.message) from None  # another approver decided first
            raise
        body = serializers.DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        common = {"request": req, "actor": request.user}
        try:
            if verb == "approve":
                services.request_approve(**common, comment=data.get("comment", ""),
                                         expected_version=data.get("version"))
            elif verb == "reject":
                services.request_reject(**common, comment=data.get("comment", ""),
                                        expected_version=data.get("version"))
            elif verb == "return":
                services.request_return(**common, comment=data.get("comment", ""),
                                        expected_version=data.get("version"))
            elif verb == "delegate":
                if not data.get("delegate_to"):
                    raise ValidationError({"delegate_to": _("请选择转办对象。")})
                services.request_delegate(**common, to_user=data["delegate_to"], comment=data.get("comment", ""),
                                          expected_version=data.get("version"))
            elif verb == "withdraw":
                services.request_withdraw(**common, comment=data.get("comment", ""))
            elif verb == "submit":
                services.request_submit(**common)
        except services.StaleRequest as exc:
            raise Conflict(exc.message) from None
        req.refresh_from_db()
        return Response(serializers.ApprovalRequestSerializer(req).data)

    @extend_schema(request=serializers.DecisionSerializer, responses=serializers.ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the current step (409 if someone acted first)."""
        return self._decide(request, "approve")

    @extend_schema(request=serializers.DecisionSerializer, responses=serializers.ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject (comment required)."""
        return self._decide(request, "reject")

    @extend_schema(request=serializers.DecisionSerializer, responses=serializers.ApprovalRequestSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_changes(self, request, pk=None):
        """Return to the applicant for changes (comment required)."""
        return self._decide(request, "return")

    @extend_schema(request=serializers.DecisionSerializer, responses=serializers.ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def delegate(self, request, pk=None):
        """Hand the current step to another eligible approver."""
        return self._decide(request, "delegate")

    @extend_schema(request=serializers.DecisionSerializer, responses=serializers.ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw (applicant only)."""
        return self._decide(request, "withdraw")

    @extend_schema(request=serializers.DecisionSerializer, responses=serializers.ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft or resubmit a returned request (applicant only)."""
        return self._decide(request, "submit")

    @extend_schema(request=None, responses=serializers.ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Apply the outcome of a decided request again when it failed or was never applied (重新执行;
        configurers of flows, ``workflow.change_flow``, over the request's business unit). The answer
        is the request: ``outcome_applied_at`` set, or ``outcome_error`` saying why it failed again."""
        req = self.get_object()
        if services.pending_outcome(req) is None:
            raise ValidationError(_("该申请没有待重试的业务处理。"))
        if not services.can_retry(request.user, req):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        services.outcome_retry(request=req, actor=request.user)
        req.refresh_from_db()
        return Response(serializers.ApprovalRequestSerializer(req).data)

    @extend_schema(request=serializers.RoutePreviewSerializer, responses=serializers.RoutePlanSerializer)
    @action(detail=False, methods=["post"], url_path="route-preview")
    def route_preview(self, request):
        """The whole route a request of this business type and unit would take, before it is filed:
        each step, whether it applies (conditions on ``amount``), its approver unit and named
        approvers (display names), and ``problem`` when a step has nobody (filing it would then be
        refused with 400). The units are those submitting would use: ``business_unit`` for a type that
        declares one (the caller needs the right to file that type, e.g. ``assets.add_transfer``,
        over it: 403 otherwise), else the caller's own unit; ``counterparty_unit`` only for a type
        with two units (e.g. the 调入单位 of a transfer)."""
        body = serializers.RoutePreviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        btype = registry.get(data["business_type"])
        user = request.user
        if btype.business_unit:
            business_unit = data.get("business_unit")
            if business_unit is None:
                raise ValidationError({"business_unit": _("请选择业务单位。")})
        else:
            business_unit = user.unit  # the request will belong to the applicant's unit
            if data.get("business_unit") not in (None, business_unit):
                raise ValidationError({"business_unit": _("该业务类型的申请属于申请人所在单位。")})
        counterparty_unit = data.get("counterparty_unit")
        if counterparty_unit is not None and not btype.counterparty_unit:
            raise ValidationError({"counterparty_unit": _("该业务类型不涉及对方单位。")})
        require_in_scope(user, btype.model_class(), "add", business_unit)
        amount = data.get("amount")
        plan = services.route_plan(business_type=btype.code, business_unit=business_unit,
                                   counterparty_unit=counterparty_unit, applicant=user,
                                   values={"amount": str(amount)} if amount is not None else {})
        return Response(serializers.RoutePlanSerializer(plan).data)
