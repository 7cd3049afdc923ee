"""The reservation engine's tables (预订).

A **resource** (可预订资源) is anything booked for a time: a meeting room, a car, a driver, a
warehouse item. A module's bookable model derives from ``Resource`` (multi-table inheritance: the
room *is* a resource, its row shares the resource's id), so the engine reads opening hours, buffers
and who may book from one table whatever the module.

A **reservation** (预订) is a series: once, daily, weekly on chosen weekdays or monthly. It is stored
with one **occurrence** (场次) row per date, so an exception is one cancelled or moved occurrence and
an edit says which occurrences it touches (this one, this and later, all). Occurrences in a blocking
state (confirmed, checked in, finished) may not overlap on one resource, buffers included: on
PostgreSQL an exclusion constraint says so (migration 0002, btree_gist); the services check first,
under the resource's row lock, to answer with the booking collided with. A pending occurrence
(awaiting approval) blocks nothing.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import ScopedModel, TimeStampedModel
from jiguan.core.scoping import ScopedManager


class OpenTo(models.TextChoices):
    UNITS = "units", _("指定单位（含下级）")
    ROLES = "roles", _("指定角色")
    ALL = "all", _("全部单位")


class Resource(ScopedModel):
    """A bookable thing of a unit (its manager: 管理单位), with the rules every booking of it obeys."""

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("管理单位"), on_delete=models.PROTECT,
                             related_name="resources")
    kind = models.CharField(_("资源类型"), max_length=40, editable=False, db_index=True)
    name = models.CharField(_("名称"), max_length=120)
    capacity = models.PositiveIntegerField(_("容纳人数"), null=True, blank=True)
    is_active = models.BooleanField(_("可预订"), default=True)
    open_from = models.TimeField(_("开放开始时间"), default=datetime.time(8, 0))
    open_until = models.TimeField(_("开放结束时间"), default=datetime.time(18, 0))
    open_weekdays = models.CharField(_("开放日"), max_length=7, default="12345",
                                     help_text=_("星期一至星期日为 1–7，例如 12345 为工作日"))
    buffer_before = models.PositiveSmallIntegerField(_("前置缓冲（分钟）"), default=0,
                                                     help_text=_("每场之前留出的准备时间"))
    buffer_after = models.PositiveSmallIntegerField(_("后置缓冲（分钟）"), default=0,
                                                    help_text=_("每场之后留出的整理时间"))
    min_notice = models.PositiveIntegerField(_("最少提前（分钟）"), default=0)
    max_advance = models.PositiveSmallIntegerField(_("最多提前（天）"), default=90)
    max_length = models.PositiveIntegerField(_("单次最长（分钟）"), default=480, help_text=_("0 为不限"))
    open_to = models.CharField(_("可预订范围"), max_length=8, choices=OpenTo.choices, default=OpenTo.UNITS)
    allowed_units = models.ManyToManyField("org.OrgUnit", verbose_name=_("可预订单位"), blank=True,
                                           related_name="bookable_resources",
                                           help_text=_("这些单位及其下级单位的人员可以预订"))
    allowed_roles = models.ManyToManyField("org.Role", verbose_name=_("可预订角色"), blank=True,
                                           related_name="bookable_resources",
                                           help_text=_("持有这些角色的人员可以预订"))
    requires_approval = models.BooleanField(_("预订须审批"), default=False)
    release_after = models.PositiveSmallIntegerField(
        _("未签到释放（分钟）"), default=15,
        help_text=_("开始后这么多分钟仍未签到，预订自动释放；0 为不需要签到"))

    class Meta:
        verbose_name = _("可预订资源")
        verbose_name_plural = _("可预订资源")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["kind", "is_active"], name="reservations_resource_kind")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.open_from is not None and self.open_until is not None and self.open_from >= self.open_until:
            errors["open_until"] = _("开放结束时间须晚于开始时间。")
        days = self.open_weekdays or ""
        if not days or any(c not in "1234567" for c in days) or len(set(days)) != len(days):
            errors["open_weekdays"] = _("开放日须为 1–7 的数字，例如 12345。")
        if errors:
            raise ValidationError(errors)

    def opens_on(self, day: datetime.date) -> bool:
        return str(day.isoweekday()) in (self.open_weekdays or "")

    def open_window(self, day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
        tz = timezone.get_current_timezone()
        return (datetime.datetime.combine(day, self.open_from, tzinfo=tz),
                datetime.datetime.combine(day, self.open_until, tzinfo=tz))


class Recurrence(models.TextChoices):
    ONCE = "once", _("单次")
    DAILY = "daily", _("每天")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")


class ReservationKind(models.TextChoices):
    BOOKING = "booking", _("预订")
    BLOCKING = "blocking", _("公务保障占用")


class ReservationState(models.TextChoices):
    PENDING = "pending", _("待审批")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("未通过")
    CANCELLED = "cancelled", _("已取消")


class Reservation(TimeStampedModel):
    """A series of bookings of one resource (预订): its pattern, who booked it and for whom. Each
    date is an ``Occurrence``; the series' state is the approval's (a booking that needs none is
    confirmed at once)."""

    scope_path = "resource__unit__path"

    resource = models.ForeignKey(Resource, verbose_name=_("资源"), on_delete=models.PROTECT,
                                 related_name="reservations")
    kind = models.CharField(_("类别"), max_length=10, choices=ReservationKind.choices,
                            default=ReservationKind.BOOKING)
    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("预订单位"), on_delete=models.PROTECT,
                             related_name="reservations")
    subject = models.CharField(_("事由"), max_length=120)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("预订人"), on_delete=models.PROTECT,
                                  related_name="reservations_made")
    booked_for = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("使用人"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="reservations_held",
                                   help_text=_("代他人（如领导）预订时填写"))
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    recurrence = models.CharField(_("重复"), max_length=8, choices=Recurrence.choices, default=Recurrence.ONCE)
    weekdays = models.CharField(_("每周的哪几天"), max_length=7, blank=True)
    first_date = models.DateField(_("开始日期"))
    until_date = models.DateField(_("结束日期"), null=True, blank=True)
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    state = models.CharField(_("状态"), max_length=10, choices=ReservationState.choices,
                             default=ReservationState.CONFIRMED)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    blocking = models.ForeignKey("Blocking", verbose_name=_("公务保障"), on_delete=models.CASCADE,
                                 null=True, blank=True, related_name="reservations")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("预订")
        verbose_name_plural = _("预订")
        ordering = ["-first_date", "-id"]
        indexes = [models.Index(fields=["booked_by", "first_date"], name="reservations_series_booker"),
                   models.Index(fields=["booked_for", "first_date"], name="reservations_series_holder"),
                   models.Index(fields=["state"], name="reservations_series_state")]

    def __str__(self) -> str:
        return f"{self.subject}（{self.resource}）"

    @property
    def holder(self):
        return self.booked_for or self.booked_by

    def get_absolute_url(self) -> str:
        """The booking's page in its module (the kind's ``booking_url``), e.g. from the approval page."""
        from .registry import get

        return get(self.resource.kind).call("booking_url", self) or ""


class OccurrenceState(models.TextChoices):
    PENDING = "pending", _("待审批")
    CONFIRMED = "confirmed", _("已确认")
    CANCELLED = "cancelled", _("已取消")
    REJECTED = "rejected", _("未通过")
    CHECKED_IN = "checked_in", _("已签到")
    NO_SHOW = "no_show", _("未签到释放")
    FINISHED = "finished", _("已结束")


# The states in which an occurrence holds its resource: no two may overlap (buffers included).
BLOCKING_STATES = (OccurrenceState.CONFIRMED, OccurrenceState.CHECKED_IN, OccurrenceState.FINISHED)
# The states that are still to happen or happening.
OPEN_STATES = (OccurrenceState.PENDING, OccurrenceState.CONFIRMED, OccurrenceState.CHECKED_IN)


class Occurrence(models.Model):
    """One date of a reservation (场次): its own times (an edit may move one), its state, its
    check-in. ``block_start``/``block_end`` are its times widened by the resource's buffers when it
    was written: the span no other blocking occurrence of the resource may touch."""

    scope_path = "resource__unit__path"

    reservation = models.ForeignKey(Reservation, verbose_name=_("预订"), on_delete=models.CASCADE,
                                    related_name="occurrences")
    resource = models.ForeignKey(Resource, verbose_name=_("资源"), on_delete=models.PROTECT,
                                 related_name="occurrences")
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    block_start = models.DateTimeField(_("占用开始"))
    block_end = models.DateTimeField(_("占用结束"))
    state = models.CharField(_("状态"), max_length=10, choices=OccurrenceState.choices,
                             default=OccurrenceState.CONFIRMED)
    state_reason = models.CharField(_("原因"), max_length=200, blank=True)
    is_exception = models.BooleanField(_("单独修改过"), default=False)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签到人"), on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")
    reminded_at = models.DateTimeField(_("已提醒"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("预订场次")
        verbose_name_plural = _("预订场次")
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["resource", "block_start", "block_end"], name="reservations_occ_span"),
                   models.Index(fields=["state", "start"], name="reservations_occ_state"),
                   models.Index(fields=["reservation", "start"], name="reservations_occ_series")]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="reservations_occ_positive",
                                              violation_error_message=_("结束时间须晚于开始时间。"))]

    def __str__(self) -> str:
        local = timezone.localtime
        return f"{self.resource} {local(self.start):%Y-%m-%d %H:%M}–{local(self.end):%H:%M}"

    @property
    def blocks(self) -> bool:
        return self.state in BLOCKING_STATES


class Blocking(ScopedModel):
    """An official event's hold on resources over a span (公务保障占用): the administrator's, it
    cancels the bookings it collides with (official business comes first) and blocks the span."""

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("保障单位"), on_delete=models.PROTECT,
                             related_name="resource_blockings")
    title = models.CharField(_("公务活动"), max_length=120)
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                   related_name="+")
    cancelled_count = models.PositiveIntegerField(_("取消的预订场次"), default=0)

    class Meta:
        verbose_name = _("公务保障占用")
        verbose_name_plural = _("公务保障占用")
        ordering = ["-start", "-id"]

    def __str__(self) -> str:
        return self.title


class WaitState(models.TextChoices):
    WAITING = "waiting", _("排队中")
    OFFERED = "offered", _("已通知可预订")
    CLOSED = "closed", _("已结束")


class WaitlistEntry(models.Model):
    """Someone waiting for a taken slot (候补): offered the slot when the booking there is cancelled
    or released."""

    scope_path = "resource__unit__path"

    resource = models.ForeignKey(Resource, verbose_name=_("资源"), on_delete=models.CASCADE,
                                 related_name="waitlist")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("候补人"), on_delete=models.CASCADE,
                             related_name="+")
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    subject = models.CharField(_("事由"), max_length=120, blank=True)
    state = models.CharField(_("状态"), max_length=8, choices=WaitState.choices, default=WaitState.WAITING)
    offered_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("候补")
        verbose_name_plural = _("候补")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["resource", "state", "start"], name="reservations_wait_slot")]

    def __str__(self) -> str:
        return f"{self.resource} {timezone.localtime(self.start):%Y-%m-%d %H:%M}（候补）"
