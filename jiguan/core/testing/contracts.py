"""Contract test bases (NetBox's ViewTestCases / APIViewTestCases): a model's page and API tests are
data. A test class in an app names the model, its URLs, who is granted, denied and out of scope, and
what to post; the base generates the tests every domain object owes:

- permission denied: a user without the permission gets 403 (list, detail, create, update);
- permission granted: 200 on the list (the object listed) and the detail, 201/302 on a write;
- out of scope: a user holding the permission over another city does not find the object in the list
  or its Excel export, gets 404 on its detail and its update, and cannot create in the unit;
- exactly one audit record per write, on the object written, naming the acting user (and every
  record the write leaves names that user);
- the list costs the same queries for few and many rows, under a ceiling.

    class TestVehiclePages(contracts.ViewContract):
        model = Vehicle
        list_url, detail_url = "vehicles:vehicle_list", "vehicles:vehicle_detail"
        create_url, update_url = "vehicles:vehicle_create", "vehicles:vehicle_edit"
        granted = ("city_a_agency", [("vehicle_dispatcher", "city_a", True)])
        out_of_scope = ("city_b_agency", [("vehicle_dispatcher", "city_b", True)])

        def create_data(self, env):
            return {"unit": env.unit.pk, "plate": "闽A·12345", "model_name": "汉", "seats": 5}

        def update_data(self, env, obj):
            return {"unit": obj.unit_id, "plate": obj.plate, "model_name": "唐", "seats": 7}

The objects come from the model's test factory (``jiguan.core.testing.factories``), made in ``unit``
(a ``Tree`` attribute). Users are ``(home unit, [(role code, scope unit, subtree)])`` with ``Tree``
attribute names. A URL left empty (or a payload method not overridden) drops its tests, so a test
class declares exactly what its model offers; ``not_offered`` lists API methods that must answer 405.
"""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from jiguan.audit.models import Action, AuditEvent

from . import factories, make_user

SMALL, LARGE = 2, 5


class Env:
    """What one test of a contract works with: the tree, the unit, the users, the object, clients."""

    def __init__(self, contract, tree):
        self.contract, self.tree = contract, tree
        self.unit = getattr(tree, contract.unit)
        self._users, self._obj = {}, None

    def user(self, which: str):
        if which not in self._users:
            spec = getattr(self.contract, which)
            if spec is None and which == "write_denied":
                return self.user("denied")
            home, roles = spec
            self._users[which] = make_user(f"contract_{which}_{factories.serial()}", getattr(self.tree, home),
                                           [(role, getattr(self.tree, scope), subtree) for role, scope, subtree in roles])
        return self._users[which]

    def prepare(self) -> Env:
        """Make the users first, so no test counts their audit records as its own."""
        for which in ("granted", "denied", "write_denied", "out_of_scope"):
            if getattr(self.contract, which, None) is not None or which == "write_denied":
                self.user(which)
        return self

    @property
    def obj(self):
        if self._obj is None:
            self._obj = self.contract.make(self)
        return self._obj

    def make(self):
        return self.contract.make(self)

    def client(self, which: str):
        user = self.user(which)
        if self.contract.api:
            client = APIClient()
            client.force_authenticate(user)
        else:
            client = Client()
            client.force_login(user)
        return client

    def marker(self, obj) -> str:
        return str(factories.get(self.contract.model).marker(obj))


