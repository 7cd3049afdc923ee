"""Asset labels (资产标签) and scanning (扫码查看).

A label carries the card's essentials in Chinese (owning unit, name, code, class, acquisition date)
and a QR code of the card's short link, ``<JIGUAN_PUBLIC_URL>/assets/c/<code>/``. The short link
resolves the code within the reader's data scope and redirects to the card, so a label printed
today still opens the card after the card moves to another unit, and a label found in another
unit's office opens nothing for people who may not see that card.

The PDF is drawn with fpdf2. The Chinese text is set in Noto Sans SC (SIL Open Font License),
which the ``pylopdf-fonts-zh-cn`` package ships as an OpenType file: a Python dependency like any
other, so nothing comes from the internet and no system font is needed. Each PDF embeds only the
glyphs it uses (a few kilobytes). QR codes (segno, error correction level M, the mask chosen as
ISO/IEC 18004 prescribes) are drawn as vector rectangles, sharp at any printer resolution.

Sizes: a single label is 70 × 40 mm (a common label-printer size); a sheet is A4 with 3 × 7 labels
of 70 × 42.3 mm (the common 21-up A4 sticker sheet; on plain paper, light cut lines show the edges).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import quote, urlsplit

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from fpdf import FPDF

from jiguan.audit import services as audit
from jiguan.audit.models import Action
from jiguan.core.validators import parse_ids
from jiguan.core.views import ScopedViewMixin, focus_path

from . import policies, selectors
from .filters import AssetFilter
from .models import Asset
from .views.common import card_refusal, cards_home

SHEET_LIMIT = 1000  # labels in one sheet PDF (about 25 ms each: ~25 s, 48 A4 pages); more in batches
SEARCH_LIMIT = 20  # matches listed by the scan page's code search

LABEL_W, LABEL_H = 70.0, 40.0  # mm
SHEET_COLUMNS, SHEET_ROWS = 3, 7
SHEET_CELL_W, SHEET_CELL_H = 70.0, 42.3  # the cells of a 21-up A4 sheet (210 × 296.1 mm)
A4_W, A4_H = 210.0, 297.0
PAD = 3.0  # inner margin of a label
FONT = "NotoSansSC"


@lru_cache(maxsize=1)
def font_path() -> str:
    """The OpenType file of Noto Sans SC that the ``pylopdf-fonts-zh-cn`` package ships."""
    from pylopdf_fonts_zh_cn import sans_path

    return str(sans_path())


# Short links ----------------------------------------------------------------------------------


def short_path(code: str) -> str:
    return reverse("assets:asset_short", args=[code])


def short_url_builder(request) -> Callable[[str], str]:
    """code -> the absolute short link printed in the QR code: ``JIGUAN_PUBLIC_URL`` when set (the
    address people reach the site at), otherwise the scheme and host of this request."""
    base = settings.JIGUAN_PUBLIC_URL
    if base:
        return lambda code: base + short_path(code)
    return lambda code: request.build_absolute_uri(short_path(code))


# Drawing ----------------------------------------------------------------------------------------


def _fit(pdf: FPDF, text: str, width: float, size: float, smallest: float) -> str:
    """Set the largest font size from ``size`` down to ``smallest`` at which ``text`` fits ``width``
    (mm); if it does not fit even then, cut it and end it with an ellipsis."""
    text = " ".join(text.split())
    pdf.set_font_size(size)
    while size > smallest and pdf.get_string_width(text) > width:
        size = max(smallest, size - 0.5)
        pdf.set_font_size(size)
    if pdf.get_string_width(text) > width:
        while text and pdf.get_string_width(text + "…") > width:
            text = text[:-1]
        text += "…"
    return text


class LabelPDF(FPDF):
    def fill_rectangles(self, rectangles: Iterable[tuple[float, float, float, float]]) -> None:
        """Fill many rectangles (x, y, w, h in mm) as one path: a QR code is a few hundred of them,
        and one ``rect()`` call each would make a sheet of a thousand labels twice as slow."""
        k, height = self.k, self.h
        ops = [f"{x * k:.2f} {(height - y) * k:.2f} {w * k:.2f} {-h * k:.2f} re" for x, y, w, h in rectangles]
        if ops:
            self._out("\n".join(ops) + "\nf")


def _qr(pdf: LabelPDF, content: str, x: float, y: float, side: float) -> None:
    """The QR code of ``content`` in the square (x, y, side), a quiet zone of two modules included.
    Each run of dark modules in a row is one rectangle."""
    matrix = segno.make(content, error="m", micro=False).matrix
    n = len(matrix)
    module = side / (n + 4)
    x0, y0 = x + 2 * module, y + 2 * module
    runs = []
    for r, row in enumerate(matrix):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                runs.append((x0 + start * module, y0 + r * module, (c - start) * module, module))
            else:
                c += 1
    pdf.set_fill_color(0)
    pdf.fill_rectangles(runs)


def _wrap(pdf: FPDF, text: str, width: float, size: float) -> list[str]:
    """``text`` on two lines of ``width`` at ``size`` (Chinese breaks between any two characters), the
    second cut with an ellipsis if it is still too long."""
    text = " ".join(text.split())
    pdf.set_font_size(size)
    cut = len(text)
    while cut > 1 and pdf.get_string_width(text[:cut]) > width:
        cut -= 1
    rest = text[cut:].strip()
    return [text[:cut]] + ([_fit(pdf, rest, width, size, size)] if rest else [])


def _label(pdf: LabelPDF, asset: Asset, url: str, x: float, y: float) -> None:
    """One 70 × 40 mm label with its top left corner at (x, y)."""
    inner = LABEL_W - 2 * PAD
    qr_side = 27.0
    text_w = LABEL_W - 2 * PAD - qr_side
    pdf.set_text_color(0)

    # Header: the owning unit (产权单位), and a rule under it.
    pdf.set_xy(x + PAD, y + PAD - 0.5)
    pdf.cell(inner, 4.5, _fit(pdf, asset.owner_unit.name, inner, 8.5, 6))
    pdf.set_draw_color(0)
    pdf.set_line_width(0.25)
    pdf.line(x + PAD, y + PAD + 4.6, x + LABEL_W - PAD, y + PAD + 4.6)

    # Left: the card's essentials, a small grey caption above each value. A name too long for one
    # line at a readable size takes two.
    pdf.set_font_size(8)
    name = " ".join(asset.name.split())
    name_lines = [name] if pdf.get_string_width(name) <= text_w else _wrap(pdf, name, text_w, 7.5)
    rows = [
        (_("资产名称"), name_lines, 9.5 if len(name_lines) == 1 else 7.5),
        (_("资产编码"), [asset.code], 8.5),
        (_("资产分类"), [asset.class_name or asset.class_code], 7.5),
        (_("取得日期"), [asset.acquired_on.isoformat() if asset.acquired_on else ""], 7.5),
    ]
    gap = 1.0 if len(name_lines) == 1 else 0.6
    top = y + PAD + 5.6
    for caption, lines, size in rows:
        pdf.set_text_color(110)
        pdf.set_font_size(5.5)
        pdf.set_xy(x + PAD, top)
        pdf.cell(text_w, 2.4, caption)
        top += 2.4
        pdf.set_text_color(0)
        line_h = 3.6 if len(lines) == 1 else 3.0
        for line in lines:
            pdf.set_xy(x + PAD, top)
            if len(lines) == 1:
                line = _fit(pdf, line, text_w, size, 5.5)
            else:
                pdf.set_font_size(size)
            pdf.cell(text_w, line_h, line)
            top += line_h
        top += gap

    # Right: the QR code of the short link.
    _qr(pdf, url, x + LABEL_W - PAD - qr_side + 1.5, y + PAD + 5.2, qr_side - 1.0)


def _document(title: str, page_format) -> LabelPDF:
    pdf = LabelPDF(unit="mm", format=page_format)
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.c_margin = 0
    pdf.add_font(FONT, "", font_path())
    pdf.set_font(FONT, size=8)
    pdf.set_title(title)
    pdf.set_creator("Jiguan")
    pdf.set_lang("zh-CN")
    return pdf


def label_pdf(assets: Iterable[Asset], url_for: Callable[[str], str], sheet: bool = False) -> bytes:
    """The labels of ``assets`` (owner_unit selected): one 70 × 40 mm page per label, or A4 sheets of
    3 × 7 labels. ``url_for(code)`` gives the short link each QR code encodes."""
    if not sheet:
        pdf = _document(_("资产标签"), (LABEL_W, LABEL_H))
        for asset in assets:
            pdf.add_page()
            _label(pdf, asset, url_for(asset.code), 0, 0)
        return bytes(pdf.output())

    pdf = _document(_("资产标签"), "A4")
    left = (A4_W - SHEET_COLUMNS * SHEET_CELL_W) / 2
    top = (A4_H - SHEET_ROWS * SHEET_CELL_H) / 2
    per_page = SHEET_COLUMNS * SHEET_ROWS
    for index, asset in enumerate(assets):
        slot = index % per_page
        if slot == 0:
            pdf.add_page()
            _cut_lines(pdf, left, top)
        cx = left + (slot % SHEET_COLUMNS) * SHEET_CELL_W
        cy = top + (slot // SHEET_COLUMNS) * SHEET_CELL_H
        _label(pdf, asset, url_for(asset.code), cx, cy + (SHEET_CELL_H - LABEL_H) / 2)
    return bytes(pdf.output())


def _cut_lines(pdf: LabelPDF, left: float, top: float) -> None:
    pdf.set_draw_color(215)
    pdf.set_line_width(0.1)
    for i in range(SHEET_COLUMNS + 1):
        x = left + i * SHEET_CELL_W
        pdf.line(x, top, x, top + SHEET_ROWS * SHEET_CELL_H)
    for j in range(SHEET_ROWS + 1):
        y = top + j * SHEET_CELL_H
        pdf.line(left, y, left + SHEET_COLUMNS * SHEET_CELL_W, y)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """The PDF shown in the browser (inline), where it can be printed or saved."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


