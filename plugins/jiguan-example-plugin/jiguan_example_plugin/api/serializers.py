from rest_framework import serializers

from jiguan.core.serializers import ModelSerializer

from ..models import Seal


class SealSerializer(ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Seal
        fields = ["id", "unit", "unit_name", "name", "kind", "kind_display", "keeper", "status",
                  "status_display", "note", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        # The model's own validation reports a duplicate name, after the unit's scope is checked.
        validators = []
