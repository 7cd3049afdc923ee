"""Photos and attachments (照片与附件) of any object: a model declares them once,

    attachments.register(Model, view_permission="app.view_model", change_permission="app.change_model",
                         deletable=lambda obj: ..., refusal=lambda obj: "…不能删除。")

and gets the checks (type by extension and content, size: ``checks``), the audited services
(``attachment_add``, ``attachments_add``, ``attachment_delete``), scoped pages
(``/attachments/<app_label>.<model>/<pk>/…``, the partial ``core/_attachments.html`` with
``attachments_context(obj, user)``) and the API (``/api/v1/attachments/…``). Files are kept in the
private storage (``jiguan.core.storage``), rows in ``core.Attachment``. See
docs/development/architecture.md, "Attachments and history".
"""

from .checks import (
    ATTACHMENT_MAX_FILES,
    ATTACHMENT_TYPES,
    CONTENT_TYPES,
    INLINE_TYPES,
    accept,
    attachment_check,
    attachment_max_bytes,
)
from .registry import (
    AttachmentDeclaration,
    declaration,
    declarations,
    is_registered,
    register,
    unregister,
    url_for,
)
from .services import (
    attachment_add,
    attachment_data,
    attachment_deletable,
    attachment_delete,
    attachments_add,
    attachments_of,
)

__all__ = [
    "ATTACHMENT_MAX_FILES", "ATTACHMENT_TYPES", "CONTENT_TYPES", "INLINE_TYPES", "AttachmentDeclaration", "accept",
    "attachment_add", "attachment_check", "attachment_data", "attachment_deletable", "attachment_delete",
    "attachment_max_bytes", "attachments_add", "attachments_context", "attachments_of", "declaration",
    "declarations", "is_registered", "register", "unregister", "url_for",
]


def attachments_context(obj, user) -> dict:
    """The variables of ``core/_attachments.html`` (see ``views.attachments_context``)."""
    from .views import attachments_context as build

    return build(obj, user)
