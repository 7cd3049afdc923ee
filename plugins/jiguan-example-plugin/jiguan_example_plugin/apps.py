from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamplePluginConfig(AppConfig):
    """The plug-in's app. Jiguan mounts its ``urls`` under ``p/example-plugin/`` (set
    ``jiguan_url_prefix`` for another) and its ``api.urls`` under ``/api/v1/``."""

    name = "jiguan_example_plugin"
    label = "example_plugin"
    verbose_name = _("插件示例")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from jiguan.core import dashboard, menu
        from jiguan.org import roles
        from jiguan.org.models import Duty

        from . import registers  # noqa: F401 - declares the register (pages, API, menu, search, tile, business type)

        # A built-in role of its own (synced after every migrate) and a permission for an existing one.
        roles.register("seal_keeper", _("印章管理员"), Duty.BUSINESS, _("管理本单位（及下级单位）的印章。"),
                       {"example_plugin.view_seal", "example_plugin.add_seal", "example_plugin.change_seal",
                        "org.view_orgunit"})
        roles.contribute("unit_leader", {"example_plugin.view_seal"})

        # A page of its own in the register's menu section, and a home-page widget.
        menu.register(registers.SECTION, _("印章管理"), "patch-check", [
            menu.MenuItem(_("印章概览"), "example_plugin:overview", "example_plugin.view_seal", "bar-chart"),
        ], order=registers.ORDER)
        dashboard.register(dashboard.Widget(
            key="example_plugin.seals_in_use", label=_("在用印章"), permission="example_plugin.view_seal",
            provider="jiguan_example_plugin.widgets.in_use", order=registers.ORDER, icon="patch-check",
            url_name="example_plugin:seal_list"))
