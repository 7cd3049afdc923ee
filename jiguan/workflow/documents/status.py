"""The statuses of an approvable document (审批单据). Models-free: importable anywhere."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("审批中")
    COMPLETED = "completed", _("已完成")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
    VOID = "void", _("未生效")  # approved, but it could no longer apply (e.g. its object was disposed of meanwhile)


# Open documents: their request is still running (a draft is open too: nothing has decided it).
OPEN = (DocStatus.DRAFT, DocStatus.PENDING)

# The Bootstrap badge of each status (document_badge).
STYLE = {
    DocStatus.DRAFT: "text-bg-secondary",
    DocStatus.PENDING: "text-bg-primary",
    DocStatus.COMPLETED: "text-bg-success",
    DocStatus.REJECTED: "text-bg-danger",
    DocStatus.WITHDRAWN: "text-bg-secondary",
    DocStatus.VOID: "text-bg-warning",
}


def closed_status(outcome: str) -> DocStatus:
    """The status of a document whose request ended: approved -> 已完成, rejected -> 已驳回,
    withdrawn -> 已撤回."""
    return {"approved": DocStatus.COMPLETED, "rejected": DocStatus.REJECTED}.get(outcome, DocStatus.WITHDRAWN)
