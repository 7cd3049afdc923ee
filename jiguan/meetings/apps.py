from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "jiguan.meetings"
    label = "meetings"
    verbose_name = _("会议室")

    def ready(self):
        from jiguan.core import dashboard, menu, selfservice
        from jiguan.org import roles
        from jiguan.org.models import Duty
        from jiguan.reservations import registry as kinds

        kinds.register(kinds.Kind(
            code="meetings.room", label=_("会议室"), model="meetings.Room",
            manage_permission="meetings.change_room", view_permission="meetings.view_room", business_type="meetings.room_booking",
            booking_url="jiguan.meetings.services.booking_url",
            on_closed="jiguan.meetings.services.occurrences_closed",
            alternatives="jiguan.meetings.selectors.alternatives",
            resource_url="jiguan.meetings.services.room_book_url", on_confirmed="jiguan.meetings.services.approved",
            on_split="jiguan.meetings.services.split"))

        rooms = {f"meetings.{a}_{m}" for a in ("view", "add", "change") for m in ("compound", "building", "room")}
        roles.register("meeting_admin", _("会议室管理员"), Duty.BUSINESS,
                       _("管理本单位办公区的楼栋和会议室、预订规则和公务保障占用，查看全部预订和使用统计。"),
                       rooms | {"meetings.import_room", "meetings.report_room", "meetings.view_servicerequest",
                                "meetings.change_servicerequest", "reservations.view_reservation",
                                "reservations.add_blocking", "reservations.change_blocking",
                                "reservations.view_blocking", "org.view_orgunit"})
        roles.register("meeting_service", _("会务服务员"), Duty.BUSINESS,
                       _("接收并完成本单位办公区会议的茶水、投影、横幅、桌牌等服务请求。"),
                       {"meetings.view_room", "meetings.view_compound", "meetings.view_servicerequest",
                        "meetings.change_servicerequest"})
        roles.register("meeting_approver", _("会议室审批人"), Duty.BUSINESS,
                       _("审批本单位办公区须审批的会议室预订。"), {"meetings.view_room", "meetings.view_compound"})

        menu.register("meetings", _("会议室"), "calendar-week", [
            # Everyone's: finding and booking a room, one's own bookings, the calendars (the rooms
            # shown are those the user may book: reservations.services.resources_for).
            menu.MenuItem(_("预订会议室"), "meetings:find", None, "search"),
            menu.MenuItem(_("我的预订"), "meetings:mine", None, "calendar-check"),
            menu.MenuItem(_("会议室日历"), "meetings:calendar", None, "calendar3"),
            menu.MenuItem(_("会务服务"), "meetings:services", "meetings.change_servicerequest", "cup-hot"),
            menu.MenuItem(_("公务保障占用"), "meetings:blocking_list", "reservations.view_blocking", "shield-lock"),
            menu.MenuItem(_("使用统计"), "meetings:stats", "meetings.report_room", "bar-chart"),
        ], order=300)

        # 首页工作台: my next meetings, with check-in (jiguan.meetings.widgets).
        dashboard.register(dashboard.Widget(
            key="meetings.mine", label=_("我的会议"), kind=dashboard.PANEL, permission=None,
            provider="jiguan.meetings.widgets.my_meetings_panel", template="meetings/_home_meetings.html",
            order=20, icon="calendar-check", url_name="meetings:mine"))

        from . import registers  # noqa: F401 - the compound, building and room registers (after the menu above)

        selfservice.register(selfservice.Service(
            key="meetings.book", label=_("预订会议室"), url_name="meetings:find", icon="calendar-plus",
            hint=_("按时间、人数和设备找空闲会议室"), order=200))
