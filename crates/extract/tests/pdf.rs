//! PDF reports: the shared reports rendered to PDF at test time (`tests/pdf/render.py`, fpdf2:
//! ruled tables with wrapped cells, headers repeated over page breaks, landscape pages for wide
//! tables, a running header and page numbers) must give the same facts as their text; damaged,
//! scanned and password-protected files are refused with a clear reason.
//!
//! Needs `python3` with `fpdf2` and the DejaVu fonts (`.ci/run` installs them).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{facts, read_document, report_path};
use lapis_extract::ExtractError;
use lapis_model::Vocabulary;

fn render(text_path: &Path, out: &Path, extra: &[&str]) {
    render_with("render.py", "fpdf2", text_path, out, extra);
}

/// Runs `tests/pdf/<script>` (which needs the Python package `package`) on a report's text.
fn render_with(script: &str, package: &str, text_path: &Path, out: &Path, extra: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/pdf")
        .join(script);
    let run = Command::new("python3")
        .arg(&script)
        .arg(text_path)
        .arg(out)
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to render test PDFs: {e}"));
    assert!(
        run.status.success(),
        "rendering {} failed (is {package} installed? `pip install {package}`): {}",
        text_path.display(),
        String::from_utf8_lossy(&run.stderr)
    );
}

fn read(bytes: &[u8], council: &str) -> Result<BTreeSet<String>, ExtractError> {
    let x = read_document(bytes, council, Vocabulary::builtin())?;
    Ok(facts(&x).into_iter().collect())
}

fn same_facts_as_text(text_path: PathBuf, council: &str) {
    same_facts_in_style(text_path, council, "all");
}

/// `borders`: the tables' rules, as `render.py --borders` draws them (all, horizontal, none).
fn same_facts_in_style(text_path: PathBuf, council: &str, borders: &str) {
    same_facts_rendered(text_path, council, &["--borders", borders]);
}

/// The facts of the report rendered with `render.py`'s `style` options equal those of its text.
fn same_facts_rendered(text_path: PathBuf, council: &str, style: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("report.pdf");
    render(&text_path, &pdf, style);
    let bytes = std::fs::read(&pdf).expect("pdf");
    assert!(bytes.starts_with(b"%PDF"));
    let from_text = read(&std::fs::read(&text_path).expect("text"), council).expect("text read");
    let from_pdf = read(&bytes, council).expect("pdf read");
    let lost: Vec<&String> = from_text.difference(&from_pdf).collect();
    let invented: Vec<&String> = from_pdf.difference(&from_text).collect();
    assert!(
        lost.is_empty() && invented.is_empty(),
        "{}: {} facts, {} lost, {} invented\nlost: {lost:#?}\ninvented: {invented:#?}",
        text_path.display(),
        from_text.len(),
        lost.len(),
        invented.len()
    );
}

#[test]
fn derby_city_pdf_gives_the_facts_of_its_text() {
    same_facts_as_text(report_path("derby-city-2024-25-annual.txt"), "E06000015");
}

#[test]
fn derbyshire_2024_25_q1_pdf_gives_the_facts_of_its_text() {
    same_facts_as_text(report_path("derbyshire-county-2024-25-q1.txt"), "E10000007");
}

#[test]
fn derbyshire_2025_26_q1_pdf_gives_the_facts_of_its_text() {
    same_facts_as_text(report_path("derbyshire-county-2025-26-q1.txt"), "E10000007");
}

#[test]
fn the_bundled_sample_pdf_gives_the_facts_of_its_text() {
    same_facts_as_text(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../samples/derbyshire-county-2025-26-q1-sample.txt"),
        "E10000007",
    );
}

/// The bundled sample, a short report, printed by WeasyPrint from its HTML page: its headings
/// (set larger, and bold) hold more of its full-width lines' characters than its one paragraph
/// does, and were taken for its body type, so they read as bold lines and its objectives lost
/// their theme with no parse issue. The body's size is now that of its lines that are not bold.
#[test]
fn weasyprint_print_of_the_short_bundled_sample_gives_the_facts_of_its_text() {
    let text_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples/derbyshire-county-2025-26-q1-sample.txt");
    let text = std::fs::read_to_string(&text_path).expect("sample");
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("sample.html");
    let pdf = dir.path().join("sample.pdf");
    std::fs::write(&html, common::relayout::Transform::Html.apply(&text)).expect("html");
    render_with("render_weasyprint.py", "weasyprint", &html, &pdf, &[]);
    let from_text = read(text.as_bytes(), "E10000007").expect("text");
    let from_pdf = read(&std::fs::read(&pdf).expect("pdf"), "E10000007").expect("pdf");
    let lost: Vec<&String> = from_text.difference(&from_pdf).collect();
    let invented: Vec<&String> = from_pdf.difference(&from_text).collect();
    assert!(
        lost.is_empty() && invented.is_empty(),
        "{} facts, lost: {lost:#?}\ninvented: {invented:#?}",
        from_text.len()
    );
    // Two objectives and six figures; each objective under its theme's heading.
    assert_eq!(from_pdf.len(), 8);
    let themed = from_pdf
        .iter()
        .filter(|f| {
            f.starts_with("objective ") && f.ends_with("|Some(\"High Quality Public Services\")")
        })
        .count();
    assert_eq!(themed, 2, "{from_pdf:#?}");
}

/// Tables shaded as council templates shade them: a dark header row in white type, banded
/// rows, rating cells filled with their colour. fpdf2 paints a shaded, ruled cell with one
/// fill-and-stroke operation (`re B`), which the PDF reader used to pass over, losing the
/// cell's rules (12 to 19 facts of each report were lost before).
#[test]
fn shaded_tables_give_the_facts_of_the_text() {
    for (report, council) in [
        ("derby-city-2024-25-annual.txt", "E06000015"),
        ("derbyshire-county-2024-25-q1.txt", "E10000007"),
        ("derbyshire-county-2025-26-q1.txt", "E10000007"),
    ] {
        same_facts_rendered(report_path(report), council, &["--fill"]);
    }
}

#[test]
fn damaged_scanned_and_mislabelled_pdfs_are_refused_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("report.pdf");
    render(&report_path("derbyshire-county-2024-25-q1.txt"), &pdf, &[]);
    let bytes = std::fs::read(&pdf).expect("pdf");
    // Cut in half: the cross-reference table and half the pages are gone.
    let cut = read(&bytes[..bytes.len() / 2], "E10000007");
    assert!(
        matches!(cut, Err(ExtractError::DamagedPdf { .. })),
        "{cut:?}"
    );
    // A PDF header over junk.
    let junk = read(
        b"%PDF-1.7\n\x00\x01\x02 this is not a PDF body",
        "E10000007",
    );
    assert!(
        matches!(junk, Err(ExtractError::DamagedPdf { .. })),
        "{junk:?}"
    );
    // A scan: pages of images, no text layer.
    let scan = dir.path().join("scan.pdf");
    render(Path::new("-"), &scan, &["--scan"]);
    let scanned = read(&std::fs::read(&scan).expect("scan"), "E10000007");
    assert_eq!(scanned, Err(ExtractError::ScannedPdf { pages: 2 }));
    assert!(ExtractError::ScannedPdf { pages: 2 }
        .to_string()
        .contains("no text layer"));
    // A PDF printed from a web server's error page: it reads, and holds no report.
    let error_page = dir.path().join("error.txt");
    std::fs::write(
        &error_page,
        "404 Not Found\n\nThe requested URL /documents/s12345/Performance.pdf was not found on this server.\n\nApache/2.4.41 (Ubuntu) Server at democracy.example.gov.uk Port 443\n",
    )
    .expect("write");
    let error_pdf = dir.path().join("error.pdf");
    render(&error_page, &error_pdf, &[]);
    let refused = read(&std::fs::read(&error_pdf).expect("pdf"), "E10000007");
    assert!(
        matches!(refused, Err(ExtractError::NotAReport { .. })),
        "{refused:?}"
    );
}

#[test]
fn a_pdf_encrypted_only_against_copying_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = report_path("derbyshire-county-2024-25-q1.txt");
    let pdf = dir.path().join("locked.pdf");
    render(&text, &pdf, &["--encrypt-owner"]);
    let bytes = std::fs::read(&pdf).expect("pdf");
    let from_pdf = read(&bytes, "E10000007").expect("an owner-password PDF opens");
    let from_text = read(&std::fs::read(&text).expect("text"), "E10000007").expect("text");
    assert_eq!(from_pdf, from_text);
}

/// The report marks deliverables with emoji the test font cannot draw (they print blank). Two
/// paragraphs one under the other on a page, each a sentence of as many commas, read as rows
/// of a CSV table before (a PDF's paragraphs follow each other with no blank line), and the
/// deliverable between them was lost: a sentence ended by its full stop with no figure is prose.
#[test]
fn derbyshire_2019_20_pdf_gives_the_facts_of_its_text() {
    same_facts_as_text(
        report_path("derbyshire-county-2019-20-annual.txt"),
        "E10000007",
    );
}

/// Its deliverables are marked by emoji the test font cannot draw: a title's first line starts
/// further in than its second, and is still joined to it.
#[test]
fn derbyshire_2023_24_q2_pdf_gives_the_facts_of_its_text() {
    same_facts_as_text(report_path("derbyshire-county-2023-24-q2.txt"), "E10000007");
}

/// Tables drawn without column rules (only row rules, or no rules at all): their columns are
/// found from where the text lies, a table continued on the next page keeps them, paragraphs
/// just above or below a table and justified lines are not cells, and a row continued under
/// the repeated header is joined, a group's title wrapped in the first column is one title.
#[test]
fn tables_without_column_rules_give_the_facts_of_the_text() {
    for borders in ["horizontal", "none"] {
        for (report, council) in [
            ("derby-city-2024-25-annual.txt", "E06000015"),
            ("derbyshire-county-2024-25-q1.txt", "E10000007"),
            ("derbyshire-county-2025-26-q1.txt", "E10000007"),
            ("derbyshire-county-2023-24-q2.txt", "E10000007"),
        ] {
            same_facts_in_style(report_path(report), council, borders);
        }
    }
}

/// Cells padded wider (2 mm), with no rules: a page prints the table's columns at other places
/// than the page before, and the last row's rest under the header printed again there is moved
/// up to the row in the columns of the first page. Before, its lines kept their own page's
/// places, ran across the gap between Progress and Comments, and 2025-26 Q1's last three
/// objectives lost their ratings with no parse issue. In Derby City's narrower first column a
/// group's title wraps ("Actions identified in the Delivery" over "Plan 2024 25"): the rest of
/// a section's title read as a row of its own kept the section (its action was read as a
/// measure with no parse issue). Set in the middle of their rows, a header's first row of cells
/// spanning columns prints each cell at a height of its own ("Number of" over "schools", with
/// "Percentage of pupils" between them), further above the second row than its lines are apart:
/// it is the table's header still (2023-24 Q2's pupils and schools, 20 facts, were read as
/// measures named "Primary good" and so on).
#[test]
fn padded_tables_without_rules_give_the_facts_of_the_text() {
    for (report, valign) in [(0, "top"), (2, "top"), (3, "middle")] {
        let (report, council) = REPORTS[report];
        same_facts_rendered(
            report_path(report),
            council,
            &["--borders", "none", "--padding", "2", "--valign", valign],
        );
    }
}

/// The reports printed by fpdf2 with no rules and cells padded 3 mm, so that short cells wrap
/// ("Mar-2023 (Annual" over "Measure)", "No data for" over "2023-24") and a narrow header's words
/// break with no hyphen ("Numb" over "er", "Completio" over "n", "Progres" over "s"). A row's
/// second line under a cell that cannot end there is that row's, not a header of periods
/// ("2009-10 baseline  Measure)  2023-24" under "… CO2e from  Mar-2023 (Annual"); a header's
/// word broken in its column names that column whole. Before, 2023-24 Q2's key measures of its
/// third theme lost their theme and eleven figures (46 facts), and 2024-25 Q1 eight objectives
/// their ratings.
#[test]
fn unruled_tables_with_wide_padding_give_the_facts_of_the_text() {
    for (report, council) in REPORTS {
        same_facts_rendered(
            report_path(report),
            council,
            &["--borders", "none", "--padding", "3"],
        );
    }
}

/// Derby City's summary of its themes printed with no rules: each theme's percentages run into
/// its counts' cell, and are still said to be no claims, as from the text (they were dropped with
/// no parse issue).
#[test]
fn percentages_beside_a_themes_counts_are_reported_from_an_unruled_print() {
    let (report, council) = REPORTS[0];
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("report.pdf");
    render(&report_path(report), &pdf, &["--borders", "none"]);
    let percentages = |bytes: &[u8]| {
        let x = read_document(bytes, council, Vocabulary::builtin()).expect("a report");
        x.parse_issues
            .iter()
            .filter(|i| i.reason.starts_with("percentage summary"))
            .count()
    };
    let text = std::fs::read(report_path(report)).expect("text");
    assert_eq!(percentages(&text), 4);
    assert_eq!(percentages(&std::fs::read(&pdf).expect("pdf")), 4);
}

/// Tables ruled between their cells only, with no frame (fpdf2's "INTERNAL" layout): the
/// first column has no rule on its left, the last none on its right, and a row whose only text
/// is in the first column (a group's title) has every column rule to its right. The table's
/// edges are where the cells' own rules begin and end. Before, Derby City was refused as no
/// report (every row's first two cells read as one, and its group titles as lines of text) and
/// 2019-20 lost 96 of its 142 facts (headers whose first cell is empty lost a column). A row is
/// parted from the next where the column rules break, though no rule is drawn across its first
/// cell: the Derbyshire reports lost 6, 10 and 10 facts so.
#[test]
fn tables_ruled_between_cells_only_give_the_facts_of_the_text() {
    for (report, council) in REPORTS {
        same_facts_in_style(report_path(report), council, "internal");
    }
}

/// Unruled tables (and tables ruled between rows only) whose cells are set in the middle of
/// their rows, as fpdf2 sets them with `v_align="MIDDLE"`: a cell's lines are 1.35 of their size
/// apart, looser than the fifth of a line beyond its size taken for a cell's leading elsewhere,
/// and its rows further apart still. That a name's lines are one cell shows in the figures
/// centred beside them. Before, a name's third line was read as a row of its own: 68, 83, 85, 31
/// and 50 facts of the five reports were lost, most with no parse issue to say so.
#[test]
fn unruled_tables_with_cells_set_in_the_middle_give_the_facts_of_the_text() {
    for borders in ["none", "horizontal"] {
        for (report, council) in REPORTS {
            same_facts_rendered(
                report_path(report),
                council,
                &["--borders", borders, "--valign", "middle"],
            );
        }
    }
}

/// Unruled tables whose cells are set at the bottom of their rows (fpdf2's `v_align="BOTTOM"`):
/// a name's lines over the row's line of one-line cells. A table whose rows on one page show
/// it reads so on the next, where the header printed again stands over one row (Derby City's
/// "SM 10"), and so does a row alone under a group's title below such a table on its page
/// ("RS 25"); a row whose name's lines open or end its block, two columns or more set at its
/// foot, shows it too ("PPS PM09", alone under the header printed again). Before, 35, 12, 9
/// and 2 facts of the first four reports were lost.
#[test]
fn unruled_tables_with_cells_set_at_the_bottom_give_the_facts_of_the_text() {
    for (report, council) in REPORTS {
        same_facts_rendered(
            report_path(report),
            council,
            &["--borders", "none", "--valign", "bottom"],
        );
    }
}

/// Tables ruled down their columns and round their frame but not between their rows (fpdf2's
/// "NO_HORIZONTAL_LINES" layout), with cells set at the top and in the middle: each cell is drawn
/// with its own sides, so the column rules break where a row ends, and there the row is parted
/// from the next (nor a table from the next table set under it). Before, a page of rows was read
/// as one row or as lines of text, losing 140, 101, 64, 140 and 86 facts of the five reports.
/// Ruled between the columns only, under the header and nowhere else (fpdf2's "MINIMAL"), the
/// first and last columns have no rule beside them, and the text set beyond the outer column
/// rules is a column each: Derby City was refused as no report, and the four Derbyshire reports
/// lost 109, 66, 151 and 96 facts.
#[test]
fn tables_ruled_down_their_columns_only_give_the_facts_of_the_text() {
    for (report, council) in REPORTS {
        same_facts_in_style(report_path(report), council, "columns");
        same_facts_in_style(report_path(report), council, "minimal");
    }
    for (report, council) in [REPORTS[0], REPORTS[2]] {
        same_facts_rendered(
            report_path(report),
            council,
            &["--borders", "columns", "--valign", "middle"],
        );
    }
}

