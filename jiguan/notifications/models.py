"""In-app notifications (站内消息). Personal: a user reads only their own."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiguan.core.scoping import ScopedManager


class Notification(models.Model):
    scope_owner = "recipient"  # personal rows: restrict() keeps the requesting user's own

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE,
                                  related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.CharField(_("内容"), max_length=1000, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # What the message asks of its recipient ("workflow.todo:42": approve request 42); when that is
    # done (by them or by anyone) ``services.settle(topic)`` marks every unread one of it read.
    topic = models.CharField(_("事项"), max_length=80, blank=True, default="")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-id"]
        default_permissions = ()
        indexes = [models.Index(fields=["recipient", "read_at", "-id"], name="notification_inbox"),
                   models.Index(fields=["topic"], condition=models.Q(read_at__isnull=True) & ~models.Q(topic=""),
                                name="notification_open_topic")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("notifications:open", args=[self.pk])


class Announcement(models.Model):
    """通知公告: published by a unit to everyone in it and below (a province's notice reaches every
    county); read on the home page and in the 通知公告 list. Withdrawn ones stay for the record."""

    scope_path = "unit__path"  # publishers manage those of the units in their scope

    unit = models.ForeignKey("org.OrgUnit", verbose_name=_("发布单位"), on_delete=models.PROTECT,
                             related_name="announcements")
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"), max_length=5000)
    pinned = models.BooleanField(_("置顶"), default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT,
                               related_name="+")
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-pinned", "-published_at", "-id"]
        indexes = [models.Index(fields=["unit", "-published_at"], name="announcement_unit")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("notifications:announcement_detail", args=[self.pk])

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
