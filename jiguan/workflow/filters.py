import django_filters
from django.utils.translation import gettext_lazy as _

from jiguan.core.filters import SubtreeFilter, YesNoFilter

from . import registry
from .models import ApprovalRequest, Flow, FlowStep, RequestStatus


def business_type_choices():
    return registry.choices()


class RequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("标题"), field_name="title", lookup_expr="icontains")
    status = django_filters.MultipleChoiceFilter(label=_("状态"), choices=RequestStatus.choices)
    business_type = django_filters.ChoiceFilter(label=_("业务类型"), choices=business_type_choices)
    unit = SubtreeFilter(label=_("业务单位（含下级）"), field_name="business_unit__path")

    class Meta:
        model = ApprovalRequest
        fields = ["q", "status", "business_type", "unit"]


class FlowFilter(django_filters.FilterSet):
    business_type = django_filters.ChoiceFilter(label=_("业务类型"), choices=business_type_choices)
    is_active = YesNoFilter(label=_("启用"))

    class Meta:
        model = Flow
        fields = ["business_type", "is_active"]


class FlowStepFilter(django_filters.FilterSet):
    class Meta:
        model = FlowStep
        fields = ["flow"]


class TodoFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("标题"), field_name="title", lookup_expr="icontains")
    business_type = django_filters.ChoiceFilter(label=_("业务类型"), choices=business_type_choices)

    class Meta:
        model = ApprovalRequest
        fields = ["q", "business_type"]
