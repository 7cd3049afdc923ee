from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "jiguan.workflow"
    label = "workflow"
    verbose_name = _("审批流")

    def ready(self):
        from jiguan.core import menu
        from jiguan.notifications import digest
        from jiguan.org import roles
        from jiguan.org.models import Duty

        # 每日汇总: each user's approvals waiting (jiguan.workflow.reminders).
        digest.register("workflow.pending", "jiguan.workflow.reminders.pending_section", order=10)

        # 首页工作台: my to-dos, each approvable on the home page (jiguan.workflow.widgets).
        from jiguan.core import dashboard

        dashboard.register(dashboard.Widget(
            key="workflow.todo", label=_("我的待办"), kind=dashboard.PANEL, permission=None,
            provider="jiguan.workflow.widgets.todo_panel", template="workflow/_home_todo.html", order=10,
            icon="inbox", url_name="workflow:todo"))

        menu.register("workflow", _("审批"), "check2-square", [
            menu.MenuItem(_("我的待办"), "workflow:todo", None, "inbox", badge="jiguan.workflow.selectors.todo_count",
                          when="jiguan.workflow.selectors.takes_part"),
            menu.MenuItem(_("我的申请"), "workflow:mine", None, "send", when="jiguan.workflow.selectors.has_applied"),
            menu.MenuItem(_("审批查询"), "workflow:request_list", "workflow.view_approvalrequest", "search"),
            menu.MenuItem(_("审批流程配置"), "workflow:flow_list", "workflow.view_flow", "diagram-2"),
        ], order=10)
        roles.contribute("system_admin", {"workflow.view_flow", "workflow.add_flow", "workflow.change_flow",
                                          "workflow.view_flowstep", "workflow.add_flowstep",
                                          "workflow.change_flowstep", "workflow.delete_flowstep"})
        view = {"workflow.view_approvalrequest", "org.view_orgunit"}
        roles.register("unit_leader", _("单位负责人"), Duty.BUSINESS, _("审批本单位提出的申请。"), view)
        roles.register("offices_approver", _("机关事务审批人"), Duty.BUSINESS,
                       _("机关事务管理部门的审批人，审批辖区内单位的申请。"), view)
        roles.register("finance_approver", _("财政审核人"), Duty.BUSINESS,
                       _("财政部门的审核人，审核达到金额标准的申请。"), view)
