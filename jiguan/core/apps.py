from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jiguan.core"
    label = "core"
    verbose_name = _("平台框架")

    def ready(self):
        from jiguan.org import roles

        from . import (
            jobs,  # noqa: F401 - registers the kernel's Celery tasks (core.import_run)
            menu,
        )
        from .events import PERMISSIONS as EVENT_PERMISSIONS
        from .events import tasks  # noqa: F401 - registers the events' Celery tasks (deliver, sweep)

        # Events for other systems (事件推送): configured by the system administrator only (三员分立).
        menu.register("org", _("组织与权限"), "diagram-3", [
            menu.MenuItem(_("事件订阅"), "events:subscriber_list", "core.view_eventsubscriber", "broadcast"),
        ], order=800)
        roles.contribute("system_admin", set(EVENT_PERMISSIONS))

        # 我的服务 on the home page: the self-service the modules declare (jiguan.core.selfservice).
        from . import dashboard

        dashboard.register(dashboard.Widget(
            key="core.services", label=_("我的服务"), kind=dashboard.PANEL, permission=None,
            provider="jiguan.core.selfservice.panel", template="core/_home_services.html", order=20,
            icon="grid-3x3-gap"))
