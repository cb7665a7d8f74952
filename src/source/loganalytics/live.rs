//! A workspace fetch as the commands run it: the range from `--since` or `--from/--to`, the fetch on a runtime
//! of its own, each answered slice turned into a [`Source`] the loader reads like a file, and `--save` — the
//! rows as NDJSON (one object per row, column names as keys, which the file source loads) beside a `.kql` file
//! with the queries, the range and the gaps, so an investigation can go on offline.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use jiff::{SignedDuration, Timestamp};
use reqwest::Url;

use super::answer::Answer;
use super::client::{Client, QueryError};
use super::fetch::{self, Event, Request, Summary};
use super::follow::{Follow, Seen};
use crate::ingest::source::{Source, StreamState};
use crate::store::remote::{RemoteClause, RemoteCounts};

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("{0}")]
    Range(String),
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("{path}: {source}")]
    Save { path: String, source: io::Error },
    #[error("{0}")]
    Setup(String),
}

/// `[from, to)` from `--since 7d` (before now) or `--from T [--to T]` (RFC 3339; `--to` defaults to now).
pub fn range(since: Option<&str>, from: Option<&str>, to: Option<&str>) -> Result<(Timestamp, Timestamp), LiveError> {
    let now = Timestamp::now();
    let stamp = |s: &str| {
        s.parse::<Timestamp>()
            .map_err(|e| LiveError::Range(format!("`{s}` is not a time like 2026-10-01T00:00:00Z ({e})")))
    };
    let end = to.map(stamp).transpose()?.unwrap_or(now);
    let start = match (from, since) {
        (Some(f), _) => stamp(f)?,
        (None, s) => end - duration(s.unwrap_or("7d"))?,
    };
    if start >= end {
        return Err(LiveError::Range(format!("the range is empty: {start} is not before {end}")));
    }
    Ok((start, end))
}

/// `90m`, `12h`, `7d`, `2w` (the rules' duration syntax).
pub fn duration(text: &str) -> Result<SignedDuration, LiveError> {
    crate::detect::spec::seconds(text)
        .map(SignedDuration::from_secs)
        .ok_or_else(|| LiveError::Range(format!("`{text}` is not a duration like 30m, 12h, 7d or 2w")))
}

#[derive(Clone)]
pub struct Live {
    pub workspace: String,
    /// The Query API base (`https://api.loganalytics.io`, or `--endpoint`).
    pub endpoint: Url,
    pub scope: String,
    pub request: Request,
    pub save: Option<PathBuf>,
    /// Keep polling for new rows after the first fetch.
    pub follow: Option<Follow>,
}

pub struct Fetched {
    pub sources: Vec<Source>,
    pub summary: Summary,
}

/// Fetches on a runtime of its own (callers are threads), telling `on` of progress and of each new source;
/// with `follow`, then polls until `on` answers `false`.
pub fn run(
    live: &Live,
    http: reqwest::Client,
    credential: Arc<dyn TokenCredential>,
    on: &mut dyn FnMut(&StreamState, &[Source]) -> bool,
) -> Result<Fetched, LiveError> {
    let runtime = runtime()?;
    let client = Client::new(http, &live.endpoint, &live.workspace, credential, live.scope.clone())?;
    let mut sources: Vec<Source> = Vec::new();
    let mut status = StreamState::default();
    let mut failure: Option<String> = None;
    // Follow mode's first poll reaches back the overlap: the rows fetched in that window are remembered as
    // they arrive, from the answers in hand (the spooled copies are not read back).
    let mut seen = Seen::default();
    let overlap_from = live.follow.map(|f| f.next_from(live.request.to, None));
    let summary = runtime.block_on(fetch::fetch(&client, &live.request, &mut |event| {
        match event {
            Event::Progress(p) => status.status = p.to_string(),
            Event::Part(part) => {
                if let Some(since) = overlap_from.filter(|since| part.to > *since)
                    && let Err(e) = seen.remember(&part.body, since)
                {
                    failure = Some(format!("follow: {e}"));
                }
                match Source::from_vec(&part_name(live, &part), &part.body) {
                    Ok(s) => sources.push(s),
                    Err(e) => failure = Some(format!("cannot spool the fetched rows: {e}")),
                }
            }
            Event::Gap(gap) => status.gaps.push(gap),
        }
        on(&status, &sources);
    }))?;
    if let Some(e) = failure {
        return Err(LiveError::Setup(e));
    }
    save_if_asked(live, &sources, &summary)?;
    status = StreamState {
        status: summary.status(),
        gaps: summary.gaps.clone(),
        queries: summary.queries.clone(),
        settled: true,
    };
    if on(&status, &sources)
        && let Some(follow) = live.follow
    {
        let watch = Watch { live, client: &client, follow };
        runtime.block_on(watch.run(&summary, seen, &mut sources, on))?;
    }
    Ok(Fetched { sources, summary })
}

