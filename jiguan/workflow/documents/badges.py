"""The status badge of a document (lists, detail pages): ``document_badge(doc)``."""

from __future__ import annotations

from django.utils.html import format_html

from .status import STYLE


def document_badge(document):
    """``<span class="badge text-bg-…">审批中</span>`` for the document's status."""
    return format_html('<span class="badge {}">{}</span>', STYLE.get(document.status, "text-bg-secondary"),
                       document.get_status_display())
