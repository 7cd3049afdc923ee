"""The kernel's contract tests (core.testing.contracts) over the meetings registers' pages and API:
permission denied and granted, out of scope, one audit record per write, list query counts."""

from jiguan.core.context import acting_as
from jiguan.core.testing import contracts
from jiguan.core.testing.factories import serial
from jiguan.meetings.models import Building, Compound, Room

from .factories import compound as make_compound

ADMIN_A = ("city_a_agency", [("meeting_admin", "city_a", True)])
ADMIN_B = ("city_b_agency", [("meeting_admin", "city_b", True)])
SERVICE_A = ("city_a_agency", [("meeting_service", "city_a", True)])  # reads rooms, writes none


def compound_of(env):
    with acting_as(None):
        return make_compound(env.unit)


def compound_data(env, **changes):
    data = {"unit": env.unit.pk, "name": f"契约办公区{serial()}", "address": "契约路 1 号", "service_phone": "",
            "note": ""}
    data.update(changes)
    return data


def room_data(env, **changes):
    compound = changes.pop("compound", None) or compound_of(env).pk
    data = {"unit": env.unit.pk, "compound": compound, "name": f"契约会议室{serial()}", "usage": "meeting",
            "capacity": 20, "equipment": ["projector"], "layouts": ["boardroom"], "open_from": "08:00",
            "open_until": "18:00", "open_weekdays": ["1", "2", "3", "4", "5"], "buffer_before": 0,
            "buffer_after": 0, "min_notice": 0, "max_advance": 90, "max_length": 480, "release_after": 15,
            "open_to": "all", "is_active": "on"}
    data.update(changes)
    return data


class TestCompoundPages(contracts.ViewContract):
    model = Compound
    list_url, detail_url = "meetings:compound_list", "meetings:compound_detail"
    create_url, update_url = "meetings:compound_create", "meetings:compound_edit"
    granted, out_of_scope, write_denied = ADMIN_A, ADMIN_B, SERVICE_A

    def create_data(self, env):
        return compound_data(env)

    def update_data(self, env, obj):
        return compound_data(env, name=obj.name, address="契约路 2 号")


class TestCompoundAPI(contracts.APIContract):
    model = Compound
    basename = "meetings-compound"
    granted, out_of_scope, write_denied = ADMIN_A, ADMIN_B, SERVICE_A
    not_offered = ("put", "delete")

    def create_data(self, env):
        return compound_data(env)

    def update_data(self, env, obj):
        return {"address": "契约路 3 号"}


class TestBuildingAPI(contracts.APIContract):
    model = Building
    basename = "meetings-building"
    granted, out_of_scope, write_denied = ADMIN_A, ADMIN_B, SERVICE_A
    not_offered = ("put", "delete")

    def create_data(self, env):
        return {"compound": compound_of(env).pk, "name": f"契约楼{serial()}"}

    def update_data(self, env, obj):
        return {"floors": 12}


class TestRoomPages(contracts.ViewContract):
    model = Room
    list_url, detail_url = "meetings:room_list", "meetings:room_detail"
    create_url, update_url = "meetings:room_create", "meetings:room_edit"
    granted, out_of_scope, write_denied = ADMIN_A, ADMIN_B, SERVICE_A

    def create_data(self, env):
        return room_data(env)

    def update_data(self, env, obj):
        return room_data(env, compound=obj.compound_id, name=obj.name, capacity=40)


class TestRoomAPI(contracts.APIContract):
    model = Room
    basename = "meetings-room"
    granted, out_of_scope, write_denied = ADMIN_A, ADMIN_B, SERVICE_A
    not_offered = ("put", "delete")

    def create_data(self, env):
        return {"unit": env.unit.pk, "compound": compound_of(env).pk, "name": f"契约会议室{serial()}",
                "capacity": 20, "equipment": ["projector", "screen"], "open_to": "all"}

    def update_data(self, env, obj):
        return {"capacity": 44}
