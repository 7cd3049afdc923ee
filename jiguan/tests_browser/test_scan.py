"""The scan page (扫码查看) on a phone: the camera sees a printed asset label and the card opens; a phone
without a camera types the code instead."""

import base64
import io
import re
from datetime import date
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import expect

from jiguan.tests_browser.conftest import login, shot

pytestmark = pytest.mark.browser

# A camera that films a label: getUserMedia answers with the stream of a canvas on which the label's
# picture is drawn, slightly turned, as a hand would hold a phone over it.
FAKE_CAMERA = """
(() => {
  const picture = %s;
  navigator.mediaDevices.getUserMedia = async () => {
    const image = new Image();
    image.src = picture;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const context = canvas.getContext('2d');
    const draw = () => {
      context.fillStyle = '#8a8f96';
      context.fillRect(0, 0, 640, 480);
      context.save();
      context.translate(320, 240);
      context.rotate(-0.05);
      context.drawImage(image, -300, -172, 600, 343);
      context.restore();
    };
    draw();
    window.setInterval(draw, 100);
    return canvas.captureStream(10);
  };
})();
"""


def register_card(owner_unit, actor, name):
    from django.apps import apps

    from jiguan.assets import services
    from jiguan.assets.standards_data import ensure
    from jiguan.core.context import acting_as

    ensure(apps)  # idempotent: what the migrations load, flushed by transactional tests
    with acting_as(actor):
        (card,) = services.asset_register(
            owner_unit=owner_unit, on=date(2024, 1, 15), name=name, class_code="A02010105",
            original_value=Decimal("6000.00"), acquisition_method="purchase", acquired_on=date(2024, 1, 15),
            funding_source="fiscal", status="in_use")
    return card


def label_png(card, base_url) -> bytes:
    """The card's printed label as a PNG picture (rendered from the label PDF at 300 dpi)."""
    from jiguan.assets.labels import label_pdf, short_path

    document = pdfium.PdfDocument(label_pdf([card], lambda code: base_url + short_path(code)))
    try:
        image = document[0].render(scale=300 / 72).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def label_picture(card, base_url) -> str:
    return "data:image/png;base64," + base64.b64encode(label_png(card, base_url)).decode()


def test_the_camera_reads_a_label_and_the_card_opens(new_page, live_server, users, tree, traffic):
    from jiguan.tests_browser.conftest import PHONE

    card = register_card(tree.city_a_agency, users["a_assets"], "会议室投影仪")
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.add_init_script(FAKE_CAMERA % repr(label_picture(card, live_server.url)))
    login(page, live_server, "a_assets")

    page.goto(live_server.url + "/assets/scan/")
    # The label is recognised and the card's page opens through its short link.
    page.wait_for_url(re.compile(rf"/assets/{card.pk}/$"))
    assert f"GET {live_server.url}/assets/c/{card.code}/" in traffic.requests


def test_a_label_of_another_site_is_not_followed(new_page, live_server, users, tree):
    from jiguan.tests_browser.conftest import PHONE

    card = register_card(tree.city_a_agency, users["a_assets"], "会议室投影仪")
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.add_init_script(FAKE_CAMERA % repr(label_picture(card, "https://elsewhere.example.com")))
    login(page, live_server, "a_assets")

    page.goto(live_server.url + "/assets/scan/")
    status = page.locator("#scan-status")
    expect(status).to_contain_text("这不是本系统的资产标签二维码")
    expect(status).to_contain_text(f"https://elsewhere.example.com/assets/c/{card.code}/")
    assert page.url.endswith("/assets/scan/")


def test_without_a_camera_the_code_is_typed_in(phone_page, live_server, users, tree):
    card = register_card(tree.city_a_agency, users["a_assets"], "会议室投影仪")
    other = register_card(tree.city_a_agency, users["a_assets"], "会议室音响")
    page = phone_page
    login(page, live_server, "a_assets")

    page.goto(live_server.url + "/assets/scan/")
    # Headless Chromium has no camera: the page says so, in Chinese, and offers the other ways.
    expect(page.locator("#scan-status")).to_contain_text("按资产编码查找")
    expect(page.get_by_text("拍照识别", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "assets-scan")

    # The beginning of a code lists the cards it starts; the whole code opens the card.
    page.fill("#scan-code", card.code[:-2])
    page.get_by_role("button", name="查找").tap()
    matches = page.locator("#code-matches")
    expect(matches.get_by_role("link", name=re.compile(card.code))).to_be_visible()
    expect(matches.get_by_role("link", name=re.compile(other.code))).to_contain_text("会议室音响")
    shot(page, "assets-scan-search")
    page.fill("#scan-code", card.code)
    page.get_by_role("button", name="查找").tap()
    page.wait_for_url(re.compile(rf"/assets/{card.pk}/$"))


def test_a_photo_of_the_label_opens_the_card(phone_page, live_server, users, tree, traffic):
    card = register_card(tree.city_a_agency, users["a_assets"], "会议室投影仪")
    page = phone_page
    login(page, live_server, "a_assets")
    page.goto(live_server.url + "/assets/scan/")
    expect(page.locator("#scan-status")).to_contain_text("拍照识别")

    page.set_input_files("#scan-photo", files=[
        {"name": "label.png", "mimeType": "image/png", "buffer": label_png(card, live_server.url)}])
    page.wait_for_url(re.compile(rf"/assets/{card.pk}/$"))
    assert f"GET {live_server.url}/assets/c/{card.code}/" in traffic.requests
