"""Serializer bases and fields shared by every app's API (``<app>/api/serializers.py``).

Every serializer derives from ``Serializer`` or ``ModelSerializer`` here (``core/tests/test_meta.py``
checks it). They add, in one place, what each serializer would otherwise have to remember:

- **Integers in range.** Every writable integer field, also inside lists and dicts
  (``ListField(child=IntegerField())``), accepts only what a 64-bit column holds: past it the answer
  is a 400 naming the field, never a database error (SQLite raises ``OverflowError``). Id lists use
  ``IdField`` (1 to 2⁶³−1, with a message that says it is an id). Related fields
  (``PrimaryKeyRelatedField``) look the id up with an exact match, which Django answers with "not
  found" for any out-of-range number.
- **JSON in shape.** A model ``JSONField`` becomes ``JSONObjectField`` (a flat object of text and
  numbers, ``core.validators.FlatJSONObject``): a list, a string or a form-encoded ``null`` is a 400
  on that field, never stored.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils.formatting import lazy_format

from .validators import ID_MAX, ID_MIN, INT64_MAX, INT64_MIN, FlatJSONObject


class IdField(serializers.IntegerField):
    """The id of a row (``assets: [12, 13]``): an integer from 1 to 2⁶³−1."""

    default_error_messages = {
        "invalid": _("编号应为整数。"),
        "out_of_range": _("编号 %(value)s 超出范围：编号是 1 至 %(max)d 之间的整数。"),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Bounds without DRF's Min/MaxValueValidator, whose messages cannot name the value.
        self.min_value, self.max_value = ID_MIN, ID_MAX

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not self.min_value <= value <= self.max_value:
            raise serializers.ValidationError(self.error_messages["out_of_range"] % {
                "value": value, "max": self.max_value}, code="out_of_range")
        return value


class JSONObjectField(serializers.JSONField):
    """A JSON object of simple values (``{"asset_tag": "CW-0012"}``); see ``FlatJSONObject``. Also
    from form-encoded and multipart bodies, where the value is the object's JSON text."""

    def __init__(self, *, schema: FlatJSONObject | None = None, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(schema or FlatJSONObject())


def bound_integers(field: serializers.Field) -> None:
    """Give a writable integer field (or the integers inside a list or dict field) the 64-bit range
    where it has no narrower bound of its own."""
    if field.read_only:
        return
    child = getattr(field, "child", None)
    if isinstance(field, (serializers.ListField, serializers.DictField)) and child is not None:
        bound_integers(child)
        return
    if not isinstance(field, serializers.IntegerField) or isinstance(field, IdField):
        return
    if field.max_value is None:
        field.max_value = INT64_MAX
        field.validators.append(MaxValueValidator(INT64_MAX, message=lazy_format(
            field.error_messages["max_value"], max_value=INT64_MAX)))
    if field.min_value is None:
        field.min_value = INT64_MIN
        field.validators.append(MinValueValidator(INT64_MIN, message=lazy_format(
            field.error_messages["min_value"], min_value=INT64_MIN)))


class BoundedFieldsMixin:
    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            bound_integers(field)
        return fields


class Serializer(BoundedFieldsMixin, serializers.Serializer):
    pass


class ModelSerializer(BoundedFieldsMixin, serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.JSONField: JSONObjectField}
