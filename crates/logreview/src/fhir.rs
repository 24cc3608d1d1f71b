//! FHIR R4 `AuditEvent` access logs: `NDJSON` (one resource a line, as a bulk export writes
//! them), or a search Bundle, streamed entry by entry so a large Bundle is never held whole.
//!
//! The user is the agent with `requestor = true`; the patient is the entity whose `what`
//! references a Patient (or, failing that, the entity of type 1 "Person" and role 1
//! "Patient"); an access is break-the-glass when a subtype is DICOM 110127 "Emergency Override
//! Started" or a purpose of event (or of the requestor's use) is v3 `ActReason` ETREAT; a log-in
//! is type DICOM 110114 "User Authentication" (not subtype 110123 "Logout"); an outcome other
//! than 0 is a failure.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::date::{Layout, RFC3339};
use crate::events::Event;
use crate::report::{FileKind, LoadError, Place, Problem, Rejects, RowError};

type Text<'a> = Option<Cow<'a, str>>;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuditEvent<'a> {
    #[serde(borrow)]
    resource_type: Text<'a>,
    #[serde(borrow)]
    id: Text<'a>,
    /// A Coding in an `AuditEvent`; a code in a Bundle (`searchset`) read on the same line.
    #[serde(borrow, rename = "type")]
    kind: Option<TypeField<'a>>,
    #[serde(borrow, default)]
    subtype: Vec<Coding<'a>>,
    #[serde(borrow)]
    action: Text<'a>,
    #[serde(borrow)]
    recorded: Text<'a>,
    #[serde(borrow)]
    outcome: Text<'a>,
    #[serde(borrow, default)]
    purpose_of_event: Vec<Concept<'a>>,
    #[serde(borrow, default)]
    agent: Vec<Agent<'a>>,
    #[serde(borrow, default)]
    entity: Vec<Entity<'a>>,
    /// When the line is itself a Bundle.
    #[serde(borrow, default)]
    entry: Vec<BundleEntry<'a>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TypeField<'a> {
    Coding(#[serde(borrow)] Coding<'a>),
    Other(IgnoredAny),
}

impl<'a> TypeField<'a> {
    fn coding(&self) -> Option<&Coding<'a>> {
        match self {
            Self::Coding(c) => Some(c),
            Self::Other(_) => None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct BundleEntry<'a> {
    #[serde(borrow)]
    resource: Option<AuditEvent<'a>>,
}

#[derive(Debug, Default, Deserialize)]
struct Coding<'a> {
    #[serde(borrow)]
    code: Text<'a>,
    #[serde(borrow)]
    display: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
struct Concept<'a> {
    #[serde(borrow, default)]
    coding: Vec<Coding<'a>>,
    #[serde(borrow)]
    text: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Agent<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Concept<'a>>,
    #[serde(borrow, default)]
    role: Vec<Concept<'a>>,
    #[serde(borrow)]
    who: Option<Reference<'a>>,
    requestor: Option<bool>,
    #[serde(borrow)]
    location: Option<Reference<'a>>,
    #[serde(borrow, default)]
    purpose_of_use: Vec<Concept<'a>>,
}

#[derive(Debug, Default, Deserialize)]
struct Reference<'a> {
    #[serde(borrow, rename = "reference")]
    target: Text<'a>,
    #[serde(borrow)]
    identifier: Option<Identifier<'a>>,
    #[serde(borrow)]
    display: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
struct Identifier<'a> {
    #[serde(borrow)]
    value: Text<'a>,
}

#[derive(Debug, Default, Deserialize)]
struct Entity<'a> {
    #[serde(borrow)]
    what: Option<Reference<'a>>,
    #[serde(borrow, rename = "type")]
    kind: Option<Coding<'a>>,
    #[serde(borrow)]
    role: Option<Coding<'a>>,
}

