//! The Log Analytics source against the Query API emulator (`tests/la_emulator`): table detection, complete
//! time-sliced fetches, `PartialError` splitting, retries, throttling, gaps, the concurrency cap — and that the
//! answers load into a store like any file.

mod la_emulator;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use kvtrail::ingest::source::Source;
use kvtrail::source::cloud;
use kvtrail::source::http::Retry;
use kvtrail::source::loganalytics::client::{Client, QueryError};
use kvtrail::source::loganalytics::fetch::{self, Event, Request, Summary, Tables};
use kvtrail::source::loganalytics::kql::Table;
use kvtrail::store::{Progress, Store};
use la_emulator::{Emulator, Fault, FaultResponse, Static, TOKEN, WORKSPACE, Workspace, diagnostics, fake_az};

fn client(emulator: &Emulator, token: &'static str) -> Client {
    let endpoint = cloud::endpoint(&emulator.url()).expect("loopback endpoint");
    let http = kvtrail::source::http::client().expect("client");
    let mut c = Client::new(http, &endpoint, WORKSPACE, Arc::new(Static(token)), cloud::Cloud::Public.query_scope())
        .expect("client");
    c.retry = Retry { attempts: 4, backoff: Duration::from_millis(10), max_wait: Duration::from_secs(2) };
    c
}

fn t(s: &str) -> Timestamp {
    s.parse().expect("time")
}

fn request(max_rows: u64) -> Request {
    Request {
        from: t("2026-10-01T00:00:00Z"),
        to: t("2026-10-02T00:00:00Z"),
        tables: Tables::Auto,
        vaults: Vec::new(),
        activity: false,
        max_rows,
        scope: Vec::new(),
    }
}

struct Run {
    summary: Summary,
    parts: Vec<fetch::Part>,
    progress: Vec<fetch::Progress>,
}

fn fetch_all(client: &Client, request: &Request) -> Result<Run, QueryError> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (mut parts, mut progress) = (Vec::new(), Vec::new());
    let summary = rt.block_on(fetch::fetch(client, request, &mut |e| match e {
        Event::Part(p) => parts.push(p),
        Event::Progress(p) => progress.push(p),
        Event::Gap(_) => {}
    }))?;
    Ok(Run { summary, parts, progress })
}

fn store(parts: &[fetch::Part]) -> Store {
    let sources: Vec<Source> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| Source::from_vec(&format!("slice {i}"), &p.body).expect("spool"))
        .collect();
    kvtrail::store::load::load(sources, Vec::new(), &Progress::default()).0
}

fn workspace(table: &str, rows: Vec<la_emulator::Row>) -> Workspace {
    let mut w = Workspace { row_limit: 1000, ..Workspace::default() };
    w.tables.insert(table.into(), rows);
    w
}

#[test]
fn a_day_is_fetched_in_slices_under_the_row_limit_and_every_row_arrives() {
    // 3,600 rows, one every 24 s; answers are cut at 1,000 rows, slices planned at 800.
    let emulator = Emulator::start(workspace(
        "AzureDiagnostics",
        diagnostics("2026-10-01T00:00:00Z", 3600, 24, &["kv-a", "kv-b"]),
    ));
    let run = fetch_all(&client(&emulator, TOKEN), &request(800)).expect("fetch");
    assert_eq!(run.summary.rows, 3600);
    assert!(run.summary.gaps.is_empty(), "{:?}", run.summary.gaps);
    assert_eq!(run.summary.tables, vec!["AzureDiagnostics"]);
    assert!(run.parts.len() >= 5, "{} slices", run.parts.len());
    assert!(run.parts.iter().all(|p| p.rows <= 800));
    let last = run.progress.last().expect("progress");
    assert_eq!((last.slices_done, last.rows), (last.slices_total, 3600));
    // The slices tile the day: each starts where the one before ended.
    let mut spans: Vec<(Timestamp, Timestamp)> = run.parts.iter().map(|p| (p.from, p.to)).collect();
    spans.sort();
    assert_eq!(spans[0].0, t("2026-10-01T00:00:00Z"));
    assert!(spans.windows(2).all(|w| w[0].1 == w[1].0));
    assert_eq!(spans[spans.len() - 1].1, t("2026-10-02T00:00:00Z"));
    // The answers load like files: every row becomes an event.
    let store = store(&run.parts);
    assert_eq!(store.len(), 3600);
    // The fetch asked for the projected columns, with the KQL on record.
    assert!(run.summary.queries[0].contains("| project TimeGenerated, Type, ResourceId = column_ifexists("));
    assert!(emulator.queries().iter().any(|q| q.contains("summarize count() by bin(TimeGenerated, ")));
}

