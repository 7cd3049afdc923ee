"""Serializers of the meetings API beyond the registers: bookings and their occurrences, the
requests to book, cancel, move and check in, free rooms, and the service staff's requests.

Output serializers read rows prepared by ``api.views`` (select_related / prefetch_related): none of
them queries per row. Input serializers only shape the input; the rules (opening hours, notice,
capacity, conflicts) are the services' (``meetings.services.book_room``, ``reservations.services``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiguan.core.serializers import IdField, ModelSerializer, Serializer
from jiguan.reservations.models import Occurrence, Recurrence, Reservation

from ..booking_forms import SCOPES
from ..models import Layout, Room, ServiceKind, ServiceRequest, codes

YEARS = (2000, 2999)  # a booking's dates: anything outside is a typing mistake (and overflows time zones)


class MomentField(serializers.DateTimeField):
    """An ISO 8601 date and time (``2026-12-08T14:00:00+08:00``; without an offset, the server's time
    zone), of a year from 2000 to 2999."""

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
        except (OverflowError, ValueError, TypeError):
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM]")
        if not YEARS[0] <= moment.year <= YEARS[1]:
            raise serializers.ValidationError(_("时间超出范围（%(lo)d 至 %(hi)d 年）。") % {"lo": YEARS[0], "hi": YEARS[1]})
        return moment


class DayField(serializers.DateField):
    """An ISO 8601 date (``2026-12-08``) of a year from 2000 to 2999."""

    def to_internal_value(self, value):
        try:
            day = super().to_internal_value(value)
        except (OverflowError, TypeError):
            self.fail("invalid", format="YYYY-MM-DD")
        if not YEARS[0] <= day.year <= YEARS[1]:
            raise serializers.ValidationError(_("日期超出范围（%(lo)d 至 %(hi)d 年）。") % {"lo": YEARS[0], "hi": YEARS[1]})
        return day


# Reading ----------------------------------------------------------------------------------------


class BookingServiceSerializer(ModelSerializer):
    """A service asked for one occurrence (会务服务: tea, projector, banner, name cards …). In a
    booking request only ``kind`` and ``note`` are given; the rest is read-only. The service staff's
    list (``service-requests/``) shows the meeting it serves beside it."""

    occurrence = serializers.IntegerField(source="occurrence_id", read_only=True)
    start = serializers.DateTimeField(source="occurrence.start", read_only=True)
    end = serializers.DateTimeField(source="occurrence.end", read_only=True)
    booking = serializers.IntegerField(source="occurrence.reservation_id", read_only=True)
    subject = serializers.CharField(source="occurrence.reservation.subject", read_only=True)
    room = serializers.IntegerField(source="occurrence.resource_id", read_only=True)
    room_name = serializers.CharField(source="occurrence.resource.name", read_only=True)
    booking_unit_name = serializers.CharField(source="occurrence.reservation.unit.name", read_only=True)
    accepted_by_name = serializers.SerializerMethodField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    class Meta:
        model = ServiceRequest
        fields = ["id", "occurrence", "start", "end", "booking", "subject", "room", "room_name", "booking_unit_name",
                  "kind", "note", "state", "accepted_by", "accepted_by_name", "accepted_at", "done_by", "done_at",
                  "created_at"]
        read_only_fields = ["state", "accepted_by", "accepted_at", "done_by", "done_at", "created_at"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_accepted_by_name(self, obj) -> str:
        return obj.accepted_by.display_name if obj.accepted_by_id else ""


class BookingOccurrenceSerializer(ModelSerializer):
    """One date of a booking (场次), with its own times, state and service requests."""

    services = BookingServiceSerializer(source="service_requests", many=True, read_only=True)

    class Meta:
        model = Occurrence
        fields = ["id", "start", "end", "state", "state_reason", "is_exception", "checked_in_at", "services"]
        read_only_fields = fields


class PersonSerializer(Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class BookingSerializer(ModelSerializer):
    """A booking of a room (会议室预订): a series of occurrences with the meeting's details."""

    room = serializers.IntegerField(source="resource_id", read_only=True)
    room_name = serializers.CharField(source="resource.name", read_only=True)
    compound_name = serializers.SerializerMethodField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    booked_by_name = serializers.CharField(source="booked_by.display_name", read_only=True)
    booked_for_name = serializers.SerializerMethodField()
    guest_count = serializers.SerializerMethodField()
    layout = serializers.SerializerMethodField()
    attendees = serializers.SerializerMethodField()
    occurrences = BookingOccurrenceSerializer(many=True, read_only=True)

    class Meta:
        model = Reservation
        fields = ["id", "room", "room_name", "compound_name", "kind", "state", "subject", "recurrence", "weekdays",
                  "first_date", "until_date", "start_time", "end_time", "unit", "unit_name", "booked_by",
                  "booked_by_name", "booked_for", "booked_for_name", "contact_phone", "note", "guest_count",
                  "layout", "attendees", "occurrences", "created_at", "updated_at"]
        read_only_fields = fields

    @staticmethod
    def _meeting(obj):
        return getattr(obj, "meeting", None)  # a blocking's hold has no meeting

    @extend_schema_field(OpenApiTypes.STR)
    def get_compound_name(self, obj) -> str:
        return getattr(obj, "compound_label", None) or ""  # annotated by api.views.booking_rows

    @extend_schema_field(OpenApiTypes.STR)
    def get_booked_for_name(self, obj) -> str:
        return obj.booked_for.display_name if obj.booked_for_id else ""

    @extend_schema_field(OpenApiTypes.INT)
    def get_guest_count(self, obj) -> int:
        meeting = self._meeting(obj)
        return meeting.guest_count if meeting else 0

    @extend_schema_field(serializers.ChoiceField(choices=Layout.choices, allow_blank=True))
    def get_layout(self, obj) -> str:
        meeting = self._meeting(obj)
        return meeting.layout if meeting else ""

    @extend_schema_field(PersonSerializer(many=True))
    def get_attendees(self, obj) -> list[dict]:
        meeting = self._meeting(obj)
        return PersonSerializer(meeting.attendees.all(), many=True).data if meeting else []


