//! One record's members into [`Slots`], whatever its container: a JSON object (raw AuditEvent, Log Analytics row
//! exports), a positional Query API row, or a CSV row. Then [`normalize`](super::normalize) makes the event.

use std::borrow::Cow;

use super::activity;
use super::event::{RecordRef, Verdict};
use super::fields::{self, FIELD_COUNT, Field, Key, Setting};
use super::normalize::normalize;
use super::scan::{Json, Result, ScanError, Scanner};

/// The values of one record, by slot. The first non-null value for a slot wins (e.g. `ResourceId` over
/// `_ResourceId`; the short `oid` claim and its long-URI twin land in separate slots and are coalesced later).
pub struct Slots<'a> {
    values: [Option<Json<'a>>; FIELD_COUNT],
    /// A member only Activity Log records carry was seen.
    pub activity: bool,
    /// The text of a Sekoia-style `input.message` wrapper.
    pub wrapped: Option<Cow<'a, str>>,
    /// The `identity` object as written (JSON, or Python-repr text from `az`). Claims are read from it once per
    /// distinct value by [`claims_of_identity`](super::normalize::claims_of_identity): a token's identity repeats
    /// on every request made with it.
    pub identity_raw: Option<Cow<'a, str>>,
    /// AZKVAuditLogs `Properties` given as JSON (or Python-repr) text rather than an object.
    pub properties_text: Option<Cow<'a, str>>,
    /// Vault configuration members, in record order (empty, without allocating, on all but a few records).
    pub settings: Vec<(Setting, Json<'a>)>,
}

impl<'a> Slots<'a> {
    pub fn new() -> Slots<'a> {
        Slots {
            values: std::array::from_fn(|_| None),
            activity: false,
            wrapped: None,
            identity_raw: None,
            properties_text: None,
            settings: Vec::new(),
        }
    }

    pub fn set(&mut self, field: Field, value: Json<'a>) {
        let slot = &mut self.values[field as usize];
        if matches!(slot, None | Some(Json::Null)) {
            *slot = Some(value);
        }
    }

    pub fn take(&mut self, field: Field) -> Option<Json<'a>> {
        self.values[field as usize].take()
    }

    pub fn has(&self, field: Field) -> bool {
        matches!(self.values[field as usize], Some(ref v) if *v != Json::Null)
    }

    /// Keeps a vault configuration value. Nulls and empty text are dropped here: a table export has every
    /// column on every row, empty on all but the `Vault*` ones.
    pub fn setting(&mut self, setting: Setting, value: Json<'a>) {
        match &value {
            Json::Null => {}
            Json::Str(s) if s.trim().is_empty() => {}
            _ => self.settings.push((setting, value)),
        }
    }
}

impl Default for Slots<'_> {
    fn default() -> Self {
        Slots::new()
    }
}

fn claims<'a>(sc: &mut Scanner<'a>, slots: &mut Slots<'a>) -> Result<()> {
    if sc.peek() != Some(b'{') {
        return sc.skip_value();
    }
    sc.object(|sc, k| match fields::claim(k.bytes()) {
        Some(f) => {
            let v = sc.value()?;
            slots.set(f, v);
            Ok(())
        }
        None => sc.skip_value(),
    })
}

pub(crate) fn identity<'a>(sc: &mut Scanner<'a>, slots: &mut Slots<'a>) -> Result<()> {
    if sc.peek() != Some(b'{') {
        // `null`, or something odd: an unauthenticated request has `{}`; anything else carries no claims.
        return sc.skip_value();
    }
    sc.object(|sc, k| match fields::identity(k.bytes()) {
        Key::Claims => claims(sc, slots),
        _ => {
            // The Activity Log's resource-log shape puts `authorization` and `claims` here.
            if matches!(k.bytes(), b"authorization" | b"claims") {
                slots.activity = true;
            }
            sc.skip_value()
        }
    })
}

fn properties<'a>(sc: &mut Scanner<'a>, slots: &mut Slots<'a>) -> Result<()> {
    if sc.peek() != Some(b'{') {
        return sc.skip_value();
    }
    sc.object(|sc, k| match fields::property(k.bytes()) {
        Key::Field(f) => {
            let v = sc.value()?;
            slots.set(f, v);
            Ok(())
        }
        // Reading a container's extent costs what skipping it would; it is parsed only on `Vault*` records.
        Key::Setting(s) => {
            let v = sc.value()?;
            slots.setting(s, v);
            Ok(())
        }
        _ => sc.skip_value(),
    })
}

