from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from jiguan.core.api import Conflict, ScopedModelViewSet, ScopedReadOnlyViewSet

from .. import filters, services
from ..models import StandardChangeRequest, StandardEntry, StandardTable
from . import serializers


class StandardTableViewSet(ScopedReadOnlyViewSet):
    """Standard tables (数据标准表): code tables and standard values, by code."""

    queryset = StandardTable.objects.all()
    serializer_class = serializers.StandardTableSerializer
    filterset_class = filters.StandardTableFilter
    lookup_field = "code"
    ordering_fields = ["sort_order", "code", "name"]
    ordering = ["sort_order", "code"]


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("on", OpenApiTypes.DATE, description="Only versions in force on this date (YYYY-MM-DD); "
                     "without it, every version."),
]))
class StandardEntryViewSet(ScopedReadOnlyViewSet):
    """Versions of standard entries. ``?table=depreciation_life&key=computer&on=2026-01-01`` returns
    the version in force on that date; without ``on``, every version (the history)."""

    queryset = StandardEntry.objects.all()
    serializer_class = serializers.StandardEntrySerializer
    filterset_class = filters.EntryApiFilter
    ordering_fields = ["key", "effective_from", "version", "sort_order"]
    ordering = ["table__sort_order", "table__code", "sort_order", "key", "effective_from"]

    def optimize(self, queryset):
        return queryset.select_related("table", "approved_by")


class StandardChangeRequestViewSet(ScopedModelViewSet):
    """Change requests for standards: create (and submit), submit, withdraw. Submitting starts an
    approval request (``approval_request``); approvers decide it through
    ``/api/v1/workflow/requests/{id}/approve/`` or ``reject/``, and approval creates the new version."""

    queryset = StandardChangeRequest.objects.all()
    serializer_class = serializers.StandardChangeRequestSerializer
    filterset_class = filters.ChangeRequestApiFilter
    ordering_fields = ["created_at", "effective_from"]
    ordering = ["-created_at"]
    http_method_names = ["get", "post", "head", "options"]

    def optimize(self, queryset):
        return queryset.select_related("table")

    def scope_action(self):
        if self.action in ("submit", "withdraw"):
            return "add"
        return super().scope_action()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        submit = data.pop("submit", False)
        serializer.instance = services.change_request_create(requested_by=self.request.user, submit=submit,
                                                             **data)

    def handle_exception(self, exc):
        if isinstance(exc, services.StateConflict):
            exc = Conflict(detail=exc.messages[0])
        return super().handle_exception(exc)

    def _respond(self, change_request):
        change_request.refresh_from_db()
        return Response(serializers.StandardChangeRequestSerializer(change_request).data)

    @extend_schema(request=None, responses=serializers.StandardChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send a draft for approval (requester only): starts its approval request. 400 when no approval
        flow is configured for the requester's unit."""
        change_request = self.get_object()
        services.change_request_submit(change_request=change_request, user=request.user)
        return self._respond(change_request)

    @extend_schema(request=None, responses=serializers.StandardChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a draft or pending request (requester only), with its open approval request."""
        change_request = self.get_object()
        services.change_request_withdraw(change_request=change_request, user=request.user)
        return self._respond(change_request)
