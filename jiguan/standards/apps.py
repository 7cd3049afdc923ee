from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

VIEW_STANDARDS = {"standards.view_standardtable", "standards.view_standardentry"}
VIEW_REQUESTS = {"standards.view_standardchangerequest"}
BUSINESS_TYPE = "standards.change"  # the approval-flow business type of a change request


class StandardsConfig(AppConfig):
    name = "jiguan.standards"
    label = "standards"
    verbose_name = _("数据标准")

    def ready(self):
        from jiguan.core import menu
        from jiguan.org import roles
        from jiguan.org.models import Duty
        from jiguan.workflow import registry

        # Everyone with a business role reads the standards; the system administrator configures
        # them (proposes changes); the approval flow "数据标准变更审批" decides, by default through the
        # business role 标准审核人 (separation of duties: the system administrator never approves, and
        # the engine never lets anyone approve their own request).
        roles.contribute("system_admin", VIEW_STANDARDS | VIEW_REQUESTS | {
            "standards.add_standardtable", "standards.change_standardtable",
            "standards.add_standardchangerequest"})
        roles.contribute("asset_manager", VIEW_STANDARDS)
        roles.contribute("staff", VIEW_STANDARDS)
        roles.register(
            "standards_approver", _("标准审核人"), Duty.BUSINESS,
            _("在“数据标准变更审批”流程中审核代码表、配置标准、折旧年限等的变更申请；不能审核本人提出的申请。"),
            VIEW_STANDARDS | VIEW_REQUESTS)

        # A change request is a business type of the approval-flow engine: submitting starts an
        # approval request, and the engine reports the outcome to change_request_outcome.
        registry.register(registry.BusinessType(
            code=BUSINESS_TYPE, label=_("数据标准变更"), model="standards.StandardChangeRequest",
            on_outcome="jiguan.standards.services.change_request_outcome", fields={}))

        menu.register("standards", _("数据标准"), "journal-bookmark", [
            menu.MenuItem(_("标准目录"), "standards:table_list", "standards.view_standardtable", "table"),
            menu.MenuItem(_("变更申请"), "standards:request_list", "standards.view_standardchangerequest",
                          "pencil-square"),
        ], order=700)
