"""Behavioural scope walk: every URL the project serves, requested as a user of another city.

The meta-tests (test_meta.py) check that every view derives from the scoped bases; this checks what
they answer. The walk finds the routes by itself (the URL resolver), so a new page or API is walked
the day it is added:

1. Objects of city B: one per model that a route lists or shows, made by its test factory
   (``jiguan.core.testing.factories``; each app registers its own in ``<app>/tests/factories.py``).
2. The outsider holds every permission over city A; the insider the same over city B.
3. Every route that answers GET, as the outsider:
   - a list (page or API): 200, and no object of city B among its rows; on a page, also its Excel
     export (``?export=xlsx``);
   - a route with URL arguments (a detail, an action's form, an API detail or sub-resource): 404 for
     city B's object;
   - any other page or API (a form, a report, the start page): nothing of city B in the answer (the
     objects' markers: codes, numbers, names).
   Each check also asks the insider (or the users the factory says see the object: its owner, the
   approver), who must see what the outsider must not: a check that cannot fail fails.
4. Every list (page and API): the same number of queries for SMALL and LARGE rows, under a ceiling.

A route the walk cannot check (its model has no factory, its URL takes arguments the factory does
not give) fails with what to do, unless it is in ``ALLOWLIST`` with the reason. Models declared
``scope_global`` (shared configuration) have no city: their lists are counted, not scope-checked.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, path, reverse
from django.views.generic.list import MultipleObjectMixin
from rest_framework.test import APIClient

from jiguan.core.context import acting_as
from jiguan.core.testing import factories, make_user

from .test_meta import NON_DATA_VIEWS, THIRD_PARTY_VIEWS, dotted

pytestmark = pytest.mark.django_db

# Routes the walk does not request, reviewed one by one: route name -> why, and where it is tested.
ALLOWLIST = {
    "assets:attachment_download": "a card's attachment (card and attachment ids): out of scope 404 in "
                                  "assets/tests/test_attachments.py",
    "asset-attachment": "a card's attachment through the API (card and attachment ids): "
                        "assets/tests/test_attachments.py",
    "asset-import-status": "an import job's token, not a row: the job belongs to its starter "
                           "(assets/tests/test_import.py)",
    "asset-import-report": "an import job's error report by token (assets/tests/test_import.py)",
    # Spreadsheet imports of any registered importer (jiguan.core.imports): one pattern per importer key.
    "imports:import": "an importer's upload page by its key: the form, no rows (core/tests/test_import_jobs.py)",
    "imports:template": "an importer's empty template by its key (core/tests/test_import_jobs.py)",
    "import-status": "an import job by its token: the job belongs to its starter (core/tests/test_import_jobs.py)",
    "import-report": "an import job's error report by its token (core/tests/test_import_jobs.py)",
    # Personal pages: their rows are the user's own, not a scope's (no viewer of the unit finds them).
    "assets:mine": "我的资产, the cards whose 使用人 is the user: another's are absent "
                   "(assets/tests/test_self_service.py)",
    "assets:requisition": "领用申请, the idle pool of the user's own agency: another city's absent "
                          "(assets/tests/test_requisition.py)",
    "meetings:mine": "我的预订, the occurrences of bookings the user made, holds or attends: another's are "
                     "absent (meetings/tests/test_booking_pages.py)",
    "meetings:door_check_in": "a door's check-in code (room and day, signed), not a row: an outsider gets 404 "
                              "for the room behind it (meetings/tests/test_booking_pages.py)",
}
# Function views that show domain data without a model of their own: walked as pages (leak check).
WALKED_FUNCTION_VIEWS = {"jiguan.core.pages.home"}

SMALL, LARGE = 2, 5
PAGE_CEILING = 20  # queries for a list page with its shell (menu, unit switcher, badges)
API_CEILING = 12   # queries for an API list
CEILINGS: dict[str, int] = {}  # route name -> its own ceiling, with the reason beside it


# Routes -----------------------------------------------------------------------------------------


@dataclass
class Route:
    name: str             # URL name with namespace ("assets:asset_list"), or the API's ("asset-list")
    route: str
    callback: object
    cls: type | None
    arguments: tuple      # names of the URL's arguments
    api: bool
    action: str = ""      # DRF action answering GET
    model: type | None = None

    @property
    def is_list(self) -> bool:
        if self.arguments:
            return False
        if self.api:
            return self.action == "list"
        return self.cls is not None and issubclass(self.cls, MultipleObjectMixin)

    @property
    def is_global(self) -> bool:
        return self.model is not None and getattr(self.model, "scope_global", False) is True

    def url(self, kwargs=None) -> str:
        return reverse(self.name, kwargs=kwargs or None)


def _walk(resolver, prefix="", namespace="", arguments=()):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        names = arguments + tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (
                pattern.namespace or namespace)
            yield from _walk(pattern, route, inner or "", names)
        else:
            assert isinstance(pattern, URLPattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            yield name, route, pattern.callback, names


def discover(resolver=None) -> list[Route]:
    """Every route of a jiguan view that answers GET (writes are the contract tests' business)."""
    routes = []
    for name, route, callback, arguments in _walk(resolver or get_resolver()):
        cls = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        target = cls or callback
        if not target.__module__.startswith("jiguan.") or name in THIRD_PARTY_VIEWS:
            continue
        if dotted(target) in NON_DATA_VIEWS and dotted(target) not in WALKED_FUNCTION_VIEWS:
            continue
        actions = getattr(callback, "actions", None)
        if actions is not None:
            if "get" not in actions:
                continue
            model = cls.queryset.model if getattr(cls, "queryset", None) is not None else None
            routes.append(Route(name, route, callback, cls, arguments, True, actions["get"], model))
        elif cls is None or hasattr(cls, "get"):
            routes.append(Route(name, route, callback, cls, arguments, False, "", getattr(cls, "model", None)))
    return routes


def coverage_problems(routes, allowlist=ALLOWLIST) -> list[str]:
    """Routes the walk could not check, with what to do about them."""
    problems = []
    for r in routes:
        if r.name in allowlist:
            continue
        needs_object = r.arguments or (r.is_list and not r.is_global)
        if not needs_object:
            continue
        if r.model is None:
            problems.append(f"{r.name or r.route}: takes {list(r.arguments)} but its view names no model "
                            f"(ALLOWLIST it with the reason)")
            continue
        if r.is_global and not r.is_list:
            continue  # shared configuration: no city to hide it from
        entry = factories.get(r.model)
        if entry is None:
            problems.append(f"{r.name or r.route}: no test factory for {r.model._meta.label}: register one in "
                            f"jiguan/{r.model._meta.app_label}/tests/factories.py (jiguan.core.testing.factories), "
                            f"or ALLOWLIST the route with the reason")
        elif not r.name:
            problems.append(f"{r.route}: has no URL name, so the walk cannot build it (name it)")
    return problems


def checked_routes(routes, allowlist=ALLOWLIST):
    return [r for r in routes if r.name not in allowlist]


# The people and the objects -----------------------------------------------------------------------


def everything_role():
    """A business role holding every permission of the jiguan apps (never shipped: test data)."""
    from django.contrib.auth.models import Permission

    from jiguan.org.models import Duty, Role

    role, created = Role.objects.get_or_create(code="contract-everything",
                                               defaults={"name": "全部权限（测试）", "duty": Duty.BUSINESS})
    if created:
        role.permissions.set(Permission.objects.filter(content_type__app_label__in=_jiguan_labels()))
    return role


def _jiguan_labels():
    from django.apps import apps

    return [c.label for c in apps.get_app_configs() if c.name.startswith("jiguan.")]


def everything_user(username, unit):
    from jiguan.org import services

    user = make_user(username, unit)
    with acting_as(None, channel="command"):
        services.assignment_grant(user=user, role=everything_role(), unit=unit, include_descendants=True)
    user.clear_permission_cache()
    return user


@dataclass
class Walk:
    outsider: object
    insider: object
    unit: object                                  # where the objects live (city B)
    objects: dict = field(default_factory=dict)   # model label -> object
    clients: dict = field(default_factory=dict)

    def client(self, user, api: bool):
        key = (user.pk, api)
        if key not in self.clients:
            if api:
                client = APIClient()
                client.force_authenticate(user)
            else:
                client = Client()
                client.force_login(user)
            self.clients[key] = client
        return self.clients[key]

    def get(self, user, route: Route, url: str, params=None):
        return self.client(user, route.api).get(url, params or {})

    def viewers(self, model, obj) -> list:
        return [self.insider, *factories.get(model).viewers(obj)]

    def markers(self) -> list[tuple[str, str]]:
        found = []
        for label, obj in self.objects.items():
            entry = factories.registered()[label]
            if entry.leak_check:
                found.append((label, str(entry.marker(obj))))
        return found


def build(tree, routes) -> Walk:
    walk = Walk(outsider=everything_user("walk_outsider", tree.city_a_agency),
                insider=everything_user("walk_insider", tree.city_b_agency), unit=tree.city_b_agency)
    # In a fixed order, the audit records last: every other object's making writes audit records, and
    # the audit list shows the newest first (made earlier, the walk's record could leave its first page).
    models = {r.model for r in routes if r.model is not None and not r.is_global}
    for model in sorted(models, key=lambda m: (m._meta.label == "audit.AuditEvent", m._meta.label)):
        if factories.get(model) is not None:
            walk.objects[model._meta.label] = factories.make(model, walk.unit)
    return walk


# Reading answers ----------------------------------------------------------------------------------


def listed_ids(response, api: bool):
    """Primary keys of the rows a list answered with (None when it does not say)."""
    if api:
        body = response.json()
        rows = body.get("results", body) if isinstance(body, dict) else body
        return {row.get("id") for row in rows if isinstance(row, dict)}
    rows = response.context["object_list"] if response.context and "object_list" in response.context else None
    return None if rows is None else {getattr(row, "pk", None) for row in rows}


def row_count(response, api: bool) -> int:
    if api:
        body = response.json()
        return body["count"] if isinstance(body, dict) and "count" in body else len(body)
    paginator = response.context.get("paginator") if response.context else None
    return paginator.count if paginator is not None else len(response.context["object_list"])


def sheet_text(response) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


def answer_text(response) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="ignore")


