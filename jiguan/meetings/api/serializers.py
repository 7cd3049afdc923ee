"""Serializers of the meetings registers: compounds, buildings, rooms (codes and labels of their
equipment and layouts as lists)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiguan.core.serializers import ModelSerializer

from ..models import Building, Compound, Equipment, Layout, Room, codes, wrap


class CompoundSerializer(ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Compound
        fields = ["id", "unit", "unit_name", "name", "address", "resident_units", "service_phone", "note",
                  "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []


class BuildingSerializer(ModelSerializer):
    compound_name = serializers.CharField(source="compound.name", read_only=True)

    class Meta:
        model = Building
        fields = ["id", "compound", "compound_name", "name", "floors", "note", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []


class CodesField(serializers.ListField):
    """A list of codes stored comma-wrapped on the room (",projector,screen,")."""

    def to_representation(self, value):
        return codes(value)

    def to_internal_value(self, data):
        return wrap(super().to_internal_value(data))


class RoomSerializer(ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    compound_name = serializers.CharField(source="compound.name", read_only=True)
    usage_display = serializers.CharField(source="get_usage_display", read_only=True)
    equipment = CodesField(child=serializers.ChoiceField(choices=Equipment.choices), required=False, max_length=20)
    layouts = CodesField(child=serializers.ChoiceField(choices=Layout.choices), required=False, max_length=10)
    equipment_labels = serializers.SerializerMethodField()

    class Meta:
        model = Room
        fields = ["id", "unit", "unit_name", "compound", "compound_name", "building", "name", "floor", "number",
                  "usage", "usage_display", "capacity", "area", "equipment", "equipment_labels", "layouts",
                  "description", "is_active", "open_from", "open_until", "open_weekdays", "buffer_before",
                  "buffer_after", "min_notice", "max_advance", "max_length", "release_after", "requires_approval",
                  "open_to", "allowed_units", "allowed_roles", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_equipment_labels(self, obj) -> list[str]:
        return obj.equipment_labels