class Contract:
    model = None
    api = False
    unit = "city_a_agency"                         # the Tree attribute owning the objects
    granted = None                                 # (home unit, [(role, scope unit, subtree)])
    denied = ("city_a_agency", [])                 # no permission at all
    write_denied = None                            # may read but not write (default: denied)
    out_of_scope = None                            # the permission, over another city
    query_ceiling = 20
    create_action = Action.CREATE                  # the audit action of a create (a run start: STATE)
    update_action = Action.UPDATE

    # Tests a subclass drops by leaving their prerequisite empty: {test name: attribute or method}.
    _needs: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("_abstract"):
            return  # ViewContract, APIContract: the bases keep every test
        for test, needed in cls._needs.items():
            if not cls._offers(needed):
                setattr(cls, test, None)  # not a function: pytest collects no such test
            elif getattr(cls, test) is None:  # dropped by an intermediate base, offered here
                setattr(cls, test, next(k.__dict__[test] for k in cls.__mro__ if k.__dict__.get(test) is not None))

    @classmethod
    def _offers(cls, needed: str) -> bool:
        """``needed``: names joined by "+"; "create" and "update" mean the payload methods are given."""
        return all(cls._offers_one(name) for name in needed.split("+"))

    @classmethod
    def _offers_one(cls, name: str) -> bool:
        if name == "create":
            return cls._overrides("create_request") or (
                cls._overrides("create_data") and bool(cls.api or getattr(cls, "create_url", "")))
        if name == "update":
            return cls._overrides("update_data")
        return bool(getattr(cls, name, None))

    @classmethod
    def _overrides(cls, method: str) -> bool:
        return getattr(cls, method) is not getattr(Contract, method)

    @pytest.fixture
    def env(self, tree):
        return Env(self, tree).prepare()

    # Data -----------------------------------------------------------------------------------------

    def make(self, env):
        """A new object in ``env.unit`` (the model's test factory)."""
        return factories.make(self.model, env.unit)

    def create_request(self, env) -> tuple[str, dict]:
        """The URL and body of a create."""
        return self.create_path(env), self.create_data(env)

    def create_data(self, env) -> dict:
        raise NotImplementedError

    def update_data(self, env, obj) -> dict:
        raise NotImplementedError

    def created(self, before: set):
        """The object a create made (the one new row of the model)."""
        rows = list(self.model.objects.exclude(pk__in=before))
        assert len(rows) == 1, f"expected one new {self.model._meta.label}, found {len(rows)}"
        return rows[0]

    # Helpers --------------------------------------------------------------------------------------

    def label(self) -> str:
        return self.model._meta.label_lower

    def records(self, since: int):
        return list(AuditEvent.objects.filter(pk__gt=since).order_by("id"))

    def last_record(self) -> int:
        return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def assert_one_record(self, since: int, obj, user, action: str):
        """One record of the request's own on the object, by ``user``; a background job the write
        starts (inline when Celery is eager: a depreciation run) records its own work, on channel
        "job". Every record left names ``user``."""
        records = self.records(since)
        on_obj = [r for r in records if r.object_type == self.label() and r.object_id == str(obj.pk)
                  and r.channel != "job"]
        assert [(r.action, r.actor_id) for r in on_obj] == [(action, user.pk)], (
            f"expected one {action} record on {self.label()} {obj.pk} by {user}, got "
            f"{[(r.action, r.object_type, r.object_id, r.actor_username, r.channel) for r in records]}")
        assert {r.actor_id for r in records} == {user.pk}, [(r.object_type, r.actor_username) for r in records]

    def assert_nothing_written(self, since: int, before: set):
        assert not self.model.objects.exclude(pk__in=before).exists(), "a refused create made a row"
        assert [r for r in self.records(since) if r.action != Action.EXPORT] == [], "a refused write was audited"

    def count_queries(self, client, url) -> tuple[int, object]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]), response


# Pages ----------------------------------------------------------------------------------------------


def _listed(response) -> set:
    return {getattr(row, "pk", None) for row in response.context["object_list"]}


def _sheet(response) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return "\n".join(str(c) for s in book.worksheets for row in s.iter_rows(values_only=True) for c in row
                     if c is not None)


