"""The events pages (事件推送) for the system administrator: subscribers (list, create, edit) and the
delivery log (list, detail with its attempts, 重新投递)."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ..models import DeliveryAttempt, EventDelivery, EventSubscriber
from ..tables import Column, Table
from ..views import ObjectDetailView, ObjectFormView, ObjectListView, ScopedViewMixin
from . import filters, registry, services
from .access import WholeTreeViewMixin
from .forms import SubscriberForm


def kinds_label(subscriber) -> str:
    return "、".join(registry.label_of(k) for k in subscriber.kinds or [])


class SubscriberTable(Table):
    columns = [
        Column("name", gettext_lazy("名称"), link=True),
        Column("url", gettext_lazy("接收地址")),
        Column("kinds", gettext_lazy("订阅的事件类型"), accessor=kinds_label),
        Column("is_active", gettext_lazy("启用")),
        Column("updated_at", gettext_lazy("更新时间")),
    ]


class DeliveryTable(Table):
    columns = [
        Column("id", gettext_lazy("编号"), link=True),
        Column("event.occurred_at", gettext_lazy("发生时间")),
        Column("kind", gettext_lazy("事件类型"), accessor=lambda d: registry.label_of(d.event.kind)),
        Column("event.object_repr", gettext_lazy("对象")),
        Column("subscriber", gettext_lazy("订阅方")),
        Column("status", gettext_lazy("状态")),
        Column("attempts", gettext_lazy("尝试次数")),
        Column("last_status_code", gettext_lazy("最近响应码")),
        Column("next_attempt_at", gettext_lazy("下次尝试时间")),
    ]


class SubscriberListView(WholeTreeViewMixin, ObjectListView):
    model = EventSubscriber
    title = gettext_lazy("事件订阅")
    table = SubscriberTable()
    filterset_class = filters.SubscriberFilter
    create_url_name = "events:subscriber_create"
    export_name = gettext_lazy("事件订阅")
    breadcrumbs = [(gettext_lazy("事件订阅"), None)]
    extra_actions_template = "core/events/_list_links.html"


class SubscriberCreateView(WholeTreeViewMixin, ObjectFormView):
    model = EventSubscriber
    action = "add"
    form_class = SubscriberForm
    success_message = gettext_lazy("订阅方已创建。")

    def perform(self, form):
        data = form.cleaned_data
        return services.subscriber_create(name=data["name"], url=data["url"], secret=data["secret"],
                                          kinds=data["kinds"], is_active=data["is_active"],
                                          description=data["description"])

    def get_success_url(self):
        return reverse("events:subscriber_list")


class SubscriberUpdateView(WholeTreeViewMixin, ObjectFormView):
    model = EventSubscriber
    action = "change"
    form_class = SubscriberForm
    success_message = gettext_lazy("订阅方已保存。")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = EventSubscriber.objects.get(pk=self.get_object().pk)
        return kwargs

    def perform(self, form):
        data = form.cleaned_data
        return services.subscriber_update(subscriber=self.get_object(), name=data["name"], url=data["url"],
                                          secret=data["secret"], kinds=data["kinds"], is_active=data["is_active"],
                                          description=data["description"])

    def get_success_url(self):
        return reverse("events:subscriber_list")


class DeliveryListView(WholeTreeViewMixin, ObjectListView):
    model = EventDelivery
    title = gettext_lazy("事件投递记录")
    table = DeliveryTable()
    filterset_class = filters.DeliveryFilter
    export_name = gettext_lazy("事件投递记录")
    breadcrumbs = [(gettext_lazy("事件订阅"), "events:subscriber_list"), (gettext_lazy("投递记录"), None)]

    def optimize(self, queryset):
        return queryset.select_related("event", "subscriber").order_by("-id")

    def get_breadcrumbs(self):
        return [(_("事件订阅"), reverse("events:subscriber_list")), (_("投递记录"), None)]


class DeliveryDetailView(WholeTreeViewMixin, ObjectDetailView):
    model = EventDelivery
    template_name = "core/events/delivery_detail.html"

    def optimize(self, queryset):
        return queryset.select_related("event__content_type", "subscriber").prefetch_related(
            Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("id")))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        delivery = self.object
        context.update({
            "kind_label": registry.label_of(delivery.event.kind),
            "attempt_log": list(delivery.attempt_log.all()),
            # What was sent, indented for reading (the bytes sent are one line, keys sorted).
            "body": json.dumps(json.loads(services.body_of(delivery.event)), ensure_ascii=False, indent=2),
            "can_replay": self.request.user.has_perm("core.replay_eventdelivery"),
            "breadcrumbs": [(_("事件订阅"), reverse("events:subscriber_list")),
                            (_("投递记录"), reverse("events:delivery_list")), (str(delivery.pk), None)],
        })
        return context


class DeliveryReplayView(WholeTreeViewMixin, ScopedViewMixin, View):
    """POST: 重新投递 one delivery (the replay permission; the delivery must be visible)."""

    model = EventDelivery
    action = "view"
    http_method_names = ["post"]

    def post(self, request, pk):
        if not request.user.has_perm("core.replay_eventdelivery"):
            raise PermissionDenied(_("您没有重新投递事件的权限。"))
        delivery = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            services.delivery_replay(delivery=delivery)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已重新投递。"))
        return HttpResponseRedirect(reverse("events:delivery_detail", args=[pk]))
