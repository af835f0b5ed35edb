"""The blocks of a report's HTML page (as lapis's tests write it: headings, paragraphs, lists and
tables with a header row), for the scripts that typeset it again (`render_typst.py`,
`render_latex.py`).
"""

from html.parser import HTMLParser


class Page(HTMLParser):
    """The blocks of the page: ("h", level, text), ("p", text, strong), ("li", text), ("table", rows)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self.text = None
        self.tag = None
        self.strong = False
        self.rows = None
        self.row = None
        self.header = False

    def handle_starttag(self, tag, attrs):
        if self.row is not None and self.text is not None:
            # A paragraph or a break inside a cell: a new paragraph or line of it.
            if tag in ("p", "br") and "".join(self.text).strip():
                self.text.append("\n\n" if tag == "p" else "\n")
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li"):
            self.tag, self.text, self.strong = tag, [], False
        elif tag == "strong":
            self.strong = True
        elif tag == "table":
            self.rows = []
        elif tag == "thead":
            self.header = True
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.text = []

    def handle_endtag(self, tag):
        if self.row is not None and self.text is not None and tag not in ("td", "th"):
            return
        if tag in ("td", "th"):
            self.row.append("".join(self.text))
            self.text = None
        elif tag == "tr":
            self.rows.append((self.header, self.row))
            self.row = None
        elif tag == "thead":
            self.header = False
        elif tag == "table":
            self.blocks.append(("table", self.rows))
            self.rows = None
        elif tag == self.tag and self.text is not None:
            text = "".join(self.text).strip()
            if tag.startswith("h"):
                self.blocks.append(("h", int(tag[1]), text))
            elif tag == "li":
                self.blocks.append(("li", text))
            else:
                self.blocks.append(("p", text, self.strong))
            self.tag, self.text = None, None

    def handle_data(self, data):
        if self.text is not None:
            self.text.append(data)


def blocks(path: str):
    """The blocks of the page at `path`."""
    page = Page()
    with open(path, encoding="utf-8") as f:
        page.feed(f.read())
    return page.blocks
