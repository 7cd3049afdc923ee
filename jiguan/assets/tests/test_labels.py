"""Labels and scanning (资产标签、扫码查看): the PDF is rendered to an image as a printer would, its QR
codes are decoded as a phone would, and its Chinese text must really be drawn."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.contrib.messages import get_messages
from django.urls import reverse

from jiguan.assets import labels
from jiguan.audit.models import Action, AuditEvent

DPI = 300
MM = 72 / 25.4  # PDF points per millimetre


# Helpers -----------------------------------------------------------------------------------------


@pytest.fixture
def pdf_of():
    """pdf_of(response) -> the PDF document of a label response (closed after the test)."""
    documents = []

    def _pdf_of(response):
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"] == "application/pdf"
        documents.append(pdfium.PdfDocument(response.content))
        return documents[-1]

    yield _pdf_of
    for document in documents:
        document.close()


def render(page, dpi=DPI):
    """The page as a greyscale picture, as printed at ``dpi``."""
    return page.render(scale=dpi / 72).to_pil().convert("L")


def qr_texts(image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def page_text(page) -> str:
    return page.get_textpage().get_text_range()


def char_boxes(page, text: str, dpi=DPI, loose=False) -> list[tuple[int, int, int, int]]:
    """Pixel boxes (left, top, right, bottom) of each character of ``text`` on the rendered page."""
    textpage = page.get_textpage()
    full = textpage.get_text_range()
    start = full.index(text)
    height = page.get_height()
    scale = dpi / 72
    boxes = []
    for i in range(start, start + len(text)):
        left, bottom, right, top = textpage.get_charbox(i, loose=loose)
        boxes.append((round(left * scale), round((height - top) * scale),
                      round(right * scale), round((height - bottom) * scale)))
    return boxes


def dark_pixels(image, box) -> int:
    return sum(image.crop(box).histogram()[:128])


def short_url(asset, base="http://testserver"):
    return f"{base}/assets/c/{asset.code}/"


class Tags(HTMLParser):
    """The src/href of every script and link tag of a page."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "link"):
            self.urls += [value for name, value in attrs if name in ("src", "href") and value]


# The single label ----------------------------------------------------------------------------------


def test_label_qr_decodes_to_the_cards_short_link(tree, users, client_for, register, pdf_of):
    asset = register(tree.city_a_agency, name="会议室投影仪", class_code="A02010105")
    pdf = pdf_of(client_for(users["a_assets"]).get(reverse("assets:asset_label", args=[asset.pk])))

    assert len(pdf) == 1
    page = pdf[0]
    assert (round(page.get_width() / MM), round(page.get_height() / MM)) == (70, 40)
    assert qr_texts(render(page)) == [short_url(asset)]


def test_label_qr_uses_the_public_url_setting(tree, users, client_for, register, settings, pdf_of):
    settings.JIGUAN_PUBLIC_URL = "https://jiguan.example.gov.cn"
    asset = register(tree.city_a_agency)
    pdf = pdf_of(client_for(users["a_assets"]).get(reverse("assets:asset_label", args=[asset.pk])))

    assert qr_texts(render(pdf[0])) == [f"https://jiguan.example.gov.cn/assets/c/{asset.code}/"]


def test_label_draws_its_chinese_text(tree, users, client_for, register, pdf_of):
    """The text is in the PDF as Chinese characters (extractable), set in an embedded CJK font, and
    really drawn: every character of the name leaves ink, and different characters leave different
    shapes (a missing glyph would print the same empty box for each)."""
    name = "会议室投影仪"
    asset = register(tree.city_a_agency, name=name)
    response = client_for(users["a_assets"]).get(reverse("assets:asset_label", args=[asset.pk]))
    pdf = pdf_of(response)
    page = pdf[0]

    text = page_text(page)
    for expected in (name, "甲市机关事务管理局", asset.code, asset.class_name, "2024-01-15", "资产编码"):
        assert expected in text

    # The font is embedded (a subset of Noto Sans SC), so the label prints the same everywhere.
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+NotoSansSC", response.content)
    assert b"/FontFile3" in response.content or b"/FontFile2" in response.content

    image = render(page)
    boxes = char_boxes(page, name)
    inks = [dark_pixels(image, box) for box in boxes]
    assert all(ink > 40 for ink in inks), inks
    shapes = {image.crop(box).resize((24, 24)).point(lambda v: 0 if v < 128 else 255).tobytes() for box in boxes}
    assert len(shapes) == len(name)
    # An empty stretch of the label, as large as the name, has no ink at all.
    left, top, right, bottom = boxes[0][0], boxes[0][1], boxes[-1][2], boxes[-1][3]
    blank = (left, image.height - (bottom - top) - 5, right, image.height - 5)
    assert dark_pixels(image, blank) == 0