/// Has the workspace count the events of `live`'s range under `scope` (server-side pivots).
pub fn summarize(
    live: &Live,
    http: reqwest::Client,
    credential: Arc<dyn TokenCredential>,
    scope: &[RemoteClause],
) -> Result<RemoteCounts, LiveError> {
    let client = Client::new(http, &live.endpoint, &live.workspace, credential, live.scope.clone())?;
    Ok(runtime()?.block_on(super::pivots::summarize(&client, &live.request, scope))?)
}

/// Signs in once, before anything is shown: a workbench that opens only to say "cannot sign in" helps nobody.
pub fn sign_in(credential: &dyn TokenCredential, scope: &str) -> Result<(), LiveError> {
    runtime()?
        .block_on(credential.get_token(&[scope], None))
        .map(drop)
        .map_err(|e| LiveError::Query(QueryError::Token(e.to_string())))
}

fn runtime() -> Result<tokio::runtime::Runtime, LiveError> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| LiveError::Setup(e.to_string()))
}

fn part_name(live: &Live, part: &fetch::Part) -> String {
    format!("{}:{} {}/{}", live.workspace, part.table, part.from, part.to)
}

fn save_if_asked(live: &Live, sources: &[Source], summary: &Summary) -> Result<(), LiveError> {
    match &live.save {
        Some(path) => save(path, live, sources, summary)
            .map_err(|source| LiveError::Save { path: path.display().to_string(), source }),
        None => Ok(()),
    }
}

/// Follow mode's loop (see [`follow`](super::follow)).
struct Watch<'a> {
    live: &'a Live,
    client: &'a Client,
    follow: Follow,
}

impl Watch<'_> {
    /// Polls every interval until `on` answers `false`. A failed poll is said on the status line and its
    /// stretch asked for again by the next one; only a failure to keep the rows (spooling, `--save`) stops it.
    async fn run(
        &self,
        first: &Summary,
        mut seen: Seen,
        sources: &mut Vec<Source>,
        on: &mut dyn FnMut(&StreamState, &[Source]) -> bool,
    ) -> Result<(), LiveError> {
        let (every, first_gaps) = (self.follow.every, first.gaps.clone());
        let mut summary = first.clone();
        let mut from = self.follow.next_from(self.live.request.to, None);
        loop {
            tokio::time::sleep(every).await;
            let to = Timestamp::now().max(from + SignedDuration::from_secs(1));
            let request = Request { from, to, ..self.live.request.clone() };
            let mut parts = Vec::new();
            let polled = fetch::fetch(self.client, &request, &mut |event| {
                if let Event::Part(part) = event {
                    parts.push(part);
                }
            })
            .await;
            let at = to.strftime("%H:%M:%S");
            let poll = match polled {
                Err(e) => {
                    format!("poll at {at} failed, asked again in {}: {}", seconds(every), first_line(&e.to_string()))
                }
                Ok(poll) => {
                    let (mut new, mut again) = (0, 0);
                    for part in &parts {
                        let fresh = seen.fresh(&part.body).map_err(|e| LiveError::Setup(format!("follow: {e}")))?;
                        (new, again) = (new + fresh.new, again + fresh.again);
                        if fresh.new > 0 {
                            let source = Source::from_vec(&part_name(self.live, part), &fresh.body)
                                .map_err(|e| LiveError::Setup(format!("cannot spool the fetched rows: {e}")))?;
                            sources.push(source);
                        }
                    }
                    summary.rows += new;
                    summary.slices += poll.slices;
                    summary.throttled += poll.throttled;
                    for query in poll.queries {
                        if !summary.queries.contains(&query) {
                            summary.queries.push(query);
                        }
                    }
                    // The first fetch's gaps stay (older than any poll); a poll's gaps last until a poll fills them.
                    summary.gaps = first_gaps.iter().chain(&poll.gaps).cloned().collect();
                    from = self.follow.next_from(to, poll.gaps.first().map(|g| g.from));
                    seen.forget_before(from);
                    if new > 0 {
                        save_if_asked(self.live, sources, &summary)?;
                    }
                    format!("polled {at}: +{new} new, {again} seen again")
                }
            };
            let status = StreamState {
                status: format!("following every {} · {poll} · {}", seconds(every), summary.status()),
                gaps: summary.gaps.clone(),
                queries: summary.queries.clone(),
                settled: true,
            };
            if !on(&status, sources) {
                return Ok(());
            }
        }
    }
}

