import django_filters
from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiguan.core.filters import SubtreeFilter, YesNoFilter

from .models import Action, AuditEvent

# How many users a name search (操作人) may match; a search that matches more is too broad to be
# meant, and the log is then narrowed to the first of them rather than to an unbounded IN list.
ACTOR_MATCH_LIMIT = 200


def object_type_choices():
    """Every Jiguan model, by its Chinese name (the log stores "app.model"), in the order of the names."""
    return sorted(((m._meta.label_lower, str(m._meta.verbose_name)) for m in apps.get_models()
                   if m.__module__.startswith("jiguan.")), key=lambda c: (c[1], c[0]))


def actor_ids(text: str) -> list:
    """The users a 操作人 search means: the account name exactly (any case) or a part of the real name
    (姓名, "陈静"). One small query on the user table, so the log itself is filtered by ``actor_id``
    through its (actor, -id) index instead of by a join or a scan of the names it stores."""
    User = get_user_model()
    return list(User._base_manager.filter(Q(username__iexact=text) | Q(full_name__icontains=text))
                .order_by("pk").values_list("pk", flat=True)[:ACTOR_MATCH_LIMIT])


class AuditEventFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=_("操作人（姓名或账号）"), method="filter_actor")
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

    def filter_actor(self, queryset, name, value):
        text = (value or "").strip()
        if not text:
            return queryset
        ids = actor_ids(text)
        if ids:
            return queryset.filter(actor_id__in=ids)
        # No such user: an account name typed at the login page that has no user (登录失败) is
        # recorded by its name only.
        return queryset.filter(actor_username__iexact=text)
