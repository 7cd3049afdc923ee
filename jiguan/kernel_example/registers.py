"""The example module's declarations: everything its pages, API, menu, import, search, attachments,
history and documents need comes from these (``jiguan.core.registers``, ``jiguan.workflow.documents``)."""

from django.utils.translation import gettext_lazy as _

from jiguan.core import registers
from jiguan.workflow import documents
from jiguan.workflow import registry as business_types

from . import filters, forms, imports, services, tables, views
from .api import serializers
from .models import Key, KeyHandover

SECTION = "kernel_example"

keys = registers.register(registers.Register(
    Key,
    filterset=filters.KeyFilter,
    table=tables.KeyTable(),
    form=forms.KeyForm,
    serializer=serializers.KeySerializer,
    importer=imports.KeyImporter,
    menu=registers.MenuEntry(SECTION, _("钥匙"), "key", section_label=_("钥匙管理"), section_icon="key", order=900),
    url_prefix="keys/",
    api_prefix="kernel-example/keys",
    attachments=True,
    history=True,
    history_kinds={services.HISTORY_KIND: _("移交")},
    search_fields=["code", "room", "holder"],
    tile=True,
    ordering=["code", "id"],
    select_related=["unit"],
    create_message=_("钥匙已登记。"),
    update_message=_("钥匙信息已保存。"),
))

# The key handover (钥匙移交单): an approvable document over keys.
business_types.register(business_types.BusinessType(
    code=services.HANDOVER, label=_("钥匙移交"), model="kernel_example.KeyHandover",
    on_outcome="jiguan.kernel_example.services.handover_outcome", fields={"count": _("钥匙数")},
    business_unit="unit"))

documents.register(documents.DocumentType(
    model="kernel_example.KeyHandover", prefix=services.PREFIX, business_type=services.HANDOVER,
    title=_("钥匙移交"), list_url_name="kernel_example:keyhandover_list",
    detail_url_name="kernel_example:keyhandover_detail", pdf_url_name="kernel_example:keyhandover_pdf",
    lines="items", line_object="key", object_model="kernel_example.Key", line_order="key__code",
    fields=["unit", "to_holder", "to_holder_phone", "reason", "key_count"],
    line_fields=["key.code", "key.room", "from_holder"],
    policies={"create": "jiguan.kernel_example.policies.handover_create",
              "view": "jiguan.kernel_example.policies.handover_view"},
))

handovers = registers.register(registers.Register(
    KeyHandover,
    filterset=filters.KeyHandoverFilter,
    table=tables.KeyHandoverTable(),
    form=forms.KeyHandoverForm,
    serializer=serializers.KeyHandoverSerializer,
    menu=registers.MenuEntry(SECTION, _("钥匙移交"), "arrow-left-right", order=900),
    url_prefix="handovers/",
    api_prefix="kernel-example/handovers",
    attachments=False,
    history=False,
    search_fields=["number", "to_holder"],
    select_related=["unit", "requested_by"],
    prefetch_related=["items__key"],
    create_service="jiguan.kernel_example.services.handover_create",
    editable=False,
    view_policy="jiguan.kernel_example.policies.handover_view",
    pages={"detail": views.KeyHandoverDetailView, "create": views.KeyHandoverCreateView,
           "pdf": ("<int:pk>/form.pdf", views.KeyHandoverPdfView)},
))
