from django.utils.translation import gettext_lazy as _

from jiguan.core.tables import Column, Table


class SealTable(Table):
    columns = [
        Column("name", _("印章名称"), link=True),
        Column("kind", _("印章类型")),
        Column("unit", _("所属单位")),
        Column("keeper", _("保管人")),
        Column("status", _("状态")),
        Column("note", _("备注"), html=False),
    ]
