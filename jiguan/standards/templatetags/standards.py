from django import template

from ..models import Confidence

register = template.Library()


@register.filter
def confidence_badge(code: str):
    from ..tables import confidence_badge as badge

    return badge(code)


@register.filter
def confidence_label(code: str) -> str:
    try:
        return Confidence(code).label
    except ValueError:
        return code or ""


@register.filter
def attrs_text(attrs) -> str:
    from ..tables import attrs_text as text

    return text(attrs)
