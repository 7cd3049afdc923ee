from django.utils.translation import gettext_lazy as _

from jiguan.core.tables import Column, Table


class KeyTable(Table):
    columns = [
        Column("code", _("钥匙编号"), link=True),
        Column("room", _("房间或位置")),
        Column("kind", _("类型")),
        Column("unit", _("所属单位")),
        Column("copies", _("把数")),
        Column("holder", _("保管人")),
        Column("holder_phone", _("保管人电话"), html=False),
        Column("status", _("状态")),
        Column("note", _("备注"), html=False),
    ]


class KeyHandoverTable(Table):
    columns = [
        Column("number", _("移交单号"), link=True),
        Column("unit", _("所属单位")),
        Column("to_holder", _("接收人")),
        Column("key_count", _("钥匙数")),
        Column("status", _("状态")),
        Column("reason", _("移交原因"), html=False),
        Column("requested_by", _("申请人")),
        Column("created_at", _("申请时间")),
    ]
