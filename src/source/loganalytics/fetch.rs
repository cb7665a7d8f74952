//! Fetching every Key Vault row of a range, or saying exactly which stretch could not be fetched.
//!
//! 1. Which tables: `auto` probes `AZKVAuditLogs` and `AzureDiagnostics` (a missing table answers 400
//!    `SemanticError`, which only means "not this one") and keeps those holding Key Vault rows in the range.
//! 2. Per table, the server counts rows per time bin; bins are grouped into slices under the row limit, and a
//!    bin over the limit by itself is recounted in finer bins.
//! 3. Slices are fetched (at most five queries in flight, the client's gate). An answer with a `PartialError`
//!    is split in two halves, each counted and fetched again; an answer with fewer rows than counted is fetched
//!    once more. What still fails becomes a [`Gap`] — shown in the workbench and the report — never a silent
//!    hole.

use futures_util::stream::{self, StreamExt};
use jiff::Timestamp;
use serde::Serialize;

use super::client::{Client, QueryError};
use super::kql::{self, Table};
use super::slices::{self, Slice};
use crate::store::remote::RemoteClause;

/// Rows per slice by default: well under the 500,000-row cap, and about 64 MB of projected Key Vault rows.
pub const DEFAULT_MAX_ROWS: u64 = 100_000;

pub use crate::ingest::source::Gap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tables {
    #[default]
    Auto,
    Only(Table),
}

#[derive(Clone, Debug)]
pub struct Request {
    pub from: Timestamp,
    pub to: Timestamp,
    pub tables: Tables,
    pub vaults: Vec<String>,
    /// Add the Key Vault management events of `AzureActivity`.
    pub activity: bool,
    pub max_rows: u64,
    /// A drill-down the workspace applies (server-side pivots: only the drilled slice is fetched).
    pub scope: Vec<RemoteClause>,
}

/// One answered slice: the raw Query API body, as the file loader reads it.
#[derive(Debug)]
pub struct Part {
    pub table: Table,
    pub from: Timestamp,
    pub to: Timestamp,
    pub rows: u64,
    pub body: Vec<u8>,
}

/// What a fetch is doing, for the progress bar.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub slices_done: usize,
    pub slices_total: usize,
    pub rows: u64,
    pub throttled: u64,
}

impl std::fmt::Display for Progress {
    /// `12/40 slices · 1200 rows · 2 throttled waits`: the status line while a fetch runs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{} slices · {} rows · {} throttled waits",
            self.slices_done, self.slices_total, self.rows, self.throttled
        )
    }
}

pub enum Event {
    Progress(Progress),
    Part(Part),
    Gap(Gap),
}

/// The fetch's account of itself: which tables, the KQL sent (one line per distinct query), the gaps.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub tables: Vec<String>,
    pub queries: Vec<String>,
    pub gaps: Vec<Gap>,
    pub rows: u64,
    pub slices: usize,
    pub throttled: u64,
    /// Remarks: an empty table, a missing Activity Log table.
    pub notes: Vec<String>,
}

impl Summary {
    /// The status line once the fetch is done.
    pub fn status(&self) -> String {
        let mut s = format!("{} slices · {} rows · {} throttled waits", self.slices, self.rows, self.throttled);
        if !self.gaps.is_empty() {
            s.push_str(&format!(" · {} GAP (E lists them)", self.gaps.len()));
        }
        s
    }
}

/// Fetches `request`, handing every part, gap and progress step to `on` as it happens.
pub async fn fetch(client: &Client, request: &Request, on: &mut dyn FnMut(Event)) -> Result<Summary, QueryError> {
    let mut summary = Summary::default();
    let tables = choose_tables(client, request, &mut summary).await?;
    let mut work: Vec<(Table, Slice)> = Vec::new();
    for &table in &tables {
        summary.tables.push(table.to_string());
        summary.queries.push(rows(request, table).fetch());
        work.extend(plan(client, request, table, &mut summary).await?.into_iter().map(|s| (table, s)));
    }
    let mut progress = Progress { slices_total: work.len(), ..Progress::default() };
    on(Event::Progress(progress.clone()));
    // Rounds: a slice that comes back partial is replaced by its halves in the next round.
    while !work.is_empty() {
        let round: Vec<(Table, Slice, Result<Outcome, QueryError>)> = stream::iter(work.drain(..))
            .map(|(table, slice)| async move { (table, slice, fetch_slice(client, request, table, slice).await) })
            .buffer_unordered(super::client::MAX_IN_FLIGHT)
            .collect()
            .await;
        for (table, slice, outcome) in round {
            match outcome {
                Ok(Outcome::Done(part, short)) => {
                    progress.rows += part.rows;
                    progress.slices_done += 1;
                    if let Some(gap) = short {
                        summary.gaps.push(gap.clone());
                        on(Event::Gap(gap));
                    }
                    on(Event::Part(part));
                }
                Ok(Outcome::Split(a, b)) => {
                    progress.slices_total += 1;
                    work.push((table, a));
                    work.push((table, b));
                }
                Err(e @ (QueryError::Denied { .. } | QueryError::Token(_))) => return Err(e),
                Err(e) => {
                    progress.slices_done += 1;
                    let gap = Gap { from: slice.from, to: slice.to, reason: format!("{table}: {e}") };
                    summary.gaps.push(gap.clone());
                    on(Event::Gap(gap));
                }
            }
        }
        progress.throttled = client.throttled.load(std::sync::atomic::Ordering::Relaxed);
        on(Event::Progress(progress.clone()));
    }
    summary.rows = progress.rows;
    summary.slices = progress.slices_done;
    summary.throttled = progress.throttled;
    summary.gaps.sort_by_key(|g| (g.from, g.to));
    Ok(summary)
}

