from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, using="default", **kwargs):
    if sender.name != "jiguan.org":
        return
    from .roles import sync_builtin_roles

    sync_builtin_roles(using=using)


def _start_idle_clock(sender, request, user, **kwargs):
    from .middleware import start_idle_clock

    start_idle_clock(request)


class OrgConfig(AppConfig):
    name = "jiguan.org"
    label = "org"
    verbose_name = _("组织与权限")

    def ready(self):
        from jiguan.core import menu

        menu.register("org", _("组织与权限"), "diagram-3", [
            menu.MenuItem(_("组织机构"), "org:unit_tree", "org.view_orgunit", "diagram-3"),
            menu.MenuItem(_("用户"), "org:user_list", "org.view_user", "people"),
            menu.MenuItem(_("角色"), "org:role_list", "org.view_role", "person-badge"),
            menu.MenuItem(_("角色授权"), "org:assignment_list", "org.view_roleassignment", "key"),
            menu.MenuItem(_("安全策略"), "org:security_settings", "org.view_role", "shield-lock"),
        ], order=800)
        # The unit importer on the kernel's import page and API (/imports/org.orgunit/, jobs for large files).
        from jiguan.core import imports

        from .imports import UnitImporter

        imports.register_importer("org.orgunit", UnitImporter, permission="org.import_orgunit",
                                  list_url_name="org:unit_tree", success_message=_("已成功导入 %(count)d 个单位。"))
        post_migrate.connect(_sync_roles, dispatch_uid="jiguan.org.sync_roles")
        user_logged_in.connect(_start_idle_clock, dispatch_uid="jiguan.org.start_idle_clock")
