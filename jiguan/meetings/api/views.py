"""The meetings API beyond the registers: bookings, occurrences, availability and service requests.

Thin, as the pages are (``meetings.views.booking``): the rows come from ``selectors`` and the
policies of the engine (``reservations.policies``), the writes from ``meetings.services`` and the
engine's services. Who sees what:

- ``bookings/``: the bookings the caller made or holds, and those of the rooms the caller manages
  (``meetings.change_room`` over the room's managing unit). One booking (``bookings/{id}/``) is
  shown to whoever ``policies.may_see_booking`` admits (its people, whoever may book or see the
  room); anyone else gets 404.
- A room the caller may not see is 404 (as if it did not exist); one the caller sees but may not
  book (inactive, or seen as an approver or service staff) is 403.
- A conflict is 409 ``conflict`` naming the bookings collided with (``conflicts``) and what is free
  instead (``suggestions``: other times of the room, other rooms), see ``core.rest``.
"""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from jiguan.core.api import ScopedViewSetMixin
from jiguan.core.filters import DateFilter
from jiguan.core.polling import UpdatedSinceFilter
from jiguan.core.schema import error_responses
from jiguan.core.validators import ID_MAX, ID_MIN, parse_id
from jiguan.org.models import User
from jiguan.reservations import policies as booking_policies
from jiguan.reservations import services as engine
from jiguan.reservations.models import Occurrence, Reservation, ReservationKind, ReservationState

from .. import selectors, services
from ..booking_forms import agency_path
from ..models import (
    ROOM_KIND,
    Compound,
    Equipment,
    Room,
    RoomUsage,
    ServiceKind,
    ServiceRequest,
    ServiceState,
)
from ..views.booking import default_span
from . import booking_serializers as s

NOT_VISIBLE = gettext_lazy("预订不存在，或不在您的查看范围内。")
NO_ROOM = gettext_lazy("会议室不存在，或您所在单位不在其可预订范围内。")


def not_found(message) -> exceptions.NotFound:
    return exceptions.NotFound(str(message))


