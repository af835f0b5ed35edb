"""Prints an HTML page to PDF with WeasyPrint, as a council's web-to-PDF pipeline might.

Usage: render_weasyprint.py PAGE.html OUT.pdf [CSS]

CSS is added after the page's own styles. WeasyPrint lays tables out itself (no browser): its
default table has no rules and sets cells in the middle of their rows; its fonts are embedded
with an encoding CMap of its own (`begincidchar`), which the reader must decode.
"""

import sys

import weasyprint


def main() -> None:
    page, out = sys.argv[1], sys.argv[2]
    css = sys.argv[3] if len(sys.argv) > 3 else ""
    sheets = [weasyprint.CSS(string=css)] if css else None
    weasyprint.HTML(page).write_pdf(out, stylesheets=sheets)


if __name__ == "__main__":
    main()
