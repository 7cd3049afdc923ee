import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Confidence, RequestStatus, StandardChangeRequest, StandardEntry, StandardTable, TableKind


class StandardTableFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=TableKind.choices)

    class Meta:
        model = StandardTable
        fields = ["q", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value) |
                               Q(description__icontains=value))


class InForceFilter(django_filters.DateFilter):
    """Versions in force on the date: effective_from <= date < effective_to (or open)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.in_force(value)


def search_entries(queryset, name, value):
    return queryset.filter(Q(key__icontains=value) | Q(name__icontains=value) | Q(parent_key=value))


class EntryFilter(django_filters.FilterSet):
    """The entries of one table (the page's URL names the table)."""

    q = django_filters.CharFilter(label=_("搜索（键、名称、上级）"), method="search")
    on = InForceFilter(label=_("有效日期"))
    confidence = django_filters.ChoiceFilter(label=_("可信度"), choices=Confidence.choices)

    class Meta:
        model = StandardEntry
        fields = ["q", "on", "confidence"]

    def search(self, queryset, name, value):
        return search_entries(queryset, name, value)


class EntryApiFilter(django_filters.FilterSet):
    table = django_filters.CharFilter(label=_("标准表编码"), field_name="table__code")
    key = django_filters.CharFilter(label=_("键"), field_name="key")
    on = InForceFilter(label=_("有效日期（YYYY-MM-DD）；不填则返回所有版本"))
    confidence = django_filters.ChoiceFilter(label=_("可信度"), choices=Confidence.choices)
    q = django_filters.CharFilter(label=_("搜索（键、名称、上级）"), method="search")

    class Meta:
        model = StandardEntry
        fields = ["table", "key", "on", "confidence", "q"]

    def search(self, queryset, name, value):
        return search_entries(queryset, name, value)


BOX_CHOICES = (("mine", _("我的申请")), ("pending", _("待我审核")), ("all", _("全部")))


def waiting_for(user) -> list[int]:
    """Change requests whose approval request waits for ``user`` (the 我的待办 of the workflow)."""
    from jiguan.workflow.models import ApprovalRequest

    from .apps import BUSINESS_TYPE

    ids = ApprovalRequest.objects.todo_for(user).filter(business_type=BUSINESS_TYPE) \
        .values_list("object_id", flat=True)
    return [int(i) for i in ids]


class ChangeRequestFilter(django_filters.FilterSet):
    box = django_filters.ChoiceFilter(label=_("范围"), choices=BOX_CHOICES, method="filter_box", empty_label=None)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=RequestStatus.choices)
    table = django_filters.ModelChoiceFilter(label=_("标准表"), queryset=lambda request: (
        StandardTable.objects.restrict(request.user) if request else StandardTable.objects.none()),
        to_field_name="code")
    q = django_filters.CharFilter(label=_("键或名称"), method="search")

    class Meta:
        model = StandardChangeRequest
        fields = ["box", "status", "table", "q"]

    def filter_box(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if user is None:
            return queryset.none()
        if value == "mine":
            return queryset.filter(requested_by=user)
        if value == "pending":
            return queryset.filter(pk__in=waiting_for(user))
        return queryset

    def search(self, queryset, name, value):
        return queryset.filter(Q(key__icontains=value) | Q(name__icontains=value))


class ChangeRequestApiFilter(django_filters.FilterSet):
    box = django_filters.ChoiceFilter(label=_("范围：mine 我的申请，pending 待我审核，all 全部"), choices=BOX_CHOICES,
                                      method="filter_box")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=RequestStatus.choices)
    table = django_filters.CharFilter(label=_("标准表编码"), field_name="table__code")
    key = django_filters.CharFilter(label=_("键"), field_name="key")

    class Meta:
        model = StandardChangeRequest
        fields = ["box", "status", "table", "key"]

    filter_box = ChangeRequestFilter.filter_box
