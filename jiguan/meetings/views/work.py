"""The compound staff's pages: service requests (会务服务) to accept and complete, and blockings
(公务保障占用) for official events."""

from __future__ import annotations

import datetime

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from jiguan.core.tables import Column, Table
from jiguan.core.views import ObjectFormView, ObjectListView, ScopedViewMixin
from jiguan.reservations import services as engine
from jiguan.reservations.models import Blocking

from .. import booking_forms, services
from ..models import Room, ServiceKind, ServiceRequest, ServiceState
from .booking import back, error_text

SERVICES = gettext_lazy("会务服务")
BLOCKINGS = gettext_lazy("公务保障占用")


class ServiceFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("状态"), choices=ServiceState.choices)
    kind = django_filters.ChoiceFilter(label=_("服务项目"), choices=ServiceKind.choices)
    date = django_filters.DateFilter(label=_("日期"), method="on_day")

    class Meta:
        model = ServiceRequest
        fields = ["state", "kind", "date"]

    def on_day(self, queryset, name, value):
        tz = timezone.get_current_timezone()
        lo = datetime.datetime.combine(value, datetime.time.min, tzinfo=tz)
        return queryset.filter(occurrence__start__gte=lo, occurrence__start__lt=lo + datetime.timedelta(days=1))


class ServiceTable(Table):
    columns = [
        Column("occurrence.start", _("开始时间")),
        Column("occurrence.resource.name", _("会议室")),
        Column("occurrence.reservation.subject", _("会议")),
        Column("occurrence.reservation.unit.name", _("预订单位")),
        Column("kind", _("服务项目")),
        Column("note", _("要求")),
        Column("state", _("状态")),
        Column("accepted_by", _("接单人")),
    ]


class ServiceListView(ObjectListView):
    """会务服务: the requests of the rooms in the user's scope, the ones still to do first; 接单 and
    完成 on each row."""

    model = ServiceRequest
    action = "change"
    table = ServiceTable()
    filterset_class = ServiceFilter
    template_name = "meetings/services.html"
    title = SERVICES
    breadcrumbs = [(SERVICES, None)]
    saved_filters = False

    def filtered_queryset(self):
        queryset = super().filtered_queryset()
        if not self.request.GET.get("state"):
            queryset = queryset.filter(state__in=(ServiceState.REQUESTED, ServiceState.ACCEPTED),
                                       occurrence__end__gt=timezone.now() - datetime.timedelta(hours=12))
        return queryset

    def optimize(self, queryset):
        return queryset.select_related("occurrence__resource", "occurrence__reservation__unit", "accepted_by")


class ServiceActionView(ScopedViewMixin, View):
    """接单 / 完成 (POST) of one service request in the user's scope."""

    model = ServiceRequest
    action = "change"
    http_method_names = ["post"]
    verb = "accept"

    def post(self, request, pk):
        item = self.get_queryset().filter(pk=pk).first()
        if item is None:
            messages.error(request, _("服务请求不存在，或不在您的数据范围内。"))
            return HttpResponseRedirect(reverse("meetings:services"))
        try:
            if self.verb == "accept":
                services.service_accept(request=item, actor=request.user)
                messages.success(request, _("已接单：%(s)s") % {"s": str(item)})
            else:
                services.service_complete(request=item, actor=request.user)
                messages.success(request, _("已完成：%(s)s") % {"s": str(item)})
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
        return back(request, reverse("meetings:services"))


class BlockingFilter(django_filters.FilterSet):
    class Meta:
        model = Blocking
        fields = []


class BlockingTable(Table):
    columns = [
        Column("title", _("公务活动")),
        Column("start", _("开始")),
        Column("end", _("结束")),
        Column("unit", _("保障单位")),
        Column("cancelled_count", _("取消的预订场次")),
        Column("created_by", _("登记人")),
    ]


class BlockingListView(ObjectListView):
    model = Blocking
    table = BlockingTable()
    filterset_class = BlockingFilter
    title = BLOCKINGS
    breadcrumbs = [(BLOCKINGS, None)]
    create_url_name = "meetings:blocking_create"
    saved_filters = False

    def optimize(self, queryset):
        return queryset.select_related("unit", "created_by")


class BlockingCreateView(ObjectFormView):
    """登记公务保障占用: rooms the user manages, a span, the event; the bookings there are cancelled
    and their people told (official business comes first)."""

    model = Blocking
    action = "add"
    form_class = booking_forms.BlockingForm
    breadcrumbs = [(BLOCKINGS, reverse_lazy("meetings:blocking_list"))]

    def get_title(self):
        return _("登记公务保障占用")

    def managed_rooms(self):
        scope = self.request.user.get_scope("meetings.change_room")
        return Room.objects.in_scope(scope).filter(is_active=True).select_related("compound").order_by(
            "compound__name", "name")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("user", None)
        kwargs["rooms"] = self.managed_rooms()
        return kwargs

    def perform(self, form):
        d = form.cleaned_data
        rooms = list(d["rooms"])
        blocking = engine.blocking_create(unit=rooms[0].unit, title=d["title"], start=d["start"], end=d["end"],
                                          resources=rooms, actor=self.request.user)
        self.success_message = _("已登记公务保障占用，取消了 %(n)d 场预订并通知了预订人。") % {
            "n": blocking.cancelled_count}
        return blocking

    def get_success_url(self):
        return reverse("meetings:blocking_list")

