from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "jiguan.notifications"
    label = "notifications"
    verbose_name = _("消息通知")

    def ready(self):
        from jiguan.core import dashboard, menu
        from jiguan.org import roles
        from jiguan.org.models import Duty

        # 通知公告: a unit's publisher (公告发布员) writes to everyone in the unit and below; all read.
        roles.register("announcer", _("公告发布员"), Duty.BUSINESS, _("以本单位名义发布和撤回通知公告。"),
                       {"notifications.add_announcement", "notifications.view_announcement"})
        menu.register("notices", _("通知公告"), "megaphone", [
            menu.MenuItem(_("通知公告"), "notifications:announcement_list", None, "megaphone"),
            menu.MenuItem(_("发布公告"), "notifications:announcement_create", "notifications.add_announcement",
                          "pencil-square"),
        ], order=5)
        dashboard.register(dashboard.Widget(
            key="notifications.announcements", label=_("通知公告"), kind=dashboard.PANEL, permission=None,
            provider="jiguan.notifications.widgets.announcements_panel",
            template="notifications/_home_announcements.html", order=30, icon="megaphone",
            url_name="notifications:announcement_list"))
