"""Bad input gets a clear error, never a 500 (issue 16, items 8 and 9), checked across the whole API
and every list page: integers past 64 bits in bodies and query parameters, JSON of the wrong shape.
The structural checks make sure a new serializer or form gets the same rules."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django import forms
from django.urls import get_resolver, reverse
from rest_framework import serializers

import jiguan
from jiguan.core.forms import JSONObjectField as JSONObjectFormField
from jiguan.core.serializers import BoundedFieldsMixin, JSONObjectField
from jiguan.core.tests.test_meta import view_class, walk
from jiguan.core.validators import FlatJSONObject, parse_id, parse_ids
from jiguan.core.views import ObjectListView

BIG = "99999999999999999999"  # > 2**64
ACCOUNTS = ["prov_assets", "sysadmin", "secadmin", "auditor", "staff"]


def jiguan_classes(base):
    """Every class derived from ``base`` defined in jiguan's modules (tests excepted), after importing
    every module so that none is missed."""
    for module in pkgutil.walk_packages(jiguan.__path__, "jiguan."):
        name = module.name
        if name.startswith("jiguan.config") or ".tests" in name or "tests_browser" in name or ".migrations" in name \
                or name.endswith("conftest"):
            continue
        importlib.import_module(name)
    found, todo = set(), [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted((c for c in found if c.__module__.startswith("jiguan.") and ".tests" not in c.__module__),
                  key=lambda c: f"{c.__module__}.{c.__qualname__}")


# Structure: one place for every serializer and form -------------------------------------------


def test_every_serializer_derives_from_the_core_bases():
    # core.schema's serializers only document the error bodies of responses: they never read input.
    classes = [c for c in jiguan_classes(serializers.BaseSerializer)
               if not issubclass(c, serializers.ListSerializer)
               and c.__module__ not in ("jiguan.core.serializers", "jiguan.core.schema")]
    assert len(classes) > 40
    assert [f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, BoundedFieldsMixin)] == []


def test_every_writable_json_field_of_the_api_has_its_schema(db):
    problems, checked = [], 0
    for cls in jiguan_classes(serializers.ModelSerializer):
        if getattr(cls, "Meta", None) is None or cls.__module__ == "jiguan.core.serializers":
            continue
        for name, field in cls().fields.items():
            if isinstance(field, serializers.JSONField) and not field.read_only:
                checked += 1
                if not isinstance(field, JSONObjectField):
                    problems.append(f"{cls.__qualname__}.{name}")
    assert checked >= 2  # assets' custom, the standards change request's attrs
    assert problems == []


def test_every_json_field_of_a_form_has_its_schema():
    problems, checked = [], 0
    for cls in jiguan_classes(forms.BaseForm):
        for name, field in getattr(cls, "base_fields", {}).items():
            if isinstance(field, forms.JSONField):
                checked += 1
                if not isinstance(field, JSONObjectFormField):
                    problems.append(f"{cls.__module__}.{cls.__qualname__}.{name}")
    assert checked >= 1
    assert problems == []


def test_parse_ids_keeps_only_ids_of_the_range():
    assert parse_ids(["3,1", "x", "3", BIG, "-2", "0", "²", " 7 ", str(2**63 - 1), str(2**63)]) == [3, 1, 7, 2**63 - 1]
    assert parse_id("²") is None and parse_id("١٢") is None and parse_id(None) is None


@pytest.mark.parametrize("value, problem", [
    ([1, 2], "当前是数组"), ("abc", "当前是文字"), (None, "当前为空值 null"), (12, "当前是数字"),
    ({"a": [1]}, "不能是数组或对象"), ({"a": {"b": 1}}, "不能是数组或对象"), ({"": "x"}, "名称不能为空"),
    ({"a": float("nan")}, "不是有效数字"), ({"a": 2**70}, "超出范围"), ({"a": "x" * 501}, "超过 500 个字符"),
])
def test_flat_json_object_names_the_problem(value, problem):
    assert problem in FlatJSONObject().problem(value)


def test_flat_json_object_accepts_text_numbers_and_booleans():
    assert FlatJSONObject().problem({"asset_tag": "CW-1", "pages": 300000, "rate": 0.5, "depreciate": False,
                                     "none": None}) is None
    assert FlatJSONObject().problem({}) is None


# Through the API and the pages ----------------------------------------------------------------


def list_endpoints():
    """(url name, viewset class) of every API list with a filterset."""
    found = {}
    for _route, pattern in walk(get_resolver()):
        cls = view_class(pattern.callback)
        actions = getattr(pattern.callback, "actions", None) or {}
        if cls is not None and actions.get("get") == "list" and getattr(cls, "filterset_class", None) \
                and pattern.name and not pattern.pattern.regex.groups:
            found.setdefault(pattern.name, cls)
    return sorted(found.items())


def list_pages():
    found = {}
    for route, pattern in walk(get_resolver()):
        cls = view_class(pattern.callback)
        if cls is not None and issubclass(cls, ObjectListView) and cls.filterset_class is not None \
                and "<" not in route:
            found.setdefault(f"/{route}", cls)
    return sorted(found.items())


@pytest.fixture
def readers(tree, users):
    """The accounts tried as readers of each list: the fixtures' and a unit leader (审批查询)."""
    from jiguan.core.testing import make_user
    from jiguan.org.models import Duty, Role

    leader = make_user("a_leader", tree.city_a_agency, [("unit_leader", tree.city_a, True)])
    # And one holding every business role over city A, so a module's lists that only its own roles
    # read (a meeting room's service requests) are tried too, without this test naming the module.
    every = make_user("a_every_role", tree.city_a_agency,
                      [(code, tree.city_a, True) for code in Role.objects.filter(duty=Duty.BUSINESS, is_active=True)
                       .values_list("code", flat=True)])
    return [*(users[name] for name in ACCOUNTS), leader, every]