# The checks ---------------------------------------------------------------------------------------


def scope_problems(walk: Walk, routes) -> list[str]:
    problems = []
    for r in routes:
        obj = walk.objects.get(r.model._meta.label) if r.model is not None else None
        if r.is_list and not r.is_global and obj is not None:
            problems += list_problems(walk, r, obj)
        elif r.arguments and not r.is_global and obj is not None:
            problems += object_problems(walk, r, obj)
        elif not r.arguments and not r.is_list:
            problems += page_problems(walk, r)
    return problems


def list_problems(walk: Walk, r: Route, obj) -> list[str]:
    response = walk.get(walk.outsider, r, r.url())
    if response.status_code != 200:
        return [f"{r.name}: the outsider's list answered {response.status_code}, not 200"]
    ids = listed_ids(response, r.api)
    if ids is None:
        return [f"{r.name}: the list does not say which rows it shows (no object_list / results)"]
    problems = []
    if obj.pk in ids:
        problems.append(f"{r.name}: lists {r.model._meta.label} {obj.pk} of another city")
    if not any(obj.pk in (listed_ids(walk.get(u, r, r.url()), r.api) or ()) for u in walk.viewers(r.model, obj)):
        problems.append(f"{r.name}: nobody who may see {r.model._meta.label} {obj.pk} finds it in the list, "
                        "so the check proves nothing (fix the factory's seen_by)")
    table = getattr(r.cls, "table", None) if not r.api else None
    if table is not None:
        marker = str(factories.get(r.model).marker(obj))
        exported = walk.get(walk.outsider, r, r.url(), {"export": "xlsx"})
        if exported.status_code != 200:
            problems.append(f"{r.name}: the outsider's export answered {exported.status_code}")
        elif marker in sheet_text(exported):
            problems.append(f"{r.name}: the Excel export holds {marker!r} of another city")
        if not any(marker in sheet_text(walk.get(u, r, r.url(), {"export": "xlsx"}))
                   for u in walk.viewers(r.model, obj)):
            problems.append(f"{r.name}: no export of those who may see it holds {marker!r}, so the check "
                            "proves nothing")
    return problems


