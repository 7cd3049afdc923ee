"""Fixtures of the kernel example: key keepers (钥匙管理员) of city A and city B, and one key in each
city (created through the register, as the system)."""

import pytest

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.kernel_example.models import Key
from jiguan.kernel_example.registers import keys as key_register


@pytest.fixture
def keepers(tree):
    return {
        "a": make_user("a_keeper", tree.city_a_agency, [("key_keeper", tree.city_a, True)]),
        "b": make_user("b_keeper", tree.city_b_agency, [("key_keeper", tree.city_b, True)]),
        "county": make_user("county_keeper", tree.county_a_agency, [("key_keeper", tree.county_a, True)]),
        "none": make_user("no_keys", tree.city_a_agency, [("staff", tree.city_a, True)]),
    }


def new_key(actor, unit, code, **fields):
    fields.setdefault("room", f"{code} 室")
    with acting_as(actor, channel="command"):
        return key_register.create(Key(unit=unit, code=code, **fields), actor=actor)


@pytest.fixture
def keys(tree, keepers):
    return {
        "a": new_key(keepers["a"], tree.city_a_agency, "A-001", room="甲市 101 室", holder="张三", status="issued"),
        "b": new_key(keepers["b"], tree.city_b_agency, "B-001", room="乙市 201 室"),
    }
