from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from jiguan.core.tables import Column, Table
from jiguan.core.validators import parse_ids
from jiguan.core.views import ObjectDetailView, ObjectFormView, ObjectListView, ScopedViewMixin

from . import forms, services
from .models import Announcement, Notification


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


# 通知公告 ------------------------------------------------------------------------------------------

ANNOUNCEMENTS = gettext_lazy("通知公告")


class AnnouncementTable(Table):
    columns = [
        Column("title", _("标题"), link=True),
        Column("unit", _("发布单位")),
        Column("pinned", _("置顶")),
        Column("published_at", _("发布时间"), sort="published_at"),
        Column("author", _("发布人"), accessor=lambda a: a.author.display_name),
    ]


def readable(user):
    """What ``user`` may read: the notices reaching their unit and, for a publisher, those of the units
    in their scope (withdrawn ones included, to see what was said)."""
    visible = services.visible_announcements(user)
    if user.has_perm(services.PUBLISH_PERMISSION):
        managed = Announcement.objects.restrict(user, "add")
        return (Announcement.objects.filter(pk__in=visible.values("pk")) | managed).select_related("unit", "author")
    return visible


class AnnouncementListView(ObjectListView):
    """通知公告: everyone's list of the notices reaching them, newest first, pinned on top."""

    model = Announcement
    table = AnnouncementTable()
    require_model_permission = False  # everyone reads the notices of their unit and above
    export_name = ANNOUNCEMENTS
    title = ANNOUNCEMENTS
    breadcrumbs = [(ANNOUNCEMENTS, None)]
    create_url_name = "notifications:announcement_create"
    saved_filters = False

    def base_queryset(self):
        return readable(self.request.user).order_by("-pinned", "-published_at", "-id")


class AnnouncementDetailView(ObjectDetailView):
    model = Announcement
    require_model_permission = False
    template_name = "notifications/announcement_detail.html"

    def base_queryset(self):
        return readable(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, notice = self.request.user, self.object
        context["can_withdraw"] = (notice.withdrawn_at is None and user.get_scope(services.PUBLISH_PERMISSION)
                                   .contains_path(notice.unit.path))
        context["breadcrumbs"] = [(ANNOUNCEMENTS, reverse("notifications:announcement_list")), (notice.title, None)]
        return context


class AnnouncementCreateView(ObjectFormView):
    model = Announcement
    action = "add"
    form_class = forms.AnnouncementForm
    success_message = gettext_lazy("公告已发布。")
    breadcrumbs = [(ANNOUNCEMENTS, "/notifications/announcements/"), (gettext_lazy("发布公告"), None)]

    def get_title(self):
        return _("发布公告")

    def perform(self, form):
        data = form.cleaned_data
        return services.announcement_publish(unit=data["unit"], title=data["title"], body=data["body"],
                                             pinned=data["pinned"], actor=self.request.user)


class AnnouncementWithdrawView(ScopedViewMixin, View):
    model = Announcement
    action = "add"
    http_method_names = ["post"]

    def post(self, request, pk):
        notice = self.get_queryset().filter(pk=pk).first()
        if notice is None:
            raise Http404(_("记录不存在，或不在您的数据范围内。"))
        services.announcement_withdraw(announcement=notice, actor=request.user)
        messages.success(request, _("已撤回公告“%(title)s”。") % {"title": notice.title})
        return redirect(notice.get_absolute_url())
