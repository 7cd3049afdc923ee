"""Saved filters (保存的筛选条件): offered on every list page with filters, personal to their owner.
Exercised here on the org and audit lists. The tests on the assets list (issue 4: "Search ... saved
filters") are in jiguan/assets/tests/test_saved_filters.py, which uses the page helpers below: kernel
tests import no domain app (pyproject.toml [tool.importlinter])."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

CREATE = reverse("saved_filter_create")


def text(response) -> str:
    return response.content.decode()


def save_form(page: str) -> dict:
    """The hidden fields of the 保存筛选 form, as the browser would post them."""
    form = re.search(r'<form[^>]*id="save-filter-form".*?</form>', page, re.S)
    assert form, "no 保存筛选 form on the page"
    return {name: unescape(value) for name, value in re.findall(
        r'<input type="hidden" name="(view|query)" value="([^"]*)"', form.group(0))}


def my_filters(page: str) -> dict[str, str]:
    """我的筛选: name -> link."""
    menu = re.search(r'<div class="dropdown" id="my-filters">.*?</ul>', page, re.S)
    if not menu:
        return {}
    return {unescape(name): unescape(href) for href, name in re.findall(
        r'<a class="dropdown-item saved-filter[^"]*" href="([^"]*)">([^<]*)</a>', menu.group(0))}


def test_every_filtered_list_offers_it(users, client_for):
    client = client_for(users["sysadmin"])
    page = text(client.get(reverse("org:user_list"), {"q": "a_"}))
    assert save_form(page) == {"view": "org:user_list", "query": "q=a_"}
    client.post(CREATE, {"view": "org:user_list", "query": "q=a_", "name": "甲市人员"})
    assert my_filters(text(client.get(reverse("org:user_list")))) == {"甲市人员": f"{reverse('org:user_list')}?q=a_"}
    # personal, so the audit administrator (who may open no org page) saves one on the audit log
    auditor = client_for(users["auditor"])
    events = reverse("audit:event_list")
    fields = save_form(text(auditor.get(events, {"action": "login"})))
    assert fields == {"view": "audit:event_list", "query": "action=login"}
    auditor.post(CREATE, {**fields, "name": "登录"})
    assert my_filters(text(auditor.get(events))) == {"登录": f"{events}?action=login"}
