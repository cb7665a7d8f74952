//! Deciding what an input is, and cutting it into units of records that can be parsed in parallel.
//!
//! JSON Lines (the storage-blob norm) is cut at newlines into chunks; documents — `{"records":[…]}` (Event Hub,
//! legacy blobs, several per file), JSON arrays (exports, `az` output), Query API responses
//! (`tables/columns/rows`), single pretty-printed records — are framed element by element. A framing error
//! costs only what it touches: the document resumes at the next line that starts a new value.

use std::sync::Arc;

use memchr::{memchr, memmem};

use super::event::RecordRef;
use super::record::Columns;
use super::scan::{ScanError, Scanner};

/// Records larger than this are rejected unparsed. Real Key Vault records are 1–5 KB.
pub const MAX_RECORD: usize = 16 << 20;
/// Target size of one parallel unit.
const UNIT_BYTES: usize = 8 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    JsonLines,
    Records,
    Array,
    QueryApi,
    Single,
    Csv,
}

impl Container {
    pub fn as_str(self) -> &'static str {
        match self {
            Container::JsonLines => "jsonl",
            Container::Records => "records",
            Container::Array => "array",
            Container::QueryApi => "query-api",
            Container::Single => "json",
            Container::Csv => "csv",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Unit {
    /// JSON Lines from `start` to `end` (both on line boundaries).
    Lines {
        start: usize,
        end: usize,
    },
    Objects(Vec<RecordRef>),
    Rows {
        columns: Arc<Columns>,
        rows: Vec<RecordRef>,
    },
    /// A CSV export, header first, from `start`.
    Csv {
        start: usize,
        columns: Arc<Columns>,
    },
}

/// How to read one input.
#[derive(Debug, Default)]
pub struct Plan {
    pub container: Option<Container>,
    /// The first record's bytes, to name the field vocabulary in the format label.
    pub sample: Option<RecordRef>,
    pub columns: Option<Arc<Columns>>,
    pub units: Vec<Unit>,
    /// Framing problems: where, and why.
    pub errors: Vec<(u64, String)>,
    /// Records framed but known not to be Key Vault data (a Query API table without audit columns).
    pub skipped: Vec<(RecordRef, String)>,
}

pub const FORMATS_UNDERSTOOD: &str = "raw AuditEvent logs (JSON Lines, {\"records\":[…]} documents, JSON arrays), \
AzureDiagnostics or AZKVAuditLogs rows (JSON export, Log Analytics Query API response, az monitor log-analytics query \
output, portal CSV export), and Activity Log JSON (REST, storage / Event Hub, AzureActivity rows), each optionally gzip-compressed";

fn skip_bom(bytes: &[u8]) -> usize {
    if bytes.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 }
}

fn first_non_ws(bytes: &[u8], from: usize) -> Option<usize> {
    bytes[from..].iter().position(|c| !c.is_ascii_whitespace()).map(|i| from + i)
}

/// Top-level keys that make an object a container rather than a record.
fn is_container_key(k: &[u8]) -> bool {
    matches!(k, b"records" | b"tables" | b"value")
}

/// True when `line` is one complete JSON object that is a record, not a container.
fn is_record_line(line: &[u8]) -> bool {
    let mut sc = Scanner::new(line);
    let mut container = false;
    let ok = sc
        .object(|sc, k| {
            container |= is_container_key(k.bytes());
            sc.skip_value()
        })
        .is_ok();
    ok && !container && sc.at_end()
}

pub fn plan(bytes: &[u8]) -> Result<Plan, String> {
    let body = skip_bom(bytes);
    let Some(first) = first_non_ws(bytes, body) else {
        return Ok(Plan::default());
    };
    match bytes[first] {
        b'{' if looks_like_json_lines(bytes, first) => Ok(plan_lines(bytes, first)),
        b'{' | b'[' => Ok(plan_documents(bytes, first)),
        _ if looks_like_csv(&bytes[body..]) => {
            let columns = Arc::new(super::portal_csv::header(&bytes[body..]));
            Ok(Plan {
                container: Some(Container::Csv),
                columns: Some(columns.clone()),
                units: vec![Unit::Csv { start: body, columns }],
                ..Plan::default()
            })
        }
        _ => Err(format!("not a format kvtrail reads; it understands {FORMATS_UNDERSTOOD}")),
    }
}

/// JSON Lines when the first line is one complete record. Anything else that starts with `{` is read as a
/// sequence of documents, which also copes with JSON Lines whose first line is damaged (more slowly).
fn looks_like_json_lines(bytes: &[u8], first: usize) -> bool {
    let end = memchr(b'\n', &bytes[first..]).map_or(bytes.len(), |i| first + i);
    end - first <= MAX_RECORD && is_record_line(&bytes[first..end])
}

fn looks_like_csv(bytes: &[u8]) -> bool {
    let end = memchr(b'\n', bytes).unwrap_or(bytes.len()).min(64 << 10);
    let header = String::from_utf8_lossy(&bytes[..end]);
    header.contains(',') && ["TimeGenerated", "OperationName", "OperationNameValue"].iter().any(|c| header.contains(c))
}

fn plan_lines(bytes: &[u8], first: usize) -> Plan {
    let mut units = Vec::new();
    let mut start = first;
    while start < bytes.len() {
        let target = (start + UNIT_BYTES).min(bytes.len());
        let end = if target == bytes.len() {
            target
        } else {
            memchr(b'\n', &bytes[target..]).map_or(bytes.len(), |i| target + i + 1)
        };
        units.push(Unit::Lines { start, end });
        start = end;
    }
    let sample_end = memchr(b'\n', &bytes[first..]).map_or(bytes.len(), |i| first + i);
    Plan {
        container: Some(Container::JsonLines),
        sample: Some(RecordRef { offset: first as u64, len: (sample_end - first) as u32 }),
        units,
        ..Plan::default()
    }
}

struct Framer<'a> {
    bytes: &'a [u8],
    plan: Plan,
    objects: Vec<RecordRef>,
    object_bytes: usize,
}

