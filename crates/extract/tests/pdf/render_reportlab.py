#!/usr/bin/env python3
"""Renders a report's text to PDF with ReportLab's platypus, as a council's Python reporting job
might, for lapis's tests.

    render_reportlab.py REPORT.txt OUT.pdf [--lines grid|none|box] [--valign BOTTOM|MIDDLE|TOP]

Headings as larger bold paragraphs; paragraphs and bold titles ("✔ **Title**") as platypus
paragraphs a few points apart; every block of tab-separated lines as a `Table` of wrapped
`Paragraph` cells, its header rows (the leading rows without figures, up to three) repeated on
every page it runs onto. --lines draws the table's rules: every cell ruled (grid), none, or a
frame around the table with a rule under its header (box). --valign sets the cells in their
rows: ReportLab's default is BOTTOM. The text is the shared report's, read at test time:
nothing here is committed but this script. Needs reportlab and the DejaVu fonts.
"""
import re
import sys
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]{0,10}>")
FIGURE = re.compile(r"^[£-]?[0-9][0-9,.]*%?$")


def plain(text):
    """The text as printed: markup the text export left behind removed."""
    return TAG.sub("", text).replace("**", "").strip()


def option(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def main():
    src, out = sys.argv[1], sys.argv[2]
    lines_style, valign = option("--lines", "grid"), option("--valign", "BOTTOM")
    pdfmetrics.registerFont(TTFont("DejaVu", FONT_DIR + "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", FONT_DIR + "DejaVuSans-Bold.ttf"))
    addMapping("DejaVu", 0, 0, "DejaVu")
    addMapping("DejaVu", 1, 0, "DejaVu-Bold")
    body = ParagraphStyle("body", fontName="DejaVu", fontSize=9, leading=11)
    cell = ParagraphStyle("cell", parent=body, fontSize=7, leading=8.5)
    head = ParagraphStyle("head", parent=cell, fontName="DejaVu-Bold")
    headings = {
        level: ParagraphStyle(
            f"h{level}", parent=body, fontName="DejaVu-Bold", fontSize=size, leading=size * 1.2,
            spaceAfter=4,
        )
        for level, size in ((1, 16), (2, 13), (3, 11))
    }
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    story = []
    lines = open(src, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if "\t" in lines[i]:
            j = i
            while j < len(lines) and "\t" in lines[j]:
                j += 1
            rows = [[plain(c) for c in l.split("\t")] for l in lines[i:j]]
            width = max(len(r) for r in rows)
            rows = [r + [""] * (width - len(r)) for r in rows]
            has_header = not any(FIGURE.match(c) for c in rows[0][1:])
            header_rows = 0
            while (
                has_header
                and header_rows < min(3, len(rows) - 1)
                and not any(FIGURE.match(c) for c in rows[header_rows][1:])
                and (header_rows == 0 or rows[header_rows][0] == "")
            ):
                header_rows += 1
            # A column is as wide as its longest word, and shares the rest of the width by how
            # much it holds.
            min_w = [
                max(
                    (pdfmetrics.stringWidth(w, "DejaVu-Bold", 7) for r in rows for w in r[c].split()),
                    default=4,
                )
                + 13
                for c in range(width)
            ]
            content = [min(60, max(len(r[c]) for r in rows)) + 1 for c in range(width)]
            free = max(0.0, doc.width - sum(min_w))
            widths = [min_w[c] + free * content[c] / sum(content) for c in range(width)]
            data = [
                [Paragraph(escape(t), head if n < header_rows else cell) for t in r]
                for n, r in enumerate(rows)
            ]
            table = Table(data, colWidths=widths, repeatRows=header_rows)
            style = [("VALIGN", (0, 0), (-1, -1), valign)]
            if lines_style == "grid":
                style.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
            elif lines_style == "box":
                style.append(("BOX", (0, 0), (-1, -1), 0.5, colors.black))
                if header_rows:
                    style.append(("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.5, colors.black))
            table.setStyle(TableStyle(style))
            story += [table, Spacer(1, 6)]
            i = j
            continue
        text = lines[i].strip()
        i += 1
        if not text:
            continue
        m = re.match(r"^(#{1,6}) (.*)$", text)
        if m:
            story.append(Paragraph(escape(plain(m.group(2))), headings[min(3, len(m.group(1)))]))
            continue
        mark = re.match(r"^([-✔•]\s*)", text)
        inner = text[mark.end():] if mark else text
        bold = inner.startswith("**") and inner.endswith("**") and len(inner) > 4
        story.append(Paragraph(("<b>%s</b>" if bold else "%s") % escape(plain(text)), body))
        story.append(Spacer(1, 3))
    doc.build(story)


if __name__ == "__main__":
    main()