# Views ------------------------------------------------------------------------------------------


class CardReaderMixin(ScopedViewMixin):
    """Pages about one card that its own user (使用人) opens too, whatever their role
    (``policies.card_view``): the label, the short link, the scan page."""

    model = Asset
    require_model_permission = False  # policies.card_view decides, over the card

    def base_queryset(self):
        return selectors.viewable_cards(self.request.user, focus_path(self.request))

    def readable(self, asset) -> Asset:
        """``asset`` when the reader may open it, else the refusal (403 to a non-viewer, else 404)."""
        if asset is None or not policies.allows(policies.card_view, self.request.user, asset):
            raise card_refusal(self.request.user)
        return asset


class AssetLabelView(CardReaderMixin, View):
    """The label of one card (70 × 40 mm PDF)."""

    def get(self, request, pk):
        asset = self.readable(self.get_queryset().filter(pk=pk).first())
        content = label_pdf([asset], short_url_builder(request))
        return pdf_response(content, f"{_('资产标签')}-{asset.code}.pdf")

    def optimize(self, queryset):
        return queryset.select_related("owner_unit")


class LabelSheetView(ScopedViewMixin, View):
    """A4 sheets of labels for the cards of the list's filters (the same parameters as the list
    page) or for ``?ids=1,2,3``. At most ``SHEET_LIMIT`` labels at once."""

    model = Asset

    def optimize(self, queryset):
        return queryset.select_related("owner_unit")

    def get(self, request):
        back = reverse("assets:asset_list") + (f"?{self._list_query()}" if self._list_query() else "")
        filterset = AssetFilter(request.GET or None, queryset=self.get_queryset(), request=request)
        if filterset.is_bound and not filterset.is_valid():
            messages.error(request, _("筛选条件有误，无法打印标签：%(errors)s") % {
                "errors": "；".join(e for errors in filterset.errors.values() for e in errors)})
            return HttpResponseRedirect(back)
        queryset = filterset.qs if filterset.is_bound else filterset.queryset
        ids = self._ids()
        if ids is not None:
            queryset = queryset.filter(pk__in=ids)
        count = queryset.count()
        if count == 0:
            messages.error(request, _("没有符合条件的资产，未生成标签。"))
            return HttpResponseRedirect(back)
        if count > SHEET_LIMIT:
            messages.error(request, _("所选资产共 %(count)s 项，超过一次打印标签的上限 %(limit)s 项。"
                                      "请增加筛选条件（如按单位、分类或取得日期）后分批打印。") % {
                "count": f"{count:,}", "limit": f"{SHEET_LIMIT:,}"})
            return HttpResponseRedirect(back)
        assets = list(queryset.order_by("code"))
        content = label_pdf(assets, short_url_builder(request), sheet=True)
        audit.record(Action.EXPORT, object_type_label=Asset._meta.label_lower, object_repr=_("资产标签"),
                     message=_("打印资产标签 %(count)s 张（%(first)s 至 %(last)s），条件：%(query)s") % {
                         "count": count, "first": assets[0].code, "last": assets[-1].code,
                         "query": request.GET.urlencode()[:300]})
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return pdf_response(content, f"{_('资产标签')}-{stamp}.pdf")

    def _ids(self) -> list[int] | None:
        """``?ids=1,2,3`` (or ``?ids=1&ids=2``): the chosen cards, or None when not given."""
        values = self.request.GET.getlist("ids")
        if not values:
            return None
        return parse_ids(values)

    def _list_query(self) -> str:
        query = self.request.GET.copy()
        query.pop("ids", None)
        return query.urlencode()