def test_a_long_name_takes_two_lines_and_is_cut_to_fit(tree, users, client_for, register, pdf_of):
    name = "多功能会议室全高清激光投影仪及电动幕布（含吊架、线缆和安装调试服务）"
    asset = register(tree.city_a_agency, name=name)
    pdf = pdf_of(client_for(users["a_assets"]).get(reverse("assets:asset_label", args=[asset.pk])))
    page = pdf[0]

    text = page_text(page).replace("\r", "").replace("\n", "")
    assert name not in text and "多功能会议室全高清激光投影仪及电动幕" in text and "…" in text
    line = 2.5 * DPI / 25.4  # lines are 3 mm apart

    def middle(box):
        return (box[1] + box[3]) / 2

    first, last = char_boxes(page, "多", loose=True)[0], char_boxes(page, "…", loose=True)[0]
    code = char_boxes(page, asset.code, loose=True)[0]
    assert last[2] < (70 - 27) * DPI / 25.4  # ends before the QR code's column
    assert middle(last) > middle(first) + line  # on the second line
    assert middle(code) > middle(last) + line  # and the code comes after it
    assert qr_texts(render(page)) == [short_url(asset)]


def test_label_outside_the_scope_is_not_found(tree, users, client_for, register):
    asset = register(tree.city_a_agency)
    response = client_for(users["b_assets"]).get(reverse("assets:asset_label", args=[asset.pk]))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_label_needs_the_view_permission(tree, users, client_for, register):
    asset = register(tree.city_a_agency)
    assert client_for(users["staff"]).get(reverse("assets:asset_label", args=[asset.pk])).status_code == 403


# Sheets -------------------------------------------------------------------------------------------


def test_sheet_of_chosen_cards_has_their_three_qr_codes(tree, users, client_for, register, pdf_of):
    cards = register(tree.city_a_agency, count=3)
    elsewhere = register(tree.city_b_agency)
    ids = ",".join(str(a.pk) for a in [*cards, elsewhere])
    exports = AuditEvent.objects.filter(action=Action.EXPORT).count()

    pdf = pdf_of(client_for(users["a_assets"]).get(reverse("assets:label_sheet") + f"?ids={ids}"))

    assert len(pdf) == 1
    page = pdf[0]
    assert (round(page.get_width() / MM), round(page.get_height() / MM)) == (210, 297)
    # Three labels: the card of city B is outside city A's scope and is not printed.
    assert sorted(qr_texts(render(page, dpi=200))) == sorted(short_url(a) for a in cards)
    assert all(page_text(page).count(a.code) == 1 for a in cards) and elsewhere.code not in page_text(page)
    event = AuditEvent.objects.filter(action=Action.EXPORT).order_by("-id").first()
    assert AuditEvent.objects.filter(action=Action.EXPORT).count() == exports + 1
    assert event.actor == users["a_assets"] and "3" in event.message


def test_sheet_follows_the_list_filters(tree, users, client_for, register, pdf_of):
    chairs = register(tree.city_a_agency, name="办公椅", class_code="A05010000", count=2)
    register(tree.city_a_agency, name="台式计算机")
    pdf = pdf_of(client_for(users["a_assets"]).get(reverse("assets:label_sheet"), {"q": "办公椅"}))

    assert sorted(qr_texts(render(pdf[0], dpi=200))) == sorted(short_url(a) for a in chairs)


def test_sheet_pages_and_queries_do_not_grow_with_the_cards(tree, users, client_for, register, pdf_of,
                                                            django_assert_max_num_queries):
    register(tree.city_a_agency, count=22)
    client = client_for(users["a_assets"])
    client.get(reverse("assets:scan"))  # session and permission caches warmed as in any request
    with django_assert_max_num_queries(20):
        pdf = pdf_of(client.get(reverse("assets:label_sheet"), {"owner": tree.city_a_agency.pk}))
    assert len(pdf) == 2  # 21 labels on the first A4 page, one on the second
    assert page_text(pdf[0]).count("资产编码") == 21 and page_text(pdf[1]).count("资产编码") == 1


