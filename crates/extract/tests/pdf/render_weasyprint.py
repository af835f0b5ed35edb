"""Prints an HTML page to PDF with WeasyPrint, as a council's web-to-PDF pipeline might.

Usage: render_weasyprint.py PAGE.html OUT.pdf [CSS] [--tags]

CSS is added after the page's own styles. With --tags the PDF is tagged (`pdf_tags`, WeasyPrint's
`--pdf-tags`): a structure tree names each table, row and cell. WeasyPrint lays tables out itself (no browser): its
default table has no rules and sets cells in the middle of their rows; its fonts are embedded
with an encoding CMap of its own (`begincidchar`), which the reader must decode.
"""

import sys

import weasyprint


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--tags"]
    tags = "--tags" in sys.argv[1:]
    page, out = args[0], args[1]
    css = args[2] if len(args) > 2 else ""
    sheets = [weasyprint.CSS(string=css)] if css else None
    weasyprint.HTML(page).write_pdf(out, stylesheets=sheets, pdf_tags=tags)


if __name__ == "__main__":
    main()