class ShortLinkView(CardReaderMixin, View):
    """``/assets/c/<code>/``, the link in a label's QR code: the card of that code if the reader may
    open it (in their scope, or theirs as 使用人), else the refusal."""

    def get(self, request, code):
        asset = self.readable(self.get_queryset().filter(code=code).select_related("owner_unit").first())
        return redirect("assets:asset_detail", pk=asset.pk)


class ScanView(CardReaderMixin, View):
    """The phone page that scans a label's QR code with the camera and opens the card; a code typed
    in (``?code=``) opens the card of that code, or lists the cards whose code starts with it (the
    cards the reader may open: in their scope, or theirs as 使用人)."""

    def get_breadcrumbs(self):
        return [cards_home(self.request.user), (_("扫码查看"), None)]

    def get(self, request):
        code = request.GET.get("code", "").strip()
        matches = None
        if code:
            matches = list(self.get_queryset().filter(code__startswith=code).select_related("owner_unit")
                           .order_by("code")[:SEARCH_LIMIT + 1])
            exact = [a for a in matches if a.code == code]
            if exact or len(matches) == 1:
                return redirect((exact or matches)[0].get_absolute_url())
        context = {
            "title": _("扫码查看"),
            "breadcrumbs": self.get_breadcrumbs(),
            "code": code,
            "matches": matches[:SEARCH_LIMIT] if matches else matches,
            "more": bool(matches) and len(matches) > SEARCH_LIMIT,
            "scan_config": self.scan_config(),
        }
        return render(request, "assets/scan.html", context)

    def scan_config(self) -> dict:
        """What scan.js needs: which addresses are this site's short links, and its messages."""
        prefix = short_path("0")[:-2]  # "/assets/c/"
        origins = [self.request.build_absolute_uri("/")[:-1]]
        if settings.JIGUAN_PUBLIC_URL:
            origins.append(_origin(settings.JIGUAN_PUBLIC_URL))
        return {
            "prefix": prefix,
            "origins": origins,
            "search": reverse("assets:scan"),
            "messages": {
                "starting": _("正在打开摄像头……如浏览器询问，请允许使用摄像头。"),
                "scanning": _("请将资产标签上的二维码置于取景框内，识别后自动打开资产卡片。"),
                "found": _("已识别资产标签，正在打开资产卡片……"),
                "foreign": _("这不是本系统的资产标签二维码，内容为："),
                "unsupported": _("此浏览器无法在本页使用摄像头（需通过 HTTPS 访问本系统）。"
                                 "请点击“拍照识别”拍摄二维码，或使用“按资产编码查找”。"),
                "denied": _("未获得摄像头权限。请在浏览器设置中允许本网站使用摄像头，"
                            "或点击“拍照识别”，或使用“按资产编码查找”。"),
                "no_camera": _("未找到可用的摄像头。请点击“拍照识别”，或使用“按资产编码查找”。"),
                "failed": _("摄像头无法启动："),
                "no_code": _("照片中未识别到二维码，请对准标签重新拍摄，保持清晰、光线充足。"),
                "stopped": _("已停止扫码。"),
                "ready": _("点击“开始扫码”扫描资产标签。"),
            },
        }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
