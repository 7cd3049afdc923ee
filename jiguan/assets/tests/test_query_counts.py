"""The asset list answers with a fixed number of SQL queries whatever the number of cards: the page
and the API, plain, filtered (unit subtree + class + status) and searched, first and second page, with
3 cards and with 60 (more than a page). The page's shell (menu, unit switcher, badges) is part of it.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 60
# SQL statements, savepoints aside: the page with its shell (it cost 19 before the shell read the
# user's unit, roles and permissions once per request; 14 since a filtered page's class picker names
# the chosen class with its path, as the unit picker does, and the user's 列设置 is read); the API.
PAGE_CEILING = 14
API_CEILING = 7


def measure(client, url, params) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response, sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"])


def shown(response) -> int:
    if response.get("Content-Type", "").startswith("application/json"):
        return len(response.json()["results"])
    return len(response.context["rows"])


@pytest.mark.parametrize("url", ["/assets/", "/api/v1/assets/"], ids=["page", "api"])
@pytest.mark.parametrize("params", [
    {},
    {"owner": "CITY", "class_code": "A02010000", "status": "in_use"},
    {"q": "台式"},
    {"q": "tsjsj"},
], ids=["all", "filtered", "search-name", "search-initials"])
def test_the_asset_list_costs_the_same_queries_for_3_and_60_cards(tree, users, register, client_for, api_client_for,
                                                                    url, params):
    viewer = users["a_assets"]
    client = api_client_for(viewer) if url.startswith("/api/") else client_for(viewer)
    params = {k: (tree.city_a.pk if v == "CITY" else v) for k, v in params.items()}

    register(tree.city_a_agency, count=SMALL)
    measure(client, url, params)  # warm-up: content types, the session row
    response, small = measure(client, url, params)
    assert shown(response) == SMALL

    register(tree.county_a_agency, count=LARGE - SMALL)
    response, large = measure(client, url, params)
    assert shown(response) == 50  # a full first page
    response, second = measure(client, url, {**params, "page": 2})
    assert shown(response) == LARGE - 50

    assert small == large == second, f"{url} {params}: {small} queries for {SMALL} cards, {large} for {LARGE}"
    assert small <= (API_CEILING if url.startswith("/api/") else PAGE_CEILING), f"{url} {params}: {small} queries"
