"""The key register's global search provider and home-page tile, declared by the register: both
read only the rows in the user's scope."""

from jiguan.core import dashboard, search


def groups(user, q):
    return {g["key"]: g for g in search.search(user, q)}


def test_search_finds_keys_in_scope_only(keys, keepers):
    provider = {p.key: p for p in search.registered()}["kernel_example.key"]
    assert provider.permission == "kernel_example.view_key"
    found = provider.search(keepers["a"], "室", 10)
    assert [(h.title, h.subtitle, h.url) for h in found] == [
        ("A-001 甲市 101 室", "甲市机关事务管理局", f"/kernel-example/keys/{keys['a'].pk}/")]
    assert [h.title for h in provider.search(keepers["b"], "室", 10)] == ["B-001 乙市 201 室"]
    assert provider.search(keepers["a"], "张三", 10)[0].title == "A-001 甲市 101 室"  # the holder
    assert provider.more_url("室") == "/kernel-example/keys/?q=%E5%AE%A4"


def test_the_global_search_offers_the_keys_to_keepers_only(keys, keepers):
    group = groups(keepers["a"], "A-001")["kernel_example.key"]
    assert group["label"] == "钥匙" and [h.title for h in group["hits"]] == ["A-001 甲市 101 室"]
    assert group["more_url"] == "/kernel-example/keys/?q=A-001"
    assert "kernel_example.key" not in groups(keepers["none"], "A-001")


def test_the_tile_counts_the_keys_in_scope(keys, keepers, tree):
    from .conftest import new_key

    new_key(keepers["a"], tree.county_a_agency, "C-001")

    def tile(user):
        return {w["key"]: w for w in dashboard.for_user(user)}.get("kernel_example.key.count")

    assert tile(keepers["a"])["data"]["value"] == 2
    assert tile(keepers["a"])["url"] == "/kernel-example/keys/"
    assert tile(keepers["b"])["data"]["value"] == 1
    assert tile(keepers["none"]) is None
