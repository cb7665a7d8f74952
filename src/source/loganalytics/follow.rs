//! Follow mode: after the first fetch, the workspace is asked again every interval for what arrived since.
//!
//! Key Vault rows reach a workspace minutes after the call, sometimes much later, and are stamped with the time
//! of the call, not of their arrival. So each poll reaches back an overlap window before the end of the last
//! one, and rows already handed over are recognized (by a hash of the whole row) and dropped: an overlap that
//! returns the same row twice never shows it twice, a late row inside the window still arrives. A row later
//! than the window is missed — the window is the analyst's to choose (`--overlap`).

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// How often to poll and how far back each poll reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Follow {
    pub every: Duration,
    pub overlap: SignedDuration,
}

pub const DEFAULT_EVERY: Duration = Duration::from_secs(60);
pub const DEFAULT_OVERLAP: SignedDuration = SignedDuration::from_hours(1);

impl Follow {
    /// Where the next poll starts: the overlap before the last one's end, or the earliest stretch the last
    /// poll could not fetch (so a failed stretch is asked for again).
    pub fn next_from(&self, last_to: Timestamp, retry_from: Option<Timestamp>) -> Timestamp {
        let from = last_to - self.overlap;
        retry_from.map_or(from, |r| r.min(from))
    }
}

/// Rows already handed over: a hash of each row, with its time so rows older than any future poll can be
/// forgotten (memory stays bounded by the overlap window, not by the length of the watch).
#[derive(Default)]
pub struct Seen {
    rows: HashMap<u64, i64>,
}

/// What one answer held: its body with only the rows not seen before, and how many rows were new or repeated.
pub struct Fresh {
    pub body: Vec<u8>,
    pub new: u64,
    pub again: u64,
}

impl Seen {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Remembers the rows of `body` from `since` on (rows before it can no longer come back in a poll).
    pub fn remember(&mut self, body: &[u8], since: Timestamp) -> Result<(), String> {
        let mut answer: Value = serde_json::from_slice(body).map_err(|e| format!("answer: {e}"))?;
        for table in tables(&mut answer) {
            let time = time_column(table);
            for row in rows(table) {
                let t = row_time(row, time);
                if t >= since.as_second() {
                    self.rows.insert(hash(row), t);
                }
            }
        }
        Ok(())
    }

    /// `body` without the rows seen before; the new ones are remembered.
    pub fn fresh(&mut self, body: &[u8]) -> Result<Fresh, String> {
        let mut answer: Value = serde_json::from_slice(body).map_err(|e| format!("answer: {e}"))?;
        let (mut new, mut again) = (0, 0);
        for table in tables(&mut answer) {
            let time = time_column(table);
            if let Some(Value::Array(rows)) = table.get_mut("rows") {
                rows.retain(|row| {
                    let first = self.rows.insert(hash(row), row_time(row, time)).is_none();
                    if first {
                        new += 1
                    } else {
                        again += 1
                    }
                    first
                });
            }
        }
        let body = serde_json::to_vec(&answer).map_err(|e| format!("answer: {e}"))?;
        Ok(Fresh { body, new, again })
    }

    /// Forgets rows older than `t`: no poll reaches back before it any more.
    pub fn forget_before(&mut self, t: Timestamp) {
        let cut = t.as_second();
        self.rows.retain(|_, time| *time >= cut);
    }
}

fn tables(answer: &mut Value) -> impl Iterator<Item = &mut Value> {
    answer.get_mut("tables").and_then(Value::as_array_mut).into_iter().flatten()
}

fn rows(table: &Value) -> impl Iterator<Item = &Value> {
    table.get("rows").and_then(Value::as_array).into_iter().flatten()
}

fn time_column(table: &Value) -> Option<usize> {
    let columns = table.get("columns")?.as_array()?;
    columns.iter().position(|c| c.get("name").and_then(Value::as_str) == Some("TimeGenerated"))
}

/// A row's time in seconds; a row without one is kept in mind for good (`i64::MAX`).
fn row_time(row: &Value, column: Option<usize>) -> i64 {
    column
        .and_then(|i| row.get(i))
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Timestamp>().ok())
        .map_or(i64::MAX, |t| t.as_second())
}

/// The whole row, as the service wrote its values: two rows are the same event only if every column agrees.
fn hash(row: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    row.to_string().hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(rows: &[(&str, &str)]) -> Vec<u8> {
        let rows: Vec<Value> = rows.iter().map(|(t, id)| serde_json::json!([t, id])).collect();
        serde_json::to_vec(&serde_json::json!({"tables": [{"name": "PrimaryResult",
            "columns": [{"name": "TimeGenerated", "type": "datetime"}, {"name": "CorrelationId", "type": "string"}],
            "rows": rows}]}))
        .unwrap()
    }

    fn ids(body: &[u8]) -> Vec<String> {
        let v: Value = serde_json::from_slice(body).unwrap();
        v["tables"][0]["rows"].as_array().unwrap().iter().map(|r| r[1].as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn an_overlapping_poll_delivers_only_new_rows() {
        let mut seen = Seen::default();
        let first = body(&[("2026-10-01T10:00:00Z", "a"), ("2026-10-01T10:59:00Z", "b")]);
        seen.remember(&first, "2026-10-01T10:30:00Z".parse().unwrap()).unwrap();
        assert_eq!(seen.len(), 1, "only rows a poll can reach again are kept");
        // The poll reaches back over b, and a late row c stamped before b arrives with it.
        let poll = body(&[("2026-10-01T10:45:00Z", "c"), ("2026-10-01T10:59:00Z", "b"), ("2026-10-01T11:01:00Z", "d")]);
        let fresh = seen.fresh(&poll).unwrap();
        assert_eq!(ids(&fresh.body), ["c", "d"]);
        assert_eq!((fresh.new, fresh.again), (2, 1));
        // The same answer again brings nothing.
        let fresh = seen.fresh(&poll).unwrap();
        assert_eq!((fresh.new, fresh.again), (0, 3));
        assert!(ids(&fresh.body).is_empty());
        seen.forget_before("2026-10-01T11:00:00Z".parse().unwrap());
        assert_eq!(seen.len(), 1);
    }

    #[test]
    fn rows_differing_in_any_column_are_different_events() {
        let mut seen = Seen::default();
        let fresh = seen.fresh(&body(&[("2026-10-01T10:00:00Z", "a"), ("2026-10-01T10:00:00Z", "a2")])).unwrap();
        assert_eq!(fresh.new, 2);
    }

    #[test]
    fn the_next_poll_reaches_back_the_overlap_or_to_a_failed_stretch() {
        let f = Follow { every: DEFAULT_EVERY, overlap: SignedDuration::from_mins(30) };
        let to: Timestamp = "2026-10-01T12:00:00Z".parse().unwrap();
        assert_eq!(f.next_from(to, None), "2026-10-01T11:30:00Z".parse::<Timestamp>().unwrap());
        let failed: Timestamp = "2026-10-01T09:00:00Z".parse().unwrap();
        assert_eq!(f.next_from(to, Some(failed)), failed);
    }
}
