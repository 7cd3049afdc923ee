"""Who configures the events: the system administrator (系统管理员) over the whole tree. Subscribers
receive the events of every unit, so a grant below the root (a city's system administrator) is not
enough: the pages and the API answer 403 to anyone whose permission does not cover the root."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

REFUSAL = _("事件推送须由根单位（全省）的系统管理员配置。")


def whole_tree(user, permission: str) -> bool:
    return bool(user and user.is_authenticated and user.get_scope(permission).is_global)


class WholeTreeViewMixin:
    """For the pages: after the permission check, the permission must cover the root."""

    def dispatch(self, request, *args, **kwargs):
        from django.core.exceptions import PermissionDenied

        permission = self.required_permission()
        if request.user.is_authenticated and request.user.has_perm(permission) and not whole_tree(
                request.user, permission):
            raise PermissionDenied(REFUSAL)
        return super().dispatch(request, *args, **kwargs)


class WholeTreePermission(permissions.BasePermission):
    """For the API: the view permission of the viewset's model, over the root."""

    message = REFUSAL

    def has_permission(self, request, view):
        model = view.queryset.model
        return whole_tree(request.user, f"core.view_{model._meta.model_name}")