/// The reports re-laid out as another council's template would print them (other header words,
/// the columns in another order, empty cells marked "-", "..", "n/a"), printed by fpdf2 with no
/// rules, give the facts of their own text. Before, with other header words, a name wrapped at a
/// capital ("…satisfied overall with" over "Highways and…") or a rating wrapped ("Good (Strong
/// in" over "Q1)") started a row of its own (2023-24 Q2: 7 facts lost, 10 invented), and a
/// table's header printed alone at a page's foot took the next page's caption and header as its
/// own lines (2025-26 Q1: 15 lost); an empty cell's dash at the start of a line of cells was read
/// as a bullet and its cell joined to the next (2019-20 middle-set: 17 figures read as one text
/// with the next year's, with no parse issue). A header cell over a column its rows leave empty
/// ("Target 2024/25", header words and order changed, set in the middle) was taken for the
/// centred header of the column beside it, which has a header of its own: 2024-25 Q1 read two
/// outturns as targets, with no parse issue.
#[test]
fn relaid_reports_printed_without_rules_give_the_facts_of_their_text() {
    use common::relayout::Transform;
    use Transform::{ColumnsReordered, EmptyMarkers, HeaderSynonyms};
    let cases: [(&[Transform], &str, usize); 5] = [
        (&[HeaderSynonyms], "top", 2),
        (&[HeaderSynonyms], "top", 3),
        (&[EmptyMarkers], "middle", 4),
        (&[ColumnsReordered], "middle", 4),
        (&[HeaderSynonyms, ColumnsReordered], "middle", 1),
    ];
    for (transforms, valign, report) in cases {
        let (name, council) = REPORTS[report];
        let dir = tempfile::tempdir().expect("tempdir");
        let text = dir.path().join(name);
        let relaid = transforms.iter().fold(
            std::fs::read_to_string(report_path(name)).expect("text"),
            |text, t| t.apply(&text),
        );
        std::fs::write(&text, relaid).expect("relaid text");
        same_facts_rendered(text, council, &["--borders", "none", "--valign", valign]);
    }
}

/// Where a line of a document of pages is: pages start at their form feed, a line holding only
/// the form feed (as lapis prints a PDF) is not counted, one that starts with it (as `pdftotext`
/// prints) is its page's line 1.
#[test]
fn lines_are_placed_on_their_pages() {
    assert_eq!(lapis_extract::pages("a\nb\n"), None);
    assert_eq!(
        lapis_extract::pages("a\nb\n\u{c}\nc\nd\n\u{c}e\nf"),
        Some(vec![(1, 1), (1, 2), (2, 0), (2, 1), (2, 2), (3, 1), (3, 2)])
    );
}

/// Every fact read from a PDF says on which page it is printed and on which line of that page
/// (of the page's text as lapis lays it out), and that line shows it.
#[test]
fn facts_from_a_pdf_cite_their_page_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("report.pdf");
    render(&report_path("derby-city-2024-25-annual.txt"), &pdf, &[]);
    let bytes = std::fs::read(&pdf).expect("pdf");
    let x = read_document(&bytes, "E06000015", Vocabulary::builtin()).expect("read");
    let text =
        lapis_extract::document_text(&bytes, lapis_extract::DEFAULT_MAX_BYTES).expect("text");
    let lines: Vec<&str> = text.split('\n').collect();
    let at = lapis_extract::pages(&text).expect("pages");
    let line_on = |page: u32, line: u32| {
        let i = at
            .iter()
            .position(|p| *p == (page, line))
            .unwrap_or_else(|| panic!("no line {line} on page {page}"));
        lines[i]
    };
    // A reference printed wrapped ("SR46_ CR46") is read without the break.
    let shows = |line: &str, key: &str| line.replace(' ', "").contains(&key.replace(' ', ""));
    let pages = at.iter().map(|p| p.0).max().expect("pages");
    assert!(pages >= 10, "{pages} pages");
    assert_eq!(x.observations.len(), 181);
    for o in &x.observations {
        let page = o.source_page.expect("a page");
        assert!((2..=pages).contains(&page), "{page}");
        let shown = line_on(page, o.source_line);
        let key = o.measure_ref.as_deref().unwrap_or(&o.measure_name);
        assert!(
            shows(shown, key),
            "{} {:?}: page {page} line {} is {shown:?}",
            o.measure_name,
            o.period.label,
            o.source_line
        );
    }
    for u in &x.objective_updates {
        let page = u.source_page.expect("a page");
        let shown = line_on(page, u.source_line);
        let key = u.objective_ref.as_deref().unwrap_or(&u.title);
        assert!(
            shows(shown, key),
            "{key}: page {page} line {} is {shown:?}",
            u.source_line
        );
    }
    // A report read from text has no pages.
    let text_x = read_document(
        &std::fs::read(report_path("derby-city-2024-25-annual.txt")).expect("text"),
        "E06000015",
        Vocabulary::builtin(),
    )
    .expect("read");
    assert!(text_x.observations.iter().all(|o| o.source_page.is_none()));
}

/// The report typed into a Word document (`render_docx.py`, Word's "Table Grid" tables) and
/// printed to PDF by LibreOffice: another tool's line breaking (after a hyphen; inside a word
/// too long for its column) and its rows that break across pages (Word's default), continued
/// under the repeated header. Every figure, period, target, rating, benchmark and direction
/// must be the text's; a title may differ in its spaces only, where the PDF cannot show them
/// (the report's own "Anti- Poverty" broken at its hyphen reads "Anti-Poverty";
/// "consultation" broken inside the word reads "consulta tion").
#[test]
fn libreoffice_pdfs_of_word_tables_give_the_facts_of_the_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Word's "Light Grid" also: a filled header, a bold key column, thicker outer rules; and
    // "Medium Shading 1" and "Light Shading".
    for (report, council, style) in [
        ("derby-city-2024-25-annual.txt", "E06000015", "Table Grid"),
        (
            "derbyshire-county-2024-25-q1.txt",
            "E10000007",
            "Table Grid",
        ),
        (
            "derbyshire-county-2025-26-q1.txt",
            "E10000007",
            "Table Grid",
        ),
        // Prose, headings of three levels (LibreOffice sets Heading 1 and 2 a point apart), chart
        // data as small tables, rows broken across pages in tables whose first column is the
        // name.
        (
            "derbyshire-county-2023-24-q2.txt",
            "E10000007",
            "Table Grid",
        ),
        (
            "derbyshire-county-2019-20-annual.txt",
            "E10000007",
            "Table Grid",
        ),
        (
            "derby-city-2024-25-annual.txt",
            "E06000015",
            "Light Grid Accent 1",
        ),
        // Banded fills and no rules between the columns; rows that break across a page are
        // not closed by a rule on it.
        (
            "derby-city-2024-25-annual.txt",
            "E06000015",
            "Medium Shading 1",
        ),
        // Rules under the header and the table only: columns found from where the text lies.
        (
            "derby-city-2024-25-annual.txt",
            "E06000015",
            "Light Shading",
        ),
        (
            "derbyshire-county-2023-24-q2.txt",
            "E10000007",
            "Light Shading",
        ),
        // Rules over and under the header and the table only. A header of two rows ("Number of
        // schools … Percentage of pupils" over "Primary Secondary Primary Secondary") whose
        // first row alone is printed again over the table's rest on the next page, as Word
        // repeats the rows marked as header rows: the repeat is dropped (all 20 figures of the
        // table were lost before). Its rows parted by their shading, a row's label broken over
        // the page ("Requires" at the foot, "Improvement" atop the next under the repeat) is
        // joined back to its row of figures.
        (
            "derbyshire-county-2023-24-q2.txt",
            "E10000007",
            "Medium List 1",
        ),
        // No rules, no fills (Word's "Normal Table"): the same cross table's header, its first
        // row's cells each spanning two columns and starting where the first of them does, set
        // a row's space above its second row. Before, the first row was read as a bold
        // paragraph and the 20 figures under it as a table with no periods of its own (each
        // flagged as printed twice).
        (
            "derbyshire-county-2023-24-q2.txt",
            "E10000007",
            "Normal Table",
        ),
        // Banded fills, no rules: rows of one-line cells set at one leading throughout
        // ("Deliverables" over "Good 1 0 0 0") are parted by the edge of their fills (the four
        // completed-deliverable counts were lost before).
        (
            "derbyshire-county-2019-20-annual.txt",
            "E10000007",
            "Colorful List",
        ),
    ] {
        libreoffice_gives_the_facts_of_the_text(report, council, style, &[], false, dir.path());
    }
}

/// Word tables with no rules and no fills, their cells set in the middle of their rows ("Align
/// Center") with no space after their paragraphs: the rows abut, and a row's tallest cell runs
/// on into the next row's at one line-spacing, parted only where the cells beside it are
/// centred (each part ends as far below their middle as it starts above it); the last row on a
/// page, broken over it, set at the top; the rest of a row under the header printed again, its
/// first line close under the header's. Before, 2024-25 Q1 lost 8 facts (rows run together:
/// "SO-11 So-12") and 2019-20 4 (the key measures' last row, broken over a page, read as two).
#[test]
fn libreoffice_pdfs_of_centred_word_tables_give_the_facts_of_the_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (report, council) in [REPORTS[0], REPORTS[1], REPORTS[4]] {
        libreoffice_gives_the_facts_of_the_text(
            report,
            council,
            "Normal Table",
            &["--valign", "center", "--no-spacing"],
            false,
            dir.path(),
        );
    }
}

/// Word's banded styles ("Light Shading", "Colorful List", "Medium List 1": every other row
/// shaded, no rules between rows) with every cell set in the middle of its row: the rows abut,
/// and a row's tallest cell runs on into the next row's a little more than a line-spacing
/// apart (the space after its paragraph), too little to part them. A row's shading parts them:
/// a line on it and the next off it are two rows' (the fill starts a fifth of a line under
/// the last baseline above it, too close to part them as a rule does). Before, Derby City lost
/// 108 facts (action titles run into the next row's: "GR 11 | Review and update … Continued
/// introduction of traffic calming"), 2024-25 Q1 15, 2025-26 Q1 7 and 2019-20 42 (the
/// Performance Summary's rows read as one). In 2023-24 Q2 two measures' names start alike and
/// wrap alike ("Number of people / with a learning / disability and/or who"): the second's
/// lines are no header printed again (a header's lines are of cells), and the table goes on
/// (15 facts were lost before).
#[test]
fn libreoffice_pdfs_of_centred_banded_word_tables_give_the_facts_of_the_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let centred = ["--valign", "center"];
    for (report, council) in REPORTS {
        libreoffice_gives_the_facts_of_the_text(
            report,
            council,
            "Light Shading",
            &centred,
            false,
            dir.path(),
        );
    }
    for style in ["Colorful List", "Medium List 1"] {
        libreoffice_gives_the_facts_of_the_text(
            REPORTS[0].0,
            REPORTS[0].1,
            style,
            &centred,
            false,
            dir.path(),
        );
    }
}

/// A report written as a Word document with its tables in `style` (`tests/pdf/render_docx.py`)
/// and printed to PDF by LibreOffice, tagged or not, gives the facts of its text: every figure,
/// period, target, rating, benchmark and direction the text's, and at most two objective titles
/// differing in their spaces only, where the PDF cannot show them.
fn libreoffice_gives_the_facts_of_the_text(
    report: &str,
    council: &str,
    style: &str,
    options: &[&str],
    tagged: bool,
    dir: &Path,
) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pdf/render_docx.py");
    let text_path = report_path(report);
    let docx = dir.join(format!(
        "{}-{}{}.docx",
        report.trim_end_matches(".txt"),
        style.replace(' ', "_"),
        options.concat()
    ));
    let run = Command::new("python3")
        .arg(&script)
        .arg(&text_path)
        .arg(&docx)
        .arg(style)
        .args(options)
        .output()
        .expect("python3");
    assert!(
        run.status.success(),
        "writing the Word document failed (is python-docx installed?): {}",
        String::from_utf8_lossy(&run.stderr)
    );
    // Tagged PDF (LibreOffice's "Tagged PDF" option, Word's default) writes the structure tree.
    let to = if tagged {
        r#"pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}"#
    } else {
        "pdf"
    };
    let run = Command::new("soffice")
        .args(["--headless", "--convert-to", to, "--outdir"])
        .arg(dir)
        .arg(&docx)
        .env("HOME", dir)
        .output()
        .expect("LibreOffice is needed (apt-get install libreoffice-writer-nogui)");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let pdf = std::fs::read(docx.with_extension("pdf")).expect("LibreOffice's PDF");
    let from_text = read(&std::fs::read(&text_path).expect("text"), council).expect("text");
    let from_pdf = read(&pdf, council).expect("pdf");
    same_facts_but_spaces(
        &from_text,
        &from_pdf,
        &format!("{report} ({style} {})", options.join(" ")),
    );
}

/// The facts of a PDF are exactly the text's.
fn same_facts(from_text: &BTreeSet<String>, from_pdf: &BTreeSet<String>, what: &str) {
    assert_eq!(
        from_pdf,
        from_text,
        "{what}: lost {:#?}\ninvented {:#?}",
        from_text.difference(from_pdf).collect::<Vec<_>>(),
        from_pdf.difference(from_text).collect::<Vec<_>>()
    );
}

/// The facts of a PDF are the text's, but for at most one objective title differing in its
/// spaces only (where the PDF cannot show them: LibreOffice breaks a word too long for its
/// narrow cell with no hyphen, "consulta" over "tion").
fn same_facts_but_spaces(from_text: &BTreeSet<String>, from_pdf: &BTreeSet<String>, what: &str) {
    let unspaced = |facts: &BTreeSet<String>| -> BTreeSet<String> {
        facts.iter().map(|f| f.replace(' ', "")).collect()
    };
    assert_eq!(
        unspaced(from_pdf),
        unspaced(from_text),
        "{what}: lost {:#?}\ninvented {:#?}",
        from_text.difference(from_pdf).collect::<Vec<_>>(),
        from_pdf.difference(from_text).collect::<Vec<_>>()
    );
    let differing: Vec<&String> = from_pdf.symmetric_difference(from_text).collect();
    assert!(
        differing.len() <= 2 && differing.iter().all(|f| f.starts_with("objective ")),
        "{what}: {differing:#?}"
    );
}

/// Word's "Colorful Shading" style printed untagged: a dark header row with no rules under it
/// over banded rows, the header set a padding into its columns as the rows' cells are. The
/// unruled header over ruled rows is their header, set in their columns. Before, 2023-24 Q2
/// lost 81 facts and 2019-20 96 (the header read as a line of prose, the rows under it in no
/// columns). Word's "Normal Table" (no rules, no fills) with every cell set at the bottom of
/// its row: a row's name wrapped over more lines than its figures, broken over a page, is
/// joined with its cells; before, 2024-25 Q1 lost 6 facts.
#[test]
fn libreoffice_pdfs_of_word_tables_with_an_unruled_header_give_the_facts_of_the_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (report, council) in [REPORTS[1], REPORTS[3], REPORTS[4]] {
        libreoffice_gives_the_facts_of_the_text(
            report,
            council,
            "Colorful Shading",
            &[],
            false,
            dir.path(),
        );
    }
    libreoffice_gives_the_facts_of_the_text(
        REPORTS[1].0,
        REPORTS[1].1,
        "Normal Table",
        &["--valign", "bottom"],
        false,
        dir.path(),
    );
}

/// Word's "Normal Table" (no rules, no fills) with each cell of figures set at its right, as a
/// council sets a column of figures, printed untagged: Derby City, 2024-25 Q1 and 2019-20 give
/// every fact of their text, spaces apart. Word's columns are as wide as the page allows, so a figure set
/// at its cell's right lies far from its header set at the left, and from the words ("N/A",
/// "No target") set at the left of the same column in other rows. A row whose cells each lie in
/// the room of one of the header's, from its start to the next one's, is the header's row; and
/// two columns that no row fills both of, one all at its left under a header cell and one all
/// at its right under none, are one column. Before, Derby City lost 160 facts and 2024-25 Q1
/// 28 (rows read as tables of their own, an empty column between a target's words and its
/// figures). A header cell alone over nothing, beside a column of figures under none that all
/// end at one edge, is one column with them: before, 2019-20 lost 54 facts and read 28 wrong
/// (the figures of "2018/2019" read as a column of no year, the "Target" header taken as centred
/// over the figures left of it).
#[test]
fn libreoffice_pdfs_of_word_tables_with_figures_at_the_right_give_the_facts_of_the_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (report, council) in [REPORTS[0], REPORTS[1], REPORTS[4]] {
        libreoffice_gives_the_facts_of_the_text(
            report,
            council,
            "Normal Table",
            &["--figures", "right"],
            false,
            dir.path(),
        );
    }
}

