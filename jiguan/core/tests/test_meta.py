"""Completeness meta-tests: nothing escapes the data scope by being forgotten.

1. Every model of a ``jiguan.*`` app is scoped (``scope_path``, or ``scope_owner`` for personal rows,
   with a ScopedQuerySet manager) or declares ``scope_global = True``.
2. Every URL served by a jiguan view goes through ``ScopedViewMixin`` / ``ScopedViewSetMixin``,
   except an explicit allowlist of non-data views.
3. Every scoped viewset filters and paginates.
4. Every menu entry reverses to a URL; an entry shown for a permission names a real one, and the
   one its page demands (entries without a permission are personal pages such as 我的待办).

Each check is a plain function returning a list of problems; a small sub-test feeds it a deliberately
bad fake, so a check that could never fail would itself fail.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import FieldError
from django.db import models
from django.test.utils import isolate_apps
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, path, resolve, reverse
from django.views import View
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets

from jiguan.core import menu
from jiguan.core.api import ScopedModelViewSet, ScopedViewSetMixin
from jiguan.core.scoping import ScopedManager, ScopedQuerySet, is_scoped
from jiguan.core.views import ScopedViewMixin

# Views that show or change no domain rows, reviewed one by one. Anything else must be scoped.
NON_DATA_VIEWS = {
    "jiguan.core.pages.home": "start page: module widgets, each reading through restrict() (core.dashboard)",
    "jiguan.core.pages.search_page": "global search: module providers, each reading through restrict() (core.search)",
    "jiguan.core.health.healthz": "liveness probe, no data",
    "jiguan.org.views.login_view": "sign-in",
    "jiguan.org.views.logout_view": "sign-out",
    "jiguan.org.views.password_change_view": "the user's own password",
    "jiguan.org.views.switch_unit_view": "unit switcher: restricts its choice with OrgUnit.restrict",
    "jiguan.org.api.views.TokenView": "API sign-in: username and password for a token",
    "jiguan.org.views.login_otp_view": "second sign-in step of an administrator (动态口令)",
    "jiguan.org.views.OtpDeviceView": "the signed-in administrator's own second-factor device",
    "jiguan.org.oidc.RequestView": "OIDC sign-in: redirect to the province's identity provider",
    "jiguan.org.oidc.CallbackView": "OIDC sign-in: the provider's answer",
    "jiguan.reservations.views.ics_mine": "ICS feed at a signed address: the token's user's own bookings",
    "jiguan.reservations.views.ics_resource": "ICS feed at a signed address: policies.may_see decides, as on the pages",
}
# Third-party views mounted as they are (no rows): the OpenAPI schema and its viewers.
THIRD_PARTY_VIEWS = {"schema", "api_docs", "api_redoc"}


# Helpers --------------------------------------------------------------------------------------------


def jiguan_models():
    return [m for config in apps.get_app_configs() if config.name.startswith("jiguan.")
            for m in config.get_models()]


def model_problems(model_list) -> list[str]:
    problems = []
    for model in model_list:
        label = model._meta.label
        if getattr(model, "scope_global", False) is True:
            continue
        scope_path = getattr(model, "scope_path", None)
        scope_owner = getattr(model, "scope_owner", None)
        if not scope_path and not scope_owner:
            problems.append(f"{label}: neither scope_path, scope_owner nor scope_global = True")
            continue
        if not (isinstance(model._default_manager.all(), ScopedQuerySet) and is_scoped(model)):
            problems.append(f"{label}: default manager {type(model._default_manager).__name__} is not scoped")
            continue
        # The lookup must lead to a real column (a typo would match nothing, or fail in production).
        lookup, attr = (f"{scope_path}__startswith", "scope_path") if scope_path else (
            f"{scope_owner}__pk", "scope_owner")
        try:
            str(model._default_manager.filter(**{lookup: "/1/" if scope_path else 1}).query)
        except FieldError as exc:
            problems.append(f"{label}: {attr} {scope_path or scope_owner!r} does not resolve: {exc}")
    return problems


def walk(resolver, prefix=""):
    """(route, URLPattern) for every pattern below ``resolver``."""
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern, route)
        else:
            assert isinstance(pattern, URLPattern)
            yield route, pattern


def view_class(callback):
    """The class behind a URL callback: Django's as_view() sets view_class, DRF's viewsets set cls."""
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)


def dotted(obj) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


def view_problems(patterns) -> list[str]:
    problems = []
    for route, pattern in patterns:
        cls = view_class(pattern.callback)
        target = cls or pattern.callback
        if not target.__module__.startswith("jiguan."):
            if pattern.name not in THIRD_PARTY_VIEWS:
                problems.append(f"{route}: third-party view {dotted(target)} is not reviewed")
            continue
        if dotted(target) in NON_DATA_VIEWS:
            continue
        if cls is None:
            problems.append(f"{route}: function view {dotted(target)} is not in the allowlist")
        elif issubclass(cls, ScopedViewMixin):
            if cls.model is None:
                problems.append(f"{route}: {dotted(cls)} has no model")
        elif issubclass(cls, ScopedViewSetMixin):
            if getattr(cls, "queryset", None) is None:
                problems.append(f"{route}: {dotted(cls)} has no queryset")
        else:
            problems.append(f"{route}: {dotted(cls)} is neither ScopedViewMixin nor ScopedViewSetMixin")
    return problems


def viewset_problems(classes) -> list[str]:
    problems = []
    for cls in classes:
        name = dotted(cls)
        filterset = getattr(cls, "filterset_class", None)
        if filterset is None:
            problems.append(f"{name}: no filterset_class")
        elif filterset._meta.model is not cls.queryset.model:
            problems.append(f"{name}: filterset_class filters {filterset._meta.model}, not {cls.queryset.model}")
        if getattr(cls, "pagination_class", None) is None:
            problems.append(f"{name}: no pagination")
        if DjangoFilterBackend not in list(getattr(cls, "filter_backends", [])):
            problems.append(f"{name}: DjangoFilterBackend is not among its filter backends")
    return problems


def menu_problems(sections) -> list[str]:
    from django.contrib.auth.models import Permission

    known = {f"{app}.{code}" for app, code in Permission.objects.values_list("content_type__app_label", "codename")}
    problems = []
    for section in sections:
        for item in section.items:
            where = f"menu {section.key}/{item.url_name}"
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                problems.append(f"{where}: does not reverse")
                continue
            if item.permission is None:  # a personal page (my to-dos): its view restricts to the user
                continue
            if item.permission not in known:
                problems.append(f"{where}: unknown permission {item.permission}")
            cls = view_class(resolve(url).func)
            if cls is not None and issubclass(cls, ScopedViewMixin):
                demanded = cls().required_permission()
                if demanded != item.permission:
                    problems.append(f"{where}: shown for {item.permission} but the page demands {demanded}")
    return problems


# 1. Models ------------------------------------------------------------------------------------------


def test_every_jiguan_model_is_scoped_or_global():
    collected = jiguan_models()
    labels = {m._meta.label for m in collected}
    assert {"org.OrgUnit", "org.User", "org.Role", "org.RoleAssignment", "audit.AuditEvent"} <= labels
    assert model_problems(collected) == []


def test_the_unit_owned_models_are_really_scoped():
    from jiguan.audit.models import AuditEvent
    from jiguan.org.models import OrgUnit, RoleAssignment, User

    for model in (OrgUnit, User, RoleAssignment, AuditEvent):
        assert is_scoped(model) and not getattr(model, "scope_global", False), model


@isolate_apps("jiguan.core")
def test_model_check_catches_an_escaped_model():
    class Forgotten(models.Model):  # noqa: DJ008 - no rule at all
        name = models.CharField(max_length=10)

    class PlainManager(models.Model):  # noqa: DJ008 - a path, but the default manager cannot restrict
        scope_path = "path"
        path = models.CharField(max_length=10)

    class Typo(models.Model):  # noqa: DJ008 - the path lookup leads nowhere
        scope_path = "unit__pth"
        path = models.CharField(max_length=10)
        objects = ScopedManager()

    class Good(models.Model):  # noqa: DJ008
        scope_path = "path"
        path = models.CharField(max_length=10)
        objects = ScopedManager()

    class Shared(models.Model):  # noqa: DJ008
        scope_global = True
        code = models.CharField(max_length=10)

    class Personal(models.Model):  # noqa: DJ008
        scope_owner = "owner"
        owner = models.ForeignKey(Shared, on_delete=models.CASCADE, related_name="+")
        objects = ScopedManager()

    class OwnerTypo(models.Model):  # noqa: DJ008
        scope_owner = "ownr"
        owner = models.ForeignKey(Shared, on_delete=models.CASCADE, related_name="+")
        objects = ScopedManager()

    problems = model_problems([Forgotten, PlainManager, Typo, Good, Shared, Personal, OwnerTypo])
    assert len(problems) == 4, problems
    assert problems[0].startswith("core.Forgotten: neither scope_path, scope_owner nor scope_global")
    assert problems[1].startswith("core.PlainManager: default manager")
    assert problems[2].startswith("core.Typo: scope_path 'unit__pth' does not resolve")
    assert problems[3].startswith("core.OwnerTypo: scope_owner 'ownr' does not resolve")


# 2. Views -------------------------------------------------------------------------------------------


def test_every_jiguan_url_is_scoped_or_allowlisted():
    patterns = list(walk(get_resolver()))
    jiguan_patterns = [(r, p) for r, p in patterns
                       if (view_class(p.callback) or p.callback).__module__.startswith("jiguan.")]
    scoped = [r for r, p in jiguan_patterns if view_class(p.callback) is not None and issubclass(
        view_class(p.callback), (ScopedViewMixin, ScopedViewSetMixin))]
    assert len(scoped) >= 25, scoped  # the org pages and the APIs are really walked
    assert any(r.startswith("api/v1/") for r in scoped)
    assert view_problems(patterns) == []


def test_allowlist_has_no_stale_entries():
    served = {dotted(view_class(p.callback) or p.callback) for _r, p in walk(get_resolver())}
    assert set(NON_DATA_VIEWS) <= served, set(NON_DATA_VIEWS) - served


class UnscopedView(View):
    def get(self, request):  # pragma: no cover - never called
        raise AssertionError


def unscoped_function(request):  # pragma: no cover - never called
    raise AssertionError


class ScopedButModelless(ScopedViewMixin, View):
    pass


class PlainViewSet(viewsets.ModelViewSet):
    pass


def test_view_check_catches_an_escaped_view():
    from jiguan.org.views import UnitListView

    fake = URLResolver(get_resolver().pattern, [
        path("good/", UnitListView.as_view(), name="good"),
        path("bad-class/", UnscopedView.as_view(), name="bad_class"),
        path("bad-function/", unscoped_function, name="bad_function"),
        path("no-model/", ScopedButModelless.as_view(), name="no_model"),
        path("bad-viewset/", PlainViewSet.as_view({"get": "list"}), name="bad_viewset"),
        path("home/", __import__("jiguan.core.pages", fromlist=["home"]).home, name="home"),
    ])
    problems = view_problems(walk(fake))
    assert [p.split(":")[0] for p in problems] == ["bad-class/", "bad-function/", "no-model/", "bad-viewset/"]
    assert "UnscopedView is neither" in problems[0]
    assert "function view" in problems[1] and "unscoped_function" in problems[1]


# 3. Viewsets ----------------------------------------------------------------------------------------


def registered_viewsets():
    classes = {view_class(p.callback) for _r, p in walk(get_resolver())}
    return sorted((c for c in classes if c is not None and issubclass(c, ScopedViewSetMixin)), key=dotted)


def test_every_scoped_viewset_filters_and_paginates():
    # Lists only: a report endpoint (assets' AssetReportViewSet) returns one computed document.
    classes = [c for c in registered_viewsets() if hasattr(c, "list")]
    names = {c.__name__ for c in classes}
    assert {"OrgUnitViewSet", "UserViewSet", "RoleViewSet", "RoleAssignmentViewSet", "AuditEventViewSet"} <= names
    assert viewset_problems(classes) == []


def test_viewset_check_catches_a_bare_viewset():
    from jiguan.org.models import OrgUnit, User

    class Bare(ScopedModelViewSet):
        queryset = OrgUnit.objects.all()
        pagination_class = None

    class Mismatched(ScopedModelViewSet):
        queryset = User.objects.all()
        filterset_class = __import__("jiguan.org.filters", fromlist=["OrgUnitFilter"]).OrgUnitFilter

    problems = viewset_problems([Bare, Mismatched])
    assert any("Bare: no filterset_class" in p for p in problems)
    assert any("Bare: no pagination" in p for p in problems)
    assert any("Mismatched: filterset_class filters" in p for p in problems)
    assert len(problems) == 3


def test_api_lists_are_paginated(users, api_client_for):
    """What the check promises, seen from a client: a page, with a count, of at most page_size rows."""
    response = api_client_for(users["sysadmin"]).get("/api/v1/org/units/", {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 11 and len(body["results"]) == 2 and body["next"]
    response = api_client_for(users["auditor"]).get("/api/v1/audit/events/", {"page_size": 3})
    assert len(response.json()["results"]) == 3


# 4. Menu --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_menu_entry_reverses_and_matches_its_page():
    sections = menu.registered()
    assert {"org", "audit"} <= {s.key for s in sections}
    assert sum(len(s.items) for s in sections) >= 6
    assert menu_problems(sections) == []


@pytest.mark.django_db
def test_menu_check_catches_a_broken_entry():
    broken = menu.MenuSection(key="fake", label="假", icon="x", items=[
        menu.MenuItem("好", "org:unit_list", "org.view_orgunit"),
        menu.MenuItem("坏链接", "org:no_such_page", "org.view_orgunit"),
        menu.MenuItem("权限拼错", "org:user_list", "org.view_usr"),
        menu.MenuItem("权限不符", "org:user_list", "org.view_orgunit"),
    ])
    problems = menu_problems([broken])
    assert problems == [
        "menu fake/org:no_such_page: does not reverse",
        "menu fake/org:user_list: unknown permission org.view_usr",
        "menu fake/org:user_list: shown for org.view_usr but the page demands org.view_user",
        "menu fake/org:user_list: shown for org.view_orgunit but the page demands org.view_user",
    ]
