//! Reading official eCFR XML (the `DIV6`/`DIV8`/`P` structure served by the eCFR versioner API).
//!
//! Each paragraph gets its full citation (`164.308(a)(1)(ii)(A)`), its italic heading, and,
//! when the heading says so, whether it states a standard or an implementation specification
//! and its designation. Used to import the official text beside Safeharbor's summaries, and by
//! the tests that hold the shipped catalog to the letter of the regulation.

use quick_xml::Reader;
use quick_xml::events::Event;
use safeharbor_domain::catalog::Designation;

use crate::CatalogError;

/// One paragraph of the regulation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// Full citation, e.g. `164.308(a)(1)(ii)(A)`, or the section for unlabelled paragraphs.
    pub citation: String,
    /// The italic heading, as printed (without the trailing period).
    pub heading: Option<String>,
    /// Whether the heading says "Standard:".
    pub standard: bool,
    /// The designation the heading gives, for implementation specifications.
    pub designation: Option<Designation>,
    /// The paragraph's text, labels included.
    pub text: String,
}

impl Paragraph {
    /// The title: the heading without "Standard:", "Implementation specification(s):" or the
    /// designation.
    pub fn title(&self) -> Option<String> {
        let h = self.heading.as_deref()?;
        let mut t = h.trim();
        for prefix in [
            "Standard:",
            "Implementation specifications:",
            "Implementation specification:",
        ] {
            if let Some(rest) = t.strip_prefix(prefix) {
                t = rest.trim();
            }
        }
        for suffix in ["(Required)", "(Addressable)"] {
            if let Some(rest) = t.strip_suffix(suffix) {
                t = rest.trim();
            }
        }
        Some(t.trim_end_matches('.').trim().to_owned())
    }
}

/// A section (`§ 164.308`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// `164.308`.
    pub number: String,
    /// `Administrative safeguards`.
    pub heading: String,
    /// Its paragraphs, in order.
    pub paragraphs: Vec<Paragraph>,
}

/// A parsed subpart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subpart {
    /// Part number, `164`.
    pub part: String,
    /// Subpart letter, `C`.
    pub subpart: String,
    /// Its heading.
    pub heading: String,
    /// Its sections.
    pub sections: Vec<Section>,
}

impl Subpart {
    /// Every paragraph of every section.
    pub fn paragraphs(&self) -> impl Iterator<Item = &Paragraph> {
        self.sections.iter().flat_map(|s| s.paragraphs.iter())
    }
}

fn err(file: &str, pos: u64, message: impl Into<String>) -> CatalogError {
    CatalogError::Parse {
        file: file.to_owned(),
        message: format!("byte {pos}: {}", message.into()),
    }
}