impl<'a> Framer<'a> {
    fn push_object(&mut self, at: RecordRef) {
        self.plan.sample.get_or_insert(at);
        self.object_bytes += at.len as usize;
        self.objects.push(at);
        if self.object_bytes >= UNIT_BYTES {
            self.flush_objects();
        }
    }

    fn flush_objects(&mut self) {
        if !self.objects.is_empty() {
            self.plan.units.push(Unit::Objects(std::mem::take(&mut self.objects)));
            self.object_bytes = 0;
        }
    }

    fn container(&mut self, c: Container) {
        self.plan.container.get_or_insert(c);
    }

    /// The elements of the array at the cursor, each as a record.
    fn elements(&mut self, sc: &mut Scanner<'a>) -> Result<Vec<RecordRef>, ScanError> {
        let mut out = Vec::new();
        let outcome = sc.array(|sc| {
            sc.peek();
            let start = sc.pos();
            sc.skip_balanced()?;
            out.push(RecordRef { offset: start as u64, len: (sc.pos() - start).min(u32::MAX as usize) as u32 });
            Ok(())
        });
        match outcome {
            Ok(()) => Ok(out),
            Err(e) => {
                // Keep what was framed before the damage.
                for r in out {
                    self.push_object(r);
                }
                Err(e)
            }
        }
    }

    fn element_records(&mut self, sc: &mut Scanner<'a>) -> Result<(), ScanError> {
        let records = self.elements(sc)?;
        for r in records {
            self.push_object(r);
        }
        Ok(())
    }

