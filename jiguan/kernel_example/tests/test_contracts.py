"""The kernel's contract tests (core.testing.contracts) over the example's pages and API: permission
denied and granted, out of scope, one audit record per write, list query counts."""

from jiguan.core.context import acting_as
from jiguan.core.testing import contracts
from jiguan.core.testing.factories import person, serial
from jiguan.kernel_example import services
from jiguan.kernel_example.models import Key, KeyHandover
from jiguan.workflow.tests.factories import flow_at

from .factories import key as make_key

KEEPER_A = ("city_a_agency", [("key_keeper", "city_a", True)])
KEEPER_B = ("city_b_agency", [("key_keeper", "city_b", True)])
READER_A = ("city_a_agency", [("unit_leader", "city_a", True)])  # reads keys and handovers, writes none


def key_data(env, **changes):
    data = {"unit": env.unit.pk, "code": f"CT-{serial():05d}", "room": "契约室", "kind": "door", "copies": 1,
            "holder": "", "holder_phone": "", "status": "in_stock", "note": ""}
    data.update(changes)
    return data


def handover_data(env):
    flow_at(env.unit, services.HANDOVER)
    person(env.unit, "unit_leader")
    with acting_as(None):
        key = make_key(env.unit)
    return {"unit": env.unit.pk, "to_holder": "契约接收人", "reason": "契约测试", "keys": [key.pk]}


class TestKeyPages(contracts.ViewContract):
    model = Key
    list_url, detail_url = "kernel_example:key_list", "kernel_example:key_detail"
    create_url, update_url = "kernel_example:key_create", "kernel_example:key_edit"
    granted, out_of_scope, write_denied = KEEPER_A, KEEPER_B, READER_A

    def create_data(self, env):
        return key_data(env)

    def update_data(self, env, obj):
        return key_data(env, code=obj.code, room="契约室（改）")


class TestKeyAPI(contracts.APIContract):
    model = Key
    basename = "kernel_example-key"
    granted, out_of_scope, write_denied = KEEPER_A, KEEPER_B, READER_A
    not_offered = ("put", "delete")

    def create_data(self, env):
        return key_data(env)

    def update_data(self, env, obj):
        return {"room": "契约室（改）"}


class TestKeyHandoverPages(contracts.ViewContract):
    model = KeyHandover
    list_url, detail_url = "kernel_example:keyhandover_list", "kernel_example:keyhandover_detail"
    create_url = "kernel_example:keyhandover_create"
    granted, out_of_scope, write_denied = KEEPER_A, KEEPER_B, READER_A

    def create_data(self, env):
        return handover_data(env)


class TestKeyHandoverAPI(contracts.APIContract):
    model = KeyHandover
    basename = "kernel_example-keyhandover"
    granted, out_of_scope, write_denied = KEEPER_A, KEEPER_B, READER_A
    not_offered = ("put", "patch", "delete")

    def create_data(self, env):
        return handover_data(env)