async fn choose_tables(client: &Client, request: &Request, summary: &mut Summary) -> Result<Vec<Table>, QueryError> {
    let (from, to) = (request.from, request.to);
    let mut tables = match request.tables {
        Tables::Only(t) => vec![t],
        Tables::Auto => {
            let mut found = Vec::new();
            let mut missing = Vec::new();
            for table in [Table::AzkvAuditLogs, Table::AzureDiagnostics] {
                match client.query(&rows(request, table).probe(), from, to).await {
                    Ok(answer) => match slices::number(&answer.body) {
                        Ok(n) if n > 0 => found.push(table),
                        Ok(_) => summary.notes.push(format!("{table}: no Key Vault rows in the range")),
                        Err(e) => return Err(QueryError::Malformed(e)),
                    },
                    Err(QueryError::Semantic(_)) => missing.push(table.to_string()),
                    Err(e) => return Err(e),
                }
            }
            if missing.len() == 2 {
                summary.notes.push("neither AZKVAuditLogs nor AzureDiagnostics exists in this workspace".into());
            }
            found
        }
    };
    if request.activity {
        match client.query(&kql::Rows::new(Table::AzureActivity, &request.vaults).probe(), from, to).await {
            Ok(_) => tables.push(Table::AzureActivity),
            Err(QueryError::Semantic(_)) => summary.notes.push("AzureActivity does not exist in this workspace".into()),
            Err(e) => return Err(e),
        }
    }
    Ok(tables)
}

/// The table's slices, recounting in finer bins any slice over the limit that a finer bin can still cut.
async fn plan(
    client: &Client,
    request: &Request,
    table: Table,
    summary: &mut Summary,
) -> Result<Vec<Slice>, QueryError> {
    let mut todo = vec![(request.from, request.to, slices::bin_width(request.from, request.to))];
    let mut planned = Vec::new();
    while let Some((from, to, width)) = todo.pop() {
        let query = rows(request, table).count_by_bin(width);
        let answer = client.query(&query, from, to).await?;
        if let Some(partial) = answer.partial {
            summary.notes.push(format!("{table}: the row count itself was incomplete ({partial})"));
        }
        let bins = slices::bins(&answer.body).map_err(QueryError::Malformed)?;
        for slice in slices::plan(from, to, &bins, request.max_rows) {
            match (slice.expected, slices::finer(width)) {
                (Some(n), Some(finer)) if n > request.max_rows => todo.push((slice.from, slice.to, finer)),
                _ => planned.push(slice),
            }
        }
    }
    planned.sort_by_key(|s| s.from);
    Ok(planned)
}

enum Outcome {
    /// The rows, and a gap when fewer arrived than were counted.
    Done(Part, Option<Gap>),
    Split(Slice, Slice),
}

async fn fetch_slice(client: &Client, request: &Request, table: Table, slice: Slice) -> Result<Outcome, QueryError> {
    let expected = match slice.expected {
        Some(n) => n,
        None => {
            let count = rows(request, table).count();
            slices::number(&client.query(&count, slice.from, slice.to).await?.body).map_err(QueryError::Malformed)?
        }
    };
    let query = rows(request, table).fetch();
    let mut answer = client.query(&query, slice.from, slice.to).await?;
    if answer.partial.is_none() && answer.rows < expected {
        // Fewer rows than counted and no word why: once more before calling it a gap.
        answer = client.query(&query, slice.from, slice.to).await?;
    }
    if let Some(partial) = &answer.partial {
        return match slices::halves(&slice) {
            Some((a, b)) => Ok(Outcome::Split(a, b)),
            None => {
                let reason = format!("{table}: incomplete answer ({partial})");
                let gap = Gap { from: slice.from, to: slice.to, reason };
                Ok(Outcome::Done(part(table, slice, answer), Some(gap)))
            }
        };
    }
    let short = (answer.rows < expected).then(|| Gap {
        from: slice.from,
        to: slice.to,
        reason: format!("{table}: received {} of {expected} rows the server counted", answer.rows),
    });
    Ok(Outcome::Done(part(table, slice, answer), short))
}

/// The request's rows of one table, its drill-down included (the Activity Log has no pivot columns to drill by).
fn rows(request: &Request, table: Table) -> kql::Rows<'_> {
    let rows = kql::Rows::new(table, &request.vaults);
    if table == Table::AzureActivity { rows } else { rows.scoped(&request.scope) }
}

fn part(table: Table, slice: Slice, answer: super::client::Answer) -> Part {
    Part { table, from: slice.from, to: slice.to, rows: answer.rows, body: answer.body }
}
