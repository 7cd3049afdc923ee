"""The plug-in's declarations, exactly as a built-in module makes them (``jiguan.core.registers``,
``jiguan.workflow.registry``): the seal register gives the list, detail, create and edit pages, the
API, the menu entry, the search provider and a home-page tile."""

from django.utils.translation import gettext_lazy as _

from jiguan.core import registers
from jiguan.workflow import registry as business_types

from . import filters, forms, services, tables
from .api import serializers
from .models import Seal

SECTION = "example_plugin"
ORDER = 950

seals = registers.register(registers.Register(
    Seal,
    filterset=filters.SealFilter,
    table=tables.SealTable(),
    form=forms.SealForm,
    serializer=serializers.SealSerializer,
    menu=registers.MenuEntry(SECTION, _("印章"), "patch-check", section_label=_("印章管理"),
                             section_icon="patch-check", order=ORDER),
    url_prefix="seals/",
    api_prefix="example-plugin/seals",
    attachments=True,
    history=True,
    search_fields=["name", "keeper"],
    tile=True,
    select_related=["unit"],
    create_message=_("印章已登记。"),
    update_message=_("印章信息已保存。"),
))

# Engraving a new seal (印章刻制) goes through approval: a flow for this business type, set up on
# the workflow pages, decides it; services.engraving_outcome applies the decision.
business_types.register(business_types.BusinessType(
    code=services.ENGRAVING, label=_("印章刻制"), model="example_plugin.Seal",
    on_outcome="jiguan_example_plugin.services.engraving_outcome", business_unit="unit"))
