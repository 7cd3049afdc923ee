"""The approval page shows what is decided (issue 19): a document's declared fields and lines, so
the approver need not leave it."""

import pytest

from jiguan.workflow.selectors import latest_request

from .conftest import file_handover
from .test_handover import a_keys  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_the_approver_sees_the_handover_and_its_keys_on_the_approval_page(a_keys, tree, keepers,  # noqa: F811
                                                                          leaders, handover_flow, client_for):
    handover = file_handover(keepers["a"], tree.city_a_agency, [k.pk for k in a_keys], reason="科室调整")
    request = latest_request(handover)
    html = client_for(leaders["a"]).get(request.get_absolute_url()).content.decode()
    content = html.split('id="business-content"')[1].split('id="timeline"')[0]
    assert "业务内容" in content and "王五" in content and "科室调整" in content
    assert "A-001" in content and "A-002" in content and "甲市 101 室" in content   # the lines
    assert 'id="approve"' in html
