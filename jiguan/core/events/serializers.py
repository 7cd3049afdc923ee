"""API shapes of the subscribers and deliveries (``/api/v1/events/…``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import DeliveryAttempt, EventDelivery, EventSubscriber
from ..serializers import ModelSerializer
from . import registry
from .schema import event_envelope
from .services import envelope


class EventSubscriberSerializer(ModelSerializer):
    kinds = serializers.ListField(
        child=serializers.CharField(max_length=80), allow_empty=False,
        help_text="event kinds taken, e.g. assets.asset.disposed (see the Event schema's kinds)")
    secret = serializers.CharField(write_only=True, required=False, min_length=16, max_length=128,
                                   help_text="HMAC-SM3 signing key, at least 16 characters; write-only")

    class Meta:
        model = EventSubscriber
        fields = ["id", "name", "url", "secret", "kinds", "is_active", "description", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_kinds(self, value):
        unknown = [k for k in value if not registry.is_declared(k)]
        if unknown:
            raise serializers.ValidationError(_("未知的事件类型：%(kinds)s") % {"kinds": "、".join(unknown)})
        return list(dict.fromkeys(value))

    def validate(self, attrs):
        if self.instance is None and not attrs.get("secret"):
            raise serializers.ValidationError({"secret": [_("请填写签名密钥。")]})
        return attrs


class DeliveryAttemptSerializer(ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["id", "attempted_at", "status_code", "error", "duration_ms", "success"]


class EventDeliverySerializer(ModelSerializer):
    event = serializers.UUIDField(source="event.uuid", read_only=True)
    kind = serializers.CharField(source="event.kind", read_only=True)
    object_type = serializers.SerializerMethodField()
    object_repr = serializers.CharField(source="event.object_repr", read_only=True)
    subscriber_name = serializers.CharField(source="subscriber.name", read_only=True)
    attempt_log = DeliveryAttemptSerializer(many=True, read_only=True)
    body = serializers.SerializerMethodField()

    class Meta:
        model = EventDelivery
        fields = ["id", "event", "kind", "object_type", "object_id", "object_repr", "subscriber", "subscriber_name",
                  "status", "attempts", "next_attempt_at", "delivered_at", "last_status_code", "last_error",
                  "replays", "created_at", "attempt_log", "body"]
        read_only_fields = fields

    def get_object_type(self, obj) -> str:
        ct = obj.event.content_type
        return f"{ct.app_label}.{ct.model}"

    @extend_schema_field(event_envelope())
    def get_body(self, obj) -> dict:
        return envelope(obj.event)
