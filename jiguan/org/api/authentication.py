from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from jiguan.core import context


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``. Tokens expire after API_TOKEN_MAX_AGE; locked users are refused."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if timezone.now() - token.created > settings.API_TOKEN_MAX_AGE:
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取。"))
        if user.is_locked:
            raise exceptions.AuthenticationFailed(_("账号已锁定。"))
        context.update(user=user)
        return user, token

    def authenticate_header(self, request):
        return "Token"