def object_problems(walk: Walk, r: Route, obj) -> list[str]:
    given = factories.get(r.model).kwargs_for(obj)
    missing = [a for a in r.arguments if a not in given]
    if missing:
        return [f"{r.name}: the factory of {r.model._meta.label} gives no {missing} for its URL "
                "(factories.register(..., url_kwargs=...)), or ALLOWLIST the route with the reason"]
    try:
        url = r.url({a: given[a] for a in r.arguments})
    except NoReverseMatch as exc:
        return [f"{r.name}: does not reverse with {given}: {exc}"]
    problems = []
    status = walk.get(walk.outsider, r, url).status_code
    if status != 404:
        problems.append(f"{r.name}: {url} answered {status} to a user of another city, not 404")
    if not any(walk.get(u, r, url).status_code < 400 for u in walk.viewers(r.model, obj)):
        problems.append(f"{r.name}: {url} refuses everybody who may see it, so the 404 proves nothing")
    return problems


def page_problems(walk: Walk, r: Route) -> list[str]:
    response = walk.get(walk.outsider, r, r.url())
    if response.status_code >= 500:
        return [f"{r.name}: answered {response.status_code}"]
    text = answer_text(response)
    return [f"{r.name}: shows {marker!r} ({label}) of another city" for label, marker in walk.markers()
            if marker and marker in text]


