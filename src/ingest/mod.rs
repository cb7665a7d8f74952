//! Bytes in every Key Vault log format → normalized [`Event`]s.
//!
//! [`source`] opens inputs; [`frame`] decides what each is and cuts it into units; [`record`] and
//! [`normalize`] (with [`activity`], [`portal_csv`], [`dynamic`], [`settings`]) turn records into events,
//! delivered to a [`Sink`]. Nothing here knows about the store or the screen.

pub mod activity;
pub mod dynamic;
pub mod event;
pub mod fields;
pub mod frame;
pub mod normalize;
pub mod portal_csv;
pub mod record;
pub mod scan;
pub mod settings;
pub mod source;

pub use event::{Event, RecordRef, Sink, Verdict};
pub use frame::{Container, FORMATS_UNDERSTOOD, MAX_RECORD, Plan, Unit, plan};
pub use source::{InputError, Source};

use memchr::memchr;

/// Parses one unit of a planned input into `sink`.
pub fn parse_unit<'a>(bytes: &'a [u8], unit: &Unit, sink: &mut impl Sink<'a>) {
    match unit {
        Unit::Lines { start, end } => parse_lines(bytes, *start, *end, sink),
        Unit::Objects(records) => {
            for &at in records {
                if let Some(rec) = checked(bytes, at, sink) {
                    sink.verdict(at, record::parse_object(rec, at));
                }
            }
        }
        Unit::Rows { columns, rows } => {
            for &at in rows {
                if let Some(rec) = checked(bytes, at, sink) {
                    sink.verdict(at, record::parse_row(rec, columns, at));
                }
            }
        }
        Unit::Csv { start, columns } => portal_csv::parse(bytes, *start, columns, sink),
    }
}

/// The record's bytes, unless it is too large to be a Key Vault record.
fn checked<'a>(bytes: &'a [u8], at: RecordRef, sink: &mut impl Sink<'a>) -> Option<&'a [u8]> {
    if at.len as usize > MAX_RECORD {
        sink.reject(
            at,
            format!("a record of {:.1} MiB exceeds the {} MiB limit", at.len as f64 / 1048576.0, MAX_RECORD >> 20),
        );
        return None;
    }
    bytes.get(at.offset as usize..at.offset as usize + at.len as usize)
}

fn parse_lines<'a>(bytes: &'a [u8], start: usize, end: usize, sink: &mut impl Sink<'a>) {
    let mut at = start;
    while at < end {
        let nl = memchr(b'\n', &bytes[at..end]).map(|i| at + i);
        let line_end = nl.unwrap_or(end);
        let mut line = &bytes[at..line_end];
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        let r = RecordRef { offset: at as u64, len: line.len().min(u32::MAX as usize) as u32 };
        at = line_end + 1;
        if line.trim_ascii().is_empty() {
            continue;
        }
        if line.len() > MAX_RECORD {
            sink.reject(
                r,
                format!(
                    "a line of {:.1} MiB exceeds the {} MiB record limit",
                    line.len() as f64 / 1048576.0,
                    MAX_RECORD >> 20
                ),
            );
            continue;
        }
        match record::parse_object(line, r) {
            // A blob still being appended ends mid-record, without a newline.
            Verdict::Reject(reason) if nl.is_none() && line_end == bytes.len() => sink.reject(
                r,
                format!(
                    "incomplete final line, no newline at the end of the file (a blob still being written?): {reason}"
                ),
            ),
            v => sink.verdict(r, v),
        }
    }
}

/// The length of the record that starts `bytes`, in a source of the given container: the store keeps only
/// where records start, and finds where they end when one is shown again.
pub fn record_len(bytes: &[u8], container: Option<Container>) -> usize {
    match container {
        Some(Container::JsonLines) | None => {
            let end = memchr(b'\n', bytes).unwrap_or(bytes.len());
            if end > 0 && bytes[end - 1] == b'\r' { end - 1 } else { end }
        }
        Some(Container::Csv) => {
            let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
            let mut record = csv::ByteRecord::new();
            match reader.read_byte_record(&mut record) {
                Ok(true) => (reader.position().byte() as usize).min(bytes.len()),
                _ => memchr(b'\n', bytes).unwrap_or(bytes.len()),
            }
        }
        Some(_) => {
            let mut sc = scan::Scanner::new(bytes);
            match sc.skip_balanced() {
                Ok(()) => sc.pos(),
                Err(_) => bytes.len().min(MAX_RECORD),
            }
        }
    }
}

/// 1-based line numbers of byte offsets, in one pass over the bytes (offsets in any order).
pub fn lines_of(bytes: &[u8], offsets: &[u64]) -> Vec<u64> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&i| offsets[i]);
    let mut out = vec![0; offsets.len()];
    let (mut pos, mut line) = (0usize, 1u64);
    for i in order {
        let target = (offsets[i] as usize).min(bytes.len());
        line += memchr::memchr_iter(b'\n', &bytes[pos..target]).count() as u64;
        pos = target;
        out[i] = line;
    }
    out
}

/// Names the input's format: the field vocabulary of its first record and the container, e.g.
/// `auditevent/jsonl`, `azurediagnostics/query-api`, `azkvauditlogs/az-cli`, `activity-rest/array`.
pub fn format_label(bytes: &[u8], plan: &Plan) -> String {
    let Some(container) = plan.container else {
        return "empty".to_string();
    };
    let mut keys: Vec<String> = Vec::new();
    let mut values = serde_json::Map::new();
    if let Some(columns) = &plan.columns {
        keys = columns
            .names
            .iter()
            .map(|n| n.trim().trim_start_matches('\u{feff}').trim_end_matches(" [UTC]").to_string())
            .collect();
    } else if let Some(s) = plan.sample {
        let rec = &bytes[s.offset as usize..(s.offset as usize + s.len as usize).min(bytes.len())];
        if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice(rec) {
            keys = m.keys().cloned().collect();
            values = m;
        }
    }
    let has = |k: &str| keys.iter().any(|x| x == k);
    let value = |k: &str| values.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let vocabulary = if has("input") {
        "auditevent-wrapped"
    } else if has("eventTimestamp") || has("eventDataId") {
        "activity-rest"
    } else if value("Type") == "AzureActivity" || has("OperationNameValue") {
        "azureactivity"
    } else if value("Type") == "AZKVAuditLogs" {
        "azkvauditlogs"
    } else if value("Type") == "AzureDiagnostics" {
        "azurediagnostics"
    } else if has("time") && has("operationName") {
        if value("category").is_empty() || value("category").eq_ignore_ascii_case("AuditEvent") {
            "auditevent"
        } else {
            "activity-resourcelog"
        }
    } else if has("TimeGenerated") {
        if has("CallerIpAddress") || has("HttpStatusCode") || has("Identity") {
            "azkvauditlogs"
        } else {
            "azurediagnostics"
        }
    } else {
        "unknown"
    };
    let container = if has("TableName") { "az-cli" } else { container.as_str() };
    format!("{vocabulary}/{container}")
}
