"""PDF rendering of a case dossier with ReportLab, on A4 pages.

Text uses the Bitstream Vera TrueType fonts that ship inside ReportLab, so
accented pt-BR text is embedded as is. Characters outside those fonts (an
emoji in a note, for instance) render as an empty box.
"""

from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from api.dossier import Dossier, DossierSection
from api.replay import sao_paulo

FONT = "DossierSans"
FONT_BOLD = "DossierSans-Bold"
PAGE_WIDTH = A4[0] - 30 * mm

# Characters beyond which a field's value gets a row of its own.
LONG_VALUE = 70

BODY = ParagraphStyle("body", fontName=FONT, fontSize=8, leading=10)
LABEL = ParagraphStyle("label", parent=BODY, fontName=FONT_BOLD)
TITLE = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=4)
HEADING = ParagraphStyle(
    "heading", fontName=FONT_BOLD, fontSize=10.5, leading=14, spaceBefore=10, spaceAfter=4,
    backColor=colors.HexColor("#e8eef5"), borderPadding=(2, 3, 2, 3),
)  # fmt: skip
META = ParagraphStyle("meta", parent=BODY, textColor=colors.HexColor("#555555"))

GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
)


def register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    fonts = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(fonts / "VeraBd.ttf")))


def render_pdf(dossier: Dossier) -> bytes:
    register_fonts()
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{dossier.title} {dossier.case_id}",
        author="retencao",
        lang="pt-BR",
    )
    story: list[Flowable] = [
        Paragraph(escape(dossier.title), TITLE),
        Paragraph(
            f"Caso {dossier.case_id}, versão {dossier.version}. "
            f"Gerado em {sao_paulo(dossier.generated_at)} (horário de Brasília).",
            META,
        ),
    ]
    for section in dossier.sections:
        story.extend(_section(section))
    document.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()


def _section(section: DossierSection) -> list[Flowable]:
    flowables: list[Flowable] = []
    heading = Paragraph(escape(section.title), HEADING)
    if section.fields:
        flowables.append(_fields_table(section))
    if section.table is not None:
        flowables.append(_rows_table(section.table.columns, section.table.rows))
    # Start the section on a new page when too little room is left for its heading and first rows.
    return [CondPageBreak(35 * mm), heading, *flowables, Spacer(1, 2 * mm)] if flowables else []


def _fields_table(section: DossierSection) -> Table:
    """Lay labelled fields two to a row, as on the paper form; a long value takes a whole row."""
    rows: list[list[object]] = []
    spans: list[int] = []
    pending: list[object] = []
    for item in section.fields:
        cells = [Paragraph(escape(item.label), LABEL), _paragraph(item.value)]
        if len(item.value) > LONG_VALUE:
            if pending:
                rows.append([*pending, "", ""])
                pending = []
            spans.append(len(rows))
            rows.append([*cells, "", ""])
        elif pending:
            rows.append([*pending, *cells])
            pending = []
        else:
            pending = cells
    if pending:
        rows.append([*pending, "", ""])
    widths = [PAGE_WIDTH * share for share in (0.17, 0.33, 0.17, 0.33)]
    table = Table(rows, colWidths=widths)
    table.setStyle(GRID)
    table.setStyle(TableStyle([("SPAN", (1, row), (3, row)) for row in spans]))
    return table


def _rows_table(columns: list[str], rows: list[list[str]]) -> Table:
    data = [[Paragraph(escape(column), LABEL) for column in columns]]
    data += [[_paragraph(cell) for cell in row] for row in rows]
    widths = _column_widths(columns, rows)
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(GRID)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f3f3"))]))
    return table


def _column_widths(columns: list[str], rows: list[list[str]]) -> list[float]:
    """Give each column room for its longest word, then share the rest by its longest text."""
    texts = [[column, *(row[index] for row in rows)] for index, column in enumerate(columns)]
    floors = [
        max(pdfmetrics.stringWidth(word, FONT_BOLD, BODY.fontSize) for text in column for word in [*text.split(), ""])
        + 8
        for column in texts
    ]
    weights = [min(max(len(text) for text in column), 200) for column in texts]
    spare = max(PAGE_WIDTH - sum(floors), 0)
    return [floor + spare * weight / sum(weights) for floor, weight in zip(floors, weights, strict=True)]


def _paragraph(text: str) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), BODY)


def _footer(canvas, document) -> None:  # type: ignore[no-untyped-def]
    canvas.saveState()
    canvas.setFont(FONT, 7)
    canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"Página {document.page}")
    canvas.restoreState()
