"""Test factories of the standards models (jiguan.core.testing.factories). Standards are shared by
the whole tenant (``scope_global``): the kernel's walk counts their lists' queries, it has no city to
hide them from."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from jiguan.core.context import acting_as
from jiguan.core.testing import factories
from jiguan.core.testing.factories import person, serial
from jiguan.standards import services
from jiguan.standards.models import Confidence, StandardChangeRequest, StandardEntry, StandardTable


def make_table(unit) -> StandardTable:
    n = serial()
    with acting_as(None, channel="command"):
        return services.table_create(code=f"contract-{n}", name=f"契约标准表{n}", value_label="数值")


def make_entry(unit) -> StandardEntry:
    """A version in force (entries are created by approved change requests; written directly here)."""
    table = StandardTable.objects.filter(code__startswith="contract-").first() or make_table(unit)
    n = serial()
    return StandardEntry.objects.create(table=table, key=f"K{n}", name=f"契约条目{n}", source="契约测试",
                                        confidence=Confidence.CONFIRMED,
                                        effective_from=timezone.localdate() - timedelta(days=1))


def make_change_request(unit) -> StandardChangeRequest:
    """A draft proposal by the system administrator of ``unit`` (who proposes changes)."""
    table = make_table(unit)
    requester = person(unit, "system_admin")
    with acting_as(requester):
        return services.change_request_create(requested_by=requester, table=table, key=f"K{serial()}",
                                              effective_from=timezone.localdate() + timedelta(days=1),
                                              reason="契约测试", name="契约条目", source="契约测试",
                                              confidence=Confidence.CONFIRMED)


factories.register(StandardTable, make_table, marker=lambda table: table.name,
                   url_kwargs=lambda table: {"pk": table.pk, "code": table.code})
factories.register(StandardEntry, make_entry, marker=lambda entry: entry.name,
                   url_kwargs=lambda entry: {"pk": entry.pk, "code": entry.table.code, "key": entry.key})
factories.register(StandardChangeRequest, make_change_request, marker=lambda request: request.table.name,
                   seen_by=lambda request: [request.requested_by],  # a draft is its requester's
                   url_kwargs=lambda request: {"pk": request.pk, "code": request.table.code})