def count_queries(walk: Walk, user, r: Route) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = walk.get(user, r, r.url())
    assert response.status_code == 200, (r.name, response.status_code)
    return sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]), row_count(response, r.api)


def query_count_problems(walk: Walk, routes) -> list[str]:
    problems = []
    lists = [r for r in routes if r.is_list and r.model is not None and factories.get(r.model) is not None]
    for model in sorted({r.model for r in lists}, key=lambda m: m._meta.label):
        made = [factories.make(model, walk.unit) for _ in range(SMALL)]
        counted = [r for r in lists if r.model is model]
        before = {}
        for r in counted:
            viewer = next((u for u in walk.viewers(model, made[0])
                           if made[0].pk in (listed_ids(walk.get(u, r, r.url()), r.api) or ())), walk.insider)
            count_queries(walk, viewer, r)  # warm-up: content types, the session
            before[r.name] = (viewer, *count_queries(walk, viewer, r))
        for _ in range(LARGE - SMALL):
            factories.make(model, walk.unit)
        for r in counted:
            viewer, small, rows = before[r.name]
            large, more = count_queries(walk, viewer, r)
            ceiling = CEILINGS.get(r.name, API_CEILING if r.api else PAGE_CEILING)
            if more < rows + LARGE - SMALL:
                problems.append(f"{r.name}: {rows} rows, then {more} after {LARGE - SMALL} more objects: "
                                "the count proves nothing")
            if large != small:
                problems.append(f"{r.name}: {small} queries for {rows} rows, {large} for {more} (N+1)")
            if max(small, large) > ceiling:
                problems.append(f"{r.name}: {max(small, large)} queries, over its ceiling of {ceiling}")
    return problems


# The tests ----------------------------------------------------------------------------------------


def test_every_route_is_covered_by_the_walk():
    routes = discover()
    names = {r.name for r in routes}
    assert {"org:unit_list", "org:user_detail", "audit:event_list", "orgunit-list", "auditevent-detail",
            "home"} <= names                             # pages, details, APIs really are found
    problems = coverage_problems(routes)
    assert problems == [], "\n".join(problems)


def test_the_allowlist_has_no_stale_entries():
    names = {name for name, _route, _cb, _args in _walk(get_resolver())}
    assert set(ALLOWLIST) <= names, set(ALLOWLIST) - names