/// Parses an eCFR subpart XML document. `file` names it in errors.
pub fn parse(file: &str, xml: &str) -> Result<Subpart, CatalogError> {
    let mut reader = Reader::from_str(xml);
    let mut subpart: Option<Subpart> = None;
    let mut section: Option<Section> = None;
    let mut in_head = false;
    let mut head_text = String::new();
    let mut para: Option<(String, Vec<(String, bool)>)> = None; // text, segments (text, italic)
    let mut italic = 0u32;
    let mut depth_p = 0u32;
    let mut labels: Vec<String> = Vec::new();
    loop {
        let pos = reader.buffer_position();
        match reader
            .read_event()
            .map_err(|e| err(file, pos, format!("not well-formed XML: {e}")))?
        {
            Event::Start(e) => {
                let name = e.name();
                match name.as_ref() {
                    b"DIV6" => {
                        let mut n = String::new();
                        let mut meta = String::new();
                        for a in e.attributes().flatten() {
                            let v = a
                                .unescape_value()
                                .map(std::borrow::Cow::into_owned)
                                .unwrap_or_default();
                            match a.key.as_ref() {
                                b"N" => n = v,
                                b"hierarchy_metadata" => meta = v,
                                _ => {}
                            }
                        }
                        let part_no = meta
                            .split("Part ")
                            .nth(1)
                            .and_then(|s| s.split_whitespace().next())
                            .unwrap_or("")
                            .to_owned();
                        subpart = Some(Subpart {
                            part: part_no,
                            subpart: n,
                            heading: String::new(),
                            sections: Vec::new(),
                        });
                    }
                    b"DIV8" => {
                        let n = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.as_ref() == b"N")
                            .and_then(|a| a.unescape_value().ok())
                            .map(std::borrow::Cow::into_owned)
                            .unwrap_or_default();
                        section = Some(Section {
                            number: n,
                            heading: String::new(),
                            paragraphs: Vec::new(),
                        });
                        labels.clear();
                    }
                    b"HEAD" => {
                        in_head = true;
                        head_text.clear();
                    }
                    b"P" if section.is_some() => {
                        depth_p += 1;
                        para = Some((String::new(), Vec::new()));
                    }
                    b"I" | b"E" if para.is_some() => italic += 1,
                    _ => {}
                }
            }
            Event::End(e) => match e.name().as_ref() {
                b"HEAD" => {
                    in_head = false;
                    let h = head_text.trim().to_owned();
                    if let Some(s) = section.as_mut() {
                        s.heading = h
                            .trim_start_matches('§')
                            .trim()
                            .split_once(' ')
                            .map_or(h.clone(), |(_, rest)| {
                                rest.trim().trim_end_matches('.').to_owned()
                            });
                    } else if let Some(sp) = subpart.as_mut() {
                        sp.heading = h;
                    }
                }
                b"I" | b"E" if para.is_some() => italic = italic.saturating_sub(1),
                b"P" if depth_p > 0 => {
                    depth_p -= 1;
                    if let (Some((text, segs)), Some(s)) = (para.take(), section.as_mut()) {
                        for p in split_paragraph(&s.number, &text, &segs, &mut labels) {
                            s.paragraphs.push(p);
                        }
                    }
                }
                b"DIV8" => {
                    if let (Some(s), Some(sp)) = (section.take(), subpart.as_mut()) {
                        sp.sections.push(s);
                    }
                }
                _ => {}
            },
            Event::Text(t) => {
                let s = t
                    .decode()
                    .map_err(|e| err(file, pos, format!("bad text: {e}")))?
                    .into_owned();
                let s = quick_xml::escape::unescape(&s)
                    .map(std::borrow::Cow::into_owned)
                    .unwrap_or(s);
                if in_head {
                    head_text.push_str(&s);
                } else if let Some((text, segs)) = para.as_mut() {
                    text.push_str(&s);
                    segs.push((s, italic > 0));
                }
            }
            Event::GeneralRef(r) => {
                let name = r
                    .decode()
                    .map_err(|e| err(file, pos, format!("bad reference: {e}")))?;
                let ch = resolve_entity(&name).unwrap_or_default();
                if in_head {
                    head_text.push_str(&ch);
                } else if let Some((text, segs)) = para.as_mut() {
                    text.push_str(&ch);
                    segs.push((ch, italic > 0));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let sp = subpart.ok_or_else(|| {
        err(
            file,
            0,
            "no subpart (DIV6) found: is this an eCFR subpart file?",
        )
    })?;
    Ok(sp)
}

fn resolve_entity(name: &str) -> Option<String> {
    if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        return u32::from_str_radix(hex, 16)
            .ok()
            .and_then(char::from_u32)
            .map(String::from);
    }
    if let Some(dec) = name.strip_prefix('#') {
        return dec
            .parse::<u32>()
            .ok()
            .and_then(char::from_u32)
            .map(String::from);
    }
    Some(
        match name {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            "apos" => "'",
            _ => return None,
        }
        .to_owned(),
    )
}

/// The level of a paragraph label: (a) 0, (1) 1, (i) 2, (A) 3. `depth` disambiguates (i), (v)
/// and (x), which are lowercase letters at the top and roman numerals below a number.
fn level(label: &str, depth: usize) -> usize {
    let roman = !label.is_empty() && label.chars().all(|c| matches!(c, 'i' | 'v' | 'x'));
    if label.chars().all(|c| c.is_ascii_digit()) {
        1
    } else if roman && depth >= 2 {
        2
    } else if label.chars().all(|c| c.is_ascii_lowercase()) {
        0
    } else if label.chars().all(|c| c.is_ascii_uppercase()) {
        3
    } else {
        4
    }
}

/// Reads the labels at the start of `text` (`(a)(1)(i)`), returning them and the rest.
fn leading_labels(text: &str) -> (Vec<String>, &str) {
    let mut rest = text.trim_start();
    let mut out = Vec::new();
    while let Some(r) = rest.strip_prefix('(') {
        let Some(end) = r.find(')') else { break };
        let l = &r[..end];
        if l.is_empty() || l.len() > 5 || !l.chars().all(|c| c.is_ascii_alphanumeric()) {
            break;
        }
        out.push(l.to_owned());
        rest = r[end + 1..].trim_start();
    }
    (out, rest)
}

fn apply(labels: &mut Vec<String>, new: &[String]) {
    for l in new {
        let lv = level(l, labels.len());
        labels.truncate(lv);
        while labels.len() < lv {
            labels.push(String::new());
        }
        labels.push(l.clone());
    }
}

fn citation(section: &str, labels: &[String]) -> String {
    let mut c = section.to_owned();
    for l in labels.iter().filter(|l| !l.is_empty()) {
        c.push('(');
        c.push_str(l);
        c.push(')');
    }
    c
}

/// Turns one `<P>` into paragraphs: normally one, but "(2) *Implementation specifications
/// (Required)*—(i) *Business associate contracts.*" holds two.
fn split_paragraph(
    section: &str,
    text: &str,
    segs: &[(String, bool)],
    labels: &mut Vec<String>,
) -> Vec<Paragraph> {
    let (new, _) = leading_labels(text);
    if new.is_empty() {
        return vec![Paragraph {
            citation: section.to_owned(),
            heading: None,
            standard: false,
            designation: None,
            text: text.trim().to_owned(),
        }];
    }
    apply(labels, &new);
    let italics: Vec<&str> = segs
        .iter()
        .filter(|(_, i)| *i)
        .map(|(s, _)| s.as_str())
        .collect();
    let first = italics
        .first()
        .map(|s| s.trim().trim_end_matches('.').trim().to_owned());
    let mut out = vec![make(citation(section, labels), first.clone(), text)];
    // An inline second label: "—(i) <I>Title.</I>"
    if let Some(idx) = text.find("\u{2014}(") {
        let (inner, _) = leading_labels(&text[idx + '\u{2014}'.len_utf8()..]);
        if let (Some(l), Some(second)) = (inner.first(), italics.get(1)) {
            apply(labels, std::slice::from_ref(l));
            let mut p = make(
                citation(section, labels),
                Some(second.trim().trim_end_matches('.').trim().to_owned()),
                &text[idx..],
            );
            // The designation on the heading before applies to the items under it.
            p.designation = out[0].designation;
            out.push(p);
        }
    }
    out
}

fn make(citation: String, heading: Option<String>, text: &str) -> Paragraph {
    let h = heading.unwrap_or_default();
    let standard = h.starts_with("Standard:");
    let designation = if h.contains("(Required)") {
        Some(Designation::Required)
    } else if h.contains("(Addressable)") {
        Some(Designation::Addressable)
    } else {
        None
    };
    Paragraph {
        citation,
        heading: (!h.is_empty()).then_some(h),
        standard,
        designation,
        text: text.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_nest_by_kind() {
        let mut l = Vec::new();
        apply(&mut l, &["a".into(), "1".into(), "i".into()]);
        assert_eq!(citation("164.308", &l), "164.308(a)(1)(i)");
        apply(&mut l, &["ii".into()]);
        apply(&mut l, &["A".into()]);
        assert_eq!(citation("164.308", &l), "164.308(a)(1)(ii)(A)");
        apply(&mut l, &["2".into()]);
        assert_eq!(citation("164.308", &l), "164.308(a)(2)");
        apply(&mut l, &["b".into(), "1".into()]);
        assert_eq!(citation("164.308", &l), "164.308(b)(1)");
    }

    #[test]
    fn a_small_document_parses() {
        let xml = r#"<DIV6 N="C" TYPE="SUBPART" hierarchy_metadata="{&quot;citation&quot;:&quot;45 CFR Part 164 Subpart C&quot;}"><HEAD>Subpart C&#x2014;Security</HEAD>
<DIV8 N="164.312" TYPE="SECTION"><HEAD>&#xA7; 164.312 Technical safeguards.</HEAD>
<P>(a)(1) <I>Standard: Access control.</I> Implement things.</P>
<P>(2) <I>Implementation specifications:</I></P>
<P>(i) <I>Unique user identification (Required).</I> Assign a unique name.</P>
</DIV8></DIV6>"#;
        let sp = parse("t.xml", xml).unwrap();
        assert_eq!((sp.part.as_str(), sp.subpart.as_str()), ("164", "C"));
        let s = &sp.sections[0];
        assert_eq!(s.heading, "Technical safeguards");
        assert_eq!(s.paragraphs[0].citation, "164.312(a)(1)");
        assert!(s.paragraphs[0].standard);
        assert_eq!(s.paragraphs[0].title().as_deref(), Some("Access control"));
        assert_eq!(s.paragraphs[2].citation, "164.312(a)(2)(i)");
        assert_eq!(s.paragraphs[2].designation, Some(Designation::Required));
        assert_eq!(
            s.paragraphs[2].title().as_deref(),
            Some("Unique user identification")
        );
    }

    #[test]
    fn malformed_xml_is_refused_with_a_position() {
        let e = parse("bad.xml", "<DIV6><DIV8></DIV6>").unwrap_err();
        assert!(e.to_string().starts_with("bad.xml: byte"), "{e}");
    }
}
