"""Columns of the meetings registers (the list page and its Excel export)."""

from django.utils.translation import gettext_lazy as _

from jiguan.core.tables import Column, Table


class CompoundTable(Table):
    columns = [
        Column("name", _("办公区名称"), link=True),
        Column("unit", _("管理单位")),
        Column("address", _("地址")),
        Column("service_phone", _("会务服务电话")),
        Column("note", _("备注"), html=False),
    ]


class BuildingTable(Table):
    columns = [
        Column("name", _("楼栋名称"), link=True),
        Column("compound", _("办公区")),
        Column("floors", _("地上层数")),
        Column("note", _("备注"), html=False),
    ]


class RoomTable(Table):
    columns = [
        Column("name", _("名称"), link=True, sort="name"),
        Column("compound", _("办公区")),
        Column("place", _("位置")),
        Column("usage", _("用途")),
        Column("capacity", _("容纳人数"), sort="capacity"),
        Column("equipment_text", _("设备")),
        Column("requires_approval", _("须审批")),
        Column("is_active", _("可预订")),
        Column("unit", _("管理单位"), default=False),
    ]