class ViewContract(Contract):
    """The pages of one model: list (with its Excel export), detail, create and update forms."""

    list_url = ""
    detail_url = ""
    create_url = ""
    update_url = ""
    export = True
    _abstract = True

    _needs = {
        "test_list_needs_the_permission": "list_url",
        "test_list_shows_the_object_in_scope": "list_url",
        "test_list_hides_the_object_out_of_scope": "list_url+out_of_scope",
        "test_export_holds_only_what_the_scope_allows": "list_url+export+out_of_scope",
        "test_list_queries_do_not_grow_with_the_rows": "list_url",
        "test_detail_needs_the_permission": "detail_url",
        "test_detail_shows_the_object": "detail_url",
        "test_detail_out_of_scope_is_404": "detail_url+out_of_scope",
        "test_create_needs_the_permission": "create",
        "test_create_writes_one_audit_record": "create",
        "test_create_out_of_scope_is_refused": "create+out_of_scope",
        "test_update_needs_the_permission": "update_url+update",
        "test_update_out_of_scope_is_404": "update_url+update+out_of_scope",
        "test_update_writes_one_audit_record": "update_url+update",
    }

    def create_path(self, env) -> str:
        return reverse(self.create_url)

    def detail_path(self, obj) -> str:
        return reverse(self.detail_url, args=[obj.pk])

    def update_path(self, obj) -> str:
        return reverse(self.update_url, args=[obj.pk])

    # List and export

    def test_list_needs_the_permission(self, env):
        assert env.obj.pk  # there is something to hide
        assert env.client("denied").get(reverse(self.list_url)).status_code == 403

    def test_list_shows_the_object_in_scope(self, env):
        obj = env.obj
        response = env.client("granted").get(reverse(self.list_url))
        assert response.status_code == 200 and obj.pk in _listed(response)

    def test_list_hides_the_object_out_of_scope(self, env):
        obj = env.obj
        response = env.client("out_of_scope").get(reverse(self.list_url))
        assert response.status_code == 200
        assert obj.pk not in _listed(response)

    def test_export_holds_only_what_the_scope_allows(self, env):
        marker = env.marker(env.obj)
        mine = env.client("granted").get(reverse(self.list_url), {"export": "xlsx"})
        assert mine.status_code == 200 and marker in _sheet(mine)
        theirs = env.client("out_of_scope").get(reverse(self.list_url), {"export": "xlsx"})
        assert theirs.status_code == 200 and marker not in _sheet(theirs)

    def test_list_queries_do_not_grow_with_the_rows(self, env):
        for _ in range(SMALL):
            env.make()
        client, url = env.client("granted"), reverse(self.list_url)
        self.count_queries(client, url)  # warm-up: content types, the session
        small, response = self.count_queries(client, url)
        rows = response.context["paginator"].count
        for _ in range(LARGE - SMALL):
            env.make()
        large, response = self.count_queries(client, url)
        assert response.context["paginator"].count >= rows + LARGE - SMALL
        assert large == small, f"{small} queries for {rows} rows, {large} for more (N+1)"
        assert small <= self.query_ceiling, f"{small} queries, ceiling {self.query_ceiling}"

    # Detail

    def test_detail_needs_the_permission(self, env):
        assert env.client("denied").get(self.detail_path(env.obj)).status_code == 403

    def test_detail_shows_the_object(self, env):
        response = env.client("granted").get(self.detail_path(env.obj))
        assert response.status_code == 200
        assert env.marker(env.obj) in response.content.decode()

    def test_detail_out_of_scope_is_404(self, env):
        assert env.client("out_of_scope").get(self.detail_path(env.obj)).status_code == 404

    # Create

    def test_create_needs_the_permission(self, env):
        url, data = self.create_request(env)
        before, since = set(self.model.objects.values_list("pk", flat=True)), self.last_record()
        client = env.client("write_denied")
        assert client.get(url).status_code in (403, 404)
        assert client.post(url, data).status_code in (403, 404)
        self.assert_nothing_written(since, before)

    def test_create_writes_one_audit_record(self, env):
        url, data = self.create_request(env)
        before, since = set(self.model.objects.values_list("pk", flat=True)), self.last_record()
        response = env.client("granted").post(url, data)
        assert response.status_code == 302, self._form_errors(response)
        obj = self.created(before)
        self.assert_one_record(since, obj, env.user("granted"), self.create_action)

    def test_create_out_of_scope_is_refused(self, env):
        url, data = self.create_request(env)
        before, since = set(self.model.objects.values_list("pk", flat=True)), self.last_record()
        response = env.client("out_of_scope").post(url, data)
        assert response.status_code in (200, 403, 404), response.status_code  # the form's error, or no access
        self.assert_nothing_written(since, before)

    # Update

    def test_update_needs_the_permission(self, env):
        obj, since = env.obj, self.last_record()
        client = env.client("write_denied")
        assert client.get(self.update_path(obj)).status_code == 403
        assert client.post(self.update_path(obj), self.update_data(env, obj)).status_code == 403
        assert self.records(since) == []

    def test_update_out_of_scope_is_404(self, env):
        obj, since = env.obj, self.last_record()
        client = env.client("out_of_scope")
        assert client.get(self.update_path(obj)).status_code == 404
        assert client.post(self.update_path(obj), self.update_data(env, obj)).status_code == 404
        assert self.records(since) == []

    def test_update_writes_one_audit_record(self, env):
        obj = env.obj
        data, since = self.update_data(env, obj), self.last_record()
        response = env.client("granted").post(self.update_path(obj), data)
        assert response.status_code == 302, self._form_errors(response)
        self.assert_one_record(since, obj, env.user("granted"), self.update_action)

    @staticmethod
    def _form_errors(response):
        form = response.context.get("form") if response.context else None
        return form.errors if form is not None else response.status_code


# API ------------------------------------------------------------------------------------------------


def _ids(response) -> set:
    body = response.json()
    return {row["id"] for row in body["results"]}