#[test]
fn auto_uses_the_table_that_exists_and_a_missing_one_is_not_an_error() {
    let emulator = Emulator::start(workspace("AZKVAuditLogs", Vec::new()));
    let run = fetch_all(&client(&emulator, TOKEN), &request(800)).expect("fetch");
    assert!(run.summary.tables.is_empty());
    assert!(
        run.summary.notes.iter().any(|n| n.contains("AZKVAuditLogs: no Key Vault rows")),
        "{:?}",
        run.summary.notes
    );

    let mut w = workspace("AzureDiagnostics", diagnostics("2026-10-01T06:00:00Z", 10, 60, &["kv-a"]));
    w.tables.insert("AZKVAuditLogs".into(), Vec::new());
    let emulator = Emulator::start(w);
    let mut r = request(800);
    r.activity = true;
    let run = fetch_all(&client(&emulator, TOKEN), &r).expect("fetch");
    assert_eq!(run.summary.tables, vec!["AzureDiagnostics"]);
    assert_eq!(run.summary.rows, 10);
    assert!(run.summary.notes.iter().any(|n| n.contains("AzureActivity does not exist")), "{:?}", run.summary.notes);
}

#[test]
fn a_partial_answer_is_split_until_complete() {
    // 1,500 rows inside one hour (a burst): the count plans one slice of 1,500 when bins are coarse, the
    // service cuts it at 1,000 with a PartialError, and the halves come back whole.
    let mut w = workspace("AzureDiagnostics", diagnostics("2026-10-01T10:00:00Z", 1500, 2, &["kv-a"]));
    w.row_limit = 1000;
    let emulator = Emulator::start(w);
    let mut r = request(5000);
    r.tables = Tables::Only(Table::AzureDiagnostics);
    let run = fetch_all(&client(&emulator, TOKEN), &r).expect("fetch");
    assert_eq!(run.summary.rows, 1500);
    assert!(run.summary.gaps.is_empty(), "{:?}", run.summary.gaps);
    assert!(run.parts.len() >= 2);
    assert_eq!(store(&run.parts).len(), 1500);
}

#[test]
fn rows_packed_into_one_second_beyond_the_limit_are_a_visible_gap() {
    let mut rows = diagnostics("2026-10-01T10:00:00Z", 30, 0, &["kv-a"]);
    rows.extend(diagnostics("2026-10-01T12:00:00Z", 5, 60, &["kv-a"]));
    let mut w = workspace("AzureDiagnostics", rows);
    w.row_limit = 20;
    let emulator = Emulator::start(w);
    let mut r = request(10);
    r.tables = Tables::Only(Table::AzureDiagnostics);
    let run = fetch_all(&client(&emulator, TOKEN), &r).expect("fetch");
    assert_eq!(run.summary.gaps.len(), 1, "{:?}", run.summary.gaps);
    let gap = &run.summary.gaps[0];
    assert!(gap.from <= t("2026-10-01T10:00:00Z") && gap.to > t("2026-10-01T10:00:00Z"));
    assert!(gap.reason.contains("incomplete answer") && gap.reason.contains("record count limit"), "{}", gap.reason);
    // What did arrive is kept: the 20 rows of the cut answer and the 5 after.
    assert_eq!(run.summary.rows, 25);
}

#[test]
fn throttling_server_errors_and_dropped_connections_are_retried() {
    let mut w = workspace("AzureDiagnostics", diagnostics("2026-10-01T00:00:00Z", 300, 240, &["kv-a"]));
    w.faults = vec![
        Fault {
            query_has: "project".into(),
            from: None,
            to: None,
            times: 2,
            response: FaultResponse::Status(429, Some(0)),
        },
        Fault {
            query_has: "summarize".into(),
            from: None,
            to: None,
            times: 1,
            response: FaultResponse::Status(503, None),
        },
        Fault { query_has: "project".into(), from: None, to: None, times: 1, response: FaultResponse::HangUp },
        Fault {
            query_has: "project".into(),
            from: None,
            to: None,
            times: 1,
            response: FaultResponse::Status(504, None),
        },
    ];
    let emulator = Emulator::start(w);
    let client = client(&emulator, TOKEN);
    let run = fetch_all(&client, &request(100)).expect("fetch");
    assert_eq!(run.summary.rows, 300);
    assert!(run.summary.gaps.is_empty(), "{:?}", run.summary.gaps);
    assert_eq!(run.summary.throttled, 2);
}

