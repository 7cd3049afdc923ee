"""Write operations of the assets app: each atomic, validated, audited, and recorded on the card's
timeline (``AssetEvent``). Views, the API, imports and jobs call these; nothing else writes cards.

Lifecycle documents that need approval are business types of the workflow engine
(docs/development/workflow.md): ``assets.purchase`` (配置申请), ``assets.transfer`` (调拨) and
``assets.disposal`` (处置). Their ``*_outcome`` hooks run after the decision has committed and are
idempotent.
"""

from jiguan.standards.selectors import standard_values  # read through services by bench/generate.py

from ..models import MOVABLE_STATUSES  # read through services by tests
from .attachments import (
    ATTACHMENT_MAX_FILES,
    ATTACHMENT_TYPES,
    DOCX_TYPE,
    XLSX_TYPE,
    attachment_add,
    attachment_check,
    attachment_deletable,
    attachment_delete,
    attachment_max_bytes,
    attachments_add,
)
from .cards import (
    CHANGE_FIELDS,
    STATUS_BY_CHANGE,
    asset_change,
    asset_issue,
    asset_register,
    asset_return,
    asset_value_adjust,
    repair_record,
    value_adjust_check,
)
from .common import (
    CLASS_DEPRECIATION_TABLE,
    CLASS_TABLE,
    DISPOSAL,
    LIFE_TABLE,
    PURCHASE,
    REGISTER_FIELDS,
    TRANSFER,
    VALUE_CHANGE,
    TenantSettings,
    can_decide,
    class_entry,
    class_prefix,
    codes_allocate,
    depreciation_rule,
    event_add,
    initials,
    minimum_life_months,
    prepare,
    region_code_of,
    render_code_prefix,
    require_scope,
    settings_for,
    settings_save,
)
from .configuration import (
    configuration_check,
    configuration_create,
    configuration_outcome,
    idle_matches,
    idle_offered_to,
    idle_prefetch,
)
from .disposals import disposal_create, disposal_outcome, disposal_record_result
from .self_service import requisition_request, return_handlers, return_request
from .transfers import transfer_create, transfer_outcome
from .value_changes import value_change_create, value_change_outcome
from .workload import workload_closed_through, workload_record

__all__ = [
    "MOVABLE_STATUSES",
    "return_handlers",
    "requisition_request",
    "return_request",
    "standard_values",
    "asset_change",
    "asset_issue",
    "asset_register",
    "asset_return",
    "asset_value_adjust",
    "attachment_add",
    "attachment_check",
    "attachment_deletable",
    "attachment_delete",
    "attachment_max_bytes",
    "ATTACHMENT_MAX_FILES",
    "ATTACHMENT_TYPES",
    "attachments_add",
    "can_decide",
    "CHANGE_FIELDS",
    "CLASS_DEPRECIATION_TABLE",
    "class_entry",
    "class_prefix",
    "CLASS_TABLE",
    "codes_allocate",
    "configuration_check",
    "configuration_create",
    "configuration_outcome",
    "depreciation_rule",
    "DISPOSAL",
    "disposal_create",
    "disposal_outcome",
    "disposal_record_result",
    "DOCX_TYPE",
    "event_add",
    "idle_matches",
    "idle_offered_to",
    "idle_prefetch",
    "initials",
    "LIFE_TABLE",
    "minimum_life_months",
    "prepare",
    "PURCHASE",
    "region_code_of",
    "REGISTER_FIELDS",
    "render_code_prefix",
    "repair_record",
    "require_scope",
    "settings_for",
    "settings_save",
    "STATUS_BY_CHANGE",
    "TenantSettings",
    "TRANSFER",
    "transfer_create",
    "transfer_outcome",
    "value_adjust_check",
    "VALUE_CHANGE",
    "value_change_create",
    "value_change_outcome",
    "workload_closed_through",
    "workload_record",
    "XLSX_TYPE",
]