class IdFilter(django_filters.NumberFilter):
    """An id: an integer from 1 to 2⁶³−1 (a 400 naming the parameter otherwise)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", ID_MIN)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


# Bookings ---------------------------------------------------------------------------------------


class BookingFilter(django_filters.FilterSet):
    room = IdFilter(label=gettext_lazy("会议室"), field_name="resource_id")
    state = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=ReservationState.choices)
    kind = django_filters.ChoiceFilter(label=gettext_lazy("类别"), choices=ReservationKind.choices)
    date_from = DateFilter(label=gettext_lazy("日期自"), method="filter_from",
                           help_text="Bookings with a date on or after this day (a series: its last date).")
    date_to = DateFilter(label=gettext_lazy("日期至"), method="filter_to",
                         help_text="Bookings with a date on or before this day (a series: its first date).")

    class Meta:
        model = Reservation
        fields = ["room", "state", "kind", "date_from", "date_to"]

    def filter_from(self, queryset, name, value: datetime.date):
        return queryset.filter(Q(until_date__gte=value) | Q(until_date=None, first_date__gte=value))

    def filter_to(self, queryset, name, value: datetime.date):
        return queryset.filter(first_date__lte=value)


def booking_rows(queryset):
    """What ``BookingSerializer`` reads, for any number of bookings in a fixed number of queries."""
    services_qs = ServiceRequest.objects.select_related("accepted_by").order_by("kind", "id")
    occurrences = Occurrence.objects.select_related("resource").order_by("start", "id").prefetch_related(
        Prefetch("service_requests", queryset=services_qs))
    return (queryset.select_related("resource", "unit", "booked_by", "booked_for", "meeting")
            .annotate(compound_label=F("resource__room__compound__name"))
            .prefetch_related(Prefetch("occurrences", queryset=occurrences),
                              Prefetch("meeting__attendees", queryset=User.objects.order_by("full_name", "id"))))


def visible_booking(user, pk) -> Reservation:
    """A room booking ``user`` may see (``policies.may_see_booking``); 404 otherwise."""
    pk = parse_id(pk)
    r = booking_rows(Reservation.objects.filter(pk=pk, resource__kind=ROOM_KIND)).first() if pk else None
    if r is None or not booking_policies.may_see_booking(user, r):
        raise not_found(NOT_VISIBLE)
    return r


def bookable_room(user, pk: int) -> Room:
    """The room of a booking request: 404 when ``user`` may not see it, 403 when they see it but may
    not book it (inactive, or seen only as its approver or service staff)."""
    room = selectors.room_for(user, pk)
    if room is None:
        seen = Room.objects.select_related("unit").filter(pk=pk).first()
        if seen is None or not booking_policies.may_see(user, seen):
            raise not_found(NO_ROOM)
        booking_policies.book(user, seen)  # PermissionDenied: 403 with the reason
        room = seen
    return room


def people_of_agency(user, ids: list[int], field: str) -> list[User]:
    """The active people ``ids`` of the caller's agency (as the booking form offers them); 400 naming
    the ids that are not."""
    path = agency_path(user)
    found = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True, unit__path__startswith=path)} \
        if path and ids else {}
    missing = [i for i in ids if i not in found]
    if missing:
        raise exceptions.ValidationError({field: [_("人员 %(ids)s 不存在，或不在本单位。") % {
            "ids": "、".join(str(i) for i in missing)}]})
    return [found[i] for i in ids]


CONFLICT_EXAMPLE = OpenApiExample("conflict", status_codes=["409"], response_only=True, value={"error": {
    "code": "conflict", "message": "小会议室 在 2026-12-08 14:00–16:00 已被占用：「季度工作会」（张三，甲市财政局）。",
    "fields": {"non_field_errors": ["小会议室 在 2026-12-08 14:00–16:00 已被占用：「季度工作会」（张三，甲市财政局）。"]},
    "conflicts": [{"object": "小会议室", "object_id": 12, "document": "「季度工作会」（张三，甲市财政局）",
                   "document_type": "预订", "occurrence_id": 345, "start": "2026-12-08T14:00:00+08:00",
                   "end": "2026-12-08T16:00:00+08:00"}],
    "suggestions": {"times": [{"start": "2026-12-08T16:00:00+08:00", "end": "2026-12-08T18:00:00+08:00",
                               "label": "2026-12-08 16:00–18:00"}],
                    "resources": [{"id": 11, "name": "第一会议室", "capacity": 20}]}}})
CONFLICT = OpenApiResponse(OpenApiTypes.OBJECT, examples=[CONFLICT_EXAMPLE], description=(
    "Conflict (`conflict`): the room is taken at (some of) the times. `conflicts` names each booking collided "
    "with (`occurrence_id`, `start`, `end`; its subject only for those who may see it); `suggestions` offers "
    "`times` (other free times of the room, same length) and `resources` (other free rooms that fit)."))


class BookingViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Room bookings (会议室预订)."""

    queryset = Reservation.objects.all()
    serializer_class = s.BookingSerializer
    filterset_class = BookingFilter
    require_model_permission = False  # the engine's policies decide (module docstring)
    ordering_fields = ["first_date", "id"]
    ordering = ["-first_date", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Reservation.objects.none()
        user = self.request.user
        mine = Q(booked_by=user) | Q(booked_for=user)
        scope = user.get_scope("meetings.change_room")
        if scope.is_global:
            mine = Q()
        elif not scope.is_empty:
            mine |= scope.q("resource__unit__path")
        return booking_rows(Reservation.objects.filter(mine, resource__kind=ROOM_KIND))

    def get_object(self):
        return visible_booking(self.request.user, self.kwargs.get("pk"))

    @extend_schema(summary="List bookings", description=(
        "The room bookings the caller made or holds, and those of the rooms the caller manages "
        "(会议室管理员), newest first, each with its occurrences and their service requests."))
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="A booking", description="One booking: its people, whoever may book or see the room "
                   "and the room's managers see it; anyone else gets 404.")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(summary="Book a room", request=s.BookingCreateSerializer,
                   responses={201: s.BookingSerializer, 409: CONFLICT, **error_responses(400, 401, 403, 404, 415)},
                   description=(
                       "Book a room for a meeting (`meetings.services.book_room`): the room's rules (opening days "
                       "and hours, notice, longest booking, how far ahead, capacity, layouts), then conflicts. "
                       "Answers 201 with the booking: `state` confirmed, or pending when the room requires approval "
                       "(an approval request is filed; the slot is not held until it is approved). A room the "
                       "caller may not see is 404; one seen but not bookable is 403; a rule refused is 400 naming "
                       "the field; a conflict is 409 with suggestions."))
    def create(self, request, *args, **kwargs):
        body = s.BookingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        user = request.user
        room = bookable_room(user, data.pop("room"))
        booked_for = data.pop("booked_for")
        if booked_for is not None:
            booked_for = people_of_agency(user, [booked_for], "booked_for")[0]
        attendees = people_of_agency(user, list(dict.fromkeys(data.pop("attendees"))), "attendees")
        asked = [(x["kind"], x.get("note", "")) for x in data.pop("services")]
        with transaction.atomic():
            meeting = services.book_room(room=room, actor=user, booked_for=booked_for, attendees=attendees,
                                         services=asked, **data)
        reservation = booking_rows(Reservation.objects.filter(pk=meeting.reservation_id)).get()
        return Response(s.BookingSerializer(reservation).data, status=status.HTTP_201_CREATED)


