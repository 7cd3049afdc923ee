from django.utils.translation import gettext_lazy as _

from jiguan.core.tables import Column, Table


class AuditEventTable(Table):
    columns = [
        Column("id", _("序号"), link=True),
        Column("occurred_at", _("时间")),
        Column("actor_username", _("操作人"), accessor="actor_label"),
        Column("org", _("单位")),
        Column("action", _("操作")),
        Column("object_type", _("对象类型"), accessor="object_type_label"),
        Column("object_repr", _("对象")),
        Column("success", _("成功")),
        Column("ip", _("IP 地址")),
        Column("message", _("说明")),
        Column("request_id", _("请求编号"), html=False),
        Column("hash", _("摘要 (SM3)"), html=False),
    ]
