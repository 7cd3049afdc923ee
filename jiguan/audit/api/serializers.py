from rest_framework import serializers

from jiguan.core.serializers import ModelSerializer

from ..models import AuditEvent


class AuditEventSerializer(ModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "occurred_at", "actor", "actor_username", "org", "ip", "request_id", "channel",
                  "action", "action_display", "object_type", "object_id", "object_repr", "before", "after",
                  "success", "message", "prev_hash", "hash"]
