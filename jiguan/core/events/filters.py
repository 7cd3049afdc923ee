"""Filters of the subscriber and delivery lists (pages and API)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..filters import YesNoFilter
from ..models import DeliveryStatus, EventDelivery, EventSubscriber
from . import registry


def kind_choices():
    return registry.choices()


class SubscriberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    is_active = YesNoFilter(label=_("启用"))

    class Meta:
        model = EventSubscriber
        fields = ["q", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(url__icontains=value))


class DeliveryFilter(django_filters.FilterSet):
    subscriber = django_filters.ModelChoiceFilter(label=_("订阅方"), queryset=EventSubscriber.objects.all())
    status = django_filters.ChoiceFilter(label=_("状态"), choices=DeliveryStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("事件类型"), field_name="event__kind", choices=kind_choices)
    object_id = django_filters.NumberFilter(label=_("对象"), field_name="object_id", min_value=0,
                                            max_value=2**63 - 1)

    class Meta:
        model = EventDelivery
        fields = ["subscriber", "status", "kind", "object_id"]
