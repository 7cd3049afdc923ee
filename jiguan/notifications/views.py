from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from jiguan.core.tables import Column, Table
from jiguan.core.validators import parse_ids
from jiguan.core.views import ObjectListView, ScopedViewMixin

from . import services
from .models import Notification


class NotificationTable(Table):
    columns = [
        Column("title", _("标题"), link=True),
        Column("body", _("内容")),
        Column("created_at", _("时间")),
        Column("read_at", _("已读时间")),
    ]


class NotificationListView(ObjectListView):
    model = Notification
    table = NotificationTable()
    export_name = gettext_lazy("消息")
    breadcrumbs = [(gettext_lazy("消息"), None)]
    template_name = "notifications/list.html"


class MarkReadView(ScopedViewMixin, View):
    model = Notification

    def post(self, request):
        ids = parse_ids(request.POST.getlist("id")) or None
        count = services.mark_read(user=request.user, ids=ids)
        messages.success(request, _("已将 %(n)d 条消息标为已读。") % {"n": count})
        return redirect(request.POST.get("next") or "notifications:list")


class OpenView(ScopedViewMixin, View):
    """Open a notification: mark it read and go to what it is about."""

    model = Notification

    def get(self, request, pk):
        notification = self.get_queryset().filter(pk=pk).first()
        if notification is None:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        services.mark_read(user=request.user, ids=[notification.pk])
        target = notification.url if url_has_allowed_host_and_scheme(notification.url, {request.get_host()}) else ""
        return redirect(target or "notifications:list")