def test_sheet_over_the_limit_says_so_and_prints_nothing(tree, users, client_for, register, monkeypatch):
    monkeypatch.setattr(labels, "SHEET_LIMIT", 2)
    register(tree.city_a_agency, count=3)
    exports = AuditEvent.objects.filter(action=Action.EXPORT).count()
    response = client_for(users["a_assets"]).get(reverse("assets:label_sheet"), {"q": "台式"})

    assert response.status_code == 302
    assert response["Location"] == reverse("assets:asset_list") + "?q=%E5%8F%B0%E5%BC%8F"
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert "共 3 项" in message and "上限 2 项" in message and "分批打印" in message
    assert AuditEvent.objects.filter(action=Action.EXPORT).count() == exports


def test_sheet_with_nothing_selected_says_so(tree, users, client_for, register):
    register(tree.city_b_agency)
    response = client_for(users["a_assets"]).get(reverse("assets:label_sheet"), {"q": "没有这种资产"})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["没有符合条件的资产，未生成标签。"]


# Short links --------------------------------------------------------------------------------------


def test_short_link_opens_the_card_in_scope(tree, users, client_for, register):
    asset = register(tree.city_a_agency)
    for user in ("a_assets", "prov_assets"):
        response = client_for(users[user]).get(f"/assets/c/{asset.code}/")
        assert response.status_code == 302
        assert response["Location"] == asset.get_absolute_url()


def test_short_link_outside_the_scope_is_not_found(tree, users, client_for, register):
    asset = register(tree.city_a_agency)
    response = client_for(users["b_assets"]).get(f"/assets/c/{asset.code}/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "页面不存在" in content and "不在您的数据范围内" in content
    assert asset.name not in content


def test_short_link_asks_to_sign_in(tree, register, client):
    asset = register(tree.city_a_agency)
    response = client.get(f"/assets/c/{asset.code}/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# The scan page ------------------------------------------------------------------------------------


def test_scan_page_uses_only_this_sites_scripts(tree, users, client_for):
    client = client_for(users["a_assets"])
    response = client.get(reverse("assets:scan"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "扫码查看资产" in content and "按资产编码查找" in content

    tags = Tags()
    tags.feed(content)
    scripts = [u for u in tags.urls if u.endswith(".js")]
    assert "/static/vendor/jsqr/jsQR.js" in scripts and "/static/jiguan/scan.js" in scripts
    assert [u for u in tags.urls if "http" in u or u.startswith("//")] == []
    for url in scripts:  # served by this site (vendored at install time)
        served = client.get(url)
        assert served.status_code == 200, url
    assert b"jsQR" in b"".join(client.get("/static/vendor/jsqr/jsQR.js").streaming_content)

    config = json.loads(re.search(r'<script id="scan-config" type="application/json">(.*?)</script>',
                                  content, re.S).group(1))
    assert config["prefix"] == "/assets/c/" and config["origins"] == ["http://testserver"]
    assert "摄像头" in config["messages"]["denied"]


def test_scan_page_accepts_labels_printed_with_the_public_url(tree, users, client_for, settings):
    settings.JIGUAN_PUBLIC_URL = "https://jiguan.example.gov.cn"
    content = client_for(users["a_assets"]).get(reverse("assets:scan")).content.decode()
    assert '"origins": ["http://testserver", "https://jiguan.example.gov.cn"]' in content


def test_code_search_opens_lists_or_says_not_found(tree, users, client_for, register):
    first, second = register(tree.city_a_agency, count=2)
    other = register(tree.city_b_agency)
    client = client_for(users["a_assets"])
    scan = reverse("assets:scan")

    response = client.get(scan, {"code": second.code})
    assert response.status_code == 302 and response["Location"] == second.get_absolute_url()

    common = os.path.commonprefix([first.code, second.code])
    response = client.get(scan, {"code": common})
    assert response.status_code == 200
    content = response.content.decode()
    assert first.code in content and second.code in content

    response = client.get(scan, {"code": other.code})
    content = response.content.decode()
    assert response.status_code == 200 and "未找到编码为" in content
    assert other.get_absolute_url() not in content
