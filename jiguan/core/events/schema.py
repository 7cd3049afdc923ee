"""The events in the OpenAPI document: every declared kind's envelope (id, kind, occurred_at,
object, data) with its payload schema, as one polymorphic ``Event`` keyed by ``kind``. Built when
the document is generated, from the registry."""

from __future__ import annotations

import re

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from ..serializers import Serializer
from . import registry


class EventObjectSerializer(Serializer):
    type = serializers.CharField(help_text="app_label.model, e.g. assets.asset")
    id = serializers.IntegerField()
    repr = serializers.CharField()


def _component(kind: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[._]", kind)) + "Event"


def _payload_field(declaration: registry.EventKind):
    schema = declaration.schema
    if isinstance(schema, dict):
        field_class = extend_schema_field(schema)(type("PayloadField", (serializers.JSONField,), {}))
        return field_class(help_text=str(declaration.label))
    return schema(help_text=str(declaration.label))


_envelopes: dict[str, tuple] = {}


def envelope_serializer(declaration: registry.EventKind):
    """One serializer class per declaration (the component is named after the kind)."""
    cached = _envelopes.get(declaration.kind)
    if cached is None or cached[0] is not declaration:
        fields = {
            "id": serializers.UUIDField(help_text="the event id (X-Jiguan-Event-Id); the same on every retry"),
            "kind": serializers.ChoiceField(choices=[declaration.kind], help_text=str(declaration.label)),
            "occurred_at": serializers.DateTimeField(),
            "object": EventObjectSerializer(),
            "data": _payload_field(declaration),
            "__doc__": f"The body of a {declaration.kind} event ({declaration.label}).",
        }
        cached = _envelopes[declaration.kind] = (declaration, type(_component(declaration.kind), (Serializer,), fields))
    return cached[1]()


def event_envelope() -> PolymorphicProxySerializer:
    """The body POSTed to a subscriber, one schema per declared kind."""
    return PolymorphicProxySerializer(
        component_name="Event",
        serializers=lambda: {d.kind: envelope_serializer(d) for d in registry.declarations()},
        resource_type_field_name="kind",
    )
