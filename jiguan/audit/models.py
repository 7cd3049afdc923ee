"""The audit trail (审计日志): one append-only, hash-chained record per write, login and permission change.

Each record stores ``hash = HMAC-SM3(key, prev_hash + canonical(record))`` with the audit key, which
lives outside the database (``audit.keys``), and the id of that key; records written before the
installation had a key carry ``SM3(prev_hash + canonical(record))`` and no key id. Editing, removing
or appending any row behind the application's back breaks the chain at that row (``manage.py
audit_verify``). The application has no way to edit or delete a record, and on PostgreSQL a trigger
refuses UPDATE and DELETE.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiguan.core.scoping import ScopedManager

GENESIS_HASH = "0" * 64


class Action(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    MOVE = "move", _("移动")
    STATE = "state", _("状态变更")
    IMPORT = "import", _("导入")
    EXPORT = "export", _("导出")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出")
    LOCK = "lock", _("账号锁定")
    UNLOCK = "unlock", _("账号解锁")
    PASSWORD = "password", _("修改密码")
    PERMISSION = "permission", _("权限变更")
    TOKEN = "token", _("签发令牌")
    TOKEN_REVOKE = "token_revoke", _("撤销令牌")


# How the acting user reached the platform (core.context.ActorContext.channel), as users name it.
CHANNELS = {"web": _("网页"), "api": _("接口"), "command": _("命令行"), "job": _("后台任务"), "system": _("系统")}


class RecordFields(models.Model):
    """What one audit record says: written by ``audit.services.record`` in the business transaction
    (as a ``PendingRecord``) and copied unchanged into the chain (``AuditEvent``) when it is sealed."""

    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    org = models.ForeignKey("org.OrgUnit", verbose_name=_("操作人单位"), null=True, blank=True,
                            on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    org_path = models.CharField(_("单位路径"), max_length=255, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=32, blank=True)
    channel = models.CharField(_("渠道"), max_length=16, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    success = models.BooleanField(_("成功"), default=True)
    message = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        abstract = True


class AuditEvent(RecordFields):
    """One audited event in the chain. ``org_path`` is the acting unit's path at the time (the row's
    data scope). Written only by the sealer (``audit.services.seal``), never by a business transaction."""

    scope_path = "org_path"

    # Assigned by the sealer under the chain lock, so ids are gap-free: a removed row is a gap.
    id = models.BigIntegerField(primary_key=True)
    prev_hash = models.CharField(_("前一记录摘要"), max_length=64)
    hash = models.CharField(_("摘要 (SM3)"), max_length=64, unique=True)
    # Which audit key signed the record (a digest of the key, audit.keys.key_id); empty: plain SM3,
    # from before the installation had a key.
    key_id = models.CharField(_("密钥标识"), max_length=16, blank=True, default="")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-id"]
        default_permissions = ("view",)  # no add/change/delete: the log is append-only
        indexes = [
            models.Index(fields=["object_type", "object_id", "-id"], name="audit_object"),
            models.Index(fields=["actor", "-id"], name="audit_actor"),
            models.Index(fields=["action", "-id"], name="audit_action"),
            models.Index(fields=["org_path"], name="audit_org_path", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_action_display()} {self.object_repr}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("audit:event_detail", args=[self.pk])

    @property
    def actor_label(self) -> str:
        """Who acted, as people name them: "陈静（chenjing）"; the account alone when the user has no
        name or is gone (select_related("actor") on lists)."""
        try:
            name = getattr(self.actor, "full_name", "") if self.actor_id else ""
        except ObjectDoesNotExist:  # db_constraint=False: the user may be gone
            name = ""
        if name and name != self.actor_username:
            return f"{name}（{self.actor_username}）" if self.actor_username else name
        return self.actor_username

    @property
    def channel_label(self) -> str:
        """The channel as users name it ("网页"), not the code stored ("web")."""
        return str(CHANNELS.get(self.channel, self.channel))

    @property
    def object_type_label(self) -> str:
        """The object's kind as users name it ("组织机构"), not the code stored ("org.orgunit")."""
        from django.apps import apps

        try:
            return str(apps.get_model(self.object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.object_type


class PendingRecord(RecordFields):
    """An audit record written in its business transaction and not chained yet (待封存). Writers insert
    these without any shared lock; after their transaction commits, and every minute from beat, the
    sealer (``audit.services.seal``) moves them into the chain in one short transaction of its own and
    deletes them here. Normally a record waits milliseconds; on PostgreSQL a trigger refuses UPDATE of
    this table (docs/development/architecture.md, "Sealing after commit")."""

    scope_global = True  # internal bookkeeping: read by the sealer and audit_verify only

    id = models.BigAutoField(primary_key=True)
    # Only the primary key is indexed: the table is written once per record, read in id order by the
    # sealer and emptied by it, so any other index would only slow the writers down.
    occurred_at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    org = models.ForeignKey("org.OrgUnit", verbose_name=_("操作人单位"), null=True, blank=True,
                            on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")

    class Meta:
        verbose_name = _("待封存审计记录")
        verbose_name_plural = _("待封存审计记录")
        default_permissions = ()

    def __str__(self) -> str:
        return f"pending audit record {self.pk}: {self.action} {self.object_repr}"


class ChainHead(models.Model):
    """The end of the hash chain: one row. The sealer locks it, so the chain has one order."""

    scope_global = True  # internal bookkeeping, never shown

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")
        default_permissions = ()

    def __str__(self) -> str:
        return f"audit chain head: {self.count} records, last {self.last_id}"
