"""The printable A4 资产卡片 of one card: ``card_pdf(asset, groups, events) -> bytes``.

The card as the office files it: the title, the code and print time; its fields in the groups of
the card's page (基本信息, 价值与折旧, 使用信息, 来源), two label/value pairs a row; its latest history
(date, what, who); and the signature lines of the user and the asset manager. Drawn with the
approval form's builders (``workflow.documents.pdf``: fpdf2, Noto Sans/Serif SC shipped as a
package), so the two forms look alike and nothing comes from the internet.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf.enums import XPos, YPos

from jiguan.workflow.documents import values
from jiguan.workflow.documents.pdf import SANS, SERIF, new_form, section, table

HISTORY_SHOWN = 30


def _text(value) -> str:
    text = values.text_of(value) if value not in (None, "") else ""
    return text or values.EMPTY


def card_pdf(asset, groups: list[dict], events: list) -> bytes:
    title = _("资产卡片")
    pdf = new_form(f"{title} {asset.code}")
    pdf.footer_text = f"{title} {asset.code} {asset.name}"
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(SERIF, size=17)
    pdf.cell(0, 11, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(SANS, size=9.5)
    pdf.set_text_color(80)
    pdf.cell(width / 2, 6, _("资产编码：%(code)s") % {"code": asset.code})
    pdf.cell(width / 2, 6, _("打印时间：%(at)s") % {"at": values.text_of(timezone.now())}, align="R",
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)

    label_width = 26.0
    value_width = width / 2 - label_width
    for group in groups:
        rows = [(str(label), _text(value)) for label, value, *_rest in group["rows"]]
        if not rows:
            continue
        section(pdf, str(group["title"]))
        pairs = [rows[i:i + 2] for i in range(0, len(rows), 2)]
        body = [[cell for pair in pair_row for cell in pair] + ["", ""] * (2 - len(pair_row)) for pair_row in pairs]
        table(pdf, None, body, [label_width, value_width, label_width, value_width])

    section(pdf, _("变动记录（最近 %(n)s 条）") % {"n": min(len(events), HISTORY_SHOWN)} if events else _("变动记录"))
    if events:
        body = [[values.text_of(e.occurred_on), str(e.kind_display), e.summary or "",
                 e.actor.display_name if e.actor_id else _("系统")] for e in events[:HISTORY_SHOWN]]
        table(pdf, [_("日期"), _("事项"), _("摘要"), _("经办人")], body, [24.0, 22.0, width - 24 - 22 - 28, 28.0])
    else:
        pdf.cell(0, 6, _("暂无变动记录。"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.ln(10)
    pdf.set_font(SANS, size=10)
    third = width / 3
    for text in (_("使用人签字："), _("资产管理员签字："), _("日期：")):
        pdf.cell(third, 8, text)
    pdf.ln(8)
    return bytes(pdf.output())