#[test]
fn a_slice_that_keeps_failing_is_a_gap_and_the_rest_still_loads() {
    let mut w = workspace("AzureDiagnostics", diagnostics("2026-10-01T00:00:00Z", 240, 360, &["kv-a"]));
    w.faults = vec![Fault {
        query_has: "project".into(),
        from: Some(t("2026-10-01T12:00:00Z")),
        to: Some(t("2026-10-01T18:00:00Z")),
        times: usize::MAX,
        response: FaultResponse::Status(500, None),
    }];
    let emulator = Emulator::start(w);
    let run = fetch_all(&client(&emulator, TOKEN), &request(40)).expect("fetch");
    assert!(!run.summary.gaps.is_empty());
    for gap in &run.summary.gaps {
        assert!(gap.from >= t("2026-10-01T12:00:00Z") && gap.from < t("2026-10-01T18:00:00Z"), "{gap:?}");
        assert!(gap.reason.contains("no answer after 4 attempts") && gap.reason.contains("500"), "{}", gap.reason);
    }
    // Exactly the rows inside the gaps are missing (one every 6 minutes).
    let t0 = t("2026-10-01T00:00:00Z");
    let in_gaps = (0..240)
        .map(|i| t0 + jiff::SignedDuration::from_secs(360 * i))
        .filter(|time| run.summary.gaps.iter().any(|g| g.from <= *time && *time < g.to))
        .count() as u64;
    assert!(in_gaps > 0);
    assert_eq!(run.summary.rows, 240 - in_gaps);
}

#[test]
fn a_silently_short_answer_is_fetched_again_then_reported() {
    let mut w = workspace("AzureDiagnostics", diagnostics("2026-10-01T00:00:00Z", 100, 600, &["kv-a"]));
    w.faults = vec![Fault {
        query_has: "project".into(),
        from: None,
        to: None,
        times: 1,
        response: FaultResponse::DropRows(3),
    }];
    let emulator = Emulator::start(w);
    let run = fetch_all(&client(&emulator, TOKEN), &request(1000)).expect("fetch");
    assert_eq!((run.summary.rows, run.summary.gaps.len()), (100, 0));

    let mut w = workspace("AzureDiagnostics", diagnostics("2026-10-01T00:00:00Z", 100, 600, &["kv-a"]));
    w.faults = vec![Fault {
        query_has: "project".into(),
        from: None,
        to: None,
        times: usize::MAX,
        response: FaultResponse::DropRows(3),
    }];
    let emulator = Emulator::start(w);
    let run = fetch_all(&client(&emulator, TOKEN), &request(1000)).expect("fetch");
    assert_eq!(run.summary.gaps.len(), 1);
    assert!(run.summary.gaps[0].reason.contains("received 97 of 100 rows"), "{}", run.summary.gaps[0].reason);
}

#[test]
fn no_more_than_five_queries_are_in_flight() {
    let mut w = workspace("AzureDiagnostics", diagnostics("2026-10-01T00:00:00Z", 400, 200, &["kv-a"]));
    w.delay_ms = 40;
    let emulator = Emulator::start(w);
    let run = fetch_all(&client(&emulator, TOKEN), &request(20)).expect("fetch");
    assert_eq!(run.summary.rows, 400);
    let max = emulator.max_in_flight.load(std::sync::atomic::Ordering::SeqCst);
    assert!((2..=5).contains(&max), "{max} in flight");
}

