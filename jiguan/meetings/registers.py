"""The registers of meetings: compounds (集中办公区), buildings (楼栋) and rooms (会议室, with their
booking rules). Their pages, API, menu entries, attachments (a room's photos), history and search
come from these declarations (``jiguan.core.registers``)."""

from django.utils.translation import gettext_lazy as _

from jiguan.core import registers

from . import filters, forms, tables
from .api import serializers
from .models import Building, Compound, Room

SECTION = "meetings"

compounds = registers.register(registers.Register(
    Compound,
    filterset=filters.CompoundFilter,
    table=tables.CompoundTable(),
    form=forms.CompoundForm,
    serializer=serializers.CompoundSerializer,
    menu=registers.MenuEntry(SECTION, _("集中办公区"), "buildings", order=300),
    url_prefix="compounds/",
    api_prefix="meetings/compounds",
    history=True,
    search_fields=["name", "address"],
    ordering=["name", "id"],
    select_related=["unit"],
    prefetch_related=["resident_units"],
    detail_fields=["unit", "name", "address", "resident_units", "service_phone", "note", "created_at", "updated_at"],
    create_message=_("办公区已登记。"),
    update_message=_("办公区信息已保存。"),
))

buildings = registers.register(registers.Register(
    Building,
    filterset=filters.BuildingFilter,
    table=tables.BuildingTable(),
    form=forms.BuildingForm,
    serializer=serializers.BuildingSerializer,
    menu=registers.MenuEntry(SECTION, _("楼栋"), "building", order=300),
    url_prefix="buildings/",
    api_prefix="meetings/buildings",
    history=True,
    search_fields=["name"],
    ordering=["compound__name", "name", "id"],
    select_related=["compound__unit"],
    create_message=_("楼栋已登记。"),
    update_message=_("楼栋信息已保存。"),
))

rooms = registers.register(registers.Register(
    Room,
    filterset=filters.RoomFilter,
    table=tables.RoomTable(),
    form=forms.RoomForm,
    serializer=serializers.RoomSerializer,
    menu=registers.MenuEntry(SECTION, _("会议室管理"), "door-open", order=300),
    url_prefix="rooms/",
    api_prefix="meetings/rooms",
    attachments=True,
    history=True,
    search_fields=["name", "number"],
    ordering=["compound__name", "name", "resource_ptr_id"],
    select_related=["compound", "building", "unit"],
    prefetch_related=["allowed_units", "allowed_roles"],
    detail_fields=["unit", "compound", "building", "name", "floor", "number", "usage", "capacity", "area",
                   "equipment", "layouts", "description", "is_active", "open_from", "open_until",
                   "open_weekdays", "buffer_before", "buffer_after", "min_notice", "max_advance", "max_length",
                   "release_after", "requires_approval", "open_to", "allowed_units", "allowed_roles",
                   "created_at", "updated_at"],
    create_message=_("会议室已登记。"),
    update_message=_("会议室信息已保存。"),
))
