"""Pagination of every list (core.pagination.BoundedPaginator): an exact count up to the bound, "超过
N 条" beyond it with pages that still lead on to the end, and the API's ``count_exact`` flag.

The lists are the audit log of one account (60 records, 50 to a page); the bound is made small here
so that 60 rows exceed it.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiguan.audit import services as audit
from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.core.pagination import BoundedPaginator
from jiguan.core.testing import make_user

pytestmark = pytest.mark.django_db

ROWS = 60
PAGE = "/audit/"
API = "/api/v1/audit/events/"


@pytest.fixture
def events(tree):
    """ROWS audit records of the account ``pager``, newest first (the lists' order)."""
    pager = make_user("pager", tree.city_a_dept)
    with acting_as(pager):
        for i in range(ROWS):
            audit.record(Action.EXPORT, actor=pager, object_type_label="org.orgunit", object_repr=f"分页导出{i}")
    ids = list(AuditEvent.objects.filter(actor_username="pager").order_by("-id").values_list("id", flat=True))
    assert len(ids) == ROWS
    return ids


@pytest.fixture
def small_bound(monkeypatch):
    monkeypatch.setattr(BoundedPaginator, "count_bound", 20)


def page_text(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    nav = re.search(r'<nav class="d-flex[^"]*" aria-label="分页">(.*?)</nav>', html, re.S)
    assert nav, "no pagination"
    return re.sub(r"\s+", " ", nav.group(1))


def shown_ids(response) -> list[int]:
    return [row["object"].pk for row in response.context["rows"]]


def test_a_list_under_the_bound_shows_the_exact_count(events, users, client_for):
    client = client_for(users["auditor"])
    first = client.get(PAGE, {"actor": "pager"})
    nav = page_text(first)
    assert "共 60 条，第 1–50 条" in nav and "1 / 2" in nav and "末页" in nav and "超过" not in nav
    assert shown_ids(first) == events[:50]
    last = client.get(PAGE, {"actor": "pager", "page": 2})
    assert "共 60 条，第 51–60 条" in page_text(last)
    assert shown_ids(last) == events[50:]
    assert client.get(PAGE, {"actor": "pager", "page": 3}).status_code == 404


def test_a_list_over_the_bound_says_more_than_and_pages_on(events, users, client_for, small_bound):
    client = client_for(users["auditor"])
    first = client.get(PAGE, {"actor": "pager"})
    nav = page_text(first)
    assert "超过 20 条，第 1–50 条" in nav and "第 1 页" in nav
    assert "共 " not in nav and "末页" not in nav and "1 / " not in nav
    assert "下一页" in nav and "actor=pager&amp;page=2" in nav
    assert shown_ids(first) == events[:50]

    second = client.get(PAGE, {"actor": "pager", "page": 2})  # beyond the bound: still served
    nav = page_text(second)
    assert "超过 20 条，第 51–60 条" in nav and "第 2 页" in nav and "上一页" in nav and "下一页" not in nav
    assert shown_ids(second) == events[50:]
    assert client.get(PAGE, {"actor": "pager", "page": 3}).status_code == 404


def test_the_api_flags_a_bounded_count_and_leads_on_to_the_end(events, users, api_client_for, small_bound):
    client = api_client_for(users["auditor"])
    with CaptureQueriesContext(connection) as queries:
        body = client.get(API, {"actor": "pager", "page_size": 25}).json()
    assert body["count"] == 20 and body["count_exact"] is False
    assert "page=2" in body["next"] and body["previous"] is None
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and re.search(r"LIMIT 21\b", counts[0]), counts  # never counts the rest

    seen, page = [], 1
    while True:
        body = client.get(API, {"actor": "pager", "page_size": 25, "page": page}).json()
        assert body["count"] == 20 and body["count_exact"] is False
        seen += [e["id"] for e in body["results"]]
        if body["next"] is None:
            break
        page += 1
    assert page == 3 and seen == events  # every row once, in the list's order
    missing = client.get(API, {"actor": "pager", "page_size": 25, "page": 4})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_the_api_counts_exactly_under_the_bound(events, users, api_client_for):
    client = api_client_for(users["auditor"])
    body = client.get(API, {"actor": "pager", "page_size": 25, "page": 3}).json()
    assert body["count"] == ROWS and body["count_exact"] is True
    assert [e["id"] for e in body["results"]] == events[50:] and body["next"] is None


def test_the_schema_documents_the_flag(db, client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    paginated = schema["components"]["schemas"]["PaginatedAuditEventList"]
    assert paginated["properties"]["count_exact"]["type"] == "boolean"
    assert "count_exact" in paginated["required"]
