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
