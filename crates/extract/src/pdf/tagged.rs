//! The tables a tagged PDF declares in its structure tree.
//!
//! A tagged PDF (Word's "Save as PDF" by default, browsers' "Print to PDF", LibreOffice with
//! "Tagged PDF" on) says what its content is: a `Table` element holds `TR` rows (directly or
//! under `THead`, `TBody` and `TFoot`), a row holds `TH` and `TD` cells, and each cell names the
//! marked content (`BDC … /MCID n … EMC` on a page) that draws its text. Where the tree says
//! where a cell is, there is nothing to guess from positions: cells set at the top, the middle
//! or the bottom of their rows, a word space apart, with or without rules, and rows broken over a
//! page read alike.
//!
//! Producers' own element names reach the standard ones through the tree's `RoleMap`. `ColSpan`
//! and `RowSpan` (table attributes) place cells as the HTML reader places `colspan` and
//! `rowspan`. A tree that loops, or is deeper than any real document's, is read no further.

use std::collections::{BTreeMap, BTreeSet};

use lopdf::{Dictionary, Document, Object, ObjectId};

/// Where a cell's text is drawn: (page index, marked-content id).
pub(super) type Part = (usize, i64);

/// One cell of a tagged table.
#[derive(Debug, Clone, Default)]
pub(super) struct Cell {
    pub parts: Vec<Part>,
    pub col_span: usize,
    row_span: usize,
}

/// A tagged table: its rows of slots, each slot a cell (an index into `cells`) and whether the
/// slot prints it (a column spanned after a cell's first prints nothing).
#[derive(Debug, Clone, Default)]
pub(super) struct Table {
    pub cells: Vec<Cell>,
    pub rows: Vec<Vec<Option<(usize, bool)>>>,
    /// The row each cell starts in.
    pub origin: Vec<usize>,
    /// Not declared a table: a grid of generic containers three deep (rows of cells), as
    /// Chromium tags a table it takes for layout. It is a table only if its cells print side by
    /// side and its rows one under another, which the caller checks.
    pub layout: bool,
}

/// Deeper than this, a structure tree is taken for a loop.
const DEPTH: usize = 200;

/// The standard structure types lapis reads; any other name is looked up in the `RoleMap`.
const STANDARD: [&[u8]; 7] = [b"Table", b"TR", b"TH", b"TD", b"THead", b"TBody", b"TFoot"];

struct Walk<'a> {
    doc: &'a Document,
    pages: BTreeMap<ObjectId, usize>,
    roles: BTreeMap<Vec<u8>, Vec<u8>>,
    seen: BTreeSet<ObjectId>,
}

/// The tables of a tagged PDF, in the order of its structure tree; none if it is not tagged.
pub(super) fn tables(doc: &Document, page_ids: &[ObjectId]) -> Vec<Table> {
    let Some(root) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"StructTreeRoot").ok())
        .and_then(|r| doc.dereference(r).ok())
        .and_then(|(_, r)| r.as_dict().ok())
    else {
        return Vec::new();
    };
    let roles = root
        .get(b"RoleMap")
        .ok()
        .and_then(|m| doc.dereference(m).ok())
        .and_then(|(_, m)| m.as_dict().ok())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_name().ok()?.to_vec())))
                .collect()
        })
        .unwrap_or_default();
    let mut walk = Walk {
        doc,
        pages: page_ids
            .iter()
            .enumerate()
            .map(|(n, id)| (*id, n))
            .collect(),
        roles,
        seen: BTreeSet::new(),
    };
    let mut out = Vec::new();
    if let Ok(k) = root.get(b"K") {
        walk.find(k, None, 0, &mut out);
    }
    out.retain(|t: &Table| t.rows.iter().any(|r| r.len() >= 2));
    out
}