# Occurrences ------------------------------------------------------------------------------------


class OccurrenceViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """What a booking's people (and the room's managers) do with its occurrences: cancel, move,
    check in. Each answers the booking as it is afterwards."""

    queryset = Occurrence.objects.all()
    serializer_class = s.BookingSerializer
    require_model_permission = False
    pagination_class = None

    def get_object(self) -> Occurrence:
        pk = parse_id(self.kwargs.get("pk"))
        o = Occurrence.objects.filter(pk=pk, resource__kind=ROOM_KIND).select_related(
            "reservation__resource", "reservation__booked_by", "reservation__booked_for", "reservation__unit",
            "resource").first() if pk else None
        if o is None or not booking_policies.may_see_booking(self.request.user, o.reservation):
            raise not_found(NOT_VISIBLE)
        return o

    def answer(self, reservation_id: int) -> Response:
        reservation = booking_rows(Reservation.objects.filter(pk=reservation_id)).get()
        return Response(s.BookingSerializer(reservation).data)

    @extend_schema(summary="Cancel occurrences", request=s.OccurrenceCancelSerializer,
                   responses={200: s.BookingSerializer, **error_responses(400, 401, 403, 404, 415)})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel this occurrence (``scope`` one), it and the later ones (later) or every open one
        (all), with a reason. Its booker, holder or the room's managers (403 for others who see it)."""
        o = self.get_object()
        body = s.OccurrenceCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        engine.cancel(occurrence=o, actor=request.user, **body.validated_data)
        return self.answer(o.reservation_id)

    @extend_schema(summary="Move occurrences", request=s.OccurrenceEditSerializer,
                   responses={200: s.BookingSerializer, 409: CONFLICT, **error_responses(400, 401, 403, 404, 415)})
    @action(detail=True, methods=["post"])
    def edit(self, request, pk=None):
        """New times for this occurrence (``scope`` one, optionally on another ``date``), it and the
        later ones (later: the series is split, the answer is the new series) or every open one (all),
        checked like a new booking: 409 with suggestions on a conflict."""
        o = self.get_object()
        body = s.OccurrenceEditSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            engine.edit(occurrence=o, actor=request.user, scope=d["scope"], start_time=d["start_time"],
                        end_time=d["end_time"], subject=d.get("subject") or None, day=d.get("date"))
        except engine.BookingConflict:
            raise
        except ValidationError as exc:
            raise renamed(exc, {"start": "start_time", "end": "end_time"}) from exc
        o.refresh_from_db(fields=["reservation"])
        return self.answer(o.reservation_id)

    @extend_schema(summary="Check in", request=None,
                   responses={200: s.BookingSerializer, **error_responses(400, 401, 403, 404)})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """签到: from 15 minutes before the occurrence's start until its end; its booker, holder or
        the room's managers."""
        o = self.get_object()
        engine.check_in(occurrence=o, actor=request.user)
        return self.answer(o.reservation_id)


def renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """A services' ValidationError with its fields named as the request names them."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


# Availability -----------------------------------------------------------------------------------


class CodesFilter(django_filters.CharFilter):
    """Comma-separated codes (``projector,screen``)."""


def compounds(request):
    if request is None or not request.user.is_authenticated:
        return Compound.objects.none()
    return selectors.compounds_for(request.user)


def unfiltered(queryset, name, value):
    return queryset  # availability/ reads the parameters itself (AvailabilityViewSet.list)


def unfiltered_number(queryset, name, value: int):
    return queryset


class AvailabilityFilter(django_filters.FilterSet):
    start = django_filters.IsoDateTimeFilter(label=gettext_lazy("开始"), method=unfiltered, help_text=(
        "Start (ISO 8601). With end; without both, the next whole hour for one hour."))
    end = django_filters.IsoDateTimeFilter(label=gettext_lazy("结束"), method=unfiltered, help_text="End (ISO 8601).")
    size = IdFilter(label=gettext_lazy("人数"), method=unfiltered_number, max_value=5000,
                    help_text="Only rooms holding this many people.")
    equipment = CodesFilter(label=gettext_lazy("设备"), method=unfiltered, help_text=(
        "Only rooms with every piece of equipment named, comma-separated: " + ", ".join(Equipment.values) + "."))
    compound = django_filters.ModelChoiceFilter(label=gettext_lazy("办公区"), queryset=compounds, method=unfiltered)
    usage = django_filters.ChoiceFilter(label=gettext_lazy("用途"), choices=RoomUsage.choices, method=unfiltered)

    class Meta:
        model = Room
        fields = ["start", "end", "size", "equipment", "compound", "usage"]


class AvailabilityViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Free rooms (空闲会议室) for a time."""

    queryset = Room.objects.all()
    serializer_class = s.RoomAvailabilitySerializer
    filterset_class = AvailabilityFilter
    filter_backends = [DjangoFilterBackend, UpdatedSinceFilter]
    require_model_permission = False  # the rooms the caller may book (engine.resources_for)

    @extend_schema(summary="Free rooms", description=(
        "The rooms the caller may book that are free from `start` to `end` (buffers included), hold `size` "
        "people and have every piece of `equipment`: the smallest fitting room first, at most 200 rooms."))
    def list(self, request, *args, **kwargs):
        filterset = DjangoFilterBackend().get_filterset(request, Room.objects.none(), self)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        d = filterset.form.cleaned_data
        start, end = d.get("start"), d.get("end")
        if start is None and end is None:
            day, a, b = default_span()
            start, end = (datetime.datetime.combine(day, t, tzinfo=timezone.get_current_timezone()) for t in (a, b))
        elif start is None:
            raise exceptions.ValidationError({"start": [_("请填写开始时间。")]})
        elif end is None:
            end = start + datetime.timedelta(hours=1)
        for name, moment in (("start", start), ("end", end)):
            if not s.YEARS[0] <= moment.year <= s.YEARS[1]:
                raise exceptions.ValidationError({name: [_("时间超出范围（%(lo)d 至 %(hi)d 年）。") % {
                    "lo": s.YEARS[0], "hi": s.YEARS[1]}]})
        if end <= start:
            raise exceptions.ValidationError({"end": [_("结束时间须晚于开始时间。")]})
        equipment = [c.strip() for c in (d.get("equipment") or "").split(",") if c.strip()]
        unknown = [c for c in equipment if c not in Equipment.values]
        if unknown:
            raise exceptions.ValidationError({"equipment": [_("设备代码无效：%(codes)s") % {
                "codes": "、".join(c[:20] for c in unknown[:5])}]})
        rooms = selectors.find_free(request.user, start=start, end=end, size=d.get("size") or 0,
                                    equipment=equipment, compound=d.get("compound"), usage=d.get("usage") or "")
        if request.query_params.get("updated_since"):  # rooms changed since (polling), like every list
            changed = UpdatedSinceFilter().filter_queryset(request, Room.objects.filter(
                pk__in=[r.pk for r in rooms]), self)
            kept = set(changed.values_list("pk", flat=True))
            rooms = [r for r in rooms if r.pk in kept]
        page = self.paginate_queryset(rooms)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# Service requests -------------------------------------------------------------------------------


class ServiceRequestFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=ServiceState.choices)
    kind = django_filters.ChoiceFilter(label=gettext_lazy("服务项目"), choices=ServiceKind.choices)
    room = IdFilter(label=gettext_lazy("会议室"), field_name="occurrence__resource_id")
    date = DateFilter(label=gettext_lazy("日期"), method="on_day", help_text="Occurrences starting on this day.")

    class Meta:
        model = ServiceRequest
        fields = ["state", "kind", "room", "date"]

    def on_day(self, queryset, name, value: datetime.date):
        lo = datetime.datetime.combine(value, datetime.time.min, tzinfo=timezone.get_current_timezone())
        return queryset.filter(occurrence__start__gte=lo, occurrence__start__lt=lo + datetime.timedelta(days=1))


class ServiceRequestViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Service requests (会务服务) of the rooms in the caller's scope for ``meetings.view_servicerequest``
    (the compound's service staff and room managers), by the occurrence's start. Others get an
    empty list."""

    queryset = ServiceRequest.objects.all()
    serializer_class = s.BookingServiceSerializer
    filterset_class = ServiceRequestFilter
    require_model_permission = False  # the rows are the scope's; accept and complete ask the service's policy
    ordering_fields = ["id", "created_at"]
    ordering = ["occurrence__start", "id"]

    def scope_action(self) -> str:
        return "view"  # accept/complete reach visible requests; the service then asks change (403)

    def optimize(self, queryset):
        return queryset.select_related("occurrence__resource", "occurrence__reservation__unit", "accepted_by")

    def get_object(self) -> ServiceRequest:
        pk = parse_id(self.kwargs.get("pk"))
        item = self.get_queryset().filter(pk=pk).first() if pk else None
        if item is None:
            raise not_found(_("服务请求不存在，或不在您的数据范围内。"))
        return item

    def _done(self, item) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(summary="Accept a service request", request=None,
                   responses={200: s.BookingServiceSerializer, **error_responses(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """接单: a service staff member (``meetings.change_servicerequest`` over the room) takes it."""
        item = self.get_object()
        services.service_accept(request=item, actor=request.user)
        return self._done(item)

    @extend_schema(summary="Complete a service request", request=None,
                   responses={200: s.BookingServiceSerializer, **error_responses(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """完成: the service was given (one not yet taken is taken and completed at once); the
        booking's holder is told."""
        item = self.get_object()
        services.service_complete(request=item, actor=request.user)
        return self._done(item)


router = SimpleRouter()
router.register("meetings/bookings", BookingViewSet, basename="meetings-booking")
router.register("meetings/occurrences", OccurrenceViewSet, basename="meetings-occurrence")
router.register("meetings/availability", AvailabilityViewSet, basename="meetings-availability")
router.register("meetings/service-requests", ServiceRequestViewSet, basename="meetings-servicerequest")
urlpatterns: list = router.urls

