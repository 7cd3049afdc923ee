"""The printable approval form (审批表) of a document: ``approval_form_pdf(document) -> bytes``.

One A4 form per document: the title (资产调拨审批表), number, status and print time; the document's
fields as its type declares them (``DocumentType.fields``) with the applicant and the dates; its
lines (``line_fields``); and the approval route: every action of its latest request (submission,
each step's decision with the approver, unit, comment and time, skipped steps) and, while it is
pending, the steps still to come with an empty cell for the signature.

Drawn with fpdf2 in Noto Sans SC (the title in Noto Serif SC), the OpenType files of the
``pylopdf-fonts-zh-cn`` package: nothing comes from the internet, no system font is needed, and
each PDF embeds only the glyphs it uses. Chinese text wraps between any two characters.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace
from fpdf.enums import WrapMode, XPos, YPos

from . import values
from .registry import type_of

SANS, SERIF = "NotoSansSC", "NotoSerifSC"
MARGIN = 15.0  # mm
BODY = 9.5
HEADING_FILL = (236, 239, 243)


@lru_cache(maxsize=1)
def font_paths() -> tuple[str, str]:
    from pylopdf_fonts_zh_cn import sans_path, serif_path

    return str(sans_path()), str(serif_path())


class FormPDF(FPDF):
    footer_text = ""

    def footer(self):
        self.set_y(-11)
        self.set_font(SANS, size=7.5)
        self.set_text_color(120)
        self.cell(0, 5, f"{self.footer_text}    {self.page_no()} / {{nb}}", align="C")
        self.set_text_color(0)


def _new(title: str) -> FormPDF:
    pdf = FormPDF(unit="mm", format="A4")
    sans, serif = font_paths()
    pdf.add_font(SANS, "", sans)
    pdf.add_font(SERIF, "", serif)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(title)
    pdf.set_creator("Jiguan")
    pdf.set_lang("zh-CN")
    pdf.alias_nb_pages()
    return pdf


def _section(pdf: FPDF, text: str) -> None:
    pdf.ln(4)
    pdf.set_font(SANS, size=11)
    pdf.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(SANS, size=BODY)


def _table(pdf: FPDF, header: list[str] | None, body: list[list[str]], widths: list[float]) -> None:
    style = FontFace(emphasis=None, fill_color=HEADING_FILL)
    with pdf.table(col_widths=widths, width=sum(widths), align="LEFT", text_align="LEFT", line_height=5.2,
                   wrapmode=WrapMode.CHAR, first_row_as_headings=header is not None, headings_style=style,
                   padding=1.2, v_align="MIDDLE") as table:
        for row in ([header] if header is not None else []) + body:
            cells = table.row()
            for text in row:
                cells.cell(text)


def _route_rows(document) -> tuple[list[list[str]], str]:
    """The approval route as rows of (序号, 步骤, 审批单位, 审批人, 处理, 意见, 时间), and a note
    when there is no request yet."""
    from jiguan.workflow import routing
    from jiguan.workflow import services as workflow
    from jiguan.workflow.models import ActionKind, RequestStatus
    from jiguan.workflow.selectors import latest_request

    request = latest_request(document)
    if request is None:
        return [], _("尚未提交审批。")
    request = (type(request).objects.select_related("applicant", "applicant_unit", "business_unit",
                                                     "counterparty_unit", "current_step__approver_role",
                                                     "approver_unit")
               .get(pk=request.pk))
    units: dict = {}

    def unit_of(step) -> str:
        if step is None:
            return values.EMPTY
        if step.pk not in units:
            unit = routing.approver_unit(step, request.business_unit, request.counterparty_unit)
            units[step.pk] = unit.name if unit is not None else values.EMPTY
        return units[step.pk]

    rows = []
    for action in request.actions.select_related("actor", "step__fixed_unit", "delegate_to").order_by("id"):
        if action.kind == ActionKind.SUBMIT:
            step, unit = _("提交申请"), request.applicant_unit.name
        else:
            step, unit = action.step_name or values.EMPTY, unit_of(action.step)
        actor = action.actor.display_name if action.actor else (_("系统") if action.kind == ActionKind.SKIP
                                                                 else values.EMPTY)
        comment = action.comment
        if action.kind == ActionKind.DELEGATE and action.delegate_to:
            comment = _("转办给 %(name)s") % {"name": action.delegate_to.display_name} + (f"：{comment}" if comment else "")
        rows.append([step, unit, actor, action.get_kind_display(), comment or "", values.text_of(action.at)])
    if request.status == RequestStatus.PENDING and request.current_step is not None:
        current = request.current_step
        rows.append([current.name, request.approver_unit.name if request.approver_unit else values.EMPTY,
                     request.assignee.display_name if request.assignee_id else "", _("待审批"), "", ""])
        plan = workflow.route_plan(business_type=request.business_type, business_unit=request.business_unit,
                                   counterparty_unit=request.counterparty_unit, values=request.values,
                                   applicant=request.applicant, flow=request.flow, after_order=current.order)
        for row in plan.rows:
            if row.applies:
                rows.append([row.step.name, row.unit.name if row.unit is not None else values.EMPTY, "",
                             _("待审批"), "", ""])
    return [[str(n), *row] for n, row in enumerate(rows, start=1)], ""


def approval_form_pdf(document) -> bytes:
    """The 审批表 of ``document`` (a declared document type) as PDF bytes."""
    dtype = type_of(document)
    title = _("%(title)s审批表") % {"title": dtype.title}
    pdf = _new(f"{title} {document.number}")
    pdf.footer_text = f"{title} {document.number}"
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(SERIF, size=17)
    pdf.cell(0, 11, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(SANS, size=BODY)
    pdf.set_text_color(80)
    printed = values.text_of(timezone.now())
    pdf.cell(width / 2, 6, _("单据号：%(no)s") % {"no": document.number})
    pdf.cell(width / 2, 6, _("打印时间：%(at)s") % {"at": printed}, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    pdf.ln(1)

    fields = [(_("状态"), document.get_status_display())]
    fields += values.rows(document, dtype.fields)
    fields.append((_("申请人"), values.text_of(document.requested_by)))
    fields.append((_("申请时间"), values.text_of(getattr(document, "created_at", None))))
    if getattr(document, "completed_on", None) is not None or document.status == "completed":
        fields.append((_("完成日期"), values.text_of(document.completed_on)))
    _table(pdf, None, [[label, text] for label, text in fields], [38.0, width - 38.0])

    lines = dtype.line_rows(document) if dtype.lines else []
    if dtype.lines:
        _section(pdf, _("明细（%(n)s 项）") % {"n": len(lines)})
        line_model = document._meta.get_field(dtype.lines).related_model
        header = [_("序号"), *values.labels(line_model, dtype.line_fields)]
        count = max(len(dtype.line_fields), 1)
        widths = [12.0] + [(width - 12.0) / count] * len(dtype.line_fields)
        body = [[str(n), *values.cells(line, dtype.line_fields)] for n, line in enumerate(lines, start=1)]
        if body:
            _table(pdf, header, body, widths)
        else:
            pdf.cell(0, 6, _("无明细。"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    _section(pdf, _("审批记录"))
    route, note = _route_rows(document)
    if route:
        header = [_("序号"), _("步骤"), _("审批单位"), _("审批人"), _("处理"), _("意见"), _("时间")]
        widths = [10.0, 27.0, 36.0, 22.0, 15.0, width - 10 - 27 - 36 - 22 - 15 - 31, 31.0]
        _table(pdf, header, route, widths)
    else:
        pdf.cell(0, 6, note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """The PDF shown in the browser (inline), where it can be printed or saved."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


# The form builders, for other printable A4 forms in the same look (the assets module's 资产卡片).
new_form = _new
section = _section
table = _table
