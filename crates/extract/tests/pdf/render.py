#!/usr/bin/env python3
"""Renders a report's text as a council's Word export prints it to PDF, for lapis's tests.

    render.py REPORT.txt OUT.pdf [--encrypt-owner] [--padding MM] [--fill] [--valign top|middle|bottom]
              [--borders all|horizontal|none|internal|columns|minimal]
    render.py - OUT.pdf --scan

--encrypt-owner protects the file against copying with an owner password (it opens without
one); --scan writes two pages that hold only an image, as a scanner does; --fill shades tables
as councils' templates do: a dark header row with white type, banded rows, and rating cells
filled with their colour (Green, Amber, Red, …); --valign sets every cell's text at the top (the
default), in the middle or at the foot of its row.

Headings in larger bold type; paragraphs wrapped at the margin; every block of tab-separated
lines as a ruled table (fpdf2's table: cells wrapped within their column, the header repeated
on every page the table runs onto); tables of eight columns or more on landscape pages; a running
header and "Page N of M" footer on every page. The text is the shared report's, read at test
time: nothing here is committed but this script. Needs fpdf2 and the DejaVu fonts.
"""
import re
import sys

from fpdf import FPDF
from fpdf.fonts import FontFace

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"


class Report(FPDF):
    running_header = "Council Performance Report"

    def header(self):
        self.set_font("DejaVu", "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.running_header, align="R")
        self.ln(8)
        self.set_text_color(0, 0, 0)

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 7)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")


TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]{0,10}>")


def plain(text):
    """The text as printed: markup the text export left behind removed."""
    text = TAG.sub("", text)
    return text.replace("**", "").strip()


def scan(out):
    """Two pages of a grey picture and no text: what a scanner makes."""
    import struct
    import zlib

    w, h = 40, 30
    raw = b"".join(b"\x00" + bytes([200]) * w for _ in range(h))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    import io

    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.image(io.BytesIO(png), x=10, y=10, w=190)
    pdf.output(out)


BORDERS = "ALL"
VALIGN = "TOP"
PADDING = 0.8
FILL = False
RAG = {
    "green": (146, 208, 80), "amber": (255, 192, 0), "red": (255, 80, 80),
    "blue": (91, 155, 213), "grey": (191, 191, 191), "yellow": (255, 230, 100),
}


def main():
    global BORDERS, PADDING, FILL, VALIGN
    src, out = sys.argv[1], sys.argv[2]
    FILL = "--fill" in sys.argv
    if "--padding" in sys.argv:
        PADDING = float(sys.argv[sys.argv.index("--padding") + 1])
    if "--borders" in sys.argv:
        BORDERS = {
            "all": "ALL",
            "horizontal": "HORIZONTAL_LINES",
            "none": "NONE",
            "internal": "INTERNAL",
            "columns": "NO_HORIZONTAL_LINES",
            "minimal": "MINIMAL",
        }[
            sys.argv[sys.argv.index("--borders") + 1]
        ]
    if "--valign" in sys.argv:
        VALIGN = sys.argv[sys.argv.index("--valign") + 1].upper()
    if "--scan" in sys.argv:
        scan(out)
        return
    lines = open(src, encoding="utf-8").read().split("\n")
    pdf = Report(orientation="P", format="A4")
    pdf.add_font("DejaVu", "", FONT_DIR + "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", FONT_DIR + "DejaVuSans-Bold.ttf")
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_margins(15, 12, 15)
    pdf.add_page()
    body = 9
    i = 0
    while i < len(lines):
        line = lines[i]
        if "\t" in line:
            j = i
            while j < len(lines) and "\t" in lines[j]:
                j += 1
            raw_rows = [l.split("\t") for l in lines[i:j]]
            rows = [[plain(c) for c in r] for r in raw_rows]
            bold_cells = {
                (n, c)
                for n, r in enumerate(raw_rows)
                for c, cell in enumerate(r)
                if cell.strip().startswith("<b>") and cell.strip().endswith("</b>")
            }
            width = max(len(r) for r in rows)
            rows = [r + [""] * (width - len(r)) for r in rows]
            landscape = width >= 8
            if landscape:
                pdf.add_page(orientation="L")
            # A column is at least as wide as its longest word (in bold, for the header), as
            # a word processor keeps it; the rest of the width is shared by how much each holds.
            pdf.set_font("DejaVu", "B", 7 if width >= 6 else 8)
            min_w = [
                max((pdf.get_string_width(w) for r in rows for w in r[c].split()), default=4) + 4
                for c in range(width)
            ]
            pdf.set_font("DejaVu", "", 7 if width >= 6 else 8)
            usable = pdf.epw if not landscape else (pdf.w - pdf.l_margin - pdf.r_margin)
            content = [min(60, max(len(r[c]) for r in rows)) + 1 for c in range(width)]
            free = max(0.0, usable - sum(min_w))
            weights = [min_w[c] + free * content[c] / sum(content) for c in range(width)]
            # A block whose first row holds figures (a chart's data) has no header row to repeat.
            figure = re.compile(r"^[£-]?[0-9][0-9,.]*%?$")
            has_header = not any(figure.match(c) for c in rows[0][1:])
            with pdf.table(
                width=min(sum(weights), pdf.epw),
                col_widths=weights,
                first_row_as_headings=has_header,
                repeat_headings=1,
                text_align="LEFT",
                v_align=VALIGN,
                line_height=pdf.font_size * 1.35,
                headings_style=FontFace(
                    emphasis="BOLD",
                    color=(255, 255, 255) if FILL else None,
                    fill_color=(31, 56, 100) if FILL else None,
                ),
                cell_fill_color=(235, 241, 222) if FILL else None,
                cell_fill_mode="ROWS" if FILL else "NONE",
                padding=PADDING,
                borders_layout=BORDERS,
            ) as table:
                for n, r in enumerate(rows):
                    row = table.row()
                    for c, text in enumerate(r):
                        colour = RAG.get(text.strip().lower()) if FILL else None
                        bold = (n, c) in bold_cells and (n > 0 or not has_header)
                        if colour or bold:
                            row.cell(
                                text,
                                style=FontFace(
                                    emphasis="BOLD" if bold else None, fill_color=colour
                                ),
                            )
                        else:
                            row.cell(text)
            if landscape:
                pdf.add_page(orientation="P")
            pdf.ln(3)
            i = j
            continue
        t = line.strip()
        i += 1
        if not t:
            continue
        m = re.match(r"^(#{1,6}) (.*)$", t)
        if m:
            size = {1: 16, 2: 13}.get(len(m.group(1)), 11)
            pdf.set_font("DejaVu", "B", size)
            pdf.multi_cell(0, size * 0.5, plain(m.group(2)))
            pdf.ln(2)
            continue
        # A bold line, bulleted or not ("**Title**", "-  **Title**"), prints in bold.
        bullet = re.match(r"^(- +)", t)
        inner = t[bullet.end():] if bullet else t
        bold = inner.startswith("**") and inner.endswith("**") and len(inner) > 4
        pdf.set_font("DejaVu", "B" if bold else "", body)
        pdf.multi_cell(0, body * 0.5, plain(t))
        pdf.ln(1.5)
    if "--encrypt-owner" in sys.argv:
        from fpdf.enums import AccessPermission

        pdf.set_encryption(
            owner_password="council-owner",
            permissions=AccessPermission.PRINT_LOW_RES | AccessPermission.PRINT_HIGH_RES,
        )
    pdf.output(out)


if __name__ == "__main__":
    main()
