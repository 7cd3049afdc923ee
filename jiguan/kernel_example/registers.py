"""The example module's declarations: everything its pages, API, menu, import, search, attachments and
history need comes from these (``jiguan.core.registers``)."""

from django.utils.translation import gettext_lazy as _

from jiguan.core import registers

from . import filters, forms, imports, tables
from .api import serializers
from .models import Key

keys = registers.register(registers.Register(
    Key,
    filterset=filters.KeyFilter,
    table=tables.KeyTable(),
    form=forms.KeyForm,
    serializer=serializers.KeySerializer,
    importer=imports.KeyImporter,
    menu=registers.MenuEntry("kernel_example", _("钥匙"), "key", section_label=_("钥匙管理"),
                             section_icon="key", order=900),
    url_prefix="keys/",
    api_prefix="kernel-example/keys",
    attachments=True,
    history=True,
    search_fields=["code", "room", "holder"],
    tile=True,
    ordering=["code", "id"],
    select_related=["unit"],
    create_message=_("钥匙已登记。"),
    update_message=_("钥匙信息已保存。"),
))
