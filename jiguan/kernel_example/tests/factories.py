"""Test factories of the kernel example (jiguan.core.testing.factories): a key, and a key handover
(filed over a new key of the unit, pending approval by the unit's leader)."""

from __future__ import annotations

from jiguan.core.context import acting_as
from jiguan.core.testing import factories
from jiguan.core.testing.factories import person, serial
from jiguan.kernel_example import services
from jiguan.kernel_example.models import Key, KeyHandover
from jiguan.kernel_example.registers import keys as key_register
from jiguan.workflow.tests.factories import flow_at


@factories.factory(Key, marker=lambda k: k.code)
def key(unit):
    keeper = person(unit, "key_keeper")
    with acting_as(keeper):
        return key_register.create(Key(unit=unit, code=f"KF-{serial():05d}", room=f"契约{serial()}室"), actor=keeper)


@factories.factory(KeyHandover, marker=lambda h: h.number)
def handover(unit):
    flow_at(unit, services.HANDOVER)
    person(unit, "unit_leader")  # the approver the route needs
    keeper = person(unit, "key_keeper")
    with acting_as(keeper):
        return services.handover_create(unit=unit, keys=[key(unit)], to_holder=f"接收人{serial()}",
                                        reason="契约测试", actor=keeper)
