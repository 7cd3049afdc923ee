from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from jiguan.core import context


class PasswordExpired(exceptions.PermissionDenied):
    default_code = "password_expired"
    default_detail = _("密码已过期或为初始密码，请先登录网页修改密码。")


class PasswordExpiryMixin:
    """A user whose password has expired (or was set by an administrator) may not use the API, by
    session or by token: 403 ``password_expired``. The change-password page is a web page, outside
    the API, so it stays usable (org.middleware sends every other page there)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and result[0].password_expired:
            raise PasswordExpired()
        return result


class PasswordCheckedSessionAuthentication(PasswordExpiryMixin, SessionAuthentication):
    """DRF's session authentication (with its CSRF check), refusing expired passwords."""


class PasswordCheckedSessionScheme(SessionScheme):
    """The OpenAPI document names it ``cookieAuth``, as for DRF's own class."""

    target_class = PasswordCheckedSessionAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``. Tokens expire after API_TOKEN_MAX_AGE; locked users are refused."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if timezone.now() - token.created > settings.API_TOKEN_MAX_AGE:
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取。"))
        if user.is_locked:
            raise exceptions.AuthenticationFailed(_("账号已锁定。"))
        if user.password_expired:  # as PasswordExpiryMixin does for the session
            raise PasswordExpired()
        context.update(user=user)
        return user, token

    def authenticate_header(self, request):
        return "Token"
