"""Typesets an HTML page of a report with LaTeX (pdflatex), as a report written in LaTeX or
converted to it (as pandoc converts a page) prints: the page's headings, paragraphs, lists and
tables written as LaTeX.

Usage: render_latex.py PAGE.html OUT.pdf [--style ruled|booktabs|plain]

Tables are `longtable`s of ragged-right paragraph columns, their widths shared out by how much
each column holds, the header row bold and printed again atop every page the table runs onto
(`\\endhead`), and a page number at each page's foot. `ruled` draws every rule, `booktabs` a
rule over and under the header and under the table, `plain` none. TeX sets no space between
words (only a gap), kerns letters apart inside a word, and sets Latin Modern's Type 1 fonts in
the T1 encoding. Hyphenation is off: a hyphen TeX adds to break a word cannot be told from the
report's own. Needs pdflatex with the longtable, booktabs and lmodern packages.
"""

import argparse
import os
import subprocess
import tempfile

from html_blocks import blocks

SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "\u00a0": "~",
}


def escape(text: str) -> str:
    """Text as LaTeX sets it literally."""
    return "".join(SPECIAL.get(ch, ch) for ch in text)


def cell(text: str) -> str:
    lines = [line.strip() for line in text.replace("\n\n", "\n").split("\n") if line.strip()]
    return r" \newline ".join(escape(line) for line in lines)


def table(rows, style: str) -> str:
    width = max(len(r) for _, r in rows)
    rows = [(h, r + [""] * (width - len(r))) for h, r in rows]
    head = [r for h, r in rows if h]
    body = [r for h, r in rows if not h]
    # Each column at least as wide as its longest word (bold in the header), the rest of the
    # line shared out by how much text each column holds.
    em = 8.0 if width > 6 else 9.0
    line = 481.9 - 2 * 6.0 * width
    least = []
    share = []
    for c in range(width):
        words = [(w, h) for h, r in rows for w in r[c].split()]
        least.append(max((len(w) * em * (0.62 if h else 0.55) for w, h in words), default=em))
        share.append(max(sum(len(r[c]) for _, r in rows) / len(rows), 1.0))
    spare = max(line - sum(least), 0.0)
    widths = [least[c] + spare * share[c] / sum(share) for c in range(width)]
    sep = "|" if style == "ruled" else ""
    spec = sep + sep.join(
        r">{\raggedright\arraybackslash}p{%.1fpt}" % w for w in widths
    ) + sep
    top = {"ruled": r"\hline", "booktabs": r"\toprule", "plain": ""}[style]
    mid = {"ruled": r"\hline", "booktabs": r"\midrule", "plain": ""}[style]
    bottom = {"ruled": r"\hline", "booktabs": r"\bottomrule", "plain": ""}[style]
    between = r"\hline" if style == "ruled" else ""
    size = r"\footnotesize" if width > 6 else r"\small"
    out = ["{" + size, r"\begin{longtable}{" + spec + "}", top]
    if head:
        out.append(" & ".join(r"\textbf{" + cell(c) + "}" for c in head[0]) + r" \\")
        out.append(mid)
        out.append(r"\endhead")
    for r in body:
        out.append(" & ".join(cell(c) for c in r) + r" \\")
        out.append(between)
    if bottom and bottom != between:
        out.append(bottom)
    out.append(r"\end{longtable}}")
    return "\n".join(out)


def document(page_blocks, style: str) -> str:
    out = [
        r"\documentclass[10pt]{article}",
        r"\usepackage[a4paper,margin=2cm]{geometry}",
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{lmodern}",
        r"\usepackage{longtable,array,booktabs}",
        r"\setlength{\parindent}{0pt}",
        r"\setlength{\parskip}{4pt}",
        r"\lefthyphenmin=64",
        r"\begin{document}",
    ]
    for block in page_blocks:
        if block[0] == "h":
            command = ["section", "subsection", "subsubsection"][min(block[1], 3) - 1]
            out.append("\\" + command + "*{" + escape(block[2]) + "}")
        elif block[0] == "p":
            text = escape(block[1])
            out.append(r"\textbf{" + text + "}" if block[2] else text)
        elif block[0] == "li":
            out.append(r"\begin{itemize}\item " + escape(block[1]) + r"\end{itemize}")
        else:
            out.append(table(block[1], style))
        out.append("")
    out.append(r"\end{document}")
    return "\n".join(out)


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("page")
    args.add_argument("out")
    args.add_argument("--style", default="ruled", choices=["ruled", "booktabs", "plain"])
    a = args.parse_args()
    source = document(blocks(a.page), a.style)
    with tempfile.TemporaryDirectory() as work:
        tex = os.path.join(work, "report.tex")
        with open(tex, "w", encoding="utf-8") as f:
            f.write(source)
        # Twice: longtable settles its columns' widths over two runs.
        for _ in range(2):
            run = subprocess.run(
                ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "report.tex"],
                cwd=work,
                capture_output=True,
            )
            if run.returncode != 0:
                raise SystemExit(run.stdout[-3000:].decode("latin-1"))
        with open(os.path.join(work, "report.pdf"), "rb") as f, open(a.out, "wb") as g:
            g.write(f.read())


if __name__ == "__main__":
    main()