/// Word's "Normal Table" with each cell of figures centred in it, in a sans-serif font, printed
/// untagged: Derby City, 2024-25 Q1 and 2019-20 give every fact of their text, spaces apart. A
/// column's words ("N/A", "No target") set at its left under its header, and its figures centred
/// far to their right under no header, no row filling both, are one column: before, Derby City
/// lost 11 targets (read as no target).
#[test]
fn libreoffice_pdfs_of_word_tables_with_figures_centred_give_the_facts_of_the_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (report, council) in [REPORTS[0], REPORTS[1], REPORTS[4]] {
        libreoffice_gives_the_facts_of_the_text(
            report,
            council,
            "Normal Table",
            &["--figures", "center", "--font", "Liberation Sans"],
            false,
            dir.path(),
        );
    }
}

/// The same documents printed as tagged PDFs: the tables are read from the structure tree,
/// which has every cell where it is whatever the style. LibreOffice leaves the header rows
/// it prints again on each page out of the tree (as artifacts); they read as the header.
#[test]
fn libreoffice_tagged_pdfs_of_word_tables_give_the_facts_of_the_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (report, council) in REPORTS {
        libreoffice_gives_the_facts_of_the_text(
            report,
            council,
            "Table Grid",
            &[],
            true,
            dir.path(),
        );
    }
    for style in ["Light Shading", "Colorful Shading", "Light List"] {
        libreoffice_gives_the_facts_of_the_text(
            "derby-city-2024-25-annual.txt",
            "E06000015",
            style,
            &[],
            true,
            dir.path(),
        );
    }
}