#[test]
fn vault_names_narrow_the_query_and_a_bad_token_stops_with_a_clear_error() {
    let emulator = Emulator::start(workspace(
        "AzureDiagnostics",
        diagnostics("2026-10-01T00:00:00Z", 90, 600, &["kv-a", "kv-b", "kv-c"]),
    ));
    let mut r = request(1000);
    r.vaults = vec!["KV-B".into()];
    let run = fetch_all(&client(&emulator, TOKEN), &r).expect("fetch");
    assert_eq!(run.summary.rows, 30);
    assert!(run.summary.queries[0].contains("| where Resource in~ (\"KV-B\")"));

    let err = run_err(&client(&emulator, "wrong-token-secret-value"), &request(1000));
    let text = format!("{err} {err:?}");
    assert!(matches!(err, QueryError::Denied { status: 401, .. }), "{text}");
    assert!(text.contains("AuthenticationFailed"), "{text}");
    assert!(!text.contains("wrong-token-secret-value") && !text.contains(TOKEN), "{text}");
}

fn run_err(client: &Client, request: &Request) -> QueryError {
    match fetch_all(client, request) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

/// The real binary against the emulator, signed in through a fake `az` on PATH (the jump-box norm).
mod cli {
    use std::process::Command;

    use super::*;

    fn kvtrail(path: &str, emulator: &Emulator, extra: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_kvtrail"))
            .env("PATH", path)
            .args(extra)
            .args(["--workspace", WORKSPACE, "--endpoint", &emulator.url(), "--auth", "cli"])
            .args(["--from", "2026-10-01T00:00:00Z", "--to", "2026-10-02T00:00:00Z", "--max-rows", "50"])
            .output()
            .expect("run kvtrail")
    }

    #[test]
    fn report_and_stats_read_a_workspace_and_save_it_for_later() {
        // 120 rows over 20 hours, and a burst of 30 in one second that no answer can hold (limit 20): a gap.
        let mut rows = diagnostics("2026-10-01T00:00:00Z", 120, 600, &["kv-a", "kv-b"]);
        let mut burst = diagnostics("2026-10-01T12:00:05Z", 30, 0, &["kv-a"]);
        for (i, r) in burst.iter_mut().enumerate() {
            r.columns.insert("CorrelationId".into(), serde_json::json!(format!("burst-{i}")));
        }
        rows.extend(burst);
        let mut w = workspace("AzureDiagnostics", rows);
        w.row_limit = 20;
        let emulator = Emulator::start(w);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = fake_az(dir.path());
        let saved = dir.path().join("incident.ndjson");
        let out = kvtrail(&path, &emulator, &["report", "--format", "json", "--save", saved.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report JSON");
        let gaps = report["gaps"].as_array().expect("gaps");
        assert!(!gaps.is_empty());
        assert!(gaps.iter().all(|g| g["from"].is_string() && g["to"].is_string() && g["reason"].is_string()));
        assert!(stderr.contains("GAP"), "{stderr}");
        let fetched = report["events"].as_u64().expect("events");
        assert!((120..150).contains(&fetched), "{fetched} events");
        assert!(!stderr.contains(TOKEN) && !String::from_utf8_lossy(&out.stdout).contains(TOKEN));

        // The saved rows load as a file, with the same events; the KQL and the gaps are beside them.
        let stats = Command::new(env!("CARGO_BIN_EXE_kvtrail"))
            .args(["stats", "--json", saved.to_str().unwrap()])
            .output()
            .expect("stats");
        let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("stats JSON");
        assert_eq!(stats["events"].as_u64(), Some(fetched), "{stats}");
        let kql = std::fs::read_to_string(dir.path().join("incident.ndjson.kql")).expect("kql file");
        assert!(kql.contains("AzureDiagnostics\n| where ResourceProvider == \"MICROSOFT.KEYVAULT\""));
        assert!(kql.contains("// GAP 2026-10-01T"), "{kql}");
        assert!(!kql.contains(TOKEN) && !std::fs::read_to_string(&saved).unwrap().contains(TOKEN));

        let out = kvtrail(&path, &emulator, &["stats", "--json"]);
        assert!(out.status.success());
        let live: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stats JSON");
        assert_eq!(live["events"].as_u64(), Some(fetched));
    }

    #[test]
    fn cleartext_endpoints_off_loopback_are_refused() {
        let out = Command::new(env!("CARGO_BIN_EXE_kvtrail"))
            .args(["stats", "--workspace", WORKSPACE, "--endpoint", "http://la.example.com", "--since", "1d"])
            .output()
            .expect("run");
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("plain http:// is accepted only for loopback"));
    }
}
