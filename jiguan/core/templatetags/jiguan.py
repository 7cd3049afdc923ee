import json

from django import template

from jiguan.core.tables import display
from jiguan.core.tables import money as money_text

register = template.Library()


@register.filter
def indent(depth) -> str:
    """Full-width spaces for a tree level in a <select>."""
    return "\u3000" * int(depth or 0)


@register.filter
def cell(value):
    """How a table cell shows a value: booleans as 是/否, None as a dash (core.tables.display)."""
    return display(value)


@register.filter
def money(value) -> str:
    """An amount in 元 with thousands separators, to the cent (core.tables.money)."""
    return money_text(value)


@register.filter
def pretty_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) if value is not None else ""


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (pagination links keep filters)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()
