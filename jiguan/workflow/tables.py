from django.utils.translation import gettext_lazy as _

from jiguan.core.tables import Column, Table


class RequestTable(Table):
    columns = [
        Column("title", _("标题"), link=True),
        Column("business_type_label", _("业务类型")),
        Column("applicant", _("申请人")),
        Column("business_unit", _("业务单位")),
        Column("applicant_unit", _("申请人单位")),
        Column("status", _("状态")),
        Column("current_step.name", _("当前步骤")),
        Column("approver_unit", _("当前审批单位")),
        Column("submitted_at", _("提交时间")),
        Column("decided_at", _("办结时间")),
    ]


class FlowTable(Table):
    columns = [
        Column("name", _("流程名称"), link=True),
        Column("business_type_label", _("业务类型")),
        Column("unit", _("适用范围")),
        Column("is_active", _("启用")),
        Column("updated_at", _("更新时间")),
    ]
