"""Declarations of document types (documents.DocumentType, register, type_of)."""

import pytest

from jiguan.workflow import documents


def declare(**changes):
    values = {"model": "org.OrgUnit", "prefix": "TS", "business_type": "test.thing", "title": "测试单",
              "list_url_name": "org:orgunit_list", "detail_url_name": "org:orgunit_detail"}
    values.update(changes)
    return documents.DocumentType(**values)


@pytest.fixture
def declared():
    dtype = documents.register(declare())
    yield dtype
    documents.unregister("org.OrgUnit")


def test_a_declared_type_is_found_by_model_instance_or_label(declared, tree):
    from jiguan.org.models import OrgUnit

    assert documents.type_of(OrgUnit) is declared
    assert documents.type_of(tree.city_a) is declared
    assert documents.type_of("org.orgunit") is declared
    assert declared in documents.registry()
    with pytest.raises(LookupError):
        documents.type_of("org.User")


def test_the_pdf_url_name_follows_the_model_in_snake_case():
    assert declare(model="assets.ValueChange").pdf_url == "assets:value_change_pdf"
    assert declare(model="assets.Transfer").pdf_url == "assets:transfer_pdf"
    assert declare(pdf_url_name="assets:configuration_pdf").pdf_url == "assets:configuration_pdf"


@pytest.mark.parametrize("prefix", ["", "db", "1A", "TOOLONGPREFIX", "D-B"])
def test_a_prefix_is_capital_letters_or_digits(prefix):
    with pytest.raises(ValueError, match="prefix"):
        declare(prefix=prefix)


def test_a_prefix_belongs_to_one_type(declared):
    with pytest.raises(ValueError, match="already used"):
        documents.register(declare(model="org.User"))
    with pytest.raises(ValueError, match="registered differently"):
        documents.register(declare(prefix="TT"))


def test_lines_need_their_object_field():
    with pytest.raises(ValueError, match="line_object"):
        declare(lines="items")


def test_policies_are_asked_per_operation(declared):
    from django.core.exceptions import PermissionDenied

    asked = []

    def refuse(actor, obj):
        asked.append((actor, obj))
        raise PermissionDenied("不可以")

    dtype = declare(policies={"view": refuse, "create": "jiguan.workflow.tests.test_document_types.allow"})
    with pytest.raises(PermissionDenied):
        dtype.check("view", "u", "o")
    dtype.check("create", "u", "o")
    dtype.check("delete", "u", "o")  # nothing declared: nothing to ask
    assert asked == [("u", "o")]


def allow(actor, obj):
    return None


def test_statuses_close_by_outcome():
    assert documents.closed_status("approved") == documents.DocStatus.COMPLETED
    assert documents.closed_status("rejected") == documents.DocStatus.REJECTED
    assert documents.closed_status("withdrawn") == documents.DocStatus.WITHDRAWN
