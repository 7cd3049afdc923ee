from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "jiguan.audit"
    label = "audit"
    verbose_name = _("审计")

    def ready(self):
        from jiguan.core import menu

        menu.register("audit", _("安全审计"), "shield-check", [
            menu.MenuItem(_("审计日志"), "audit:event_list", "audit.view_auditevent", "journal-text"),
        ], order=900)
