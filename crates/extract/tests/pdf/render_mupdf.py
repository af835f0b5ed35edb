"""Prints an HTML page to PDF with MuPDF's own layout engine (PyMuPDF's `Story`), as a Python
pipeline that has no browser might.

Usage: render_mupdf.py PAGE.html OUT.pdf [CSS]

MuPDF lays tables out itself: no rules, cells set at the top of their rows a few points apart,
headers not repeated over pages, every page's text in one text object with each cell's lines
placed by `Tm` and `Td`. Its fonts' `ToUnicode` maps write a character beyond the Basic
Multilingual Plane as its code point in five hex digits, and its "fi" glyph as U+FB01.
"""

import sys

import pymupdf


def main() -> None:
    page, out = sys.argv[1], sys.argv[2]
    css = sys.argv[3] if len(sys.argv) > 3 else ""
    with open(page, encoding="utf-8") as f:
        story = pymupdf.Story(html=f.read(), user_css=css or None)
    writer = pymupdf.DocumentWriter(out)
    paper = pymupdf.paper_rect("a4")
    frame = paper + (36, 36, -36, -36)
    more = True
    while more:
        device = writer.begin_page(paper)
        more, _ = story.place(frame)
        story.draw(device)
        writer.end_page()
    writer.close()


if __name__ == "__main__":
    main()
