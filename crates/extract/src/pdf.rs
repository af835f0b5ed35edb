//! PDF reports into the text the readers know, with their tables kept as tables.
//!
//! The characters of each page and their positions come from `pdf-extract` (over `lopdf`, both
//! pure Rust): fonts, encodings and `ToUnicode` maps are its business. Here they are laid out
//! again as a person sees the page: characters at one height make a line, lines are printed top
//! to bottom, a wide horizontal gap becomes two or more spaces that put the next text at the
//! column its position gives (so that a table's columns line up and the fixed-width reader of
//! [`crate::layout`] finds them, wrapped cells included), a larger vertical gap a blank line, and
//! each page after the first starts with a form feed (so that running headers and page numbers
//! are recognised as furniture). Lines of one paragraph that wrapped at the right margin are
//! joined back into one line, as the text exports the readers were built on print them; text
//! larger than the body becomes a heading.
//!
//! What goes wrong: a damaged file (refused), a file encrypted with a password (refused; one
//! encrypted only against copying opens with the empty password and is read), a scan with no
//! text layer (refused as such), and `pdf-extract` panicking on a construct it does not handle
//! (caught, refused as damaged). Rotated pages (`/Rotate 90`) are turned back.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

mod tagged;

/// Where the page's origin is and which way is down: the media box's top-left corner.
#[derive(Debug, Clone, Copy)]
struct Frame {
    llx: f64,
    ury: f64,
}

use crate::text::broken_at_hyphen;
use crate::ExtractError;

/// One character where the page prints it (points from the top-left corner of the page as read).
#[derive(Debug, Clone)]
struct Glyph {
    x: f64,
    y: f64,
    width: f64,
    size: f64,
    text: String,
    bold: bool,
    /// Whether the glyph is the first of a text object (`BT`): a producer that writes each
    /// cell's line as a text object of its own (browsers, fpdf2) parts cells that a word space
    /// apart would join.
    opens: bool,
    /// The marked content (`BDC … /MCID n`) that drew it: the key a tagged PDF's structure tree
    /// names it by.
    mcid: Option<i64>,
    /// The text object (`BT`, counted down the page's content) that drew it: xhtml2pdf and
    /// ReportLab write each cell's lines in one, so lines of one object in one column are one
    /// cell however far apart they are set.
    object: Option<usize>,
    /// Whether the page's clipping path hides most of it (a line a browser printed on both
    /// sides of a page break, cut in two, shows on each page only the part within the page).
    hidden: bool,
    /// What drew it, counted down the page's content: the text operation (`Tj`, `TJ`) where
    /// the page's operations are known, else the string shown (a `TJ` shows several: Typst
    /// breaks a word into two at a kerning).
    shown: usize,
    /// Where the no-break spaces right after it end, if any follow it: the words either side
    /// are one where a line may break ("creation of apprenticeship" went whole to the next
    /// line), and the space they fill is no gap between cells ("Rating: Good", twenty of them,
    /// "Expected completion").
    glued: Option<f64>,
}

#[derive(Debug, Default)]
struct Page {
    glyphs: Vec<Glyph>,
    /// The strings shown on the page so far.
    shown: usize,
    /// Horizontal rules (a table's row borders): (y, x from, x to).
    rules: Vec<(f64, f64, f64)>,
    /// Vertical rules (a table's column borders): (x, y from, y to).
    columns: Vec<(f64, f64, f64)>,
    /// Shaded areas (a header row, a banded row, a coloured cell).
    fills: Vec<Fill>,
    /// Each shaded area's colour, and each thin bar's that the page fills (a rule, or the
    /// shading of a cell its padding alone makes as wide: an empty column's), with its corners.
    fill_colours: Vec<Vec<f64>>,
    bars: Vec<Bar>,
    width: f64,
    height: f64,
}

/// A thin filled rectangle: two opposite corners and its colour.
#[derive(Debug, Clone)]
struct Bar {
    corners: ((f64, f64), (f64, f64)),
    colour: Vec<f64>,
}

/// A shaded rectangle, from its top to its bottom and its left to its right edge.
#[derive(Debug, Clone, Copy)]
struct Fill {
    top: f64,
    bottom: f64,
    left: f64,
    right: f64,
}

impl Page {
    /// A straight line the page draws, as a rule: across (a row's border) or down (a column's).
    fn edge(&mut self, a: (f64, f64), b: (f64, f64)) {
        if (a.1 - b.1).abs() < 0.6 && (a.0 - b.0).abs() > 2.0 {
            self.rules.push((a.1, a.0.min(b.0), a.0.max(b.0)));
        } else if (a.0 - b.0).abs() < 0.6 && (a.1 - b.1).abs() > 2.0 {
            self.columns.push((a.0, a.1.min(b.1), a.1.max(b.1)));
        }
    }

    /// The four sides of a rectangle from corner `a` to corner `b`, as rules.
    fn rectangle(&mut self, a: (f64, f64), b: (f64, f64)) {
        self.edge(a, (b.0, a.1));
        self.edge((a.0, b.1), b);
        self.edge(a, (a.0, b.1));
        self.edge((b.0, a.1), b);
    }
}

impl Fill {
    /// Whether a line whose glyphs' baselines are at `y` lies on the shading (its baseline
    /// above the fill's foot and below its top).
    fn holds(&self, y: f64) -> bool {
        y > self.top && y < self.bottom
    }
}

/// What a page draws that parts a table's rows: its horizontal rules and its shading.
#[derive(Clone, Copy)]
struct Paint<'a> {
    rules: &'a [(f64, f64, f64)],
    fills: &'a [Fill],
}

#[derive(Default)]
struct Collector {
    pages: Vec<Page>,
    frame: Option<Frame>,
    /// Where the spaces shown right after the page's last glyph end, and whether a no-break
    /// space is among them.
    blank: Option<(f64, bool)>,
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        _page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.frame = Some(Frame {
            llx: media_box.llx,
            ury: media_box.ury,
        });
        self.pages.push(Page {
            glyphs: Vec::new(),
            shown: 0,
            rules: Vec::new(),
            columns: Vec::new(),
            fills: Vec::new(),
            fill_colours: Vec::new(),
            bars: Vec::new(),
            width: media_box.urx - media_box.llx,
            height: media_box.ury - media_box.lly,
        });
        Ok(())
    }
    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        text: &str,
    ) -> Result<(), OutputError> {
        let (Some(frame), Some(page)) = (self.frame, self.pages.last_mut()) else {
            return Ok(());
        };
        // The text matrix maps the glyph's origin; sizes scale by its linear part.
        let (vx, vy) = (
            font_size * (trm.m11 + trm.m21),
            font_size * (trm.m12 + trm.m22),
        );
        let size = (vx * vy).abs().sqrt();
        // Text placed far off any page (a degenerate matrix) is not on it: laid out, it would
        // ask for lines of trillions of spaces.
        let (x, y) = (trm.m31 - frame.llx, frame.ury - trm.m32);
        let off_page = !(x.abs() < 1e5 && y.abs() < 1e5);
        // A glyph its font maps to NUL (its `.notdef`: a character the font could not draw,
        // printed as nothing, as ReportLab prints an emoji its font lacks) shows nothing.
        let shows_nothing = text.chars().all(|c| c.is_whitespace() || c == '\0');
        if let Some(last) = page
            .glyphs
            .last_mut()
            .filter(|g| (g.y - y).abs() < 0.1 * size)
        {
            let end = self.blank.map_or(last.x + last.width, |b| b.0);
            if shows_nothing && text != "\0" && (x - end).abs() < 0.3 * size {
                let glued = text.contains(['\u{a0}', '\u{2007}', '\u{202f}'])
                    || self.blank.is_some_and(|b| b.1);
                self.blank = Some((x + width * size, glued));
                if glued {
                    last.glued = Some(x + width * size);
                }
            }
        }
        if shows_nothing || !size.is_finite() || size <= 0.0 || off_page {
            return Ok(());
        }
        self.blank = None;
        page.glyphs.push(Glyph {
            x,
            y,
            width: width * size,
            size,
            text: unligated(text),
            bold: false,
            opens: false,
            mcid: None,
            object: None,
            hidden: false,
            shown: page.shown.saturating_sub(1),
            glued: None,
        });
        Ok(())
    }
    fn stroke(
        &mut self,
        ctm: &Transform,
        _colorspace: &pdf_extract::ColorSpace,
        _color: &[f64],
        path: &pdf_extract::Path,
    ) -> Result<(), OutputError> {
        self.rules_of(ctm, path, None);
        Ok(())
    }
    fn fill(
        &mut self,
        ctm: &Transform,
        _colorspace: &pdf_extract::ColorSpace,
        color: &[f64],
        path: &pdf_extract::Path,
    ) -> Result<(), OutputError> {
        self.rules_of(ctm, path, Some(color));
        Ok(())
    }
    fn begin_word(&mut self) -> Result<(), OutputError> {
        // `pdf-extract` begins a word at each string it shows.
        if let Some(page) = self.pages.last_mut() {
            page.shown += 1;
        }
        Ok(())
    }
    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

impl Collector {
    /// The horizontal edges a path draws: lines, the edges of rectangles, thin filled bars (those
    /// at the page's end: `bars_ruled`). `fill`: the colour it is filled with, if it is.
    fn rules_of(&mut self, ctm: &Transform, path: &pdf_extract::Path, fill: Option<&[f64]>) {
        let filled = fill.is_some();
        use pdf_extract::PathOp;
        let (Some(frame), Some(page)) = (self.frame, self.pages.last_mut()) else {
            return;
        };
        let at = |x: f64, y: f64| {
            (
                x * ctm.m11 + y * ctm.m21 + ctm.m31 - frame.llx,
                frame.ury - (x * ctm.m12 + y * ctm.m22 + ctm.m32),
            )
        };
        let mut fills = Vec::new();
        let mut colours = Vec::new();
        let mut bars = Vec::new();
        let mut cursor = (0.0, 0.0);
        for op in &path.ops {
            match *op {
                PathOp::MoveTo(x, y) => cursor = at(x, y),
                PathOp::LineTo(x, y) => {
                    let to = at(x, y);
                    if !filled {
                        page.edge(cursor, to);
                    }
                    cursor = to;
                }
                PathOp::Rect(x, y, w, h) => {
                    let (a, b) = (at(x, y), at(x + w, y + h));
                    let thin = (a.1 - b.1).abs() <= 1.5 || (a.0 - b.0).abs() <= 1.5;
                    if filled && !thin {
                        // A shaded band (a header row, a banded row, a coloured cell) bounds
                        // its row above and below; its sides are no column rules.
                        page.edge(a, (b.0, a.1));
                        page.edge((a.0, b.1), b);
                        fills.push(Fill {
                            top: a.1.min(b.1),
                            bottom: a.1.max(b.1),
                            left: a.0.min(b.0),
                            right: a.0.max(b.0),
                        });
                        colours.push(fill.unwrap_or_default().to_vec());
                        continue;
                    }
                    if let (true, Some(colour)) = (thin, fill) {
                        bars.push(Bar {
                            corners: (a, b),
                            colour: colour.to_vec(),
                        });
                        continue;
                    }
                    page.rectangle(a, b);
                }
                PathOp::CurveTo(_, _, _, _, x, y) => cursor = at(x, y),
                PathOp::Close => {}
            }
        }
        page.fills.extend(fills);
        page.fill_colours.extend(colours);
        page.bars.extend(bars);
    }
}

/// A page's thin filled bars as rules (a rule drawn as a filled rectangle), but those that
/// shade a cell: a bar of a shaded area's colour, as high as it and beside it (or as wide and
/// over or under it), is the shading of a cell its padding alone makes as wide (an empty
/// column's cell in a banded row), not a rule, which would part the band into a ruled table.
fn bars_ruled(page: &mut Page) {
    let bars = std::mem::take(&mut page.bars);
    for Bar {
        corners: ((ax, ay), (bx, by)),
        colour,
    } in bars
    {
        let (left, right, top, bottom) = (ax.min(bx), ax.max(bx), ay.min(by), ay.max(by));
        let same = |c: &Vec<f64>| {
            c.len() == colour.len() && c.iter().zip(&colour).all(|(p, q)| (p - q).abs() < 0.01)
        };
        let near = |a: f64, b: f64| (a - b).abs() < 0.6;
        let shading = page.fills.iter().zip(&page.fill_colours).any(|(f, c)| {
            same(c)
                && (near(f.top, top)
                    && near(f.bottom, bottom)
                    && (f.left - right).abs().min((left - f.right).abs()) < 3.0
                    || near(f.left, left)
                        && near(f.right, right)
                        && (f.top - bottom).abs().min((top - f.bottom).abs()) < 3.0)
        });
        if shading {
            continue;
        }
        page.rectangle((left, top), (right, bottom));
    }
}

/// Where a text operation starts to draw, in the page's coordinates from its top-left corner,
/// and what `pdf-extract` does not say of its characters.
#[derive(Debug, Clone, Copy)]
struct Start {
    y: f64,
    x: f64,
    /// Its font is bold.
    bold: bool,
    /// It is the first text of its text object.
    opens: bool,
    /// Its text object, counted from the page's first.
    object: usize,
    /// The innermost marked content with an id around it.
    mcid: Option<i64>,
    /// The strings it shows, and the first of them counted down the page's content.
    strings: usize,
    first: usize,
    /// The band of the page its clipping path leaves to be seen (from top to bottom).
    clip: Option<(f64, f64)>,
}

/// Where each text shown on a page starts, with its font's weight, whether it opens its text
/// object, and its marked content. `pdf-extract` gives characters without them, so the content
/// stream is walked once more.
fn text_starts(doc: &lopdf::Document, page_id: lopdf::ObjectId) -> Vec<Start> {
    let fonts: std::collections::BTreeMap<Vec<u8>, bool> = doc
        .get_page_fonts(page_id)
        .map(|fonts| {
            fonts
                .into_iter()
                .map(|(name, dict)| {
                    let base = dict
                        .get(b"BaseFont")
                        .and_then(|b| b.as_name())
                        .map(|b| String::from_utf8_lossy(b).to_lowercase())
                        .unwrap_or_default();
                    let bold = ["bold", "black", "heavy", "semibold", "demi"]
                        .iter()
                        .any(|w| base.contains(w));
                    (name, bold)
                })
                .collect()
        })
        .unwrap_or_default();
    let Ok(content) = doc.get_and_decode_page_content(page_id) else {
        return Vec::new();
    };
    // Marked content named by a property list in the page's resources (`/P /MC0 BDC`).
    let properties = doc
        .get_page_resources(page_id)
        .ok()
        .and_then(|(own, ids)| {
            own.or_else(|| ids.first().and_then(|id| doc.get_dictionary(*id).ok()))
        })
        .and_then(|r| r.get(b"Properties").ok())
        .and_then(|p| doc.dereference(p).ok())
        .and_then(|(_, p)| p.as_dict().ok());
    let mcid_of = |props: Option<&lopdf::Object>| -> Option<i64> {
        let props = match props? {
            lopdf::Object::Name(name) => properties?.get(name).ok()?,
            other => other,
        };
        let props = doc.dereference(props).ok()?.1.as_dict().ok()?;
        props.get(b"MCID").and_then(|m| m.as_i64()).ok()
    };
    let mut marks: Vec<Option<i64>> = Vec::new();
    let media: Vec<f64> = doc
        .get_object(page_id)
        .and_then(|o| o.as_dict())
        .and_then(|d| d.get(b"MediaBox"))
        .and_then(|m| m.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_float().ok())
                .map(f64::from)
                .collect()
        })
        .unwrap_or_default();
    let (llx, ury) = (
        media.first().copied().unwrap_or(0.0),
        media.get(3).copied().unwrap_or(842.0),
    );
    type M = [f64; 6];
    let mul = |a: M, b: M| -> M {
        [
            a[0] * b[0] + a[1] * b[2],
            a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4],
            a[4] * b[1] + a[5] * b[3] + b[5],
        ]
    };
    let id: M = [1., 0., 0., 1., 0., 0.];
    let nums = |ops: &[lopdf::Object]| -> Vec<f64> {
        ops.iter()
            .filter_map(|o| o.as_float().ok())
            .map(f64::from)
            .collect()
    };
    let (mut ctm, mut stack, mut tm, mut tlm) = (id, Vec::new(), id, id);
    // The clipping path's band (from top to bottom of the page, as the glyphs' heights are
    // measured), saved and restored with the matrix; the current path's, and whether it clips.
    type Band = Option<(f64, f64)>;
    let (mut clip, mut clips): (Band, Vec<Band>) = (None, Vec::new());
    let (mut path, mut clipping): (Band, bool) = (None, false);
    let extend = |path: &mut Band, ctm: &M, x: f64, y: f64| {
        let y = ury - (x * ctm[1] + y * ctm[3] + ctm[5]);
        *path = Some(path.map_or((y, y), |(a, b)| (a.min(y), b.max(y))));
    };
    let (mut bold, mut leading, mut fresh, mut object) = (false, 0.0, false, 0);
    let mut out = Vec::new();
    let mut shown = 0;
    for op in content.operations {
        let n = nums(&op.operands);
        match op.operator.as_str() {
            "q" => {
                stack.push(ctm);
                clips.push(clip);
            }
            "Q" => {
                ctm = stack.pop().unwrap_or(id);
                clip = clips.pop().flatten();
            }
            "m" | "l" if n.len() == 2 => extend(&mut path, &ctm, n[0], n[1]),
            "c" if n.len() == 6 => extend(&mut path, &ctm, n[4], n[5]),
            "v" | "y" if n.len() == 4 => extend(&mut path, &ctm, n[2], n[3]),
            "re" if n.len() == 4 => {
                extend(&mut path, &ctm, n[0], n[1]);
                extend(&mut path, &ctm, n[0] + n[2], n[1] + n[3]);
            }
            "W" | "W*" => clipping = true,
            "n" | "f" | "F" | "f*" | "S" | "s" | "B" | "B*" | "b" | "b*" => {
                if clipping {
                    if let Some((a, b)) = path {
                        clip = Some(clip.map_or((a, b), |(c, d)| (a.max(c), b.min(d))));
                    }
                }
                (path, clipping) = (None, false);
            }
            "cm" if n.len() == 6 => ctm = mul([n[0], n[1], n[2], n[3], n[4], n[5]], ctm),
            "BT" => {
                (tm, tlm) = (id, id);
                fresh = true;
                object += 1;
            }
            "Tf" => {
                bold = op
                    .operands
                    .first()
                    .and_then(|f| f.as_name().ok())
                    .and_then(|f| fonts.get(f))
                    .copied()
                    .unwrap_or(false)
            }
            "BMC" => marks.push(None),
            "BDC" => marks.push(mcid_of(op.operands.get(1))),
            "EMC" => {
                marks.pop();
            }
            "TL" if !n.is_empty() => leading = n[0],
            "Td" | "TD" if n.len() == 2 => {
                if op.operator == "TD" {
                    leading = -n[1];
                }
                tlm = mul([1., 0., 0., 1., n[0], n[1]], tlm);
                tm = tlm;
                // Moved to a line of its own (MuPDF places a cell's next line so): that line
                // opens as text placed anew does.
                fresh |= n[1].abs() > 0.01;
            }
            // Text placed anew (WeasyPrint writes a page's text in one text object, each
            // cell's line placed by its own matrix) opens as a text object of its own does.
            "Tm" if n.len() == 6 => {
                tlm = [n[0], n[1], n[2], n[3], n[4], n[5]];
                tm = tlm;
                fresh = true;
            }
            "T*" | "'" | "\"" => {
                tlm = mul([1., 0., 0., 1., 0., -leading], tlm);
                tm = tlm;
                fresh = true;
            }
            _ => {}
        }
        if matches!(op.operator.as_str(), "Tj" | "TJ" | "'" | "\"") {
            let at = mul(tm, ctm);
            // `pdf-extract` shows nothing for `'` and `"`.
            let strings = match (op.operator.as_str(), op.operands.first()) {
                ("TJ", Some(lopdf::Object::Array(parts))) => parts
                    .iter()
                    .filter(|p| matches!(p, lopdf::Object::String(..)))
                    .count(),
                ("Tj", _) => 1,
                _ => 0,
            };
            shown += strings;
            out.push(Start {
                strings,
                first: shown - strings,
                y: ury - at[5],
                x: at[4] - llx,
                bold,
                opens: fresh,
                object,
                mcid: marks.iter().rev().find_map(|m| *m),
                clip,
            });
            fresh = false;
        }
    }
    out.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    out
}

/// Marks each glyph with what the text operation that drew it says: bold, opening a text
/// object, its marked content. Where the strings shown on the page are those `pdf-extract`
/// showed, each glyph's operation is known by its string; otherwise it is the operation
/// starting last before the glyph on its line (which errs where a cell's word runs over the
/// next cell's start: Typst lets a long word overflow a narrow column).
fn mark_glyphs(page: &mut Page, starts: &[Start]) {
    let shown: usize = starts.iter().map(|s| s.strings).sum();
    let mut by_string: Vec<&Start> = starts.iter().filter(|s| s.strings > 0).collect();
    by_string.sort_by_key(|s| s.first);
    let exact = shown == page.shown;
    for g in &mut page.glyphs {
        let start = if exact {
            let i = by_string.partition_point(|s| s.first + s.strings <= g.shown);
            let start = by_string.get(i).copied();
            if let Some(s) = start {
                g.shown = s.first;
            }
            start
        } else {
            starts
                .iter()
                .filter(|s| (s.y - g.y).abs() < 0.5 * g.size && s.x <= g.x + 0.5)
                .max_by(|a, b| a.x.total_cmp(&b.x))
        };
        g.bold = start.is_some_and(|s| s.bold);
        // Any text operation starting at the glyph that opens a text object opens it (a
        // symbol of another font shown at the same place does not take that back).
        g.opens = starts
            .iter()
            .any(|s| s.opens && (s.y - g.y).abs() < 0.5 * g.size && (s.x - g.x).abs() < 0.5);
        g.mcid = start.and_then(|s| s.mcid);
        g.object = start.map(|s| s.object);
        // Less than half of its height within the clipping path's band.
        let (top, bottom) = (g.y - 0.8 * g.size, g.y + 0.2 * g.size);
        g.hidden = start
            .and_then(|s| s.clip)
            .is_some_and(|(a, b)| (bottom.min(b) - top.max(a)).max(0.0) < 0.5 * (bottom - top));
    }
}

/// A glyph's text with typographic ligatures spelt out: MuPDF maps its "fi" glyph to U+FB01,
/// which the report's words do not hold.
fn unligated(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{fb00}' => out.push_str("ff"),
            '\u{fb01}' => out.push_str("fi"),
            '\u{fb02}' => out.push_str("fl"),
            '\u{fb03}' => out.push_str("ffi"),
            '\u{fb04}' => out.push_str("ffl"),
            '\u{fb05}' | '\u{fb06}' => out.push_str("st"),
            c => out.push(c),
        }
    }
    out
}

/// Whether bytes are a PDF.
pub fn is_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

/// The text of a PDF, laid out for the readers.
pub fn to_text(bytes: &[u8]) -> Result<String, ExtractError> {
    // A construct lapis's own layout did not foresee refuses the file; it never takes the
    // process down.
    catch_unwind(AssertUnwindSafe(|| laid_out(bytes))).unwrap_or_else(|_| {
        Err(ExtractError::DamagedPdf {
            reason: "its pages could not be laid out (the PDF reader stopped on them)".into(),
        })
    })
}

fn laid_out(bytes: &[u8]) -> Result<String, ExtractError> {
    let damaged = |reason: String| ExtractError::DamagedPdf { reason };
    let mut doc = lopdf::Document::load_mem(bytes).map_err(|e| damaged(e.to_string()))?;
    if doc.is_encrypted() {
        // Encrypted only against copying or printing: the empty user password opens it.
        doc.decrypt("").map_err(|_| ExtractError::EncryptedPdf)?;
    }
    let page_ids: Vec<lopdf::ObjectId> = doc.get_pages().values().copied().collect();
    paint_plainly(&mut doc, &page_ids);
    widths_plainly(&mut doc);
    encodings_plainly(&mut doc);
    to_unicode_plainly(&mut doc);
    let rotations: Vec<i64> = doc
        .get_pages()
        .values()
        .map(|id| {
            doc.get_object(*id)
                .and_then(|o| o.as_dict())
                .and_then(|d| d.get(b"Rotate"))
                .and_then(|r| r.as_i64())
                .unwrap_or(0)
        })
        .collect();
    let mut collector = Collector::default();
    let run = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::output_doc(&doc, &mut collector)
    }));
    match run {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(damaged(e.to_string())),
        Err(_) => {
            return Err(damaged(
                "its content could not be interpreted (the PDF reader stopped on it)".into(),
            ))
        }
    }
    let pages = collector.pages.len();
    let glyphs: usize = collector.pages.iter().map(|p| p.glyphs.len()).sum();
    if glyphs == 0 {
        return Err(ExtractError::ScannedPdf { pages });
    }
    let mut out = String::new();
    let mut pages: Vec<Page> = Vec::new();
    for (n, mut page) in collector.pages.into_iter().enumerate() {
        bars_ruled(&mut page);
        if let Some(id) = page_ids.get(n) {
            mark_glyphs(&mut page, &text_starts(&doc, *id));
            page.glyphs.retain(|g| !g.hidden);
        }
        match rotations.get(n).copied().unwrap_or(0).rem_euclid(360) {
            90 => rotate(&mut page, true),
            270 => rotate(&mut page, false),
            _ => {}
        }
        pages.push(page);
    }
    let tagged = Tagged::new(&tagged::tables(&doc, &page_ids), &pages);
    let body = body_size(&pages, &tagged);
    let furniture = furniture(&pages);
    let headings = heading_sizes(&pages, body, &tagged);
    let left_set_headers = pages.iter().any(|p| left_set_headers(&rows_of(p)));
    // The columns of a table run to a page's foot, for its rest atop the next.
    let mut carried: Option<Carried> = None;
    let mut texts: Vec<Vec<String>> = Vec::new();
    // A line of cells alone at the last page's foot: a table's header the page break parted
    // from its rows.
    let mut foot: Vec<Row> = Vec::new();
    let mut foot_printed = 0;
    for (n, p) in pages.iter().enumerate() {
        let number = furniture.numbers[n].as_deref();
        let read = |foot: &[Row], carried: &mut Option<Carried>| {
            page_text(
                p,
                &Sizes {
                    body,
                    headings: &headings,
                    left_set_headers,
                },
                &furniture.lines,
                number,
                &tagged.on(n),
                carried,
                foot,
            )
        };
        // Read over the rows atop this page, if they take it as their header; else where it
        // is printed.
        let before = carried.clone();
        let taken = (!foot.is_empty())
            .then(|| read(&foot, &mut carried))
            .filter(|page| page.took_foot);
        let page = match taken {
            Some(page) => {
                if let Some(last) = texts.last_mut() {
                    last.truncate(last.len() - foot_printed.min(last.len()));
                    while last.last().is_some_and(|l| l.trim().is_empty()) {
                        last.pop();
                    }
                }
                page
            }
            None => {
                carried = before;
                read(&[], &mut carried)
            }
        };
        foot = page.foot;
        foot_printed = page.foot_printed;
        texts.push(page.lines);
    }
    continue_over_pages(&mut texts);
    for (n, lines) in texts.iter().enumerate() {
        if n > 0 {
            // The page break on a line of its own, so that the page's first line keeps its
            // form (a heading's `#`).
            out.push_str("\u{c}\n");
        }
        out.push_str(&lines.join("\n"));
        out.push('\n');
    }
    Ok(out)
}

/// The rows of a tagged PDF's tables, as its structure tree gives them.
#[derive(Debug, Default)]
struct Tagged {
    /// The row that drew each marked content: (page, marked-content id) to row.
    owner: std::collections::HashMap<(usize, i64), usize>,
    /// Each row: the page it starts on and its line of tab-separated cells.
    rows: Vec<(usize, String)>,
    /// Each row's table.
    table_of: Vec<usize>,
    /// Each table's first row, by its characters in order of sorting: a producer that prints the
    /// header again on each page the table runs onto may leave the repeats out of the tree
    /// (LibreOffice marks them as artifacts).
    headers: Vec<(Vec<char>, String)>,
}

/// A line's characters but its spaces, sorted: the same whether read cell by cell or line by
/// line, and where a word that overruns its cell (Typst lets one) runs into the next cell's.
fn sorted_characters(text: &str) -> Vec<char> {
    let mut chars: Vec<char> = text
        .replace("<b>", " ")
        .replace("</b>", " ")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    chars.sort_unstable();
    chars
}

/// A tagged PDF's table rows as one page sees them.
struct TaggedPage<'a> {
    page: usize,
    tagged: &'a Tagged,
}

impl Tagged {
    fn new(tables: &[tagged::Table], pages: &[Page]) -> Tagged {
        let mut drawn: std::collections::HashMap<(usize, i64), Vec<&Glyph>> = Default::default();
        for (n, page) in pages.iter().enumerate() {
            for g in &page.glyphs {
                if let Some(m) = g.mcid {
                    drawn.entry((n, m)).or_default().push(g);
                }
            }
        }
        let mut out = Tagged::default();
        for (t, table) in tables.iter().enumerate() {
            // Each cell's glyphs, page by page.
            let glyphs: Vec<Vec<(usize, &Glyph)>> = table
                .cells
                .iter()
                .map(|c| {
                    let mut parts = c.parts.clone();
                    parts.sort();
                    parts.dedup();
                    parts
                        .iter()
                        .flat_map(|p| drawn.get(p).into_iter().flatten().map(|g| (p.0, *g)))
                        .collect()
                })
                .collect();
            // Every row has the table's width, as a text export prints a row whose cell spans
            // the table (a section's name) or a row with fewer cells.
            if table.layout && !side_by_side(table, &glyphs) {
                continue;
            }
            let width = table.rows.iter().map(Vec::len).max().unwrap_or(0);
            let grid = by_columns(table, &glyphs, width);
            let mut first = true;
            for (r, slots) in grid.iter().enumerate() {
                // The row's own cells (not those spanning down into it from above).
                let own: Vec<usize> = (0..table.cells.len())
                    .filter(|c| table.origin[*c] == r)
                    .collect();
                let mut pages: Vec<usize> = own
                    .iter()
                    .flat_map(|c| glyphs[*c].iter().map(|(p, _)| *p))
                    .collect();
                pages.sort_unstable();
                pages.dedup();
                let line = |page: Option<usize>| {
                    let (cells, bold): (Vec<String>, Vec<Option<bool>>) = (0..width)
                        .map(|n| match slots.get(n).copied().flatten() {
                            Some((c, true)) => {
                                let on: Vec<(usize, &Glyph)> = glyphs[c]
                                    .iter()
                                    .filter(|(p, _)| page.is_none_or(|page| *p == page))
                                    .copied()
                                    .collect();
                                cell_text(&on)
                            }
                            _ => (String::new(), None),
                        })
                        .unzip();
                    cells
                        .iter()
                        .any(|c| !c.is_empty())
                        .then(|| tab_row(&cells, bold))
                };
                // A header row repeated at the top of each page the table runs onto prints on
                // each, as the text exports print it; a row broken over a page prints whole,
                // where it starts.
                let each: Vec<Option<String>> = pages.iter().map(|p| line(Some(*p))).collect();
                let repeated = pages.len() > 1 && each.iter().all(|t| *t == each[0]);
                let prints: Vec<(usize, String)> = if repeated {
                    pages
                        .iter()
                        .copied()
                        .zip(each.into_iter().flatten())
                        .collect()
                } else {
                    pages.first().copied().zip(line(None)).into_iter().collect()
                };
                if let (true, Some((_, text))) = (first, prints.first()) {
                    out.headers.push((sorted_characters(text), text.clone()));
                    first = false;
                }
                for (page, text) in prints {
                    let row = out.rows.len();
                    for c in &own {
                        for part in &table.cells[*c].parts {
                            if !repeated || part.0 == page {
                                out.owner.insert(*part, row);
                            }
                        }
                    }
                    out.rows.push((page, text));
                    out.table_of.push(t);
                }
            }
        }
        out
    }

    fn on(&self, page: usize) -> TaggedPage<'_> {
        TaggedPage { page, tagged: self }
    }
}

impl TaggedPage<'_> {
    /// The tagged row a printed line belongs to: the row that drew most of its glyphs.
    fn row_of(&self, r: &Row) -> Option<usize> {
        if self.tagged.rows.is_empty() {
            return None;
        }
        let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
        for g in &r.glyphs {
            if let Some(row) = g.mcid.and_then(|m| self.tagged.owner.get(&(self.page, m))) {
                *counts.entry(*row).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .filter(|(_, n)| 2 * n >= r.glyphs.len())
            .map(|(row, _)| row)
    }
}

/// Whether a grid the tree does not declare a table prints as one: in each row, each cell to the
/// right of the one before it and level with it (on a page both print on), and each row below
/// the one before it.
fn side_by_side(table: &tagged::Table, glyphs: &[Vec<(usize, &Glyph)>]) -> bool {
    // A cell's box on a page: (left, right, top, bottom).
    let boxed = |c: usize, page: usize| -> Option<(f64, f64, f64, f64)> {
        let gs: Vec<&Glyph> = glyphs[c]
            .iter()
            .filter(|(p, _)| *p == page)
            .map(|(_, g)| *g)
            .collect();
        let left = gs.iter().map(|g| g.x).fold(f64::INFINITY, f64::min);
        let right = gs
            .iter()
            .map(|g| g.x + g.width)
            .fold(f64::NEG_INFINITY, f64::max);
        let top = gs
            .iter()
            .map(|g| g.y - g.size)
            .fold(f64::INFINITY, f64::min);
        let bottom = gs.iter().map(|g| g.y).fold(f64::NEG_INFINITY, f64::max);
        (!gs.is_empty()).then_some((left, right, top, bottom))
    };
    let first_page = |c: usize| glyphs[c].iter().map(|(p, _)| *p).min();
    let mut wide = 0;
    let mut above: Option<(usize, f64)> = None;
    for row in &table.rows {
        let cells: Vec<usize> = row
            .iter()
            .filter_map(|s| *s)
            .map(|(c, _)| c)
            .filter(|c| !glyphs[*c].is_empty())
            .collect();
        if cells.len() >= 2 {
            wide += 1;
        }
        for w in cells.windows(2) {
            let Some(page) = first_page(w[1]) else {
                continue;
            };
            let (Some(a), Some(b)) = (boxed(w[0], page), boxed(w[1], page)) else {
                continue;
            };
            if b.0 < a.1 - 0.5 || b.2 > a.3 || a.2 > b.3 {
                return false;
            }
        }
        // Rows one under another.
        let Some(c) = cells.first() else { continue };
        let (Some(page), true) = (first_page(*c), true) else {
            continue;
        };
        let top = cells
            .iter()
            .filter_map(|c| boxed(*c, page))
            .map(|b| b.2)
            .fold(f64::INFINITY, f64::min);
        let bottom = cells
            .iter()
            .filter_map(|c| boxed(*c, page))
            .map(|b| b.3)
            .fold(f64::NEG_INFINITY, f64::max);
        if let Some((p, b)) = above {
            if p == page && top < b - 0.5 {
                return false;
            }
        }
        above = Some((page, bottom));
    }
    wide >= 2
}

/// A tagged table's rows with each cell under its column. A producer that leaves empty cells out
/// of the tree (Chromium) gives a row fewer cells than the table has columns, wherever the empty
/// ones were. Then the columns are found where the cells are printed: the text of cells of one
/// column overlaps across rows, that of two columns does not. Each cell goes in the column its
/// text is in; a cell spanning columns, in the first.
fn by_columns(
    table: &tagged::Table,
    glyphs: &[Vec<(usize, &Glyph)>],
    width: usize,
) -> Vec<Vec<Option<(usize, bool)>>> {
    let whole =
        |row: &Vec<Option<(usize, bool)>>| row.len() == width && row.iter().all(Option::is_some);
    if table.rows.iter().all(whole) {
        return table.rows.clone();
    }
    let extent = |c: usize| -> Option<(f64, f64)> {
        let gs = &glyphs[c];
        let left = gs.iter().map(|(_, g)| g.x).fold(f64::INFINITY, f64::min);
        let right = gs
            .iter()
            .map(|(_, g)| g.x + g.width)
            .fold(f64::NEG_INFINITY, f64::max);
        (left <= right).then_some((left, right))
    };
    let columns = overlaps_joined(
        (0..table.cells.len())
            .filter(|c| table.cells[*c].col_span == 1)
            .filter_map(extent)
            .collect(),
    );
    if columns.len() < width {
        return table.rows.clone();
    }
    let column_of = |x: f64| {
        columns
            .iter()
            .position(|(_, r)| x < *r)
            .unwrap_or(columns.len() - 1)
    };
    table
        .rows
        .iter()
        .map(|row| {
            let mut placed: Vec<Option<(usize, bool)>> = vec![None; columns.len()];
            let mut next = 0;
            let shown: Vec<usize> = row
                .iter()
                .filter_map(|s| match s {
                    Some((c, true)) => Some(*c),
                    _ => None,
                })
                .collect();
            for (k, c) in shown.iter().enumerate() {
                // Keep the cells in their order, with room left for the ones after.
                let last = columns.len() - (shown.len() - k);
                let at = extent(*c)
                    .map_or(next, |(l, r)| {
                        column_of(if table.cells[*c].col_span > 1 {
                            l
                        } else {
                            (l + r) / 2.0
                        })
                    })
                    .clamp(next, last.max(next));
                if at >= columns.len() {
                    break;
                }
                let end = (at + table.cells[*c].col_span).min(columns.len());
                for (n, slot) in placed.iter_mut().enumerate().take(end).skip(at) {
                    *slot = Some((*c, n == at));
                }
                next = at + table.cells[*c].col_span;
            }
            placed
        })
        .collect()
}

/// Whether a cell's next line goes on without a space: after a word broken at its hyphen
/// ("risk-" over "based"), after a slash right after a word ("Green/" over "Amber", where
/// browsers break), or in a year range broken after its hyphen ("2023-" over "24").
fn unspaced(text: &str, next: &str) -> bool {
    let year = text.len() >= 5
        && text.ends_with('-')
        && text[..text.len() - 1]
            .chars()
            .rev()
            .take(4)
            .all(|c| c.is_ascii_digit());
    let mut end = text.chars().rev();
    let slash = end.next() == Some('/') && end.next().is_some_and(char::is_alphanumeric);
    crate::text::joined_at_hyphen(text, next)
        || crate::text::broken_in_year(text, next)
        || crate::text::broken_before_unit(text, next)
        || crate::text::broken_after_number(text, next)
        || slash && !next.is_empty()
        || year && next.starts_with(|c: char| c.is_ascii_digit())
}

/// A tagged cell's text, its lines in the order printed and joined as a text export joins
/// them, and whether it is printed wholly in bold.
fn cell_text(glyphs: &[(usize, &Glyph)]) -> (String, Option<bool>) {
    let mut glyphs = glyphs.to_vec();
    glyphs.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.y.total_cmp(&b.1.y)));
    let mut lines: Vec<(usize, f64, Vec<&Glyph>)> = Vec::new();
    for (p, g) in glyphs {
        match lines.last_mut() {
            Some((lp, y, gs)) if *lp == p && (g.y - *y).abs() <= 0.35 * g.size => gs.push(g),
            _ => lines.push((p, g.y, vec![g])),
        }
    }
    let mut text = String::new();
    let mut bold: Option<bool> = None;
    for (_, _, mut gs) in lines {
        gs.sort_by(|a, b| a.x.total_cmp(&b.x));
        push_line(&mut text, &mut bold, gs);
    }
    (text, bold)
}

/// Adds a line of a cell (its glyphs left to right) to the cell's text, joined as a text export
/// joins a cell's lines, and keeps whether every letter so far is bold.
fn push_line<'g>(
    cell: &mut String,
    bold: &mut Option<bool>,
    glyphs: impl IntoIterator<Item = &'g Glyph>,
) {
    let glyphs: Vec<&Glyph> = glyphs.into_iter().collect();
    // The line's first word, glyph by glyph until a space.
    let mut next = String::new();
    let mut word_end: Option<f64> = None;
    for g in &glyphs {
        if word_end.is_some_and(|e| g.x - e > 0.15 * g.size) || g.text.trim().is_empty() {
            break;
        }
        next.push_str(&g.text);
        word_end = Some(g.x + g.width);
    }
    if !cell.is_empty() && !unspaced(cell, &next) {
        cell.push(' ');
    }
    let mut end: Option<f64> = None;
    for g in glyphs {
        if end.is_some_and(|e| g.x - e > 0.15 * g.size) {
            cell.push(' ');
        }
        cell.push_str(&g.text);
        end = Some(g.x + g.width);
        if g.text.chars().any(char::is_alphanumeric) {
            *bold = Some(bold.unwrap_or(true) && g.bold);
        }
    }
}

/// Rewrites the painting operators `pdf-extract` passes over as ones it reads. It draws only
/// paths painted with `S` (stroke) or `f` (fill) and ignores `B`, `B*`, `b`, `b*` (fill and
/// stroke), `s` (close and stroke) and `f*` (even-odd fill), keeping their paths for the next
/// painting: a table whose cells are shaded and ruled in one operation (`re B`, what a word
/// processor writes for a filled cell with borders) lost its rules and got them mixed into
/// later fills. Rules are all lapis reads of paths, so a fill and stroke is read as its
/// stroke. Pages and form XObjects whose content does not decode are left as they are.
fn paint_plainly(doc: &mut lopdf::Document, page_ids: &[lopdf::ObjectId]) {
    use lopdf::content::{Content, Operation};
    fn rewrite(content: &[u8]) -> Option<Vec<u8>> {
        let decoded = Content::decode(content).ok()?;
        let mut changed = false;
        let mut operations = Vec::with_capacity(decoded.operations.len());
        for op in decoded.operations {
            let plain: &[&str] = match op.operator.as_str() {
                "B" | "B*" => &["S"],
                "b" | "b*" | "s" => &["h", "S"],
                "f*" => &["f"],
                _ => {
                    operations.push(op);
                    continue;
                }
            };
            changed = true;
            operations.extend(plain.iter().map(|o| Operation::new(o, vec![])));
        }
        changed
            .then(|| Content { operations }.encode().ok())
            .flatten()
    }
    for id in page_ids {
        let Ok(content) = doc.get_page_content(*id) else {
            continue;
        };
        if let Some(new) = rewrite(&content) {
            let _ = doc.change_page_content(*id, new);
        }
    }
    for object in doc.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        let is_form = stream
            .dict
            .get(b"Subtype")
            .and_then(|s| s.as_name())
            .is_ok_and(|n| n == b"Form");
        if !is_form {
            continue;
        }
        let Ok(content) = stream.decompressed_content() else {
            continue;
        };
        if let Some(new) = rewrite(&content) {
            stream.dict.remove(b"Filter");
            stream.dict.remove(b"DecodeParms");
            stream.set_content(new);
        }
    }
}

/// Rewrites the glyph widths of CID fonts given as ranges (`c_first c_last w`) as lists (`c [w
/// …]`), the form `pdf-extract` reads. It reads a range as empty, so those glyphs took the
/// font's default width and every glyph after one of them on the line was set too far right:
/// Chromium's fonts give "i" and "j" as a range, and "targets" printed as "tagrets". A range of
/// more than 65,536 glyphs, or one whose bounds are not numbers, is left as it is.
fn widths_plainly(doc: &mut lopdf::Document) {
    use lopdf::Object;
    let number = |o: &Object| match o {
        Object::Integer(i) => Some(*i),
        Object::Real(r) => Some(*r as i64),
        _ => None,
    };
    let fonts: Vec<(lopdf::ObjectId, Vec<Object>)> = doc
        .objects
        .iter()
        .filter_map(|(id, o)| {
            let d = o.as_dict().ok()?;
            let cid = d
                .get(b"Subtype")
                .and_then(Object::as_name)
                .is_ok_and(|n| n == b"CIDFontType2" || n == b"CIDFontType0");
            if !cid {
                return None;
            }
            let w = match d.get(b"W").ok()? {
                Object::Reference(r) => doc.get_object(*r).ok()?,
                w => w,
            };
            Some((*id, w.as_array().ok()?.clone()))
        })
        .collect();
    for (id, w) in fonts {
        let mut plain = Vec::with_capacity(w.len());
        let mut i = 0;
        let mut changed = false;
        while i < w.len() {
            let Some(first) = number(&w[i]) else { break };
            match w.get(i + 1).map(|o| match o {
                Object::Reference(r) => doc.get_object(*r).unwrap_or(o),
                o => o,
            }) {
                Some(Object::Array(list)) => {
                    plain.push(Object::Integer(first));
                    plain.push(Object::Array(list.clone()));
                    i += 2;
                }
                Some(last) => {
                    let (Some(last), Some(width)) = (number(last), w.get(i + 2)) else {
                        break;
                    };
                    if !(first..first + 65_536).contains(&last) {
                        break;
                    }
                    plain.push(Object::Integer(first));
                    plain.push(Object::Array(vec![
                        width.clone();
                        (last - first + 1) as usize
                    ]));
                    changed = true;
                    i += 3;
                }
                None => break,
            }
        }
        if changed && i >= w.len() {
            if let Ok(Object::Dictionary(d)) = doc.get_object_mut(id) {
                d.set("W", Object::Array(plain));
            }
        }
    }
}

/// Rewrites a composite font's own encoding CMap (a stream, as WeasyPrint writes one:
/// `begincidchar <0026> 38 …`) as `Identity-H`, with the font's widths keyed by code instead of
/// by glyph. `pdf-extract` reads only the `begincidrange` entries of such a CMap (and offsets
/// their glyphs wrongly), so every character drawn in these fonts was lost. Its `ToUnicode` map
/// is keyed by code, so the text comes out right once codes pass through unchanged. Only
/// two-byte codes are rewritten; a CMap lapis cannot read is left as it is.
fn encodings_plainly(doc: &mut lopdf::Document) {
    use lopdf::Object;
    let number = |o: &Object| {
        o.as_i64()
            .ok()
            .or_else(|| o.as_float().ok().map(|f| f as i64))
    };
    let mut rewrites: Vec<(lopdf::ObjectId, lopdf::ObjectId, Vec<Object>)> = Vec::new();
    for (id, o) in &doc.objects {
        let Ok(font) = o.as_dict() else { continue };
        if !font
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"Type0")
        {
            continue;
        }
        let Some(stream) = font
            .get(b"Encoding")
            .ok()
            .and_then(|e| doc.dereference(e).ok())
            .and_then(|(_, e)| e.as_stream().ok())
        else {
            continue;
        };
        let bytes = stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone());
        let Some(codes) = cid_map(&bytes) else {
            continue;
        };
        let Some(descendant) = font
            .get(b"DescendantFonts")
            .ok()
            .and_then(|d| doc.dereference(d).ok())
            .and_then(|(_, d)| d.as_array().ok())
            .and_then(|d| d.first())
            .and_then(|d| d.as_reference().ok())
        else {
            continue;
        };
        // The widths by glyph.
        let w = doc
            .get_dictionary(descendant)
            .ok()
            .and_then(|d| d.get(b"W").ok())
            .and_then(|w| doc.dereference(w).ok())
            .and_then(|(_, w)| w.as_array().ok());
        let mut by_cid: std::collections::HashMap<i64, Object> = Default::default();
        if let Some(w) = w {
            let mut i = 0;
            while i + 1 < w.len() {
                let Some(first) = number(&w[i]) else { break };
                match doc.dereference(&w[i + 1]).map(|(_, o)| o) {
                    Ok(Object::Array(list)) => {
                        for (k, width) in list.iter().enumerate() {
                            by_cid.insert(first + k as i64, width.clone());
                        }
                        i += 2;
                    }
                    Ok(last) => {
                        let (Some(last), Some(width)) = (number(last), w.get(i + 2)) else {
                            break;
                        };
                        for cid in first..=last.min(first + 65_535) {
                            by_cid.insert(cid, width.clone());
                        }
                        i += 3;
                    }
                    Err(_) => break,
                }
            }
        }
        let mut widths = Vec::new();
        for (code, cid) in codes {
            if let Some(width) = by_cid.get(&cid) {
                widths.push(Object::Integer(code));
                widths.push(Object::Array(vec![width.clone()]));
            }
        }
        rewrites.push((*id, descendant, widths));
    }
    for (font, descendant, widths) in rewrites {
        if let Ok(Object::Dictionary(d)) = doc.get_object_mut(font) {
            d.set("Encoding", Object::Name(b"Identity-H".to_vec()));
        }
        if let Ok(Object::Dictionary(d)) = doc.get_object_mut(descendant) {
            d.set("W", Object::Array(widths));
        }
    }
}

/// The code-to-glyph map of a CMap whose codes are all two bytes (`begincidchar` and
/// `begincidrange` entries), or none if it holds anything else lapis would have to read.
fn cid_map(cmap: &[u8]) -> Option<std::collections::BTreeMap<i64, i64>> {
    let tokens = cmap_tokens(cmap);
    let hex = |t: &str| -> Option<i64> {
        let h = t.strip_prefix('<')?;
        (h.len() == 4)
            .then(|| i64::from_str_radix(h, 16).ok())
            .flatten()
    };
    let mut map = std::collections::BTreeMap::new();
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i].as_str() {
            "begincodespacerange" => {
                i += 1;
                while i < tokens.len() && tokens[i] != "endcodespacerange" {
                    hex(&tokens[i])?;
                    i += 1;
                }
            }
            "begincidchar" => {
                i += 1;
                while i + 1 < tokens.len() && tokens[i] != "endcidchar" {
                    map.insert(hex(&tokens[i])?, tokens[i + 1].parse().ok()?);
                    i += 2;
                }
            }
            "begincidrange" => {
                i += 1;
                while i + 2 < tokens.len() && tokens[i] != "endcidrange" {
                    let (lo, hi) = (hex(&tokens[i])?, hex(&tokens[i + 1])?);
                    let cid: i64 = tokens[i + 2].parse().ok()?;
                    for code in lo..=hi {
                        map.insert(code, cid + code - lo);
                    }
                    i += 3;
                }
            }
            "beginbfchar" | "beginbfrange" | "beginnotdefrange" | "beginnotdefchar" | "usecmap" => {
                return None
            }
            _ => {}
        }
        i += 1;
    }
    (!map.is_empty()).then_some(map)
}

/// A CMap's tokens: hex strings as `<` and their digits (spaces inside dropped), brackets
/// `[` and `]` alone, and the words between.
fn cmap_tokens(cmap: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(cmap);
    let mut tokens: Vec<String> = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<' && chars.peek() != Some(&'<') {
            let mut hex = String::from("<");
            for h in chars.by_ref() {
                if h == '>' {
                    break;
                }
                if !h.is_whitespace() {
                    hex.push(h);
                }
            }
            tokens.push(hex);
        } else if c == '[' || c == ']' {
            tokens.push(c.to_string());
        } else if !c.is_whitespace() {
            let mut word = String::from(c);
            while let Some(n) = chars.peek() {
                if n.is_whitespace() || matches!(*n, '<' | '[' | ']') {
                    break;
                }
                word.push(*n);
                chars.next();
            }
            tokens.push(word);
        }
    }
    tokens
}

/// Rewrites every font's `ToUnicode` CMap as plain `bfchar` entries whose text is well-formed
/// UTF-16. MuPDF writes a character beyond the Basic Multilingual Plane as its code point in
/// five hex digits (`<1f503>`, not the surrogate pair `<d83dDD03>`); `pdf-extract`'s CMap
/// parser stopped on that, and every MuPDF PDF with a symbol or emoji in it was refused as
/// damaged. A map lapis cannot read is left as it is.
fn to_unicode_plainly(doc: &mut lopdf::Document) {
    use lopdf::Object;
    let maps: std::collections::BTreeSet<lopdf::ObjectId> = doc
        .objects
        .values()
        .filter_map(|o| {
            o.as_dict()
                .ok()?
                .get(b"ToUnicode")
                .ok()?
                .as_reference()
                .ok()
        })
        .collect();
    for id in maps {
        let Ok(Object::Stream(stream)) = doc.get_object_mut(id) else {
            continue;
        };
        let bytes = stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone());
        if !irregular(&bytes) {
            continue;
        }
        if let Some(map) = unicode_map(&bytes) {
            stream.set_plain_content(plain_cmap(&map));
        }
    }
}

/// The text of hex digits read as UTF-16BE, as a `ToUnicode` map should write it: none if they
/// are not whole units or not UTF-16.
fn utf16_text(digits: &str) -> Option<String> {
    if !digits.len().is_multiple_of(4) || !digits.is_ascii() {
        return None;
    }
    let units: Vec<u16> = (0..digits.len())
        .step_by(4)
        .map(|i| u16::from_str_radix(&digits[i..i + 4], 16).ok())
        .collect::<Option<_>>()?;
    String::from_utf16(&units).ok()
}

/// Whether a `ToUnicode` CMap holds what `pdf-extract`'s CMap parser stops on: text whose hex
/// digits are not whole UTF-16 units (MuPDF's five-digit code points) or not UTF-16 at all, or
/// a range starting at text of other than one or two units. Only such maps are rewritten; the
/// others are read as they are.
fn irregular(cmap: &[u8]) -> bool {
    let tokens = cmap_tokens(cmap);
    let utf16 = |digits: &str| utf16_text(digits).is_some();
    let mut section = "";
    let mut position = 0;
    let mut in_array = false;
    for t in &tokens {
        match t.as_str() {
            "beginbfchar" | "beginbfrange" => {
                section = if t == "beginbfchar" { "char" } else { "range" };
                position = 0;
                continue;
            }
            "endbfchar" | "endbfrange" => {
                section = "";
                continue;
            }
            // A range's texts listed one by one.
            "[" => {
                in_array = true;
                continue;
            }
            "]" => {
                in_array = false;
                position += 1;
                continue;
            }
            _ => {}
        }
        let Some(digits) = t.strip_prefix('<') else {
            continue;
        };
        if in_array {
            if !utf16(digits) {
                return true;
            }
            continue;
        }
        match section {
            // Destinations: every second entry of a bfchar, every third of a bfrange.
            "char" if position % 2 == 1 && !utf16(digits) => return true,
            "range" if position % 3 == 2 && !(utf16(digits) && matches!(digits.len(), 4 | 8)) => {
                return true
            }
            _ => {}
        }
        if !section.is_empty() {
            position += 1;
        }
    }
    false
}

/// A `ToUnicode` CMap's codes (as hex digits, their width kept) and their text, or none if it
/// holds anything lapis does not read. Destinations are UTF-16BE as the standard says, or a
/// code point where the digits cannot be that (an odd number of them, as MuPDF writes).
fn unicode_map(cmap: &[u8]) -> Option<Vec<(String, String)>> {
    let tokens = cmap_tokens(cmap);
    let hex = |t: &str| t.strip_prefix('<').map(str::to_owned);
    let text = |digits: &str| -> Option<String> {
        utf16_text(digits).or_else(|| {
            let point = u32::from_str_radix(digits, 16).ok()?;
            char::from_u32(point).map(String::from)
        })
    };
    // The next code after `code`, as many digits wide.
    let code_plus = |code: &str, n: u32| -> Option<String> {
        let value = u32::from_str_radix(code, 16).ok()?.checked_add(n)?;
        Some(format!("{value:0width$x}", width = code.len()))
    };
    let mut map = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i].as_str() {
            "beginbfchar" => {
                i += 1;
                while i + 1 < tokens.len() && tokens[i] != "endbfchar" {
                    map.push((hex(&tokens[i])?, text(&hex(&tokens[i + 1])?)?));
                    i += 2;
                }
            }
            "beginbfrange" => {
                i += 1;
                while i + 2 < tokens.len() && tokens[i] != "endbfrange" {
                    let (lo, hi) = (hex(&tokens[i])?, hex(&tokens[i + 1])?);
                    let span = u32::from_str_radix(&hi, 16)
                        .ok()?
                        .checked_sub(u32::from_str_radix(&lo, 16).ok()?)?;
                    if span > 65_535 {
                        return None;
                    }
                    if tokens[i + 2] == "[" {
                        i += 3;
                        let mut n = 0;
                        while i < tokens.len() && tokens[i] != "]" {
                            map.push((code_plus(&lo, n)?, text(&hex(&tokens[i])?)?));
                            n += 1;
                            i += 1;
                        }
                        i += 1;
                    } else {
                        // The first code's text; each next code's has its last character one on.
                        let first = text(&hex(&tokens[i + 2])?)?;
                        let mut chars: Vec<char> = first.chars().collect();
                        let last = *chars.last()?;
                        for n in 0..=span {
                            let Some(c) = char::from_u32(last as u32 + n) else {
                                continue;
                            };
                            *chars.last_mut()? = c;
                            map.push((code_plus(&lo, n)?, chars.iter().collect()));
                        }
                        i += 3;
                    }
                }
            }
            "usecmap" => return None,
            _ => {}
        }
        i += 1;
    }
    (!map.is_empty()).then_some(map)
}

/// A `ToUnicode` CMap of `bfchar` entries, a hundred to a block, the text in UTF-16BE.
fn plain_cmap(map: &[(String, String)]) -> Vec<u8> {
    let mut widths: Vec<usize> = map.iter().map(|(code, _)| code.len()).collect();
    widths.sort_unstable();
    widths.dedup();
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CMapName /Lapis-UCS def\n/CMapType 2 def\n",
    );
    out.push_str(&format!("{} begincodespacerange\n", widths.len()));
    for w in &widths {
        out.push_str(&format!("<{}> <{}>\n", "0".repeat(*w), "f".repeat(*w)));
    }
    out.push_str("endcodespacerange\n");
    for block in map.chunks(100) {
        out.push_str(&format!("{} beginbfchar\n", block.len()));
        for (code, text) in block {
            let units: String = text.encode_utf16().map(|u| format!("{u:04x}")).collect();
            out.push_str(&format!("<{code}> <{units}>\n"));
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out.into_bytes()
}

/// Turns a page printed rotated by a quarter turn back upright.
fn rotate(page: &mut Page, clockwise: bool) {
    let (w, h) = (page.width, page.height);
    let turn = |x: f64, y: f64| if clockwise { (h - y, x) } else { (y, w - x) };
    for g in &mut page.glyphs {
        (g.x, g.y) = turn(g.x, g.y);
    }
    // Rules turned a quarter swap their directions.
    let rules = std::mem::take(&mut page.rules);
    let columns = std::mem::take(&mut page.columns);
    for (y, x0, x1) in rules {
        let (a, b) = (turn(x0, y), turn(x1, y));
        page.columns.push((a.0, a.1.min(b.1), a.1.max(b.1)));
    }
    for (x, y0, y1) in columns {
        let (a, b) = (turn(x, y0), turn(x, y1));
        page.rules.push((a.1, a.0.min(b.0), a.0.max(b.0)));
    }
    for f in &mut page.fills {
        let (a, b) = (turn(f.left, f.top), turn(f.right, f.bottom));
        *f = Fill {
            top: a.1.min(b.1),
            bottom: a.1.max(b.1),
            left: a.0.min(b.0),
            right: a.0.max(b.0),
        };
    }
    (page.width, page.height) = (h, w);
}

/// The body text's type size: the most common size of the lines outside tables that run across
/// most of their page, or of all lines outside tables where none does.
fn body_size(pages: &[Page], tagged: &Tagged) -> f64 {
    // Characters per type size (half points), of all lines outside tables and of the lines
    // across most of their page's text: paragraphs' (a table's cells, however much text they
    // hold, are narrower). The body is the size of most of the latter where there are any.
    // Bold lines count only where there are no others: in a short report a few long headings
    // may hold more characters than its paragraphs.
    // (size, bold) -> characters.
    let mut counts: std::collections::BTreeMap<(i64, bool), usize> = Default::default();
    let mut across: std::collections::BTreeMap<(i64, bool), usize> = Default::default();
    for (n, page) in pages.iter().enumerate() {
        let tagged = tagged.on(n);
        let rows: Vec<Row> = rows_of(page)
            .into_iter()
            .filter(|r| !r.wide() && !inside_rules(page, r) && tagged.row_of(r).is_none())
            .collect();
        let left = rows.iter().map(Row::left).fold(f64::INFINITY, f64::min);
        let right = rows.iter().map(Row::right).fold(0.0, f64::max);
        for row in &rows {
            let chars: usize = row.runs.iter().map(|r| r.2.chars().count()).sum();
            let key = ((row.size * 2.0).round() as i64, row.bold());
            *counts.entry(key).or_default() += chars;
            if row.right() - row.left() >= 0.6 * (right - left) {
                *across.entry(key).or_default() += chars;
            }
        }
    }
    let most = |counts: &std::collections::BTreeMap<(i64, bool), usize>, bold: bool| {
        counts
            .iter()
            .filter(|((_, b), _)| *b == bold)
            .max_by_key(|(_, n)| **n)
            .map(|((s, _), _)| *s as f64 / 2.0)
    };
    most(&across, false)
        .or_else(|| most(&counts, false))
        .or_else(|| most(&across, true))
        .or_else(|| most(&counts, true))
        .unwrap_or(10.0)
}

/// One printed line: its runs of text (split where a gap is wider than a word space).
#[derive(Debug, Clone)]
struct Row {
    y: f64,
    size: f64,
    /// (x where the run starts, x where it ends, text).
    runs: Vec<(f64, f64, String)>,
    glyphs: Vec<Glyph>,
}

impl Row {
    fn left(&self) -> f64 {
        self.runs.first().map_or(0.0, |r| r.0)
    }
    fn right(&self) -> f64 {
        self.runs.last().map_or(0.0, |r| r.1)
    }
    /// Where the line's text starts: after its bullet, if it has one (the lines a list item
    /// wraps onto start there).
    fn text_left(&self) -> f64 {
        match &self.runs[..] {
            [first, second, ..] if bullet(first.2.trim()) => second.0,
            _ => match &self.glyphs[..] {
                // A bullet a word space before its text, in the same run.
                [mark, next, ..]
                    if "•◦▪▫■□●○‣⁃·➢►▶✔✓".contains(mark.text.as_str())
                        && next.x - (mark.x + mark.width) > 0.15 * next.size =>
                {
                    next.x
                }
                _ => self.left(),
            },
        }
    }
    /// A line of several runs of text (table cells), not a bulleted line.
    fn wide(&self) -> bool {
        // A bullet or an icon (✔ ★ 🚩) before a line's text does not make it a table row.
        self.runs.len() > 2 || self.runs.len() == 2 && !bullet(self.runs[0].2.trim())
    }
    fn bold(&self) -> bool {
        !self.glyphs.is_empty()
            && self
                .glyphs
                .iter()
                .filter(|g| g.text.chars().any(char::is_alphanumeric))
                .all(|g| g.bold)
    }
}

/// Whether a run is a bullet or an icon (• ✔ ★ 🚩), not text.
fn bullet(t: &str) -> bool {
    t.chars().count() <= 2 && !t.chars().any(char::is_alphanumeric)
}

/// Glyphs into lines of runs.
fn rows_of(page: &Page) -> Vec<Row> {
    let mut glyphs = page.glyphs.clone();
    glyphs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    // Characters within a fraction of their size in height are one line.
    let mut lines: Vec<(f64, f64, Vec<Glyph>)> = Vec::new();
    for g in glyphs {
        match lines.last_mut() {
            // A subscript or superscript (smaller, set lower or higher) is part of its line.
            // (WeasyPrint's is nine tenths of its line's size.)
            Some((y, size, gs))
                if (g.y - *y).abs() <= 0.35 * size.max(g.size)
                    || g.size < 0.95 * *size && (g.y - *y).abs() <= 0.5 * *size =>
            {
                *size = size.max(g.size);
                gs.push(g);
            }
            _ => lines.push((g.y, g.size, vec![g])),
        }
    }
    lines
        .into_iter()
        .map(|(y, size, gs)| line_of(y, size, gs))
        .collect()
}

/// One printed line of glyphs at height `y`: its runs of text (split where a gap is wider than
/// a word space) and its type size (its letters', as an icon may be drawn larger).
fn line_of(y: f64, size: f64, mut gs: Vec<Glyph>) -> Row {
    gs.sort_by(|a, b| a.x.total_cmp(&b.x));
    let mut runs: Vec<(f64, f64, String)> = Vec::new();
    let mut glued: Option<f64> = None;
    for g in &gs {
        // (Across no-break spaces from the glyph before, the run goes on.)
        let across = glued.is_some_and(|end| g.x <= end + 0.3 * g.size);
        glued = g.glued;
        match runs.last_mut() {
            Some(run) if g.x - run.1 <= 1.2 * g.size || across => {
                if g.x - run.1 > 0.15 * g.size {
                    run.2.push(' ');
                }
                run.2.push_str(&g.text);
                run.1 = run.1.max(g.x + g.width);
            }
            _ => runs.push((g.x, g.x + g.width, g.text.clone())),
        }
    }
    let mut sizes: Vec<f64> = gs
        .iter()
        .filter(|g| g.text.chars().any(char::is_alphanumeric))
        .map(|g| g.size)
        .collect();
    sizes.sort_by(f64::total_cmp);
    let size = sizes.get(sizes.len() / 2).copied().unwrap_or(size);
    Row {
        y,
        size,
        runs,
        glyphs: gs,
    }
}

/// A table row drawn between two rules and split by vertical rules into cells: one line of
/// tab-separated cells, each cell's lines joined, as a text export prints a row.
fn ruled_row(region: &[Row], edges: &[f64]) -> String {
    let mut cells: Vec<String> = vec![String::new(); edges.len() - 1];
    let mut bold: Vec<Option<bool>> = vec![None; cells.len()];
    for r in region {
        let by_place = |g: &Glyph| {
            let mid = g.x + g.width / 2.0;
            edges
                .iter()
                .rposition(|e| *e <= mid)
                .unwrap_or(0)
                .min(cells.len() - 1)
        };
        // A word that runs over its cell's rule (Typst lets a long word overflow a narrow
        // column): the rest of the text shown with it, touching it, stays in its cell. So does
        // text shown with it a word's space on (WeasyPrint sets "incidents /" on one line of a
        // narrow cell, the "/" past its rule).
        let mut cell_of: Vec<usize> = r.glyphs.iter().map(by_place).collect();
        let mut shown: Vec<usize> = (0..r.glyphs.len()).collect();
        shown.sort_by(|&a, &b| {
            let (a, b) = (&r.glyphs[a], &r.glyphs[b]);
            a.shown.cmp(&b.shown).then(a.x.total_cmp(&b.x))
        });
        for w in shown.windows(2) {
            let (b, g) = (&r.glyphs[w[0]], &r.glyphs[w[1]]);
            if b.shown == g.shown && g.x - (b.x + b.width) < 0.6 * g.size {
                cell_of[w[1]] = cell_of[w[0]];
            }
        }
        let mut last: Vec<Option<f64>> = vec![None; cells.len()];
        for (g, &c) in r.glyphs.iter().zip(&cell_of) {
            let cell = &mut cells[c];
            match last[c] {
                Some(end) if g.x - end > 0.15 * g.size => cell.push(' '),
                None if !cell.is_empty() && !unspaced(cell, &g.text) => cell.push(' '),
                _ => {}
            }
            cell.push_str(&g.text);
            last[c] = Some(g.x + g.width);
            // A cell printed wholly in bold is marked as the text exports mark it.
            if g.text.chars().any(char::is_alphanumeric) {
                bold[c] = Some(bold[c].unwrap_or(true) && g.bold);
            }
        }
    }
    tab_row(&cells, bold)
}

/// A table row as a text export prints it: its cells' words joined by single spaces, tab
/// between cells, a cell printed wholly in bold marked `<b>…</b>`.
fn tab_row(cells: &[String], bold: Vec<Option<bool>>) -> String {
    cells
        .iter()
        .zip(bold)
        .map(|(c, b)| {
            let text = c.split_whitespace().collect::<Vec<_>>().join(" ");
            if b == Some(true) {
                format!("<b>{text}</b>")
            } else {
                text
            }
        })
        .collect::<Vec<_>>()
        .join("\t")
}

/// Whether lines between two rules, with no column rules among them, are one table row: the
/// text at their left edge (the first cell) is one block of lines, not several (a frame drawn
/// around a table of many rows, with no rules inside it).
fn one_row(region: &[Row]) -> bool {
    let left = region.iter().map(Row::left).fold(f64::INFINITY, f64::min);
    let firsts: Vec<&Row> = region.iter().filter(|r| r.left() - left < 3.0).collect();
    firsts
        .windows(2)
        .all(|w| w[1].y - w[0].y <= 1.3 * w[0].size.max(w[1].size))
}

/// The lines of a table row drawn between two rules, with each cell's text stacked from the top
/// (a cell centred in a tall row prints its first line lower than its neighbours').
fn top_align(region: &[Row]) -> Vec<Row> {
    if region.len() < 2 {
        return region.to_vec();
    }
    // Columns: runs starting within a few points of each other.
    let mut starts: Vec<f64> = region
        .iter()
        .flat_map(|r| r.runs.iter().map(|x| x.0))
        .collect();
    starts.sort_by(f64::total_cmp);
    let mut columns: Vec<f64> = Vec::new();
    for x in starts {
        if columns.last().is_none_or(|c| x - *c > 3.0) {
            columns.push(x);
        }
    }
    let column_of = |x: f64| columns.iter().rposition(|c| *c <= x + 3.0).unwrap_or(0);
    // Each column's runs, top to bottom, with their glyphs.
    let mut stacks: Vec<Vec<Vec<Glyph>>> = vec![Vec::new(); columns.len()];
    for r in region {
        for run in &r.runs {
            let glyphs: Vec<Glyph> = r
                .glyphs
                .iter()
                .filter(|g| g.x >= run.0 - 0.01 && g.x <= run.1)
                .cloned()
                .collect();
            stacks[column_of(run.0)].push(glyphs);
        }
    }
    let height = stacks.iter().map(Vec::len).max().unwrap_or(0);
    let pitch = (region[region.len() - 1].y - region[0].y) / (region.len() - 1) as f64;
    (0..height)
        .map(|i| {
            let y = region[0].y + pitch * i as f64;
            let glyphs: Vec<Glyph> = stacks
                .iter()
                .filter_map(|s| s.get(i))
                .flatten()
                .map(|g| Glyph { y, ..g.clone() })
                .collect();
            line_of(y, region[0].size, glyphs)
        })
        .collect()
}

/// Whether a line is inside a ruled table: a column rule runs down beside its text, and rules
/// above and below reach it.
fn inside_rules(page: &Page, r: &Row) -> bool {
    let (left, right) = (r.left(), r.right());
    let spans = |y0: f64, y1: f64| y0 <= r.y - 0.5 * r.size && y1 >= r.y;
    let beside = page
        .columns
        .iter()
        .any(|(x, y0, y1)| spans(*y0, *y1) && *x <= right + 1.0 && *x >= left - 40.0);
    // Or in the first column of a table with no frame, its rules between the columns only
    // (fpdf2's "INTERNAL" layout): two or more column rules down beside it, all to its right.
    let right_of: Vec<f64> = page
        .columns
        .iter()
        .filter(|(_, y0, y1)| spans(*y0, *y1))
        .map(|(x, _, _)| *x)
        .collect();
    let first_column = right_of.len() >= 2 && right_of.iter().all(|x| *x > right - 1.0);
    let beside = beside || first_column;
    // Or framed: rules down both sides of it (a style whose inner column rules are drawn on
    // every other row only).
    let framed = page
        .columns
        .iter()
        .any(|(x, y0, y1)| spans(*y0, *y1) && *x <= left + 1.0)
        && page
            .columns
            .iter()
            .any(|(x, y0, y1)| spans(*y0, *y1) && *x >= right - 1.0);
    let beside = beside || framed;
    let reaches = |(_, x0, x1): &&(f64, f64, f64)| *x0 <= left + 1.0 && *x1 >= left;
    // A row that breaks across the page has no rule under it on this page, nor the first row
    // over it on the next (some styles close the table's frame only where the table starts and
    // ends): the column rules beside it are enough.
    beside
        && (page.rules.iter().filter(reaches).any(|(y, _, _)| *y < r.y)
            || !page.rules.iter().any(|(y, _, _)| *y < r.y))
        && (page.rules.iter().filter(reaches).any(|(y, _, _)| *y > r.y)
            || !page.rules.iter().any(|(y, _, _)| *y > r.y))
}

/// A line's glyphs split where a gap is wider than a word space (a table's cell gap). A line of
/// justified text, whose every word space is stretched alike, is one run.
fn fine_runs(r: &Row) -> Vec<(f64, f64)> {
    if justified(r) {
        return vec![(r.left(), r.right())];
    }
    let mut runs: Vec<(f64, f64)> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut prev: Option<&Glyph> = None;
    for g in &r.glyphs {
        // Text of another text object after its end, on the same baseline in the same size (not
        // a subscript's "2" of "CO2e"), is another cell's, however narrow the space (xhtml2pdf's
        // cells abut, one text object each: "Venue" and "N/A" touch).
        let other_object = prev.is_some_and(|p| {
            g.object.is_some()
                && p.object.is_some()
                && g.object != p.object
                && (g.y - p.y).abs() < 0.1 * g.size
                && (g.size - p.size).abs() < 0.1 * g.size
        });
        // A string shown on its own after a gap narrower than any word space, yet a gap (a
        // pixel or two: WeasyPrint's cells with `border-collapse` and no padding), is another
        // cell's.
        let own_string = g.opens
            && (0.08..0.15).contains(&((g.x - prev.map_or(g.x, |p| p.x + p.width)) / g.size))
            && prev.is_some_and(|p| !p.text.ends_with(' '));
        prev = Some(g);
        match runs.last_mut() {
            Some(run)
                if g.x - run.1 <= 0.55 * g.size
                    && !own_string
                    && !(other_object && g.x - run.1 > -0.05 * g.size) =>
            {
                run.1 = run.1.max(g.x + g.width);
                if let Some(t) = texts.last_mut() {
                    t.push_str(&g.text);
                }
            }
            _ => {
                runs.push((g.x, g.x + g.width));
                texts.push(g.text.clone());
            }
        }
    }
    // A bullet before an item's text is not a cell of its own; a dash or dots far before the
    // next text (further than a list's indent) are: an empty cell's marker ("-", "..", "–").
    let first = texts.first().map_or("", |t| t.trim());
    if runs.len() >= 2 && !first.is_empty() && bullet(first) && runs[1].0 - runs[0].1 < 2.5 * r.size
    {
        let end = runs[1].1;
        runs.remove(0);
        runs[0] = (r.left(), end);
    }
    runs
}

/// Gaps between cells too narrow to tell from a word space on one line (a browser's table, its
/// cells a few pixels apart): where no glyph of any line of the block lies, and the text beside
/// the gap ends (or starts) at different places on different lines, as cells' text does. A
/// space that every line has at one place ("A" of "A City of Growth" in a column of themes)
/// has its words end and start at the same places, and is no gap between cells. Returned: the
/// middle of each such gap, down to a pixel's width (cells set with a pixel's padding and no
/// spacing, `border-collapse`, are a pixel or two apart).
fn narrow_gutters(block: &[(Row, bool)]) -> Vec<f64> {
    let size = block.iter().map(|(r, _)| r.size).fold(0.0, f64::max);
    let mut spans: Vec<(f64, f64)> = block
        .iter()
        .flat_map(|(r, _)| r.glyphs.iter().map(|g| (g.x, g.x + g.width)))
        .collect();
    if block.len() < 3 || spans.is_empty() {
        return Vec::new();
    }
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut covered: Vec<(f64, f64)> = Vec::new();
    for (x0, x1) in spans {
        match covered.last_mut() {
            Some(c) if x0 <= c.1 + 0.05 => c.1 = c.1.max(x1),
            _ => covered.push((x0, x1)),
        }
    }
    let mut gutters = Vec::new();
    for w in covered.windows(2) {
        let (g0, g1) = (w[0].1, w[1].0);
        // Gaps wider than a word space already part cells.
        if g1 - g0 < 0.08 * size || g1 - g0 > 0.55 * size {
            continue;
        }
        // Per line: the end of its text up to the gap and the start of its text after it,
        // where they are close to it.
        // (end, (start, whether the start opens a text object)).
        type Sides = (Option<f64>, Option<(f64, bool)>);
        let sides: Vec<Sides> = block
            .iter()
            .map(|(r, _)| {
                let end = r
                    .glyphs
                    .iter()
                    .map(|g| g.x + g.width)
                    .filter(|e| *e <= g0 + 0.01 && g0 - e < 0.6 * size)
                    .reduce(f64::max);
                let start = r
                    .glyphs
                    .iter()
                    .filter(|g| g.x >= g1 - 0.01 && g.x - g1 < 0.6 * size)
                    .min_by(|a, b| a.x.total_cmp(&b.x))
                    .map(|g| (g.x, g.opens));
                (end, start)
            })
            .collect();
        let left = sides.iter().filter(|s| s.0.is_some()).count();
        let right = sides.iter().filter(|s| s.1.is_some()).count();
        let both: Vec<(f64, f64, bool)> = sides
            .iter()
            .filter_map(|s| Some((s.0?, s.1?.0, s.1?.1)))
            .collect();
        // Text comes up to the gap from both sides, and where a line has text close on both
        // sides, the text after the gap is a text object of its own (a cell's), not the next
        // word of the same text.
        // Or, in the block's first line only (a header whose last cells head no figures), the
        // text after the gap opens a text object of its own.
        let header_cell =
            left == 1 && right == 1 && sides[0].0.is_some() && sides[0].1.is_some_and(|s| s.1);
        let gutter =
            left >= 1 && right >= 1 && left + right >= 3 && both.iter().all(|b| b.2) || header_cell;
        if gutter {
            gutters.push((g0 + g1) / 2.0);
        }
    }
    gutters
}

/// A block's narrow gaps between cells: those of all its lines, and those of its first lines
/// set at one spacing (a small table of a label and a figure per line, with the paragraphs
/// under it, whose lines cover its gap).
fn block_gutters(block: &[(Row, bool)]) -> Vec<f64> {
    let mut gutters = narrow_gutters(block);
    let pitch = |k: usize| block[k + 1].0.y - block[k].0.y;
    if block.len() > 3 {
        let mut end = 2;
        while end < block.len() && (pitch(end - 1) - pitch(0)).abs() < 0.1 * block[0].0.size {
            end += 1;
        }
        if end >= 3 && end < block.len() {
            for g in narrow_gutters(&block[..end]) {
                if !gutters.iter().any(|h| (h - g).abs() < 1.0) {
                    gutters.push(g);
                }
            }
            gutters.sort_by(f64::total_cmp);
        }
    }
    gutters
}

/// A line's runs split again at the block's narrow gaps between cells.
fn split_at(r: &Row, runs: Vec<(f64, f64)>, gutters: &[f64]) -> Vec<(f64, f64)> {
    parted_at(r, runs, gutters, true)
}

/// A line's runs parted at each of `gaps` they cross, between the text before and after it;
/// `opening`: only where the text after it opens a text object of its own.
fn parted_at(r: &Row, runs: Vec<(f64, f64)>, gaps: &[f64], opening: bool) -> Vec<(f64, f64)> {
    if gaps.is_empty() {
        return runs;
    }
    let mut out = Vec::new();
    for (x0, x1) in runs {
        let mut from = x0;
        for g in gaps.iter().filter(|g| **g > x0 && **g < x1) {
            let left = r
                .glyphs
                .iter()
                .map(|gl| gl.x + gl.width)
                .filter(|e| *e <= *g && *e >= from)
                .fold(f64::NEG_INFINITY, f64::max);
            // The text after the gap opens a text object of its own, as a cell's does (a
            // paragraph's words under a small table do not).
            let after = r
                .glyphs
                .iter()
                .filter(|gl| gl.x >= *g && gl.x <= x1)
                .min_by(|a, b| a.x.total_cmp(&b.x));
            let right = after.map_or(f64::INFINITY, |gl| gl.x);
            // (A gap that falls inside a glyph, a gap of the block's other lines, parts none.)
            let inside = r.glyphs.iter().any(|gl| gl.x < *g && gl.x + gl.width > *g);
            if left.is_finite()
                && right.is_finite()
                && !inside
                && (!opening || after.is_some_and(|gl| gl.opens))
            {
                out.push((from, left));
                from = right;
            }
        }
        out.push((from, x1));
    }
    out
}

/// A bold line of one-word header cells, each as far from the next (cells sized to their text,
/// as WeasyPrint sizes them: "2017/2018  2018/2019  2019/2020  Target  Performance"), looks
/// like a justified line and is one run; where two or more of its words start where other lines
/// of the block start their cells, its words are its cells.
fn header_words_parted(block: &[(Row, bool)], runs: &mut [Vec<(f64, f64)>]) {
    let starts: Vec<f64> = runs
        .iter()
        .filter(|r| r.len() >= 2)
        .flat_map(|r| r.iter().map(|x| x.0))
        .collect();
    for (k, (r, _)) in block.iter().enumerate() {
        if runs[k].len() != 1 || !r.bold() || !justified(r) {
            continue;
        }
        let words = word_spans(r);
        let matched = words[1..]
            .iter()
            .filter(|w| starts.iter().any(|x| (w.0 - x).abs() < 1.0))
            .count();
        if words.len() >= 3 && matched >= 2 {
            runs[k] = words;
        }
    }
    // A line's run over two cells of a plain line, its words centred over each (a header's
    // cells centred over centred figures, a word's space apart: "quarter quarter" over "5.31%"
    // and "4.58%", "Deliverables Deliverables" over "1" and "0"): two runs, parted between them.
    type Gap = ((f64, f64), (f64, f64));
    let pairs: Vec<(usize, Gap)> = block
        .iter()
        .zip(runs.iter())
        .enumerate()
        .filter(|(_, ((r, _), rs))| !r.bold() && rs.len() >= 2)
        .flat_map(|(k, (_, rs))| rs.windows(2).map(move |w| (k, (w[0], w[1]))))
        .collect();
    for (k, (r, _)) in block.iter().enumerate() {
        if pairs.iter().all(|(l, _)| *l == k) {
            continue;
        }
        let words = word_spans(r);
        let size = r.size;
        let mut parted: Vec<(f64, f64)> = Vec::new();
        for run in &runs[k] {
            let inside = words_within(&words, *run);
            let centre = |ws: &[(f64, f64)]| (ws[0].0 + ws[ws.len() - 1].1) / 2.0;
            let mut from = run.0;
            for i in 0..inside.len().saturating_sub(1) {
                let (end, start) = (inside[i].1, inside[i + 1].0);
                let centred = pairs.iter().any(|(l, (a, b))| {
                    if *l == k || !(end <= b.0 && start >= a.1 && run.0 < a.1 && run.1 > b.0) {
                        return false;
                    }
                    let gap = b.0 - a.1;
                    let left: Vec<(f64, f64)> = inside[..=i]
                        .iter()
                        .copied()
                        .filter(|w| w.0 >= a.0 - gap)
                        .collect();
                    let right: Vec<(f64, f64)> = inside[i + 1..]
                        .iter()
                        .copied()
                        .filter(|w| w.1 <= b.1 + gap)
                        .collect();
                    !left.is_empty()
                        && !right.is_empty()
                        && (centre(&left) - (a.0 + a.1) / 2.0).abs() <= 0.5 * size
                        && (centre(&right) - (b.0 + b.1) / 2.0).abs() <= 0.5 * size
                });
                if centred {
                    parted.push((from, end));
                    from = start;
                }
            }
            parted.push((from, run.1));
        }
        runs[k] = parted;
    }
}

/// A header's cells a word's space apart on one line, cells of several lines set at the left
/// and each at a height of its own (centred in a header row): a word of a line's run that starts
/// where a run of another of the header's lines does starts a cell. WeasyPrint's and
/// wkhtmltopdf's "2023-24 2024-25 2025-26" over "(YTD)" "(YTD)" "(YTD)", three cells' first lines
/// over their second, each of those a run of its own. A header: a band of lines of cells a line's
/// spacing apart with no figure. (Only a word that starts exactly where such a run does, to half
/// a point, in the same band: a word wrapped in a cell does not start where another cell does.)
fn stacked_header_words_parted(block: &[(Row, bool)], runs: &mut [Vec<(f64, f64)>]) {
    // The block's bands: lines a line's spacing apart at most (a row's, or a header's, cells'
    // lines), parted by the padding between rows.
    let mut bands: Vec<(usize, usize)> = Vec::new();
    for k in 0..block.len() {
        match bands.last_mut() {
            Some((_, end))
                if {
                    let (a, b) = (&block[k - 1].0, &block[k].0);
                    b.y - a.y <= 1.3 * a.size.max(b.size)
                } =>
            {
                *end = k + 1
            }
            _ => bands.push((k, k + 1)),
        }
    }
    for (from, to) in bands {
        if to - from < 2
            || to - from > 10
            || block[from..to]
                .iter()
                .any(|(r, _)| r.runs.iter().any(|x| holds_figure(&x.2)))
        {
            continue;
        }
        // (Lines of cells only: a paragraph's lines, a bullet's text and the lines it wraps
        // onto, start alike. A line's own runs start nowhere inside one another.)
        let cells: Vec<usize> = (from..to).filter(|k| runs[*k].len() >= 2).collect();
        let starts: Vec<f64> = cells
            .iter()
            .flat_map(|l| runs[*l].iter().map(|x| x.0))
            .collect();
        for k in cells {
            let words = word_spans(&block[k].0);
            let mut parted: Vec<(f64, f64)> = Vec::new();
            for run in &runs[k] {
                let inside = words_within(&words, *run);
                let mut from = run.0;
                for w in inside.windows(2) {
                    if starts.iter().any(|x| (w[1].0 - x).abs() < 0.5) {
                        parted.push((from, w[0].1));
                        from = w[1].0;
                    }
                }
                parted.push((from, run.1));
            }
            runs[k] = parted;
        }
    }
}

/// A header's cells a word's space apart, set at their left and right ("Jun 2019" at its cell's
/// left and "Sep 2019" at its right over "Deliverables Deliverables"): a run of a header's line
/// (one of the block's first three, over its first line with a figure) that spans exactly, from
/// the first's start to the last's end, two cells or more of the header's line over or under it
/// is parted in the gutters between those cells, where one word space lies in each.
fn spanning_header_words_parted(block: &[(Row, bool)], runs: &mut [Vec<(f64, f64)>]) {
    let plain: Vec<bool> = block
        .iter()
        .map(|(r, _)| !holds_figure(&row_text(r)))
        .collect();
    // (The header's lines only: the block's first three at most, over its first line with a
    // figure; and the line under or over the run's.)
    let Some(rows) = plain.iter().position(|p| !p) else {
        return;
    };
    let rows = rows.min(3);
    for k in 0..rows {
        let words = word_spans(&block[k].0);
        let mut parted: Vec<(f64, f64)> = Vec::new();
        for run in runs[k].clone() {
            let inside = words_within(&words, run);
            let over = (0..rows).filter(|m| m.abs_diff(k) == 1).find_map(|m| {
                let within: Vec<(f64, f64)> = runs[m]
                    .iter()
                    .copied()
                    .filter(|x| x.0 >= run.0 - 0.5 && x.1 <= run.1 + 0.5)
                    .collect();
                (within.len() >= 2
                    && (within[0].0 - run.0).abs() < 0.5
                    && (within[within.len() - 1].1 - run.1).abs() < 0.5)
                    .then_some(within)
            });
            let cuts: Option<Vec<usize>> = over.and_then(|over| {
                over.windows(2)
                    .map(|g| {
                        let gaps: Vec<usize> = (1..inside.len())
                            .filter(|n| {
                                inside[n - 1].1 >= g[0].1 - 0.5 && inside[*n].0 <= g[1].0 + 0.5
                            })
                            .collect();
                        (gaps.len() == 1).then(|| gaps[0])
                    })
                    .collect()
            });
            let Some(cuts) = cuts else {
                parted.push(run);
                continue;
            };
            let mut first = 0;
            for n in cuts {
                parted.push((inside[first].0, inside[n - 1].1));
                first = n;
            }
            parted.push((inside[first].0, run.1));
        }
        runs[k] = parted;
    }
}

/// Figures a word's space apart in one run ("£1,915,500 £9,152,480 £7,722,500"): a row's cells
/// that fill their columns, set at their right or centre, each a cell. (Two figures make no one
/// cell: a cell's figure goes with words, "110.4 per 10,000 population", "91.9% (Q3 data)".)
fn figure_words_parted(block: &[(Row, bool)], runs: &mut [Vec<(f64, f64)>]) {
    for (k, (row, _)) in block.iter().enumerate() {
        let words = word_spans(row);
        let text = |w: (f64, f64)| -> String {
            row.glyphs
                .iter()
                .filter(|g| g.x >= w.0 - 0.01 && g.x + g.width <= w.1 + 0.01)
                .map(|g| g.text.as_str())
                .collect::<String>()
        };
        let figure = |w: (f64, f64)| holds_figure(&text(w));
        let mut parted = Vec::new();
        for run in &runs[k] {
            let inside = words_within(&words, *run);
            if inside.len() >= 2 && inside.iter().all(|w| figure(*w)) {
                parted.extend(inside);
            } else {
                parted.push(*run);
            }
        }
        runs[k] = parted;
    }
}

/// The words of a line that lie within one of its runs.
fn words_within(words: &[(f64, f64)], run: (f64, f64)) -> Vec<(f64, f64)> {
    words
        .iter()
        .copied()
        .filter(|w| w.0 >= run.0 - 0.5 && w.1 <= run.1 + 0.5)
        .collect()
}

/// A header line's run parted after a word that ends at (or before) the edge of a column of
/// cells set at their right, where the next word starts past that edge: WeasyPrint's "Target
/// DoT", two cells' headers a word space apart, "Target" over figures set at the right of its
/// cells and "DoT" over figures set further right. The edge: where two or more plain lines'
/// runs end, from different starts, with no plain text across it.
fn right_set_headers_parted(block: &[(Row, bool)], runs: &mut [Vec<(f64, f64)>]) {
    let plain: Vec<(f64, f64)> = block
        .iter()
        .zip(runs.iter())
        .filter(|((r, _), _)| !r.bold())
        .flat_map(|(_, rs)| rs.iter().copied())
        .collect();
    // Each such edge, with where its runs start furthest left.
    let mut edges: Vec<(f64, f64)> = Vec::new();
    for e in plain.iter().map(|p| p.1) {
        let at: Vec<&(f64, f64)> = plain.iter().filter(|p| (p.1 - e).abs() < 0.5).collect();
        if at.len() >= 2
            && at.iter().any(|p| (p.0 - at[0].0).abs() > 1.0)
            && !plain.iter().any(|p| p.0 < e - 0.5 && p.1 > e + 0.5)
        {
            edges.push((e, at.iter().map(|p| p.0).fold(f64::INFINITY, f64::min)));
        }
    }
    for (k, (r, _)) in block.iter().enumerate() {
        if !r.bold() {
            continue;
        }
        let words = word_spans(r);
        let mut parted: Vec<(f64, f64)> = Vec::new();
        for run in &runs[k] {
            let inside = words_within(&words, *run);
            let mut from = run.0;
            for w in inside.windows(2) {
                let (end, start) = (w[0].1, w[1].0);
                let edge = edges
                    .iter()
                    .any(|(e, from)| *e >= end - 0.5 && *e < start - 0.25 * r.size && *from < end);
                if edge {
                    parted.push((from, end));
                    from = start;
                }
            }
            parted.push((from, run.1));
        }
        runs[k] = parted;
    }
}

/// A row's run parted between two words where the words before are centred under one cell of
/// the header and the words after under the next: two centred cells a word space apart
/// (WeasyPrint's "delivered stop smoking programmes Jun-2023", a wide name cell's line running
/// up to the narrow date cell beside it, centred under "Key Measure", and "Jun-2023" centred
/// under "Date"). The header: the block's first bold line of three cells or more, within its
/// first three lines.
fn centred_words_parted(block: &[(Row, bool)], runs: &mut [Vec<(f64, f64)>]) {
    let Some(h) = (0..block.len().min(3)).find(|k| block[*k].0.bold() && runs[*k].len() >= 3)
    else {
        return;
    };
    let header = runs[h].clone();
    for (k, (r, _)) in block.iter().enumerate().skip(h + 1) {
        if r.bold() {
            continue;
        }
        let centred = |a: f64, b: f64, c: &(f64, f64)| {
            ((a + b) / 2.0 - (c.0 + c.1) / 2.0).abs() <= 0.1 * r.size
        };
        let words = word_spans(r);
        let mut parted: Vec<(f64, f64)> = Vec::new();
        for run in &runs[k] {
            let inside = words_within(&words, *run);
            let cut = (1..inside.len()).rev().find(|n| {
                let (before, after) = (inside[n - 1].1, inside[*n].0);
                header.windows(2).any(|c| {
                    before < c[1].0
                        && after > before + 0.15 * r.size
                        && centred(run.0, before, &c[0])
                        && centred(after, run.1, &c[1])
                })
            });
            match cut {
                Some(n) => {
                    parted.push((run.0, inside[n - 1].1));
                    parted.push((inside[n].0, run.1));
                }
                None => parted.push(*run),
            }
        }
        runs[k] = parted;
    }
}

/// A line's runs parted where it crosses the gap between two cells shaded apart: each cell's
/// shading, of one band's height, a few points from the next's (WeasyPrint shades each cell of
/// a filled header or row on its own, the table's spacing between them), bounds its text, though
/// its padding sets it a word's space from the next cell's ("2019/2020 Target Performance").
fn shaded_cells_parted(block: &[(Row, bool)], runs: &mut [Vec<(f64, f64)>], fills: &[Fill]) {
    for (k, (r, _)) in block.iter().enumerate() {
        let mut band: Vec<&Fill> = fills.iter().filter(|f| f.holds(r.y)).collect();
        if band.len() < 2 {
            continue;
        }
        band.sort_by(|a, b| a.left.total_cmp(&b.left));
        let gaps: Vec<f64> = band
            .windows(2)
            .filter(|w| {
                let gap = w[1].left - w[0].right;
                (w[0].top - w[1].top).abs() < 0.5
                    && (w[0].bottom - w[1].bottom).abs() < 0.5
                    && (0.0..=6.0).contains(&gap)
            })
            .map(|w| (w[0].right + w[1].left) / 2.0)
            .collect();
        runs[k] = parted_at(r, std::mem::take(&mut runs[k]), &gaps, false);
    }
}

/// Whether a line is justified text: three or more spaces between its words, all stretched to
/// about the same width (cells of a table are apart by gaps that differ from the spaces within
/// them).
fn justified(r: &Row) -> bool {
    let mut gaps: Vec<f64> = Vec::new();
    let mut end: Option<f64> = None;
    for g in &r.glyphs {
        if let Some(e) = end {
            let gap = g.x - e;
            if gap > 0.15 * g.size {
                gaps.push(gap / g.size);
            }
        }
        end = Some(end.map_or(g.x + g.width, |e: f64| e.max(g.x + g.width)));
    }
    let (lo, hi) = gaps.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), g| {
        (lo.min(*g), hi.max(*g))
    });
    gaps.len() >= 3 && hi > 0.55 && hi < 1.2 && hi - lo < 0.15
}

/// Tables drawn without column rules: blocks of lines, two or more of them split into runs by
/// gaps wider than a word space. Their columns are found from where text lies on the page, and
/// each line is printed with every column at a fixed character position, so that the
/// fixed-width reader finds the columns (and joins wrapped cells and headers) exactly.
///
/// Each column is printed at the character position its x gives (`unit` points a character from
/// the page's `margin`), or further right where the column before it is wider in characters,
/// so that a table continued on the next page keeps its columns. Returned: the lines, and the
/// first line of each table.
fn aligned_tables(
    laid: &[(Row, bool)],
    skip: &dyn Fn(usize) -> bool,
    margin: f64,
    unit: f64,
    paint: Paint<'_>,
    left_set_headers: bool,
    carried: &mut Option<Carried>,
) -> (
    std::collections::BTreeMap<usize, String>,
    std::collections::BTreeSet<usize>,
) {
    let mut out = std::collections::BTreeMap::new();
    let mut firsts = std::collections::BTreeSet::new();
    let from_before = carried.take();
    // The columns of the page's last table read with its cells set at the bottom of its rows.
    let mut bottom_columns: Vec<(f64, f64)> = Vec::new();
    // Where the lines atop the page read as the rest of the last page's table end: a piece
    // that starts there is atop the page too (a row's rest, then the next row set apart).
    let mut rest_end = 0;
    let mut i = 0;
    while i < laid.len() {
        if skip(i) {
            i += 1;
            continue;
        }
        // Lines of a table follow each other closely; its rows may be further apart (cell
        // padding), but a row of cells is still of the table's type size.
        let mut j = i + 1;
        // Where the block's lines start their cells.
        let first_runs = fine_runs(&laid[i].0);
        let mut starts: Vec<f64> = first_runs.iter().map(|x| x.0).collect();
        let mut block_has_cells = first_runs.len() >= 2;
        // The runs of the block's lines of cells.
        let mut celled: Vec<Vec<(f64, f64)>> = Some(first_runs.clone())
            .filter(|r| r.len() >= 2)
            .into_iter()
            .collect();
        while j < laid.len() && !skip(j) && {
            let (a, b) = (&laid[j - 1].0, &laid[j].0);
            let gap = b.y - a.y;
            let size = a.size.max(b.size);
            // Farther apart (cell padding), a line must start its cells where the block's lines
            // start theirs: the next row of the same table, not the next table or a paragraph.
            // A line of one run (a wrapped cell) must be under a line of cells.
            let (ra, rb) = (fine_runs(a), fine_runs(b));
            // A run that lies under one cell of the block's lines of cells and across none's
            // gap (the next row of a table whose header cells are centred).
            let under_one = |x: &(f64, f64)| {
                let over =
                    |line: &Vec<(f64, f64)>| line.iter().filter(|c| c.0 < x.1 && c.1 > x.0).count();
                celled.iter().any(|line| over(line) == 1)
                    && !celled.iter().any(|line| over(line) >= 2)
            };
            // A line of one run across where the line above starts a cell, further below it
            // than that line is below its own (a paragraph after a table whose rows are a
            // line apart), is no wrapped cell. The cell may be the line's first: a paragraph
            // at the page's margin, left of the cells' padding, under a row whose first cell
            // is empty.
            // (Not a line set as the one above is, centred or at the right, under one cell of
            // the block's lines of cells: a cell's line, its row set further down in the middle
            // of a row broken over the page, "Robust processes are now" under "systems.".)
            let set_alike = |x: &(f64, f64)| {
                ra.len() == 1
                    && (centred_alike(*x, ra[0]) || (x.1 - ra[0].1).abs() < 0.5)
                    && under_one(x)
            };
            let spanning = rb.len() == 1
                && ra
                    .iter()
                    .any(|x| rb[0].0 < x.0 - 1.0 && rb[0].1 > x.0 + 1.0)
                && j >= i + 2
                && gap > 1.3 * (a.y - laid[j - 2].0.y)
                && !set_alike(&rb[0]);
            // Lines of one run at the block's left, in its first column, right under lines of
            // three cells or more (a table's header; a chart's figures are a label and a figure
            // a line): a group's title, over the group's first row.
            let group_title = celled
                .iter()
                .max_by_key(|line| line.len())
                .filter(|line| line.len() >= 3)
                .is_some_and(|widest| {
                    let left = starts.iter().copied().fold(f64::INFINITY, f64::min);
                    let titles = (i..j)
                        .rev()
                        .map(|k| fine_runs(&laid[k].0))
                        .take_while(|runs| runs.len() == 1)
                        .collect::<Vec<_>>();
                    !titles.is_empty()
                        && titles.len() < j - i
                        && titles
                            .iter()
                            .all(|runs| runs[0].0 <= left + 3.0 && runs[0].1 < widest[1].0)
                });
            // A line of one run at the block's foot, set further below its last line than that
            // line is below its own and with no line of cells after it (a paragraph right
            // after a table whose rows are a line apart: xhtml2pdf's "Key" under a table of
            // ratings), is no row of the table.
            // (Or with lines of cells after it, where the block's lines so far are all one
            // spacing apart, rows of one line: a note set apart between two charts' figures.)
            let pitch = a.y - laid[j.saturating_sub(2)].0.y;
            let even =
                j >= i + 3 && (i + 1..j).all(|k| laid[k].0.y - laid[k - 1].0.y < 1.15 * pitch);
            let trailing = rb.len() == 1
                && ra.len() >= 2
                && j >= i + 2
                && gap > 1.3 * pitch
                && gap > 1.6 * size
                && rb[0].0 <= starts.iter().copied().fold(f64::INFINITY, f64::min) + 3.0
                && !laid.get(j + 1).is_some_and(|(n, _)| {
                    n.y - b.y < gap - 0.5 * size
                        || !even && fine_runs(n).len() >= 2 && n.y - b.y <= gap + 0.5 * size
                });
            // Or, whatever the space, one that starts left of every line of the block, a cell's
            // padding and more (a paragraph at the page's margin: LibreOffice's "Key" under a
            // table of ratings whose rows are further apart than the paragraph is below them).
            let outdented = rb.len() == 1
                && ra.len() >= 2
                && j >= i + 2
                && (i..j).all(|k| rb[0].0 < laid[k].0.left() - 1.0);
            let cells = if spanning || trailing || outdented {
                false
            } else if rb.len() >= 2 {
                // (Or lies alone in the room of one cell of the block's first line, of three
                // cells or more, from its start to the next one's: figures set at the right of
                // their column, under a header set at its left. Two in one room are no row of
                // that header's: its cells a word's space apart, "Due date Progress status".)
                // (The header's first line of three cells or more, under a line of cells
                // spanning two each, "Primary  Secondary" under "Number of schools"; left of
                // its first cell, where that leaves the names' corner empty, a room of its own.)
                let first = (i..j)
                    .map(|k| fine_runs(&laid[k].0))
                    .find(|line| line.len() >= 3)
                    .unwrap_or_default();
                let room = |x: &(f64, f64)| -> Option<usize> {
                    if first.len() >= 3 && x.1 < first[0].0 - 1.0 {
                        return Some(usize::MAX);
                    }
                    (first.len() >= 3
                        && x.0 >= first[0].0 - 3.0
                        && !first[1..]
                            .iter()
                            .any(|c| x.0 < c.0 - 1.0 && x.1 > c.0 + 1.0))
                    .then(|| first[1..].iter().filter(|c| x.0 >= c.0 - 1.0).count())
                };
                let in_room = |x: &(f64, f64)| {
                    room(x).is_some_and(|r| rb.iter().filter(|y| room(y) == Some(r)).count() == 1)
                };
                // (Or, in a block of lines of as many cells as it has, all one spacing apart,
                // it starts where they do, set that spacing under the last: the next row of a
                // chart's figures, "Performance  Action" under "Target  58.0%", its word set at
                // its cell's left and the figures at the right.)
                // (Or the block's one line so far, starting and ending where it does: a chart's
                // first two rows, "2020-2021  577" over "2021-2022  1,089".)
                let same_shape = j >= i + 2
                    && (i..j).all(|k| fine_runs(&laid[k].0).len() == rb.len())
                    && (i + 1..j).all(|k| (laid[k].0.y - laid[k - 1].0.y - gap).abs() < 0.1 * size)
                    && (i..j).all(|k| (laid[k].0.left() - rb[0].0).abs() < 1.0)
                    || j == i + 1
                        && ra.len() == rb.len()
                        && gap < 3.0 * size
                        && (ra[0].0 - rb[0].0).abs() < 1.0
                        && (ra[ra.len() - 1].1 - rb[rb.len() - 1].1).abs() < 1.0;
                same_shape
                    || rb
                        .iter()
                        .filter(|x| starts.iter().any(|y| (x.0 - y).abs() < 3.0) || in_room(x))
                        .count()
                        >= 2.max(rb.len() - 1)
                    // Under a header's last line (bold), or a group's title in the first column
                    // under the header, the first row, its cells under the header's.
                    || block_has_cells && (a.bold() || group_title) && rb.iter().all(under_one)
                    // Under a header's first row of cells each spanning columns ("Number of
                    // schools" over "Primary" and "Secondary"), set a row's space above the
                    // header's second: every cell of the first starts where one of the second's
                    // does. (Bold, or the block's one line: a header LibreOffice does not set
                    // bold; or lines of no figure whose cells all start where the first line's
                    // do, that row's cells wrapped, "Number" over "of schools".)
                    || block_has_cells
                        && ((i..j).all(|k| laid[k].0.bold())
                            || j == i + 1
                            || (i..j).all(|k| {
                                let (first, runs) = (&first_runs, fine_runs(&laid[k].0));
                                runs.len() == first.len()
                                    && runs.iter().zip(first).all(|(x, y)| (x.0 - y.0).abs() < 3.0)
                                    && !laid[k].0.runs.iter().any(|r| holds_figure(&r.2))
                            }))
                        && celled.iter().all(|line| {
                            line.len() < rb.len()
                                && line
                                    .iter()
                                    .all(|x| rb.iter().any(|y| (x.0 - y.0).abs() < 3.0))
                        })
                    // Or the header's first row's cells each set at a height of its own, a line
                    // each ("Number of" over "schools" beside "Percentage of pupils" set
                    // between them, cells in the middle of their rows): two or more, each
                    // starting where a cell of the second does. (Bold, or short lines of one
                    // run each, a header not set bold.)
                    || (i..j).all(|k| {
                        laid[k].0.bold() || {
                            let runs = fine_runs(&laid[k].0);
                            runs.len() == 1 && runs[0].1 - runs[0].0 <= 8.0 * size
                        }
                    }) && {
                        let mut cells: Vec<f64> = Vec::new();
                        for x in &starts {
                            if !cells.iter().any(|c| (c - x).abs() < 3.0) {
                                cells.push(*x);
                            }
                        }
                        cells.len() >= 2
                            && cells.len() < rb.len()
                            && cells
                                .iter()
                                .all(|x| rb.iter().any(|y| (x - y.0).abs() < 3.0))
                    }
            } else {
                // Or, in a table that has had a line of cells, it starts where a column starts
                // (a padded table's next row, or a group's title in the first column).
                let split = block_has_cells;
                ra.len() >= 2
                    && rb
                        .iter()
                        .any(|x| ra.iter().any(|y| (x.0 - y.0).abs() < 3.0))
                    || split
                        && rb
                            .iter()
                            .all(|x| starts.iter().any(|y| (x.0 - y).abs() < 3.0))
                    || split && rb.iter().all(under_one)
            };
            // (Close lines of another type size are a table's neighbours, not its rows: 9 pt
            // paragraphs over 7 pt cells.)
            let same_size = (a.size - b.size).abs() < 1.0;
            // Under a header of bold lines of cells, the first row, wherever it starts (the
            // header's corner cell empty, a padded row further down). The header may follow
            // the rows of a table before it (a table per printed page, its header centred).
            let header_from = (i..j)
                .rev()
                .take_while(|k| laid[*k].0.bold())
                .last()
                .unwrap_or(j);
            // (The row's first line may be bold where it lies left of every cell of the header,
            // in its empty corner: a row's name set in bold, "Started within 2 hrs".)
            let in_corner =
                || b.right() < starts.iter().copied().fold(f64::INFINITY, f64::min) - 1.0;
            let after_header = (header_from == i && block_has_cells
                || j - header_from >= 2
                    && (header_from..j).any(|k| fine_runs(&laid[k].0).len() >= 3))
                && (!b.bold() || rb.len() == 1 && in_corner())
                && b.right()
                    <= laid[header_from..j]
                        .iter()
                        .map(|(r, _)| r.right())
                        .fold(0.0, f64::max)
                        + size;
            // Atop the page, a group's title in the first column of the table run to the last
            // page's foot (a browser repeats no header), over the next rows of that table: every
            // run of the line under it in one of its columns.
            let title_over_rest = from_before.as_ref().is_some_and(|before| {
                let first = before.columns[0];
                let in_column = |x: &(f64, f64)| {
                    before
                        .columns
                        .iter()
                        .any(|c| x.0 >= c.0 - 3.0 && x.1 <= c.1 + 3.0)
                };
                i == 0
                    && (i..j).all(|k| {
                        let runs = fine_runs(&laid[k].0);
                        runs.len() == 1
                            && (runs[0].0 - first.0).abs() < 3.0
                            && before.columns.get(1).is_some_and(|c| runs[0].1 < c.0)
                    })
                    && rb.iter().all(in_column)
                    && rb.iter().any(|x| x.0 > first.1)
            });
            // Under a bold header and the rule across the table under it, the first row may be
            // set further down: ReportLab's header band holds the rest of a row split over the
            // page, and the header's other cells stand at the band's top.
            let ruled_under_header = a.bold()
                && !b.bold()
                && paint.rules.iter().any(|(y, x0, x1)| {
                    *y > a.y
                        && *y < b.y - 0.7 * b.size
                        && *x0 <= a.left().min(b.left()) + 1.0
                        && *x1 >= a.right().max(b.right()) - 1.0
                });
            let next = gap <= 2.2 * size && same_size && !trailing
                || (cells || after_header || title_over_rest)
                    && (a.size - b.size).abs() < 0.5
                    && (gap <= 4.5 * size || ruled_under_header && gap <= 8.0 * size);
            if next {
                starts.extend(rb.iter().map(|x| x.0));
                block_has_cells |= rb.len() >= 2;
                if rb.len() >= 2 {
                    celled.push(rb.clone());
                }
            }
            next
        } {
            j += 1;
        }
        // A table right under another with the same header (a web page's table per printed
        // page, or a header printed again) is a table of its own, with columns of its own.
        // Its header may wrap otherwise there (other column widths): the same words over one
        // to five lines.
        let texts: Vec<String> = (i..j).map(|k| row_text(&laid[k].0)).collect();
        let text = |k: usize| texts[k - i].as_str();
        let words = |from: usize, lines: usize| {
            let mut w: Vec<&str> = (from..(from + lines).min(j))
                .flat_map(|k| text(k).split_whitespace())
                .collect();
            w.sort_unstable();
            w
        };
        let heads: Vec<Vec<&str>> = (1..=5).map(|h| words(i, h)).collect();
        let head_words: std::collections::BTreeSet<&str> =
            heads.last().into_iter().flatten().copied().collect();
        // Small tables of one-line rows stacked with no space between them (a chart's figures
        // per measure): three or more lines at one spacing, then a line set a little further
        // (the tables' spacing) that starts three or more at one spacing again, with the first
        // word of the table before ("2021-2022").
        let pitch = |k: usize| laid[k + 1].0.y - laid[k].0.y;
        // (Rows of one line each are further apart than a cell's lines.)
        let even = |from: usize| {
            from + 2 < j
                && (pitch(from) - pitch(from + 1)).abs() < 0.05 * laid[from].0.size
                && pitch(from) > 1.3 * laid[from].0.size
        };
        let stacked = |k: usize, from: usize| {
            k >= from + 3
                && text(k).split_whitespace().next() == text(from).split_whitespace().next()
                && even(k - 3)
                && even(k)
                && (pitch(k - 1) - pitch(k - 2)).abs() > 0.08 * laid[k].0.size
                && (pitch(k - 1) - pitch(k)).abs() > 0.08 * laid[k].0.size
                && pitch(k - 1) < 1.5 * pitch(k)
        };
        // A header in the block's midst or at its end, its rows set further down (a word
        // processor's next table, its own widths): two or more bold lines after lines that are
        // not, of four words or more, across most of the block (a bold row of figures is one
        // line).
        let (block_left, block_right) = (i..j).fold((f64::INFINITY, 0.0f64), |(l, r), k| {
            (l.min(laid[k].0.left()), r.max(laid[k].0.right()))
        });
        // Where each line of the block starts and ends its cells (none for a line of one run),
        // found once: the rules below ask for them line by line, over and over.
        // (A header's cells a word's space apart parted where its other lines show them.)
        let mut line_runs: Vec<Vec<(f64, f64)>> = (i..j).map(|k| fine_runs(&laid[k].0)).collect();
        stacked_header_words_parted(&laid[i..j], &mut line_runs);
        let cell_runs: Vec<Vec<(f64, f64)>> = line_runs
            .into_iter()
            .map(|r| if r.len() >= 2 { r } else { Vec::new() })
            .collect();
        let starts = |k: usize| -> Vec<f64> { cell_runs[k - i].iter().map(|x| x.0).collect() };
        // (A header of seven lines or more, its cells centred at heights of their own, starts a
        // table where a cell of it runs across two columns of the rows above and most of its
        // cells start where none of theirs do: the next table's, of other widths. In the same
        // columns, it is the same table's header printed again.)
        let new_header = |k: usize| {
            let end = (k..j.min(k + 9))
                .take_while(|m| laid[*m].0.bold())
                .last()
                .map_or(k, |m| m + 1);
            let (left, right) = (k..end).fold((f64::INFINITY, 0.0f64), |(l, r), m| {
                (l.min(laid[m].0.left()), r.max(laid[m].0.right()))
            });
            let words: usize = (k..end).map(|m| text(m).split_whitespace().count()).sum();
            let other_columns = || {
                // The columns of the rows above: their runs, those that overlap one column.
                let columns = overlaps_joined(
                    (i..k)
                        .filter(|m| !laid[*m].0.bold())
                        .map(|m| fine_runs(&laid[m].0))
                        .filter(|runs| runs.len() >= 2)
                        .flatten()
                        .collect(),
                );
                // A cell of the header across two of them, and most of its cells starting
                // where no row's cell does.
                let across = (k..end)
                    .flat_map(|m| fine_runs(&laid[m].0))
                    .any(|(x0, x1)| {
                        columns
                            .iter()
                            .filter(|c| x0 < c.1 - 0.5 && x1 > c.0 + 0.5)
                            .count()
                            >= 2
                    });
                let past_first = |m: usize| starts(m).into_iter().skip(1);
                let above: Vec<f64> = (i..k)
                    .filter(|m| !laid[*m].0.bold())
                    .flat_map(past_first)
                    .collect();
                let cells: Vec<f64> = (k..end).flat_map(past_first).collect();
                let placed = cells
                    .iter()
                    .filter(|x| above.iter().any(|y| (*x - y).abs() < 2.5))
                    .count();
                across && !cells.is_empty() && 2 * placed < cells.len()
            };
            k > i
                && end >= k + 2
                && !laid[k - 1].0.bold()
                && (end == j || !laid[end].0.bold())
                && words >= 4
                && right - left >= 0.6 * (block_right - block_left)
                && (end <= k + 6 || other_columns())
        };
        // A table of other columns right under one (a key under the measures): two lines of
        // cells starting theirs at the same places, past the first, where no plain line of the
        // table above starts one (its header's centred cells may), under two or more plain lines
        // of cells.
        let other_grid = |from: usize, k: usize| {
            let above: Vec<f64> = (from..k)
                .filter(|m| !laid[*m].0.bold())
                .flat_map(starts)
                .collect();
            let plain_rows = (from..k)
                .filter(|m| !laid[*m].0.bold() && starts(*m).len() >= 2)
                .count();
            let new = |m: usize| {
                let s = starts(m);
                s.len() >= 3
                    && s[1..]
                        .iter()
                        .all(|x| !above.iter().any(|y| (*x - y).abs() < 3.0))
            };
            if k + 1 >= j {
                return false;
            }
            let (a, b) = (starts(k), starts(k + 1));
            let same = a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 3.0);
            // Or a table of two columns under one of two: its rows' second cells all start at
            // one place (set at their column's left), and two lines start theirs at another.
            // (Not where they all end, or are all centred, where the line's second cell is:
            // figures set at the right or centre of one column, "447" under "1,483".)
            let pairs_above: Vec<&Vec<(f64, f64)>> = (from..k)
                .filter(|m| !laid[*m].0.bold())
                .map(|m| &cell_runs[m - i])
                .filter(|s| s.len() >= 2)
                .collect();
            let seconds: Vec<(f64, f64)> = pairs_above.iter().map(|s| s[1]).collect();
            let pairs = seconds.len() >= 2
                && a.len() == 2
                && pairs_above
                    .iter()
                    .all(|s| s.len() == 2 && (s[0].0 - a[0]).abs() < 1.0)
                && seconds.iter().all(|x| (x.0 - seconds[0].0).abs() < 1.0)
                && (a[1] - seconds[0].0).abs() > 3.0
                && {
                    let second = cell_runs[k - i][1];
                    let centre = |x: (f64, f64)| x.0 + x.1;
                    !(seconds.iter().all(|x| (x.1 - second.1).abs() < 1.0)
                        || seconds
                            .iter()
                            .all(|x| (centre(*x) - centre(second)).abs() < 1.0))
                }
                // (Nor where a line further down ends its second cell where they all end theirs:
                // a chart's words set at their column's left between its figures set at the
                // right, "Due in Q3" and "Not set" between "67.8%" and "64.4%".)
                && !(seconds.iter().all(|x| (x.1 - seconds[0].1).abs() < 1.0)
                    && (k + 2..j).any(|m| {
                        let runs = &cell_runs[m - i];
                        runs.len() == 2 && (runs[1].1 - seconds[0].1).abs() < 1.0
                    }));
            plain_rows >= 2 && (new(k) && new(k + 1) || pairs) && same
        };
        // The same where cells are centred in their rows at other heights, so that a line of
        // the new table's cells is followed by lines of a few of them (a browser's header, its
        // cells wrapped to two to five lines, each in the middle of the row): a line of three or
        // more new cells with another within four lines sharing two of them. Its title and the
        // lines of its header above that line go with it.
        let interleaved_grid = |from: usize, k: usize| -> Option<usize> {
            let lines_of_cells = (from..k).filter(|m| starts(*m).len() >= 2).count();
            // Whether line `k` starts a new grid, its cells compared with those of the lines
            // above, or (`apart`) with those more than two lines above only: the first lines
            // of its header may start their cells where its own do.
            let grid = |apart: bool| -> bool {
                let over = (from..k)
                    .filter(|m| !apart || laid[k].0.y - laid[*m].0.y > 2.0 * laid[k].0.size);
                let above: Vec<f64> = over.clone().flat_map(starts).collect();
                let size = laid[k].0.size;
                let short = |x: f64, e: f64| e - x <= 5.0 * size;
                let above_runs: Vec<(f64, f64)> = over
                    .flat_map(|m| cell_runs[m - i].iter().copied())
                    .collect();
                // (Two thirds of a line's cells past the first new, three at least: a column
                // of the new table may start where one of the table above did. A short cell
                // that ends, or is centred, where one above is, to a fraction of a point, is in
                // its column: figures and words set at the right or centre of their cells.)
                let new = |m: usize| -> Vec<(f64, f64)> {
                    let runs = &cell_runs[m - i];
                    let fresh: Vec<(f64, f64)> = runs
                        .iter()
                        .skip(1)
                        .filter(|(x, e)| {
                            let starts_above = above.iter().any(|y| (x - y).abs() < 3.0);
                            let set_alike = short(*x, *e)
                                && above_runs.iter().any(|y| {
                                    (e - y.1).abs() < 0.25 || ((x + e) - (y.0 + y.1)).abs() < 0.5
                                });
                            !starts_above && !set_alike
                        })
                        .copied()
                        .collect();
                    if fresh.len() >= 3 && 3 * fresh.len() >= 2 * (runs.len() - 1) {
                        fresh
                    } else {
                        Vec::new()
                    }
                };
                let cells = new(k);
                // (Starting alike, or centred alike: a header's cells centred in their
                // columns, "Benchmark" over "Group".)
                let shared = |m: usize| {
                    let other = new(m);
                    cells
                        .iter()
                        .filter(|x| {
                            other
                                .iter()
                                .any(|y| (x.0 - y.0).abs() < 3.0 || centred_alike(**x, *y))
                        })
                        .count()
                };
                // And the lines above run across where its cells start: another table's
                // text, not a header's cells centred over the columns.
                let across = (from..k).any(|m| {
                    fine_runs(&laid[m].0)
                        .iter()
                        .any(|r| cells.iter().any(|x| r.0 < x.0 - 3.0 && r.1 > x.0 + 3.0))
                });
                // (Nor does a line of figures past its first cell: a row, which starts no
                // table, its figures set at their cells' right under a header set at the left.)
                let figures = cell_runs[k - i].iter().skip(1).all(|x| {
                    let t = span_text(&laid[k].0, *x);
                    crate::layout::is_figure(&t) && !(t.len() >= 4 && year_word(&t))
                });
                // (Over a header's first lines alone, no table: they are its lines.)
                lines_of_cells >= 2
                    && !figures
                    && (from..k).any(|m| !laid[m].0.bold())
                    && !cells.is_empty()
                    && across
                    && (k + 1..(k + 5).min(j)).any(|m| shared(m) >= 2)
            };
            let apart = !grid(false);
            if apart && !grid(true) {
                return None;
            }
            let below: Vec<(f64, f64)> = (k..(k + 6).min(j))
                .flat_map(|m| fine_runs(&laid[m].0))
                .collect();
            // (A header's line is set less than a line over the next, starting where a cell of
            // the table does; the title's lines start at the table's left and are set close:
            // a paragraph further up, or the last line of a row above, is not the table's.)
            let left = below.iter().map(|x| x.0).fold(f64::INFINITY, f64::min);
            let mut cut = k;
            let floor = if apart { from } else { from + 1 };
            while cut > floor && {
                let (line, next) = (&laid[cut - 1].0, &laid[cut].0);
                let runs = fine_runs(line);
                let (gap, size) = (next.y - line.y, line.size.max(next.size));
                // (Starting where a cell below does, or centred where it is: a header's cells
                // centred in their columns, "Target" over "2025-26 (YTD)".)
                let at_cells = runs.iter().all(|x| {
                    below
                        .iter()
                        .any(|y| (x.0 - y.0).abs() < 1.5 || centred_alike(*x, *y))
                });
                // (A title of two lines or more, each a line apart, may be set further over
                // the header: a paragraph of its own.)
                let title_line = |m: usize| {
                    let runs = fine_runs(&laid[m].0);
                    runs.len() == 1 && (runs[0].0 - left).abs() < 1.5
                };
                let titled = apart
                    && cut >= from + 2
                    && title_line(cut - 1)
                    && title_line(cut - 2)
                    && line.y - laid[cut - 2].0.y <= 1.5 * size
                    && !title_line(cut)
                    && gap <= 3.0 * size;
                // (Or a word alone, over a line of the header taken already, starting where a
                // cell below does and where no line of the table above starts one: a tall
                // header cell's first line, the header's cells set at the foot of their row,
                // "Latest" over "Performance".)
                let tall_cells_first = runs.len() == 1
                    && cut < k
                    && fine_runs(next).len() >= 2
                    && gap <= 1.5 * size
                    && runs[0].1 - runs[0].0 <= 8.0 * size
                    && at_cells
                    && !(from..cut - 1).any(|m| {
                        fine_runs(&laid[m].0)
                            .iter()
                            .any(|y| (runs[0].0 - y.0).abs() < 1.5)
                    });
                gap < 0.8 * size && at_cells
                    || runs.len() >= 2 && gap <= 1.5 * size && at_cells
                    || runs.len() == 1 && gap <= 2.0 * size && (runs[0].0 - left).abs() < 1.5
                    || tall_cells_first
                    || titled
            } {
                cut -= 1;
            }
            // (Its header and title reach up to where the block or its last table starts:
            // that table is this one. Found by its cells apart from its header's first
            // lines, it is set apart from the lines above by more than a line: not a line of a
            // header cut from the lines over it.)
            let set_apart =
                || cut > 0 && laid[cut].0.y - laid[cut - 1].0.y > 1.5 * laid[cut].0.size;
            (!apart || cut > from && set_apart()).then_some(cut)
        };
        let mut cuts = vec![i];
        for k in i + 2..j.saturating_sub(1) {
            let bold_header = laid[i].0.bold() && laid[k].0.bold();
            // Only a line of the header's words can start it again.
            let of_header =
                laid[i].0.bold() && text(k).split_whitespace().all(|w| head_words.contains(w));
            let same_words = of_header
                && heads.iter().any(|head| {
                    head.len() >= 3 && (1..=5).any(|g| k + g <= j && words(k, g) == *head)
                });
            // The first line again, of four words or more: the next table's header (rows of
            // the same words are rarer than two tables of the same header).
            let long = text(i).split_whitespace().count() >= 4;
            // (Two short lines again are not enough: "A" over "N/A", a theme's first word over
            // a cell set lower, start many rows.)
            let pair_words = |m: usize| {
                text(m).split_whitespace().count() + text(m + 1).split_whitespace().count()
            };
            let header_again = text(k) == text(i)
                && (bold_header || long || text(k + 1) == text(i + 1) && pair_words(i) >= 3)
                || same_words && cuts.last().is_some_and(|c| k >= c + 2);
            // A plain line of one run right over a header printed again, set apart from the row
            // above and the header below by more than that row is from its own, is the next
            // table's title (a paragraph between two tables), not a row of the one before.
            let titled = header_again
                && cuts.last().is_some_and(|c| k >= c + 3)
                && fine_runs(&laid[k - 1].0).len() == 1
                && !laid[k - 1].0.bold()
                && {
                    // (The rows' pitch, a cell's leading at least: a cell set in the middle of
                    // its row prints half a line from the row's other cells.)
                    let pitch = (laid[k - 2].0.y - laid[k - 3].0.y).max(1.2 * laid[k - 1].0.size);
                    laid[k - 1].0.y - laid[k - 2].0.y > 1.3 * pitch
                        && laid[k].0.y - laid[k - 1].0.y > 1.3 * pitch
                };
            let last = *cuts.last().unwrap_or(&i);
            // Three lines again as three lines before them in the table print, of nine words
            // or more: its header printed again (a browser's table, its header not bold, is
            // printed whole on the next page and again over the next table), not rows.
            // The first print opens the table (rows of the same lines are found anywhere); it
            // starts a table too, where a few lines come before it (the rest of a row broken
            // over the page, under a header of other widths).
            let printed_again = (k + 3 <= j)
                .then(|| {
                    // (A header spans the columns: one of its lines at least is of cells. Two
                    // names that start alike, wrapped alike in their column, are no header:
                    // "Number of people / with a learning / disability and/or who".)
                    // (Nor are the like ends of two such names, each going on in lower case
                    // from the line over it in its column: "roads where / maintenance should
                    // / be considered based" under "Percentage of Principal" as under
                    // "Nonprincipal classified".)
                    let goes_on = |m: usize| {
                        if m <= i {
                            return false;
                        }
                        let (over, line) = (fine_runs(&laid[m - 1].0), fine_runs(&laid[m].0));
                        let size = laid[m].0.size;
                        text(m).starts_with(|c: char| c.is_lowercase())
                            && over.len() == 1
                            && !laid[m - 1].0.bold()
                            && line.first().is_some_and(|x| (x.0 - over[0].0).abs() < 1.5)
                            && laid[m].0.y - laid[m - 1].0.y <= 1.6 * size
                    };
                    (last..k.saturating_sub(2).min(last + 5)).find(|h| {
                        !(goes_on(*h) && goes_on(k))
                            && (0..3).all(|t| text(h + t) == text(k + t))
                            && (0..3)
                                .map(|t| text(h + t).split_whitespace().count())
                                .sum::<usize>()
                                >= 9
                            && (0..3).any(|t| fine_runs(&laid[h + t].0).len() >= 2)
                    })
                })
                .flatten();
            if let Some(h) = printed_again.filter(|h| *h > last + 1) {
                cuts.push(h);
            }
            let printed_again = printed_again.is_some();
            // A line of one run left of the table's cells (at the margin, the cells set in by
            // their padding), set further from the lines above and below it than any two lines
            // of the table above are apart: a paragraph between two tables (a legend's title,
            // "KEY"), not a row; the next table starts with it.
            let between = k >= last + 2 && {
                let r = &laid[k].0;
                // (The table's rows, not its header's lines: a header's cells are centred.)
                let rows: Vec<usize> = (last..k)
                    .filter(|m| !laid[*m].0.bold() && starts(*m).len() >= 2)
                    .collect();
                let left = rows
                    .iter()
                    .map(|m| laid[*m].0.left())
                    .fold(f64::INFINITY, f64::min);
                let pitch = (last + 1..k)
                    .map(|m| laid[m].0.y - laid[m - 1].0.y)
                    .fold(0.0, f64::max);
                fine_runs(r).len() == 1
                    && r.left() < left - 1.0
                    && rows.len() >= 2
                    && r.y - laid[k - 1].0.y > 1.4 * pitch
                    && laid[k + 1].0.y - r.y > 1.4 * pitch
            };
            if titled {
                cuts.push(k - 1);
            } else if between
                || header_again
                || printed_again
                || cuts.last().is_some_and(|c| stacked(k, *c))
                || new_header(k)
                || cuts.last().is_some_and(|c| other_grid(*c, k))
            {
                cuts.push(k);
            } else if let Some(cut) = (k >= last + 3)
                .then(|| interleaved_grid(last, k))
                .flatten()
                .filter(|cut| *cut > last)
            {
                cuts.push(cut);
            }
        }
        // A block that opened with a header's last line (its rest atop the page, the page
        // break having cut it) finds that line again at the foot of the header printed again:
        // that header starts with the bold lines over it.
        for c in 1..cuts.len() {
            let k = cuts[c];
            if text(k) == text(i) && laid[i].0.bold() {
                let mut cut = k;
                while cut > cuts[c - 1] && k - cut < 8 && laid[cut - 1].0.bold() {
                    cut -= 1;
                }
                cuts[c] = cut;
            }
        }
        // (Where that header was found to start a table already, it is that cut.)
        cuts.dedup();
        cuts.push(j);
        for piece in cuts.windows(2) {
            let i = piece[0];
            for (from, to) in table_parts(&laid[i..piece[1]], left_set_headers) {
                let block = &laid[i + from..i + to];
                let mut gutters = block_gutters(block);
                // Atop the page: its first lines, or the lines right after those read as the
                // last page's table's rest whose own columns lie in that table's (the next row
                // of it set apart, not another table).
                let atop = i + from == 0
                    || i + from == rest_end
                        && rest_end > 0
                        && from_before.as_ref().is_some_and(|before| {
                            // (Each run in one of its columns: its own columns may join two
                            // of them that its rows leave empty between.)
                            let runs: Vec<Vec<(f64, f64)>> = block
                                .iter()
                                .map(|(r, _)| split_at(r, fine_runs(r), &gutters))
                                .collect();
                            // (A cell's line may run longer than that table's did, up to
                            // where the next column starts.)
                            runs.iter().any(|r| r.len() >= 2)
                                && runs
                                    .iter()
                                    .flatten()
                                    .all(|x| in_a_column(&before.columns, x))
                        });
                // Atop the page, under no header, the rest of a table run to the last page's
                // foot (too few rows to show their own narrow gaps between cells): that table's
                // gaps, where each parts cells here as well, just before where each of its
                // columns starts (figures may fill a column).
                if atop && !block[0].0.bold() {
                    if let Some(before) = from_before.as_ref() {
                        for w in before.columns.windows(2) {
                            let g = w[1].0 - 1.0;
                            if !gutters.iter().any(|h| (h - g).abs() < 1.0) {
                                gutters.push(g);
                            }
                        }
                        gutters.sort_by(f64::total_cmp);
                    }
                }
                let mut runs: Vec<Vec<(f64, f64)>> = block
                    .iter()
                    .map(|(r, _)| split_at(r, fine_runs(r), &gutters))
                    .collect();
                header_words_parted(block, &mut runs);
                stacked_header_words_parted(block, &mut runs);
                spanning_header_words_parted(block, &mut runs);
                figure_words_parted(block, &mut runs);
                right_set_headers_parted(block, &mut runs);
                shaded_cells_parted(block, &mut runs, paint.fills);
                centred_words_parted(block, &mut runs);
                // Two lines of cells, or a header of three or more over lines in its columns
                // (the last row of a table continued under its header on the next page).
                let multi = runs.iter().filter(|r| r.len() >= 2).count();
                let lone_header =
                    multi == 1 && block.len() >= 2 && runs.iter().take(3).any(|r| r.len() >= 3);
                // Or, atop the page, the rest of a row of the last page's table (printed as a
                // text export prints rows), every run in one of its columns: a browser prints a
                // row's rest over the header it prints again.
                // Or lines of one run each, two or more, each in one of its columns past the
                // first: the rest of those cells (the row's key and one-line cells ended on the
                // last page).
                let in_column =
                    |c: &(f64, f64), x: &(f64, f64)| x.0 >= c.0 - 3.0 && x.1 <= c.1 + 3.0;
                let rest_atop = atop
                    && !block[0].0.bold()
                    && from_before.as_ref().is_some_and(|before| {
                        before.tab_rows
                            && (multi == 1
                                && runs
                                    .iter()
                                    .flatten()
                                    .all(|x| in_a_column(&before.columns, x))
                                || multi == 0
                                    && block.len() >= 2
                                    && runs
                                        .iter()
                                        .flatten()
                                        .all(|x| in_a_column(&before.columns[1..], x)))
                    });
                // Or a row alone of a table above on this page whose cells were set at the
                // bottom of its rows, every run in one of that table's columns (the rows a group
                // title parts from it): its tall cells' lines over its line of cells.
                // (The last column's cells run as far as they will.)
                let bottom_rest = multi == 1
                    && !bottom_columns.is_empty()
                    && runs.iter().flatten().all(|x| {
                        (0..bottom_columns.len()).any(|t| {
                            let end = bottom_columns.get(t + 1).map_or(f64::INFINITY, |n| n.0);
                            x.0 >= bottom_columns[t].0 - 3.0 && x.1 < end
                        })
                    });
                if multi >= 2 || lone_header || rest_atop || bottom_rest {
                    let size = block.iter().map(|(r, _)| r.size).fold(0.0, f64::max);
                    let bold: Vec<bool> = block.iter().map(|(r, _)| r.bold()).collect();
                    let mut columns = complementary_columns_joined(
                        centred_headers_joined(
                            right_set_under_header_joined(
                                columns_of(&runs, &bold, size, &gutters),
                                &runs,
                                &bold,
                                header_like(&block[0].0),
                                left_set_headers,
                            ),
                            &runs,
                            &bold,
                            size,
                        ),
                        &runs,
                        &bold,
                    );
                    // Atop the page, with no header, the rest of the table run to the last
                    // page's foot: its columns are that table's, those it leaves empty too.
                    // (Or under the rest of its header broken over the page: a bold line of
                    // fewer cells, "(YTD)" under four of ten, after a bold line at the foot.)
                    let header_rest = |before: &Carried| {
                        before.header_at_foot
                            && block[0].0.bold()
                            && runs[0].len() + 2 <= before.columns.len()
                    };
                    let rest = atop
                        .then_some(from_before.as_ref())
                        .flatten()
                        .filter(|before| {
                            !block[0].0.bold() && within(&columns, &before.columns)
                                || header_rest(before)
                                    && columns.iter().all(|c| {
                                        // In a column, or between it and the one before (its
                                        // header cell centred over cells set at its left).
                                        (0..before.columns.len()).any(|t| {
                                            let from = if t == 0 {
                                                before.columns[t].0 - 3.0
                                            } else {
                                                before.columns[t - 1].1 - 1.0
                                            };
                                            c.0 >= from && c.0 < before.columns[t].1 - 1.0
                                        })
                                    })
                        });
                    // Atop the page, the header of the table run to the last page's foot
                    // printed again over its rest: the table's columns are where they were
                    // (here its cells may run into each other: a header's cells centred at
                    // heights of their own, a column of figures only a few rows fill).
                    let again = atop
                        .then_some(from_before.as_ref())
                        .flatten()
                        .filter(|before| {
                            let starts_agree = |few: &[(f64, f64)], many: &[(f64, f64)]| {
                                few.iter()
                                    .all(|c| many.iter().any(|t| (c.0 - t.0).abs() < 3.0))
                            };
                            block[0].0.bold()
                                && !before.header.is_empty()
                                && before.header == header_words(block)
                                && (before.columns.len() > columns.len()
                                    && starts_agree(&columns, &before.columns)
                                    // Or more: a cell set at its column's left under a header
                                    // cell centred over it, with too few rows here to join them
                                    // (one objective under its header printed again).
                                    || before.columns.len() < columns.len()
                                        && columns.iter().all(|c| {
                                            before.columns.iter().any(|t| in_column(t, c))
                                        })
                                        && before.columns.iter().all(|t| {
                                            columns.iter().any(|c| in_column(t, c))
                                        }))
                        });
                    if let Some(before) = rest.or(again) {
                        columns = before.columns.clone();
                        // (A column's text may start left of where that table's header cell
                        // did, centred over it: a line starting past the column before and
                        // reaching into this one starts this one there, so that a short line
                        // set where it starts is this column's too.)
                        for k in 1..columns.len() {
                            let (end, start) = (columns[k - 1].1, columns[k].0);
                            let from = runs
                                .iter()
                                .flatten()
                                .filter(|x| x.0 > end && x.0 < start && x.1 > start)
                                .map(|x| x.0)
                                .fold(start, f64::min);
                            columns[k].0 = from;
                        }
                    }
                    let mut tab_rows = true;
                    let mut as_lines = false;
                    if bottom_rest && !lone_header && !rest_atop {
                        columns = bottom_columns.clone();
                    }
                    // (The last page's table, run to its foot, set its cells at the bottom of
                    // their rows, or a table above on this page in the same columns: its rest
                    // here needs less to show it.)
                    let same_columns = !bottom_columns.is_empty()
                        && columns
                            .iter()
                            .all(|c| bottom_columns.iter().any(|t| (c.0 - t.0).abs() < 3.0));
                    let below =
                        atop && from_before.as_ref().is_some_and(|b| b.at_bottom) || same_columns;
                    let mut at_bottom = false;
                    let lines = centred_rows(
                        block,
                        &runs,
                        &columns,
                        size,
                        Whereabouts { atop, below },
                        paint,
                        true,
                    )
                    .map(|(lines, bottom)| {
                        at_bottom = bottom;
                        lines
                    })
                    .or_else(|| {
                        as_lines = true;
                        rest.filter(|before| before.tab_rows)
                            .map(|_| lines_as_rows(block, &runs, &columns, size))
                    })
                    .or_else(|| {
                        tab_rows = false;
                        // A character of the table's own type (smaller than the body's, it
                        // would otherwise crowd its columns, each page differently).
                        align(block, &runs, &columns, margin, unit.min(0.4 * size))
                    });
                    // A cell's rest alone is one row: its lines joined in the first. So is the
                    // rest of a row whose first lines ended the last page with no key (its cells
                    // set in the middle of it), one key here: its key and the rest of its cells.
                    let keyed = |line: &String| !tab_cells(line)[0].trim().is_empty();
                    let row_rest = |lines: &Vec<String>| {
                        as_lines
                            && rest.is_some_and(|before| before.keyless_foot)
                            && lines.iter().filter(|l| keyed(l)).count() == 1
                    };
                    let lines = lines.map(|lines| {
                        if (multi > 0 && !row_rest(&lines)) || !tab_rows {
                            return lines;
                        }
                        let mut joined = tab_cells(&lines[0]);
                        for line in &lines[1..] {
                            let next = tab_cells(line);
                            if next.len() == joined.len() {
                                joined = tab_cells(&joined_cells(&joined, &next));
                            }
                        }
                        let mut one = vec![String::new(); lines.len()];
                        one[0] = joined.join("\t");
                        one
                    });
                    let mut lines = lines;
                    if at_bottom {
                        if let Some(lines) = lines.as_mut() {
                            keyless_joined_below(lines);
                        }
                        bottom_columns = columns.clone();
                    }
                    if i + to == laid.len() {
                        let header_at_foot = block.last().is_some_and(|(r, _)| r.bold());
                        *carried = lines.as_ref().map(|lines| Carried {
                            columns,
                            tab_rows,
                            keyless_foot: tab_rows
                                && lines
                                    .iter()
                                    .rev()
                                    .find(|l| !l.trim().is_empty())
                                    .is_some_and(|l| tab_cells(l)[0].trim().is_empty()),
                            header_at_foot,
                            header: header_words(block),
                            at_bottom,
                        });
                    }
                    if lines.is_some() && (rest.is_some() || rest_atop) {
                        rest_end = i + to;
                    }
                    if let Some(lines) = lines {
                        firsts.insert(i + from);
                        for (k, line) in lines.into_iter().enumerate() {
                            out.insert(i + from + k, line);
                        }
                    }
                }
            }
        }
        i = j;
    }
    (out, firsts)
}

/// Whether a run lies in one of a table's columns: from its start, up to where the next column
/// starts (a cell's line may run longer than any of that column's lines did on the last page).
fn in_a_column(columns: &[(f64, f64)], x: &(f64, f64)) -> bool {
    (0..columns.len()).any(|t| {
        let end = columns.get(t + 1).map_or(columns[t].1 + 3.0, |n| n.0);
        x.0 >= columns[t].0 - 3.0 && x.1 < end
    })
}

/// Spans (from, to) sorted and those that overlap joined: the columns they make.
fn overlaps_joined(mut spans: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut joined: Vec<(f64, f64)> = Vec::new();
    for (x0, x1) in spans {
        match joined.last_mut() {
            Some(c) if x0 < c.1 => c.1 = c.1.max(x1),
            _ => joined.push((x0, x1)),
        }
    }
    joined
}

/// The columns of a table run to a page's foot, and whether its rows were printed as a text
/// export prints them (tab between cells).
#[derive(Clone)]
struct Carried {
    columns: Vec<(f64, f64)>,
    tab_rows: bool,
    /// Whether the table's last row (of cells) has no key: the rest of it, key and all, is on
    /// the next page.
    keyless_foot: bool,
    /// Whether the table's last line is bold: a header the page break cut.
    header_at_foot: bool,
    /// The words of the table's header (its leading bold lines), sorted.
    header: Vec<String>,
    /// Whether its rows were read with their cells set at their bottom.
    at_bottom: bool,
}

/// The words of a block's header (its leading bold lines), sorted: a header printed again
/// over a table's rest on the next page has the same, however its cells wrap there.
fn header_words(block: &[(Row, bool)]) -> Vec<String> {
    sorted_words(
        block
            .iter()
            .take_while(|(r, _)| r.bold())
            .map(|(r, _)| row_text(r)),
    )
}

/// The words of some lines, sorted.
fn sorted_words(lines: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut words: Vec<String> = lines
        .into_iter()
        .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    words.sort_unstable();
    words
}

/// Whether each of a block's columns lies under one of a table's, each under another: the rest
/// of that table, its columns where they were.
fn within(columns: &[(f64, f64)], table: &[(f64, f64)]) -> bool {
    let mut under: Vec<usize> = Vec::new();
    for c in columns {
        let over: Vec<usize> = (0..table.len())
            .filter(|&t| table[t].0 < c.1 && table[t].1 > c.0)
            .collect();
        match over.as_slice() {
            [t] => under.push(*t),
            _ => return false,
        }
    }
    under.windows(2).all(|w| w[0] < w[1]) && table.len() >= columns.len()
}

/// Each line of a block a row of its own, printed as a text export prints a row.
fn lines_as_rows(
    block: &[(Row, bool)],
    runs: &[Vec<(f64, f64)>],
    columns: &[(f64, f64)],
    size: f64,
) -> Vec<String> {
    block
        .iter()
        .zip(runs)
        .map(|((r, _), fr)| {
            let words = word_spans(r);
            let mut texts = vec![String::new(); columns.len()];
            let mut bold: Vec<Option<bool>> = vec![None; columns.len()];
            let mut per: Vec<Vec<Glyph>> = vec![Vec::new(); columns.len()];
            for g in &r.glyphs {
                per[glyph_column(g, fr, &words, columns, size)].push(g.clone());
            }
            for (c, glyphs) in per.iter().enumerate() {
                if !glyphs.is_empty() {
                    push_line(&mut texts[c], &mut bold[c], glyphs);
                }
            }
            tab_row(&texts, bold)
        })
        .collect()
}

/// The columns of the lines of a block that are split into cells: runs of text that overlap
/// (within a fraction of the type size) are one column.
fn columns_of(
    runs: &[Vec<(f64, f64)>],
    bold: &[bool],
    size: f64,
    gutters: &[f64],
) -> Vec<(f64, f64)> {
    let parted = |a: f64, b: f64| gutters.iter().any(|g| *g >= a && *g <= b);
    let header = |lines: &std::collections::BTreeSet<usize>| lines.iter().all(|&k| bold[k]);
    let some_header = |lines: &std::collections::BTreeSet<usize>| lines.iter().any(|&k| bold[k]);
    // Each run with its line.
    let mut spans: Vec<(f64, f64, usize)> = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.len() >= 2)
        .flat_map(|(k, r)| r.iter().map(move |x| (x.0, x.1, k)))
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Runs that overlap are one column; a column a little past another joins it, unless a line
    // has runs in both (two runs of one line are two cells: xhtml2pdf's cells abut, a column's
    // widest line ending a fifth of a point before the next column's text starts), or both are
    // a header's lines (the lines of one header cell overlap, however it sets them: "Benchmark"
    // three points past "2024-2025" over "Target" is a cell of its own).
    // (Nor where both are of text set at one left edge, two lines or more each: xhtml2pdf's
    // comments ending a point and a half before the ratings of the next column, set in the
    // middle of their rows between the comments' lines.)
    let merge = |mut spans: Vec<(f64, f64, usize)>| {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        type Column = (f64, f64, std::collections::BTreeSet<usize>, usize);
        let mut overlapping: Vec<Column> = Vec::new();
        for (x0, x1, k) in spans {
            match overlapping.last_mut() {
                Some(c) if x0 < c.1 => {
                    c.1 = c.1.max(x1);
                    c.2.insert(k);
                    if x0 - c.0 < 0.5 {
                        c.3 += 1;
                    }
                }
                _ => overlapping.push((x0, x1, [k].into(), 1)),
            }
        }
        let mut columns: Vec<Column> = Vec::new();
        for (x0, x1, lines, aligned) in overlapping {
            match columns.last_mut() {
                Some(c)
                    if x0 <= c.1 + 0.3 * size
                        && !parted(c.1, x0)
                        && c.2.intersection(&lines).next().is_none()
                        && !(header(&c.2) && header(&lines))
                        && !(some_header(&c.2) && some_header(&lines))
                        && !(c.3 >= 2 && aligned >= 2) =>
                {
                    c.1 = c.1.max(x1);
                    c.2.extend(lines);
                    c.3 = 0;
                }
                _ => columns.push((x0, x1, lines, aligned)),
            }
        }
        columns
            .into_iter()
            .map(|(x0, x1, _, _)| (x0, x1))
            .collect::<Vec<_>>()
    };
    let columns = merge(spans.clone());
    // A cell whose lines never share a line with another cell's (a name centred beside a
    // value set lower) is a column of its own where it lies between the others.
    let lone: Vec<(f64, f64, usize)> = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.len() == 1)
        .map(|(k, r)| (r[0].0, r[0].1, k))
        .filter(|r| {
            let in_column = |r: &(f64, f64)| {
                columns.iter().any(|c| {
                    r.0 < c.1 + 0.3 * size
                        && r.1 > c.0 - 0.3 * size
                        && !parted(c.1, r.0)
                        && !parted(r.1, c.0)
                })
            };
            // (The last line of a paragraph in a cell, under three or more longer lines that
            // start where it does and lie in a column, under a header centred over it, is that
            // column's.)
            let paragraph_in_column = |k: usize| {
                runs.get(k).is_some_and(|o| {
                    o.len() == 1 && (o[0].0 - r.0).abs() < 1.0 && o[0].1 > r.1 && in_column(&o[0])
                })
            };
            let last_line = r.2 >= 3 && (r.2 - 3..r.2).all(paragraph_in_column);
            !in_column(&(r.0, r.1)) && !last_line
        })
        .collect();
    if lone.is_empty() || columns.len() < 2 {
        return columns;
    }
    merge(spans.into_iter().chain(lone).collect())
}

/// Two columns side by side that no row fills both of, the left one's cells all set at its left
/// and the right one's all at its right (or all centred on one line), under a header cell over
/// the left one and none over the right, are one column: a word processor's table of fixed
/// column widths whose figures are set at their cells' right (or centre) and its words ("N/A",
/// "No target") at their left, so far apart that they overlap nowhere.
fn complementary_columns_joined(
    columns: Vec<(f64, f64)>,
    runs: &[Vec<(f64, f64)>],
    bold: &[bool],
) -> Vec<(f64, f64)> {
    let over = |x: &(f64, f64), c: (f64, f64)| x.0 < c.1 && x.1 > c.0;
    adjacent_joined(columns, 0, |columns, j| {
        let (a, b) = (columns[j], columns[j + 1]);
        let plain = |c: (f64, f64)| -> Vec<(usize, (f64, f64))> {
            (0..runs.len())
                .filter(|k| !bold[*k])
                .flat_map(|k| runs[k].iter().filter(|x| over(x, c)).map(move |x| (k, *x)))
                .collect()
        };
        let (left, right) = (plain(a), plain(b));
        let header = |c: (f64, f64)| {
            (0..runs.len())
                .filter(|k| bold[*k])
                .flat_map(|k| runs[k].iter())
                .filter(|x| over(x, c))
                .collect::<Vec<_>>()
        };
        !header(a).is_empty()
            && header(b).iter().all(|x| over(x, a))
            && !left.is_empty()
            && !right.is_empty()
            && !left.iter().any(|(k, _)| right.iter().any(|(m, _)| k == m))
            && left
                .iter()
                .all(|(_, x)| (x.0 - a.0).abs() < 1.0 && x.1 < b.0)
            && right.iter().all(|(_, x)| x.0 > a.1)
            && (right.iter().all(|(_, x)| (x.1 - b.1).abs() < 1.0)
                || right.iter().all(|(_, x)| {
                    let (mid, centre) = ((x.0 + x.1) / 2.0, (right[0].1 .0 + right[0].1 .1) / 2.0);
                    (mid - centre).abs() < 1.0
                }))
    })
}

/// Columns side by side joined, left to right from `from`, wherever `joins(columns, j)` takes
/// column `j` and the next for one; a joined column is then weighed with the one after it.
fn adjacent_joined(
    mut columns: Vec<(f64, f64)>,
    from: usize,
    joins: impl Fn(&[(f64, f64)], usize) -> bool,
) -> Vec<(f64, f64)> {
    let mut j = from;
    while j + 1 < columns.len() {
        if joins(&columns, j) {
            columns[j] = (columns[j].0, columns[j + 1].1);
            columns.remove(j + 1);
        } else {
            j += 1;
        }
    }
    columns
}

/// Whether a line may be a table's header though not bold: three cells or more and no figure
/// but years ("Same Quarter 2023-24 (YTD)").
fn header_like(row: &Row) -> bool {
    fine_runs(row).len() >= 3 && !holds_figure(&row_text(row))
}

/// Whether a page's tables set their headers at their cells' left: a bold line's cell, past
/// the page's left edge, starts where a cell of a line of cells under it does.
fn left_set_headers(rows: &[Row]) -> bool {
    let lines: Vec<(usize, Vec<(f64, f64)>)> = rows
        .iter()
        .enumerate()
        .map(|(k, r)| (k, fine_runs(r)))
        .filter(|(_, runs)| runs.len() >= 2)
        .collect();
    let left = rows.iter().map(Row::left).fold(f64::INFINITY, f64::min);
    lines
        .iter()
        .filter(|(k, _)| rows[*k].bold())
        .any(|(k, head)| {
            head.iter().any(|h| {
                h.0 > left + 5.0
                    && lines.iter().any(|(m, body)| {
                        m > k && !rows[*m].bold() && body.iter().any(|b| (b.0 - h.0).abs() < 0.5)
                    })
            })
        })
}

/// A column of header cells alone (bold lines, or lines under a bold first one over all the
/// rows') and, right of it, a column of the rows' cells alone, all ending at one right edge (or
/// centred on one line): a word processor's figures set at their cells' right (or centre) under
/// a header set at its left ("Actual" over "447" and "43.2%" a column's width to its right),
/// one column. (Before the header beyond those figures, "Target", is taken as centred over
/// them.) The figures start at several places past where the header starts; or, of one width,
/// all past where it ends, right of the names or of a column joined so, in a document that sets
/// its headers at their cells' left. (xhtml2pdf centres its headers and sets figures at their
/// cells' left, each column of figures left of its header.)
fn right_set_under_header_joined(
    columns: Vec<(f64, f64)>,
    runs: &[Vec<(f64, f64)>],
    bold: &[bool],
    header_first: bool,
    left_set_headers: bool,
) -> Vec<(f64, f64)> {
    let over = |x: &(f64, f64), c: (f64, f64)| x.0 < c.1 && x.1 > c.0;
    let within = |c: (f64, f64)| -> Vec<(usize, (f64, f64))> {
        (0..runs.len())
            .flat_map(|k| runs[k].iter().filter(|x| over(x, c)).map(move |x| (k, *x)))
            .collect()
    };
    adjacent_joined(columns, 1, |columns, j| {
        let (a, b) = (columns[j], columns[j + 1]);
        let (head, cells) = (within(a), within(b));
        let head_end = head.iter().map(|(_, x)| x.1).fold(f64::MIN, f64::max);
        let spread = |f: fn(&(f64, f64)) -> f64| {
            let xs = cells.iter().map(|(_, x)| f(x));
            xs.clone().fold(f64::MIN, f64::max) - xs.fold(f64::MAX, f64::min)
        };
        // (A header's lines: bold, or under a bold first line, or a first line of cells and
        // no figure, and over the first of the figures: a header LibreOffice sets bold in its
        // first line only, or not at all.)
        let first_row = cells.iter().map(|(k, _)| *k).min().unwrap_or(0);
        let header_line = |k: usize| bold[k] || (bold[0] || header_first) && k < first_row;
        let after_a_header = j == 1 || within(columns[j - 1]).iter().any(|(k, _)| header_line(*k));
        !head.is_empty()
            && head.iter().all(|(k, _)| header_line(*k))
            && !cells.is_empty()
            && cells.iter().all(|(k, x)| !bold[*k] && x.0 > a.0)
            && (spread(|x| x.1) < 1.0 || spread(|x| x.0 + x.1) < 2.0)
            && (spread(|x| x.0) > 1.0
                || left_set_headers && after_a_header && cells.iter().all(|(_, x)| x.0 > head_end))
    })
}

/// A column of header cells alone (bold lines), beside a column of the rows' cells and centred
/// over the cell that column's text starts (or ends) in, is that column: xhtml2pdf centres its
/// header in cells of one width whose text starts at their left edge ("Ref" over "VB 04" starts
/// past where the references end). A header over a column the rows leave empty is not centred
/// so, and stays a column.
fn centred_headers_joined(
    mut columns: Vec<(f64, f64)>,
    runs: &[Vec<(f64, f64)>],
    bold: &[bool],
    size: f64,
) -> Vec<(f64, f64)> {
    let lines_in = |c: (f64, f64)| -> Vec<usize> {
        (0..runs.len())
            .filter(|&k| runs[k].iter().any(|x| x.0 < c.1 && x.1 > c.0))
            .collect()
    };
    // The lines with a run that starts in a column, or reaches into it from no other (a
    // figure wider than its column's others, set alone on its line, runs past that column's
    // end into the next, whose header is still alone there).
    let lines_of = |columns: &[(f64, f64)], j: usize| -> Vec<usize> {
        let c = columns[j];
        (0..runs.len())
            .filter(|&k| {
                runs[k].iter().any(|x| {
                    x.0 < c.1
                        && x.1 > c.0
                        && (x.0 >= c.0 - 1.0
                            || !columns
                                .iter()
                                .enumerate()
                                .any(|(t, o)| t != j && x.0 >= o.0 - 1.0 && x.0 < o.1))
                })
            })
            .collect()
    };
    let mut j = 0;
    while j < columns.len() {
        let lines = lines_of(&columns, j);
        // (A cell alone on its line that runs from this column into the next and ends in it is
        // no cell of this column's: a section's title set at the right of a cell as wide as
        // both, its first lines reaching back under a header set at the left.)
        let across = |k: usize| {
            runs[k].len() == 1
                && columns
                    .get(j + 1)
                    .is_some_and(|n| runs[k][0].1 > n.0 && runs[k][0].1 <= n.1 + 1.0)
        };
        let header_only =
            lines.iter().any(|&k| bold[k]) && lines.iter().all(|&k| bold[k] || across(k));
        let data = |c: usize| lines_in(columns[c]).iter().any(|&k| !bold[k]);
        // Cells of one width (a table of fixed, equal columns): the pitch the data columns past
        // the first start at, where three or more do, each the next's cell or a whole number
        // of cells before it.
        let pitch = || {
            let starts: Vec<f64> = (1..columns.len())
                .filter(|&c| data(c))
                .map(|c| columns[c].0)
                .collect();
            let steps: Vec<f64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
            let step = steps.iter().copied().fold(f64::INFINITY, f64::min);
            (steps.len() >= 2
                && step > 2.0 * size
                && steps
                    .iter()
                    .all(|s| (s / step - (s / step).round()).abs() * step < 1.0))
            .then_some(step)
        };
        // Or a header cell that starts no plain line's text, centred over the cells of the
        // column to its left whose lines run across it (a word processor's "Comments" over a
        // column of long comments): that column.
        let over_wider = j > 0 && data(j) && {
            let c = columns[j];
            let plain: Vec<(f64, f64)> = (0..runs.len())
                .filter(|&k| !bold[k])
                .flat_map(|k| runs[k].iter().copied())
                .filter(|x| x.0 < c.1 && x.1 > c.0)
                .collect();
            let left = columns[j - 1];
            let end = plain.iter().map(|x| x.1).fold(0.0, f64::max);
            !plain.is_empty()
                && plain.iter().all(|x| x.0 >= left.0 - 1.0 && x.0 < left.1)
                && (columns.get(j + 1).is_none_or(|n| end < n.0))
                && ((left.0 + end) / 2.0 - (c.0 + c.1) / 2.0).abs() <= size
        };
        if over_wider {
            let header = columns.remove(j);
            columns[j - 1] = (columns[j - 1].0, columns[j - 1].1.max(header.1));
            continue;
        }
        if !header_only {
            j += 1;
            continue;
        }
        // How far a header cell's centre lies from the middle of the cell of the data column
        // to its left, its text at the cell's left edge (up to where the next column starts),
        // and of the one to its right, its text at the right edge (from where the column
        // before ends).
        let left_of = |columns: &[(f64, f64)], j: usize| -> Option<f64> {
            let centre = (columns[j].0 + columns[j].1) / 2.0;
            let data = |c: usize| lines_in(columns[c]).iter().any(|&k| !bold[k]);
            (j > 0 && data(j - 1)).then(|| {
                let end = match columns.get(j + 1) {
                    // (Where that column's text starts: left of its header's cell, centred
                    // over long lines of text.)
                    Some(c) if data(j + 1) => (0..runs.len())
                        .filter(|&k| !bold[k])
                        .flat_map(|k| runs[k].iter())
                        .filter(|x| x.0 < c.1 && x.1 > c.0 && x.0 > columns[j].1)
                        .map(|x| x.0)
                        .fold(c.0, f64::min),
                    next => pitch().map_or_else(
                        || next.map_or(columns[j].1, |c| c.0),
                        |p| columns[j - 1].0 + p,
                    ),
                };
                ((columns[j - 1].0 + end) / 2.0 - centre).abs()
            })
        };
        let right_of = |columns: &[(f64, f64)], j: usize| -> Option<f64> {
            let centre = (columns[j].0 + columns[j].1) / 2.0;
            let data = |c: usize| lines_in(columns[c]).iter().any(|&k| !bold[k]);
            (j + 1 < columns.len() && data(j + 1)).then(|| {
                let start = if j > 0 {
                    columns[j - 1].1
                } else {
                    columns[j].0
                };
                ((start + columns[j + 1].1) / 2.0 - centre).abs()
            })
        };
        let (left, right) = (left_of(&columns, j), right_of(&columns, j));
        // (A column with a header cell of its own, "2023 to 2024 year end" over its figures,
        // is not the column of another header: "Target 2024/25" over a column left empty.)
        let headed = |c: usize| lines_in(columns[c]).iter().any(|&k| bold[k]);
        let near = |d: Option<f64>, c: usize| d.filter(|d| *d <= 0.5 * size && !headed(c));
        // (A column to the right that the next header is centred over more nearly, its text
        // at its cells' left edge, is that header's: xhtml2pdf's "Target" over a column left
        // empty, beside "2019/2020" over figures set at the cells' left.)
        let next_nearer = |r: f64| {
            let next_header = lines_of(&columns, j + 2);
            !next_header.is_empty()
                && next_header.iter().all(|&k| bold[k])
                && near(left_of(&columns, j + 2), j + 1).is_some_and(|l| l < r)
        };
        // (Or a header set at its cell's left over short figures or words set at its right,
        // clear of them both ways: a column of such with no header of its own right after it,
        // and the column after that none or one of its own header and cells, not a header
        // alone, centred past the cells' starts over the column before it: xhtml2pdf's.)
        let over_right_set = || {
            let (c, d) = (columns[j], columns.get(j + 1));
            let short = |d: (f64, f64)| {
                runs.iter()
                    .flatten()
                    .filter(|x| x.0 >= d.0 - 1.0 && x.0 < d.1)
                    .all(|x| x.1 - x.0 <= 6.0 * size)
            };
            d.is_some_and(|d| data(j + 1) && !headed(j + 1) && c.0 < d.0 && c.1 < d.1 && short(*d))
                && columns
                    .get(j + 2)
                    .is_none_or(|_| headed(j + 2) && data(j + 2))
        };
        let into = match (near(left, j.saturating_sub(1)), near(right, j + 1)) {
            (Some(l), Some(r)) if r < l => Some(j + 1),
            (Some(_), _) => Some(j - 1),
            (None, Some(r)) if j + 2 < columns.len() && next_nearer(r) => None,
            (None, Some(_)) => Some(j + 1),
            (None, None) if over_right_set() => Some(j + 1),
            (None, None) => None,
        };
        match into {
            Some(t) => {
                let header = columns.remove(j);
                let t = if t > j { t - 1 } else { t };
                columns[t] = (columns[t].0.min(header.0), columns[t].1.max(header.1));
            }
            None => j += 1,
        }
    }
    columns
}

/// The column a point lies in, or the nearest one: text centred in its cell may reach past the
/// column's other lines into the gap before it.
fn column_at(columns: &[(f64, f64)], x: f64, size: f64) -> usize {
    let distance = |c: &(f64, f64)| (c.0 - 0.3 * size - x).max(x - c.1).max(0.0);
    (0..columns.len())
        .min_by(|a, b| distance(&columns[*a]).total_cmp(&distance(&columns[*b])))
        .unwrap_or(0)
}

/// The column of a glyph: its run's, by the run's middle (text centred in its cell, or running
/// past its column's other lines into the gap after it, stays in its column), or, for a run
/// across two columns (cells too close to part), its word's.
fn glyph_column(
    g: &Glyph,
    runs: &[(f64, f64)],
    words: &[(f64, f64)],
    columns: &[(f64, f64)],
    size: f64,
) -> usize {
    let mid = g.x + g.width / 2.0;
    let within = |r: &&(f64, f64)| mid >= r.0 - 0.1 && mid <= r.1 + 0.1;
    match runs.iter().find(within) {
        Some(run) if !crosses(columns, *run, size) => {
            column_at(columns, (run.0 + run.1) / 2.0, size)
        }
        // Across columns, each word goes where its middle lies ("2017/2018" over a narrower
        // column is not parted).
        _ => match words.iter().find(within) {
            Some(w) => column_at(columns, (w.0 + w.1) / 2.0, size),
            None => column_at(columns, mid, size),
        },
    }
}

/// A line's words: glyphs closer than a fraction of their size, spaces left out.
fn word_spans(row: &Row) -> Vec<(f64, f64)> {
    let mut words: Vec<(f64, f64)> = Vec::new();
    for g in row.glyphs.iter().filter(|g| !g.text.trim().is_empty()) {
        match words.last_mut() {
            Some(w) if g.x - w.1 <= 0.15 * g.size => w.1 = w.1.max(g.x + g.width),
            _ => words.push((g.x, g.x + g.width)),
        }
    }
    words
}

/// Whether a run of text reaches into two or more columns (a section row, or a paragraph across
/// the table), not only into the gap beside its own.
fn crosses(columns: &[(f64, f64)], run: (f64, f64), size: f64) -> bool {
    columns
        .iter()
        .filter(|c| run.0 < c.1 - 0.5 * size && run.1 > c.0 + 0.5 * size)
        .count()
        >= 2
}

/// The parts of a block of close lines that may be tables: paragraphs printed just above or below
/// a table (lines of one run across its columns), or between two tables (two or more such lines),
/// are cut off. One such line inside a table stays (a section row across the columns).
fn table_parts(block: &[(Row, bool)], left_set_headers: bool) -> Vec<(usize, usize)> {
    let size = block.iter().map(|(r, _)| r.size).fold(0.0, f64::max);
    let gutters = block_gutters(block);
    let runs: Vec<Vec<(f64, f64)>> = block
        .iter()
        .map(|(r, _)| split_at(r, fine_runs(r), &gutters))
        .collect();
    let bold: Vec<bool> = block.iter().map(|(r, _)| r.bold()).collect();
    let columns = right_set_under_header_joined(
        columns_of(&runs, &bold, size, &gutters),
        &runs,
        &bold,
        header_like(&block[0].0),
        left_set_headers,
    );
    let columns = centred_headers_joined(columns, &runs, &bold, size);
    let columns = complementary_columns_joined(columns, &runs, &bold);
    if columns.len() < 2 {
        return vec![(0, block.len())];
    }
    // A bold header's cell centred over a column whose cells' lines run wider than it (a word
    // processor's header over a column of comments) starts no column of its own: the lines of
    // those cells cross it and are still the table's.
    let centred_over = |c: &(f64, f64), run: (f64, f64)| {
        let plain_starts_in = runs
            .iter()
            .zip(block)
            .any(|(r, (row, _))| !row.bold() && r.iter().any(|x| x.0 > c.0 - 3.0 && x.0 < c.1));
        !plain_starts_in
            && run.0 < c.0
            && run.1 > c.1
            && ((run.0 + run.1) / 2.0 - (c.0 + c.1) / 2.0).abs() < size
    };
    let across: Vec<bool> = runs
        .iter()
        .zip(block)
        .map(|(r, (row, _))| {
            let kept: Vec<(f64, f64)> = columns
                .iter()
                .filter(|c| r.len() != 1 || !centred_over(c, r[0]))
                .copied()
                .collect();
            r.len() == 1 && crosses(&kept, r[0], size) && !fits_columns(row, &kept, size)
        })
        .collect();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut k = 0;
    while k < block.len() {
        if !across[k] {
            k += 1;
            continue;
        }
        let mut end = k;
        while end < block.len() && across[end] {
            end += 1;
        }
        if k == 0 || end == block.len() || end - k >= 2 {
            if k > start {
                parts.push((start, k));
            }
            start = end;
        }
        k = end;
    }
    if start < block.len() {
        parts.push((start, block.len()));
    }
    parts
}

/// Whether a line of one run is a row of the table's cells set a word space apart (a browser's
/// header cells, centred over their columns): no word of it lies across where a column it
/// spans starts, and each of those columns has text of the line. Three or more columns, or two
/// of a bold line or of a line with nothing in the first column.
fn fits_columns(row: &Row, columns: &[(f64, f64)], size: f64) -> bool {
    let words = word_spans(row);
    let within = |c: &(f64, f64), w: &(f64, f64)| {
        let mid = (w.0 + w.1) / 2.0;
        mid >= c.0 - 0.3 * size && mid <= c.1 + 0.3 * size
    };
    let spanned: Vec<usize> = (0..columns.len())
        .filter(|c| words.iter().any(|w| within(&columns[*c], w)))
        .collect();
    let (Some(first), Some(last)) = (spanned.first(), spanned.last()) else {
        return false;
    };
    let contiguous = spanned.len() == last - first + 1;
    let clear = columns[first + 1..=*last]
        .iter()
        .all(|c| !words.iter().any(|w| w.0 < c.0 - 0.05 && w.1 > c.0 + 0.05));
    // (Over the columns after the first, its corner cell empty: a header, not a title.)
    contiguous && clear && (spanned.len() >= 3 || spanned.len() >= 2 && (row.bold() || *first >= 1))
}

/// Whether a run of `column`'s lines `leading` apart (at least two), set off from the lines
/// above it by more (or the first of the block), has beside it in another column a cell of
/// fewer lines set in the run's middle, or at its foot where the run is set off below too (or,
/// two columns or more set at its foot, where it opens or ends the block).
fn set_beside_a_run(
    parts: &[Vec<(usize, f64, Vec<Glyph>)>],
    column: usize,
    lines: &[(usize, f64, Vec<Glyph>)],
    leading: f64,
    size: f64,
) -> bool {
    let mut from = 0;
    (1..=lines.len()).any(|n| {
        if n < lines.len() && (lines[n].1 - lines[n - 1].1 - leading).abs() <= 0.05 * size {
            return false;
        }
        let run = &lines[from..n];
        let above = from > 0 && lines[from].1 - lines[from - 1].1 >= leading + 0.25 * size;
        let below = n < lines.len() && lines[n].1 - lines[n - 1].1 >= leading + 0.25 * size;
        let first_of_block = from == 0;
        let last_of_block = n == lines.len();
        from = n;
        if run.len() < 2 || !(above || first_of_block) {
            return false;
        }
        let (top, foot) = (run[0].1, run[run.len() - 1].1);
        // Each other column's lines beside the run: whether they are a cell of fewer lines
        // centred on it, or set at its foot.
        let (mut centred, mut at_foot) = (false, 0);
        for (d, other) in parts.iter().enumerate() {
            let beside: Vec<f64> = other
                .iter()
                .map(|(_, y, _)| *y)
                .filter(|y| *y > top - 0.3 * size && *y < foot + 0.3 * size)
                .collect();
            let (Some(first), Some(last)) = (beside.first(), beside.last()) else {
                continue;
            };
            if d == column || beside.len() >= run.len() || *first <= top + 0.3 * size {
                continue;
            }
            centred |= *last < foot - 0.3 * size
                && ((first + last) / 2.0 - (top + foot) / 2.0).abs() <= 0.15 * size;
            at_foot += usize::from((last - foot).abs() <= 0.15 * size);
        }
        // Set at its foot: a run set off above and below; or one that opens or ends the block,
        // where two columns or more beside it are so (the row of a table set at the bottom of
        // its rows alone under its header, its name's lines its only run).
        centred
            || above && below && at_foot >= 1
            || (above || first_of_block) && (below || last_of_block) && at_foot >= 2
    })
}

/// Where a block lies: atop the page (under no header of its own, the rest of a table may open
/// it), and whether the table it goes on (the last page's, or one above on this page in its
/// columns) was read with its cells set at the bottom of its rows.
#[derive(Clone, Copy)]
struct Whereabouts {
    atop: bool,
    below: bool,
}

/// The rows of an unruled table whose cells are centred in their rows (a browser's default) or
/// set at their bottom (ReportLab's), as tab-separated lines like a ruled table's rows: the
/// fixed-width reader, which takes a row to start where its key cell does, would split them.
/// Each row's line is put at its first line; its other lines are left empty. `None` for a table
/// whose cells start at the top of their rows (the fixed-width reader reads those).
///
/// A cell is the lines of one column one line-spacing apart; cells whose heights overlap are one
/// row (in a row every cell reaches its middle line, and rows do not overlap). The table is
/// centred when two or more rows have cells whose first lines differ and whose middles (or last
/// lines) agree.
fn centred_rows(
    block: &[(Row, bool)],
    runs: &[Vec<(f64, f64)>],
    columns: &[(f64, f64)],
    size: f64,
    at: Whereabouts,
    paint: Paint<'_>,
    part: bool,
) -> Option<(Vec<String>, bool)> {
    // Per column, the lines with text in it and that text's glyphs. A line across the columns
    // (a section's title) is its first column's.
    // Each with its own height (the middle of its glyphs' baselines): beside a cell set a little
    // lower (a paragraph's margin in the next column), a cell's line may share a printed line
    // whose height is the other's.
    let mut parts: Vec<Vec<(usize, f64, Vec<Glyph>)>> = vec![Vec::new(); columns.len()];
    for (k, (r, _)) in block.iter().enumerate() {
        let mut per: Vec<Vec<Glyph>> = vec![Vec::new(); columns.len()];
        let across = runs[k].len() == 1
            && crosses(columns, runs[k][0], size)
            && !fits_columns(r, columns, size);
        let words = word_spans(r);
        for g in &r.glyphs {
            let c = if across {
                column_at(columns, runs[k][0].0, size)
            } else {
                glyph_column(g, &runs[k], &words, columns, size)
            };
            per[c].push(g.clone());
        }
        for (c, gs) in per.into_iter().enumerate() {
            if !gs.is_empty() {
                let (lo, hi) = gs
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), g| {
                        (lo.min(g.y), hi.max(g.y))
                    });
                parts[c].push((k, (lo + hi) / 2.0, gs));
            }
        }
    }
    // The least spacing that two pairs of lines share: one line set a little off its
    // baseline (a glyph from another font) does not make it.
    let mut spacings: Vec<f64> = parts
        .iter()
        .flat_map(|p| p.windows(2).map(|w| w[1].1 - w[0].1))
        .collect();
    // Lines closer than a line's height are not one cell's (a one-line header cell centred
    // beside a two-line one, in the same column where cells are a word space apart).
    spacings.retain(|s| *s >= 0.8 * size);
    spacings.sort_by(f64::total_cmp);
    let leading = spacings
        .windows(2)
        .find(|w| w[1] - w[0] <= 0.05 * size)
        .map_or_else(
            || spacings.first().copied().unwrap_or(f64::INFINITY),
            |w| w[0],
        );
    if !leading.is_finite() || leading < 0.8 * size {
        return None;
    }
    // Where each cell is a text object of its own (no two cells of a line share one), lines of
    // one text object in one column are one cell, however far apart they are set (xhtml2pdf's
    // lines are half their size apart, its rows no further).
    let object = |gs: &[Glyph]| {
        let first = gs.first()?.object?;
        gs.iter().all(|g| g.object == Some(first)).then_some(first)
    };
    let cell_objects = {
        let mut lines: std::collections::BTreeMap<usize, Vec<Option<usize>>> = Default::default();
        for p in &parts {
            for (k, _, gs) in p {
                lines.entry(*k).or_default().push(object(gs));
            }
        }
        let shared = lines.values().filter(|l| l.len() >= 2).any(|l| {
            l.iter().any(Option::is_none)
                || l.iter()
                    .enumerate()
                    .any(|(a, x)| l[a + 1..].iter().any(|y| y == x))
        });
        !shared && lines.values().any(|l| l.len() >= 2)
    };
    let one_object = |c: usize, n: usize| {
        cell_objects
            && n > 0
            && object(&parts[c][n].2).is_some()
            && object(&parts[c][n].2) == object(&parts[c][n - 1].2)
    };
    // Where every cell is one line the least spacing is the rows' pitch, not a cell's leading:
    // lines are set at most a fifth of their size apart beyond their size. Unless the table
    // shows the least spacing is a cell's own (fpdf2 sets a cell's lines 1.35 of their size
    // apart): a run of lines in one column that far apart, set off from the column's lines above
    // by more (or the block's first), beside which another column's cell, of fewer lines, is
    // centred on the run, or set at its foot where the run is set off below too; and no spacing
    // a little more than the least (Word's abutting rows, a hair further apart than a cell's
    // lines), which a loose leading would join. Where a cell's lines are one text object, the
    // objects tell the cells (xhtml2pdf's rows are set no further apart than its lines).
    let objects_join = parts
        .iter()
        .enumerate()
        .any(|(c, p)| (1..p.len()).any(|n| one_object(c, n)));
    let own_leading = !objects_join
        && !spacings
            .iter()
            .any(|s| *s > leading + 0.03 * size && *s <= leading + 0.1 * size)
        && parts
            .iter()
            .enumerate()
            .any(|(c, p)| set_beside_a_run(&parts, c, p, leading, size));
    let leading = if own_leading {
        leading.min(1.5 * size)
    } else {
        leading.min(1.25 * size)
    };
    // A rule across a column between two of its lines (a row's border, the edge of a row's
    // fill: Word's banded styles), clear of the upper line's descenders and underlines, parts
    // them.
    let (top, bottom) = block
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(t, b), (r, _)| {
            (t.min(r.y), b.max(r.y))
        });
    let rules: Vec<&(f64, f64, f64)> = paint
        .rules
        .iter()
        .filter(|(y, _, _)| *y > top && *y < bottom)
        .collect();
    let ruled_apart = |c: usize, above: f64, below: f64| {
        let (x0, x1) = columns[c];
        rules.iter().any(|(y, r0, r1)| {
            *y > above + 0.25 * size
                && *y < below - 0.5 * size
                && *r0 <= x0 + 1.0
                && *r1 >= x1 - 1.0
        })
    };
    // A shading over the column that one of two lines lies on and the other not (Word's banded
    // rows abut: a row's fill starts a fifth of a line under the last baseline of the row
    // above, too close for a rule's parting).
    let filled_apart = |c: usize, above: f64, below: f64| {
        let (x0, x1) = columns[c];
        paint
            .fills
            .iter()
            .any(|f| f.left < x1 - 1.0 && f.right > x0 + 1.0 && f.holds(above) != f.holds(below))
    };
    // Cells: (column, the indices of its lines in `parts[column]`).
    let mut cells: Vec<(usize, Vec<usize>)> = Vec::new();
    for (c, p) in parts.iter().enumerate() {
        for (n, (_, y, _)) in p.iter().enumerate() {
            // The block's bold header, a line of cells, and a plain line under it are two cells
            // however close (rows that abut: the rest of a row broken over a page under the
            // header printed again).
            let under_header = n > 0 && {
                let (above, here) = (p[n - 1].0, p[n].0);
                block[..=above].iter().all(|(r, _)| r.bold())
                    && runs[above].len() >= 2
                    && !block[here].0.bold()
            };
            // Lines of the first column alone that open the block, two or more, over a line
            // of three cells or more: a title in the table's first row (a caption set in the
            // first column of a table whose rows abut), not the start of that line's cell.
            let under_title = n > 0 && c == 0 && {
                let (above, here) = (p[n - 1].0, p[n].0);
                above >= 1
                    && (0..=above).all(|k| runs[k].len() == 1 && p.iter().any(|l| l.0 == k))
                    && runs[here].len() >= 3
            };
            let goes_on = n > 0
                && (y - p[n - 1].1 <= leading + 0.1 * size || one_object(c, n))
                && !ruled_apart(c, p[n - 1].1, *y)
                && !filled_apart(c, p[n - 1].1, *y)
                && !under_header
                && !under_title;
            match cells.last_mut() {
                Some((cc, lines)) if goes_on && *cc == c => lines.push(n),
                _ => cells.push((c, vec![n])),
            }
        }
    }
    // Runs of lines parted by the centred cells beside them (`parted` marks the parts); undone
    // below where the rows no part made are set at the top.
    let (cells, parted) = if part {
        let bold: Vec<bool> = block.iter().map(|(r, _)| r.bold()).collect();
        abutting_cells_parted(cells, &parts, &bold, leading, size)
    } else {
        let none = vec![false; cells.len()];
        (cells, none)
    };
    let first = |cell: &(usize, Vec<usize>)| parts[cell.0][cell.1[0]].1;
    let last = |cell: &(usize, Vec<usize>)| parts[cell.0][*cell.1.last().unwrap_or(&0)].1;
    // Rows: cells whose heights overlap, in order down the page.
    let mut order: Vec<usize> = (0..cells.len()).collect();
    order.sort_by(|a, b| first(&cells[*a]).total_cmp(&first(&cells[*b])));
    let mut rows: Vec<(f64, Vec<usize>)> = Vec::new();
    for n in order {
        let (top, bottom) = (first(&cells[n]) - 0.7 * size, last(&cells[n]));
        match rows.last_mut() {
            Some((end, members)) if top < *end => {
                *end = end.max(bottom);
                members.push(n);
            }
            _ => rows.push((bottom, vec![n])),
        }
    }
    let spread = |v: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
        hi - lo
    };
    // Rows whose cells differ in height tell how cells are set: from the top (their first
    // lines agree) or not (their middles or last lines do).
    // The row under a page's header may be the rest of a row broken over the page, its cells
    // all starting at the top: no evidence either way.
    let (mut centred, mut topped, mut broken_rest, mut at_bottom) = (0, 0, false, 0);
    // Whether every row's cells agree on one of the three (a row whose cells agree on none is
    // two rows run together).
    let mut aligned = true;
    // The same of the rows no part of a run parted by centred cells is in.
    let (mut own_centred, mut own_topped) = (0, 0);
    for (n, (_, members)) in rows.iter().enumerate() {
        let row: Vec<&(usize, Vec<usize>)> = members.iter().map(|n| &cells[*n]).collect();
        let agree = |v: &mut dyn Iterator<Item = f64>| spread(v) <= 0.3 * size;
        let tops = agree(&mut row.iter().map(|c| first(c)));
        let middles = agree(&mut row.iter().map(|c| (first(c) + last(c)) / 2.0));
        let bottoms = agree(&mut row.iter().map(|c| last(c)));
        aligned &= tops || middles || bottoms;
        if !members.iter().any(|m| parted[*m]) {
            own_topped += usize::from(tops && !(middles && bottoms) && n >= 2);
            own_centred += usize::from(!tops && (middles || bottoms));
        }
        if tops && !(middles && bottoms) && n == 1 {
            broken_rest = true;
        } else if tops && !(middles && bottoms) && n + 1 == rows.len() && n >= 2 {
            // The last row, broken over the page, is set at the top of what it has here in a
            // table whose cells are centred (LibreOffice): no evidence either way.
        } else if tops && !(middles && bottoms) {
            topped += 1;
        } else if !tops && (middles || bottoms) {
            centred += 1;
            at_bottom += usize::from(!middles);
        }
    }
    // Runs parted as if centred in a table whose other rows are set at the top (the line above
    // a row, the rest of the row before, makes its first column look centred on it): the runs
    // are read whole.
    if parted.iter().any(|p| *p) && own_topped > own_centred {
        return centred_rows(block, runs, columns, size, at, paint, false);
    }
    // Set at the bottom, the evidence must come from two rows: a table of one-line cells whose
    // rows run together ("Deliverables" over "Good 1") looks so in one. Or from one, in the
    // rest of a table whose rows on the last page were set so (a header printed again over one
    // row atop the page).
    let bottom = centred == at_bottom && at_bottom >= 1;
    if centred == at_bottom && at_bottom < 2 && !at.below {
        centred = 0;
    }
    // With no evidence either way, a header over one row of cells of different heights, one
    // cell per column, is read as rows too: the rest of a row broken over the page under its
    // header (lines of one height throughout are a table whose rows run together).
    let clean = rows.iter().all(|(_, members)| {
        let mut columns: Vec<usize> = members.iter().map(|n| cells[*n].0).collect();
        columns.sort_unstable();
        columns.windows(2).all(|w| w[0] != w[1])
    });
    let undecided = centred == 0 && topped == 0 && clean && rows.len() == 2 && broken_rest;
    // Wherever they are set, cells of one column a clear space further apart than a cell's
    // lines (or one on a row's shading and the next off it, whatever the space: a style of
    // banded rows), one cell per column in every row, are rows told apart by their spacing alone
    // (MuPDF's tables, whose rows' cells start at the top and whose groups' titles wrap in the
    // first column), each row's cells set alike (Word's rows abut: the rest of a row broken
    // over a page runs into the next row's cell, which then starts above the row's key). A
    // table of one-line cells is left to the fixed-width reader, which joins it to its rows over
    // the page.
    // A header over one row whose every cell is two lines or more, and as many give or take one,
    // is as likely rows of one line each run together (LibreOffice's rows of figures abut, at
    // one leading throughout).
    let run_together = rows.len() == 2 && {
        let lines: Vec<usize> = rows[1].1.iter().map(|n| cells[*n].1.len()).collect();
        let (least, most) = (lines.iter().min(), lines.iter().max());
        least.is_some_and(|l| *l >= 2) && most.zip(least).is_some_and(|(m, l)| m - l <= 1)
    };
    let spaced = clean
        && aligned
        && !run_together
        && cells.iter().any(|(_, lines)| lines.len() >= 2)
        && parts.iter().enumerate().all(|(c, p)| {
            (1..p.len()).all(|n| {
                let gap = p[n].1 - p[n - 1].1;
                gap <= leading + 0.1 * size
                    || gap >= leading + 0.25 * size
                    || one_object(c, n)
                    || filled_apart(c, p[n - 1].1, p[n].1)
            })
        });
    // One row alone atop a page (the last of a table broken over the page before) is one where
    // some cells are one line and others more: cells of equal lines are as likely rows of one
    // line each.
    let lone_row = rows.len() == 1
        && at.atop
        && spaced
        && cells.iter().any(|(_, lines)| lines.len() == 1)
        && cells.iter().any(|(_, lines)| lines.len() >= 2);
    if !undecided && !spaced && (centred == 0 || centred <= topped) || rows.len() < 2 && !lone_row {
        return None;
    }
    // In a table set at the bottom of its rows, its last row broken over the page: the first
    // lines of its tall cells end one line above its one-line cells at the page's foot, their
    // rest atop the next page ("Develop and / implement a" over "SO-11  Apr 2025  Good"). They
    // are one row where the lines above have no key, the foot's have one, they share no column
    // and no row's spacing parts them. (The table's other rows need not show how it is set: a
    // header and that row alone. Set at the top, a key starts its row, and rows set in the
    // middle overlap their tall cells.)
    if rows.len() >= 2 {
        let r = rows.len() - 2;
        let of = |members: &[usize]| -> std::collections::BTreeSet<usize> {
            members.iter().map(|n| cells[*n].0).collect()
        };
        let (above, foot) = (of(&rows[r].1), of(&rows[r + 1].1));
        let above_last = rows[r]
            .1
            .iter()
            .map(|n| last(&cells[*n]))
            .fold(f64::NEG_INFINITY, f64::max);
        let foot_first = rows[r + 1]
            .1
            .iter()
            .map(|n| first(&cells[*n]))
            .fold(f64::INFINITY, f64::min);
        let foot_one_line = rows[r + 1].1.iter().all(|n| cells[*n].1.len() == 1);
        let above_tall = rows[r].1.iter().any(|n| cells[*n].1.len() >= 2);
        if !above.contains(&0)
            && above_tall
            && foot.contains(&0)
            && above.is_disjoint(&foot)
            && foot_one_line
            && foot_first - above_last <= leading + 0.1 * size
        {
            let (_, members) = rows.pop().expect("two rows");
            rows[r].1.extend(members);
        }
    }
    let mut out = vec![String::new(); block.len()];
    for (_, members) in rows {
        let mut texts = vec![String::new(); columns.len()];
        let mut bold: Vec<Option<bool>> = vec![None; columns.len()];
        let mut row_lines: Vec<usize> = Vec::new();
        let mut members = members;
        members.sort_by(|a, b| {
            cells[*a]
                .0
                .cmp(&cells[*b].0)
                .then(first(&cells[*a]).total_cmp(&first(&cells[*b])))
        });
        for n in members {
            let (c, lines) = &cells[n];
            for line in lines {
                let (k, _, glyphs) = &parts[*c][*line];
                row_lines.push(*k);
                push_line(&mut texts[*c], &mut bold[*c], glyphs);
            }
        }
        let Some(at) = row_lines.iter().min() else {
            continue;
        };
        out[*at] = tab_row(&texts, bold);
    }
    Some((out, bottom))
}

/// Cells centred in rows that abut with no space between them (Word's rows have no margin above
/// or below their cells): the tallest cells of neighbouring rows, in one column, run on one
/// line-spacing apart as if one cell. Such a run is parted where the cells beside it say: each
/// cell of a row centred there spans the row, so the run's first cell ends as far below the
/// middle of the cells beside it as the run starts above it, the next starts on the next line,
/// and so on; or, from the run's foot, its last cell starts as far above their middle as the
/// run ends below it. What is left at the far end is a part of its own where the cells beside
/// it start where it does (the rest of a row broken over the page, set at the top) or there are
/// none. A run is parted only where every cell beside lies within the part it is centred on.
/// Returns the cells and, for each, whether it is such a part.
fn abutting_cells_parted(
    cells: Vec<(usize, Vec<usize>)>,
    parts: &[Vec<(usize, f64, Vec<Glyph>)>],
    bold: &[bool],
    leading: f64,
    size: f64,
) -> (Vec<(usize, Vec<usize>)>, Vec<bool>) {
    let span = |cell: &(usize, Vec<usize>)| {
        let y = |n: usize| parts[cell.0][cell.1[n]].1;
        (y(0), y(cell.1.len() - 1))
    };
    let near = |a: f64, b: f64| (a - b).abs() <= 0.3 * size;
    let mut out = Vec::with_capacity(cells.len());
    let mut parted = Vec::with_capacity(cells.len());
    // Somewhere in the table a line is set between two lines of another column, as centring
    // sets cells whose lines differ in number by an odd count: the lines of cells set at the
    // top of rows that abut all stand on one grid, and are not parted so.
    let unbolded: Vec<Vec<f64>> = parts
        .iter()
        .map(|p| {
            p.iter()
                .filter(|(k, _, _)| !bold[*k])
                .map(|l| l.1)
                .collect()
        })
        .collect();
    let between = unbolded.iter().enumerate().any(|(c, ys)| {
        ys.iter().any(|y| {
            unbolded
                .iter()
                .enumerate()
                .filter(|(o, _)| *o != c)
                .any(|(_, other)| {
                    other.iter().any(|z| {
                        let d = (y - z).abs();
                        d >= 0.3 * leading && d <= 0.7 * leading
                    })
                })
        })
    });
    if !between {
        let whole = vec![false; cells.len()];
        return (cells, whole);
    }
    for cell in &cells {
        let (top, bottom) = span(cell);
        if cell.1.len() < 3 {
            out.push(cell.clone());
            parted.push(false);
            continue;
        }
        // The other columns' cells within the run, and no cell of theirs reaching out of it:
        // the rows beside it.
        let beside: Vec<(f64, f64)> = cells
            .iter()
            .filter(|o| o.0 != cell.0)
            .map(span)
            .filter(|(t, b)| *b > top - 0.5 * size && *t < bottom + 0.5 * size)
            .collect();
        let inside = beside
            .iter()
            .all(|(t, b)| *t >= top - 0.3 * size && *b <= bottom + 0.3 * size);
        let mut middles: Vec<f64> = beside.iter().map(|(t, b)| (t + b) / 2.0).collect();
        middles.sort_by(f64::total_cmp);
        middles.dedup_by(|b, a| *b - *a <= 0.3 * size);
        if !inside || middles.len() < 2 {
            out.push(cell.clone());
            parted.push(false);
            continue;
        }
        let ys: Vec<f64> = cell.1.iter().map(|n| parts[cell.0][*n].1).collect();
        let last = ys.len() - 1;
        // The parts as ranges of the run's lines, from its top down or from its foot up, each
        // with whether it was found centred on the cells beside it (or is the rest).
        let from_top = || {
            let mut pieces: Vec<(usize, usize, bool)> = Vec::new();
            let mut start = 0;
            for (i, middle) in middles.iter().enumerate() {
                // The rest, a row broken over the page set at the top of what it has here: the
                // cells beside it all start with it, one of them two lines or more or none
                // beside the lines after it.
                let rest: Vec<&(f64, f64)> = beside
                    .iter()
                    .filter(|(t, b)| (t + b) / 2.0 >= middle - 0.3 * size)
                    .collect();
                if start <= last
                    && rest.iter().all(|(t, _)| near(*t, ys[start]))
                    && (rest.iter().any(|(t, b)| b - t >= 0.5 * size) || i + 1 == middles.len())
                {
                    pieces.push((start, last, false));
                    return Some(pieces);
                }
                let end = (start..ys.len()).find(|n| near(ys[*n], 2.0 * middle - ys[start]));
                match end {
                    Some(end) => {
                        pieces.push((start, end, true));
                        start = end + 1;
                    }
                    None => {
                        // The rest, a row set at the top: the cells beside it start with it.
                        let topped = start <= last && rest.iter().all(|(t, _)| near(*t, ys[start]));
                        return topped.then(|| {
                            pieces.push((start, last, false));
                            pieces
                        });
                    }
                }
            }
            let rest_alone =
                start > last || !beside.iter().any(|(t, _)| *t >= ys[start] - 0.3 * size);
            rest_alone.then(|| {
                if start <= last {
                    pieces.push((start, last, false));
                }
                pieces
            })
        };
        let from_foot = || {
            let mut pieces: Vec<(usize, usize, bool)> = Vec::new();
            let mut end = Some(last);
            for middle in middles.iter().rev() {
                let e = end?;
                let start = (0..=e).rev().find(|n| near(ys[*n], 2.0 * middle - ys[e]))?;
                pieces.push((start, e, true));
                end = start.checked_sub(1);
            }
            if let Some(e) = end {
                // The rest atop: no cell beside it, or all starting with it.
                let rest = beside.iter().filter(|(_, b)| *b <= ys[e] + 0.3 * size);
                if !rest.clone().all(|(t, _)| near(*t, ys[0])) {
                    return None;
                }
                pieces.push((0, e, false));
            }
            pieces.reverse();
            Some(pieces)
        };
        let fits = |pieces: &Vec<(usize, usize, bool)>| {
            let abut = pieces
                .windows(2)
                .all(|w| ys[w[1].0] - ys[w[0].1] <= leading + 0.1 * size);
            let ys = &ys;
            let of = |a: usize, z: usize| {
                beside
                    .iter()
                    .filter(move |(t, b)| *t >= ys[a] - 0.3 * size && *b <= ys[z] + 0.3 * size)
            };
            // Each cell beside lies within one part, and each part of two lines or more found
            // centred shows it, a cell beside it starting lower; one part at least does (cells
            // set at the top of rows of one-line cells would read as centred too).
            let within = beside.iter().all(|(t, b)| {
                pieces
                    .iter()
                    .any(|(a, z, _)| *t >= ys[*a] - 0.3 * size && *b <= ys[*z] + 0.3 * size)
            });
            let mut tall = pieces
                .iter()
                .filter(|(a, z, found)| *found && z > a)
                .peekable();
            let centred = tall.peek().is_some()
                && tall.all(|(a, z, _)| of(*a, *z).any(|(t, _)| *t >= ys[*a] + 0.5 * leading));
            pieces.len() >= 2 && abut && within && centred
        };

        match from_top().filter(fits).or_else(|| from_foot().filter(fits)) {
            Some(pieces) => {
                parted.extend(pieces.iter().map(|_| true));
                out.extend(
                    pieces
                        .into_iter()
                        .map(|(a, z, _)| (cell.0, cell.1[a..=z].to_vec())),
                );
            }
            None => {
                out.push(cell.clone());
                parted.push(false);
            }
        }
    }
    (out, parted)
}

fn align(
    block: &[(Row, bool)],
    runs: &[Vec<(f64, f64)>],
    columns: &[(f64, f64)],
    margin: f64,
    unit: f64,
) -> Option<Vec<String>> {
    let size = block.iter().map(|(r, _)| r.size).fold(0.0, f64::max);
    if columns.len() < 2 {
        return None;
    }
    let column_of = |x: f64| column_at(columns, x, size);
    // A table's lines are mostly cells; text running across the columns is rare in one (a
    // section row). Paragraphs between two "Rating: Good   Expected completion" lines are not
    // a table.
    let wide = runs.iter().filter(|r| r.len() >= 2).count();
    let across = runs
        .iter()
        .zip(block)
        .filter(|(r, (row, _))| {
            r.len() == 1 && crosses(columns, r[0], size) && !fits_columns(row, columns, size)
        })
        .count();
    if across * 2 > wide {
        return None;
    }
    // The text of each line, per column; a lone run across columns spans them.
    // Per line: the text of each column, or (for a line across the columns) its column and text.
    type Cells = (Vec<String>, Option<(usize, String)>);
    let mut cells: Vec<Cells> = Vec::new();
    for ((r, _), fr) in block.iter().zip(runs) {
        let spanning =
            fr.len() == 1 && crosses(columns, fr[0], size) && !fits_columns(r, columns, size);
        let words = word_spans(r);
        let mut texts = vec![String::new(); columns.len()];
        let mut last_end: Vec<Option<f64>> = vec![None; columns.len()];
        for g in &r.glyphs {
            let c = if spanning {
                column_of(fr[0].0)
            } else {
                glyph_column(g, fr, &words, columns, size)
            };
            if last_end[c].is_some_and(|e| g.x - e > 0.15 * g.size) {
                texts[c].push(' ');
            }
            texts[c].push_str(&g.text);
            last_end[c] = Some(g.x + g.width);
        }
        if spanning {
            let c = column_of(fr[0].0);
            cells.push((
                vec![String::new(); columns.len()],
                Some((c, std::mem::take(&mut texts[c]))),
            ));
        } else {
            cells.push((texts, None));
        }
    }
    let widths: Vec<usize> = (0..columns.len())
        .map(|c| {
            cells
                .iter()
                .map(|(t, _)| t[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let at = |x: f64| ((x - margin) / unit).round().clamp(0.0, 2000.0) as usize;
    let mut offsets = vec![at(columns[0].0); columns.len()];
    for c in 1..columns.len() {
        offsets[c] = (offsets[c - 1] + widths[c - 1] + 3).max(at(columns[c].0));
    }
    Some(
        cells
            .into_iter()
            .map(|(texts, span)| {
                let mut line = String::new();
                let put = |at: usize, text: &str, line: &mut String| {
                    let len = line.chars().count();
                    line.extend(std::iter::repeat_n(' ', at.saturating_sub(len)));
                    line.push_str(text);
                };
                if let Some((c, text)) = span {
                    put(offsets[c], &text, &mut line);
                }
                for (c, t) in texts.iter().enumerate() {
                    if !t.is_empty() {
                        put(offsets[c], t, &mut line);
                    }
                }
                line
            })
            .collect(),
    )
}

/// What is printed at the top or bottom of the pages besides their text: running headers and
/// footers, and page numbers.
#[derive(Debug, Default)]
struct Furniture {
    /// The lines printed at the top or bottom of at least half the pages (three or more).
    lines: std::collections::BTreeSet<String>,
    /// Each page's bare number (Word's, Typst's page number: "27" alone on a line), where the
    /// numbers at the top or bottom of three or more pages, at least half, count up with
    /// the pages.
    numbers: Vec<Option<String>>,
}

fn furniture(pages: &[Page]) -> Furniture {
    let mut seen: std::collections::BTreeMap<String, usize> = Default::default();
    // The bare numbers in the bands of each page, by how far they are from the page's index.
    let mut bare: Vec<(usize, i64)> = Vec::new();
    for (n, p) in pages.iter().enumerate() {
        let rows = rows_of(p);
        let mut texts: Vec<String> = rows
            .iter()
            .filter(|r| (r.y < p.height * 0.1 || r.y > p.height * 0.9) && !r.wide())
            .filter(|r| !inside_rules(p, r) && !beside_cells(&rows, r))
            .map(row_text)
            .collect();
        texts.sort();
        texts.dedup();
        for t in texts {
            let number = crate::layout::is_bare_number(&t);
            if let Some(v) = number.then(|| t.parse::<i64>().ok()).flatten() {
                bare.push((n, v - n as i64));
            }
            *seen.entry(t).or_default() += 1;
        }
    }
    let mut offsets: std::collections::BTreeMap<i64, usize> = Default::default();
    for (_, d) in &bare {
        *offsets.entry(*d).or_default() += 1;
    }
    let mut numbers = vec![None; pages.len()];
    if let Some((d, count)) = offsets.into_iter().max_by_key(|(_, c)| *c) {
        if count >= 3 && count * 2 >= pages.len() {
            for (n, off) in bare {
                if off == d {
                    numbers[n] = Some((n as i64 + d).to_string());
                }
            }
        }
    }
    Furniture {
        lines: seen
            .into_iter()
            .filter(|(_, n)| *n >= 3 && n * 2 >= pages.len())
            .map(|(t, _)| t)
            .collect(),
        numbers,
    }
}

/// Whether a line is set right above or below a line of cells: a line of a table's header
/// whose cells are centred (the first line of a three-line header cell over the others'), not a
/// running header, however often it repeats at the top of the page.
fn beside_cells(rows: &[Row], r: &Row) -> bool {
    rows.iter()
        .any(|w| w.wide() && w.y != r.y && (w.y - r.y).abs() <= 1.6 * w.size.max(r.size))
}

fn row_text(r: &Row) -> String {
    r.runs
        .iter()
        .map(|x| x.2.trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The rest of a row broken over a page, printed in the band of the table's header printed
/// again (ReportLab styles the rest of a split row as the header it is set under: bold, above
/// the rule under the header), so that one row of bold cells reads as the header's cells with
/// more words after them. Where a row of bold cells is a header printed before, each cell the
/// same or the same followed by more words, with the first cell the same and three words more
/// in all, it is that header, and the words after are the rest of the row above it (a row of their
/// own with no first cell, as the rest of a broken row is printed).
fn rest_in_header_again(pages: &mut [Vec<String>]) {
    let bold_cells = |l: &str| -> Option<Vec<String>> {
        if !l.contains('\t') {
            return None;
        }
        let cells: Vec<&str> = l.split('\t').collect();
        let mut out = Vec::new();
        for c in &cells {
            let c = c.trim();
            if c.is_empty() {
                out.push(String::new());
                continue;
            }
            let inner = c.strip_prefix("<b>")?.strip_suffix("</b>")?;
            out.push(inner.trim().to_string());
        }
        (out.iter().filter(|c| !c.is_empty()).count() >= 2).then_some(out)
    };
    let rest_of = |head: &[String], row: &[String]| {
        (head.len() == row.len() && head[0] == row[0])
            .then(|| crate::layout::rest_after(head, row))
            .flatten()
    };
    let mut headers: Vec<Vec<String>> = Vec::new();
    for page in pages.iter_mut() {
        let mut k = 0;
        while k < page.len() {
            let Some(cells) = bold_cells(&page[k]) else {
                k += 1;
                continue;
            };
            let split = headers
                .iter()
                .find_map(|h| rest_of(h, &cells).map(|rest| (h.clone(), rest)));
            match split {
                Some((head, rest)) => {
                    let bold: Vec<Option<bool>> = head
                        .iter()
                        .map(|c| (!c.is_empty()).then_some(true))
                        .collect();
                    page[k] = tab_row(&head, bold);
                    page.insert(k + 1, tab_row(&rest, vec![None; rest.len()]));
                    k += 2;
                }
                None => {
                    headers.push(cells);
                    k += 1;
                }
            }
        }
    }
}

/// A table's header printed again apart from the rows under it (atop a page, a row broken over
/// the page whose rest is empty, Word's paragraph spacing: a gap too tall for one block; or
/// under the same header printed again as a table of its own, LibreOffice repeating the last
/// page's table's header over the next table's): one to three lines of the header's words in
/// columns, not read as cells. Where its words are those of a header of tab cells printed
/// before and tab rows of as many cells follow it, it is that header, and the rows go on under
/// it.
fn lone_headers_again(pages: &mut [Vec<String>]) {
    let words = |lines: &[String]| sorted_words(lines.iter().map(|l| plain(l)));
    let mut headers: Vec<(String, Vec<String>)> = Vec::new();
    for page in pages.iter_mut() {
        let mut k = 0;
        while k < page.len() {
            let line = &page[k];
            if line.contains('\t') {
                if line.contains("<b>") {
                    headers.push((line.clone(), words(std::slice::from_ref(line))));
                }
                k += 1;
                continue;
            }
            // (At the page's top, or after a blank line.)
            let starts = k == 0 || page[k - 1].trim().is_empty();
            if !starts || line.trim().is_empty() {
                k += 1;
                continue;
            }
            let found = (1..=3).find_map(|d| {
                let lines = page.get(k..k + d)?;
                if lines
                    .iter()
                    .any(|l| l.contains('\t') || l.trim().is_empty())
                    || !lines.iter().any(|l| l.trim().contains("   "))
                {
                    return None;
                }
                let next = (k + d..page.len()).find(|&n| !page[n].trim().is_empty())?;
                let w = words(lines);
                headers
                    .iter()
                    .rev()
                    .find(|(h, hw)| *hw == w && tab_cells(&page[next]).len() == tab_cells(h).len())
                    .map(|(h, _)| (h.clone(), next))
            });
            match found {
                Some((header, next)) => {
                    page[k] = header;
                    page.drain(k + 1..next);
                    k += 1;
                }
                None => k += 1,
            }
        }
    }
}

/// A row broken over a page whose rest opens the next page under its table's header printed
/// again and read there as cells, the row itself at the foot of the page before read as columns
/// of text (too few rows there for the cells to be found): the rest of its first cell, starting
/// in lower case, is moved up to the row, wrapped in the first column's width, for the
/// fixed-width reader to join it to the row's name.
fn rest_under_tab_header(pages: &mut [Vec<String>]) {
    for n in 1..pages.len() {
        let Some((start, last)) = last_block_under_heading(&pages[n - 1]) else {
            continue;
        };
        let header = pages[n - 1][start].clone();
        let fixed = pages[n - 1][start..=last].iter().all(|l| !l.contains('\t'));
        let Some(first) = pages[n].iter().position(|l| !l.trim().is_empty()) else {
            continue;
        };
        let head = &pages[n][first];
        if !fixed || !head.contains("<b>") || plain(head) != plain(&header) || last == start {
            continue;
        }
        let Some(rest) = pages[n].get(first + 1).map(|l| tab_cells(l)) else {
            continue;
        };
        let lower = rest[0]
            .trim()
            .chars()
            .next()
            .is_some_and(char::is_lowercase);
        if rest.len() != tab_cells(head).len()
            || !lower
            || rest[1..].iter().any(|c| !c.trim().is_empty())
        {
            continue;
        }
        // The first column ends where the header's second cell (or its first, where the
        // header's first cell is empty) starts.
        let indent = |l: &str| l.len() - l.trim_start().len();
        let width = if indent(&header) > 0 {
            indent(&header)
        } else {
            header.find("  ").unwrap_or(header.len())
        }
        .saturating_sub(2)
        .max(8);
        let at = indent(&pages[n - 1][last]);
        let mut lines: Vec<String> = Vec::new();
        for word in rest[0].split_whitespace() {
            match lines.last_mut() {
                Some(line) if line.len() + 1 + word.len() <= width => {
                    line.push(' ');
                    line.push_str(word);
                }
                _ => lines.push(word.to_string()),
            }
        }
        pages[n].remove(first + 1);
        let moved: Vec<String> = lines
            .into_iter()
            .map(|l| format!("{}{l}", " ".repeat(at)))
            .collect();
        pages[n - 1].splice(last + 1..last + 1, moved);
    }
}

/// A paragraph or title the page break cut: the last line of a page, not ended by a full stop or
/// a colon, and the first of the next, starting in lower case or continuing a heading of the
/// same level, are one line.
fn continue_over_pages(pages: &mut [Vec<String>]) {
    for page in pages.iter_mut() {
        stretched_rows_joined(page);
    }
    bottom_row_rest_under_tab_header(pages);
    merged_headers_again(pages);
    split_headers_again(pages);
    lone_headers_again(pages);
    rest_in_header_again(pages);
    header_rest_over_pages(pages);
    bold_header_rest_over_pages(pages);
    for page in pages.iter_mut() {
        rest_under_aligned_header_in_page(page);
    }
    rows_over_pages(pages);
    row_rest_atop(pages);
    aligned_row_over_pages(pages);
    aligned_row_under_header_over_pages(pages);
    chart_row_over_pages(pages);
    rest_under_tab_header(pages);
    cells_over_pages(pages);
    headers_again_over_pages(pages);
    complementary_row_over_pages(pages);
    // (A line set in, as under an icon's column, is prose still where its words are a word's
    // space apart.)
    let prose = |l: &str| {
        !l.contains('\t') && !l.trim_start().is_empty() && !l.trim_start().contains("   ")
    };
    for n in 1..pages.len() {
        let Some((last, first)) = page_break(pages, n) else {
            continue;
        };
        let (a, b) = (pages[n - 1][last].clone(), pages[n][first].clone());
        if !prose(&a) || !prose(&b) {
            continue;
        }
        let level = |l: &str| l.chars().take_while(|c| *c == '#').count();
        let bold = |l: &str| l.trim_start().starts_with("**") && l.trim_end().ends_with("**");
        let ended = a
            .trim_end()
            .trim_end_matches("**")
            .ends_with(['.', ':', '?', '!', ';']);
        let lower = b
            .trim_start_matches('#')
            .trim_start()
            .trim_start_matches("**")
            .chars()
            .next()
            .is_some_and(char::is_lowercase);
        // (Or a line that ends on a word that cannot end a sentence, "implementation of", over
        // a line in capitals: "Restoring Your Railways programme", a title broken over pages.)
        let joining = crate::text::ends_on_joining_word(a.trim_end().trim_end_matches("**"));
        if ended || level(&a) != level(&b) || bold(&a) != bold(&b) || !lower && !joining {
            continue;
        }
        let joined = if bold(&a) {
            format!(
                "{} {}",
                a.trim_end().trim_end_matches("**"),
                b.trim_start().trim_start_matches("**")
            )
        } else {
            format!(
                "{} {}",
                a.trim_end(),
                b.trim_start_matches('#').trim_start()
            )
        };
        pages[n - 1][last] = joined;
        pages[n].remove(first);
    }
}

/// A row of cells with no key whose every cell is cut short ("Aug-", "Good (Strong", "Number
/// of"), right over a row with its key whose cells in those columns finish them ("2023", "in
/// Q1)", "children living with …"): one row whose cells a browser stretched apart (wkhtmltopdf
/// sets a row's short cells at its top and its key lower down where the row runs near a page's
/// foot, and a name's first line over its key where the key is centred). Joined into the keyed
/// row; so is a keyed row's rest stretched apart under it.
fn stretched_rows_joined(page: &mut Vec<String>) {
    let mut k = 1;
    while k + 1 < page.len() {
        let (above, row, below) = (
            tab_cells(&page[k - 1]),
            tab_cells(&page[k]),
            tab_cells(&page[k + 1]),
        );
        let filled: Vec<usize> = (0..row.len())
            .filter(|c| !row[*c].trim().is_empty())
            .collect();
        let joins = page[k].contains('\t')
            && row.len() >= 3
            && row.len() == below.len()
            && row.len() == above.len()
            && row[0].trim().is_empty()
            && !below[0].trim().is_empty()
            && !filled.is_empty()
            && filled.iter().all(|c| {
                cut_short(&row[*c]) && finishes(&row[*c], &below[*c])
                    // (Or a name that goes on in lower case.)
                    || goes_on_in_lower_case(&row[*c], &below[*c])
            })
            && above.iter().all(|c| !cut_short(c));
        // Or a row with its key over the rest of its cells cut short, stretched apart the
        // other way ("… judged to be" and "Sep-" over "good or better" and "2023", its
        // one-line cells set between them): the rest's first cell goes on the key's in lower
        // case, and each of its cells finishes the row's.
        let rest = page[k].contains('\t')
            && page[k + 1].contains('\t')
            && row.len() >= 3
            && row.len() == below.len()
            && !row[0].trim().is_empty()
            && below[0].trim().starts_with(char::is_lowercase)
            && below.iter().any(|c| c.trim().is_empty())
            && (1..row.len()).all(|c| {
                below[c].trim().is_empty()
                    || cut_short(&row[c]) && finishes(&row[c], &below[c])
                    || !row[c].trim().is_empty() && goes_on_in_lower_case(&row[c], &below[c])
            });
        // Or a name's first line alone, cut short ("… training (3"), over the row's other
        // lines, its figures and all, that finish it ("month avg)  Aug-2023  95.0% …").
        let name_first = page[k].contains('\t')
            && page[k + 1].contains('\t')
            && row.len() >= 3
            && row.len() == below.len()
            && row[1..].iter().all(|c| c.trim().is_empty())
            && cut_short(&row[0])
            && finishes(&row[0], &below[0])
            && below[1..].iter().any(|c| !c.trim().is_empty());
        if joins {
            page[k + 1] = joined_cells(&row, &below);
            page.remove(k);
        } else if rest || name_first {
            page[k] = joined_cells(&row, &below);
            page.remove(k + 1);
        } else {
            k += 1;
        }
    }
}

/// Whether a cell's text is cut short: broken at a hyphen ("Aug-"), a bracket left open ("Good
/// (Strong"), or ending on a joining word ("Number of").
fn cut_short(cell: &str) -> bool {
    let c = cell.trim();
    broken_at_hyphen(c) || crate::text::open_ended(c)
}

/// Whether a cell's text finishes one cut short: a broken word's rest ("2023" after "Aug-"),
/// the bracket closed ("in Q1)"), or words in lower case after a joining word.
fn finishes(cut: &str, rest: &str) -> bool {
    let (a, b) = (cut.trim(), rest.trim());
    broken_at_hyphen(a) && b.starts_with(|c: char| c.is_ascii_alphanumeric())
        || crate::text::open_bracket(a) && b.ends_with(')')
        || crate::text::ends_on_joining_word(a)
            && b.starts_with(|c: char| c.is_lowercase() || c.is_ascii_digit())
}

/// Whether a cell's text goes on in the next text: that starts in lower case, after a text
/// that does not end a sentence ("Number of new people accessing" over "support through …").
fn goes_on_in_lower_case(cell: &str, rest: &str) -> bool {
    rest.trim().starts_with(char::is_lowercase)
        && !cell.trim_end().ends_with(['.', ':', ';', '!', '?'])
}

/// How many spaces a line of the fixed-width text starts with.
fn indent(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ').count()
}

/// Where a page break falls: the last line with text on page `n - 1` and the first on page `n`.
fn page_break(pages: &[Vec<String>], n: usize) -> Option<(usize, usize)> {
    let last = pages[n - 1].iter().rposition(|l| !l.trim().is_empty())?;
    let first = pages[n].iter().position(|l| !l.trim().is_empty())?;
    Some((last, first))
}

/// A row set at the bottom of its cells broken over a page under a header in columns of text:
/// its name's first lines at the foot, each one run at the table's left, its figures one line
/// under them ("The daily / average of days / lost to delayed" over "6.7  5.6  6.5  5.6  ☑"),
/// and its name's rest atop the next page under the header printed again in cells, a row of
/// the name alone going on in lower case ("transfers of care per 100,000 population"). The
/// row is made one, in cells under the header in cells.
fn bottom_row_rest_under_tab_header(pages: &mut [Vec<String>]) {
    for n in 1..pages.len() {
        let Some((last, first)) = page_break(pages, n) else {
            continue;
        };
        let (header, Some(rest)) = (&pages[n][first], pages[n].get(first + 1)) else {
            continue;
        };
        let (header_cells, rest_cells) = (tab_cells(header), tab_cells(rest));
        let figures = &pages[n - 1][last];
        let pieces = text_pieces(figures);
        if !header.contains("\t<b>")
            || header_cells.len() < 3
            || !header_cells[0].trim().is_empty()
            || rest_cells.len() != header_cells.len()
            || rest_cells[1..].iter().any(|c| !c.trim().is_empty())
            || figures.contains('\t')
            || pieces.len() != header_cells.len() - 1
            || indent(figures) == 0
        {
            continue;
        }
        // The name's lines above the figures, then the header in columns of text, the same
        // words as the one printed again, its cells starting where the figures' do.
        let mut top = last;
        while top > 0 && {
            let l = &pages[n - 1][top - 1];
            !l.trim().is_empty() && indent(l) == 0 && !l.contains('\t') && !l.contains("   ")
        } {
            top -= 1;
        }
        if top == last || top == 0 {
            continue;
        }
        let over = &pages[n - 1][top - 1];
        let starts: Vec<usize> = text_pieces(over).iter().map(|p| p.0).collect();
        let name = pages[n - 1][top..last]
            .iter()
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join(" ");
        if over.contains('\t')
            || plain(over) != plain(header)
            || starts.len() != pieces.len()
            || starts.iter().zip(&pieces).any(|(s, p)| s.abs_diff(p.0) > 2)
            || !goes_on_in_lower_case(&name, &rest_cells[0])
        {
            continue;
        }
        let mut row = vec![format!("{name} {}", rest_cells[0].trim())];
        row.extend(pieces.iter().map(|p| p.2.trim().to_string()));
        let (header, row) = (header.clone(), row.join("\t"));
        pages[n - 1].splice(top - 1..=last, [header, row]);
        pages[n].remove(first + 1);
    }
}

/// A row broken over the page, no header printed again over its rest (wkhtmltopdf with the
/// header in the body's rows): the next page opens with a row of as many cells that finishes
/// it. Its name goes on in lower case ("… access to Superfast" over "broadband (>30Mbps)"), or
/// a cell cut short at the foot is finished there ("Action (Good" over "in Q1)") and the rest
/// fills the cells the foot left empty (its figures). Joined into the row at the foot.
fn row_rest_atop(pages: &mut [Vec<String>]) {
    for n in 1..pages.len() {
        let Some((last, first)) = page_break(pages, n) else {
            continue;
        };
        let (row, rest) = (tab_cells(&pages[n - 1][last]), tab_cells(&pages[n][first]));
        if !pages[n - 1][last].contains('\t')
            || !pages[n][first].contains('\t')
            || pages[n][first].contains("<b>")
            || row.len() < 3
            || rest.len() != row.len()
            || row[0].trim().is_empty()
            || rest[0].trim().is_empty()
        {
            continue;
        }
        let both: Vec<usize> = (0..row.len())
            .filter(|c| !row[*c].trim().is_empty() && !rest[*c].trim().is_empty())
            .collect();
        let finished = both
            .iter()
            .any(|c| *c > 0 && cut_short(&row[*c]) && finishes(&row[*c], &rest[*c]));
        let fills = (1..row.len()).any(|c| row[c].trim().is_empty() && !rest[c].trim().is_empty());
        let goes_on = both.iter().all(|c| {
            finishes(&row[*c], &rest[*c])
                || goes_on_in_lower_case(&row[*c], &rest[*c])
                || *c == 0 && finished && fills
        });
        if goes_on && (rest[0].trim().starts_with(char::is_lowercase) || finished && fills) {
            pages[n - 1][last] = joined_cells(&row, &rest);
            pages[n].remove(first);
        }
    }
}

/// A table of a header and one row's first lines at a page's foot, printed in columns of text
/// (too few lines there for its cells to be found), and the row's rest opening the next page as
/// a row of cells whose first starts in lower case (a browser that does not print the header
/// again: wkhtmltopdf). The row's lines are set in the header's columns and joined cell by
/// cell to their rest; the header and the row are printed as rows of cells.
fn aligned_row_over_pages(pages: &mut [Vec<String>]) {
    for n in 1..pages.len() {
        let Some((start, last)) = last_block_under_heading(&pages[n - 1]) else {
            continue;
        };
        let Some(first) = pages[n].iter().position(|l| !l.trim().is_empty()) else {
            continue;
        };
        let block = &pages[n - 1][start..=last];
        let head = text_pieces(&block[0]);
        let starts: Vec<usize> = head.iter().map(|(at, _, _)| *at).collect();
        let rest = tab_cells(&pages[n][first]);
        let lower = rest[0].trim().starts_with(char::is_lowercase);
        if block.len() < 2
            || block.iter().any(|l| l.contains('\t') || l.starts_with('#'))
            || starts.len() < 3
            || starts[0] > 1
            || rest.len() != starts.len()
            || !lower
        {
            continue;
        }
        let mut row = vec![String::new(); starts.len()];
        for line in &block[1..] {
            for (at, _, text) in text_pieces(line) {
                let column = starts.iter().rposition(|s| *s <= at + 1).unwrap_or(0);
                let cell = &mut row[column];
                if !cell.is_empty() {
                    cell.push(' ');
                }
                cell.push_str(text.trim());
            }
        }
        // The row begun: its first cell, and a cell its rest leaves empty or goes on.
        if row[0].is_empty() {
            continue;
        }
        let head: Vec<&str> = head.iter().map(|(_, _, t)| t.trim()).collect();
        let lines = [head.join("\t"), joined_cells(&row, &rest)];
        pages[n - 1].splice(start..=last, lines);
        pages[n].remove(first);
    }
}

/// A chart's first row alone at a page's foot, its label and figure a word's space apart (too
/// few lines there for columns: "2022-2023 £428,630"), and its other rows atop the next page in
/// columns of text: the row is set in their columns.
fn chart_row_over_pages(pages: &mut [Vec<String>]) {
    // A line of a label and a figure a word's space apart: where the figure starts.
    let run_together = |line: &str| -> Option<(String, String)> {
        let (label, value) = line.trim().rsplit_once(' ')?;
        let figure = lapis_model::value::parse_value(value).is_some_and(|v| v.number.is_some());
        (!line.contains('\t')
            && !line.starts_with([' ', '#'])
            && !line.contains("  ")
            && figure
            && label.len() <= 40
            && !label.ends_with(['.', ':', ';', ',']))
        .then(|| (label.to_string(), value.to_string()))
    };
    for n in 1..pages.len() {
        let Some(last) = pages[n - 1].iter().rposition(|l| !l.trim().is_empty()) else {
            continue;
        };
        // The foot's rows: its last lines, each so.
        let mut first = last;
        while first > 0 && run_together(&pages[n - 1][first - 1]).is_some() {
            first -= 1;
        }
        let foot: Vec<Option<(String, String)>> = (first..=last)
            .map(|k| run_together(&pages[n - 1][k]))
            .collect();
        if foot.iter().any(Option::is_none) {
            continue;
        }
        // Two lines or more atop the next page, each a label and a value, the values in one
        // column past the labels' ends.
        let rows: Vec<Vec<crate::layout::Chunk>> = pages[n]
            .iter()
            .take_while(|l| !l.trim().is_empty())
            .map(|l| text_pieces(l))
            .collect();
        let widest = foot
            .iter()
            .flatten()
            .map(|(label, _)| label.chars().count())
            .max()
            .unwrap_or(0);
        let at = rows.first().and_then(|r| r.get(1)).map(|p| p.0);
        let Some(at) = at.filter(|at| *at > widest) else {
            continue;
        };
        if rows.len() < 2
            || pages[n][0].contains('\t')
            || !rows
                .iter()
                .all(|r| r.len() == 2 && r[0].0 == 0 && r[1].0 == at)
        {
            continue;
        }
        for (k, (label, value)) in (first..=last).zip(foot.into_iter().flatten()) {
            pages[n - 1][k] = format!("{label:<at$}{value}");
        }
    }
}

/// A table of a header and one row's first lines at a page's foot, both printed in columns of
/// text (a blank line between them; too few lines there for the cells to be found), and the
/// header printed again in cells atop the next page over the rest of the row, its key cell
/// empty (LibreOffice). The row's lines are read in the columns their texts start in (as many
/// as the header's cells), joined cell by cell to their rest, and printed under the header in
/// cells.
fn aligned_row_under_header_over_pages(pages: &mut [Vec<String>]) {
    let aligned = |l: &str| !l.contains('\t') && !l.starts_with('#') && !l.trim().is_empty();
    for n in 1..pages.len() {
        let Some((start, last)) = last_block(&pages[n - 1]) else {
            continue;
        };
        let Some(first) = pages[n].iter().position(|l| !l.trim().is_empty()) else {
            continue;
        };
        let (tab_head, rest) = match (pages[n].get(first), pages[n].get(first + 1)) {
            (Some(h), Some(r)) if h.contains("<b>") && r.contains('\t') => {
                (h.clone(), tab_cells(r))
            }
            _ => continue,
        };
        let cells = tab_cells(&tab_head).len();
        if cells < 3
            || rest.len() != cells
            || !rest[0].trim().is_empty()
            || rest.iter().all(|c| c.trim().is_empty())
            || !pages[n - 1][start..=last].iter().all(|l| aligned(l))
        {
            continue;
        }
        // The header over the row: one to three lines of the header's words, a blank line
        // before the row.
        let Some(head_end) = start
            .checked_sub(1)
            .filter(|&b| pages[n - 1][b].trim().is_empty())
        else {
            continue;
        };
        let mut head_start = head_end;
        while head_start > 0 && head_end - head_start < 3 && aligned(&pages[n - 1][head_start - 1])
        {
            head_start -= 1;
        }
        let words = |lines: &[String]| sorted_words(lines.iter().map(|l| plain(l)));
        if head_start == head_end
            || words(&pages[n - 1][head_start..head_end]) != words(std::slice::from_ref(&tab_head))
        {
            continue;
        }
        // The row's columns: where its lines' texts start.
        let mut starts: Vec<usize> = pages[n - 1][start..=last]
            .iter()
            .flat_map(|l| text_pieces(l).into_iter().map(|(at, _, _)| at))
            .collect();
        starts.sort_unstable();
        starts.dedup_by(|b, a| *b <= *a + 2);
        if starts.len() != cells || starts[0] > 1 {
            continue;
        }
        let mut row = vec![String::new(); cells];
        for line in &pages[n - 1][start..=last] {
            for (at, _, text) in text_pieces(line) {
                let column = starts.iter().rposition(|s| *s <= at + 2).unwrap_or(0);
                let cell = &mut row[column];
                if !cell.is_empty() && !crate::text::joined_unspaced(cell, &text) {
                    cell.push(' ');
                }
                cell.push_str(text.trim());
            }
        }
        if row[0].is_empty() {
            continue;
        }
        let lines = [tab_head, joined_cells(&row, &rest)];
        pages[n - 1].splice(head_start..=last, lines);
        pages[n].remove(first + 1);
    }
}

/// A page's last block of lines (as `last_block`), from under the heading that titles it (a
/// heading right over a table's header).
fn last_block_under_heading(page: &[String]) -> Option<(usize, usize)> {
    let (mut start, last) = last_block(page)?;
    while start < last && page[start].starts_with('#') {
        start += 1;
    }
    Some((start, last))
}

/// A page's last block of lines (after its last blank line): where what runs to the page's
/// foot starts, and its last line.
fn last_block(page: &[String]) -> Option<(usize, usize)> {
    let last = page.iter().rposition(|l| !l.trim().is_empty())?;
    let start = page[..last]
        .iter()
        .rposition(|l| l.trim().is_empty())
        .map_or(0, |b| b + 1);
    Some((start, last))
}

/// A table laid out in columns (no column rules) whose first lines open the next page again
/// over its rest: the header a word processor prints on each page, or only its first line
/// (Word repeats the rows marked as header rows; a header of two rows may have only its first
/// so marked). The repeat is dropped, so that the rest goes on under the header printed first.
fn headers_again_over_pages(pages: &mut [Vec<String>]) {
    let aligned = |l: &str| !l.contains('\t') && l.trim().contains("   ");
    for n in 1..pages.len() {
        let Some((start, last)) = last_block(&pages[n - 1]) else {
            continue;
        };
        let block = &pages[n - 1][start..=last];
        let Some(first) = pages[n].iter().position(|l| !l.trim().is_empty()) else {
            continue;
        };
        let same = |a: &str, b: &str| a.trim_end() == b.trim_end();
        let k = (0..block.len())
            .take_while(|&i| pages[n].get(first + i).is_some_and(|l| same(l, &block[i])))
            .count();
        let rows_follow = pages[n]
            .get(first + k)
            .is_some_and(|l| !l.trim().is_empty() && !l.contains('\t'));
        if k == 0 || k >= block.len() || !rows_follow || !block[..k].iter().any(|l| aligned(l)) {
            continue;
        }
        pages[n].drain(first..first + k);
    }
}

/// The same for a table laid out in columns (no column rules): the last row of a page goes on
/// under the header repeated at the top of the next, in lines of its cells only (a first column
/// left empty, or the rest of a name in one run). Those lines are moved up to the row they
/// continue, so that the fixed-width reader joins them to it rather than to the header.
fn cells_over_pages(pages: &mut [Vec<String>]) {
    let aligned = |l: &str| !l.contains('\t') && l.trim().contains("   ");
    for n in 1..pages.len() {
        let Some((last, first)) = page_break(pages, n) else {
            continue;
        };
        // A table runs at the foot of the previous page: lines of text in columns, or a row of
        // cells.
        let tabbed = pages[n - 1][last].contains('\t');
        if !tabbed
            && !pages[n - 1][last.saturating_sub(8)..=last]
                .iter()
                .any(|l| aligned(l) || l.starts_with("  ") && !l.trim().is_empty())
        {
            continue;
        }
        // Its header, printed again: lines of cells that the previous page printed too.
        let words = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut k = first;
        while k < pages[n].len()
            && (k > first && !pages[n][k].trim().is_empty()
                || aligned(&pages[n][k])
                || pages[n].get(k + 1).is_some_and(|l| aligned(l)))
            && pages[n - 1].iter().any(|l| {
                words(l) == words(&pages[n][k])
                    // (Or a line of a header printed before as bold cells, its words among
                    // theirs.)
                    || l.contains("\t<b>") && {
                        let cells = plain(l);
                        let cells: Vec<&str> = cells.split_whitespace().collect();
                        pages[n][k]
                            .split_whitespace()
                            .all(|w| cells.contains(&w))
                    }
            })
        {
            k += 1;
        }
        if k == first {
            continue;
        }
        // Then lines of the broken row's cells only: its first cell empty (the line set in
        // from where the header starts, the table's left on this page) or one run of text.
        // (The header's first line may be one cell set in, "Council" over "Plan theme".)
        let left = (first..k).map(|h| indent(&pages[n][h])).min().unwrap_or(0);
        let mut end = k;
        while end < pages[n].len() {
            let l = &pages[n][end];
            let blank_key = indent(l) >= left + 2 && !l.trim().is_empty();
            let one_run = !l.trim().is_empty() && !l.trim().contains("   ") && !l.contains('\t');
            if !(blank_key || one_run) || l.trim_start().starts_with('#') {
                break;
            }
            end += 1;
        }
        // A row of its own follows them (or the table ends): they are not a new row's name.
        let next_row = pages[n]
            .get(end)
            .is_none_or(|l| l.trim().is_empty() || aligned(l) && indent(l) <= left);
        if end == k || !next_row {
            continue;
        }
        if tabbed {
            // A row of cells at the foot, some empty ("RS 23    N/A  On track  Green    N/A"):
            // the lines' texts are its cells' rest, set in the columns the header's lines
            // start, as many as the row's cells; each fills a cell the row leaves empty or goes
            // on in lower case.
            let row = tab_cells(&pages[n - 1][last]);
            let mut columns: Vec<usize> = Vec::new();
            for at in (first..k).flat_map(|h| piece_starts(&pages[n][h])) {
                if !columns.iter().any(|c| c.abs_diff(at) <= 2) {
                    columns.push(at);
                }
            }
            columns.sort_unstable();
            if columns.len() != row.len() || columns.first().is_none_or(|c| *c > 1) {
                continue;
            }
            // (A line at the table's left is no cell's rest: a group's title over the next rows.)
            let end = (k..end)
                .find(|m| indent(&pages[n][*m]) < left + 2)
                .unwrap_or(end);
            let mut rest = vec![String::new(); row.len()];
            for line in &pages[n][k..end] {
                for (at, _, text) in text_pieces(line) {
                    let c = columns.iter().rposition(|s| *s <= at + 1).unwrap_or(0);
                    if !rest[c].is_empty() {
                        rest[c].push(' ');
                    }
                    rest[c].push_str(text.trim());
                }
            }
            let fits = (0..row.len()).all(|c| {
                rest[c].is_empty()
                    || row[c].trim().is_empty()
                    || goes_on_in_lower_case(&row[c], &rest[c])
            });
            if !fits || rest.iter().all(String::is_empty) {
                continue;
            }
            pages[n - 1][last] = joined_cells(&row, &rest);
            pages[n].drain(k..end);
            continue;
        }
        // (A header known only by the words of bold cells printed before gives no columns to
        // set lines of text in.)
        if !(first..k).all(|h| pages[n - 1].iter().any(|l| words(l) == words(&pages[n][h]))) {
            continue;
        }
        // Set in the columns of the header printed first: a page may print the table's
        // columns at other places, and the fixed-width reader reads columns at one place.
        let header = (first..k)
            .filter_map(|h| {
                let before = pages[n - 1]
                    .iter()
                    .rev()
                    .find(|l| words(l) == words(&pages[n][h]))?;
                let (from, to) = (piece_starts(&pages[n][h]), piece_starts(before));
                (from.len() >= 2 && from.len() == to.len()).then_some((from, to))
            })
            .max_by_key(|(from, _)| from.len());
        let moved: Vec<String> = pages[n]
            .drain(k..end)
            .flat_map(|l| match &header {
                Some((from, to)) => realigned(&l, from, to),
                None => vec![l],
            })
            .collect();
        let at = last + 1;
        pages[n - 1].splice(at..at, moved);
    }
}

/// A row of cells set at the top of their rows broken over a page with no header printed
/// again: the cells of one line stay at the page's foot ("4.7%  7.4%  Red  4.7%  Deteriorating",
/// its first cell empty), the cells that wrap go on atop the next, in the same columns and in
/// those only ("EHCS  Percentage  …  A City of" over "PM21  of young  …  Growth"). The row's
/// lines are moved to the foot, its first line set into the line there.
fn complementary_row_over_pages(pages: &mut [Vec<String>]) {
    let aligned = |l: &str| !l.contains('\t') && !l.trim_start().starts_with('#');
    for n in 1..pages.len() {
        let Some((last, first)) = page_break(pages, n) else {
            continue;
        };
        let (foot, top) = (&pages[n - 1][last], &pages[n][first]);
        let (cells, rest) = (text_pieces(foot), text_pieces(top));
        if !aligned(foot)
            || !aligned(top)
            || cells.len() < 2
            || rest.len() < 2
            || indent(top) > 1
            || rest[0].0 + 2 >= cells[0].0
        {
            continue;
        }
        // Each of the foot's cells lies where no cell of the rest does, with a cell of the
        // rest on both sides of them (the same table's columns, the foot's one line between).
        let clear = cells
            .iter()
            .all(|c| rest.iter().all(|r| r.1 + 2 <= c.0 || r.0 >= c.1 + 2));
        let last_rest = rest.iter().map(|r| r.1).max().unwrap_or(0);
        let last_cell = cells.iter().map(|c| c.1).max().unwrap_or(0);
        if !clear || last_rest <= last_cell {
            continue;
        }
        // The row's lines: its first and those under it with no text in the foot's cells'
        // columns (the next row has its figures there).
        let mut end = first + 1;
        while end < pages[n].len() && {
            let l = &pages[n][end];
            !l.trim().is_empty()
                && aligned(l)
                && text_pieces(l)
                    .iter()
                    .all(|r| cells.iter().all(|c| r.1 + 2 <= c.0 || r.0 >= c.1 + 2))
        } {
            end += 1;
        }
        let mut line: Vec<char> = top.chars().collect();
        for (at, _, text) in &cells {
            for (k, ch) in text.chars().enumerate() {
                if line.len() <= at + k {
                    line.resize(at + k + 1, ' ');
                }
                line[at + k] = ch;
            }
        }
        let mut moved: Vec<String> = pages[n].drain(first..end).collect();
        moved[0] = line.into_iter().collect::<String>().trim_end().to_string();
        pages[n - 1].splice(last..=last, moved);
    }
}

/// Where a line's texts start (in characters): after the line's indent and after each run of
/// two spaces or more.
fn piece_starts(line: &str) -> Vec<usize> {
    text_pieces(line).into_iter().map(|(at, _, _)| at).collect()
}

/// A line's texts apart by two spaces or more, as the fixed-width reader takes them.
fn text_pieces(line: &str) -> Vec<crate::layout::Chunk> {
    crate::layout::chunks(&line.chars().collect::<Vec<_>>())
}

/// A line of a table's cells printed with its columns starting at `from`, printed again with
/// them at `to`: each text moves as far as the column it starts nearest to. A page may print
/// its text in narrower characters than the page the columns are taken from, so a text that
/// would run up to the next column there goes on, word by word, on lines of its own below.
fn realigned(line: &str, from: &[usize], to: &[usize]) -> Vec<String> {
    let mut lines: Vec<Vec<(usize, String)>> = Vec::new();
    for (at, _, text) in text_pieces(line) {
        let column = (0..from.len())
            .min_by_key(|&c| from[c].abs_diff(at))
            .unwrap_or(0);
        let moved = (at + to[column]).saturating_sub(from[column]);
        let limit = to
            .get(column + 1)
            .map_or(usize::MAX, |next| next.saturating_sub(2));
        let mut k = 0;
        let mut part = String::new();
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            let len = part.chars().count() + 1 + word.chars().count();
            if !part.is_empty() && moved + len > limit {
                place(&mut lines, k, moved, std::mem::take(&mut part));
                k += 1;
            }
            if !part.is_empty() {
                part.push(' ');
            }
            part.push_str(word);
        }
        place(&mut lines, k, moved, part);
    }
    lines
        .into_iter()
        .map(|pieces| {
            let mut out = String::new();
            for (at, text) in pieces {
                let len = out.chars().count();
                let at = if len == 0 { at } else { at.max(len + 2) };
                out.extend(std::iter::repeat_n(' ', at - len));
                out.push_str(&text);
            }
            out
        })
        .collect()
}

/// Puts a text at `at` on the `k`th of the lines a line is printed in.
fn place(lines: &mut Vec<Vec<(usize, String)>>, k: usize, at: usize, text: String) {
    if lines.len() <= k {
        lines.resize(k + 1, Vec::new());
    }
    lines[k].push((at, text));
}

/// A table row a word processor let break across a page (Word's and LibreOffice's default):
/// its cells' last lines open the next page, under the repeated header, in a row whose key
/// cell is empty. They are joined back, cell by cell, to the row they began on.
fn rows_over_pages(pages: &mut [Vec<String>]) {
    for n in 1..pages.len() {
        let Some(mut last) = pages[n - 1].iter().rposition(|l| !l.trim().is_empty()) else {
            continue;
        };
        let Some(header) = pages[n].iter().position(|l| !l.trim().is_empty()) else {
            continue;
        };
        // A header printed alone at the foot of the page, and again over the rows on the next
        // (WeasyPrint): the lone one holds no row.
        if pages[n - 1][last].contains('\t') && pages[n - 1][last] == pages[n][header] {
            pages[n - 1].remove(last);
            let Some(before) = pages[n - 1].iter().rposition(|l| !l.trim().is_empty()) else {
                continue;
            };
            last = before;
        }
        // A table's header printed alone at the foot of the page (a table a page break
        // parted after its header, not printed again), its rows on the next: it heads them.
        let lone_header = pages[n - 1][last].contains('\t')
            && pages[n][header].contains('\t')
            && pages[n][header] != pages[n - 1][last]
            && tab_cells(&pages[n][header]).len() == tab_cells(&pages[n - 1][last]).len()
            && pages[..n]
                .iter()
                .flatten()
                .filter(|l| **l == pages[n - 1][last])
                .count()
                >= 2;
        if lone_header {
            let moved = pages[n - 1].remove(last);
            pages[n].insert(header, moved);
            continue;
        }
        if rest_under_aligned_header(pages, n, last, header) {
            continue;
        }
        if middle_rest_atop(pages, n, last, header) {
            continue;
        }
        let (row, head) = (tab_cells(&pages[n - 1][last]), tab_cells(&pages[n][header]));
        // A row whose key the page break cut at its hyphen ("SO-" at the foot, "03" atop the
        // next page, wkhtmltopdf's middle-set row over no header): the rest of each cell opens
        // the next page, its key a word of digits or capitals.
        let key_rest = head[0].trim();
        let key_broken = row.len() >= 3
            && head.len() == row.len()
            && broken_at_hyphen(row[0].trim())
            && row[0].trim().len() <= 8
            && !key_rest.is_empty()
            && key_rest.len() <= 6
            && key_rest
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
        if key_broken {
            pages[n - 1][last] = joined_cells(&row, &head);
            pages[n].remove(header);
            continue;
        }
        let Some(next) = pages[n].get(header + 1).map(|l| tab_cells(l)) else {
            continue;
        };
        // The previous page ends on a row with its key; this one opens with the table's header
        // and then a row of the same cells whose key is empty.
        let header_repeated =
            head.len() == row.len() && pages[n - 1].iter().any(|l| tab_cells(l) == head);
        // Or a row of its first cell only that goes on from the name above it (not starting in
        // capitals, or after "… 'Good' or", "… feel informed about"): the rest of a name in a
        // table whose first column is the name.
        let name_goes_on = next.len() == row.len()
            && next[1..].iter().all(|c| c.trim().is_empty())
            && (next[0]
                .trim()
                .trim_start_matches("<b>")
                .chars()
                .next()
                .is_some_and(|c| !c.is_uppercase())
                || crate::text::ends_on_joining_word(&row[0]));
        // Or a row whose name starts in lower case, whatever its other cells hold: the rest of
        // each cell of a row broken over the page (no row's name starts so).
        let lower_goes_on = next.len() == row.len()
            && next[0]
                .trim()
                .trim_start_matches("<b>")
                .chars()
                .next()
                .is_some_and(char::is_lowercase);
        // Or the table's last line, of its first cell only: the rest of the row's name (a row
        // of a name alone ends no table).
        let name_ends_table = next.len() == row.len()
            && next[1..].iter().all(|c| c.trim().is_empty())
            && pages[n]
                .get(header + 2)
                .is_none_or(|l| tab_cells(l).len() != row.len());
        // Or a short label broken over the page ("Requires" at the foot, "Improvement" atop
        // the next, under the header's first row printed again): a word or two of no figures
        // after a row whose every cell is filled and whose own label is a word or two, with
        // the table's rows going on under it.
        let short_label = |c: &str| {
            let words = c.split_whitespace().count();
            (1..=2).contains(&words) && !c.chars().any(|c| c.is_ascii_digit())
        };
        let label_goes_on = next.len() == row.len()
            && next[1..].iter().all(|c| c.trim().is_empty())
            && short_label(next[0].trim())
            && short_label(row[0].trim())
            && row[1..].iter().all(|c| !c.trim().is_empty())
            && pages[n]
                .get(header + 2)
                .is_some_and(|l| tab_cells(l).len() == row.len());
        // A header of two rows repeated is no row's rest: its second row is the line after
        // the header's first on the page before.
        let second_header = pages[n - 1]
            .iter()
            .position(|l| tab_cells(l) == head)
            .and_then(|h| pages[n - 1].get(h + 1))
            .is_some_and(|l| tab_cells(l) == next);
        // Or a row whose cells are split between the pages, none on both but a name that goes
        // on in lower case (WeasyPrint may print a row's figures at the foot of one page and
        // its name atop the next; set in the middle of a ruled row, its figures and the first
        // words of its name at the foot, its key and the rest of its name atop the next).
        let split_row = next.len() == row.len()
            && row[0].trim().is_empty()
            && !next[0].trim().is_empty()
            && row.iter().zip(&next).all(|(a, b)| {
                a.trim().is_empty() || b.trim().is_empty() || goes_on_in_lower_case(a, b)
            });
        // Or a row whose name the page cut after a joining word ("Percentage reduction in"
        // over "CO2e from 2009-10 baseline") and whose other cells are split between the
        // pages, none on both (WeasyPrint sets each cell of a row in the middle of it: a short
        // one falls wholly on one page or the other).
        let name_cells_split = next.len() == row.len()
            && cut_short(&row[0])
            && row[1..]
                .iter()
                .zip(&next[1..])
                .all(|(a, b)| a.trim().is_empty() || b.trim().is_empty())
            && next[1..].iter().any(|c| !c.trim().is_empty())
            && row[1..].iter().any(|c| !c.trim().is_empty());
        if row.len() < 3
            || row[0].trim().is_empty() && !split_row
            || !header_repeated
            || second_header
            || next.len() != row.len()
            || !next[0].trim().is_empty()
                && !name_goes_on
                && !label_goes_on
                && !lower_goes_on
                && !name_ends_table
                && !split_row
                && !name_cells_split
            || next.iter().all(|c| c.trim().is_empty())
        {
            continue;
        }
        pages[n - 1][last] = joined_cells(&row, &next);
        pages[n].remove(header + 1);
        // The table's rows go on under its header.
        let blank = pages[n]
            .get(header + 1)
            .is_some_and(|l| l.trim().is_empty());
        let row_after = pages[n]
            .get(header + 2)
            .is_some_and(|l| tab_cells(l).len() == head.len());
        if blank && row_after {
            pages[n].remove(header + 1);
        }
    }
}

/// A header printed again with two neighbouring cells as one, their words interleaved
/// ("Expected Progress Completion": the rest of a row under it leaves both columns empty, and
/// nothing parts them) or run together ("ProgressComments", cells a pixel apart) is the header
/// printed before; the rows right under it, each with the merged cell empty, have that cell in
/// both columns. (A row with text there is left as it is: which column it belongs to is not
/// known.)
fn merged_headers_again(pages: &mut [Vec<String>]) {
    let mut headers: Vec<Vec<String>> = Vec::new();
    let at = line_places(pages);
    let mut i = 0;
    while i < at.len() {
        let (n, k) = at[i];
        i += 1;
        let line = tab_cells(&pages[n][k]);
        if line.len() < 3 {
            continue;
        }
        let Some((header, m)) = headers
            .iter()
            .rev()
            .find_map(|h| merged_cell(h, &line).map(|m| (h.clone(), m)))
        else {
            if line.iter().any(|c| c.contains("<b>")) && !headers.contains(&line) {
                headers.push(line);
            }
            continue;
        };
        // The rows under it, blank lines between them, to the table's end.
        let span = at[i..]
            .iter()
            .take_while(|&&(n, k)| {
                pages[n][k].trim().is_empty() || tab_cells(&pages[n][k]).len() == line.len()
            })
            .count();
        let rows: Vec<(usize, usize)> = at[i..i + span]
            .iter()
            .copied()
            .filter(|&(n, k)| !pages[n][k].trim().is_empty())
            .collect();
        if rows
            .iter()
            .any(|&(n, k)| !tab_cells(&pages[n][k])[m].trim().is_empty())
        {
            continue;
        }
        pages[n][k] = header.join("\t");
        for &(n, k) in &rows {
            let mut row = tab_cells(&pages[n][k]);
            row.insert(m + 1, String::new());
            pages[n][k] = row.join("\t");
        }
        i += span;
    }
}

/// A header printed again with a column of its own that has no header cell (the rows' text
/// set at the left of a cell whose header is centred further right: "improvement in …" under
/// no header, left of "Strategic Objective" over nothing): where the header printed before has
/// the same cells without it, and the column's neighbour on one side holds nothing in the rows
/// under it, the column is that neighbour's (right first: text at its cell's left edge).
fn split_headers_again(pages: &mut [Vec<String>]) {
    let mut headers: Vec<Vec<String>> = Vec::new();
    let at = line_places(pages);
    let mut i = 0;
    while i < at.len() {
        let (n, k) = at[i];
        i += 1;
        let line = tab_cells(&pages[n][k]);
        if line.len() < 3 || !pages[n][k].contains("<b>") {
            continue;
        }
        let named: Vec<String> = line
            .iter()
            .filter(|c| !c.trim().is_empty())
            .cloned()
            .collect();
        let Some(header) = headers.iter().rev().find(|h| {
            h.len() == named.len()
                && h.len() < line.len()
                && h.iter().all(|c| !c.trim().is_empty())
                && **h == named
        }) else {
            if !headers.contains(&line) {
                headers.push(line);
            }
            continue;
        };
        let header = header.clone();
        let rows: Vec<(usize, usize)> = at[i..]
            .iter()
            .copied()
            .take_while(|&(n, k)| {
                tab_cells(&pages[n][k]).len() == line.len() && !pages[n][k].contains("<b>")
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let empty_under = |c: usize| {
            rows.iter()
                .all(|&(n, k)| tab_cells(&pages[n][k])[c].trim().is_empty())
        };
        // Each unheaded column, to the neighbour it joins.
        let mut into: Vec<usize> = (0..line.len()).collect();
        let mut ok = true;
        for c in 0..line.len() {
            if !line[c].trim().is_empty() {
                continue;
            }
            let right = c + 1 < line.len() && !line[c + 1].trim().is_empty() && empty_under(c + 1);
            let left = c > 0 && !line[c - 1].trim().is_empty() && empty_under(c - 1);
            match (right, left) {
                (true, _) => into[c] = c + 1,
                (false, true) => into[c] = c - 1,
                _ if empty_under(c) => into[c] = if c + 1 < line.len() { c + 1 } else { c - 1 },
                _ => ok = false,
            }
        }
        if !ok {
            continue;
        }
        // The columns kept, in order: the headed ones.
        let kept: Vec<usize> = (0..line.len())
            .filter(|c| !line[*c].trim().is_empty())
            .collect();
        pages[n][k] = header.join("\t");
        for &(n, k) in &rows {
            let row = tab_cells(&pages[n][k]);
            let mut out = vec![String::new(); kept.len()];
            for (c, text) in row.iter().enumerate() {
                if text.trim().is_empty() {
                    continue;
                }
                let t = kept.iter().position(|k| *k == into[c]).unwrap_or(0);
                if !out[t].is_empty() {
                    out[t].push(' ');
                }
                out[t].push_str(text.trim());
            }
            pages[n][k] = out.join("\t");
        }
        i += rows.len();
    }
}

/// Where each line of the pages is: its page and its place on the page, in order.
fn line_places(pages: &[Vec<String>]) -> Vec<(usize, usize)> {
    (0..pages.len())
        .flat_map(|n| (0..pages[n].len()).map(move |k| (n, k)))
        .collect()
}

/// In a table whose cells are set at the bottom of their rows, a row of no key right over a row
/// whose cells it fills, each column filled by one of them only, is that row's first lines: a
/// tall cell the page break cut ("Percentage of Unclassified road network where maintenance
/// should be" over "SO-12" and its figures, the name's rest atop the next page) stands above
/// the row's line of one-line cells with none of its own text on it.
fn keyless_joined_below(lines: &mut [String]) {
    let rows: Vec<usize> = (0..lines.len()).filter(|k| !lines[*k].is_empty()).collect();
    for w in rows.windows(2) {
        let (a, b) = (tab_cells(&lines[w[0]]), tab_cells(&lines[w[1]]));
        let blank = |c: &String| c.trim().is_empty();
        let joins = a.len() == b.len()
            && a.len() >= 3
            && blank(&a[0])
            && !blank(&b[0])
            && !lines[w[0]].contains("<b>")
            && a.iter().any(|c| !blank(c))
            && a.iter().zip(&b).all(|(x, y)| blank(x) || blank(y));
        if joins {
            let joined: Vec<&str> = a
                .iter()
                .zip(&b)
                .map(|(x, y)| if blank(x) { y.as_str() } else { x.as_str() })
                .collect();
            lines[w[1]] = joined.join("\t");
            lines[w[0]] = String::new();
        }
    }
}

/// A line's tab-separated cells, as a text export prints a row.
fn tab_cells(line: &str) -> Vec<String> {
    line.split('\t').map(str::to_string).collect()
}

/// Where `merged` is the header `header` with the cells `m` and `m + 1` printed as one, their
/// words interleaved (two bold cells of a few words set too close to part): `m`.
fn merged_cell(header: &[String], merged: &[String]) -> Option<usize> {
    if header.len() != merged.len() + 1 || header.len() < 3 {
        return None;
    }
    let words = |s: &str| {
        let mut w: Vec<String> = s
            .replace("<b>", " ")
            .replace("</b>", " ")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        w.sort_unstable();
        w
    };
    // (Or the two run together, a pixel apart: "ProgressComments".)
    let letters = |s: &str| -> String {
        s.replace("<b>", "")
            .replace("</b>", "")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    let m = (0..merged.len()).find(|m| header[*m] != merged[*m])?;
    let both = words(&format!("{} {}", header[m], header[m + 1]));
    let run_together = letters(&merged[m]) == letters(&header[m]) + &letters(&header[m + 1]);
    (!both.is_empty()
        && (words(&merged[m]) == both || run_together)
        && header[m + 2..] == merged[m + 1..]
        && !words(&header[m]).is_empty()
        && !words(&header[m + 1]).is_empty())
    .then_some(m)
}

/// The rest of a row broken over a page under no header (wkhtmltopdf repeats none): with its
/// cells set in the middle, the tall cells' first lines at the page's foot (a tab row whose
/// first cell is empty, under a row of the table) and the rest atop the next page, the row's key
/// and its one-line cells with it; or the key and first lines at the foot and the rest, its
/// first cell empty, atop the next. Each a tab row of as many cells; joined cell by cell.
/// Returns whether it joined them.
fn middle_rest_atop(pages: &mut [Vec<String>], n: usize, last: usize, top: usize) -> bool {
    let (row, rest) = (tab_cells(&pages[n - 1][last]), tab_cells(&pages[n][top]));
    let above = last
        .checked_sub(1)
        .and_then(|k| pages[n - 1].get(k))
        .map(|l| tab_cells(l));
    // Or the row's key and first lines at the foot, the rest of its tall cells atop the next
    // page under no header, its first cell empty.
    let key_at_foot = !row[0].trim().is_empty()
        && rest[0].trim().is_empty()
        && rest[1..].iter().any(|c| !c.trim().is_empty());
    let key_atop = row[0].trim().is_empty()
        && row[1..].iter().any(|c| !c.trim().is_empty())
        && !rest[0].trim().is_empty();
    // (Where the two lines share two cells or more, and in each a figure atop is under words
    // at the foot, the foot is a header's second row over the first row: "Primary  Secondary"
    // over "25  3". A cell of words whose figure goes on atop, "Risk score" over "12", is one
    // cell of a broken row whose name goes on too.)
    let shared: Vec<(&String, &String)> = row
        .iter()
        .zip(&rest)
        .skip(1)
        .filter(|(a, b)| !a.trim().is_empty() && !b.trim().is_empty())
        .collect();
    let figure_under_words = shared.len() >= 2
        && shared.iter().all(|(a, b)| {
            !crate::layout::is_figure(a.trim()) && crate::layout::is_figure(b.trim())
        });
    let fits = row.len() >= 3
        && rest.len() == row.len()
        && above.is_some_and(|a| a.len() == row.len())
        && (key_at_foot || key_atop)
        && !figure_under_words
        && !rest.iter().any(|c| c.contains("<b>"));
    if !fits {
        return false;
    }
    pages[n - 1][last] = joined_cells(&row, &rest);
    pages[n].remove(top);
    true
}

/// A table's header broken over a page (WeasyPrint breaks a header row whose cells wrap): its
/// first lines at the foot of one page, laid out in columns ("Same   Same   Latest" over
/// "Quarter   Quarter   Quarter"), and its rest atop the next, read with its rows as a row of
/// cells ("2023-24 (YTD)", its first cells empty). Where the lines at the foot fall in as many
/// columns as the row has cells, and neither holds a figure (a year is a header's word), each
/// cell is its column's lines and its rest: "Same Quarter 2023-24 (YTD)". Where they do not
/// (wkhtmltopdf centres its header cells: "Same  Same  Target" over three of eleven), the
/// header printed whole earlier in the report, if its cells end in the row's and the words
/// before those are the foot's, stands for both.
fn header_rest_over_pages(pages: &mut [Vec<String>]) {
    let figure = |w: &str| {
        let w = w.trim_matches(|c: char| "()£$%,.-".contains(c));
        let year = w.len() >= 4
            && w.starts_with("20")
            && w.chars()
                .all(|c| c.is_ascii_digit() || c == '-' || c == '/');
        !year && w.chars().next().is_some_and(|c| c.is_ascii_digit())
    };
    let plain = |l: &str| l.replace("<b>", "").replace("</b>", "");
    for n in 1..pages.len() {
        let Some((start, last)) = last_block(&pages[n - 1]) else {
            continue;
        };
        // The lines at the foot, a bold line's marks blanked where they stand.
        let foot: Vec<Vec<char>> = pages[n - 1][start..=last]
            .iter()
            .map(|l| {
                let t = l.trim_end();
                let bold = t.trim_start().starts_with("**") && t.ends_with("**");
                let t = if bold {
                    t.replacen("**", "  ", 1)
                } else {
                    t.to_string()
                };
                let t = if bold {
                    format!("{}  ", &t[..t.len() - 2])
                } else {
                    t
                };
                t.chars().collect()
            })
            .collect();
        let laid = foot.iter().all(|l| {
            let t: String = l.iter().collect();
            !t.contains('\t') && !t.trim_start().starts_with('#')
        }) && foot
            .iter()
            .any(|l| l.iter().collect::<String>().trim().contains("   "));
        let Some(first) = pages[n].iter().position(|l| !l.trim().is_empty()) else {
            continue;
        };
        let head = tab_cells(&pages[n][first]);
        let rows_follow = pages[n][first + 1..]
            .iter()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.split('\t').count() == head.len());
        let no_figures = |t: &str| !t.split_whitespace().any(figure);
        // A year broken at its hyphen in a narrow column ("2025-" over "26"), or a span of
        // years printed with a space ("2024 25", "2023" over "24"), holds no figure.
        let foot_text: Vec<String> = foot.iter().map(|l| l.iter().collect()).collect();
        let year_ends: Vec<String> = foot_text
            .iter()
            .flat_map(|l| l.split_whitespace())
            .filter_map(|w| {
                let digits = w.strip_suffix('-').unwrap_or(w);
                let year: u32 = digits.parse().ok()?;
                (digits.len() == 4 && digits.starts_with("20"))
                    .then(|| format!("{:02}", (year + 1) % 100))
            })
            .collect();
        let foot_figures = foot_text
            .iter()
            .flat_map(|l| l.split_whitespace())
            .any(|w| figure(w) && !year_ends.iter().any(|e| e == w));
        if !laid
            || head.len() < 3
            || !rows_follow
            || !head.iter().all(|c| no_figures(&plain(c)))
            || foot_figures
        {
            continue;
        }
        // The foot's columns: where every line leaves two spaces or more.
        let width = foot.iter().map(Vec::len).max().unwrap_or(0);
        let occupied: Vec<bool> = (0..width)
            .map(|p| foot.iter().any(|l| l.get(p).is_some_and(|c| *c != ' ')))
            .collect();
        let mut starts = Vec::new();
        let mut p = 0;
        while p < width {
            if occupied[p] && (p == 0 || (p >= 2 && !occupied[p - 1] && !occupied[p - 2])) {
                starts.push(p);
            }
            p += 1;
        }
        if starts.len() != head.len() || !head.iter().any(|c| plain(c).trim().is_empty()) {
            // Its columns not the row's (a header of wrapped cells centred in their columns,
            // whose first line holds a word of some cells only): the header printed whole
            // before, if one reads the foot's words, in order, and then the row's cells.
            let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
            let mut foot_chars: Vec<char> = foot
                .iter()
                .flatten()
                .copied()
                .filter(|c| *c != ' ')
                .collect();
            foot_chars.sort();
            let whole = pages[..n].iter().flatten().rev().find(|l| {
                let cells: Vec<String> = l.split('\t').map(plain).collect();
                let mut before: Vec<String> = Vec::new();
                cells.len() == head.len()
                    && cells.iter().zip(&head).all(|(c, h)| {
                        let (c, h) = (words(c), words(&plain(h)));
                        c.len() >= h.len() && c[c.len() - h.len()..] == h[..] && {
                            before.extend(c[..c.len() - h.len()].iter().cloned());
                            true
                        }
                    })
                    && {
                        // (In any order: a header's cells centred at heights of their own
                        // read line by line at the foot, a word broken at its hyphen there.)
                        let mut chars: Vec<char> = before.concat().chars().collect();
                        chars.sort();
                        chars == foot_chars
                    }
            });
            if let Some(whole) = whole.cloned() {
                pages[n][first] = whole;
                pages[n - 1].drain(start..=last);
            }
            continue;
        }
        let mut cells = vec![String::new(); head.len()];
        for l in &foot {
            for (c, s) in starts.iter().enumerate() {
                let end = starts.get(c + 1).copied().unwrap_or(l.len()).min(l.len());
                let text: String = l.get(*s..end).map_or(String::new(), |t| t.iter().collect());
                let text = text.trim();
                if !text.is_empty() {
                    if !cells[c].is_empty() {
                        cells[c].push(' ');
                    }
                    cells[c].push_str(text);
                }
            }
        }
        let joined: Vec<String> = cells
            .iter()
            .zip(&head)
            .map(|(above, rest)| {
                let bold = rest.starts_with("<b>");
                let rest = plain(rest);
                let text = [above.trim(), rest.trim()]
                    .iter()
                    .filter(|t| !t.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ");
                if bold && !text.is_empty() {
                    format!("<b>{text}</b>")
                } else {
                    text
                }
            })
            .collect();
        pages[n][first] = joined.join("\t");
        pages[n - 1].drain(start..=last);
    }
}

/// A header of bold cells at a page's foot, and the rest of its cells atop the next page (a
/// row of bold cells, some empty: wkhtmltopdf breaks a header's "(YTD)" off under "Same Quarter
/// 2023-24"), joined cell by cell into the header atop the next page, where the header joined
/// is one printed before.
fn bold_header_rest_over_pages(pages: &mut [Vec<String>]) {
    let bold_cells = |l: &str| -> Option<Vec<String>> {
        if !l.contains('\t') {
            return None;
        }
        let mut out = Vec::new();
        for c in l.split('\t') {
            let c = c.trim();
            if c.is_empty() {
                out.push(String::new());
            } else {
                out.push(
                    c.strip_prefix("<b>")?
                        .strip_suffix("</b>")?
                        .trim()
                        .to_string(),
                );
            }
        }
        (out.len() >= 3).then_some(out)
    };
    let words = |cells: &[String]| {
        cells
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for n in 1..pages.len() {
        let Some((last, first)) = page_break(pages, n) else {
            continue;
        };
        let (Some(foot), Some(mut rest)) = (
            bold_cells(&pages[n - 1][last]),
            bold_cells(&pages[n][first]),
        ) else {
            continue;
        };
        // (A line's trailing empty cells may not be printed.)
        if rest.len() < foot.len() {
            rest.resize(foot.len(), String::new());
        }
        // (The rest may fill every cell where the foot is a header's first line in some of
        // them: "Q4" over "2024/25 actual", a header set at its cells' foot.)
        if foot.len() != rest.len()
            || !rest.iter().any(String::is_empty) && !foot.iter().any(String::is_empty)
            || rest.iter().all(String::is_empty)
        {
            continue;
        }
        let joined: Vec<String> = foot
            .iter()
            .zip(&rest)
            .map(|(a, b)| match (a.is_empty(), b.is_empty()) {
                (_, true) => a.clone(),
                (true, false) => b.clone(),
                _ if crate::text::joined_unspaced(a, b) => format!("{a}{b}"),
                _ => format!("{a} {b}"),
            })
            .collect();
        let whole = words(&joined);
        let printed_before = pages[..n]
            .iter()
            .flatten()
            .filter_map(|l| {
                bold_cells(l).or_else(|| {
                    l.contains('\t').then(|| {
                        l.split('\t')
                            .map(|c| c.replace("<b>", "").replace("</b>", ""))
                            .collect()
                    })
                })
            })
            .any(|cells| cells.len() == joined.len() && words(&cells) == whole);
        if !printed_before {
            continue;
        }
        let bold: Vec<Option<bool>> = joined
            .iter()
            .map(|c| (!c.is_empty()).then_some(true))
            .collect();
        pages[n][first] = tab_row(&joined, bold);
        pages[n - 1].truncate(last);
    }
}

/// A row's cells and the rest of each from the next page, joined cell by cell (a word broken at
/// its hyphen joined whole) into one tab row.
fn joined_cells(row: &[String], rest: &[String]) -> String {
    row.iter()
        .zip(rest)
        .map(|(a, b)| match (a.trim(), b.trim()) {
            (a, "") => a.to_string(),
            ("", b) => b.to_string(),
            (a, b)
                if crate::text::joined_unspaced(a, b)
                    || crate::text::broken_before_unit(a, b)
                    || crate::text::broken_after_number(a, b) =>
            {
                format!("{a}{b}")
            }
            (a, b) => format!("{a} {b}"),
        })
        .collect::<Vec<_>>()
        .join("\t")
}

/// A line's words with the marks of bold and the spaces between them taken out: a header
/// printed in cells ("<b>Date</b>\t<b>Actual</b>") and in columns of text compare equal.
fn plain(line: &str) -> String {
    line.replace("<b>", " ")
        .replace("</b>", " ")
        .replace("**", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The same on one page: a table's header printed again amid it, right under a row, and the
/// row's rest under the header (xhtml2pdf may break a table so within a page).
fn rest_under_aligned_header_in_page(page: &mut Vec<String>) {
    let mut k = 0;
    while k + 1 < page.len() {
        // (A blank line between them, or none.)
        let at = if page[k + 1].trim().is_empty() {
            k + 2
        } else {
            k + 1
        };
        let under = page.get(at).map_or("", |l| l.trim_start());
        let row = &page[k];
        if row.contains('\t')
            && !row.contains("<b>")
            && !under.is_empty()
            && !under.contains('\t')
            && under.contains("   ")
        {
            let mut parts = vec![page[..=k].to_vec(), page[at..].to_vec()];
            if rest_under_aligned_header(&mut parts, 1, k, 0) {
                let [before, after] = <[Vec<String>; 2]>::try_from(parts).expect("two parts");
                *page = before.into_iter().chain(after).collect();
            }
        }
        k += 1;
    }
}

/// The rest of a row broken over a page under its table's header printed in columns of text
/// (too few lines there for the header's cells to be found), its row a tab row at the foot of the
/// page before: lines of one cell each, each joined to the cell of the column it is printed in
/// (its position among the header's). Returns whether it joined any.
fn rest_under_aligned_header(
    pages: &mut [Vec<String>],
    n: usize,
    last: usize,
    header: usize,
) -> bool {
    let head = &pages[n][header];
    let row = tab_cells(&pages[n - 1][last]);
    if head.contains('\t') || row.len() < 3 || row[0].trim().is_empty() {
        return false;
    }
    // The header as printed: its first line, or its first lines (cells of two or three lines,
    // set at the top), whose words are the header's printed in cells before.
    let words = |lines: &[String]| sorted_words(lines.iter().map(|l| plain(l)));
    let Some((tab_head, depth)) = pages[n - 1]
        .iter()
        .rev()
        .filter(|l| l.contains('\t'))
        .find_map(|l| {
            if plain(l) == plain(head) {
                return Some((l, 1));
            }
            let cells = words(std::slice::from_ref(l));
            (2..=3)
                .filter(|d| header + d <= pages[n].len())
                .find(|d| {
                    let lines = &pages[n][header..header + d];
                    lines
                        .iter()
                        .all(|l| !l.contains('\t') && !l.trim().is_empty())
                        && words(lines) == cells
                })
                .map(|d| (l, d))
        })
    else {
        return false;
    };
    let tab_head: Vec<&str> = tab_head.split('\t').collect();
    if tab_head.len() != row.len() {
        return false;
    }
    // The header's cells as printed: runs of text two or more spaces apart, by position.
    let mut starts: Vec<usize> = Vec::new();
    let chars: Vec<char> = head.chars().collect();
    for (k, c) in chars.iter().enumerate() {
        let after_gap = k == 0 || k >= 2 && chars[k - 1] == ' ' && chars[k - 2] == ' ';
        if *c != ' ' && after_gap {
            starts.push(k);
        }
    }
    let named: Vec<usize> = (0..tab_head.len())
        .filter(|c| !plain(tab_head[*c]).is_empty())
        .collect();
    if starts.len() != named.len() {
        // (Its cells too close to part, a word's space apart: a rest of lines of one text
        // each, in lower case, up to a blank line, goes on the one cell the row left open.)
        let first = header + depth;
        let end = (first..pages[n].len())
            .find(|&k| pages[n][k].trim().is_empty())
            .unwrap_or(pages[n].len());
        let lines = &pages[n][first..end];
        let open: Vec<usize> = (0..row.len()).filter(|c| cut_short(&row[*c])).collect();
        let goes_on = !lines.is_empty()
            && lines.iter().all(|l| {
                !l.contains('\t')
                    && !l.trim().contains("   ")
                    && l.trim().starts_with(char::is_lowercase)
            });
        if depth > 1 || !goes_on || open.len() != 1 {
            return false;
        }
        let mut row = row;
        for l in lines {
            row[open[0]] = format!("{} {}", row[open[0]].trim_end(), l.trim());
        }
        pages[n - 1][last] = row.join("\t");
        pages[n].drain(first..end);
        return true;
    }
    // Then lines of one cell each (no gap of columns, no tab), up to a blank line; or, where
    // the table goes on under them, lines of the row's cells up to the next row's first line
    // (its key at the table's left, in capitals or figures), the first line's key cell
    // starting in lower case.
    let next_row = |l: &str| {
        let t = l.trim_start();
        l.len() - t.len() <= 1 && t.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
    };
    let stop = |l: &str| l.trim().is_empty() || l.contains('\t') || l.starts_with('#');
    let first = header + depth;
    let mut end = first;
    while end < pages[n].len() && !stop(&pages[n][end]) {
        end += 1;
    }
    let lines = &pages[n][first..end];
    let whole = !lines.is_empty()
        && lines.iter().all(|l| !l.trim().contains("   "))
        && pages[n].get(end).is_none_or(|l| l.trim().is_empty());
    // The column printed where a piece of text starts: the header cell starting at or before
    // it, or the empty corner before the first.
    let column_at = |at: usize| match starts.iter().rposition(|s| *s <= at + 1) {
        Some(k) => named[k],
        None if named.first().is_some_and(|f| *f > 0) => 0,
        None => named[0],
    };
    // (Or its lines' cells, in whatever case, are all in the columns the row left empty at the
    // foot: the tall cells of a row whose key and one-line cells ended the page, WeasyPrint
    // setting cells at the top. A header of several lines is taken only so.)
    let fills_empty = |l: &str| {
        let pieces = text_pieces(l);
        !pieces.is_empty()
            && pieces.iter().all(|(at, _, _)| {
                let c = column_at(*at);
                *at > 0 && c > 0 && row[c].trim().is_empty()
            })
    };
    if depth > 1 && whole {
        return false;
    }
    // (Or, up to a blank line, every piece in a column whose cell the row left cut short:
    // "… pupils in" and "Aug-" over "'Good' or better secondary schools" and "2023".)
    let finishes_cut = |lines: &[String]| {
        lines.iter().all(|l| {
            let pieces = text_pieces(l);
            !pieces.is_empty()
                && pieces
                    .iter()
                    .all(|(at, _, _)| cut_short(&row[column_at(*at)]))
        })
    };
    if !whole {
        match (first..end).find(|&k| next_row(&pages[n][k])) {
            Some(cut)
                if cut > first
                    && (depth == 1
                        && pages[n][first].trim_start().starts_with(char::is_lowercase)
                        || pages[n][first..cut].iter().all(|l| fills_empty(l))) =>
            {
                end = cut
            }
            None if depth == 1 && finishes_cut(&pages[n][first..end]) => {}
            _ => return false,
        }
    }
    let rest = &pages[n][first..end];
    let mut row = row;
    // Where each text went, by where it starts: a cell's next line starting where its line
    // above did goes where that went.
    let mut placed: Vec<(usize, usize)> = Vec::new();
    for l in rest {
        let pieces = if whole {
            vec![(l.len() - l.trim_start().len(), 0, l.trim().to_string())]
        } else {
            text_pieces(l)
        };
        for (at, _, text) in pieces {
            // (Text set at its cell's left edge may start before its header cell, centred over
            // it: where the column it starts in holds a finished cell and the next one a cell
            // left open, a rest in lower case goes on the open one.)
            let mut c = column_at(at);
            if let Some(&(_, went)) = placed.iter().find(|(start, _)| *start == at) {
                c = went;
            } else if let Some(next) = named.iter().copied().find(|k| *k > c) {
                if !cut_short(&row[c])
                    && cut_short(&row[next])
                    && text.trim().starts_with(char::is_lowercase)
                {
                    c = next;
                }
            }
            placed.push((at, c));
            let cell = &mut row[c];
            if !cell.trim().is_empty() && !crate::text::joined_unspaced(cell.trim_end(), &text) {
                cell.push(' ');
            }
            cell.push_str(text.trim());
        }
    }
    pages[n - 1][last] = row.join("\t");
    pages[n].drain(first..end);
    true
}

/// The type sizes of the document's headings, largest first: sizes larger than the body's
/// printed on two or more lines outside tables. A heading's level is its size's rank (a title
/// printed once, larger still, is a first-level heading too), so that "Heading 1" and "Heading
/// 2" stay apart however close a word processor sets their sizes.
fn heading_sizes(pages: &[Page], body: f64, tagged: &Tagged) -> Vec<f64> {
    let mut counts: std::collections::BTreeMap<i64, usize> = Default::default();
    for (n, page) in pages.iter().enumerate() {
        let tagged = tagged.on(n);
        for r in rows_of(page) {
            if r.size > body * 1.15
                && !r.wide()
                && !inside_rules(page, &r)
                && tagged.row_of(&r).is_none()
            {
                *counts.entry((r.size * 2.0).round() as i64).or_default() += 1;
            }
        }
    }
    counts
        .into_iter()
        .rev()
        .filter(|(_, n)| *n >= 2)
        .map(|(half_points, _)| half_points as f64 / 2.0)
        .collect()
}

/// A heading's level (1 to 3) by its size's rank among the document's heading sizes.
fn heading_level(size: f64, headings: &[f64]) -> usize {
    (1 + headings.iter().filter(|h| **h > size + 0.3).count()).min(3)
}

/// The document's type sizes: its body's, and its headings' (largest first).
struct Sizes<'a> {
    body: f64,
    headings: &'a [f64],
    /// Whether the document sets its tables' headers at their cells' left (a word processor's
    /// tables): found on any of its pages.
    left_set_headers: bool,
}

/// A page's lines as lapis prints a PDF's text: headings, paragraphs, tables' rows (cells apart
/// by tabs, or set in columns of text). `carried` holds the columns of a table run to the last
/// page's foot, and takes this page's; `foot`, the last page's lone line of cells, is read here
/// as the header (or first row) of the table this page opens with, if it takes it so.
fn page_text(
    page: &Page,
    sizes: &Sizes,
    furniture: &std::collections::BTreeSet<String>,
    number: Option<&str>,
    tagged: &TaggedPage,
    carried: &mut Option<Carried>,
    foot: &[Row],
) -> PageText {
    let (body, headings) = (sizes.body, sizes.headings);
    let all = rows_of(page);
    let mut rows: Vec<Row> = all
        .iter()
        .filter(|r| {
            let band = (r.y < page.height * 0.1 || r.y > page.height * 0.9)
                && !r.wide()
                && !inside_rules(page, r)
                && !beside_cells(&all, r);
            let t = row_text(r);
            let band = band && tagged.row_of(r).is_none();
            let furniture = furniture.contains(&t) || crate::layout::is_page_number(&t);
            !(band && (furniture || number == Some(t.as_str())))
        })
        .cloned()
        .collect();
    // A rule between two lines (across part of the text) is a table's row border.
    let rule_between = |a: &Row, b: &Row| {
        page.rules.iter().any(|(y, x0, x1)| {
            *y > a.y + 0.1 * a.size
                && *y < b.y - 0.6 * b.size
                && *x0 < a.right().max(b.right())
                && *x1 > a.left().min(b.left())
        })
    };
    // Or where the column rules beside both lines break, two or more ending between them and
    // two or more starting again (each cell drawn with its own sides: fpdf2's tables ruled down
    // their columns only, whose rows show no rule between them, nor one table from the next).
    let columns_break_between = |a: &Row, b: &Row| {
        let left = a.left().min(b.left());
        let near = |x: f64| x > left - 40.0;
        page.columns.iter().any(|(x, _, end)| {
            near(*x)
                && *end > a.y + 0.1 * a.size
                && *end < b.y - 0.6 * b.size
                && page
                    .columns
                    .iter()
                    .filter(|(x, _, e)| near(*x) && (e - end).abs() < 0.5)
                    .count()
                    >= 2
                && page
                    .columns
                    .iter()
                    .filter(|(x, s, _)| near(*x) && *s > end - 0.5 && *s < b.y - 0.6 * b.size)
                    .count()
                    >= 2
        })
    };
    let rule_between = |a: &Row, b: &Row| rule_between(a, b) || columns_break_between(a, b);
    let inside_rules = |r: &Row| inside_rules(page, r);
    // The last page's lone line of cells, set over this page's first line as the line spacing
    // of its first rows sets them.
    let foot: &[Row] = if rows
        .first()
        .is_some_and(|r| !inside_rules(r) && tagged.row_of(r).is_none())
    {
        foot
    } else {
        &[]
    };
    if let Some(last) = foot.last() {
        let pitch = match &rows[..] {
            [a, b, ..] if b.y - a.y > 0.8 * a.size && b.y - a.y < 2.5 * a.size => b.y - a.y,
            [a, ..] => 1.4 * a.size,
            [] => 0.0,
        };
        let shift = rows[0].y - pitch - last.y;
        for (k, f) in foot.iter().enumerate() {
            let mut f = f.clone();
            f.y += shift;
            for g in &mut f.glyphs {
                g.y += shift;
            }
            rows.insert(k, f);
        }
    }
    header_again_amid_row(&mut rows, carried.as_ref());
    // Group the lines of each ruled table row: with column rules, the row is its cells (one
    // tab-separated line); without, its cells are stacked from the top for the fixed-width
    // reader.
    let mut laid: Vec<(Row, bool)> = Vec::new();
    let mut tabbed: std::collections::BTreeMap<usize, String> = Default::default();
    let mut emitted = std::collections::BTreeSet::new();
    // The tagged table of each laid line that prints a tagged row.
    let mut tables_at: std::collections::BTreeMap<usize, usize> = Default::default();
    let mut i = 0;
    while i < rows.len() {
        // A row of a tagged table is the row its structure tree gives, printed where it
        // starts; the lines it goes on in over the page are its own.
        if let Some(k) = tagged.row_of(&rows[i]) {
            let mut j = i + 1;
            while j < rows.len() && tagged.row_of(&rows[j]) == Some(k) {
                j += 1;
            }
            let (first, text) = &tagged.tagged.rows[k];
            if *first == tagged.page && emitted.insert(k) {
                tables_at.insert(laid.len(), tagged.tagged.table_of[k]);
                tabbed.insert(laid.len(), text.clone());
                laid.push((rows[i].clone(), true));
            }
            i = j;
            continue;
        }
        // A tagged table's header printed again outside the tree (no marked content names
        // it): its row.
        let repeat = (1..=8).take_while(|k| i + k <= rows.len()).find_map(|k| {
            let lines = &rows[i..i + k];
            if lines
                .iter()
                .flat_map(|r| &r.glyphs)
                .any(|g| g.mcid.is_some())
            {
                return None;
            }
            let chars =
                sorted_characters(&lines.iter().map(row_text).collect::<Vec<_>>().join(" "));
            let (_, text) = tagged.tagged.headers.iter().find(|(c, _)| *c == chars)?;
            Some((k, text))
        });
        if let Some((k, text)) = repeat {
            tabbed.insert(laid.len(), text.clone());
            laid.push((rows[i].clone(), true));
            i += k;
            continue;
        }
        // A table's first row of one line set over its column rules, a rule under it (a Word
        // style's header row, unruled down its columns: "Colorful Shading" shades it apart and
        // rules it off thickly) is a row in the columns of the row under it.
        // (Its cells may wrap: up to four lines, each a line under the last.)
        let unruled = |r: &Row| {
            !inside_rules(r)
                && tagged.row_of(r).is_none()
                && !page
                    .columns
                    .iter()
                    .any(|(_, y0, y1)| *y0 < r.y && *y1 > r.y - 0.7 * r.size)
        };
        let mut lines = 0;
        while lines < 4
            && i + lines < rows.len()
            && unruled(&rows[i + lines])
            && (lines == 0 || {
                let (a, b) = (&rows[i + lines - 1], &rows[i + lines]);
                b.y - a.y < 1.6 * a.size && !rule_between(a, b)
            })
        {
            lines += 1;
        }
        // (All of its lines: the line over the first is none of them.)
        let whole = i == 0 || {
            let (a, b) = (&rows[i - 1], &rows[i]);
            !unruled(a) || b.y - a.y >= 1.6 * a.size || rule_between(a, b)
        };
        let header_over = lines > 0
            && whole
            && rows.get(i + lines).is_some_and(|next| {
                let r = &rows[i + lines - 1];
                inside_rules(next) && rule_between(r, next) && next.y - r.y < 2.5 * r.size
            });
        if !inside_rules(&rows[i]) && !header_over {
            laid.push((rows[i].clone(), false));
            i += 1;
            continue;
        }
        let mut j = if header_over { i + lines } else { i + 1 };
        while !header_over
            && j < rows.len()
            && inside_rules(&rows[j])
            && !rule_between(&rows[j - 1], &rows[j])
        {
            j += 1;
        }
        // The rules beside a row reach at least its first line's capitals (the rest of a row
        // broken across pages starts right under the rule on the next).
        let (top, bottom) = if header_over {
            (rows[j].y - 0.7 * rows[j].size, rows[j].y)
        } else {
            (rows[i].y - 0.7 * rows[i].size, rows[j - 1].y)
        };
        let mut edges: Vec<f64> = page
            .columns
            .iter()
            .filter(|(_, y0, y1)| *y0 <= top && *y1 >= bottom)
            .map(|(x, _, _)| *x)
            .collect();
        edges.sort_by(f64::total_cmp);
        edges.dedup_by(|a, b| (*a - *b).abs() < 1.0);
        if edges.len() == 2 {
            // Only the table's frame beside this row: a style that draws the inner column
            // rules on every other row ("Light List"). The columns are those of the rows
            // within the same frame.
            let (left, right) = (edges[0], edges[1]);
            let frame = page
                .columns
                .iter()
                .filter(|(x, y0, y1)| (*x - left).abs() < 1.0 && *y0 <= top && *y1 >= bottom)
                .map(|(_, y0, y1)| (*y0, *y1))
                .next();
            if let Some((y0, y1)) = frame {
                let inner = page
                    .columns
                    .iter()
                    .filter(|(x, c0, c1)| {
                        *x > left + 1.0 && *x < right - 1.0 && *c0 >= y0 - 1.0 && *c1 <= y1 + 1.0
                    })
                    .map(|(x, _, _)| *x);
                edges.extend(inner);
                edges.sort_by(f64::total_cmp);
                edges.dedup_by(|a, b| (*a - *b).abs() < 1.0);
            }
        }
        // Rules between the columns only, no frame (fpdf2's "INTERNAL" layout): the table's
        // outer edges are where its rows' rules begin and end.
        if edges.len() >= 2 {
            let (first, last) = (edges[0], edges[edges.len() - 1]);
            // (A cell's rule each: those that end at the first column rule, from the left, and
            // start at the last, to the right.)
            let near = page.rules.iter().filter(|(y, _, _)| {
                *y > top - 2.5 * rows[i].size && *y < bottom + 2.5 * rows[j - 1].size
            });
            let (left, right) = near.fold((first, last), |(l, r), (_, x0, x1)| {
                (
                    if (*x1 - first).abs() < 1.5 {
                        l.min(*x0)
                    } else {
                        l
                    },
                    if (*x0 - last).abs() < 1.5 {
                        r.max(*x1)
                    } else {
                        r
                    },
                )
            });
            // Where no cell's rule is near (fpdf2's "MINIMAL" layout rules only under the
            // header), text set beyond the outer column rules is a column of its own. (Words
            // set beyond them: a word too wide for the last column, begun in it, runs past its
            // rule and is still its cell's.)
            let words = || rows[i..j].iter().flat_map(word_spans);
            let left = words()
                .filter(|w| w.1 < first - 1.0)
                .fold(left, |l, w| l.min(w.0 - 1.0));
            let right = words()
                .filter(|w| w.0 > last + 1.0)
                .fold(right, |r, w| r.max(w.1 + 1.0));
            if left < first - 2.0 {
                edges.insert(0, left);
            }
            if right > last + 2.0 {
                edges.push(right);
            }
        }
        // (Its cells each in one of those columns, or across two: a cell over two columns;
        // a line across more is a paragraph over the table.)
        let inner = edges.get(1..edges.len().saturating_sub(1)).unwrap_or(&[]);
        // (Over the ruled rows, a row's cells each begin where the cells under them do, one
        // padding into their columns, in two columns at least; a heading or a note over a
        // table does not.)
        let column_of = |x: f64| edges.iter().rposition(|e| *e <= x + 0.5).unwrap_or(0);
        let set_in_columns = || {
            let padding = fine_runs(&rows[j])
                .iter()
                .map(|(x0, _)| x0 - edges[column_of(*x0)])
                .fold(f64::INFINITY, f64::min);
            let runs: Vec<(f64, f64)> = rows[i..j].iter().flat_map(fine_runs).collect();
            let columns: std::collections::BTreeSet<usize> =
                runs.iter().map(|(x0, _)| column_of(*x0)).collect();
            columns.len() >= 2
                && runs.iter().all(|(x0, x1)| {
                    (x0 - edges[column_of(*x0)] - padding).abs() < 1.5
                        && !inner.iter().any(|e| *x0 < *e - 1.0 && *x1 > *e + 1.0)
                })
        };
        if header_over && (edges.len() < 3 || !set_in_columns()) {
            laid.push((rows[i].clone(), false));
            i += 1;
            continue;
        }
        if edges.len() >= 3 {
            tabbed.insert(laid.len(), ruled_row(&rows[i..j], &edges));
            laid.push((rows[i].clone(), true));
        } else if one_row(&rows[i..j]) {
            for r in top_align(&rows[i..j]) {
                laid.push((r, true));
            }
        } else {
            // Only a frame around lines of several rows (a table boxed, with no rules inside
            // it): its columns and rows are found as an unruled table's are.
            for r in &rows[i..j] {
                laid.push((r.clone(), false));
            }
        }
        i = j;
    }
    let cell = body * 0.5;
    let margin = laid
        .iter()
        .map(|(r, _)| r.left())
        .fold(f64::INFINITY, f64::min)
        .min(page.width);
    // Headings (larger type) are never part of a table, nor is a table's title: a bold line of
    // one run set apart above a line of cells ("Measures").
    let title = |n: usize| {
        let (r, ruled) = &laid[n];
        !ruled
            && r.bold()
            && fine_runs(r).len() == 1
            && r.left() <= margin + 2.0 * r.size
            && laid.get(n + 1).is_some_and(|(b, _)| {
                // Over the table's first cells, not across its columns (a header whose
                // cells are a word space apart).
                // (A line below it, not half a line: a header cell's first line over the
                // header's other cells, centred in their row, "Key" over "Date Actual".)
                let under = fine_runs(b);
                under.len() >= 2
                    && b.y - r.y > 0.9 * r.size.max(b.size)
                    && r.left() <= b.left() + r.size
                    && under
                        .iter()
                        .filter(|x| x.0 < r.right() && x.1 > r.left())
                        .count()
                        <= 1
            })
            && (n == 0 || r.y - laid[n - 1].0.y > 1.5 * r.size.max(laid[n - 1].0.size))
    };
    let (aligned, firsts) = aligned_tables(
        &laid,
        &|n| tabbed.contains_key(&n) || !laid[n].1 && laid[n].0.size > body * 1.15 || title(n),
        margin,
        body * 0.4,
        Paint {
            rules: &page.rules,
            fills: &page.fills,
        },
        sizes.left_set_headers,
        carried,
    );
    let text_right = laid.iter().map(|(r, _)| r.right()).fold(0.0, f64::max);
    // Where the page's paragraphs end: the right edge of its widest line of one run outside
    // tables.
    let para_right = laid
        .iter()
        .enumerate()
        .filter(|(n, (r, ruled))| {
            !ruled && fine_runs(r).len() == 1 && !tabbed.contains_key(n) && !aligned.contains_key(n)
        })
        .map(|(_, (r, _))| r.right())
        .fold(0.0, f64::max);
    // Where lines end: the paragraphs' right edge, unless the page's paragraphs are all short
    // (then its widest text's); a table wider than the text does not move it.
    let line_right = if para_right > margin + 0.6 * (text_right - margin) {
        para_right
    } else {
        text_right
    };
    // The width of a line's first word (words joined by no-break spaces are one), and whether
    // it is such words.
    let first_word = |r: &Row| {
        let mut end = r.left();
        let (mut glued, mut words) = (false, false);
        for g in &r.glyphs {
            if g.x - end > 0.15 * g.size {
                if !glued {
                    break;
                }
                words = true;
            }
            end = end.max(g.x + g.width);
            glued = g.glued.is_some();
        }
        (end - r.left(), words)
    };
    // The spacing of the page's paragraphs' lines, in sizes of their type: the commonest gap
    // between two lines of prose of one size close enough to be one paragraph's.
    let prose = |n: usize| !laid[n].1 && !tabbed.contains_key(&n) && !aligned.contains_key(&n);
    let mut spacings: std::collections::BTreeMap<i64, usize> = Default::default();
    for n in 1..laid.len() {
        let (r, p) = (&laid[n].0, &laid[n - 1].0);
        let spacing = (r.y - p.y) / r.size;
        if prose(n) && prose(n - 1) && (r.size - p.size).abs() < 0.5 && spacing < 1.6 {
            *spacings.entry((spacing * 20.0).round() as i64).or_default() += 1;
        }
    }
    let spacing = spacings
        .iter()
        .max_by_key(|(_, count)| **count)
        .filter(|(_, count)| **count >= 3)
        .map(|(spacing, _)| *spacing as f64 / 20.0);
    let mut out: Vec<String> = Vec::new();
    // Where each laid line's text starts in `out`.
    let mut out_at: Vec<usize> = Vec::with_capacity(laid.len());
    let mut prev: Option<(&Row, bool)> = None;
    for (n, (r, ruled)) in laid.iter().enumerate() {
        out_at.push(out.len());
        if let Some(row) = tabbed.get(&n) {
            if let Some((p, p_ruled)) = prev {
                // Another tagged table right under one: a blank line between.
                let other_table = n > 0
                    && tables_at
                        .get(&n)
                        .zip(tables_at.get(&(n - 1)))
                        .is_some_and(|(a, b)| a != b);
                if !p_ruled && r.y - p.y > 1.9 * r.size.max(p.size) || other_table {
                    out.push(String::new());
                }
            }
            out.push(row.clone());
            prev = Some((r, true));
            continue;
        }
        if let Some(line) = aligned.get(&n) {
            if line.is_empty() {
                // A line of a row stacked into fewer lines.
                continue;
            }
            let continues_block = n > 0 && aligned.contains_key(&(n - 1)) && !firsts.contains(&n);
            if let Some((p, _)) = prev {
                // A table right under another is another table: a blank line between.
                let after_table = n > 0 && aligned.contains_key(&(n - 1));
                if !continues_block && (after_table || r.y - p.y > 1.9 * r.size.max(p.size)) {
                    out.push(String::new());
                }
            }
            out.push(line.clone());
            prev = Some((r, true));
            continue;
        }
        let mut line = String::new();
        for (x, _, text) in &r.runs {
            let col = ((x - margin) / cell).round().clamp(0.0, 2000.0) as usize;
            let len = line.chars().count();
            let pad = if line.is_empty() {
                col
            } else if col >= len + 2 {
                col - len
            } else {
                2
            };
            line.extend(std::iter::repeat_n(' ', pad));
            line.push_str(text);
        }
        let heading = !*ruled && !r.wide() && r.size > body * 1.15;
        if let Some((p, p_ruled)) = prev {
            let gap = r.y - p.y;
            let p_heading = !p_ruled && !p.wide() && p.size > body * 1.15;
            // Lines of one paragraph wrapped at the right margin are one line again.
            let same_para = !*ruled
                && !p_ruled
                && !r.wide()
                && !p.wide()
                && heading == p_heading
                && r.bold() == p.bold()
                && (r.size - p.size).abs() < 0.5
                && gap < 1.6 * r.size.max(p.size)
                // Lines further apart than the lines of the page's paragraphs are two paragraphs
                // (a title that filled its line, over its text), unless a line holds smaller
                // type (a subscript's, "CO2e", deepens its line).
                && (spacing.is_none_or(|s| gap < (s + 0.15) * r.size)
                    || [p, r]
                        .iter()
                        .any(|l| l.glyphs.iter().any(|g| g.size < 0.95 * l.size)))
                // The first line may start further in (an indent, or a marker the font could
                // not draw).
                && (r.left() - p.text_left() < cell && p.text_left() - r.left() < 2.5 * r.size)
                // A heading's lines set at its type's own spacing are one heading (two
                // headings are further apart), whatever the width of the page's paragraphs.
                && (heading && gap < 1.35 * r.size.max(p.size)
                    // (A heading's words are wide, and a bold line's: the next one's width alone
                    // tells, where the page's paragraphs tell where lines end. Others end a line
                    // a fifth of the line short at most, or a long word's width on a narrow
                    // page. Or it is words joined by no-break spaces: the line may end well
                    // short.)
                    || (heading
                        || r.bold() && line_right == para_right
                        || p.right() > line_right - (0.2 * (line_right - margin)).max(8.0 * r.size)
                        || first_word(r).1)
                    // A line that ended with room left for the next line's first word ended
                    // its paragraph (a deliverable's title over its text, a few points apart).
                    && p.right() + 0.25 * r.size + first_word(r).0 > para_right - 0.5 * r.size);
            if same_para {
                if let Some(last) = out.last_mut() {
                    let bold = last.ends_with("**");
                    if bold {
                        last.truncate(last.len() - 2);
                    }
                    if !crate::text::joined_at_hyphen(last, &line)
                        && !crate::text::broken_after_number(last, line.trim())
                    {
                        last.push(' ');
                    }
                    last.push_str(line.trim());
                    if bold {
                        last.push_str("**");
                    }
                }
                prev = Some((r, *ruled));
                continue;
            }
            let in_table = *ruled && p_ruled;
            if !in_table && gap > 1.9 * r.size.max(p.size) {
                out.push(String::new());
            }
        }
        if heading {
            let level = heading_level(r.size, headings);
            out.push(format!("{} {}", "#".repeat(level), line.trim()));
        } else if r.bold() && !*ruled {
            // A bold line, as the text exports print it.
            let indent = line.len() - line.trim_start().len();
            out.push(format!("{}**{}**", &line[..indent], line.trim()));
        } else {
            out.push(line);
        }
        prev = Some((r, *ruled));
    }
    // Taken as the header of the table that opens this page: a line of it (or its lines), and
    // its first row too.
    // (Not over a bold line: the rest of a header the page break cut, which the passes over
    // the pages' texts join to the line left at the foot.)
    let m = foot.len();
    let took_foot = m > 0
        && laid.get(m).is_some_and(|(r, _)| !r.bold())
        && (0..m).any(|k| {
            aligned.get(&k).is_some_and(|l| {
                let cells = if l.contains('\t') {
                    tab_cells(l).iter().filter(|c| !c.trim().is_empty()).count()
                } else {
                    text_pieces(l).len()
                };
                cells >= 2
            })
        })
        && (0..=m).all(|k| aligned.contains_key(&k))
        && !(1..=m).any(|k| firsts.contains(&k));
    // This page's own: its last line, a block of its own, of cells (no heading, no row of a
    // table); or its last lines, printed as a table's, of a header's words (bold, no figures)
    // set close, a block of their own.
    let apart = |n: usize| {
        n == 0 || {
            // (Under a heading, its own line's space apart: a heading's larger type sets it
            // no further down.)
            let (r, above) = (&laid[n].0, &laid[n - 1].0);
            let size = if above.size > body * 1.15 {
                r.size
            } else {
                r.size.max(above.size)
            };
            r.y - above.y > 1.6 * size
        }
    };
    let plain_line = |n: usize| {
        let (r, ruled) = &laid[n];
        !ruled && !tabbed.contains_key(&n) && r.size <= body * 1.15
    };
    let header_words = |n: usize| {
        row_text(&laid[n].0)
            .split_whitespace()
            .all(|w| !w.contains(|c: char| c.is_ascii_digit()) || year_word(w))
    };
    // Or its last two or three lines, plain, a block of their own, a chart's: a header of
    // periods ("Jun 2023 Sep 2023 …") and rows of a short label and figures ("★ Strong 12 10"),
    // its cells a word's space apart (too few lines here for its columns to be found), the rest
    // of it atop the next page.
    let small_table_at_foot = |n: usize| -> Vec<Row> {
        let cells =
            |k: usize| plain_line(k) && !laid[k].0.bold() && chart_line(&row_text(&laid[k].0));
        let block = |s: usize| (s..=n).all(cells) && apart(s) && (s + 1..=n).all(|k| !apart(k));
        [1, 2]
            .into_iter()
            .filter_map(|d| n.checked_sub(d))
            .find(|s| block(*s))
            .map_or_else(Vec::new, |s| {
                laid[s..=n].iter().map(|(r, _)| r.clone()).collect()
            })
    };
    let last = laid.len().checked_sub(1);
    let from = last.map(|n| {
        let mut s = n;
        while s > 0
            && n - s < 5
            && laid[n].0.bold()
            && laid[s - 1].0.bold()
            && plain_line(s - 1)
            && header_words(s - 1)
            && laid[s].0.y - laid[s - 1].0.y <= 1.6 * laid[s].0.size.max(laid[s - 1].0.size)
        {
            s -= 1;
        }
        s
    });
    let foot: Vec<Row> = match (from, last) {
        (Some(s), Some(n)) if s == n => {
            let r = &laid[n].0;
            let cells = plain_line(n)
                && !aligned.contains_key(&n)
                // Cells apart, or set in from the margin (over a first column left empty), or
                // of figures (a label and its figure a word space apart), not a title.
                && (fine_runs(r).len() >= 2
                    || r.left() > margin + 2.0 * r.size
                    || row_text(r)
                        .split_whitespace()
                        .skip(1)
                        .any(|w| w.starts_with(|c: char| c.is_ascii_digit())))
                && apart(n);
            if cells {
                vec![r.clone()]
            } else {
                small_table_at_foot(n)
            }
        }
        (Some(s), Some(n))
            if (s..=n).all(|k| plain_line(k) && aligned.contains_key(&k) && header_words(k))
                && (s..=n).any(|k| fine_runs(&laid[k].0).len() >= 2)
                && apart(s) =>
        {
            laid[s..=n].iter().map(|(r, _)| r.clone()).collect()
        }
        _ => Vec::new(),
    };
    let foot_printed = foot
        .first()
        .map_or(0, |_| out.len() - out_at[laid.len() - foot.len()]);
    PageText {
        lines: out,
        foot,
        foot_printed,
        took_foot,
    }
}

/// The header of the table run to the last page's foot printed again amid the rest of a row
/// atop this page: under the row's first lines, over its last (wkhtmltopdf paints the repeated
/// header where the row's first page-high slice ends). Set atop the page, over the whole rest,
/// as the header printed again over a row's rest is: the header's lines moved up to the top,
/// the lines above it down under it, into the place the header left. A header laid out in other
/// columns than the table's is dropped instead, the lines above it moved down onto those under
/// it, which are drawn into the table's columns.
fn header_again_amid_row(rows: &mut Vec<Row>, carried: Option<&Carried>) {
    let Some(before) = carried.filter(|c| !c.header.is_empty()) else {
        return;
    };
    let top = rows.iter().take_while(|r| !r.bold()).count();
    if top == 0 || top > 8 || top == rows.len() {
        return;
    }
    let end = top + rows[top..].iter().take_while(|r| r.bold()).count();
    let header: Vec<(Row, bool)> = rows[top..end].iter().map(|r| (r.clone(), false)).collect();
    // Lines of a row: close together, one block with the header and the line under it, which
    // goes on a cell of the row (in lower case).
    let close = |a: &Row, b: &Row| b.y - a.y < 2.0 * a.size.max(b.size);
    let goes_on = rows.get(end).is_some_and(|r| {
        r.runs
            .first()
            .and_then(|x| x.2.trim().chars().next())
            .is_some_and(char::is_lowercase)
    });
    if header_words(&header) != before.header
        || !goes_on
        || !rows[..=end].windows(2).all(|w| close(&w[0], &w[1]))
    {
        return;
    }
    let (y0, yh) = (rows[0].y, rows[top].y);
    // The row's lines above go on right over those under the header, at their spacing.
    let pitch = rows[..top]
        .windows(2)
        .map(|w| w[1].y - w[0].y)
        .filter(|d| *d > 0.8 * rows[0].size)
        .fold(1.15 * rows[0].size, f64::min);
    let height = rows[end].y - rows[top - 1].y - pitch;
    let shift = |r: &mut Row, by: f64| {
        r.y += by;
        for g in &mut r.glyphs {
            g.y += by;
        }
    };
    for r in &mut rows[..top] {
        shift(r, height);
    }
    // Printed in other columns than the table's (wkhtmltopdf lays the header printed again out
    // afresh: "Expected Completion Progress Comments" over the dates' and the ratings'
    // columns, "Progress" over the comments'), it would part the rest in columns of its own:
    // the rest is read in the table's columns, under no header, as a row's rest is.
    // The lines under it are set in its columns too: a line wider than the table's column it
    // starts in ("improvement in the achievement of council objectives" past the dates' and
    // ratings' columns) is drawn in to that column's width.
    if !in_columns(&rows[top..end], &before.columns) {
        rows.drain(top..end);
        let mut k = top;
        while k < rows.len() && close(&rows[k - 1], &rows[k]) {
            drawn_in(&mut rows[k], &before.columns);
            k += 1;
        }
        return;
    }
    for r in &mut rows[top..end] {
        shift(r, y0 - yh);
    }
    rows[..end].rotate_left(top);
}

/// A line's runs that start where a table's column does and run on past its end into the next
/// column's, drawn in to its width (glyphs and spaces closer in proportion; by a half at most).
fn drawn_in(row: &mut Row, columns: &[(f64, f64)]) {
    for run in &mut row.runs {
        let Some(c) = columns.iter().position(|c| (run.0 - c.0).abs() < 1.0) else {
            continue;
        };
        let (c0, c1) = columns[c];
        let next = columns.get(c + 1).map_or(f64::INFINITY, |n| n.0);
        let scale = (c1 - c0) / (run.1 - c0);
        if run.1 <= next || scale < 0.5 {
            continue;
        }
        for g in row
            .glyphs
            .iter_mut()
            .filter(|g| g.x >= run.0 - 0.5 && g.x < run.1)
        {
            g.x = c0 + (g.x - c0) * scale;
            g.width *= scale;
        }
        run.1 = c1;
    }
}

/// Whether lines fall in a table's columns: each of their runs within one column's span, no
/// two runs of a line in the same column.
fn in_columns(lines: &[Row], columns: &[(f64, f64)]) -> bool {
    lines.iter().all(|r| {
        let mut taken = vec![false; columns.len()];
        r.runs.iter().all(|(x0, x1, _)| {
            let over: Vec<usize> = (0..columns.len())
                .filter(|c| x1.min(columns[*c].1) - x0.max(columns[*c].0) > 1.0)
                .collect();
            match over[..] {
                [] => true,
                [c] => !std::mem::replace(&mut taken[c], true),
                _ => false,
            }
        })
    })
}

/// Whether a line reads as a small chart's: a label of up to three words with no digits (or
/// none), then one or more figures, years or months ("★ Strong 12 10", "Jun 2023 Sep 2023",
/// "Improving N/A 0").
fn chart_line(text: &str) -> bool {
    // (A month's abbreviation, as a chart's header prints it: "Jun".)
    let month = |w: &str| {
        w.len() == 3
            && w.starts_with(|c: char| c.is_ascii_uppercase())
            && w[1..].chars().all(|c| c.is_ascii_lowercase())
            && lapis_model::period::parse_month(w).is_some()
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let label = words
        .iter()
        .take_while(|w| !w.contains(|c: char| c.is_ascii_digit()) && !month(w) && **w != "N/A")
        .count();
    let rest = &words[label..];
    label <= 3
        && !rest.is_empty()
        && rest.iter().all(|w| {
            month(w)
                || *w == "N/A"
                || year_word(w)
                || lapis_model::value::parse_value(w).is_some_and(|v| v.number.is_some())
        })
}

/// The text of a line's runs within `span` (a cell found by its runs' edges).
fn span_text(row: &Row, span: (f64, f64)) -> String {
    row.runs
        .iter()
        .filter(|x| x.0 >= span.0 - 0.5 && x.1 <= span.1 + 0.5)
        .map(|x| x.2.trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether two runs are centred at one place, to half a point (cells centred in one column).
fn centred_alike(a: (f64, f64), b: (f64, f64)) -> bool {
    (a.0 + a.1 - b.0 - b.1).abs() < 1.0
}

/// Whether a text holds a figure, a year or a quarter aside ("Same Quarter 2023-24 (YTD)" holds
/// none; a header's words hold none).
fn holds_figure(text: &str) -> bool {
    text.split_whitespace()
        .any(|w| !year_word(w) && crate::layout::is_figure(w))
}

/// A header's word of digits: a year ("2024", "2023-24", "2024/25", "(2023"), its end ("24"
/// under "2023"), a quarter ("Q1").
fn year_word(w: &str) -> bool {
    let w = w.trim_matches(|c: char| matches!(c, '(' | ')' | ',' | ':' | ';'));
    let digits = |p: &str, n: usize| p.len() == n && p.chars().all(|c| c.is_ascii_digit());
    let year = |p: &str| digits(p, 4) && (p.starts_with("20") || p.starts_with("19"));
    let mut parts = w.split(['-', '/', '–']);
    let first = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    matches!(w, "Q1" | "Q2" | "Q3" | "Q4")
        || digits(w, 2)
        || year(first) && rest.len() <= 1 && rest.iter().all(|p| digits(p, 2) || year(p))
}

/// A page's text, and what it leaves for the next page.
struct PageText {
    lines: Vec<String>,
    /// Its last line, if that is a line of cells alone, or its last lines, a header's words in
    /// columns (a table's header parted from its rows by the page break).
    foot: Vec<Row>,
    /// How many of its lines print the foot.
    foot_printed: usize,
    /// Whether the last page's lone line of cells was read here, as the header of the table
    /// this page opens with.
    took_foot: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Object};

    /// A row's rest under the header printed again on the next page, whose columns that page
    /// prints at other places, is moved up to the row in the columns of the page before.
    #[test]
    fn a_rows_rest_moved_up_is_set_in_the_columns_of_the_page_before() {
        let head = "No.    Objective            Due        Progress   Comments";
        let mut pages = vec![
            vec![
                head.to_string(),
                "SO-19  Explore a single     Apr 2027   Good       On 15 May the".to_string(),
                "       unitary council                            Government wrote.".to_string(),
            ],
            vec![
                "No.    Objective       Due     Progress   Comments".to_string(),
                "       as set out in                      Since then work".to_string(),
                "       the Whitepaper                     has gone on.".to_string(),
                String::new(),
                "Next paragraph.".to_string(),
            ],
        ];
        cells_over_pages(&mut pages);
        assert_eq!(
            pages[0][3..],
            [
                "       as set out in                              Since then work",
                "       the Whitepaper                             has gone on.",
            ]
        );
        assert_eq!(pages[1][1..], ["", "Next paragraph."]);
    }

    /// A row broken over a page whose rest lies under the header printed in columns of text
    /// on the next page is joined back, each line to the cell of the column it is printed in.
    #[test]
    fn a_rows_rest_under_an_aligned_header_joins_its_cells() {
        let head = "\t<b>2017/2018</b>\t<b>2018/2019</b>\t<b>Target</b>";
        let mut pages = vec![
            vec![
                head.to_string(),
                "Percentage of residents\t\t57.5%\t".to_string(),
            ],
            vec![
                "                 2017/2018      2018/2019      Target".to_string(),
                "agreeing that by".to_string(),
                "working together".to_string(),
                "                                               60%".to_string(),
                String::new(),
                "Next paragraph.".to_string(),
            ],
        ];
        rows_over_pages(&mut pages);
        assert_eq!(
            pages[0][1],
            "Percentage of residents agreeing that by working together\t\t57.5%\t60%"
        );
        assert_eq!(pages[1].len(), 3);
        // A page whose next lines are not all of one cell is left as it is.
        let mut other = vec![
            vec![head.to_string(), "Name\t1\t2\t3".to_string()],
            vec![
                "                 2017/2018      2018/2019      Target".to_string(),
                "A new row        4              5              6".to_string(),
            ],
        ];
        let before = other.clone();
        rows_over_pages(&mut other);
        assert_eq!(other, before);
    }

    /// The reverse: the row read as columns of text at the foot of a page, its first cell's rest
    /// under the header printed again and read as cells on the next. The rest moves up to the
    /// row, wrapped in the first column's width (two spaces short of where the next starts).
    #[test]
    fn a_rows_rest_under_a_header_of_cells_joins_its_lines() {
        let head = "\t<b>2017/2018</b>\t<b>2018/2019</b>\t<b>Target</b>";
        let mut pages = vec![
            vec![
                "Key measures summary".to_string(),
                String::new(),
                "                 2017/2018      2018/2019      Target".to_string(),
                "The daily".to_string(),
                "average of days  6.7            5.6            5.6".to_string(),
                "lost to delayed".to_string(),
            ],
            vec![
                head.to_string(),
                "transfers of care per 100,000\t\t\t".to_string(),
                "Next measure\t1\t2\t3".to_string(),
            ],
        ];
        rest_under_tab_header(&mut pages);
        assert_eq!(
            pages[0][6..],
            ["transfers of", "care per", "100,000"].map(String::from)
        );
        assert_eq!(pages[1], [head, "Next measure\t1\t2\t3"].map(String::from));
        // A rest that starts a name of its own (in capitals) is a row of its own.
        let mut other = pages.clone();
        other[1].insert(1, "A new measure\t\t\t".to_string());
        let before = other.clone();
        rest_under_tab_header(&mut other);
        assert_eq!(other, before);
    }

    /// A font's `/W` array.
    fn widths(doc: &lopdf::Document, font: lopdf::ObjectId) -> Vec<Object> {
        doc.get_object(font)
            .and_then(Object::as_dict)
            .and_then(|d| d.get(b"W"))
            .and_then(Object::as_array)
            .expect("W")
            .clone()
    }

    /// A CID font's widths given as a range (`c_first c_last w`) become a list of that many
    /// widths; lists stay as they are.
    #[test]
    fn cid_width_ranges_become_lists() {
        let mut doc = lopdf::Document::with_version("1.7");
        let font = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "W" => vec![
                Object::Integer(3),
                Object::Array(vec![Object::Integer(250)]),
                Object::Integer(76),
                Object::Integer(78),
                Object::Real(277.83),
            ],
        });
        widths_plainly(&mut doc);
        let w = widths(&doc, font);
        assert_eq!(w.len(), 4);
        assert_eq!(w[0], Object::Integer(3));
        assert_eq!(w[1], Object::Array(vec![Object::Integer(250)]));
        assert_eq!(w[2], Object::Integer(76));
        assert_eq!(w[3], Object::Array(vec![Object::Real(277.83); 3]));
    }

    /// A row's first lines under its header in columns of text at a page's foot, and its rest
    /// atop the next page as cells, its name going on in lower case: one row of cells, under
    /// the header as cells; the next page keeps the rows after it.
    #[test]
    fn a_rows_rest_as_cells_atop_a_page_joins_its_lines_at_the_foot_of_the_last() {
        let mut pages = vec![
            vec![
                "## Key Measure Summary".to_string(),
                "Key Measure                          Date   Actual   Target   Performance"
                    .to_string(),
                "Number of people supported with an   Sep-".to_string(),
            ],
            vec![
                "outcome focused plan\t2023\t762\t550\tStrong".to_string(),
                "Number of carers\tSep-2023\t1,170\t1,000\tStrong".to_string(),
            ],
        ];
        aligned_row_over_pages(&mut pages);
        assert_eq!(
            pages[0],
            [
                "## Key Measure Summary",
                "Key Measure\tDate\tActual\tTarget\tPerformance",
                "Number of people supported with an outcome focused plan\tSep-2023\t762\t550\tStrong",
            ]
        );
        assert_eq!(
            pages[1],
            ["Number of carers\tSep-2023\t1,170\t1,000\tStrong"]
        );
    }

    /// A line cut by a page break as wkhtmltopdf prints one: drawn on both pages, each page's
    /// clipping path (its text area) showing only the part that falls within it. The page that
    /// shows most of the line reads it; the other does not read it again.
    #[test]
    fn text_the_clipping_path_mostly_hides_is_not_read() {
        use lopdf::content::{Content, Operation};
        let mut doc = lopdf::Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        let resources = doc.add_object(dictionary! {
            "Font" => dictionary! { "F1" => font },
        });
        // Text shown at `(x, y)` (from the page's foot), inside a clip of the band from 40 to
        // 800 points up.
        let page = |doc: &mut lopdf::Document, lines: &[(f64, &str)]| {
            let mut ops = vec![
                Operation::new("q", vec![]),
                Operation::new("re", vec![0.into(), 40.into(), 595.into(), 760.into()]),
                Operation::new("W", vec![]),
                Operation::new("n", vec![]),
            ];
            for (y, text) in lines {
                ops.push(Operation::new("BT", vec![]));
                ops.push(Operation::new("Tf", vec!["F1".into(), 12.into()]));
                ops.push(Operation::new("Td", vec![72.into(), (*y).into()]));
                ops.push(Operation::new("Tj", vec![Object::string_literal(*text)]));
                ops.push(Operation::new("ET", vec![]));
            }
            ops.push(Operation::new("Q", vec![]));
            let content = Content { operations: ops };
            let stream = doc.add_object(lopdf::Stream::new(
                dictionary! {},
                content.encode().expect("content"),
            ));
            doc.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                "Contents" => stream,
                "Resources" => resources,
            })
        };
        // The cut line's baseline 8 points under the first page's text area (only its
        // capitals' tops within it), and 9 points under the second's top (most of its
        // letters within it).
        let first = page(
            &mut doc,
            &[
                (400.0, "The first page ends here."),
                (32.0, "cut by the break"),
            ],
        );
        let second = page(
            &mut doc,
            &[
                (791.0, "cut by the break"),
                (700.0, "The second page goes on."),
            ],
        );
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => vec![first.into(), second.into()],
                "Count" => 2,
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("save");
        let text = to_text(&bytes).expect("read");
        assert_eq!(text.matches("cut by the break").count(), 1, "{text}");
        let (page1, page2) = text.split_once('\u{c}').expect("two pages");
        assert!(!page1.contains("cut by the break"), "{text}");
        assert!(page2.contains("cut by the break"), "{text}");
        assert!(page1.contains("The first page ends here."), "{text}");
        assert!(page2.contains("The second page goes on."), "{text}");
    }

    /// An encoding CMap's `cidchar` and `cidrange` entries give each two-byte code its glyph;
    /// a CMap with one-byte codes, or one that maps to text (`bfchar`), is not read.
    #[test]
    fn encoding_cmaps_are_read_entry_by_entry() {
        let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
            1 begincodespacerange <0000> <ffff> endcodespacerange\n\
            2 begincidchar <0026> 38 <0dc8> 0 endcidchar\n\
            1 begincidrange <0030> <0032> 100 endcidrange\n\
            endcmap CMapName currentdict /CMap defineresource pop end end";
        let map = cid_map(cmap).expect("a CMap of two-byte codes");
        let pairs: Vec<(i64, i64)> = map.into_iter().collect();
        assert_eq!(
            pairs,
            vec![
                (0x26, 38),
                (0x30, 100),
                (0x31, 101),
                (0x32, 102),
                (0xdc8, 0)
            ]
        );
        assert!(cid_map(b"1 begincodespacerange <00> <ff> endcodespacerange").is_none());
        assert!(cid_map(b"1 beginbfchar <0026> <0041> endbfchar").is_none());
    }

    /// MuPDF's `ToUnicode` maps: a code point beyond the Basic Multilingual Plane in five hex
    /// digits, in `bfchar` and as a `bfrange`'s start; UTF-16 (a surrogate pair, a ligature's
    /// two letters) and arrays read as the standard says. Written back plainly, the map is one
    /// `adobe-cmap-parser` (in `pdf-extract`) reads.
    #[test]
    fn to_unicode_maps_are_written_back_plainly() {
        let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
            1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
            3 beginbfchar <06c9> <1f503> <0010> <0041> <0011> <d83ddd34>\n endbfchar\n\
            2 beginbfrange <0020> <0021> <1f7e0> <0030> <0031> [<0066006c> <00660069>]\n\
            endbfrange endcmap CMapName currentdict /CMap defineresource pop end end";
        let map = unicode_map(cmap).expect("a ToUnicode map");
        let text = |code: &str| map.iter().find(|(c, _)| c == code).map(|(_, t)| t.as_str());
        assert_eq!(text("06c9"), Some("\u{1f503}"));
        assert_eq!(text("0010"), Some("A"));
        assert_eq!(text("0011"), Some("\u{1f534}"));
        assert_eq!(text("0020"), Some("\u{1f7e0}"));
        assert_eq!(text("0021"), Some("\u{1f7e1}"));
        assert_eq!(text("0030"), Some("fl"));
        assert_eq!(text("0031"), Some("fi"));
        assert_eq!(map.len(), 7);
        let plain = String::from_utf8(plain_cmap(&map)).expect("text");
        assert!(plain.contains("<06c9> <d83ddd03>"), "{plain}");
        assert!(plain.contains("<0030> <0066006c>"), "{plain}");
        assert_eq!(unicode_map(plain.as_bytes()), Some(map));
        assert!(irregular(cmap));
        assert!(!irregular(plain.as_bytes()));
        assert!(unicode_map(b"/Adobe-Identity-UCS usecmap").is_none());
        assert_eq!(
            unligated("\u{fb01}nancial e\u{fb03}cient"),
            "financial efficient"
        );
    }

    /// A range whose bounds are not numbers, or wider than 65,536 glyphs, is left as it is.
    #[test]
    fn odd_cid_width_ranges_are_left_alone() {
        let mut doc = lopdf::Document::with_version("1.7");
        let w = vec![
            Object::Integer(0),
            Object::Integer(100_000),
            Object::Integer(500),
        ];
        let font = doc.add_object(dictionary! {
            "Subtype" => "CIDFontType2",
            "W" => w.clone(),
        });
        widths_plainly(&mut doc);
        assert_eq!(widths(&doc, font), w);
    }
}