class APIContract(Contract):
    """The API of one model: ``basename`` of its router routes (``<basename>-list``, ``-detail``)."""

    api = True
    basename = ""
    not_offered: tuple = ()                         # methods of the detail route that must answer 405
    query_ceiling = 12
    _abstract = True

    _needs = {
        "test_list_needs_the_permission": "basename",
        "test_list_shows_the_object_in_scope": "basename",
        "test_list_hides_the_object_out_of_scope": "basename+out_of_scope",
        "test_list_queries_do_not_grow_with_the_rows": "basename",
        "test_detail_needs_the_permission": "basename",
        "test_detail_shows_the_object": "basename",
        "test_detail_out_of_scope_is_404": "basename+out_of_scope",
        "test_create_needs_the_permission": "create",
        "test_create_writes_one_audit_record": "create",
        "test_create_out_of_scope_is_refused": "create+out_of_scope",
        "test_update_needs_the_permission": "update",
        "test_update_out_of_scope_is_404": "update+out_of_scope",
        "test_update_writes_one_audit_record": "update",
        "test_methods_not_offered_answer_405": "not_offered",
    }

    def list_path(self) -> str:
        return reverse(f"{self.basename}-list")

    def create_path(self, env) -> str:
        return self.list_path()

    def detail_path(self, obj) -> str:
        return reverse(f"{self.basename}-detail", kwargs={"pk": obj.pk})

    def created_from(self, response, before: set):
        """The object a create answered with (default: the one new row)."""
        return self.created(before)

    # List

    def test_list_needs_the_permission(self, env):
        assert env.obj.pk  # there is something to hide
        assert env.client("denied").get(self.list_path()).status_code == 403

    def test_list_shows_the_object_in_scope(self, env):
        obj = env.obj
        response = env.client("granted").get(self.list_path())
        assert response.status_code == 200 and obj.pk in _ids(response)

    def test_list_hides_the_object_out_of_scope(self, env):
        obj = env.obj
        response = env.client("out_of_scope").get(self.list_path())
        assert response.status_code == 200 and obj.pk not in _ids(response)

    def test_list_queries_do_not_grow_with_the_rows(self, env):
        for _ in range(SMALL):
            env.make()
        client, url = env.client("granted"), self.list_path()
        self.count_queries(client, url)
        small, response = self.count_queries(client, url)
        rows = response.json()["count"]
        for _ in range(LARGE - SMALL):
            env.make()
        large, response = self.count_queries(client, url)
        assert response.json()["count"] >= rows + LARGE - SMALL
        assert large == small, f"{small} queries for {rows} rows, {large} for more (N+1)"
        assert small <= self.query_ceiling, f"{small} queries, ceiling {self.query_ceiling}"

    # Detail

    def test_detail_needs_the_permission(self, env):
        assert env.client("denied").get(self.detail_path(env.obj)).status_code == 403

    def test_detail_shows_the_object(self, env):
        response = env.client("granted").get(self.detail_path(env.obj))
        assert response.status_code == 200 and response.json()["id"] == env.obj.pk

    def test_detail_out_of_scope_is_404(self, env):
        assert env.client("out_of_scope").get(self.detail_path(env.obj)).status_code == 404

    # Create

    def test_create_needs_the_permission(self, env):
        url, data = self.create_request(env)
        before, since = set(self.model.objects.values_list("pk", flat=True)), self.last_record()
        assert env.client("write_denied").post(url, data, format="json").status_code in (403, 404)
        self.assert_nothing_written(since, before)

    def test_create_writes_one_audit_record(self, env):
        url, data = self.create_request(env)
        before, since = set(self.model.objects.values_list("pk", flat=True)), self.last_record()
        response = env.client("granted").post(url, data, format="json")
        assert response.status_code == 201, response.json()
        obj = self.created_from(response, before)
        self.assert_one_record(since, obj, env.user("granted"), self.create_action)

    def test_create_out_of_scope_is_refused(self, env):
        url, data = self.create_request(env)
        before, since = set(self.model.objects.values_list("pk", flat=True)), self.last_record()
        response = env.client("out_of_scope").post(url, data, format="json")
        assert response.status_code in (400, 403, 404), (response.status_code, response.json())
        self.assert_nothing_written(since, before)

    # Update

    def test_update_needs_the_permission(self, env):
        obj, since = env.obj, self.last_record()
        response = env.client("write_denied").patch(self.detail_path(obj), self.update_data(env, obj), format="json")
        assert response.status_code == 403
        assert self.records(since) == []

    def test_update_out_of_scope_is_404(self, env):
        obj, since = env.obj, self.last_record()
        response = env.client("out_of_scope").patch(self.detail_path(obj), self.update_data(env, obj), format="json")
        assert response.status_code == 404
        assert self.records(since) == []

    def test_update_writes_one_audit_record(self, env):
        obj = env.obj
        data, since = self.update_data(env, obj), self.last_record()
        response = env.client("granted").patch(self.detail_path(obj), data, format="json")
        assert response.status_code == 200, response.json()
        self.assert_one_record(since, obj, env.user("granted"), self.update_action)

    def test_methods_not_offered_answer_405(self, env):
        obj, since = env.obj, self.last_record()
        client = env.client("granted")
        for method in self.not_offered:
            response = getattr(client, method)(self.detail_path(obj), {}, format="json")
            assert response.status_code == 405, (method, response.status_code)
        assert self.records(since) == []