    /// One Query API table: `{"name":…, "columns":[…], "rows":[…]}`.
    fn table(&mut self, sc: &mut Scanner<'a>) -> Result<(), ScanError> {
        let mut columns = None;
        let mut rows = Vec::new();
        let mut name = String::new();
        let bytes = self.bytes;
        sc.object(|sc, k| match k.bytes() {
            b"name" => {
                name = sc.string()?.into_owned();
                Ok(())
            }
            b"columns" => {
                let start = sc.pos();
                sc.skip_value()?;
                #[derive(serde::Deserialize)]
                struct Column {
                    name: String,
                }
                let list: Vec<Column> = serde_json::from_slice(&bytes[start..sc.pos()]).unwrap_or_default();
                columns = Some(Columns::new(list.into_iter().map(|c| c.name).collect()));
                Ok(())
            }
            b"rows" => {
                rows = self.elements(sc)?;
                Ok(())
            }
            _ => sc.skip_value(),
        })?;
        let columns = columns.unwrap_or_default();
        if !columns.knows_records() {
            let reason = format!("Query API table {name:?} has no Key Vault or Activity Log columns");
            self.plan.skipped.extend(rows.into_iter().map(|r| (r, reason.clone())));
            return Ok(());
        }
        let columns = Arc::new(columns);
        self.plan.columns.get_or_insert_with(|| columns.clone());
        self.plan.sample.get_or_insert(rows.first().copied().unwrap_or_default());
        for chunk in rows.chunks(UNIT_BYTES / 1024) {
            self.plan.units.push(Unit::Rows { columns: columns.clone(), rows: chunk.to_vec() });
        }
        Ok(())
    }

    /// A top-level object: a `records` / `value` wrapper, a Query API response, or one record.
    fn object(&mut self, sc: &mut Scanner<'a>) -> Result<(), ScanError> {
        let start = sc.pos();
        let mut wrapper = false;
        let mut error: Option<String> = None;
        sc.object(|sc, k| match k.bytes() {
            b"records" | b"value" if sc.peek() == Some(b'[') => {
                wrapper = true;
                self.container(Container::Records);
                self.element_records(sc)
            }
            b"tables" if sc.peek() == Some(b'[') => {
                wrapper = true;
                self.container(Container::QueryApi);
                sc.array(|sc| self.table(sc))
            }
            b"error" if sc.peek() == Some(b'{') => {
                let s = sc.pos();
                sc.skip_value()?;
                let v: serde_json::Value = serde_json::from_slice(&self.bytes[s..sc.pos()]).unwrap_or_default();
                let code = v.get("code").and_then(|c| c.as_str()).unwrap_or("error");
                let message = v.get("message").and_then(|c| c.as_str()).unwrap_or("");
                error = Some(format!("the Query API says this result is incomplete ({code}: {message}); narrow the time range and query again"));
                Ok(())
            }
            _ => sc.skip_balanced(),
        })?;
        if let Some(e) = error {
            self.plan.errors.push((start as u64, e));
        }
        if !wrapper {
            self.container(Container::Single);
            self.push_object(RecordRef { offset: start as u64, len: (sc.pos() - start).min(u32::MAX as usize) as u32 });
        }
        Ok(())
    }
}

/// Where to resume after a framing error: the next line that starts with `{` or `[`.
fn resync(bytes: &[u8], from: usize) -> Option<usize> {
    let from = from.min(bytes.len());
    let hit =
        [memmem::find(&bytes[from..], b"\n{"), memmem::find(&bytes[from..], b"\n[")].into_iter().flatten().min()?;
    Some(from + hit + 1)
}

fn plan_documents(bytes: &[u8], first: usize) -> Plan {
    let mut f = Framer { bytes, plan: Plan::default(), objects: Vec::new(), object_bytes: 0 };
    let mut sc = Scanner::new(bytes);
    sc.set_pos(first);
    while let Some(c) = sc.peek() {
        let at = sc.pos();
        let outcome = match c {
            b'{' => f.object(&mut sc),
            b'[' => {
                f.container(Container::Array);
                f.element_records(&mut sc)
            }
            _ => Err(ScanError::Unexpected { at, expected: "'{' or '['", found: Some(c) }),
        };
        if let Err(e) = outcome {
            let reason = match e {
                ScanError::Eof => {
                    "the document ends early (truncated file?); records before this point were loaded".to_string()
                }
                e => format!("{e}; skipped to the next line that starts a JSON value"),
            };
            f.plan.errors.push((sc.pos().max(at) as u64, reason));
            match resync(bytes, sc.pos().max(at + 1)) {
                Some(next) => sc.set_pos(next),
                None => break,
            }
        }
    }
    f.flush_objects();
    f.plan
}