/// `60 s`, or `150 ms` under a second.
fn seconds(d: std::time::Duration) -> String {
    if d.as_secs() > 0 { format!("{} s", d.as_secs()) } else { format!("{} ms", d.as_millis()) }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Writes the rows as NDJSON, then the queries beside them (`FILE.kql`); each through a temporary file renamed
/// into place, so an interrupted save never leaves half a file under the name. The rows are read back from
/// the spooled answers, not kept in memory a second time. In follow mode the file is rewritten after every poll
/// that brought rows: always whole, never appended to.
fn save(path: &Path, live: &Live, sources: &[Source], summary: &Summary) -> io::Result<()> {
    write_atomically(path, |out| {
        for source in sources {
            rows_as_ndjson(&source.bytes()?, out)?;
        }
        Ok(())
    })?;
    let mut kql_path = path.as_os_str().to_owned();
    kql_path.push(".kql");
    write_atomically(Path::new(&kql_path), |out| {
        writeln!(out, "// kvtrail query: workspace {}", live.workspace)?;
        writeln!(out, "// range {}/{} (the request body's timespan)", live.request.from, live.request.to)?;
        writeln!(out, "// {} rows in {} slices; {} throttled waits", summary.rows, summary.slices, summary.throttled)?;
        for gap in &summary.gaps {
            writeln!(out, "// GAP {}/{}: {}", gap.from, gap.to, gap.reason.replace('\n', " "))?;
        }
        for note in &summary.notes {
            writeln!(out, "// note: {note}")?;
        }
        for query in &summary.queries {
            writeln!(out, "\n{query}")?;
        }
        Ok(())
    })
}

fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut out = BufWriter::new(tmp.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A Query API body's rows as one JSON object per line (`{"TimeGenerated": …, "OperationName": …}`).
fn rows_as_ndjson(body: &[u8], out: &mut dyn Write) -> io::Result<()> {
    let answer = Answer::parse(body, "answer").map_err(io::Error::other)?;
    for table in &answer.tables {
        for row in &table.rows {
            let object: serde_json::Map<String, serde_json::Value> = table
                .columns
                .iter()
                .zip(row)
                // Columns projected through column_ifexists that the workspace lacks come back empty.
                .filter(|(_, v)| !matches!(v, serde_json::Value::String(s) if s.is_empty()) && !v.is_null())
                .map(|(c, v)| (c.name.clone(), v.clone()))
                .collect();
            serde_json::to_writer(&mut *out, &object)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_from_since_or_from_to() {
        let (a, b) = range(None, Some("2026-10-01T00:00:00Z"), Some("2026-10-02T00:00:00Z")).unwrap();
        assert_eq!(b.duration_since(a), SignedDuration::from_hours(24));
        let (a, b) = range(Some("90m"), None, Some("2026-10-02T00:00:00Z")).unwrap();
        assert_eq!(a, "2026-10-01T22:30:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(
            b.duration_since(range(None, None, Some("2026-10-02T00:00:00Z")).unwrap().0),
            SignedDuration::from_hours(24 * 7)
        );
        for bad in ["7x", "d", "-1d", "0h"] {
            assert!(range(Some(bad), None, None).is_err(), "{bad}");
        }
        assert!(range(None, Some("2026-10-02T00:00:00Z"), Some("2026-10-01T00:00:00Z")).is_err());
    }

    #[test]
    fn rows_become_objects_without_empty_projections() {
        let body = br#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"Resource","type":"string"},{"name":"id_s","type":"string"}],"rows":[["2026-10-01T00:00:00Z","KV-A",""]]}]}"#;
        let mut out = Vec::new();
        rows_as_ndjson(body, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"Resource\":\"KV-A\",\"TimeGenerated\":\"2026-10-01T00:00:00Z\"}\n"
        );
    }
}
