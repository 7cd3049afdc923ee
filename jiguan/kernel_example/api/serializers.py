from rest_framework import serializers

from jiguan.core.serializers import IdField, ModelSerializer

from ..models import Key, KeyHandover, KeyHandoverItem


class KeySerializer(ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Key
        fields = ["id", "unit", "unit_name", "code", "room", "kind", "kind_display", "copies", "holder",
                  "holder_phone", "status", "status_display", "note", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        # The model's own validation reports a duplicate code (after the unit's scope is checked, so
        # a unit outside the caller's scope is refused without saying what it holds).
        validators = []


class KeyHandoverItemSerializer(ModelSerializer):
    code = serializers.CharField(source="key.code", read_only=True)
    room = serializers.CharField(source="key.room", read_only=True)

    class Meta:
        model = KeyHandoverItem
        fields = ["key", "code", "room", "from_holder"]
        read_only_fields = fields


class KeyHandoverSerializer(ModelSerializer):
    """A key handover; POST files one (submitted for approval at once) with the ids of its keys."""

    keys = serializers.ListField(child=IdField(), write_only=True, min_length=1, max_length=500,
                                 help_text="钥匙的 id（所属单位的钥匙）")
    items = KeyHandoverItemSerializer(many=True, read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_by_name = serializers.CharField(source="requested_by.display_name", read_only=True)

    class Meta:
        model = KeyHandover
        fields = ["id", "number", "status", "status_display", "unit", "unit_name", "to_holder", "to_holder_phone",
                  "reason", "key_count", "keys", "items", "requested_by", "requested_by_name", "completed_on",
                  "created_at"]
        read_only_fields = ["number", "status", "key_count", "requested_by", "completed_on", "created_at"]
