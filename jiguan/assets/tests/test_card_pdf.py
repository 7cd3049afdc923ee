"""The printable A4 资产卡片 (issue 19, 'print like the office expects'): the card's fields in groups,
money to the cent with separators, its history and the signature lines, for whoever may open the card
(its own user too), and refused to others as the card page is."""

from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(content)
    try:
        return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


def test_the_card_prints_on_a4_with_its_fields_history_and_signatures(tree, users, register, client_for):
    card = register(tree.city_a_agency, original_value=Decimal("12345.60"), location="3 楼 306 室",
                    spec_model="启天 M430")
    response = client_for(users["a_assets"]).get(reverse("assets:asset_card_pdf", args=[card.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    document = pdfium.PdfDocument(response.content)
    width, height = document[0].get_size()
    document.close()
    assert (round(width), round(height)) == (595, 842)                      # A4 in points
    text = pdf_text(response.content)
    for expected in ("资产卡片", card.code, "台式计算机", "启天 M430", "12,345.60", "甲市机关事务管理局",
                     "3 楼 306 室", "基本信息", "价值与折旧", "变动记录", "使用人签字", "资产管理员签字"):
        assert expected in text, expected
    page = client_for(users["a_assets"]).get(card.get_absolute_url()).content.decode()
    assert f'href="{reverse("assets:asset_card_pdf", args=[card.pk])}"' in page


def test_the_card_pdf_opens_for_whoever_opens_the_card(tree, users, register, client_for):
    card = register(tree.city_a_agency)
    url = reverse("assets:asset_card_pdf", args=[card.pk])
    assert client_for(users["b_assets"]).get(url).status_code == 404          # another city
    assert client_for(users["staff"]).get(url).status_code == 403             # no right to it
