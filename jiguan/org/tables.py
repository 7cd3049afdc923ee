from django.utils.translation import gettext_lazy as _

from jiguan.core.tables import Column, Table


class OrgUnitTable(Table):
    columns = [
        Column("name", _("名称"), link=True),
        Column("short_name", _("简称")),
        Column("kind", _("类型")),
        Column("parent", _("上级单位")),
        Column("region_code", _("行政区划代码")),
        Column("credit_code", _("统一社会信用代码")),
        Column("sort_order", _("排序"), html=False),
        Column("is_active", _("启用")),
    ]


class UserTable(Table):
    columns = [
        Column("username", _("用户名"), link=True),
        Column("full_name", _("姓名")),
        Column("unit", _("所属单位")),
        Column("phone", _("手机号")),
        Column("is_active", _("启用")),
        Column("is_locked", _("已锁定")),
        Column("last_login", _("最近登录")),
    ]


class RoleTable(Table):
    columns = [
        Column("name", _("名称"), link=True),
        Column("code", _("编码")),
        Column("duty", _("职责类别")),
        Column("description", _("说明")),
        Column("is_builtin", _("内置")),
    ]


class RoleAssignmentTable(Table):
    row_actions_template = "org/_assignment_row_actions.html"
    columns = [
        Column("user", _("用户")),
        Column("user.username", _("用户名")),
        Column("role", _("角色")),
        Column("unit", _("管理范围单位")),
        Column("scope_label", _("范围")),
        Column("granted_by", _("授权人")),
        Column("created_at", _("授权时间")),
    ]
