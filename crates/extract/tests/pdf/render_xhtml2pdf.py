"""Prints an HTML page to PDF with xhtml2pdf (pisa), the HTML-to-PDF converter many Python
report pipelines use; it lays pages out with ReportLab.

Usage: render_xhtml2pdf.py PAGE.html OUT.pdf

xhtml2pdf's tables have no rules and no padding: columns of one width abut, each cell's text set
at its left edge and in the middle of its row, header cells centred; each cell is a text object
of its own, its lines half their size apart and its rows no further.
"""

import sys

from xhtml2pdf import pisa


def main() -> None:
    page, out = sys.argv[1], sys.argv[2]
    with open(page, encoding="utf-8") as f, open(out, "wb") as pdf:
        result = pisa.CreatePDF(f.read(), dest=pdf)
    sys.exit(1 if result.err else 0)


if __name__ == "__main__":
    main()
