from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header

from jiguan.core import context

LAST_USED_EVERY = timedelta(minutes=1)  # how often a token's last use is written


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


class ExpiringTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <token>``: an ``org.ApiToken``, found by the SM3 digest of the token
    (only the digest is stored). Revoked and expired tokens and locked users are refused (401); the
    token's last use is written at most once a minute."""

    keyword = "Token"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式错误：应为“Token 令牌”。"))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("令牌格式错误：应为“Token 令牌”。")) from exc
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key):
        from jiguan.org.models import ApiToken

        token = (ApiToken.objects.select_related("user", "user__unit").filter(digest=ApiToken.digest_of(key))
                 .first())
        if token is None or token.revoked_at is not None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌无效或已撤销。"))
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取。"))
        user = token.user
        if user.is_locked:
            raise exceptions.AuthenticationFailed(_("账号已锁定。"))
        if user.password_expired:  # as PasswordExpiryMixin does for the session
            raise PasswordExpired()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        context.update(user=user)
        return user, token

    def authenticate_header(self, request):
        return "Token"


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of ``ExpiringTokenAuthentication``: ``Authorization: Token <token>``."""

    target_class = "jiguan.org.api.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
