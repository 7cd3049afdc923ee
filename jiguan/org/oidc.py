"""Sign-in with the province's OpenID Connect provider (统一身份认证, OIDC): mozilla-django-oidc's
authorization-code flow, with the provider's endpoints read from its discovery document and the
account mapped to its unit by a claim. The sign-in rules (unit, audit, no administrator duty) are
``org.services.oidc_login``'s.

Settings: ``JIGUAN_OIDC`` (jiguan/config/settings/base.py). Off while its ISSUER is empty.
"""

from __future__ import annotations

from types import SimpleNamespace

import requests
from django.conf import settings
from django.contrib.auth import login
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

DISCOVERY_SECONDS = 3600

# mozilla-django-oidc's setting names, answered from JIGUAN_OIDC and the discovery document.
_FROM_CONF = {"OIDC_RP_CLIENT_ID": "CLIENT_ID", "OIDC_RP_CLIENT_SECRET": "CLIENT_SECRET",
              "OIDC_RP_SCOPES": "SCOPES", "OIDC_TIMEOUT": "TIMEOUT", "OIDC_VERIFY_SSL": "VERIFY_SSL"}
_FROM_DISCOVERY = {"OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
                   "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint", "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
                   "OIDC_OP_JWKS_ENDPOINT": "jwks_uri"}
_FIXED = {"OIDC_RP_SIGN_ALGO": "RS256", "OIDC_USE_NONCE": True, "OIDC_USE_PKCE": True,
          "OIDC_AUTHENTICATION_CALLBACK_URL": "oidc_authentication_callback", "OIDC_STORE_ID_TOKEN": False,
          "OIDC_STORE_ACCESS_TOKEN": False, "OIDC_CREATE_USER": True}


def enabled() -> bool:
    return bool(settings.JIGUAN_OIDC["ISSUER"])


def discovery() -> dict:
    """The provider's /.well-known/openid-configuration, cached for an hour."""
    conf = settings.JIGUAN_OIDC
    issuer = conf["ISSUER"].rstrip("/")
    key = f"jiguan:oidc-discovery:{issuer}"
    document = cache.get(key)
    if document is None:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=conf["TIMEOUT"],
                                verify=conf["VERIFY_SSL"])
        response.raise_for_status()
        document = response.json()
        if document.get("issuer", "").rstrip("/") != issuer:
            raise ImproperlyConfigured(f"the discovery document of {issuer} names another issuer")
        cache.set(key, document, DISCOVERY_SECONDS)
    return document


def oidc_setting(attr, *args):
    if attr in _FIXED:
        return _FIXED[attr]
    if attr in _FROM_CONF:
        return settings.JIGUAN_OIDC[_FROM_CONF[attr]]
    if attr in _FROM_DISCOVERY:
        return discovery()[_FROM_DISCOVERY[attr]]
    return import_from_settings(attr, *args)


class Backend(OIDCAuthenticationBackend):
    """Authenticates only the callback of the flow (it passes a nonce); any other authenticate()
    (the password sign-in) passes by without a request to the provider. Grants no permission:
    ScopedRoleBackend is the sessions' backend and the one that answers has_perm."""

    def __init__(self, *args, **kwargs):  # the endpoints are read when a callback comes, not per check
        self.UserModel = None

    get_settings = staticmethod(oidc_setting)

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not enabled():
            return None
        for attr in ("OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT",
                     "OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET", "OIDC_RP_SIGN_ALGO"):
            setattr(self, attr, oidc_setting(attr))
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as exc:  # a bad signature, nonce, issuer or audience
            from jiguan.audit import services as audit
            from jiguan.audit.models import Action

            audit.record(Action.LOGIN_FAILED, success=False, object_type_label="org.user", object_repr="—",
                         message=_("统一身份认证的登录凭据无效：%(e)s") % {"e": str(exc)[:200]})
            request.jiguan_oidc_refused = SimpleNamespace(message=_("统一身份认证的登录凭据无效，请重新登录。"))
            return None

    def verify_token(self, token, **kwargs):
        """mozilla-django-oidc checks the signature, expiry and nonce; the issuer and the audience too."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audience = audience if isinstance(audience, list) else [audience]
        if str(payload.get("iss", "")).rstrip("/") != settings.JIGUAN_OIDC["ISSUER"].rstrip("/"):
            raise SuspiciousOperation("ID token from another issuer")
        if self.OIDC_RP_CLIENT_ID not in audience:
            raise SuspiciousOperation("ID token for another client")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        from . import services

        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        try:
            return services.oidc_login(claims=claims)
        except services.LoginRefused as refused:
            self.request.jiguan_oidc_refused = refused
            return None

    def get_user(self, user_id):
        return None

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    get_user_permissions = get_group_permissions = get_all_permissions

    def has_perm(self, user_obj, perm, obj=None):
        return False

    def has_module_perms(self, user_obj, app_label):
        return False


class RequestView(OIDCAuthenticationRequestView):
    """统一身份认证登录: to the provider's sign-in page (state, nonce and PKCE in the session)."""

    get_settings = staticmethod(oidc_setting)

    def dispatch(self, request, *args, **kwargs):
        if not enabled():
            return _refused_page(request, _off_message())
        try:
            return super().dispatch(request, *args, **kwargs)
        except (requests.RequestException, ImproperlyConfigured, KeyError, ValueError):
            return _refused_page(request, _unavailable_message())

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = oidc_setting("OIDC_RP_CLIENT_ID")
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here with a code: the account is signed in, or the
    login page says why not."""

    get_settings = staticmethod(oidc_setting)

    def dispatch(self, request, *args, **kwargs):
        if not enabled():
            return _refused_page(request, _off_message())
        try:
            return super().dispatch(request, *args, **kwargs)
        except SuspiciousOperation:  # a state this browser did not start (a replayed or forged callback)
            return _refused_page(request, _("统一身份认证未能完成登录，请重新登录。"), status=403)
        except (requests.RequestException, ImproperlyConfigured, KeyError, ValueError):
            return _refused_page(request, _unavailable_message())

    def login_success(self):
        login(self.request, self.user, backend="jiguan.org.backends.ScopedRoleBackend")
        next_url = self.request.session.pop("oidc_login_next", None) or ""
        if not url_has_allowed_host_and_scheme(next_url, {self.request.get_host()}):
            next_url = ""
        return HttpResponseRedirect(next_url or reverse("home"))

    def login_failure(self):
        refused = getattr(self.request, "jiguan_oidc_refused", None)
        return _refused_page(self.request, refused.message if refused else _(
            "统一身份认证未能完成登录，请重新登录。"), status=403)


def _off_message():
    return _("本平台未开启统一身份认证登录，请使用用户名和密码登录。")


def _unavailable_message():
    return _("统一身份认证服务暂时无法连接，请稍后再试或使用用户名和密码登录。")


def _refused_page(request, message, status=200):
    from . import directory, forms

    return render(request, "registration/login.html", {
        "form": forms.LoginForm(), "next": "", "directory_login": directory.enabled(),
        "oidc_login": enabled(), "login_notice": message}, status=status)