/// Reads the value at the cursor into the slots, as `key` says.
fn member<'a>(sc: &mut Scanner<'a>, key: Key, slots: &mut Slots<'a>) -> Result<()> {
    match key {
        Key::Field(f) => {
            let v = sc.value()?;
            slots.set(f, v);
            Ok(())
        }
        Key::Setting(s) => {
            let v = sc.value()?;
            slots.setting(s, v);
            Ok(())
        }
        Key::Identity | Key::DynamicIdentity if sc.peek() == Some(b'{') => {
            // Its claims are read once per distinct text; here only its extent is needed.
            let start = sc.pos();
            sc.skip_value()?;
            slots.identity_raw = Some(sc.text(start, sc.pos()));
            Ok(())
        }
        Key::Identity => sc.skip_value(),
        Key::Properties => properties(sc, slots),
        Key::DynamicIdentity => match sc.peek() {
            Some(b'"') => {
                slots.identity_raw = Some(sc.string()?);
                Ok(())
            }
            _ => sc.skip_value(),
        },
        Key::DynamicProperties => match sc.peek() {
            Some(b'{') => properties(sc, slots),
            Some(b'"') => {
                slots.properties_text = Some(sc.string()?);
                Ok(())
            }
            _ => sc.skip_value(),
        },
        Key::Wrapper => {
            if sc.peek() != Some(b'{') {
                return sc.skip_value();
            }
            sc.object(|sc, k| {
                if k.bytes() == b"message" && sc.peek() == Some(b'"') {
                    slots.wrapped = Some(sc.string()?);
                    Ok(())
                } else {
                    sc.skip_value()
                }
            })
        }
        Key::Activity => {
            slots.activity = true;
            sc.skip_value()
        }
        Key::Claims | Key::Ignore => sc.skip_value(),
    }
}

/// The slots of one JSON object record (the whole of `bytes`).
pub fn object_slots(bytes: &[u8]) -> Result<Slots<'_>> {
    let mut slots = Slots::new();
    let mut sc = Scanner::record(bytes);
    if sc.peek() != Some(b'{') {
        return Err(ScanError::NotAnObject(sc.value()?.type_name()));
    }
    sc.object(|sc, k| member(sc, fields::top(k.bytes()), &mut slots))?;
    if !sc.at_end() {
        return Err(ScanError::Trailing(sc.pos()));
    }
    Ok(slots)
}

/// Column names of a table (Query API response, CSV export) and what each fills.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    pub names: Vec<String>,
    pub keys: Vec<Key>,
}

impl Columns {
    pub fn new(names: Vec<String>) -> Columns {
        let keys = names.iter().map(|n| fields::column(n)).collect();
        Columns { names, keys }
    }

    /// True when the columns look like Key Vault audit or Activity Log rows at all.
    pub fn knows_records(&self) -> bool {
        let has = |f: Field| self.keys.contains(&Key::Field(f));
        (has(Field::Time) && has(Field::Operation)) || self.keys.contains(&Key::Activity)
    }
}

fn row_slots<'a>(bytes: &'a [u8], columns: &Columns) -> Result<Slots<'a>> {
    let mut slots = Slots::new();
    let mut sc = Scanner::record(bytes);
    let mut i = 0;
    sc.array(|sc| {
        let key = columns.keys.get(i).copied().unwrap_or(Key::Ignore);
        i += 1;
        member(sc, key, &mut slots)
    })?;
    if !sc.at_end() {
        return Err(ScanError::Trailing(sc.pos()));
    }
    Ok(slots)
}

/// Parses one JSON object record.
pub fn parse_object(bytes: &[u8], at: RecordRef) -> Verdict<'_> {
    match object_slots(bytes) {
        Err(e) => Verdict::Reject(e.to_string()),
        Ok(slots) if slots.activity => activity::parse_object_bytes(bytes, at),
        Ok(mut slots) => match slots.wrapped.take() {
            Some(message) => parse_wrapped(&message, at),
            None => normalize(slots, at).unwrap_or_else(|| activity::parse_object_bytes(bytes, at)),
        },
    }
}

/// A record carried as JSON text inside a wrapper's `message`.
fn parse_wrapped(message: &str, at: RecordRef) -> Verdict<'static> {
    match parse_object(message.as_bytes(), at) {
        Verdict::Event(e) => Verdict::Event(e.into_owned()),
        Verdict::Skip(r) => Verdict::Skip(r),
        Verdict::Reject(r) => Verdict::Reject(format!("in the wrapped message: {r}")),
    }
}

/// Parses one positional Query API row.
pub fn parse_row<'a>(bytes: &'a [u8], columns: &Columns, at: RecordRef) -> Verdict<'a> {
    match row_slots(bytes, columns) {
        Err(e) => Verdict::Reject(e.to_string()),
        Ok(slots) if slots.activity => activity::parse_row_bytes(bytes, columns, at),
        Ok(slots) => normalize(slots, at).unwrap_or_else(|| activity::parse_row_bytes(bytes, columns, at)),
    }
}

/// Parses one CSV row (every value text; empty means absent).
pub fn parse_text_row(values: &[&str], columns: &Columns, at: RecordRef) -> Verdict<'static> {
    let mut slots: Slots<'static> = Slots::new();
    for (key, value) in columns.keys.iter().zip(values) {
        if value.is_empty() {
            continue;
        }
        let text = || Cow::Owned(value.to_string());
        match key {
            Key::Field(f) => slots.set(*f, Json::Str(text())),
            Key::Setting(s) => slots.setting(*s, Json::Str(text())),
            Key::DynamicIdentity => slots.identity_raw = Some(text()),
            Key::DynamicProperties => slots.properties_text = Some(text()),
            Key::Activity => slots.activity = true,
            _ => {}
        }
    }
    if slots.activity {
        return activity::parse_text_row(values, columns, at);
    }
    normalize(slots, at).unwrap_or_else(|| activity::parse_text_row(values, columns, at))
}
