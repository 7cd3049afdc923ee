import django_filters
from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from jiguan.core.filters import SubtreeFilter, YesNoFilter

from .models import Action, AuditEvent


def object_type_choices():
    """Every Jiguan model, by its Chinese name (the log stores "app.model")."""
    return sorted(((m._meta.label_lower, str(m._meta.verbose_name)) for m in apps.get_models()
                   if m.__module__.startswith("jiguan.")), key=lambda c: c[0])


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=_("操作人账号"), field_name="actor_username", lookup_expr="iexact")
    unit = SubtreeFilter(label=_("单位（含下级）"), field_name="org_path")
    action = django_filters.MultipleChoiceFilter(label=_("操作"), choices=Action.choices)
    object_type = django_filters.ChoiceFilter(label=_("对象类型"), choices=object_type_choices)
    object_id = django_filters.CharFilter(label=_("对象编号"))
    success = YesNoFilter(label=_("成功"))
    since = django_filters.IsoDateTimeFilter(label=_("起始时间"), field_name="occurred_at", lookup_expr="gte",
                                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    until = django_filters.IsoDateTimeFilter(label=_("截止时间"), field_name="occurred_at", lookup_expr="lt",
                                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    class Meta:
        model = AuditEvent
        fields = ["actor", "unit", "action", "object_type", "object_id", "success", "since", "until"]
