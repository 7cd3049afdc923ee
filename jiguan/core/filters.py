"""Filter building blocks shared by every app's filtersets."""

from __future__ import annotations

import django_filters
from django.apps import apps
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .forms import DateField
from .scoping import permission_name

YES_NO = (("true", _("是")), ("false", _("否")))


class YesNoFilter(django_filters.ChoiceFilter):
    """A boolean filter whose empty choice reads 全部 (django-filter's default reads 未知)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", YES_NO)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in ("", None):
            return qs
        return qs.filter(**{self.field_name: value == "true"})


def units_in_scope(request, model=None):
    """Units above department level inside the user's scope for viewing ``model`` (default: units),
    for unit pickers in filters."""
    OrgUnit = apps.get_model("org", "OrgUnit")
    if request is None or not request.user.is_authenticated:
        return OrgUnit.objects.none()
    scope = request.user.get_scope(permission_name(model or OrgUnit, "view"))
    return (OrgUnit.objects.in_scope(scope).exclude(kind="department")
            .only("id", "name", "depth", "path").order_by("path"))


class DateFilter(django_filters.DateFilter):
    """A date typed as 2024-01-15 or 2024年1月15日 (core.forms.DateField), refused in Chinese otherwise."""

    field_class = DateField

    def __init__(self, *args, **kwargs):
        from django import forms

        kwargs.setdefault("widget", forms.DateInput(attrs={"placeholder": _("如 2024-01-15"), "inputmode": "numeric"}))
        super().__init__(*args, **kwargs)


class SubtreeFilter(django_filters.ModelChoiceFilter):
    """Rows whose owning unit lies in the chosen unit's subtree: one indexed prefix match.

    ``field_name`` is the path lookup of the filtered model (e.g. ``unit__path``). The unit is picked
    by typing its name or initials (``org.picker.UnitPickerField``): a province's thousands of units
    never go on the page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", units_in_scope)
        super().__init__(*args, **kwargs)

    @property
    def field_class(self):
        from jiguan.org.picker import UnitPickerField

        return UnitPickerField

    def unit_choices(self):
        # The units offered are those of the filtered model's view scope (the audit administrator
        # picks among the units of the audit log's scope, without a view permission on units).
        from jiguan.org.picker import ABOVE_DEPARTMENTS, UnitChoices

        model = self.parent._meta.model if self.parent else None
        return UnitChoices.for_model(model or apps.get_model("org", "OrgUnit"), "view", active=False,
                                     **ABOVE_DEPARTMENTS)

    def get_queryset(self, request):
        user = getattr(request, "user", None)
        return self.unit_choices().queryset(user)

    @property
    def field(self):
        if not hasattr(self, "_field"):
            for unused in ("empty_label", "null_label"):
                self.extra.pop(unused, None)
            self.extra.setdefault("blank", _("全部"))
            field = super().field
            request = self.get_request()
            field.offer(self.unit_choices(), getattr(request, "user", None))
        return self._field

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__startswith": value.path})


# Parameters of a list URL that choose how to show the rows, not which rows.
NON_FILTER_PARAMETERS = ("page", "export")


def filter_querystring(params) -> str:
    """The part of a list's query string that selects its rows (for saved filters): ``params`` (a
    QueryDict) without pagination, export and empty values, in the order given."""
    kept = QueryDict(mutable=True)
    for key, values in params.lists():
        if key in NON_FILTER_PARAMETERS:
            continue
        values = [v for v in values if v.strip()]
        if values:
            kept.setlist(key, values)
    return kept.urlencode()