def test_no_route_shows_another_citys_objects(tree):
    routes = checked_routes(discover())
    walk = build(tree, routes)
    assert len(walk.objects) >= 8, sorted(walk.objects)   # org, audit, workflow, notifications … really made
    problems = scope_problems(walk, routes)
    assert problems == [], "\n".join(problems)


def test_lists_cost_the_same_queries_for_few_and_many_rows(tree):
    routes = checked_routes(discover())
    walk = Walk(outsider=None, insider=everything_user("walk_insider", tree.city_b_agency), unit=tree.city_b_agency)
    assert sum(1 for r in routes if r.is_list) >= 10
    problems = query_count_problems(walk, routes)
    assert problems == [], "\n".join(problems)


# The checks catch what they are for ------------------------------------------------------------------

from jiguan.config.urls import urlpatterns as real_urlpatterns  # noqa: E402
from jiguan.org.views import UnitDetailView, UnitListView  # noqa: E402


class LeakyUnitList(UnitListView):
    def base_queryset(self):
        return self.model.objects.all()  # forgets the scope


class LeakyUnitDetail(UnitDetailView):
    def get_queryset(self):
        return self.model.objects.all()


class CostlyUnitList(UnitListView):
    """One more query per row shown."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for unit in context["object_list"]:
            type(unit).objects.filter(pk=unit.pk).exists()
        return context


urlpatterns = [
    path("fake/leaky-units/", LeakyUnitList.as_view(), name="fake_leaky_list"),
    path("fake/leaky-units/<int:pk>/", LeakyUnitDetail.as_view(), name="fake_leaky_detail"),
    path("fake/leaky-units/<int:pk>/<int:other>/", LeakyUnitDetail.as_view(), name="fake_two_arguments"),
    path("fake/costly-units/", CostlyUnitList.as_view(), name="fake_costly_list"),
    *real_urlpatterns,
]
FAKES = {"fake_leaky_list", "fake_leaky_detail", "fake_two_arguments", "fake_costly_list"}


@pytest.fixture
def fake_urls(settings):
    settings.ROOT_URLCONF = __name__
    return [r for r in discover() if r.name in FAKES]


def test_a_route_without_a_factory_fails_unless_allowlisted(monkeypatch):
    routes = [r for r in discover() if r.model is not None and r.model._meta.label == "org.RoleAssignment"]
    assert coverage_problems(routes) == []
    factories.registered()  # discovered before one is taken away
    monkeypatch.delitem(factories._factories, "org.RoleAssignment")
    message = ("no test factory for org.RoleAssignment: register one in jiguan/org/tests/factories.py "
               "(jiguan.core.testing.factories), or ALLOWLIST the route with the reason")
    assert coverage_problems(routes) == [f"{name}: {message}" for name in (
        "org:assignment_list", "roleassignment-list", "roleassignment-detail")]
    allowed = {"org:assignment_list": "reviewed", "roleassignment-list": "reviewed", "roleassignment-detail": "x"}
    assert coverage_problems(routes, allowlist=allowed) == []


def test_the_walk_catches_a_leak_and_a_route_it_cannot_check(fake_urls, tree):
    routes = fake_urls
    walk = build(tree, routes)
    problems = scope_problems(walk, routes)
    unit = walk.objects["org.OrgUnit"]
    assert problems[:3] == [
        f"fake_leaky_list: lists org.OrgUnit {unit.pk} of another city",
        f"fake_leaky_list: the Excel export holds {unit.name!r} of another city",
        f"fake_leaky_detail: /fake/leaky-units/{unit.pk}/ answered 200 to a user of another city, not 404",
    ]
    assert problems[3].startswith("fake_two_arguments: the factory of org.OrgUnit gives no ['other']")
    assert len(problems) == 4, problems                   # the costly list hides nothing


def test_the_query_count_catches_an_n_plus_one(fake_urls, tree):
    walk = Walk(outsider=None, insider=everything_user("walk_insider", tree.city_b_agency), unit=tree.city_b_agency)
    problems = query_count_problems(walk, [r for r in fake_urls if r.name == "fake_costly_list"])
    assert len(problems) == 1 and problems[0].startswith("fake_costly_list: ") and "(N+1)" in problems[0], problems
