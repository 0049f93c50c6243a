"""The work summary as a Word document (.docx, python-docx), laid out like an office's own summary.

A4, title centred in a bold heading face, the period line under it, section headings 一、… in 黑体, body text
in 宋体 with a two-character first-line indent, tables in a plain grid with a bold header row repeated on each
page. Chinese needs the East-Asian font set explicitly (w:rFonts/@w:eastAsia): without it Word falls back to a
Western face for the Chinese characters. No Flask here: `render(summary) -> bytes`.
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from webapp.reports.summary import Paragraph, Summary, Table

BODY_EAST, HEAD_EAST = "宋体", "黑体"           # SimSun, SimHei
BODY_WEST = {"zh": "Times New Roman", "en": "Calibri"}
BLACK = RGBColor(0, 0, 0)


def _fonts(style, west: str, east: str, size: float, bold: bool | None = None) -> None:
    """Set the style's Western and East-Asian faces, dropping the theme fonts that would override them."""
    style.font.name, style.font.size, style.font.color.rgb = west, Pt(size), BLACK
    if bold is not None:
        style.font.bold = bold
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:eastAsia"), east)


def _styles(document, lang: str) -> None:
    west = BODY_WEST[lang]
    styles = document.styles
    _fonts(styles["Normal"], west, BODY_EAST, 12)
    lang_el = styles["Normal"].element.get_or_add_rPr().find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        styles["Normal"].element.get_or_add_rPr().append(lang_el)
    lang_el.set(qn("w:val"), "zh-CN" if lang == "zh" else "en-GB")
    lang_el.set(qn("w:eastAsia"), "zh-CN")
    _fonts(styles["Title"], west, HEAD_EAST, 18, bold=True)
    _fonts(styles["Heading 1"], west, HEAD_EAST, 14, bold=True)
    _fonts(styles["Heading 2"], west, HEAD_EAST, 12, bold=True)
    for name in ("Title", "Heading 1", "Heading 2"):
        styles[name].font.italic = False
    # The default template draws a rule under the title: an office document has none.
    border = styles["Title"].element.find(qn("w:pPr"))
    if border is not None and border.find(qn("w:pBdr")) is not None:
        border.remove(border.find(qn("w:pBdr")))


def _page(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(2.8)


def _paragraph(document, block: Paragraph, lang: str) -> None:
    if block.kind == "subheading":
        document.add_heading(block.text, level=2)
        return
    p = document.add_paragraph(block.text)
    p.paragraph_format.space_after = Pt(4)
    p.paragraph_format.line_spacing = 1.3
    if lang == "zh":
        p.paragraph_format.first_line_indent = Pt(24)     # two characters of 12 pt


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _table(document, table: Table) -> None:
    caption = document.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.space_before = Pt(6)
    caption.add_run(table.caption).bold = True
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(grid.rows[0].cells, table.header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _repeat_header(grid.rows[0])
    for values in table.rows:
        cells = grid.add_row().cells
        for n, (cell, text) in enumerate(zip(cells, values)):
            cell.text = text
            if n in table.numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph()


def render(summary: Summary) -> bytes:
    """The summary as .docx bytes."""
    document = Document()
    _styles(document, summary.lang)
    _page(document)
    props = document.core_properties
    props.title, props.language = summary.title, "zh-CN" if summary.lang == "zh" else "en"
    title = document.add_heading(summary.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    line = document.add_paragraph(summary.period_line)
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, Paragraph(summary.intro), summary.lang)
    for section in summary.sections:
        document.add_heading(section.heading, level=1)
        for block in section.blocks:
            if isinstance(block, Table):
                _table(document, block)
            else:
                _paragraph(document, block, summary.lang)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