/// An HTML page of a report (the extractor's own reading of `<table>` pages, as
/// `tests/html.rs` makes them) printed to PDF by headless Chromium, as a browser's "Print to
/// PDF" does, with `css` added to its head.
fn chromium_pdf(page: &str, css: &str, dir: &Path, name: &str) -> Vec<u8> {
    let html = dir.join(format!("{name}.html"));
    let pdf = dir.join(format!("{name}.pdf"));
    std::fs::write(
        &html,
        page.replacen("<head>", &format!("<head><style>{css}</style>"), 1),
    )
    .expect("html");
    let run = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("Chromium is needed (apt-get install chromium)");
    assert!(
        run.status.success() && pdf.exists(),
        "Chromium did not print {name}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read(&pdf).expect("Chromium's PDF")
}

/// The five shared reports and their councils.
const REPORTS: [(&str, &str); 5] = [
    ("derby-city-2024-25-annual.txt", "E06000015"),
    ("derbyshire-county-2024-25-q1.txt", "E10000007"),
    ("derbyshire-county-2025-26-q1.txt", "E10000007"),
    ("derbyshire-county-2023-24-q2.txt", "E10000007"),
    ("derbyshire-county-2019-20-annual.txt", "E10000007"),
];

/// Every fact of each of `reports`, printed by Chromium from its HTML page with `css`, equals
/// the text's.
fn chromium_prints_give_the_facts_of_the_text(css: &str, reports: &[(&str, &str)]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for &(report, council) in reports {
        let text = common::read(report);
        let page = common::relayout::Transform::Html.apply(&text);
        let pdf = chromium_pdf(&page, css, dir.path(), report.trim_end_matches(".txt"));
        let from_text = read(text.as_bytes(), council).expect("text");
        let from_pdf = read(&pdf, council).expect("pdf");
        let lost: Vec<&String> = from_text.difference(&from_pdf).collect();
        let invented: Vec<&String> = from_pdf.difference(&from_text).collect();
        if !lost.is_empty() || !invented.is_empty() {
            failures.push(format!(
                "{report}: {} facts, {} lost, {} invented\nlost: {lost:#?}\ninvented: {invented:#?}",
                from_text.len(),
                lost.len(),
                invented.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Ruled tables as a web page styles them (`border-collapse`, one-pixel rules): Chromium writes
/// each glyph's width as a range of glyphs, which `pdf-extract` read as empty ("tagrets" for
/// "targets"), and a row broken over a page starts right under the rule on the next (134 of
/// Derby City's 306 facts were lost).
#[test]
fn chromium_prints_of_ruled_html_tables_give_the_facts_of_the_text() {
    chromium_prints_give_the_facts_of_the_text(
        "table{border-collapse:collapse} td,th{border:1px solid #444;padding:3px 5px}",
        &REPORTS,
    );
}

/// Ruled tables with narrower padding: 2023-24 Q2's cross table of schools by rating breaks
/// after its two header rows ("Number of schools  Percentage of pupils" over "Primary
/// Secondary  Primary  Secondary" at a page's foot, "Outstanding  25  3  6.4%  9.9%" atop the
/// next). The second header row is not the rest of the row atop (before, "Primary 25" was read
/// as one cell and the table's 20 figures were lost).
#[test]
fn chromium_prints_of_tightly_ruled_html_tables_give_the_facts_of_the_text() {
    chromium_prints_give_the_facts_of_the_text(
        "table{border-collapse:collapse} td,th{border:1px solid #444;padding:2px 4px}",
        &REPORTS,
    );
}

/// A browser's own print of a table (no style): no rules, cells centred in their rows and a
/// word space apart, header cells centred both ways, one table per page of the source with
/// columns of its own. Chromium's PDF is tagged: the tables it takes for data tables (with a
/// header row) are `Table` elements, leaving empty cells out; the others are grids of
/// `NonStruct` elements. Read from the tree, all five reports give every fact.
#[test]
fn chromium_default_prints_of_html_tables_give_the_facts_of_the_text() {
    chromium_prints_give_the_facts_of_the_text("", &REPORTS);
}

/// Cells set at the top of their rows, no rules.
#[test]
fn chromium_prints_of_top_aligned_unruled_html_tables_give_the_facts_of_the_text() {
    chromium_prints_give_the_facts_of_the_text(
        "td,th{vertical-align:top;padding:2px 6px}",
        &REPORTS,
    );
}

/// Generous cell padding, no rules, cells centred in their rows.
#[test]
fn chromium_prints_of_padded_unruled_html_tables_give_the_facts_of_the_text() {
    chromium_prints_give_the_facts_of_the_text("td,th{padding:6px 10px}", &REPORTS);
}

/// Landscape pages, a serif face, cells set at the bottom and right of their rows; and banded
/// rows with a dark header in 8 pt tables under 12 pt paragraphs (the tables' size is not the
/// body's: their captions stay plain lines, not headings), cells wrapping a year range after
/// its hyphen ("2023-" over "24").
#[test]
fn chromium_prints_of_other_table_styles_give_the_facts_of_the_text() {
    chromium_prints_give_the_facts_of_the_text(
        "@page{size:A4 landscape;margin:1cm} body{font-family:serif;font-size:10pt} \
         td,th{vertical-align:bottom;text-align:right;padding:4px 8px}",
        &REPORTS,
    );
    chromium_prints_give_the_facts_of_the_text(
        "table{border-collapse:separate;border-spacing:0;width:100%} \
         tr:nth-child(even){background:#eee} th{background:#036;color:#fff} \
         td,th{padding:1px 3px;font-size:8pt}",
        &REPORTS,
    );
}

/// The reports' HTML pages printed by WeasyPrint with 1 px rules on every cell: its fonts carry
/// an encoding of their own (every character was lost before it was read), it breaks a line
/// after a slash ("Green/" over "Amber") and sets a subscript ("CO<sub>2</sub>e") lower than a
/// browser does. Every figure, period, target, rating, benchmark and direction is the text's;
/// titles may differ in their spaces only (the report's own "Anti- Poverty", broken at its
/// hyphen, reads "Anti-Poverty"). WeasyPrint also prints a header alone at the foot of a page
/// (2025-26 Q1), which read as an objective.
#[test]
fn weasyprint_prints_of_ruled_html_tables_give_the_facts_of_the_text() {
    weasyprint_gives_the_facts_of_the_text(
        "table{border-collapse:collapse} td,th{border:1px solid #444;padding:3px 5px}",
        false,
    );
}

/// The reports printed by WeasyPrint with every cell ruled in black and the browser's own
/// padding (one pixel): a row WeasyPrint breaks over a page sets its content in the middle of
/// each part, its figures and its name's first words at the foot ("Percentage of young  4.7%
/// 7.4%  Red"), its key and the rest of its name atop the next page under the header printed
/// again ("EHCS PM21  people years 12 and 13 …  A City of Growth"). The name that goes on in
/// lower case joins the two parts into one row. Before, Derby City's EHCS PM21 lost its
/// reference (two figures read under a measure named from its first words).
#[test]
fn weasyprint_prints_of_tables_ruled_in_black_give_the_facts_of_the_text() {
    weasyprint_gives_the_facts_of_the_text(
        "table { border-collapse: collapse } td, th { border: 1px solid black }",
        false,
    );
}

/// The reports printed by WeasyPrint with `border-collapse: collapse` and nothing else (a
/// common reset): no spacing between cells and the browser's one-pixel padding, so that a
/// cell's text ends a pixel or two before the next cell's starts ("Target" and "DoT" read
/// "TargetDoT"; "93.25%" and "Amber"). A gap that narrow where no line of the block has a glyph,
/// or before a string shown on its own, parts two cells; a header printed again with two cells
/// run together ("ProgressComments") is the header printed before. Derby City, 2024-25 Q1 and
/// 2025-26 Q1 give every fact of their text, spaces apart. Before, 157, 118 and 128 facts were
/// lost. (2023-24 Q2 and 2019-20 are not yet whole so: see the README.)
#[test]
fn weasyprint_prints_of_collapsed_tables_give_the_facts_of_the_text() {
    weasyprint_reports_give_the_facts_of_the_text(
        &[REPORTS[0], REPORTS[1], REPORTS[2]],
        "table { border-collapse: collapse }",
        false,
    );
}

/// The reports' HTML pages printed by WeasyPrint as tagged PDFs (`--pdf-tags`), as printed by
/// default (no rules, cells a word space apart, set in the middle of their rows) and top-aligned
/// in 9 pt with padding. Where WeasyPrint breaks a row over a page it tags two rows, one per
/// page: a row's figures at the foot of one page and its name atop the next (2023-24 Q2), a
/// name's last words ("Programmes who stop smoking", 2019-20) or its lower-case rest with the
/// row's rating. Each is joined back to its row. Two tables one under the other are two tables
/// (two charts of 2023-24 Q2 with only a blank paragraph between them read as one before).
#[test]
fn weasyprint_tagged_prints_of_html_tables_give_the_facts_of_the_text() {
    weasyprint_gives_the_facts_of_the_text("", true);
    weasyprint_gives_the_facts_of_the_text(
        "td,th{vertical-align:top;padding:6px 10px} table{font-size:9pt}",
        true,
    );
}

/// The HTML pages printed by WeasyPrint as it prints a plain page (untagged, no rules, cells a
/// word space apart and set in the middle of their rows): header cells part at their own text
/// objects, a paragraph under a table is no wrapped cell, and each row's cells are read whole.
#[test]
fn weasyprint_default_prints_of_html_tables_give_the_facts_of_the_text() {
    // (2019-20: a name's first line set above its row's figures, "The daily" over "average of
    // days  6.7  5.6", was read as a row of its own, the name cut. 2025-26 Q1: a row's rest atop
    // a page, one of its lines longer than any of its column's on the page before, was not
    // taken for the rest, and the row under it was lost with no parse issue. 2024-25 Q1: a header
    // cell three points past another's line, "Benchmark" beside "2024-2025" over "Target", was
    // joined to it, and a target read as a benchmark with no parse issue.)
    weasyprint_reports_give_the_facts_of_the_text(&REPORTS, "", false);
}

/// 2023-24 Q2's HTML page printed by WeasyPrint as it prints a plain page: three tables lose
/// their rows to a page break.
/// - The measures' trend chart ("Jun 2023  Sep 2023 …" over "★ Strong  12  10") prints its
///   header alone at a page's foot and its rows atop the next; the header's cells are closer
///   than a word space, so alone it was a line of text, and the chart's seven counts were lost
///   with no parse issue. The header is now read over the rows it heads.
/// - A small table of years and figures ("2020-2021  17.0%" over "2021-2022  19.6%") prints its
///   first row alone at a page's foot: it was a line of text, its 2020-21 figure lost.
/// - A table of two columns right under another ("2020-2021  31.6" under "2019-2020  72.2%",
///   its figures further left) was read as lines of text under the first: three figures lost.
///   Two lines starting their second cells where none of the table above starts one now start
///   a table.
#[test]
fn weasyprint_default_print_reads_rows_parted_from_their_header_by_a_page_break() {
    let printed = weasyprint_printed(&REPORTS[3..4], "", false);
    let (_, text, from_pdf) = &printed[0];
    let chart = [
        ("strong", 12, "2023-24 Q1"),
        ("good", 6, "2023-24 Q1"),
        ("review", 0, "2023-24 Q1"),
        ("action", 5, "2023-24 Q1"),
        ("improving", 0, "2023-24 Q2"),
        ("no change", 19, "2023-24 Q2"),
        ("declining", 5, "2023-24 Q2"),
    ];
    for (rating, count, period) in chart {
        let claim = format!("claim measures|None|Some({rating:?})|{count}|{period}");
        assert!(text.contains(&claim), "the text states {claim}");
        assert!(from_pdf.contains(&claim), "{claim} not read from the PDF");
    }
    measures_read(
        "derbyshire-county-2023-24-q2.txt",
        text,
        from_pdf,
        &[
            "percentage-of-non-principal-classified-roads-where-maintenance-should-be-considered",
            "percentage-point-gap-between-disadvantaged-pupils-in-derbyshire-and-non-disadvantaged-pupils-achieving-a-standard-pass-or-higher-grades-4-to-9-in-english-and-maths-at-gcse",
        ],
        // 2020-21 to 2022-23 and 2023-24's target; 2020-21, 2021-22 and 2022-23 ("Due in Q3").
        7,
    );
}

/// Derby City's, 2024-25 Q1's and 2025-26 Q1's HTML pages printed by WeasyPrint untagged with
/// no rules and cells set at the top of their rows: each row's cells are a clear space below the
/// last row's, so rows are told apart by their spacing, and a group's title wrapped word by word
/// in the first column ("Children," over "Young" over "People") is one row of its own (108 of
/// Derby City's facts were lost before). 2025-26 Q1's measures tables are set close under the
/// deliverables' (whose comments run across their columns' starts), a column of each starting
/// where one of the deliverables' did: they are tables of their own, their titles and headers
/// with them (30 of its facts were lost before). 2019-20's key measures' headers are bold
/// lines of one-word cells each sized to its text ("2017/2018  2018/2019  2019/2020  Target
/// Performance"), their words as far apart as a justified line's: where its words start where
/// the rows' cells do, they are cells (before, "2019/2020 Target Performance" was one, and 8
/// figures were read as targets or lost).
#[test]
fn weasyprint_prints_of_top_aligned_unruled_html_tables_give_the_facts_of_the_text() {
    weasyprint_reports_give_the_facts_of_the_text(
        &[REPORTS[0], REPORTS[1], REPORTS[2], REPORTS[4]],
        "td,th{vertical-align:top;padding:2px 6px}",
        false,
    );
}

/// The reports printed by WeasyPrint unruled with every cell set at the top of its row and no
/// padding, or with wide padding (12 by 16 pixels): Derby City, 2024-25 Q1, 2025-26 Q1 (top)
/// and 2019-20 give every fact of their text, spaces apart. A header's first line set in over a
/// page break ("Council" over "Plan theme") still heads the table, and a row's wrapped key cell
/// going on atop the next page is joined with its cells. Before, Derby City lost 6 facts set at
/// the top. 2023-24 Q2 is not yet whole in either style (see the README).
#[test]
fn weasyprint_prints_of_unruled_tables_set_at_the_top_or_widely_padded_give_the_facts_of_the_text()
{
    weasyprint_reports_give_the_facts_of_the_text(
        &[REPORTS[0], REPORTS[1], REPORTS[2], REPORTS[4]],
        "td { vertical-align: top }",
        false,
    );
    weasyprint_reports_give_the_facts_of_the_text(
        &[REPORTS[0], REPORTS[1], REPORTS[4]],
        "td, th { padding: 12px 16px }",
        false,
    );
}

/// 2023-24 Q2 and 2019-20 printed by WeasyPrint with cells padded 8 by 12 pixels give every fact
/// of their text. In 2023-24 Q2 two headers' first rows wrap in their cells: the cross table's
/// "Number" over "of schools" beside "Percentage" over "of pupils" (not bold), a padding's depth
/// over "Primary  Secondary  Primary  Secondary", now heads the table as the header's first row
/// (before, its two lines were read as a paragraph and the table's 20 figures were lost); and
/// the defects table's "Quarter" over "2" beside "Target  Performance", its corner empty, now
/// heads the rows under it whose names are set in bold left of every header cell ("Started
/// within 2 hrs (Urgent)"; before, the rows were cut from the header and their 4 figures lost).
#[test]
fn weasyprint_prints_padded_8_by_12_read_header_rows_wrapped_in_their_cells() {
    weasyprint_reports_give_the_facts_of_the_text(
        &[REPORTS[3], REPORTS[4]],
        "td, th { padding: 8px 12px }",
        false,
    );
}

/// 2023-24 Q2 printed by WeasyPrint with wide padding (12 by 16 pixels): its cross table of
/// schools by rating, whose header's first row is not bold and sets each cell at a height of its
/// own ("Number / of / schools" beside "Percentage / of pupils" set between its lines), a
/// padding's depth over the second ("Primary  Secondary  Primary  Secondary"), heads the table:
/// its 20 figures are read (before, the first row was read as prose and all were lost).
#[test]
fn weasyprint_widely_padded_print_reads_a_cross_tables_unbold_two_row_header() {
    for (report, text, from_pdf) in
        weasyprint_printed(&[REPORTS[3]], "td, th { padding: 12px 16px }", false)
    {
        facts_read(
            report,
            &text,
            &from_pdf,
            |f| {
                ["number-of-schools", "percentage-of-pupils"]
                    .iter()
                    .any(|of| {
                        ["primary", "secondary"]
                            .iter()
                            .any(|phase| f.starts_with(&format!("obs E10000007:{of}-{phase}-")))
                    })
            },
            20,
            "the cross table's figures",
        );
    }
}

/// The reports printed by WeasyPrint unruled with every cell set at the bottom of its row (the
/// header's cells in the middle): Derby City and 2024-25 Q1 give every fact of their text,
/// spaces apart. A row broken over a page keeps its one-line cells at the page's foot ("SO-11
/// Apr 2025  Good"), the first lines of its tall cells ending one line above them ("Develop and
/// / implement a"), the rest atop the next page: the lines above are the row's, not the rest
/// of the row before (the table's other rows on the page may not show how it is set: a header
/// and that row alone). Before, 2024-25 Q1 gave three objectives the first words of the next
/// one's title (6 facts lost). In 2019-20 the key measures' first row is broken so under a
/// header in columns of text, its name's rest atop the next page under the header printed again
/// in cells ("transfers of care per 100,000 population (aged 18+)"): one row, its three years'
/// figures and its target the text's (before, all were lost). 2025-26 Q1's annual table of
/// the Place measures reads under its own header (below). 2025-26 Q1, 2023-24 Q2 and the rest
/// of 2019-20 are not yet whole so (see the README).
#[test]
fn weasyprint_prints_of_unruled_tables_set_at_the_bottom_give_the_facts_of_the_text() {
    let css = "td { vertical-align: bottom }";
    weasyprint_reports_give_the_facts_of_the_text(&[REPORTS[0], REPORTS[1]], css, false);
    for (report, text, from_pdf) in weasyprint_printed(&[REPORTS[4]], css, false) {
        facts_read(
            report,
            &text,
            &from_pdf,
            |f| f.starts_with("obs ") && f.contains("delayed-transfers-of-care"),
            3,
            "the figures of the key measure broken over a page",
        );
    }
    // 2025-26 Q1's "Place: Annual Measure Data", a table of other widths right under the rest
    // of the quarterly measures' table, its header's cells set at the foot of their row too
    // ("Latest" over "Performance" over "against"): a tall cell's first line, a word alone, goes
    // with the header's lines, so that the title over it starts the table. Before, the header
    // was cut from its first line, the annual table read in the quarterly's columns ("Not" and
    // "comparable End" in two), and its figures were lost. Its third measure's row is broken
    // over the page: its key and figures at the foot of the part on the first page, the name's
    // first lines over them with none of its text on their line, its rest atop the next: the
    // name's first lines are that row's (they were a row of no key, and the name lost them).
    for (report, text, from_pdf) in weasyprint_printed(&[REPORTS[2]], css, false) {
        measures_read(report, &text, &from_pdf, &PLACE_ANNUAL, 11);
    }
}

/// The reports printed by WeasyPrint with every cell from the third column on set at its right
/// (figures right-aligned, as many councils set them; headers left): Derby City, 2024-25 Q1 and
/// 2023-24 Q2 give every fact of their text, spaces apart. A header's two cells a word's space
/// apart ("Target DoT"), "Target" over figures set at the right of its cells and "DoT" over
/// figures set further right, are two; and a row whose cells sit in the middle of their rows
/// at other heights than the header's, its figures starting where no line above starts one
/// but ending where the row's first line ends its own, is the same table (before, Derby
/// City's priority projects under a header at a page's top were read as a table of no header:
/// 16 facts lost). 2025-26 Q1 and 2019-20, their comments set at the right too, are not yet
/// whole so (see the README).
#[test]
fn weasyprint_prints_with_figures_set_at_the_right_give_the_facts_of_the_text() {
    weasyprint_reports_give_the_facts_of_the_text(
        &[REPORTS[0], REPORTS[1], REPORTS[3]],
        "td:nth-child(n+3) { text-align: right }",
        false,
    );
}

/// Derby City printed by WeasyPrint with every cell, headers too, set at its right: every fact
/// of the text, spaces apart. The references set at the right of their column under "Ref" set
/// at its left, and the groups' titles in that column reaching back under "Ref" ("Priority
/// projects and / strategic risks"), are one column (before, the references were a column of
/// no header, and 6 objectives lost their keys).
#[test]
fn weasyprint_prints_with_every_cell_set_at_the_right_give_derby_citys_facts() {
    weasyprint_reports_give_the_facts_of_the_text(
        &[REPORTS[0]],
        "th, td { text-align: right }",
        false,
    );
}

/// Derby City's HTML page printed by WeasyPrint untagged, cells at the top with no padding: a
/// row WeasyPrint breaks over a page keeps its key and one-line cells at the foot ("SM 10  N/A
/// On track  Green  N/A") and sets its tall cells atop the next page under the header printed
/// again in columns of text, three lines deep ("Ref  Description  2023 24 … / actual  Q4
/// actual  status  Plan / theme"). The rest fills just the cells the row left empty, so it is
/// joined to the row though its first line starts in capitals; and a rating broken after its
/// slash ("Green/" over "Amber") reads "Green/Amber". Before, the two actions' titles were read
/// as actions of no reference and PMP63 lost its rating.
#[test]
fn weasyprint_top_aligned_print_joins_a_rows_tall_cells_atop_the_next_page() {
    let printed = weasyprint_printed(&[REPORTS[0]], "td,th{vertical-align:top}", false);
    for (report, text, from_pdf) in printed {
        for (kind, key) in [
            ("Action", "RS 23"),
            ("Action", "SM 10"),
            ("PriorityProject", "PMP63"),
        ] {
            let of_key: Vec<&String> = text
                .iter()
                .filter(|f| f.starts_with(&format!("objective {kind}|Some(\"{key}\")|")))
                .collect();
            assert_eq!(of_key.len(), 1, "{report}: {key} in the text");
            assert!(from_pdf.contains(of_key[0]), "{report}: lost {}", of_key[0]);
        }
        let unreferenced: Vec<&String> = from_pdf
            .iter()
            .filter(|f| f.starts_with("objective Action|None|"))
            .collect();
        assert!(
            unreferenced.is_empty(),
            "{report}: invented {unreferenced:#?}"
        );
    }
}

/// 2025-26 Q1's HTML page printed by WeasyPrint untagged, no rules, cells padded: the header of
/// "The Council: Latest Measure Data" breaks over a page, its first two lines ("Same  Same
/// Latest …" over "Quarter  Quarter  Quarter …") at one page's foot and its last ("2023-24
/// (YTD)  2024-25 (YTD) …", its first cells empty) atop the next, over the rows. The header is
/// joined whole ("Same Quarter 2023-24 (YTD)"), and every figure of the table's six measures
/// is the text's (before, all 18 were lost: the periods could not be read from the header's
/// rest).
#[test]
fn weasyprint_print_reads_a_header_broken_over_a_page() {
    let printed = weasyprint_printed(&REPORTS[2..3], "td,th{padding:6px 10px}", false);
    let measures = [
        "percentage-of-children-s-social-work-assessments-completed-within-45-working-days",
        "percentage-of-initial-child-protection-conferences-held-within-15-working-days-of-a-section-47-enquiry",
        "percentage-of-children-s-social-care-reflective-case-review-judgements-rated-as-good-or-outstanding",
        "number-of-adult-social-care-carers-accessing-support-services",
        "sickness-hours-as-a-%-of-working-hours-available",
        "amount-of-money-raised-from-the-disposal-of-land-and-buildings",
    ];
    for (report, text, from_pdf) in printed {
        measures_read(report, &text, &from_pdf, &measures, 18);
    }
}

/// 2025-26 Q1's HTML page printed by WeasyPrint as it prints a plain page (untagged, no rules,
/// cells centred, a word space apart): the measures table runs over a page, and atop the next
/// come the rest of a row's name and one more row, too few lines to show the narrow gaps
/// between their cells, whose figures fill their columns ("£1,915,500" three points before
/// "£9,152,480"). They are parted where the last page's table starts its columns; before, the
/// four figures and the rating read as one cell and the row's periods were lost.
#[test]
fn weasyprint_default_print_parts_a_tables_rest_atop_a_page_by_its_columns() {
    let printed = weasyprint_printed(&REPORTS[2..3], "", false);
    for (report, text, from_pdf) in printed {
        measures_read(
            report,
            &text,
            &from_pdf,
            &["amount-of-money-raised-from-the-disposal-of-land-and-buildings"],
            3,
        );
    }
}

/// Derby City's HTML page with its tables' columns in another order (the action's title last),
/// printed by WeasyPrint as it prints a plain page: the rating key ("KEY" over "Colour  Action
/// Measure") follows the risks' table, and its lines, prose across where that table's columns
/// start, were read as rows of it: six observations invented ("ref:blue" valued "or", "by
/// 10%"), with no parse issue. A line of one run left of a table's cells (at the margin, the
/// cells set in by their padding), further from the lines around it than the table's lines are
/// from each other, is a paragraph between two tables.
#[test]
fn weasyprint_default_print_reads_a_key_under_a_table_as_a_table_of_its_own() {
    use common::relayout::Transform;
    let (report, council) = REPORTS[0];
    let text = Transform::ColumnsReordered.apply(&common::read(report));
    let dir = tempfile::tempdir().expect("tempdir");
    let (html, pdf) = (dir.path().join("page.html"), dir.path().join("page.pdf"));
    std::fs::write(&html, Transform::Html.apply(&text)).expect("html");
    render_with("render_weasyprint.py", "weasyprint", &html, &pdf, &[]);
    let from_text = read(text.as_bytes(), council).expect("text");
    let from_pdf = read(&std::fs::read(&pdf).expect("pdf"), council).expect("pdf");
    same_facts(&from_text, &from_pdf, report);
}

/// Every figure of Derbyshire's `measures` in the text, `count` of them, is read from the PDF.
fn measures_read(
    report: &str,
    text: &BTreeSet<String>,
    from_pdf: &BTreeSet<String>,
    measures: &[&str],
    count: usize,
) {
    let of_measures = |f: &str| {
        measures
            .iter()
            .any(|m| f.starts_with(&format!("obs E10000007:{m}|")))
    };
    facts_read(
        report,
        text,
        from_pdf,
        of_measures,
        count,
        "the measures' figures",
    );
}

/// The `count` facts of the text that `is_fact` picks (`what` they are) are all read from the
/// PDF.
fn facts_read(
    report: &str,
    text: &BTreeSet<String>,
    from_pdf: &BTreeSet<String>,
    is_fact: impl Fn(&str) -> bool,
    count: usize,
    what: &str,
) {
    let facts: Vec<&String> = text.iter().filter(|f| is_fact(f)).collect();
    assert_eq!(facts.len(), count, "{report}: {what} in the text");
    let lost: Vec<&&String> = facts.iter().filter(|f| !from_pdf.contains(**f)).collect();
    assert!(lost.is_empty(), "{report}: lost {lost:#?}");
}

/// The measures of 2025-26 Q1's "Place: Annual Measure Data": 11 figures in the text.
const PLACE_ANNUAL: [&str; 4] = [
    "percentage-of-principal-roads-where-maintenance-should-be-considered-based-on-aei-survey",
    "percentage-of-non-principal-classified-roads-where-maintenance-should-be-considered-based-on-aei-survey",
    "percentage-of-unclassified-road-network-where-maintenance-should-be-considered-aei-survey",
    "percentage-of-residents-satisfied-overall-with-highways-and-transportation-services",
];

/// Each of Derbyshire's objectives `keys` is read whole from the PDF, with its rating, as the
/// text gives it; no part of its title is read as an objective of no key.
fn objectives_read(
    report: &str,
    text: &BTreeSet<String>,
    from_pdf: &BTreeSet<String>,
    keys: &[&str],
) {
    let title = |f: &str| f.split('|').nth(2).unwrap_or_default().to_string();
    for key in keys {
        let of_key: Vec<&String> = text
            .iter()
            .filter(|f| f.starts_with(&format!("objective StrategicObjective|Some(\"{key}\")|")))
            .collect();
        assert_eq!(of_key.len(), 1, "{report}: {key} in the text");
        assert!(
            of_key[0].contains("|Some(Good)|") || of_key[0].contains("|Some(Review)|"),
            "{report}: {key} is rated in the text: {}",
            of_key[0]
        );
        assert!(from_pdf.contains(of_key[0]), "{report}: lost {}", of_key[0]);
        let whole = title(of_key[0]);
        let parts: Vec<&String> = from_pdf
            .iter()
            .filter(|f| {
                f.starts_with("objective StrategicObjective|None|") && whole.contains(&title(f))
            })
            .collect();
        assert!(
            parts.is_empty(),
            "{report}: part of {key} read as {parts:#?}"
        );
    }
}

/// Each report's HTML page printed by WeasyPrint with `css` (tagged or not) gives the facts of
/// its text, titles apart from their spaces.
fn weasyprint_gives_the_facts_of_the_text(css: &str, tags: bool) {
    weasyprint_reports_give_the_facts_of_the_text(&REPORTS, css, tags);
}

fn weasyprint_reports_give_the_facts_of_the_text(
    reports: &[(&'static str, &str)],
    css: &str,
    tags: bool,
) {
    for (report, from_text, from_pdf) in weasyprint_printed(reports, css, tags) {
        same_facts(&from_text, &from_pdf, report);
    }
}

/// The reports printed by WeasyPrint in a small sans-serif type (8 pt DejaVu Sans), whose
/// narrower characters set cells and columns closer: Derby City, 2024-25 Q1, 2023-24 Q2 and
/// 2019-20 give every fact of their text, spaces apart. A row's last line under the header
/// printed again whose cells are a word's space apart, too close to part ("Number Strategic
/// Objective … Comments"), goes on the one cell the row left open ("… driving innovation and");
/// and a subscript nine tenths of its line's size ("CO₂e") is part of its line, not a line of
/// its own after it (before, "CO e by 2024 and net zero by 2032 2"). 2025-26 Q1 is not yet
/// whole in this type (see the README).
#[test]
fn weasyprint_prints_in_small_sans_serif_type_give_the_facts_of_the_text() {
    weasyprint_reports_give_the_facts_of_the_text(
        &[REPORTS[0], REPORTS[1], REPORTS[3], REPORTS[4]],
        "body { font-family: sans-serif; font-size: 8pt }",
        false,
    );
}

/// The reports printed by WeasyPrint on landscape pages: Derby City, 2024-25 Q1, 2023-24 Q2 and
/// 2019-20 give every fact of their text, spaces apart. Among them 2023-24 Q2's counts of
/// measures by rating and by direction ("Strong 12 10"), a small table broken over a page, its
/// header and first row alone at the foot, their cells a word's space apart (too few lines
/// there for its columns to be found): read with its rest atop the next page. Before, its seven
/// counts were lost with no parse issue. 2025-26 Q1 is not yet whole on landscape pages (see
/// the README).
#[test]
fn weasyprint_prints_on_landscape_pages_give_the_facts_of_the_text() {
    weasyprint_reports_give_the_facts_of_the_text(
        &[REPORTS[0], REPORTS[1], REPORTS[3], REPORTS[4]],
        "@page { size: A4 landscape }",
        false,
    );
}

/// The reports printed by WeasyPrint with every other row shaded ("zebra" banding): every
/// fact of their text, spaces apart. An empty column's cell is shaded too, a bar no wider than
/// its padding: the shading of a cell, not a rule (it is of the band's colour, as high as the
/// band and beside it). Before, those bars were read as column rules, the banded rows as a
/// ruled table with no columns, and Derby City's summary of its themes lost its 20 counts.
#[test]
fn weasyprint_prints_of_banded_tables_give_the_facts_of_the_text() {
    weasyprint_gives_the_facts_of_the_text("tr:nth-child(even) td { background: #e8eef7 }", false);
}

/// Derby City printed by WeasyPrint with its figures' columns set at their cells' right (from
/// the third column on), its header at their left: every figure of the text, with its period,
/// target, rating and direction. A header cell over a column of short figures or words set
/// clear of it at the cell's right ("DoT" over "N/A", a page of actions) heads that column.
/// Before, the directions and themes of 26 measures and actions were read in the wrong column
/// (lost). The priority projects and risks under a header printed again over a group's title
/// wrapped in the narrow first column are not yet read (see the README).
#[test]
fn weasyprint_print_of_figures_set_at_their_cells_right_gives_the_figures_of_the_text() {
    let printed = weasyprint_printed(
        &[REPORTS[0]],
        "td:nth-child(n+3) { text-align: right }",
        false,
    );
    for (report, text, from_pdf) in printed {
        facts_read(
            report,
            &text,
            &from_pdf,
            |f| f.starts_with("obs "),
            181,
            "figures",
        );
    }
}

/// The reports printed by WeasyPrint with the rows' cells centred under headers at their cells'
/// left: Derby City, 2023-24 Q2 and 2019-20 give every fact of their text, spaces apart. A page's
/// first row under the header printed again, its cells set in the middle of the row at other
/// heights than the header's, its figures starting where no line above starts one but centred
/// where the row's first line centres its own, is the same table: before, Derby City's PMP174
/// lost the first word of its name ("Assembly") and of its theme, and two projects under a group
/// title were lost. 2024-25 Q1 (one objective's title ends short) and 2025-26 Q1 are not yet
/// whole so (see the README).
#[test]
fn weasyprint_prints_of_centred_cells_under_headers_at_the_left_give_the_facts_of_the_text() {
    weasyprint_reports_give_the_facts_of_the_text(
        &[REPORTS[0], REPORTS[3], REPORTS[4]],
        "td { text-align: center }",
        false,
    );
}

/// The reports printed by WeasyPrint in ruled tables of fixed, equal columns across the page
/// (`table-layout: fixed; width: 100%`): all five reports give every fact of their text, spaces
/// apart. A word too wide for the last column (2019-20's header "Performance") runs past the
/// table's right rule; it is still its cell's, not a column of its own (before, some rows and
/// headers had an extra cell at their end, so a header and a key measure's name broken over a
/// page were not joined: 15 facts of 2025-26 Q1 and 8 of 2019-20 lost). And text shown with a
/// cell's line a word's space on, past the cell's rule (Derby City's "incidents /"), is that
/// cell's: before, the "/" was read as PPS PM09's 2023-24 value and its row, broken over a page,
/// lost its two figures.
#[test]
fn weasyprint_prints_of_fixed_full_width_ruled_tables_give_the_facts_of_the_text() {
    weasyprint_reports_give_the_facts_of_the_text(
        &REPORTS,
        "table { width: 100%; table-layout: fixed; border-collapse: collapse } \
         td, th { border: 1px solid #888 }",
        false,
    );
}

/// The reports with their cells of figures (and only those) set at the right of their columns,
/// or centred in them, as a stylesheet for figures would set them (`td.figure`), printed by
/// WeasyPrint: every fact of their text, spaces apart. A chart's small table of years and
/// figures ("2020-2021 1,554" … "2023-2024 447") whose last rows' figures are narrower, starting
/// where none above starts but ending (or centred) where theirs do, is one table: before, its
/// last rows were read as a table of their own, and 2023-24 Q2 lost three yearly figures of its
/// stop-smoking measure with no parse issue.
#[test]
fn weasyprint_prints_with_figures_set_right_or_centred_by_class_give_the_facts_of_the_text() {
    for css in [
        "td.figure { text-align: right }",
        "td.figure { text-align: center }",
    ] {
        let print = |html: &Path, pdf: &Path| {
            let page = std::fs::read_to_string(html).expect("html");
            let marked = html.with_extension("figures.html");
            std::fs::write(&marked, figures_classed(&page)).expect("html");
            weasyprint(css, false)(&marked, pdf)
        };
        for (report, from_text, from_pdf) in html_pages_printed(&REPORTS, WEASYPRINT, print) {
            same_facts(&from_text, &from_pdf, &format!("{report} ({css})"));
        }
    }
}

/// The reports with every cell from each table's third column on set at its right
/// (`td:nth-child(n+3)`), printed by WeasyPrint: Derby City, 2024-25 Q1, 2023-24 Q2 and 2019-20
/// give every fact of their text, spaces apart. In 2019-20's cross table of deliverables the
/// second column's header is set at its left and the third's at its right, a word's space apart
/// on the line under them ("Deliverables Deliverables"): that line is parted in the gutters
/// between the cells of the line above ("Jun 2019", "Sep 2019"). Before, 2019-20 lost its 10
/// claims of deliverables.
#[test]
fn weasyprint_prints_with_columns_set_right_from_the_third_give_the_facts_of_the_text() {
    let css = "td:nth-child(n+3) { text-align: right }";
    let reports = [REPORTS[0], REPORTS[1], REPORTS[3], REPORTS[4]];
    for (report, from_text, from_pdf) in
        html_pages_printed(&reports, WEASYPRINT, weasyprint(css, false))
    {
        same_facts(&from_text, &from_pdf, &format!("{report} ({css})"));
    }
}

/// 2025-26 Q1's HTML page printed by WeasyPrint with every cell centred in its column:
/// - A row broken over a page starts there with its comments' lines alone (its other cells are
///   set in the middle of the row, lower down), under the last row's comments set apart by the
///   rows' padding. Each of those lines, centred, runs across where the line above starts; that
///   was read as a paragraph after the table, and the row's cells as lines of text: SO-02,
///   SO-08, SO-11, SO-22 and SO-23 were lost. A line centred where the one above is, under one
///   cell of the table's lines, now goes on in the table.
/// - "Place: Annual Measure Data" is a table of other widths right under the rest of the
///   quarterly measures' table; its header's cells are centred, so no two of its lines start
///   their cells at the same places, and it was read in the quarterly table's columns ("Not End
///   comparable"; the targets read as 2025-26's figures). Two lines of new cells centred alike
///   now start a table, and a header line centred over cells below goes with it.
///
/// (SO-09 and SO-21, and the annual table's last rows, run over pages where WeasyPrint prints
/// the header again amid the page; they are still lost.)
#[test]
fn weasyprint_print_with_every_cell_centred_reads_rows_broken_over_pages_and_centred_headers() {
    let printed = weasyprint_printed(&REPORTS[2..3], "td { text-align: center }", false);
    let (report, text, from_pdf) = &printed[0];
    objectives_read(
        report,
        text,
        from_pdf,
        &["SO-08", "SO-11", "SO-22", "SO-23"],
    );
    facts_read(
        report,
        text,
        from_pdf,
        |f| f.starts_with("objective StrategicObjective|Some(\"SO-02\")|Deliver improved outcomes"),
        1,
        "SO-02, rated Action",
    );
    // 2023-24, 2024-25 and 2025-26's target, of each.
    measures_read(report, text, from_pdf, &PLACE_ANNUAL[..2], 6);
}

/// An HTML page with each cell that holds a figure alone ("1,554", "32.4%", "£3.929m", "-0.79")
/// given the class `figure`.
fn figures_classed(page: &str) -> String {
    let figure = common::relayout::is_figure;
    let mut out = String::new();
    let mut rest = page;
    while let Some(at) = rest.find("<td>") {
        out.push_str(&rest[..at]);
        let cell = &rest[at + 4..];
        let end = cell.find("</td>").unwrap_or(cell.len());
        let text: String = cell[..end].replace("<b>", "").replace("</b>", "");
        out.push_str(if figure(&text) {
            "<td class=\"figure\">"
        } else {
            "<td>"
        });
        rest = cell;
    }
    out.push_str(rest);
    out
}

/// The reports with no-break spaces (each " of " printed "\u{a0}of\u{a0}", as a word processor
/// keeps words together), curly quotes, CRLF line ends and a byte-order mark, printed by
/// WeasyPrint unruled and ruled: 2023-24 Q2 and 2019-20 give every fact of their text. Words a
/// no-break space joins go to the next line together, so the line before may end well short of
/// the margin and still go on ("… businesses to support the" over "creation of apprenticeship
/// …"); and a chart's header line, one run wider than the page's text, no longer sets where
/// the page's paragraphs end. Before, 2023-24 Q2 lost 7 deliverables' titles (each read as two,
/// its second half an invented deliverable) and 2019-20 3, with 18 invented from paragraphs
/// broken up.
#[test]
fn weasyprint_prints_of_pages_with_no_break_spaces_keep_their_paragraphs_whole() {
    use common::relayout::Transform;
    for css in [
        "",
        "table { border-collapse: collapse } td, th { border: 1px solid #888; padding: 2px 4px }",
    ] {
        let reports = [REPORTS[3], REPORTS[4]];
        let relayout = [Transform::CrlfBomNbsp];
        for (report, from_text, from_pdf) in
            relaid_html_pages_printed(&reports, &relayout, WEASYPRINT, weasyprint(css, false))
        {
            same_facts(&from_text, &from_pdf, &format!("{report} ({css})"));
        }
    }
}

/// The reports laid out with another template's header words ("Q1 2023/24 (YTD)", "This period
/// (YTD)", "Latest Performance against target (YTD)") printed by WeasyPrint with its defaults:
/// the measure tables, wider than the page, run into its margin, and a header's cells come a
/// word's space apart ("2023-24 2024-25 2025-26" over "(YTD)" "(YTD)" "(YTD)", a column no row
/// fills among them). Derby City, 2024-25 Q1, 2025-26 Q1 and 2023-24 Q2 give every fact of their
/// text, spaces apart. Before, 2025-26 Q1's "Place: Annual Measure Data" was read in the columns
/// of the table over it: 9 facts lost and 8 invented (targets read as this year's values, "End of
/// Q3" as a comparator group).
#[test]
fn weasyprint_default_prints_of_reports_with_other_header_words_give_the_facts_of_the_text() {
    use common::relayout::Transform;
    let reports = [REPORTS[0], REPORTS[1], REPORTS[2], REPORTS[3]];
    let relayout = [Transform::HeaderSynonyms];
    for (report, from_text, from_pdf) in
        relaid_html_pages_printed(&reports, &relayout, WEASYPRINT, weasyprint("", false))
    {
        same_facts(&from_text, &from_pdf, report);
    }
}

/// The reports printed by WeasyPrint on A5 pages, whose narrow lines end further short of the
/// margin: Derby City, 2024-25 Q1 and 2019-20 give every fact of their text, spaces apart, and
/// 2023-24 Q2 every deliverable with its rating. A bold title's line goes on whenever the next
/// line's first word would not have fitted after it ("… property decisions and building" over
/// "management and a single point of"); a number broken at its hyphen joins its word ("3-" over
/// "year Local Transport Programme"); and "Rating: Good", twenty no-break spaces and "Expected
/// completion", its date wrapped to the next line, is one line. Before, 2023-24 Q2 lost 15
/// deliverables' titles (each read as two) and two ratings, and 2019-20 lost 4 facts. 2025-26 Q1
/// is whole too: on A5 its "Place: Annual Measure Data" table follows the quarterly one with no
/// space between, in columns of its own, and its header's cells "2023-24", "2024-25" and
/// "2025-26" are a word's space apart, each over its "(YTD)": the header's line is parted where
/// its other lines' cells start, and so starts a table of its own (before, the two tables were
/// read as one of two columns and 15 facts were lost). In 2023-24 Q2 a measure's name cut by a
/// page break after "about" ("… feel informed about", "Council decisions" atop the next page
/// under the header printed again) is one name: its 3 figures are read (before, the name was
/// read cut short and its rest as a row of its own). 2023-24 Q2's other measure tables are not
/// yet whole on A5 (see the README).
#[test]
fn weasyprint_prints_on_a5_pages_give_the_facts_of_the_text() {
    let reports = REPORTS;
    let printed = weasyprint_printed(&reports, "@page { size: A5 }", false);
    for (report, from_text, from_pdf) in printed {
        match report {
            "derbyshire-county-2023-24-q2.txt" => {
                let objectives = |facts: &BTreeSet<String>| -> BTreeSet<String> {
                    facts
                        .iter()
                        .filter(|f| f.starts_with("objective "))
                        .cloned()
                        .collect()
                };
                let (text, pdf) = (objectives(&from_text), objectives(&from_pdf));
                assert_eq!(text.len(), 45, "2023-24 Q2's deliverables and objectives");
                same_facts(&text, &pdf, report);
                facts_read(
                    report,
                    &from_text,
                    &from_pdf,
                    |f| {
                        f.starts_with("obs E10000007:percentage-of-residents-agreeing-that-they-feel-informed-about-council-decisions|")
                    },
                    3,
                    "the measure whose name a page break cut after \"about\"",
                );
            }
            _ => same_facts(&from_text, &from_pdf, report),
        }
    }
}

/// The reports printed by WeasyPrint with every cell's text centred: Derby City, 2024-25 Q1,
/// 2023-24 Q2 and 2019-20 give every fact of their text. A header's cells centred over centred
/// figures come a word's space apart ("Same Same", "quarter quarter" over "5.31%" and "4.58%";
/// "Deliverables Deliverables" over "1" and "0"): a line's run whose words are centred over two
/// cells of another line is parted between them. Before, 36 facts of 2024-25 Q1 and 20 of
/// 2019-20 were lost (two columns' figures read as one cell). A wide name cell's line runs up to
/// the date beside it ("delivered stop smoking programmes Jun-2023"), the name's words centred
/// under "Key Measure" and the date under "Date": parted there. Before, 2023-24 Q2 lost 22 facts
/// and read 26 wrong (dates read into measures' names). 2025-26 Q1 is not yet whole so (see the
/// README).
#[test]
fn weasyprint_prints_of_centred_cells_give_the_facts_of_the_text() {
    weasyprint_reports_give_the_facts_of_the_text(
        &[REPORTS[0], REPORTS[1], REPORTS[3], REPORTS[4]],
        "td, th { text-align: center }",
        false,
    );
}

/// The reports printed by WeasyPrint with a dark filled header in white type, its cells padded:
/// every fact of their text, spaces apart. Each header cell is shaded on its own, a few points
/// from the next, its text a word's space from the next cell's ("2019/2020 Target
/// Performance" over columns the rows leave empty): the gap between two shadings parts the
/// cells. Before, 2019-20's key measures summary lost its ten figures for 2019/20.
#[test]
fn weasyprint_prints_with_a_filled_header_give_the_facts_of_the_text() {
    weasyprint_gives_the_facts_of_the_text(
        "th { background: #1f4e79; color: white; padding: 4px }",
        false,
    );
}

/// Each of `reports`' HTML page printed by WeasyPrint with `css` added (`""`: as it prints a
/// plain page), tagged or not: the report, the facts of its text and those of the PDF.
fn weasyprint_printed(
    reports: &[(&'static str, &str)],
    css: &str,
    tags: bool,
) -> Vec<(&'static str, BTreeSet<String>, BTreeSet<String>)> {
    html_pages_printed(reports, WEASYPRINT, weasyprint(css, tags))
}

const WEASYPRINT: &str = "WeasyPrint (is weasyprint installed?)";

/// Prints an HTML page (the first path) to PDF (the second) with WeasyPrint, `css` added to the
/// page's styles, tagged or not.
fn weasyprint(css: &str, tags: bool) -> impl Fn(&Path, &Path) -> std::process::Output + '_ {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pdf/render_weasyprint.py");
    move |html, pdf| {
        let mut render = Command::new("python3");
        render.arg(&script).arg(html).arg(pdf).arg(css);
        if tags {
            render.arg("--tags");
        }
        render.output().expect("python3")
    }
}

/// The report rendered by `tests/pdf/render_reportlab.py` with `style` gives the facts of its
/// text.
fn reportlab_gives_the_facts_of_the_text(report: &str, council: &str, style: &[&str]) {
    let (from_text, from_pdf) = reportlab_print(report, council, style);
    let lost: Vec<&String> = from_text.difference(&from_pdf).collect();
    let invented: Vec<&String> = from_pdf.difference(&from_text).collect();
    assert!(
        lost.is_empty() && invented.is_empty(),
        "{report} {style:?}: {} facts, {} lost, {} invented\nlost: {lost:#?}\ninvented: {invented:#?}",
        from_text.len(),
        lost.len(),
        invented.len()
    );
}

/// The facts of the report's text, and of its print by `tests/pdf/render_reportlab.py` with
/// `style`.
fn reportlab_print(
    report: &str,
    council: &str,
    style: &[&str],
) -> (BTreeSet<String>, BTreeSet<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("report.pdf");
    let text_path = report_path(report);
    render_with("render_reportlab.py", "reportlab", &text_path, &pdf, style);
    let from_text = read(&std::fs::read(&text_path).expect("text"), council).expect("text");
    let from_pdf = read(&std::fs::read(&pdf).expect("pdf"), council).expect("pdf");
    (from_text, from_pdf)
}

/// 2025-26 Q1 rendered by ReportLab in a frame with a rule under the header, its rows split
/// over pages: ReportLab prints the rest of a split row in the band of the header printed
/// again, in the header's bold ("Strategic Objective" over "workforce and the contribution
/// they make"). Before, the header read as "Strategic Objective workforce and …", a header
/// lapis does not know, and every objective after it was lost (SO-16 to SO-24, bar SO-21):
/// now the header is the one printed before and its extra words the rest of the row above.
///
/// The measures' tables: there the rest ("42 enquiry say their outcome…") stands in the
/// header's band over three lines of the header's other cells, and the band is deeper than the
/// rows' spacing (its other cells at the top, the rule under it far below), so the rows under
/// it were read as a table of their own, with no header: the 12 figures of the seven measures
/// set under such headers were lost.
#[test]
fn reportlab_box_print_reads_the_rest_of_a_row_in_the_band_of_the_header_again() {
    let (text, from_pdf) = reportlab_print(REPORTS[2].0, REPORTS[2].1, &["--lines", "box"]);
    let objectives: Vec<&String> = text
        .iter()
        .filter(|f| {
            (16..=24)
                .filter(|n| *n != 21)
                .any(|n| f.starts_with(&format!("objective StrategicObjective|Some(\"SO-{n}\")|")))
        })
        .collect();
    assert_eq!(objectives.len(), 8, "the objectives in the text");
    let lost: Vec<&&String> = objectives
        .iter()
        .filter(|f| !from_pdf.contains(**f))
        .collect();
    assert!(lost.is_empty(), "lost {lost:#?}");
    measures_read(
        REPORTS[2].0,
        &text,
        &from_pdf,
        &[
            "number-of-people-who-have-been-supported-through-short-term-homecare-offer",
            "number-of-people-who-have-been-supported-through-short-term-homecare-offer-that-have-fully-regained-their-independence",
            "number-of-new-people-supported-to-achieve-employment-objectives-via-the-disability-employment-service",
            "number-of-people-supported-into-paid-employment-through-the-disability-employment-service",
            "number-of-individuals-completing-live-life-better-derbyshire-health-and-wellbeing-mot",
            "number-of-people-being-supported-by-the-health-and-wellbeing-coaches-programme-rolling-12-months",
            "percentage-of-people-following-a-safeguarding-section-42-enquiry-say-their-outcome-has-been-met-or-fully-met",
        ],
        12,
    );
    // And every other fact: the header printed again over a table's rest, where the rest's
    // lines alone run two of its columns into one, takes the columns of the table it
    // continues. Before, two of the report's facts were lost and three invented.
    assert_eq!(text, from_pdf, "{}", REPORTS[2].0);
}

/// ReportLab's tables, ruled cell by cell: cells set at the bottom of their rows (its
/// default), header rows repeated over page breaks (the cross table of 2023-24 Q2 breaks under
/// its two-row header), deliverables' titles a few points above their text. 2019-20's titles
/// are set as its text is (not bold), and one fills its line ("Improved employee well-being …
/// reduces absence"): set a paragraph's space above its text, more than the text's lines are
/// apart, it is a paragraph of its own (before, it was read into the text and the deliverable
/// lost).
#[test]
fn reportlab_pdfs_of_ruled_tables_give_the_facts_of_the_text() {
    for (report, council) in [
        ("derby-city-2024-25-annual.txt", "E06000015"),
        ("derbyshire-county-2024-25-q1.txt", "E10000007"),
        ("derbyshire-county-2025-26-q1.txt", "E10000007"),
        ("derbyshire-county-2023-24-q2.txt", "E10000007"),
        ("derbyshire-county-2019-20-annual.txt", "E10000007"),
    ] {
        reportlab_gives_the_facts_of_the_text(report, council, &["--lines", "grid"]);
    }
}

/// ReportLab's tables without rules, cells at the bottom of their rows: rows are found from
/// where the cells' lines end (2023-24 Q2's, told apart by their spacing).
#[test]
fn reportlab_pdfs_of_unruled_bottom_aligned_tables_give_the_facts_of_the_text() {
    for (report, council) in [REPORTS[0], REPORTS[1], REPORTS[3]] {
        reportlab_gives_the_facts_of_the_text(report, council, &["--lines", "none"]);
    }
}

/// Derby City, 2024-25 Q1 and 2023-24 Q2 rendered by ReportLab with no rules and the cells set
/// as `valign` says give the facts of their text.
fn unruled_reportlab_tables_give_the_facts_of_the_text(valign: &str) {
    for (report, council) in [REPORTS[0], REPORTS[1], REPORTS[3]] {
        reportlab_gives_the_facts_of_the_text(
            report,
            council,
            &["--lines", "none", "--valign", valign],
        );
    }
}

/// ReportLab's tables unruled with cells set at the top of their rows, in 7 pt under 9 pt
/// paragraphs: each column printed a character of the table's own type apart (at the body's,
/// its pages' columns crowded differently and the fixed-width reader merged two of them), a
/// reference wrapped in its narrow column ("ASC Local" over "2a2(ii)") and a figure wrapped
/// onto a second line ("110.4 per" over "10,000 population") stay in their row, and a year
/// wrapped in a header cell ("2023" over "24") is the header's.
#[test]
fn reportlab_pdfs_of_unruled_top_aligned_tables_give_the_facts_of_the_text() {
    unruled_reportlab_tables_give_the_facts_of_the_text("TOP");
}

/// ReportLab's tables unruled with cells set in the middle of their rows. Its 7 pt cells hold
/// more text than its 9 pt paragraphs: the body's size is the paragraphs' (the lines across the
/// page), so the paragraphs are no headings and the tables under them are not read into them.
#[test]
fn reportlab_pdfs_of_unruled_middle_aligned_tables_give_the_facts_of_the_text() {
    unruled_reportlab_tables_give_the_facts_of_the_text("MIDDLE");
}

/// The reports' HTML pages printed by MuPDF's own layout engine (PyMuPDF's `Story`,
/// `tests/pdf/render_mupdf.py`): every page's text in one text object, each cell placed by `Tm`
/// and its next lines by `Td`, cells set at the top of their rows a few points apart (a group's
/// title wraps word by word in the first column), headers not repeated over pages, "fi" as
/// U+FB01, and a character beyond the Basic Multilingual Plane written in a `ToUnicode` map as
/// five hex digits (the PDFs of 2019-20 and 2023-24 Q2, whose tables hold emoji, were refused as
/// damaged). Every report reads; Derby City's facts are all the text's, titles apart from their
/// spaces, and 2019-20's rows rated by an emoji keep their figures.
#[test]
fn mupdf_prints_of_html_pages_give_the_facts_of_the_text() {
    for (report, text, from_pdf) in html_pages_printed_by("render_mupdf.py", "pymupdf") {
        match report {
            "derby-city-2024-25-annual.txt" => same_facts(&text, &from_pdf, report),
            "derbyshire-county-2019-20-annual.txt" => {
                for fact in [
                    "obs E10000007:percentage-of-identified-budget-savings-achieved|2019-20|Some(94.7)|Some(\"94.7%\")|Some(100.0)|None|None|None|None|None|Some(\"Value for money\")",
                    "obs E10000007:percentage-of-homes-and-businesses-with-fibre-enabled-broadband|2019-20|Some(63.0)|Some(\"63%\")|Some(22.0)|None|None|None|None|None|Some(\"A prosperous Derbyshire\")",
                ] {
                    assert!(from_pdf.contains(fact), "{report}: {fact} not read");
                }
            }
            _ => {}
        }
    }
}

/// The reports' HTML pages printed by xhtml2pdf (`tests/pdf/render_xhtml2pdf.py`): no rules and
/// no padding, so columns of one width abut (a column's widest line ends a fifth of a point
/// before the next column's text); each cell's text at its left edge, in the middle of its row,
/// its lines half their size apart and rows no further; header cells centred; each cell a text
/// object of its own. Every report reads; every figure of Derby City, with its period, target,
/// rating, benchmark and direction, and every claim are the text's, and so is every other fact,
/// titles apart from their spaces (before, three actions under a group's title broken over a
/// page, their rows' rest under the header printed again, were lost). Every fact of 2019-20 and
/// of 2024-25 Q1 is the text's.
#[test]
fn xhtml2pdf_prints_of_html_pages_give_the_figures_of_the_text() {
    for (report, text, from_pdf) in html_pages_printed_by("render_xhtml2pdf.py", "xhtml2pdf") {
        // 2019-20's "Key measures summary" tables: cells of one width, short figures at their
        // left edge and the header's years centred over them, clear of the figures. A figure
        // wider than its column's others ("£9,601,992"), set alone in the middle of its row,
        // reaches under the year's header; and a header over a column no row fills
        // ("Target") has no figure beside it to show where its cell ends: the cells' width is
        // the pitch the figures' columns start at. Before, both headers were columns of their
        // own, and the figures of 2019/2020 and the targets were lost.
        if report == "derbyshire-county-2019-20-annual.txt" {
            let measures = [
                "number-of-businesses-and-start-ups-supported-by-the-council",
                "percentage-of-16-to-17-year-olds-in-education-employment-or-training-3-month-avg",
                "total-external-funding-secured",
                "percentage-of-homes-and-businesses-with-fibre-enabled-broadband",
                "percentage-of-defects-completed-within-target",
                "percentage-of-residents-who-have-given-unpaid-help-to-an-individual-group-or-club-in-the-last-12-months",
                "percentage-of-residents-who-agree-that-they-have-enough-people-around-them-to-avoid-a-crisis",
            ];
            measures_read(report, &text, &from_pdf, &measures, 15);
            // A paragraph right after a table of ratings ("Key" under the deliverables' counts,
            // "Value for money" under the measures'), set a paragraph's space below its last
            // row, is no row of it: before, "Action" read "Action Key" (four claims lost) and
            // the theme "Value for money" was a cell's rest (its 17 facts lost their theme).
            // Every fact of the report is now the text's.
            assert_eq!(text, from_pdf, "{report}");
        }
        // An objective alone atop a page under its table's header printed again: the header's
        // cells centred, the row's at their left, "Good" clear of "Progress" over it. The
        // columns are those of the table the page goes on with, whose rows showed them: before,
        // "Good" was a column of its own and the rating was lost with no parse issue.
        // And one alone under its header at a page's top (SO13), its comment's last line
        // ("maths.") short of the header "Comments" centred over the comment's longer lines:
        // that column's line, not a column of its own (before, the comment's lines were cut
        // out of the table and the objective lost). And "Benchmark Group" and "Reporting
        // Frequency", two header cells, are two columns though the first ends a point before
        // the second's figures start (before, "Cipfa Nearest Quarterly Neighbours").
        // Every fact of the report is the text's.
        if report == "derbyshire-county-2024-25-q1.txt" {
            objectives_read(report, &text, &from_pdf, &["SO-04", "SO-12"]);
            assert_eq!(text, from_pdf, "{report}");
        }
        // A chart's note set a paragraph's space under its last row ("National Benchmark
        // 84.5%" over "2023-24 data and targets are for Aug-2023") with the next chart's rows
        // as far under it: no row of the chart. Before, it was read into the row's label (two
        // facts lost). Every fact of the report is the text's.
        if report == "derbyshire-county-2023-24-q2.txt" {
            assert_eq!(text, from_pdf, "{report}");
        }
        if report != "derby-city-2024-25-annual.txt" {
            continue;
        }
        same_facts(&text, &from_pdf, report);
        let figures = |facts: &BTreeSet<String>| -> BTreeSet<String> {
            facts
                .iter()
                .filter(|f| f.starts_with("obs ") || f.starts_with("claim "))
                .cloned()
                .collect()
        };
        let (text, from_pdf) = (figures(&text), figures(&from_pdf));
        assert_eq!(text.len(), 201, "Derby City's figures and claims");
        let lost: Vec<&String> = text.difference(&from_pdf).collect();
        let invented: Vec<&String> = from_pdf.difference(&text).collect();
        assert!(
            lost.is_empty() && invented.is_empty(),
            "{report}: lost {lost:#?}\ninvented {invented:#?}"
        );
    }
}

/// Reports laid out again, printed by xhtml2pdf. 2019-20 with its columns reordered: its "Key
/// measures summary" has "Performance" and "Target" first, over columns no row of the first
/// table fills, the years' figures at their cells' left edge under headers centred over them;
/// "Target" lies as near the middle of the cell the first year's figures start as a header
/// right-aligned over it would, but "2019/2020" lies nearer still, at it its figures' cell's
/// middle: the figures are that year's (before, they were read as targets, 12 facts lost).
/// 2024-25 Q1 with other header words and its columns reordered: the comments' column ends a
/// point and a half before the ratings' starts, neither sharing a line with the other (the
/// ratings set in the middle of their rows, between the comments' lines), both of text set at
/// one left edge: two columns (before, "the early Good intervention"); and a row's last line
/// under the header xhtml2pdf printed again amid the page, right under the row, in the column
/// whose cell the row left open ("… driving innovation and"), not the one its text starts in
/// (the header's cells centred). With other header words alone, that last line wraps in two,
/// and both go where the first went (before, "objectives" was read into the key, "SO-33
/// objectives"). Every fact of the three is the text's.
#[test]
fn xhtml2pdf_prints_of_relaid_html_pages_give_the_facts_of_the_text() {
    use common::relayout::Transform;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pdf/render_xhtml2pdf.py");
    let print = |html: &Path, pdf: &Path| {
        Command::new("python3")
            .arg(&script)
            .arg(html)
            .arg(pdf)
            .output()
            .expect("python3")
    };
    let printer = "render_xhtml2pdf.py (is xhtml2pdf installed?)";
    for (reports, relayout) in [
        (&[REPORTS[4]][..], &[Transform::ColumnsReordered][..]),
        (
            &[REPORTS[1]][..],
            &[Transform::HeaderSynonyms, Transform::ColumnsReordered][..],
        ),
        (&[REPORTS[1]][..], &[Transform::HeaderSynonyms][..]),
    ] {
        for (report, text, from_pdf) in relaid_html_pages_printed(reports, relayout, printer, print)
        {
            same_facts(&text, &from_pdf, report);
        }
    }
}

/// The reports' HTML pages printed by wkhtmltopdf (Qt WebKit), a common server-side HTML-to-PDF
/// printer: no rules, cells in the middle of their rows, headers not repeated, and rows broken
/// over a page with the tall cells' first lines at its foot and the row's key with its one-line
/// cells atop the next (or the key at the foot and the tall cells' rest atop the next). Every
/// report reads; Derby City's facts are all the text's, titles apart from their spaces.
#[test]
fn wkhtmltopdf_prints_of_html_pages_give_the_facts_of_the_text() {
    let printed = relaid_html_pages_printed(&REPORTS, &[], WKHTMLTOPDF, wkhtmltopdf);
    for (report, text, from_pdf) in printed {
        match report {
            "derby-city-2024-25-annual.txt" => same_facts(&text, &from_pdf, report),
            // The measures under "People: Latest Measure Data", a table of other columns set
            // close under the deliverables' (whose comments run across its columns' starts),
            // its header's cells centred at heights of their own; and the next table's, its
            // header printed again further down the page, under the rest of a row broken over
            // the page. Before, their objective, measure and first figure were one cell.
            "derbyshire-county-2025-26-q1.txt" => {
                let measures = [
                    "number-of-children-living-with-council-foster-carers",
                    "percentage-of-council-run-children-s-homes-rated-as-good-or-outstanding-by-ofsted",
                    "percentage-of-children-returning-home-after-a-period-of-being-in-care-planned-move",
                    "proportion-of-all-new-education-health-and-care-plans-issued-within-20-weeks-including-exceptions",
                    "percentage-of-care-homes-65-across-derbyshire-outstanding-or-good",
                    "percentage-of-care-homes-18-64-across-derbyshire-outstanding-or-good",
                    "number-of-new-people-accessing-support-through-a-direct-payment-has-increased",
                    "percentage-of-people-approaching-adult-social-care-who-have-been-supported-to-retain-their-independence-through-early-help-and-signposting",
                ];
                measures_read(report, &text, &from_pdf, &measures, 21);
                // Rows broken over a page around the header printed again: the rest of a row
                // atop the next page over the header ("20 weeks (excluding exceptions)"), and
                // the header itself broken, "(YTD)" atop the next page over the rest of the row
                // above it ("the Disability Employment Service") and the rows after. Before,
                // the rest atop the page was a paragraph, the header read without "(YTD)" and
                // the rows under "(YTD)" lost their empty benchmark column.
                let broken = [
                    "proportion-of-all-new-education-health-and-care-plans-issued-within-20-weeks-excluding-exceptions",
                    "number-of-people-supported-into-paid-employment-through-the-disability-employment-service",
                    "number-of-individuals-completing-live-life-better-derbyshire-health-and-wellbeing-mot",
                    "number-of-people-being-supported-by-the-health-and-wellbeing-coaches-programme-rolling-12-months",
                ];
                measures_read(report, &text, &from_pdf, &broken, 8);
                // An objective's row broken over a page inside its key: "SO-" at the foot,
                // "03" atop the next with the rest of its cells. Before, it read as two
                // objectives, "SO-" unrated and "03" with the rating.
                let so_03: Vec<&String> = text
                    .iter()
                    .filter(|f| f.starts_with("objective StrategicObjective|Some(\"SO-03\")|"))
                    .collect();
                assert_eq!(so_03.len(), 1, "{report}: SO-03 in the text");
                assert!(so_03[0].contains("|Some(Good)|"), "{report}: {}", so_03[0]);
                assert!(from_pdf.contains(so_03[0]), "{report}: lost {}", so_03[0]);
                let parts: Vec<&String> = from_pdf
                    .iter()
                    .filter(|f| {
                        f.starts_with("objective StrategicObjective|Some(\"SO-\")|")
                            || f.starts_with("objective StrategicObjective|Some(\"03\")|")
                    })
                    .collect();
                assert!(parts.is_empty(), "{report}: invented {parts:#?}");
                // Objectives whose rows the page's table ends inside, their rest under the
                // header printed again: a header whose "Comments" is centred over the column
                // of comments that run wider (SO-08, before read with an empty column of its
                // own), one whose "Expected Completion" and "Progress" are printed as one cell
                // (SO-09): before, each rest was an objective of no key, and the row above it
                // kept its title's start. And SO-12, the row before a row read as no table's
                // (SO-13's, still lost: its cells' lines interleave), does not take that row's
                // rest under the next header into its title.
                objectives_read(report, &text, &from_pdf, &["SO-08", "SO-09", "SO-12"]);
                // "Place: Annual Measure Data": its header's first lines start their cells
                // where its other lines do, so it is told from the measures table above by
                // its cells apart from those lines. Before, the two were one table.
                measures_read(report, &text, &from_pdf, &PLACE_ANNUAL, 11);
                // "Place: Latest Measure Data", whose figures' columns abut, over the header of
                // the next table at the page's foot, a header of seven lines whose cells are
                // set a few points right of the columns above (that table's own widths): a
                // table of its own. Before, it was read with the rows above, their columns run
                // together through it, and the five measures' figures were one cell.
                let place_latest = [
                    "total-grant-funding-secured-from-emcca-to-support-growth-in-derbyshire",
                    "total-number-of-bus-passengers-carried-on-county-supported-bus-services",
                    "number-of-potholes-repaired",
                    "total-number-of-highway-inspector-defects-remedied",
                    "total-number-of-highway-inspector-defects-reported-that-were-remedied-within-target-time",
                ];
                measures_read(report, &text, &from_pdf, &place_latest, 7);
                // Its rest: the header broken over the page, six lines at the foot printed in
                // columns of text ("2025-" over "26" in a narrow column) and "(YTD)" atop the
                // next page over the rows, stands for the header printed whole before; and the
                // next table's header, printed again under those rows, ends in that same
                // "(YTD)". Before, both tables' rows lost their empty first figure's column
                // (the HIN defects' figures read a year early, the waste measures' lost).
                let place_latest_rest = [
                    "percentage-of-highway-inspector-hin-defects-with-an-urgent-response-target-remedied-within-target",
                    "percentage-of-highway-inspector-hin-defects-with-a-32-hour-response-target-remedied-within-target",
                    "percentage-of-highway-inspector-hin-defects-with-a-9-day-response-target-remedied-within-target",
                    "percentage-of-highway-inspector-hin-defects-with-a-28-day-response-target-remedied-within-target",
                    "percentage-of-all-la-collected-household-waste-actually-recycled-reused-or-composted",
                    "percentage-of-all-household-waste-delivered-to-hwrcs-that-is-recycled-reused-or-composted",
                    "la-collected-municipal-waste-sent-to-landfill-as-a-percentage-of-total-la-collected-waste-not-sent-for-recycling-reuse-or-composting",
                ];
                measures_read(report, &text, &from_pdf, &place_latest_rest, 10);
                // A row whose first line alone ("Amount of") ends a page, its key and figures
                // in the middle of its rest atop the next: one row, not the rest of the row
                // above (before, "Sickness Hours … Amount of money raised from the" held
                // Sickness's figures, and the disposals' were a measure "disposal of land …").
                let broken_in_the_middle = [
                    "sickness-hours-as-a-%-of-working-hours-available",
                    "amount-of-money-raised-from-the-disposal-of-land-and-buildings",
                ];
                measures_read(report, &text, &from_pdf, &broken_in_the_middle, 6);
                // An objective's row set a line further from the row above than its lines are
                // apart (a blank line in the page's text), its rest under the header printed
                // again: a row of the table (before, in no table, and its rest an objective of
                // no key).
                objectives_read(report, &text, &from_pdf, &["SO-23"]);
            }
            // The header of "Great Places to Live, Work and Visit - Latest Measure Data" broken
            // over a page: "Same  Same  Target" alone at one page's foot, centred over three of
            // its eleven cells, its rest atop the next. It is the header printed whole before;
            // before, "Same quarter 2022-2023 (YTD)" read "quarter 2022-2023 (YTD)", a year,
            // and the table's periods and targets were lost.
            "derbyshire-county-2024-25-q1.txt" => {
                let measures = [
                    "number-of-carers-accessing-support-services",
                    "proportion-of-all-new-education-health-and-care-plans-issued-within-20-weeks-including-exceptions",
                    "proportion-of-all-new-education-health-and-care-plans-issued-within-20-weeks-excluding-exceptions",
                ];
                measures_read(report, &text, &from_pdf, &measures, 8);
                // A measure's name whose first line ("Number of") is set over its centred key,
                // the key's line starting "children living with …": one row (before, "Number
                // of" ended the row above and the measure was "children living with …"); and an
                // objective whose comment's last line ("following a redesign.") is shorter than
                // the page's column of comments, under a header centred over that column on the
                // last page (before, it was read as its progress, and the rating lost).
                let centred = [
                    "number-of-children-living-with-council-foster-carers",
                    "the-number-of-children-being-supported-to-remain-at-home-rather-than-being-admitted-to-care-cumulative-over-financial-year",
                ];
                measures_read(report, &text, &from_pdf, &centred, 4);
                objectives_read(report, &text, &from_pdf, &["SO-06"]);
                // And every fact of the report is the text's: SO-33's row, broken over a page
                // with its key cell empty at the foot ("Embed best value principles in all"),
                // its key, date and rating atop the next page over the header printed again,
                // which wkhtmltopdf lays out in columns of its own ("Expected Completion
                // Progress Comments" over the dates' and ratings' columns), the name's last
                // line under it set in those columns, wider than the table's. Before, the
                // row's first line went into SO-32's title and SO-33 lost the rest of its
                // own (2 facts).
                same_facts(&text, &from_pdf, report);
            }
            // A measure's row cut by a page break ("Number of people … with an  Sep-" under
            // its header at one page's foot, "outcome focused support plan  2023  762  550
            // ★ Strong" atop the next, no header printed again), the cut line drawn on both
            // pages, each clipped to its part. The hidden half is not read, and the row is
            // joined cell by cell: before, the row's name, date and figures were lost.
            //
            // And every fact of the report is the text's, among them (before, 12 lost):
            // - its charts printed one under the other with no space between them, each
            //   current year's row bold with its cells a word's space apart ("2023-2024 76.1%"),
            //   and narrow charts whose every row is so ("2021-2022 16.7", "Target 18.7"): four
            //   measures' earlier years' figures (7) and a GCSE measure's benchmark;
            // - a row wkhtmltopdf stretched near a page's foot, its short cells' first lines
            //   ("Aug-", "Good (Strong") a line over its key and their rest ("2023", "in Q1)"):
            //   social work assessments, read before with no date and a row of no name;
            // - a deliverable's bold title broken over a page after "implementation of", its
            //   rest ("Restoring Your Railways programme") atop the next: before, two
            //   deliverables.
            "derbyshire-county-2023-24-q2.txt" => {
                let measures = [
                    "number-of-people-with-a-learning-disability-and-or-who-are-autistic-with-an-outcome-focused-support-plan",
                ];
                measures_read(report, &text, &from_pdf, &measures, 3);
                same_facts(&text, &from_pdf, report);
            }
            _ => {}
        }
    }
}

/// wkhtmltopdf, as the tests name it where it is missing.
const WKHTMLTOPDF: &str = "wkhtmltopdf (apt-get install wkhtmltopdf)";

/// An HTML page printed by wkhtmltopdf.
fn wkhtmltopdf(html: &Path, pdf: &Path) -> std::process::Output {
    Command::new("wkhtmltopdf")
        .arg("--quiet")
        .arg(html)
        .arg(pdf)
        .output()
        .expect("wkhtmltopdf is needed (apt-get install wkhtmltopdf)")
}

/// 2024-25 Q1 with another template's header words, printed by wkhtmltopdf: its "Latest
/// Measure Data" headers are nine lines deep ("Same quarter 2022/23 (YTD)" over a narrow
/// column), each cell centred at a height of its own, so the header's first lines ("Same",
/// "Same", "quarter  This  Quarterly  RAG …") start their cells where none of its later lines
/// do. They are the header's lines, not a table above it: before, the header was cut after its
/// fourth line, its cells read "2022/23 (YTD)" and "quarter (YTD)", and every figure of those
/// tables (47) was lost.
#[test]
fn wkhtmltopdf_prints_of_headers_nine_lines_deep_give_the_figures_of_the_text() {
    use common::relayout::Transform;
    let printed = relaid_html_pages_printed(
        &[REPORTS[1]],
        &[Transform::HeaderSynonyms],
        WKHTMLTOPDF,
        wkhtmltopdf,
    );
    for (report, text, from_pdf) in printed {
        let measures = [
            "number-of-startup-businesses-supported",
            "total-number-of-ev-charging-points-installed-within-derbyshire",
            "number-of-carers-accessing-support-services",
            "sickness-hours-as-a-%-of-working-hours-available",
            "amount-of-money-raised-from-the-disposal-of-land-and-buildings",
        ];
        measures_read(report, &text, &from_pdf, &measures, 14);
    }
}

/// Derby City, 2024-25 Q1 and 2023-24 Q2 with another template's header words, printed by
/// wkhtmltopdf. A header's first line alone at a page's foot ("Q4" of "Q4 2024/25 actual", its
/// cells set at their foot), its other lines atop the next: one header, that printed before
/// (before, three of Derby City's measures were read for 2024-25, not its fourth quarter). A
/// name's first line over its row stretched apart ("Number of new people accessing" over "SO-05
/// support through a Direct Payment has increased  197  373 …") or cut short ("… training (3"
/// over "month avg)  Aug-2023  95.0% …") is one row (before, three and four figures were read
/// for a measure of half the name). Every fact of the three is the text's, spaces apart.
#[test]
fn wkhtmltopdf_prints_with_other_header_words_give_the_facts_of_the_text() {
    use common::relayout::Transform;
    for report in [REPORTS[0], REPORTS[1], REPORTS[3]] {
        wkhtmltopdf_relaid_print_gives_the_facts_of_the_text(report, &[Transform::HeaderSynonyms]);
    }
}

/// Derby City with another template's header words and its columns reordered, printed by
/// wkhtmltopdf (no header printed again over a page's rows): a row whose theme wraps to three
/// lines ("A" over "Vibrant" over "City") under a row that began a page's block the same way
/// ("A" over "N/A") is a row of the same table, not its header printed again (two short lines
/// the same are no header). Before, the table's rows from there on were in no table whose
/// header lapis knew: 48 facts lost. Every fact is the text's, spaces apart.
#[test]
fn wkhtmltopdf_print_of_relaid_derby_city_gives_the_facts_of_the_text() {
    use common::relayout::Transform;
    wkhtmltopdf_relaid_print_gives_the_facts_of_the_text(
        REPORTS[0],
        &[Transform::HeaderSynonyms, Transform::ColumnsReordered],
    );
}

/// Derby City with its columns reordered, printed by wkhtmltopdf: the header of its measures
/// broken over a page, "Council" over "Ref  Plan  DoT  Target  Q4 status  2024 25 Q4  2023 24
/// Description" at one page's foot in columns of text and "theme  actual  actual" atop the
/// next. The foot's "25" and "24" are the ends of the years before them, not figures: the
/// header printed whole before stands for it. Before, the "Working Smarter" measures and risks
/// under it were read under the rest alone (13 facts lost, the risks read as projects). Every
/// fact is the text's, spaces apart.
#[test]
fn wkhtmltopdf_print_of_reordered_derby_city_gives_the_facts_of_the_text() {
    use common::relayout::Transform;
    wkhtmltopdf_relaid_print_gives_the_facts_of_the_text(
        REPORTS[0],
        &[Transform::ColumnsReordered],
    );
}

/// 2023-24 Q2 with its columns reordered, printed by wkhtmltopdf: a measure's row that
/// wkhtmltopdf stretches near a page's foot, its name's last words ("good or better") and its
/// date's year set a line's space under its first line, its one-line cells between them, is
/// one row; so are rows broken over a page with no header printed again, the rest of the name
/// in lower case atop the next ("broadband (>30Mbps)") or of a rating left open ("Action (Good"
/// over "in Q1)", the figures on the next page too). Before, eight facts were lost. With other
/// header words as well: a header of three lines ("Data" over "KPI  RAG  Target  Outturn" over
/// "period") alone at a page's foot heads the rows atop the next page (before, a header of one
/// line only was taken so, and the eleven measures under it lost their theme); and a bold title
/// broken over a page, set in under an icon's column, is one title. Every fact is the text's.
#[test]
fn wkhtmltopdf_prints_of_relaid_2023_24_q2_give_the_facts_of_the_text() {
    use common::relayout::Transform;
    wkhtmltopdf_relaid_print_gives_the_facts_of_the_text(
        REPORTS[3],
        &[Transform::ColumnsReordered],
    );
    wkhtmltopdf_relaid_print_gives_the_facts_of_the_text(
        REPORTS[3],
        &[Transform::HeaderSynonyms, Transform::ColumnsReordered],
    );
}

/// `report` laid out again by `relayout`, printed by wkhtmltopdf, gives every fact of its text,
/// titles apart from their spaces.
fn wkhtmltopdf_relaid_print_gives_the_facts_of_the_text(
    report: (&'static str, &str),
    relayout: &[common::relayout::Transform],
) {
    let printed = relaid_html_pages_printed(&[report], relayout, WKHTMLTOPDF, wkhtmltopdf);
    for (report, text, from_pdf) in printed {
        same_facts(&text, &from_pdf, report);
    }
}

/// Derby City's HTML page printed by LibreOffice Writer/Web (`soffice --convert-to
/// pdf:writer_web_pdf_Export`, untagged): headers bold and centred over the columns, not
/// repeated over pages; each printed page of the source is a table of its own, its header
/// centred at the top of the page under the last page's rows; a group's title ("Governance and
/// Finance") in the first column between the header and the first row, set further below than
/// the rows are from each other; and a table run to a page's foot whose next rows open the next
/// page under the group's title alone. Every fact is the text's, spaces apart: a reference
/// wrapped in its narrow column ("SR40_PS2" over "8") and a figure's note wrapped before its
/// bracket read with a space the PDF cannot show. Before, 18 facts were lost. Derbyshire's
/// 2025-26 Q1 reads the objectives whose rows run over a page whole (not all its facts yet:
/// see the README); 2023-24 Q2 its schools' cross table and its measures' chart. 2019-20 is
/// whole too: "Key", a paragraph at the page's margin right under a table of ratings whose
/// rows are further apart than the paragraph is below them, starts left of the cells' padding
/// and is no row of the table (before, it was read into the last row's label, and the four
/// counts of "Action" deliverables were claimed for "Action Key"). 2024-25 Q1 is whole: an
/// objective's row at a page's foot under its header, both in columns of text, the header
/// printed again atop the next over the row's rest; the last page's table's header printed
/// again over the next table's, in columns of text; and the header printed again with a column
/// of no header cell (a row's rest at the left of its cell, its header centred further right).
/// Before, eight facts were lost.
#[test]
fn libreoffice_prints_of_html_pages_give_the_facts_of_the_text() {
    let printed = html_pages_printed(
        &REPORTS,
        "LibreOffice (apt-get install libreoffice-writer-nogui)",
        |html, pdf| {
            let dir = pdf.parent().expect("the PDF's folder");
            Command::new("soffice")
                .args([
                    "--headless",
                    "--convert-to",
                    "pdf:writer_web_pdf_Export",
                    "--outdir",
                ])
                .arg(dir)
                .arg(html)
                .env("HOME", dir)
                .output()
                .expect("LibreOffice is needed (apt-get install libreoffice-writer-nogui)")
        },
    );
    for (report, text, from_pdf) in printed {
        // Rows the page's table ends inside, their rest atop the next page under the header
        // printed again, each cell's lines in the middle of the row (the title's lines
        // between the comments' lines): before, the rest was read as a paragraph.
        if report == "derbyshire-county-2025-26-q1.txt" {
            objectives_read(report, &text, &from_pdf, &["SO-09", "SO-11"]);
            // A measure's name run over a page, its rest alone atop the next (its row's other
            // cells all ended at the last page's foot), and the next row set apart under it,
            // its cells in the middle of the row: before, both were read as lines of text, the
            // rest lost and the next row's figures with it. And figures whose per cent sign
            // wrapped under them in a narrow column ("32.40" over "%"): before, "32.40 %".
            let measures = [
                "proportion-of-all-new-education-health-and-care-plans-issued-within-20-weeks-including-exceptions",
                "proportion-of-all-new-education-health-and-care-plans-issued-within-20-weeks-excluding-exceptions",
                "percentage-point-gap-between-disadvantaged-pupils-in-derbyshire-and-non-disadvantaged-pupils-nationally-achieving-a-grade-4-or-above-in-english-and-maths-at-gcse",
                "percentage-point-gap-between-disadvantaged-pupils-in-derbyshire-and-non-disadvantaged-pupils-nationally-achieving-the-expected-standard-in-phonics",
            ];
            measures_read(report, &text, &from_pdf, &measures, 10);
            // A table's title set in its first column ("The Council: Latest Measure Data",
            // a word a line) right under the rows of the objectives table above, over the
            // measures table's header, whose first lines start their cells where the header's
            // other lines do: the measures table is cut from the objectives' at its title.
            // Before, the title's lines ran across the gap between "No." and "Strategic
            // Objective", SO-24's key and title read as one cell, and the measures were lost.
            objectives_read(report, &text, &from_pdf, &["SO-23", "SO-24"]);
            let measures = [
                "percentage-of-children-s-social-work-assessments-completed-within-45-working-days",
                "percentage-of-initial-child-protection-conferences-held-within-15-working-days-of-a-section-47-enquiry",
                "percentage-of-children-s-social-care-reflective-case-review-judgements-rated-as-good-or-outstanding",
                "number-of-adult-social-care-carers-accessing-support-services",
                "sickness-hours-as-a-%-of-working-hours-available",
                "amount-of-money-raised-from-the-disposal-of-land-and-buildings",
            ];
            measures_read(report, &text, &from_pdf, &measures, 18);
            // The first of "Place: Annual Measure Data"'s rows run over a page, the rest of
            // its name and of its benchmark group atop the next, each in its own column; and
            // the rows under it, whose figures leave two of the table's columns empty between
            // them, read in that table's columns. Before, the rest was lines of text and the
            // next rows' targets read as their 2025-26 figures.
            measures_read(report, &text, &from_pdf, &PLACE_ANNUAL, 11);
            continue;
        }
        if report == "derbyshire-county-2023-24-q2.txt" {
            // The schools' cross table, its header's first row ("Number of schools",
            // "Percentage of pupils", each over two columns) not bold and set a row's space
            // above its second ("Primary  Secondary  Primary  Secondary"): one header of two
            // rows. Before, the first row was a line of its own and the table's 20 figures
            // (the national row is their benchmark) lost their measure ("primary-good" for
            // "number-of-schools-primary-good").
            let schools = |f: &str| {
                ["number-of-schools", "percentage-of-pupils"]
                    .iter()
                    .any(|group| {
                        ["primary", "secondary"]
                            .iter()
                            .any(|phase| f.starts_with(&format!("obs E10000007:{group}-{phase}-")))
                    })
            };
            facts_read(
                report,
                &text,
                &from_pdf,
                schools,
                20,
                "the schools' figures",
            );
            // The measures' chart's header at a page's foot under the heading "Measures", its
            // months a space apart ("Jun 2023 Sep 2023 Dec 2023 Mar 2024"), its rows atop the
            // next page: the chart's header. Its eleven claims (four ratings' counts for June
            // and for September, three directions' for September) are the text's; before,
            // seven were lost.
            let claims = |f: &str| f.starts_with("claim measures|");
            facts_read(
                report,
                &text,
                &from_pdf,
                claims,
                11,
                "the measures' chart's claims",
            );
            // And every other fact: a measure's row broken over a page, its name left open
            // ("… pupils in") and its date at a hyphen ("Aug-"), their rest atop the next
            // under the header printed again in columns of text; a chart's first row alone at
            // a page's foot, its label and figure a space apart ("2022-2023 £428,630"), its
            // other rows atop the next (before, four facts were lost).
        }
        let unspaced = |facts: &BTreeSet<String>| -> BTreeSet<String> {
            facts.iter().map(|f| f.replace(' ', "")).collect()
        };
        assert_eq!(
            unspaced(&from_pdf),
            unspaced(&text),
            "{report}: lost {:#?}\ninvented {:#?}",
            text.difference(&from_pdf).collect::<Vec<_>>(),
            from_pdf.difference(&text).collect::<Vec<_>>()
        );
    }
}

/// The reports' HTML pages typeset by Typst (`tests/pdf/render_typst.py`, through the `typst`
/// Python package): ruled grids of cells at the top left of their rows, whose columns share
/// the page's width, so that a long word ("Performance" in a 44 pt column of 9 pt bold) runs
/// over its cell's rule into the next cell; headers printed again over the rows on each page
/// (as artifacts outside the structure tree), a table without a header not; a bare page number
/// at each page's foot. Ruled, tagged (Typst's default) and untagged, and tagged with no rules
/// or with rules over and under the header and the table only, every report's facts are the
/// text's, titles apart from their spaces. Before, the glyphs of a word that ran over a rule
/// went to the next cell ("Strateg" | "icMeasur"), which also put them in the wrong tagged
/// cell; 2024-25 Q1 lost 58 facts tagged and 73 untagged, 2025-26 Q1 100 and 104, and a page
/// number became a deliverable's name.
#[test]
fn typst_prints_of_html_pages_give_the_facts_of_the_text() {
    for style in [
        &[][..],
        &["--no-tags"][..],
        &["--style", "plain"][..],
        &["--style", "booktabs"][..],
    ] {
        for (report, text, from_pdf) in
            html_pages_printed_in_style("render_typst.py", "typst", style)
        {
            same_facts(&text, &from_pdf, &format!("{report} {style:?}"));
        }
    }
}

/// The HTML pages of the reports whose characters pdflatex can set (the other two rate rows by
/// emoji) typeset with LaTeX (`tests/pdf/render_latex.py`): ruled `longtable`s of ragged-right
/// paragraph columns, cells at the top of their rows, the header printed again atop each page.
/// TeX draws no space between words, only a gap, kerns letters inside words apart, and sets
/// Latin Modern's Type 1 fonts in the T1 encoding, through glyph names. Every fact is the
/// text's, titles apart from their spaces.
#[test]
fn latex_prints_of_ruled_html_tables_give_the_facts_of_the_text() {
    latex_prints_give_the_facts_of_the_text(&REPORTS[..3], "ruled");
}

/// Derby City, 2024-25 Q1 and 2025-26 Q1 typeset by LaTeX with `booktabs` rules (over and under
/// the header, under the table: pandoc's tables) and with none: every fact is the text's. Rows
/// are set with no space between them, so a row's wrapped lines are told from the next row by
/// its first column only. 2025-26 Q1 adds:
/// - headers five lines deep in narrow columns ("Latest" over "Performance" over "against"
///   over "target" over "(YTD)"): before, the fifth line was read as a row, and the rest of a
///   measure's name under the header printed again ("42 enquiry say their outcome ...") was
///   read into it (3 facts lost);
/// - a table's title printed as its first row, in its first column only ("Place:" over
///   "Annual" over "Measure" over "Data"), right over the header's first cell: before, it was
///   read into that cell and the header was not known (four road measures, 11 figures lost);
/// - a row's rest atop the next page, set in narrower characters than the page its table
///   started on (SO-16's "workforce and the contribution"): before, it ran into the next
///   column there and three objectives were read with their dates in their titles.
#[test]
fn latex_prints_of_unruled_html_tables_give_the_facts_of_the_text() {
    for style in ["booktabs", "plain"] {
        latex_prints_give_the_facts_of_the_text(&REPORTS[..3], style);
    }
}

/// The first three reports with other header words ("Same quarter 2023 to 2024 (YTD)", "2022/23
/// outturn") typeset by LaTeX with `booktabs` rules and with none: every fact is the text's. A
/// span of years wrapped in a narrow column ("2023 to" over "2024" over "year" over "end") is
/// the header's: before, "2024" read as a figure ended the header at its first line, and every
/// figure of the columns under it was lost (2024-25 Q1: 32 facts).
#[test]
fn latex_prints_of_html_tables_with_other_header_words_give_the_facts_of_the_text() {
    use common::relayout::Transform;
    for style in ["booktabs", "plain"] {
        let printed = latex_prints_relaid(&REPORTS[..3], &[Transform::HeaderSynonyms], style);
        for (report, text, from_pdf) in printed {
            assert!(text.len() > 100, "{report}: {} facts", text.len());
            same_facts(
                &text,
                &from_pdf,
                &format!("{report} ({style}, other words)"),
            );
        }
    }
}

/// Derby City typeset by LaTeX with `booktabs` rules, its rows set with no space between them:
/// - its actions, projects and risks tables, whose header wraps to three lines in narrow
///   columns ("2023" over "24" over "actual"): before, the header's second line started a
///   table of its own (its first line's year over its rest read as a figure);
/// - the "Governance and Finance" measures, on a page whose table is set two characters in
///   from the margin, under the header printed again: before, all of the page's rows were
///   moved under the last page's last row as the rest of a row broken over the page;
/// - the summary's themes wrapped in their column ("A City of" over "Growth", beside
///   "Priority projects"), a table of no header the reader knows: before, the wrapped line
///   was a row of its own, and the theme's claims were lost;
/// - measures whose reference wraps in its narrow column ("EHCS" over "PM27", beside "10,000
///   population" under "110.4 per"): before, the reference's rest started a row.
///
/// Every fact of these is the text's. (One action, RS 25, is not read yet: see the README.)
#[test]
fn latex_booktabs_print_reads_tables_with_headers_of_three_lines() {
    let printed = latex_prints(&REPORTS[..1], "booktabs");
    let refs = [
        "Some(\"GW 05\")",
        "Some(\"GW 06\")",
        "Some(\"GR 02\")",
        "Some(\"PMP13\")",
        "Some(\"PMP134\")",
        ":ref:cm-pm03|",
        ":ref:cm-pm10|",
        ":ref:lpd-pm06|",
        ":ref:ehcs-pm21|",
        ":ref:ehcs-pm27|",
        ":ref:ehcs-pm28|",
        ":ref:ehcs-pm29|",
    ];
    let themes = ["Some(\"A City of Growth\")", "Some(\"Working Smarter\")"];
    for (report, text, from_pdf) in printed {
        let of_refs: Vec<&String> = text
            .iter()
            .filter(|f| {
                refs.iter().any(|r| f.contains(r))
                    || f.starts_with("claim ") && themes.iter().any(|t| f.contains(t))
            })
            .collect();
        assert_eq!(
            of_refs.len(),
            27,
            "{report}: the facts of {refs:?} and the claims of {themes:?} in the text"
        );
        let lost: Vec<&&String> = of_refs.iter().filter(|f| !from_pdf.contains(**f)).collect();
        assert!(lost.is_empty(), "{report}: lost {lost:#?}");
    }
}

/// Each of `reports`' HTML page typeset by `render_latex.py` in `style`: the report, the facts
/// of its text and those of the PDF.
fn latex_prints(
    reports: &[(&'static str, &str)],
    style: &str,
) -> Vec<(&'static str, BTreeSet<String>, BTreeSet<String>)> {
    latex_prints_relaid(reports, &[], style)
}

/// The same, each report laid out again by `relayout` first.
fn latex_prints_relaid(
    reports: &[(&'static str, &str)],
    relayout: &[common::relayout::Transform],
    style: &str,
) -> Vec<(&'static str, BTreeSet<String>, BTreeSet<String>)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pdf/render_latex.py");
    relaid_html_pages_printed(
        reports,
        relayout,
        "pdflatex (apt-get install texlive-latex-recommended lmodern)",
        |html, pdf| {
            Command::new("python3")
                .arg(&script)
                .arg(html)
                .arg(pdf)
                .args(["--style", style])
                .output()
                .expect("python3")
        },
    )
}

/// Each of `reports`' HTML page typeset by `render_latex.py` in `style` gives the facts of its
/// text, titles apart from their spaces.
fn latex_prints_give_the_facts_of_the_text(reports: &[(&'static str, &str)], style: &str) {
    for (report, text, from_pdf) in latex_prints(reports, style) {
        assert!(text.len() > 100, "{report}: {} facts", text.len());
        same_facts(&text, &from_pdf, &format!("{report} ({style})"));
    }
}

/// Each shared report's HTML page printed to PDF by `tests/pdf/<script>` (which needs the
/// Python package `package`): the report, the facts of its text, and those of the PDF (which
/// must be read, not refused).
fn html_pages_printed_by(
    script: &str,
    package: &str,
) -> Vec<(&'static str, BTreeSet<String>, BTreeSet<String>)> {
    html_pages_printed_in_style(script, package, &[])
}

/// The same, with `style` (the script's own options) after the page and the PDF.
fn html_pages_printed_in_style(
    script: &str,
    package: &str,
    style: &[&str],
) -> Vec<(&'static str, BTreeSet<String>, BTreeSet<String>)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/pdf")
        .join(script);
    let printer = format!("{} (is {package} installed?)", script.display());
    html_pages_printed(&REPORTS, &printer, |html, pdf| {
        Command::new("python3")
            .arg(&script)
            .arg(html)
            .arg(pdf)
            .args(style)
            .output()
            .expect("python3")
    })
}

/// Each of `reports`' HTML page printed to PDF by `print` (the page, the PDF to write): the
/// report, the facts of its text, and those of the PDF (which must be read, not refused).
fn html_pages_printed(
    reports: &[(&'static str, &str)],
    printer: &str,
    print: impl Fn(&Path, &Path) -> std::process::Output,
) -> Vec<(&'static str, BTreeSet<String>, BTreeSet<String>)> {
    relaid_html_pages_printed(reports, &[], printer, print)
}

/// The same, each report laid out again by `relayout` (in order) first.
fn relaid_html_pages_printed(
    reports: &[(&'static str, &str)],
    relayout: &[common::relayout::Transform],
    printer: &str,
    print: impl Fn(&Path, &Path) -> std::process::Output,
) -> Vec<(&'static str, BTreeSet<String>, BTreeSet<String>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut out = Vec::new();
    for &(report, council) in reports {
        let text = relayout
            .iter()
            .fold(common::read(report), |text, t| t.apply(&text));
        let name = report.trim_end_matches(".txt");
        let html = dir.path().join(format!("{name}.html"));
        let pdf = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&html, common::relayout::Transform::Html.apply(&text)).expect("html");
        let run = print(&html, &pdf);
        assert!(
            run.status.success() && pdf.exists(),
            "{printer} failed: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let from_pdf = read(&std::fs::read(&pdf).expect("pdf"), council)
            .unwrap_or_else(|e| panic!("{report}: the PDF was refused: {e}"));
        let from_text = read(text.as_bytes(), council).expect("text");
        out.push((report, from_text, from_pdf));
    }
    out
}
