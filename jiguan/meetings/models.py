"""Meeting rooms and shared facilities (会议室与共享设施) of office compounds (集中办公区).

A compound is run by a unit (its 管理单位, usually the offices administration) and houses agencies
(入驻单位); its buildings hold rooms. A **room** is a bookable resource of the reservation engine
(``Room`` derives from ``reservations.Resource``: opening hours, buffers, who may book, approval),
and, beside meeting rooms, the same register holds the compound's other shared facilities (training
rooms, print rooms, reception rooms, shared equipment), told apart by ``usage``.

Office space (办公用房, issue 21) owns buildings and rooms as physical space. This register is
shaped so that those become the same rows: ``Building`` and the room's place (``building``,
``floor``, ``number``, ``area``) are the fields office space needs, and its room register takes
them over (the office-space room gains the booking fields by being this model, or this model gains
a one-to-one to it) without a second list of rooms to keep in step.

A booking of a room is a reservation of the engine with its meeting's details (``Meeting``:
attendees, guests, layout) and, per occurrence, the service requests (``ServiceRequest``: tea,
projector, banner, name cards) that the compound's service staff accept and complete.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiguan.core.models import ScopedModel, TimeStampedModel
from jiguan.core.scoping import ScopedManager
from jiguan.reservations.models import Resource

ROOM_KIND = "meetings.room"


class Compound(ScopedModel):
    """A central office compound (集中办公区) run by a unit, shared by the agencies housed in it."""

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("管理单位"), on_delete=models.PROTECT,
                             related_name="compounds")
    name = models.CharField(_("办公区名称"), max_length=80)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    resident_units = models.ManyToManyField("org.OrgUnit", verbose_name=_("入驻单位"), blank=True,
                                            related_name="resident_compounds",
                                            help_text=_("入驻单位及其下级单位的人员可以预订本办公区的共享会议室"))
    service_phone = models.CharField(_("会务服务电话"), max_length=20, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("集中办公区")
        verbose_name_plural = _("集中办公区")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="meetings_compound_name",
                                               violation_error_message=_("本单位已有同名的办公区。"))]
        permissions = [("report_room", _("可以查看会议室使用统计"))]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("meetings:compound_detail", args=[self.pk])


class Building(ScopedModel):
    """A building of a compound (楼栋)."""

    scope_path = "compound__unit__path"

    compound = models.ForeignKey(Compound, verbose_name=_("办公区"), on_delete=models.PROTECT,
                                 related_name="buildings")
    name = models.CharField(_("楼栋名称"), max_length=60)
    floors = models.PositiveSmallIntegerField(_("地上层数"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["compound__name", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["compound", "name"], name="meetings_building_name",
                                               violation_error_message=_("该办公区已有同名的楼栋。"))]

    def __str__(self) -> str:
        return f"{self.compound.name} {self.name}" if self.compound_id else self.name

    def get_absolute_url(self) -> str:
        return reverse("meetings:building_detail", args=[self.pk])


class RoomUsage(models.TextChoices):
    MEETING = "meeting", _("会议室")
    TRAINING = "training", _("培训室")
    RECEPTION = "reception", _("接待室")
    PRINT = "print", _("文印室")
    EQUIPMENT = "equipment", _("共享设备")
    OTHER = "other", _("其他")


class Equipment(models.TextChoices):
    PROJECTOR = "projector", _("投影仪")
    SCREEN = "screen", _("显示大屏")
    VIDEO = "video", _("视频会议")
    AUDIO = "audio", _("话筒音响")
    WHITEBOARD = "whiteboard", _("白板")
    COMPUTER = "computer", _("电脑")
    PRINTER = "printer", _("打印复印")
    INTERPRETING = "interpreting", _("同声传译")
    RECORDING = "recording", _("录音录像")


class Layout(models.TextChoices):
    BOARDROOM = "boardroom", _("会议桌式")
    THEATRE = "theatre", _("剧院式")
    CLASSROOM = "classroom", _("课桌式")
    U_SHAPE = "u_shape", _("U 形")
    ROUND = "round", _("圆桌式")


def codes(value: str) -> list[str]:
    """",projector,screen," -> ["projector", "screen"] (how a room stores its equipment and layouts:
    wrapped in commas, so ``equipment__contains=",projector,"`` finds a code on every database)."""
    return [c for c in (value or "").split(",") if c]


def wrap(items) -> str:
    items = [str(i) for i in items if i]
    return f",{','.join(items)}," if items else ""


class Room(Resource):
    """A bookable room or shared facility of a compound. Its ``unit`` is the compound's managing
    unit; its booking rules are the resource's fields (opening hours, buffers, notice, who may book,
    approval, check-in)."""

    compound = models.ForeignKey(Compound, verbose_name=_("办公区"), on_delete=models.PROTECT, related_name="rooms")
    building = models.ForeignKey(Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="rooms",
                                 null=True, blank=True)
    floor = models.CharField(_("楼层"), max_length=10, blank=True)
    number = models.CharField(_("房间号"), max_length=20, blank=True)
    usage = models.CharField(_("用途"), max_length=10, choices=RoomUsage.choices, default=RoomUsage.MEETING)
    equipment = models.CharField(_("设备"), max_length=200, blank=True)
    layouts = models.CharField(_("可选布局"), max_length=100, blank=True)
    area = models.DecimalField(_("使用面积（㎡）"), max_digits=8, decimal_places=2, null=True, blank=True)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("会议室")
        verbose_name_plural = _("会议室")
        ordering = ["compound__name", "name", "resource_ptr_id"]
        indexes = [models.Index(fields=["compound", "usage"], name="meetings_room_compound")]
        permissions = [("import_room", _("可以导入会议室"))]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.__dict__.get("kind", ROOM_KIND):  # a deferred kind (only()) is left unread
            self.kind = ROOM_KIND

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("meetings:room_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.compound_id and self.unit_id and self.compound.unit_id != self.unit_id:
            errors["unit"] = _("会议室的管理单位须为其办公区的管理单位。")
        if self.building_id and self.compound_id and self.building.compound_id != self.compound_id:
            errors["building"] = _("所选楼栋不在该办公区。")
        bad = [c for c in codes(self.equipment) if c not in Equipment.values]
        if bad:
            errors["equipment"] = _("设备代码无效：%(codes)s") % {"codes": "、".join(bad)}
        bad = [c for c in codes(self.layouts) if c not in Layout.values]
        if bad:
            errors["layouts"] = _("布局代码无效：%(codes)s") % {"codes": "、".join(bad)}
        if errors:
            raise ValidationError(errors)

    @property
    def equipment_list(self) -> list[str]:
        return codes(self.equipment)

    @property
    def equipment_labels(self) -> list[str]:
        return [str(Equipment(c).label) for c in codes(self.equipment) if c in Equipment.values]

    # What the register's detail page shows for the coded fields (it reads get_<field>_display).
    def get_equipment_display(self) -> str:
        return "、".join(self.equipment_labels)

    def get_layouts_display(self) -> str:
        return "、".join(self.layout_labels)

    def get_open_weekdays_display(self) -> str:
        names = dict(zip("1234567", "一二三四五六日", strict=True))
        return "、".join(f"星期{names[d]}" for d in sorted(self.open_weekdays or "") if d in names)

    @property
    def equipment_text(self) -> str:
        return "、".join(self.equipment_labels)

    @property
    def layout_labels(self) -> list[str]:
        return [str(Layout(c).label) for c in codes(self.layouts) if c in Layout.values]

    @property
    def place(self) -> str:
        parts = [self.building.name if self.building_id else "", f"{self.floor}层" if self.floor else "", self.number]
        return " ".join(p for p in parts if p)


class Meeting(TimeStampedModel):
    """A room booking's meeting (会议): who attends and how the room is set. One per reservation."""

    scope_path = "reservation__resource__unit__path"

    reservation = models.OneToOneField("reservations.Reservation", verbose_name=_("预订"), on_delete=models.CASCADE,
                                       primary_key=True, related_name="meeting")
    guest_count = models.PositiveIntegerField(_("参会人数"), default=0)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("参会人员"), blank=True,
                                       related_name="meetings_attending")
    layout = models.CharField(_("布局"), max_length=10, choices=Layout.choices, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")

    def __str__(self) -> str:
        return str(self.reservation)


class ServiceKind(models.TextChoices):
    TEA = "tea", _("茶水")
    PROJECTOR = "projector", _("投影调试")
    BANNER = "banner", _("横幅")
    NAME_CARDS = "name_cards", _("桌牌")
    AUDIO = "audio", _("音响话筒")
    OTHER = "other", _("其他")


class ServiceState(models.TextChoices):
    REQUESTED = "requested", _("待接单")
    ACCEPTED = "accepted", _("已接单")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class ServiceRequest(models.Model):
    """A service asked for one occurrence of a meeting (会务服务): the compound's service staff
    accept and complete it."""

    scope_path = "occurrence__resource__unit__path"

    occurrence = models.ForeignKey("reservations.Occurrence", verbose_name=_("场次"), on_delete=models.CASCADE,
                                   related_name="service_requests")
    kind = models.CharField(_("服务项目"), max_length=12, choices=ServiceKind.choices)
    note = models.CharField(_("要求"), max_length=200, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=ServiceState.choices, default=ServiceState.REQUESTED)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接单人"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("完成人"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="+")
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("会务服务")
        verbose_name_plural = _("会务服务")
        ordering = ["occurrence__start", "id"]
        indexes = [models.Index(fields=["state", "occurrence"], name="meetings_service_state")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.occurrence}）"