class RoomAvailabilitySerializer(ModelSerializer):
    """A free room: where it is, what it holds and its booking rules."""

    compound_name = serializers.CharField(source="compound.name", read_only=True)
    building_name = serializers.SerializerMethodField()
    place = serializers.CharField(read_only=True)
    equipment = serializers.SerializerMethodField()
    layouts = serializers.SerializerMethodField()

    class Meta:
        model = Room
        fields = ["id", "name", "compound", "compound_name", "building", "building_name", "floor", "number", "place",
                  "usage", "capacity", "equipment", "layouts", "open_from", "open_until", "open_weekdays",
                  "requires_approval", "release_after"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_building_name(self, obj) -> str:
        return obj.building.name if obj.building_id else ""

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), help_text="Equipment codes: projector, "
                                               "screen, video, audio, whiteboard, computer, printer, interpreting, "
                                               "recording."))
    def get_equipment(self, obj) -> list[str]:
        return codes(obj.equipment)

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), help_text="Layout codes offered: "
                                               "boardroom, theatre, classroom, u_shape, round."))
    def get_layouts(self, obj) -> list[str]:
        return codes(obj.layouts)


# Writing ----------------------------------------------------------------------------------------


class BookingCreateSerializer(Serializer):
    """A request to book a room: the first occurrence's times and, for a series, how it repeats."""

    room = IdField(help_text="The room's id (a room the caller may book: see availability/).")
    subject = serializers.CharField(max_length=120, help_text="会议名称（事由）")
    start = MomentField(help_text="Start of the first occurrence (ISO 8601).")
    end = MomentField(help_text="End of the first occurrence (ISO 8601), after start.")
    recurrence = serializers.ChoiceField(choices=Recurrence.choices, default=Recurrence.ONCE)
    weekdays = serializers.RegexField(r"^[1-7]{0,7}$", required=False, allow_blank=True, default="", help_text=(
        "Weekly series: the weekdays, 1 (Monday) to 7 (Sunday), e.g. \"135\"."),
        error_messages={"invalid": _("每周的哪几天须为 1–7 的数字，例如 135。")})
    until = DayField(required=False, allow_null=True, default=None, help_text="Last date of a series (required "
                                                                              "unless recurrence is once).")
    booked_for = IdField(required=False, allow_null=True, default=None,
                         help_text="The person the room is booked for (代他人预订), of the caller's agency.")
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    guest_count = serializers.IntegerField(min_value=0, max_value=5000, required=False, default=0)
    attendees = serializers.ListField(child=IdField(), required=False, default=list, max_length=300,
                                      help_text="Ids of attending people of the caller's agency.")
    layout = serializers.ChoiceField(choices=Layout.choices, required=False, allow_blank=True, default="")
    services = BookingServiceSerializer(many=True, required=False, default=list,
                                        help_text="Services asked for every occurrence, e.g. "
                                                  "[{\"kind\": \"tea\", \"note\": \"12 杯\"}].")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": _("结束时间须晚于开始时间。")})
        if attrs.get("recurrence") != Recurrence.ONCE and not attrs.get("until"):
            raise serializers.ValidationError({"until": _("重复预订须填写重复至哪天。")})
        if len(attrs.get("services") or []) > len(ServiceKind.values) * 2:
            raise serializers.ValidationError({"services": _("服务项目过多。")})
        return attrs


class OccurrenceCancelSerializer(Serializer):
    scope = serializers.ChoiceField(choices=SCOPES, default="one",
                                    help_text="one: this occurrence; later: it and the later ones; all: every open one.")
    reason = serializers.CharField(max_length=200, help_text="取消原因")


class OccurrenceEditSerializer(Serializer):
    scope = serializers.ChoiceField(choices=SCOPES, default="one",
                                    help_text="one: this occurrence; later: it and the later ones (the series is "
                                              "split); all: every open one.")
    start_time = serializers.TimeField(help_text="New start time, e.g. 09:00.")
    end_time = serializers.TimeField(help_text="New end time, after start_time.")
    date = DayField(required=False, allow_null=True, default=None,
                    help_text="New date, with scope one only (the others keep their dates).")
    subject = serializers.CharField(max_length=120, required=False, allow_blank=True, default="",
                                    help_text="A new subject, with scope all or later.")

    def validate(self, attrs):
        if attrs["end_time"] <= attrs["start_time"]:
            raise serializers.ValidationError({"end_time": _("结束时间须晚于开始时间。")})
        if attrs.get("date") and attrs.get("scope") != "one":
            raise serializers.ValidationError({"date": _("只有修改本场时可以改日期。")})
        return attrs
