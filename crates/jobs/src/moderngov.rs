//! Modern.Gov, the committee system most English councils run. Its web service answers plain
//! GET with XML: `mgWebService.asmx/GetMeetings?lCommitteeId=N&sFromDate=dd/mm/yyyy&sToDate=…`
//! lists a committee's meetings, `GetMeeting?lMeetingId=N` a meeting's agenda items and their
//! linked documents. Elements are matched by local name, whatever their case or namespace.

use chrono::NaiveDate;
use url::Url;

/// A meeting of the committee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    pub id: String,
    pub date: NaiveDate,
}

/// A document linked from an agenda item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedDoc {
    pub item_title: String,
    pub title: String,
    pub url: String,
    pub restricted: bool,
}

fn parse(xml: &str) -> Result<roxmltree::Document<'_>, String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(xml, options).map_err(|e| {
        let start: String = xml.trim_start().chars().take(60).collect();
        format!("not Modern.Gov XML ({e}); it begins {start:?}")
    })
}

fn named<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> bool {
    node.is_element() && node.tag_name().name().eq_ignore_ascii_case(name)
}

/// The text of the first child element named `name`.
fn child_text(node: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    node.children().find(|c| named(*c, name)).map(|c| {
        c.descendants()
            .filter(|d| d.is_text())
            .filter_map(|d| d.text())
            .collect::<String>()
            .trim()
            .to_string()
    })
}

/// A `dd/mm/yyyy` date (Modern.Gov's form), with or without a time after it.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let day = text.split_whitespace().next()?;
    NaiveDate::parse_from_str(day, "%d/%m/%Y").ok()
}

/// `dd/mm/yyyy`, as the web service takes dates.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// The meetings a GetMeetings answer lists, with a readable date, oldest first.
pub fn meetings(xml: &str) -> Result<Vec<Meeting>, String> {
    let doc = parse(xml)?;
    let root = doc.root_element();
    let mut out: Vec<Meeting> = root
        .descendants()
        .filter(|n| named(*n, "meeting"))
        .filter_map(|n| {
            let id = child_text(n, "meetingid")?;
            let date = parse_date(&child_text(n, "meetingdate")?)?;
            (!id.is_empty()).then_some(Meeting { id, date })
        })
        .collect();
    if out.is_empty() && !root.descendants().any(|n| named(n, "meeting")) {
        let name = root.tag_name().name().to_ascii_lowercase();
        if !name.contains("meeting") {
            return Err(format!(
                "not a GetMeetings answer: its root element is <{}>",
                root.tag_name().name()
            ));
        }
    }
    out.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
    out.dedup();
    Ok(out)
}

/// The documents linked from the agenda items of a GetMeeting answer.
pub fn linked_documents(xml: &str) -> Result<Vec<LinkedDoc>, String> {
    let doc = parse(xml)?;
    let mut out = Vec::new();
    for item in doc.descendants().filter(|n| named(*n, "agendaitem")) {
        let item_title = child_text(item, "agendaitemtitle").unwrap_or_default();
        for d in item.descendants().filter(|n| named(*n, "linkeddoc")) {
            let Some(url) = child_text(d, "url").filter(|u| !u.is_empty()) else {
                continue;
            };
            let restricted = child_text(d, "isrestricted")
                .map(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
                .unwrap_or(false);
            out.push(LinkedDoc {
                item_title: item_title.clone(),
                title: child_text(d, "title").unwrap_or_default(),
                url,
                restricted,
            });
        }
    }
    Ok(out)
}

/// A document URL as the site gave it, made absolute; `http://` on the site's own host is
/// taken as `https://` when the site is served over HTTPS.
pub fn document_url(site: &Url, given: &str) -> Option<Url> {
    let mut url = site.join(given.trim()).ok()?;
    if url.scheme() == "http" && site.scheme() == "https" && url.host_str() == site.host_str() {
        url.set_scheme("https").ok()?;
        if url.port() == Some(80) {
            url.set_port(None).ok()?;
        }
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meetings_are_read_by_local_name() {
        let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<getmeetings xmlns="http://moderngov.co.uk/namespaces">
  <meeting><meetingid>1520</meetingid><meetingdate>18/09/2024</meetingdate><meetingtime>2.00 pm</meetingtime></meeting>
  <meeting><meetingid>1314</meetingid><meetingdate>14/09/2023 00:00:00</meetingdate></meeting>
  <meeting><meetingid>9</meetingid><meetingdate>not a date</meetingdate></meeting>
</getmeetings>"#;
        let m = meetings(xml).expect("xml");
        assert_eq!(
            m,
            vec![
                Meeting {
                    id: "1314".into(),
                    date: NaiveDate::from_ymd_opt(2023, 9, 14).expect("date")
                },
                Meeting {
                    id: "1520".into(),
                    date: NaiveDate::from_ymd_opt(2024, 9, 18).expect("date")
                },
            ]
        );
        let e = meetings("<html><body>Access denied</body></html>").expect_err("html");
        assert!(e.contains("root element is <html>"), "{e}");
        let e = meetings("<html><body>Access denied<br></body></html>").expect_err("bad xml");
        assert!(e.contains("not Modern.Gov XML"), "{e}");
    }

    #[test]
    fn linked_documents_and_urls() {
        let xml = r#"<meeting><agendaitems>
<agendaitem><agendaitemtitle>Performance Monitoring 2024-25 as at Quarter 1</agendaitemtitle>
 <linkeddocuments>
  <linkeddoc><attachmentid>1</attachmentid><title>Cabinet report</title><url>http://democracy.example.gov.uk/documents/s1/report.pdf</url><isrestricted>False</isrestricted></linkeddoc>
  <linkeddoc><attachmentid>2</attachmentid><title>Exempt appendix</title><url>/documents/s2/x.pdf</url><isrestricted>True</isrestricted></linkeddoc>
 </linkeddocuments></agendaitem>
<agendaitem><agendaitemtitle>Minutes</agendaitemtitle></agendaitem>
</agendaitems></meeting>"#;
        let docs = linked_documents(xml).expect("xml");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].title, "Cabinet report");
        assert!(!docs[0].restricted);
        assert!(docs[1].restricted);
        let site = Url::parse("https://democracy.example.gov.uk/").expect("url");
        assert_eq!(
            document_url(&site, &docs[0].url).expect("url").as_str(),
            "https://democracy.example.gov.uk/documents/s1/report.pdf"
        );
        assert_eq!(
            document_url(&site, &docs[1].url).expect("url").as_str(),
            "https://democracy.example.gov.uk/documents/s2/x.pdf"
        );
        let plain = Url::parse("http://127.0.0.1:8080/").expect("url");
        assert_eq!(
            document_url(&plain, "http://127.0.0.1:8080/d.pdf")
                .expect("url")
                .as_str(),
            "http://127.0.0.1:8080/d.pdf"
        );
    }
}
