"""Authorisation from role assignments. There is no all-powerful account: ``is_superuser`` is ignored."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from jiguan.core.scoping import path_of


class ScopedRoleBackend(ModelBackend):
    """``has_perm(perm)``: the user holds ``perm`` over some unit. ``has_perm(perm, obj)``: over the
    unit that owns ``obj``. Authentication itself (with lockout) lives in ``org.services.login_attempt``.
    """

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not getattr(user, "is_locked", False)

    def get_user(self, user_id):
        """The session's user with their unit (every page header shows it) in the same query."""
        user = get_user_model()._default_manager.select_related("unit").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return user_obj.jiguan_permissions()

    def get_user_permissions(self, user_obj, obj=None):
        return self.get_all_permissions(user_obj, obj)

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return False
        if obj is None:
            return perm in user_obj.jiguan_permissions()
        scope = user_obj.get_scope(perm)
        if getattr(obj, "scope_global", False):
            return not scope.is_empty
        return scope.contains_path(path_of(obj))

    def has_module_perms(self, user_obj, app_label):
        return any(p.startswith(app_label + ".") for p in self.get_all_permissions(user_obj))
