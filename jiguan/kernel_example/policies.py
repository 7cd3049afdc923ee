"""Who may do what with key handovers (钥匙移交): one function per operation, asked by the services
(and the pages, to show a button); each raises PermissionDenied with a Chinese message."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def handover_create(actor, unit) -> None:
    """Filing a handover of a unit's keys: the right to add handovers over that unit."""
    if unit is None or not actor.has_perm("kernel_example.add_keyhandover", unit):
        raise PermissionDenied(_("您没有为该单位办理钥匙移交的权限。"))


def handover_view(actor, handover) -> None:
    """Reading a handover (its page and its 审批表): the right to view handovers over its unit."""
    if not actor.has_perm("kernel_example.view_keyhandover", handover):
        raise PermissionDenied(_("您没有查看该钥匙移交单的权限。"))