impl<'a> Walk<'a> {
    /// An object with its reference followed, once (a tree that points back at itself is read
    /// no further).
    fn resolve<'o>(&mut self, obj: &'o Object) -> Option<&'o Object>
    where
        'a: 'o,
    {
        match obj {
            Object::Reference(id) => {
                if !self.seen.insert(*id) {
                    return None;
                }
                self.doc.get_object(*id).ok()
            }
            other => Some(other),
        }
    }

    /// An element's structure type, through the role map.
    fn role(&self, elem: &Dictionary) -> Vec<u8> {
        let mut s = elem
            .get(b"S")
            .and_then(Object::as_name)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        for _ in 0..8 {
            if STANDARD.contains(&s.as_slice()) {
                break;
            }
            match self.roles.get(&s) {
                Some(to) if *to != s => s = to.clone(),
                _ => break,
            }
        }
        s
    }

    /// The page an element sets for the content under it, or the one it inherits.
    fn page(&self, elem: &Dictionary, inherited: Option<usize>) -> Option<usize> {
        elem.get(b"Pg")
            .and_then(Object::as_reference)
            .ok()
            .and_then(|id| self.pages.get(&id).copied())
            .or(inherited)
    }

    /// The objects an entry of the tree stands for: its references followed (each once), its
    /// arrays flattened.
    fn items(&mut self, obj: &'a Object, depth: usize) -> Vec<&'a Object> {
        let mut out = Vec::new();
        self.flatten(obj, depth, &mut out);
        out
    }

    /// The structure elements among an object's items: each with its page (its own, else
    /// `page`) and its kids (`K`), if it has any.
    fn elements(
        &mut self,
        obj: &'a Object,
        page: Option<usize>,
        depth: usize,
    ) -> Vec<(&'a Dictionary, Option<usize>, Option<&'a Object>)> {
        self.items(obj, depth)
            .into_iter()
            .filter_map(|item| match item {
                Object::Dictionary(d) => Some((d, self.page(d, page), d.get(b"K").ok())),
                _ => None,
            })
            .collect()
    }

    fn flatten(&mut self, obj: &'a Object, depth: usize, out: &mut Vec<&'a Object>) {
        if depth > DEPTH {
            return;
        }
        match self.resolve(obj) {
            Some(Object::Array(a)) => {
                for k in a {
                    self.flatten(k, depth + 1, out);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }

    /// The tables under a structure element.
    fn find(&mut self, obj: &'a Object, page: Option<usize>, depth: usize, out: &mut Vec<Table>) {
        for (d, page, k) in self.elements(obj, page, depth) {
            let Some(k) = k else {
                continue;
            };
            if self.role(d) == b"Table" {
                let mut rows = Vec::new();
                self.rows(k, page, depth + 1, &mut rows);
                out.push(place(rows));
            } else if let Some(grid) = self.grid(d) {
                let mut rows = Vec::new();
                for row in grid {
                    let mut cells = Vec::new();
                    for cell in row {
                        let mut parts = Vec::new();
                        let page = self.page(cell, page);
                        if let Ok(k) = cell.get(b"K") {
                            self.content(k, page, depth + 3, &mut parts);
                        }
                        cells.push(Cell {
                            parts,
                            col_span: 1,
                            row_span: 1,
                        });
                    }
                    rows.push(cells);
                }
                out.push(Table {
                    layout: true,
                    ..place(rows)
                });
            } else {
                self.find(k, page, depth + 1, out);
            }
        }
    }

    /// The rows of cells of a grid of generic containers (`NonStruct` or `Div`) three deep:
    /// two rows or more, at least two of them of two cells or more. Pages are the cells' own or
    /// inherited, which the caller resolves as it reads them.
    fn grid(&self, elem: &'a Dictionary) -> Option<Vec<Vec<&'a Dictionary>>> {
        let role = self.role(elem);
        if role != b"NonStruct" && role != b"Div" {
            return None;
        }
        let kids = |d: &'a Dictionary| -> Option<Vec<&'a Dictionary>> {
            let k = d.get(b"K").ok()?;
            let k = match k {
                Object::Reference(id) => self.doc.get_object(*id).ok()?,
                other => other,
            };
            let items: Vec<&'a Object> = match k {
                Object::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            items
                .into_iter()
                .map(|i| {
                    let i = match i {
                        Object::Reference(id) => {
                            if self.seen.contains(id) {
                                return None;
                            }
                            self.doc.get_object(*id).ok()?
                        }
                        other => other,
                    };
                    let d = i.as_dict().ok()?;
                    (self.role(d) == role && d.get(b"Pg").is_err()).then_some(d)
                })
                .collect()
        };
        let rows: Vec<Vec<&'a Dictionary>> =
            kids(elem)?.into_iter().map(kids).collect::<Option<_>>()?;
        let wide = rows.iter().filter(|r| r.len() >= 2).count();
        (rows.len() >= 2 && wide >= 2).then_some(rows)
    }

    /// The rows under a table (directly, or under its head, bodies and foot): each row's
    /// cells.
    fn rows(
        &mut self,
        obj: &'a Object,
        page: Option<usize>,
        depth: usize,
        rows: &mut Vec<Vec<Cell>>,
    ) {
        for (d, page, k) in self.elements(obj, page, depth) {
            let Some(k) = k else {
                continue;
            };
            match self.role(d).as_slice() {
                b"TR" => {
                    let mut row = Vec::new();
                    self.cells(k, page, depth + 1, &mut row);
                    rows.push(row);
                }
                // A table inside a table is read as the text of its cell, not here.
                b"Table" => {}
                _ => self.rows(k, page, depth + 1, rows),
            }
        }
    }

    /// The cells of a row.
    fn cells(&mut self, obj: &'a Object, page: Option<usize>, depth: usize, row: &mut Vec<Cell>) {
        for (d, page, kids) in self.elements(obj, page, depth) {
            let role = self.role(d);
            if role == b"TH" || role == b"TD" {
                let mut parts = Vec::new();
                if let Some(k) = kids {
                    self.content(k, page, depth + 1, &mut parts);
                }
                row.push(Cell {
                    parts,
                    col_span: span(self.doc, d, b"ColSpan"),
                    row_span: span(self.doc, d, b"RowSpan"),
                });
            } else if let Some(k) = kids {
                self.cells(k, page, depth + 1, row);
            }
        }
    }

    /// The marked content under an element, in the tree's order.
    fn content(
        &mut self,
        obj: &'a Object,
        page: Option<usize>,
        depth: usize,
        parts: &mut Vec<Part>,
    ) {
        for item in self.items(obj, depth) {
            match item {
                Object::Integer(mcid) => parts.extend(page.map(|p| (p, *mcid))),
                Object::Dictionary(d) => {
                    let page = self.page(d, page);
                    let kind = d.get(b"Type").and_then(Object::as_name).unwrap_or_default();
                    if kind == b"MCR" {
                        let mcid = d.get(b"MCID").and_then(Object::as_i64);
                        if let (Some(p), Ok(m)) = (page, mcid) {
                            parts.push((p, m));
                        }
                    } else if kind != b"OBJR" {
                        if let Ok(k) = d.get(b"K") {
                            self.content(k, page, depth + 1, parts);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// A cell's `ColSpan` or `RowSpan` attribute (1 if it has none): in its `A` entry, a dictionary
/// or an array of them (with revision numbers between).
fn span(doc: &Document, cell: &Dictionary, key: &[u8]) -> usize {
    let Ok(a) = cell.get(b"A") else {
        return 1;
    };
    let a = doc.dereference(a).map(|(_, a)| a).unwrap_or(a);
    let dicts: Vec<&Dictionary> = match a {
        Object::Dictionary(d) => vec![d],
        Object::Array(items) => items
            .iter()
            .filter_map(|i| doc.dereference(i).ok()?.1.as_dict().ok())
            .collect(),
        _ => Vec::new(),
    };
    dicts
        .iter()
        .find_map(|d| d.get(key).and_then(Object::as_i64).ok())
        .map_or(1, |n| n.clamp(1, 64) as usize)
}

/// Cells into the table's grid, as the HTML reader places `colspan` and `rowspan`: a cell
/// spanning columns prints in the first, one spanning rows prints in each.
fn place(rows: Vec<Vec<Cell>>) -> Table {
    let mut table = Table {
        rows: vec![Vec::new(); rows.len()],
        ..Table::default()
    };
    for (r, row) in rows.into_iter().enumerate() {
        let mut col = 0;
        for cell in row {
            while table.rows[r].get(col).is_some_and(Option::is_some) {
                col += 1;
            }
            let n = table.cells.len();
            let (cols, down) = (cell.col_span, cell.row_span.min(table.rows.len() - r));
            for dr in 0..down {
                let slots = &mut table.rows[r + dr];
                if slots.len() < col + cols {
                    slots.resize(col + cols, None);
                }
                for dc in 0..cols {
                    slots[col + dc] = Some((n, dc == 0));
                }
            }
            table.cells.push(cell);
            table.origin.push(r);
            col += cols;
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    /// A structure element of type `s` with kids `k`.
    fn elem(doc: &mut Document, s: &str, k: Object) -> Object {
        Object::Reference(
            doc.add_object(dictionary! { "Type" => "StructElem", "S" => s, "K" => k }),
        )
    }

    /// A tagged document with one page and `table` as the tree's only kid (under a `Document`
    /// element), with `roles` as its role map.
    fn tagged(
        table: impl FnOnce(&mut Document, ObjectId) -> Object,
        roles: Dictionary,
    ) -> (Document, ObjectId) {
        let mut doc = Document::with_version("1.7");
        let page = doc.add_object(dictionary! { "Type" => "Page" });
        let t = table(&mut doc, page);
        let root_elem = elem(&mut doc, "Document", Object::Array(vec![t]));
        let root = doc.add_object(dictionary! {
            "Type" => "StructTreeRoot",
            "K" => root_elem,
            "RoleMap" => roles,
        });
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "StructTreeRoot" => root });
        doc.trailer.set("Root", catalog);
        (doc, page)
    }

    /// A table under the producer's own names (reached through the role map), its rows under
    /// `THead` and `TBody`, its cells' content as marked-content ids (plain or as `MCR`s) on the
    /// page its elements name.
    #[test]
    fn tables_are_read_from_the_structure_tree_through_the_role_map() {
        let (doc, page) = tagged(
            |doc, page| {
                let th = |doc: &mut Document, mcid: i64| {
                    Object::Reference(doc.add_object(dictionary! {
                        "S" => "TH", "Pg" => page, "K" => mcid,
                    }))
                };
                let (a, b) = (th(doc, 0), th(doc, 1));
                let head_row = elem(doc, "TR", Object::Array(vec![a, b]));
                let head = elem(doc, "THead", Object::Array(vec![head_row]));
                let mcr = dictionary! { "Type" => "MCR", "Pg" => page, "MCID" => 3 };
                let c = Object::Reference(doc.add_object(dictionary! {
                    "S" => "Cell", "Pg" => page, "K" => Object::Array(vec![2.into(), Object::Dictionary(mcr)]),
                }));
                let d = Object::Reference(doc.add_object(dictionary! {
                    "S" => "Cell", "Pg" => page, "K" => 4,
                }));
                let row = elem(doc, "Row", Object::Array(vec![c, d]));
                let body = elem(doc, "TBody", Object::Array(vec![row]));
                elem(doc, "Grid", Object::Array(vec![head, body]))
            },
            dictionary! { "Grid" => "Table", "Row" => "TR", "Cell" => "TD" },
        );
        let tables = tables(&doc, &[page]);
        assert_eq!(tables.len(), 1);
        let t = &tables[0];
        let parts: Vec<Vec<Part>> = t.cells.iter().map(|c| c.parts.clone()).collect();
        assert_eq!(
            parts,
            vec![
                vec![(0, 0)],
                vec![(0, 1)],
                vec![(0, 2), (0, 3)],
                vec![(0, 4)]
            ]
        );
        assert_eq!(
            t.rows,
            vec![
                vec![Some((0, true)), Some((1, true))],
                vec![Some((2, true)), Some((3, true))]
            ]
        );
        assert_eq!(t.origin, vec![0, 0, 1, 1]);
    }

    /// `ColSpan` prints a cell in its first column and leaves the rest empty; `RowSpan` prints
    /// it in each row it spans, as the HTML reader does.
    #[test]
    fn spanning_cells_are_placed_as_html_places_them() {
        let cell = |col_span, row_span| Cell {
            parts: Vec::new(),
            col_span,
            row_span,
        };
        let t = place(vec![
            vec![cell(1, 2), cell(2, 1)],
            vec![cell(1, 1), cell(1, 1)],
        ]);
        assert_eq!(
            t.rows,
            vec![
                vec![Some((0, true)), Some((1, true)), Some((1, false))],
                vec![Some((0, true)), Some((2, true)), Some((3, true))],
            ]
        );
        assert_eq!(t.origin, vec![0, 0, 1, 1]);
    }

    /// A tree that points back at itself is read no further, and a document without one has
    /// no tagged tables.
    #[test]
    fn a_looping_tree_ends_and_an_untagged_document_has_no_tables() {
        let mut doc = Document::with_version("1.7");
        let page = doc.add_object(dictionary! { "Type" => "Page" });
        let me = doc.new_object_id();
        doc.objects.insert(
            me,
            Object::Dictionary(dictionary! { "S" => "Div", "K" => Object::Reference(me) }),
        );
        let root = doc
            .add_object(dictionary! { "Type" => "StructTreeRoot", "K" => Object::Reference(me) });
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "StructTreeRoot" => root });
        doc.trailer.set("Root", catalog);
        assert!(tables(&doc, &[page]).is_empty());
        let mut plain = Document::with_version("1.7");
        let catalog = plain.add_object(dictionary! { "Type" => "Catalog" });
        plain.trailer.set("Root", catalog);
        assert!(tables(&plain, &[]).is_empty());
    }
}
