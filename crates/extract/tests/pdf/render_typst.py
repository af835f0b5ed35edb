"""Prints an HTML page of a report to PDF with Typst (the `typst` Python package, Typst's own
compiler): the page's headings, paragraphs, lists and tables written as Typst markup.

Usage: render_typst.py PAGE.html OUT.pdf [--style ruled|plain|booktabs] [--no-tags]

Typst's tables are grids of cells set at the top left of their rows, 5 pt apart; `ruled` keeps
its default rules round every cell, `plain` draws none, `booktabs` only rules over and under the
header and under the table. Its PDFs are tagged (a table's header row as `TH` cells) unless
`--no-tags`.
"""

import argparse

import typst

from html_blocks import blocks


def escape(text: str) -> str:
    """Text as Typst markup reads it literally."""
    out = []
    for ch in text:
        if ch in '\\#*_`$<>@[]=-+/~"\'':
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def cell(text: str) -> str:
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "[" + "#parbreak()".join(
        " \\ ".join(escape(line.strip()) for line in p.split("\n")) for p in paragraphs
    ) + "]"


def markup(blocks, style: str) -> str:
    stroke = {"ruled": "", "plain": "stroke: none,", "booktabs": "stroke: none,"}[style]
    out = [
        '#set page(paper: "a4", margin: 2cm, numbering: "1")',
        '#set text(font: "DejaVu Sans", size: 9pt)',
    ]
    for block in blocks:
        if block[0] == "h":
            out.append("=" * block[1] + " " + escape(block[2]))
        elif block[0] == "p":
            text = escape(block[1])
            out.append(f"*{text}*" if block[2] else text)
        elif block[0] == "li":
            out.append("- " + escape(block[1]))
        else:
            rows = block[1]
            width = max(len(r) for _, r in rows)
            head = [r for h, r in rows if h]
            body = [r for h, r in rows if not h]
            parts = [f"columns: {width},", stroke]
            if head:
                if style == "booktabs":
                    parts.append("table.hline(),")
                parts.append(
                    "table.header("
                    + ", ".join(f"text(weight: \"bold\", {cell(c)})" for c in head[0])
                    + "),"
                )
                if style == "booktabs":
                    parts.append("table.hline(stroke: 0.5pt),")
            for r in body:
                parts.append(", ".join(cell(c) for c in r) + ",")
            if style == "booktabs":
                parts.append("table.hline(),")
            out.append("#table(" + "\n".join(parts) + ")")
        out.append("")
    return "\n".join(out)


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("page")
    args.add_argument("out")
    args.add_argument("--style", default="ruled", choices=["ruled", "plain", "booktabs"])
    args.add_argument("--no-tags", action="store_true")
    a = args.parse_args()
    source = markup(blocks(a.page), a.style)
    with open(a.out + ".typ", "w", encoding="utf-8") as f:
        f.write(source)
    options = {}
    if a.no_tags:
        options["pdf_tags"] = False
    pdf = typst.compile(a.out + ".typ", format="pdf", font_paths=["/usr/share/fonts/truetype/dejavu"], **options)
    with open(a.out, "wb") as f:
        f.write(pdf)


if __name__ == "__main__":
    main()
