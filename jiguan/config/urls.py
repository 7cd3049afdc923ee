from django.apps import apps
from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from jiguan.core import health, pages, plugins
from jiguan.org import oidc as org_oidc
from jiguan.org import views as org_views

api_v1 = [
    path("", include("jiguan.org.api.urls")),
    path("", include("jiguan.audit.api.urls")),
    path("", include("jiguan.notifications.api.urls")),
    path("", include("jiguan.workflow.api.urls")),
    path("", include("jiguan.standards.api.urls")),
    path("", include("jiguan.assets.api.urls")),
    path("", include("jiguan.meetings.api.urls")),
    path("", include("jiguan.core.attachments.api_urls")),
    path("imports/", include("jiguan.core.imports.api_urls")),
    path("events/", include("jiguan.core.events.api_urls")),
    # The kernel's example module, installed in the test settings only (jiguan.kernel_example).
    *([path("", include("jiguan.kernel_example.api.urls"))] if apps.is_installed("jiguan.kernel_example") else []),
    # Plug-in apps (jiguan.core.plugins): each one's api/urls.py.
    *plugins.api_urlpatterns(),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api_docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api_redoc"),
]

urlpatterns = [
    path("", pages.home, name="home"),
    path("search/", pages.search_page, name="search"),
    path("healthz", health.healthz, name="healthz"),
    path("login/", org_views.login_view, name="login"),
    path("login/otp/", org_views.login_otp_view, name="login_otp"),
    # 统一身份认证 (OIDC, jiguan.org.oidc): to the provider, and back with a code.
    path("oidc/authenticate/", org_oidc.RequestView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", org_oidc.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("logout/", org_views.logout_view, name="logout"),
    path("password/", org_views.password_change_view, name="password_change"),
    path("switch-unit/", org_views.switch_unit_view, name="switch_unit"),
    # Personal, on every list page (not an org administration page): 保存筛选 / 我的筛选.
    path("saved-filters/", org_views.SavedFilterCreateView.as_view(), name="saved_filter_create"),
    path("list-columns/", org_views.ListColumnsView.as_view(), name="list_columns"),
    path("saved-filters/<int:pk>/delete/", org_views.SavedFilterDeleteView.as_view(), name="saved_filter_delete"),
    # Personal, in the account menu: the user's own API tokens (API 令牌).
    path("account/otp/", org_views.OtpDeviceView.as_view(), name="otp_device"),
    path("account/tokens/", org_views.ApiTokenListView.as_view(), name="apitoken_list"),
    path("account/tokens/<int:pk>/revoke/", org_views.ApiTokenRevokeView.as_view(), name="apitoken_revoke"),
    path("org/", include("jiguan.org.urls")),
    path("audit/", include("jiguan.audit.urls")),
    path("notifications/", include("jiguan.notifications.urls")),
    path("workflow/", include("jiguan.workflow.urls")),
    path("standards/", include("jiguan.standards.urls")),
    path("assets/", include("jiguan.assets.urls")),
    path("meetings/", include("jiguan.meetings.urls")),
    path("reservations/", include("jiguan.reservations.urls")),
    path("attachments/", include("jiguan.core.attachments.urls")),
    path("imports/", include("jiguan.core.imports.urls")),
    path("events/", include("jiguan.core.events.urls")),
    *([path("kernel-example/", include("jiguan.kernel_example.urls"))]
      if apps.is_installed("jiguan.kernel_example") else []),
    # Plug-in apps (jiguan.core.plugins): each one's urls.py under p/<label>/ or its own prefix.
    *plugins.urlpatterns(),
    path("api/v1/", include(api_v1)),
]

# Under /api/ the structured JSON error body, elsewhere the HTML pages (jiguan.core.errors).
handler400 = "jiguan.core.errors.bad_request"
handler403 = "jiguan.core.errors.permission_denied"
handler404 = "jiguan.core.errors.page_not_found"
handler500 = "jiguan.core.errors.server_error"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
