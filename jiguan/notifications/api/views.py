import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from jiguan.core.api import ScopedReadOnlyViewSet
from jiguan.core.validators import parse_ids

from .. import services
from ..models import Notification
from .serializers import NotificationSerializer


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(label="未读", field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Notification
        fields = ["unread"]


class NotificationViewSet(ScopedReadOnlyViewSet):
    """The caller's own in-app notifications, newest first."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering = ["-id"]

    @extend_schema(request=None, responses=inline_serializer("MarkRead", {"marked": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        """Mark all (or the ids given as ?id=1&id=2) of the caller's notifications read."""
        ids = parse_ids(request.query_params.getlist("id")) or None
        return Response({"marked": services.mark_read(user=request.user, ids=ids)})