fn s<'a>(t: &'a Text<'_>) -> Option<&'a str> {
    t.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The id part of `Type/id` (or of an absolute URL ending so).
fn ref_id<'a>(r: &'a Reference<'_>, kind: Option<&str>) -> Option<&'a str> {
    let text = s(&r.target)?;
    let mut parts = text.rsplitn(3, '/');
    let id = parts.next()?;
    let ty = parts.next();
    match kind {
        Some(k) if ty != Some(k) => None,
        _ => Some(id).filter(|i| !i.is_empty()),
    }
}

fn concept_text<'a>(c: &'a Concept<'_>) -> Option<&'a str> {
    s(&c.text).or_else(|| c.coding.iter().find_map(|k| s(&k.display).or(s(&k.code))))
}

fn has_code(c: &[Concept<'_>], code: &str) -> bool {
    c.iter()
        .flat_map(|c| &c.coding)
        .any(|k| s(&k.code) == Some(code))
}

/// The event of an `AuditEvent` resource.
fn event<'a>(a: &'a AuditEvent<'_>, place: Place, layout: &Layout) -> Result<Event<'a>, RowError> {
    let err = |column: &str, problem| RowError {
        place,
        column: column.to_owned(),
        problem,
    };
    let event_id = s(&a.id).ok_or_else(|| err("id", Problem::Missing))?;
    let recorded = s(&a.recorded).ok_or_else(|| err("recorded", Problem::Missing))?;
    let at = layout
        .stamp(recorded.as_bytes())
        .ok_or_else(|| err("recorded", Problem::Unparseable("a FHIR instant".into())))?;
    let agent = a
        .agent
        .iter()
        .find(|g| g.requestor == Some(true))
        .ok_or_else(|| err("agent.requestor", Problem::Missing))?;
    let user_id = agent
        .who
        .as_ref()
        .and_then(|w| {
            w.identifier
                .as_ref()
                .and_then(|i| s(&i.value))
                .or_else(|| ref_id(w, None))
        })
        .ok_or_else(|| err("agent.who", Problem::Missing))?;
    let user_role = agent
        .role
        .iter()
        .find_map(concept_text)
        .or_else(|| agent.kind.as_ref().and_then(concept_text))
        .unwrap_or("");
    let department = agent
        .location
        .as_ref()
        .and_then(|l| s(&l.display).or_else(|| ref_id(l, None)))
        .unwrap_or("");
    let patient_id = a
        .entity
        .iter()
        .find_map(|e| e.what.as_ref().and_then(|w| ref_id(w, Some("Patient"))))
        .or_else(|| {
            a.entity.iter().find_map(|e| {
                let is_1 =
                    |c: &Option<Coding<'_>>| c.as_ref().is_some_and(|c| s(&c.code) == Some("1"));
                (is_1(&e.kind) && is_1(&e.role))
                    .then(|| {
                        e.what
                            .as_ref()?
                            .identifier
                            .as_ref()
                            .and_then(|i| s(&i.value))
                    })
                    .flatten()
            })
        })
        .unwrap_or("");
    let kind = a.kind.as_ref().and_then(TypeField::coding);
    let type_code = kind.and_then(|k| s(&k.code));
    let sub = |code: &str| a.subtype.iter().any(|k| s(&k.code) == Some(code));
    let activity = a
        .subtype
        .iter()
        .find_map(|k| s(&k.display))
        .or_else(|| kind.and_then(|k| s(&k.display)))
        .or_else(|| s(&a.action))
        .unwrap_or("");
    Ok(Event {
        place,
        event_id: event_id.as_bytes(),
        at,
        user_id: user_id.as_bytes(),
        user_role: user_role.as_bytes(),
        department: department.as_bytes(),
        patient_id: patient_id.as_bytes(),
        activity: activity.as_bytes(),
        break_glass: sub("110127")
            || has_code(&a.purpose_of_event, "ETREAT")
            || has_code(&agent.purpose_of_use, "ETREAT"),
        login: type_code == Some("110114") && !sub("110123"),
        failed: s(&a.outcome).is_some_and(|o| o != "0"),
    })
}

/// Why a JSON text is not what it should be, in words that carry none of its content (serde's
/// own messages quote the offending value).
fn json_problem(e: &serde_json::Error) -> Problem {
    use serde_json::error::Category;
    Problem::Json(
        match e.classify() {
            Category::Syntax => "not well-formed JSON",
            Category::Eof => "JSON that ends early",
            Category::Data => "an AuditEvent of the expected shape",
            Category::Io => "readable",
        }
        .to_owned(),
    )
}

type Sink<'s> = dyn FnMut(&Event<'_>) -> io::Result<()> + 's;

/// Handles one resource (an `AuditEvent`, or a Bundle of them on one line).
fn resource(
    a: &AuditEvent<'_>,
    place: Place,
    layout: &Layout,
    rejects: &mut Rejects,
    sink: &mut Sink<'_>,
) -> Result<(), LoadError> {
    match a.resource_type.as_deref() {
        Some("Bundle") => {
            for e in a.entry.iter().filter_map(|e| e.resource.as_ref()) {
                resource(e, place, layout, rejects, sink)?;
            }
            Ok(())
        }
        Some("AuditEvent") => match event(a, place, layout) {
            Ok(ev) => sink(&ev).map_err(LoadError::Output),
            Err(e) => rejects.add(e),
        },
        // Other resources of a search Bundle (an included Patient, an OperationOutcome) are
        // not events.
        Some(_) => Ok(()),
        None => rejects.add(RowError {
            place,
            column: "resourceType".into(),
            problem: Problem::Missing,
        }),
    }
}

/// Reads an `NDJSON` file or a Bundle, handing each event to `sink`.
pub(crate) fn read<R: Read>(
    src: R,
    rejects: &mut Rejects,
    sink: &mut Sink<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<(), LoadError> {
    let layout = Layout::new(RFC3339).map_err(LoadError::Mapping)?;
    let read = Cell::new(0u64);
    let mut r = BufReader::with_capacity(
        1 << 20,
        Counting {
            inner: src,
            n: &read,
        },
    );
    let mut line = Vec::new();
    let mut n = 0u64;
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line)
            .map_err(LoadError::io(FileKind::Events))?
            == 0
        {
            break;
        }
        n += 1;
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        match serde_json::from_slice::<AuditEvent<'_>>(text) {
            Ok(a) => resource(&a, Place::Line(n), &layout, rejects, sink)?,
            Err(e) if n == 1 && e.is_eof() => {
                // Not a resource a line: one Bundle over many lines.
                let rest = io::Cursor::new(std::mem::take(&mut line)).chain(r);
                return bundle(rest, &layout, rejects, sink, progress, &read);
            }
            Err(e) => rejects.add(RowError {
                place: Place::Line(n),
                column: String::new(),
                problem: json_problem(&e),
            })?,
        }
        if n.trailing_zeros() >= 14 {
            progress(read.get());
        }
    }
    progress(read.get());
    Ok(())
}

