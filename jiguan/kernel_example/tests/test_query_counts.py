"""The generated list pages, exports and API lists read a fixed number of queries, whatever the
number of rows (the register's select_related / prefetch_related reach every column)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import file_handover, new_key


def count(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(queries)


def add_keys(keeper, unit, start, n):
    return [new_key(keeper, unit, f"Q-{i:03d}") for i in range(start, start + n)]


@pytest.mark.parametrize("url,params", [
    ("/kernel-example/keys/", {}),
    ("/kernel-example/keys/", {"export": "xlsx"}),
    ("/api/v1/kernel-example/keys/", {}),
    ("/kernel-example/handovers/", {}),
    ("/kernel-example/handovers/", {"export": "xlsx"}),
    ("/api/v1/kernel-example/handovers/", {}),
])
def test_list_query_count_does_not_grow_with_rows(tree, keepers, handover_flow, client_for, api_client_for,
                                                  url, params):
    keeper, unit = keepers["a"], tree.city_a_agency
    client = (api_client_for if url.startswith("/api/") else client_for)(keeper)

    def grow(start, n):
        for key in add_keys(keeper, unit, start, n):
            file_handover(keeper, unit, [key.pk], to_holder=f"接收人{key.code}")

    grow(0, 2)
    count(client, url, params)  # warm-up: content types, session
    small = count(client, url, params)
    grow(2, 12)
    large = count(client, url, params)
    assert large == small, f"{url}: {small} queries for 2 rows, {large} for 14"
    assert small <= 20
