"""The events API: ``/api/v1/events/subscribers/`` (list, create, change) and
``/api/v1/events/deliveries/`` (the delivery log, ``…/<id>/replay/``), for the system administrator."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from ..api import ScopedModelViewSet, ScopedReadOnlyViewSet
from ..models import DeliveryAttempt, EventDelivery, EventSubscriber
from . import filters, serializers, services
from .access import WholeTreePermission


class WholeTreeMixin:
    permission_classes = [*ScopedModelViewSet.permission_classes, WholeTreePermission]


class SubscriberViewSet(WholeTreeMixin, ScopedModelViewSet):
    """Systems that take events (事件订阅): webhook URL, signing secret (write-only), kinds, active."""

    queryset = EventSubscriber.objects.all()
    serializer_class = serializers.EventSubscriberSerializer
    filterset_class = filters.SubscriberFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering = ["name"]

    def perform_create(self, serializer):
        serializer.instance = services.subscriber_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.subscriber_update(subscriber=serializer.instance, **serializer.validated_data)


class DeliveryViewSet(WholeTreeMixin, ScopedReadOnlyViewSet):
    """The delivery log (投递记录): one row per (event, subscriber) with its attempts; newest first."""

    queryset = EventDelivery.objects.all()
    serializer_class = serializers.EventDeliverySerializer
    filterset_class = filters.DeliveryFilter
    ordering = ["-id"]

    def optimize(self, queryset):
        return queryset.select_related("event__content_type", "subscriber").prefetch_related(
            Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("id")))

    def scope_action(self):
        return "view"

    @extend_schema(request=None, responses=serializers.EventDeliverySerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated, WholeTreePermission])
    def replay(self, request, pk=None):
        """Send the delivery again (重新投递), delivered or not; it goes out after commit."""
        if not request.user.has_perm("core.view_eventdelivery"):
            raise PermissionDenied(_("您没有执行此操作的权限。"))
        delivery = self.get_object()
        if not request.user.has_perm("core.replay_eventdelivery"):
            raise PermissionDenied(_("您没有重新投递事件的权限。"))
        services.delivery_replay(delivery=delivery)
        return Response(self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data)