struct Counting<'c, R> {
    inner: R,
    n: &'c Cell<u64>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.set(self.n.get() + k as u64);
        Ok(k)
    }
}

/// State shared with the streaming visitor.
struct Stream<'x, 's> {
    layout: &'x Layout,
    rejects: &'x mut Rejects,
    sink: &'x mut Sink<'s>,
    progress: &'x mut dyn FnMut(u64),
    read: &'x Cell<u64>,
    entries: u64,
    /// An error of ours that stopped the parse (serde only carries its own).
    stopped: Option<LoadError>,
}

fn bundle<R: Read>(
    src: R,
    layout: &Layout,
    rejects: &mut Rejects,
    sink: &mut Sink<'_>,
    progress: &mut dyn FnMut(u64),
    read: &Cell<u64>,
) -> Result<(), LoadError> {
    let st = RefCell::new(Stream {
        layout,
        rejects,
        sink,
        progress,
        read,
        entries: 0,
        stopped: None,
    });
    let mut de = serde_json::Deserializer::from_reader(io::BufReader::new(src));
    let result = BundleSeed(&st).deserialize(&mut de).and_then(|()| de.end());
    let mut st = st.into_inner();
    if let Some(e) = st.stopped.take() {
        return Err(e);
    }
    if let Err(e) = result {
        let what = match json_problem(&e) {
            Problem::Json(w) => w,
            _ => String::new(),
        };
        return Err(LoadError::format(
            FileKind::Events,
            format!(
                "neither NDJSON nor a FHIR Bundle: line {} column {} is not {what}",
                e.line(),
                e.column()
            ),
        ));
    }
    (st.progress)(st.read.get());
    Ok(())
}

struct BundleSeed<'r, 'x, 's>(&'r RefCell<Stream<'x, 's>>);

impl<'de> DeserializeSeed<'de> for BundleSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BundleSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a FHIR Bundle")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'_, str>>()? {
            if key == "entry" {
                map.next_value_seed(Entries(self.0))?;
            } else if key == "resourceType" {
                let t: Cow<'_, str> = map.next_value()?;
                if t != "Bundle" {
                    return Err(de::Error::custom("not a Bundle"));
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Entries<'r, 'x, 's>(&'r RefCell<Stream<'x, 's>>);

impl<'de> DeserializeSeed<'de> for Entries<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bundle entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            let mut st = self.0.borrow_mut();
            st.entries += 1;
            let place = Place::Entry(st.entries);
            let result = match serde_json::from_str::<BundleEntry<'_>>(raw.get()) {
                Ok(BundleEntry { resource: Some(a) }) => {
                    let Stream {
                        layout,
                        rejects,
                        sink,
                        ..
                    } = &mut *st;
                    resource(&a, place, layout, rejects, *sink)
                }
                Ok(BundleEntry { resource: None }) => Ok(()),
                Err(e) => st.rejects.add(RowError {
                    place,
                    column: "resource".into(),
                    problem: json_problem(&e),
                }),
            };
            if let Err(e) = result {
                st.stopped = Some(e);
                return Err(de::Error::custom("stopped"));
            }
            if st.entries.trailing_zeros() >= 14 {
                let n = st.read.get();
                (st.progress)(n);
            }
        }
        Ok(())
    }
}
