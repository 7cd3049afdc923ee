"""``{% load documents %}``: ``{{ document|document_badge }}`` and ``{{ document|document_pdf_url }}``."""

from django import template

from jiguan.workflow.documents.badges import document_badge as _badge

register = template.Library()


@register.filter
def document_badge(document):
    return _badge(document)


@register.filter
def document_pdf_url(document) -> str:
    from jiguan.workflow.documents.views import pdf_url

    return pdf_url(document)


@register.filter
def field_errors(form, name: str) -> list:
    """The errors of the form field ``name`` (a name held in a variable)."""
    return list(form.errors.get(name, [])) if form is not None else []
