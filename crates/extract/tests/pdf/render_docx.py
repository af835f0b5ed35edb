#!/usr/bin/env python3
"""Writes a report's text as a Word document, as a council officer types one, for lapis's
tests: headings, paragraphs, and each tab-separated block as a Word table (style "Table Grid"
unless another is named; the header row repeated on every page; rows allowed to break across
pages, Word's default), landscape sections for tables of eight columns or more, a running
header. LibreOffice then prints it to PDF (`soffice --headless --convert-to pdf`): a second
tool, with its own line breaking and its own way of drawing rules, beside fpdf2's render.py.

    render_docx.py REPORT.txt OUT.docx [TABLE_STYLE] [--valign center|bottom] [--no-spacing]
                   [--figures right|center] [--font NAME]

With `--valign`, every cell's text is set in the middle (or at the foot) of its row, as Word's
"Align Center" does (its rows have no margin above or below their cells); with `--no-spacing`,
the cells' paragraphs have no space after them (Word's "No Spacing"), so that with no rules
and no fills one row's tallest cell runs on into the next row's at one line-spacing. With
`--figures`, each cell that holds a figure alone is set at its cell's right (or centred), as a
council sets a column of figures; `--font` names the document's type (DejaVu Sans unless named).

The text is the shared report's, read at test time: nothing here is committed but this
script. Needs python-docx.
"""
import re
import sys

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]{0,10}>")
FIGURE = re.compile(r"^[£-]?[0-9][0-9,.]*%?$")


def plain(text):
    """The text as printed: markup the text export left behind removed."""
    return TAG.sub("", text).replace("**", "").strip()


def new_section(doc, landscape):
    section = doc.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.left_margin = section.right_margin = Mm(18)


def add_table(doc, rows, style, valign=None, tight=False, figures=None):
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    table = doc.add_table(rows=len(rows), cols=width)
    table.style = style
    # A block whose first row holds figures (a chart's data) has no header row.
    has_header = not any(FIGURE.match(c) for c in rows[0][1:])
    size = Pt(7 if width >= 6 else 8)
    for n, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = table.cell(n, c)
            cell.text = text
            if valign:
                cell.vertical_alignment = valign
            for paragraph in cell.paragraphs:
                if figures and FIGURE.match(text):
                    paragraph.alignment = figures
                if tight:
                    paragraph.paragraph_format.space_after = Pt(0)
                for run in paragraph.runs:
                    run.font.size = size
                    run.bold = n == 0 and has_header
    if has_header:
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        table.rows[0]._tr.get_or_add_trPr().append(repeat)


def main():
    args = sys.argv[1:]
    tight = "--no-spacing" in args
    args = [a for a in args if a != "--no-spacing"]
    valign = None
    if "--valign" in args:
        at = args.index("--valign")
        valign = {"center": WD_CELL_VERTICAL_ALIGNMENT.CENTER,
                  "bottom": WD_CELL_VERTICAL_ALIGNMENT.BOTTOM}[args[at + 1]]
        del args[at:at + 2]
    figures = None
    if "--figures" in args:
        at = args.index("--figures")
        figures = {"right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER}[args[at + 1]]
        del args[at:at + 2]
    font = "DejaVu Sans"
    if "--font" in args:
        at = args.index("--font")
        font = args[at + 1]
        del args[at:at + 2]
    src, out = args[0], args[1]
    style = args[2] if len(args) > 2 else "Table Grid"
    lines = open(src, encoding="utf-8").read().split("\n")
    doc = Document()
    doc.styles["Normal"].font.name = font
    doc.styles["Normal"].font.size = Pt(9)
    first = doc.sections[0]
    first.page_width, first.page_height = Mm(210), Mm(297)
    first.left_margin = first.right_margin = Mm(18)
    first.header.paragraphs[0].text = "Council Performance Report"
    i = 0
    while i < len(lines):
        if "\t" in lines[i]:
            j = i
            while j < len(lines) and "\t" in lines[j]:
                j += 1
            rows = [[plain(c) for c in line.split("\t")] for line in lines[i:j]]
            landscape = max(len(r) for r in rows) >= 8
            if landscape:
                new_section(doc, True)
            add_table(doc, rows, style, valign, tight, figures)
            if landscape:
                new_section(doc, False)
            doc.add_paragraph()
            i = j
            continue
        text = lines[i].strip()
        i += 1
        if not text:
            continue
        heading = re.match(r"^(#{1,6}) (.*)$", text)
        if heading:
            doc.add_heading(plain(heading.group(2)), level=min(len(heading.group(1)), 3))
            continue
        paragraph = doc.add_paragraph(plain(text))
        inner = re.sub(r"^- +", "", text)
        if inner.startswith("**") and inner.endswith("**"):
            for run in paragraph.runs:
                run.bold = True
    doc.save(out)


if __name__ == "__main__":
    main()
