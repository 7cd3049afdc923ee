"""Approvable documents (审批单据): the kernel every module's documents are built on.

- ``DocStatus``: the statuses; ``Document`` (``documents.base``): the abstract model (number,
  status, applicant, completion date).
- ``DocumentType`` + ``register`` / ``registry`` / ``type_of``: the declaration of a module's
  document (prefix, business type, URLs, lines and their objects, policies per operation).
- ``next_number(prefix)``: DB-2026-000001, per prefix and year, gap-free.
- ``hold`` / ``submit`` / ``close`` / ``history_add``: the shared writes (``documents.services``).
- ``document_badge``, ``approval_form_pdf``, and the views (``documents.views``:
  ``DocumentDetailView``, ``LinePickerMixin``, ``DocumentPdfView``).

docs/development/adding-a-domain-object.md, "4. The approvable document". Nothing here imports a domain module.
"""

from __future__ import annotations

from .badges import document_badge
from .numbering import format_number, next_number, parse_number
from .registry import DocumentType, register, registry, type_of, types_over, unregister
from .services import close, history_add, hold, submit
from .status import OPEN, DocStatus, closed_status

__all__ = [
    "OPEN", "DocStatus", "Document", "DocumentType", "approval_form_pdf", "close", "closed_status",
    "document_badge", "format_number", "history_add", "hold", "next_number", "parse_number", "register",
    "registry", "submit", "type_of", "types_over", "unregister",
]


def __getattr__(name):
    # The abstract model and the PDF load on first use: a models module imports ``documents.base``
    # while the app registry loads, and fpdf2 is needed only when a form is printed.
    if name == "Document":
        from .base import Document

        return Document
    if name == "approval_form_pdf":
        from .pdf import approval_form_pdf

        return approval_form_pdf
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
