"""Fixtures of the standards tests: two standards approvers beside the shared users, and the shipped
approval flow "数据标准变更审批" (one step: 标准审核人 at the root unit)."""

import pytest

from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.standards import services


@pytest.fixture
def approvers(tree):
    return [make_user("std_approver", tree.prov_agency, [("standards_approver", tree.province, True)]),
            make_user("std_approver2", tree.prov_agency, [("standards_approver", tree.province, True)])]


@pytest.fixture
def approver(approvers):
    return approvers[0]


@pytest.fixture
def flow(tree, approvers):
    """The flow a new installation is told to create (docs/operations.md §4), with its approvers."""
    with acting_as(None, channel="command"):
        return services.default_flow_ensure(unit=tree.province)
