"""Demo data of meetings: the Fuzhou administrative service centre (福州市行政服务中心), run by the
city's offices administration and shared by the city's agencies, with its buildings, rooms and
facilities, and a few bookings of this week and the next by the demo staff."""

from __future__ import annotations

import datetime

from django.utils import timezone

from jiguan.core.context import acting_as
from jiguan.org.models import OrgKind, OrgUnit, Role, User
from jiguan.workflow.models import ApproverRelation, Flow, FlowStep

from . import services
from .models import Building, Compound, Room, RoomUsage
from .registers import buildings, compounds, rooms

COMPOUND = "福州市行政服务中心"
ROOMS = [
    # name, building, floor, number, usage, capacity, equipment, layouts, needs approval
    ("第一会议室", "A座", "3", "301", RoomUsage.MEETING, 20, ",projector,audio,", ",boardroom,u_shape,", False),
    ("第二会议室", "A座", "3", "305", RoomUsage.MEETING, 14, ",projector,screen,", ",boardroom,", False),
    ("小洽谈室", "A座", "2", "208", RoomUsage.RECEPTION, 6, ",screen,", ",round,", False),
    ("视频会商室", "B座", "5", "501", RoomUsage.MEETING, 30, ",video,screen,audio,recording,", ",boardroom,", False),
    ("多功能报告厅", "B座", "1", "101", RoomUsage.MEETING, 200, ",projector,screen,audio,interpreting,recording,",
     ",theatre,classroom,", True),
    ("培训教室", "B座", "4", "402", RoomUsage.TRAINING, 60, ",projector,computer,audio,", ",classroom,", False),
    ("集中文印室", "A座", "1", "112", RoomUsage.PRINT, 4, ",printer,computer,", "", False),
]


def flows_ensure(province: OrgUnit) -> None:
    """会议室预订审批: one step, the room's managing unit's 会议室审批人 (for rooms that need approval)."""
    if Flow.objects.filter(business_type="meetings.room_booking", unit=province).exists():
        return
    flow = Flow.objects.create(business_type="meetings.room_booking", name="会议室预订审批", unit=province)
    FlowStep.objects.create(flow=flow, order=1, name="会议室管理单位审批",
                            approver_role=Role.objects.get(code="meeting_approver"),
                            relation=ApproverRelation.SAME_UNIT)


def _next(weekday: int) -> datetime.date:
    day = timezone.localdate()
    while day.weekday() != weekday or day <= timezone.localdate():
        day += datetime.timedelta(days=1)
    return day


def load(out) -> None:
    province = OrgUnit.objects.filter(parent=None).first()
    manager = OrgUnit.objects.filter(name="福州市机关事务管理局").first()
    admin = User.objects.filter(username="fz_rooms").first()
    if province is None or manager is None or admin is None:
        return
    flows_ensure(province)
    if Compound.objects.filter(name=COMPOUND).exists():
        out.write(f"  meetings: {Room.objects.count()} rooms (kept)")
        return
    city = manager.parent
    residents = list(OrgUnit.objects.filter(parent=city, is_active=True).exclude(kind=OrgKind.DEPARTMENT)
                     .exclude(kind=OrgKind.COUNTY).order_by("sort_order", "pk"))
    with acting_as(admin, channel="command"):
        compound = compounds.create(Compound(unit=manager, name=COMPOUND, address="福州市鼓楼区乌山路 96 号",
                                             service_phone="0591-87000000"), actor=admin,
                                    m2m={"resident_units": residents})
        blocks = {name: buildings.create(Building(compound=compound, name=name, floors=floors), actor=admin)
                  for name, floors in (("A座", 12), ("B座", 6))}
        made = {}
        for name, block, floor, number, usage, capacity, equipment, layouts, approval in ROOMS:
            made[name] = rooms.create(Room(
                unit=manager, compound=compound, building=blocks[block], name=name, floor=floor, number=number,
                usage=usage, capacity=capacity, equipment=equipment, layouts=layouts, requires_approval=approval,
                release_after=15 if usage == RoomUsage.MEETING else 0), actor=admin,
                m2m={"allowed_units": [*residents, manager]})
    staff = User.objects.filter(username="staff").first()
    leader = User.objects.filter(username="fzedu_leader").first()
    tz = timezone.get_current_timezone()

    def at(day, h, m=0):
        return datetime.datetime.combine(day, datetime.time(h, m), tzinfo=tz)

    bookings = 0
    if staff is not None:
        with acting_as(staff, channel="command"):
            tuesday, thursday = _next(1), _next(3)
            services.book_room(room=made["第一会议室"], actor=staff, subject="教育局周例会", start=at(tuesday, 9),
                               end=at(tuesday, 10, 30), recurrence="weekly", weekdays="2",
                               until=tuesday + datetime.timedelta(days=21), guest_count=12, layout="boardroom",
                               booked_for=leader, services=[("tea", "12 杯")])
            services.book_room(room=made["第二会议室"], actor=staff, subject="招生工作协调会", start=at(thursday, 14),
                               end=at(thursday, 16), guest_count=10, services=[("name_cards", "10 个桌牌")])
            services.book_room(room=made["视频会商室"], actor=staff, subject="全省教育视频会议（福州分会场）",
                               start=at(thursday, 9), end=at(thursday, 11), guest_count=25,
                               services=[("tea", ""), ("projector", "提前 30 分钟调试")])
            bookings = 3
    out.write(f"  meetings: {COMPOUND}, {len(made)} rooms, {bookings} bookings")