def first_reader(get, readers):
    for user in readers:
        if get(user, {}).status_code == 200:
            return user
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("value", [BIG, f"-{BIG}"])
def test_no_api_filter_answers_500_on_an_integer_past_64_bits(readers, api_client_for, value):
    endpoints = list_endpoints()
    assert len(endpoints) >= 15
    unread, checked = [], 0
    for name, cls in endpoints:
        url = reverse(name)

        def get(user, params, url=url):
            return api_client_for(user).get(url, params)

        reader = first_reader(get, readers)
        if reader is None:
            unread.append(name)
            continue
        for param in cls.filterset_class.base_filters:
            response = get(reader, {param: value})
            checked += 1
            assert response.status_code in (200, 400), (name, param, response.status_code)
            if response.status_code == 400:
                assert param in response.json()["error"]["fields"], (name, param, response.json())
    assert unread == [] and checked > 40


@pytest.mark.django_db
def test_no_list_page_answers_500_on_an_integer_past_64_bits(readers, client_for):
    pages = list_pages()
    assert len(pages) >= 10
    unread = []
    for url, cls in pages:

        def get(user, params, url=url):
            return client_for(user).get(url, params)

        reader = first_reader(get, readers)
        if reader is None:
            unread.append(url)
            continue
        for param in cls.filterset_class.base_filters:
            assert get(reader, {param: BIG}).status_code == 200, (url, param)
    assert unread == []


@pytest.mark.django_db
def test_integers_past_64_bits_in_other_serializers_are_a_400_naming_the_field(tree, users, api_client_for):
    # The approval decision's version (a plain IntegerField) and a related id (PrimaryKeyRelatedField).
    api = api_client_for(users["prov_assets"])
    response = api.post("/api/v1/assets/configurations/check/", {"class_code": "A02010105", "unit_price": "10",
                                                                  "quantity": int(BIG)}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"quantity": ["请确保该值小于或者等于 9223372036854775807。"]}
    response = api_client_for(users["sysadmin"]).post(f"/api/v1/org/units/{tree.city_a_agency.pk}/move/",
                                                      {"parent": int(BIG)}, format="json")
    assert response.status_code == 400 and "parent" in response.json()["error"]["fields"]
    response = api_client_for(users["sysadmin"]).post("/api/v1/org/units/", {
        "parent": int(BIG), "kind": "agency", "name": "甲市新局", "sort_order": int(BIG)}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"parent", "sort_order"}


@pytest.mark.django_db
def test_mark_read_ignores_ids_past_64_bits(users, api_client_for, client_for):
    response = api_client_for(users["staff"]).post(f"/api/v1/notifications/mark-read/?id={BIG}&id=²")
    assert response.status_code == 200 and response.json() == {"marked": 0}
    response = client_for(users["staff"]).post("/notifications/read/", {"id": [BIG, "²"]})
    assert response.status_code == 302
