//! Follow mode against the Query API emulator: rows that reach the workspace after the first fetch arrive
//! with the next poll, late rows inside the overlap window too, and no row is handed over twice; a failed poll
//! is said and its stretch asked for again. And `kvtrail query` signs in before it opens anything.

mod la_emulator;
#[path = "common/tmux.rs"]
mod tmux;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use kvtrail::ingest::source::StreamState;
use kvtrail::source::cloud;
use kvtrail::source::loganalytics::fetch::{Request, Tables};
use kvtrail::source::loganalytics::follow::Follow;
use kvtrail::source::loganalytics::live::{self, Live};
use la_emulator::{Emulator, Fault, FaultResponse, Static, TOKEN, WORKSPACE, Workspace, diagnostics, fake_az};

/// `n` rows one second apart from `ago` before now, with correlation ids from `first`.
fn rows_since(ago: SignedDuration, n: usize, first: usize) -> Vec<la_emulator::Row> {
    let start = (Timestamp::now() - ago).to_string();
    let mut rows = diagnostics(&start, n, 1, &["kv-live"]);
    for (i, row) in rows.iter_mut().enumerate() {
        row.columns.insert("CorrelationId".into(), serde_json::json!(format!("follow-{:06}", first + i)));
    }
    rows
}

fn add(emulator: &Emulator, rows: Vec<la_emulator::Row>) {
    let mut w = emulator.workspace.lock().expect("workspace");
    w.tables.get_mut("AzureDiagnostics").expect("table").extend(rows);
}

/// Correlation ids over every source handed over, with how often each arrived.
fn arrived(sources: &[kvtrail::ingest::source::Source]) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for source in sources {
        let body: serde_json::Value = serde_json::from_slice(&source.bytes().expect("spooled")).expect("json");
        for table in body["tables"].as_array().into_iter().flatten() {
            let names: Vec<&str> =
                table["columns"].as_array().into_iter().flatten().filter_map(|c| c["name"].as_str()).collect();
            let at = names.iter().position(|n| *n == "CorrelationId").expect("CorrelationId projected");
            for row in table["rows"].as_array().into_iter().flatten() {
                *seen.entry(row[at].as_str().unwrap_or("").to_string()).or_insert(0) += 1;
            }
        }
    }
    seen
}

#[test]
fn polls_bring_new_and_late_rows_once_each() {
    let mut workspace = Workspace { row_limit: 1000, ..Workspace::default() };
    workspace.tables.insert("AzureDiagnostics".into(), rows_since(SignedDuration::from_mins(30), 40, 0));
    let emulator = Emulator::start(workspace);
    let now = Timestamp::now();
    let request = Request {
        from: now - SignedDuration::from_hours(1),
        to: now,
        tables: Tables::Auto,
        vaults: Vec::new(),
        activity: false,
        max_rows: 1000,
        scope: Vec::new(),
    };
    let live = Live {
        workspace: WORKSPACE.into(),
        endpoint: cloud::endpoint(&emulator.url()).expect("loopback"),
        scope: cloud::Cloud::Public.query_scope(),
        request,
        save: None,
        follow: Some(Follow { every: Duration::from_millis(150), overlap: SignedDuration::from_mins(20) }),
    };
    let http = kvtrail::source::http::client().expect("client");
    let mut settled: Vec<(StreamState, BTreeMap<String, usize>)> = Vec::new();
    let fetched = live::run(&live, http, Arc::new(Static(TOKEN)), &mut |status, sources| {
        if !status.settled {
            return true;
        }
        settled.push((status.clone(), arrived(sources)));
        match settled.len() {
            // After the first fetch: 10 new rows, and 5 late ones stamped 10 minutes ago (inside the overlap).
            1 => {
                add(&emulator, rows_since(SignedDuration::from_secs(30), 10, 100));
                add(&emulator, rows_since(SignedDuration::from_mins(10), 5, 200));
            }
            // Then a poll that fails (access withdrawn for a moment: not retried), and more rows that the poll
            // after it must still bring.
            2 => {
                let mut w = emulator.workspace.lock().expect("workspace");
                w.faults.push(Fault {
                    query_has: "bin(TimeGenerated".into(),
                    from: None,
                    to: None,
                    times: 1,
                    response: FaultResponse::Status(403, None),
                });
                drop(w);
                add(&emulator, rows_since(SignedDuration::from_secs(20), 7, 300));
            }
            _ => {}
        }
        settled.len() < 6
    })
    .expect("follow runs until told to stop");

    let (first, _) = &settled[0];
    assert!(!first.status.contains("following"), "{}", first.status);
    assert_eq!(settled[0].1.len(), 40);
    let (poll, ids) = &settled[1];
    assert!(poll.status.starts_with("following every 150 ms · polled"), "{}", poll.status);
    assert!(poll.status.contains("+15 new"), "{}", poll.status);
    assert_eq!(ids.len(), 55);
    assert!(settled.iter().any(|(s, _)| s.status.contains("failed, asked again")), "a failed poll is said");
    let last = arrived(&fetched.sources);
    assert_eq!(last.len(), 62, "every row, the late ones and the ones after the failed poll included");
    assert!(
        last.values().all(|&n| n == 1),
        "no row twice: {:?}",
        last.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    assert!(settled.iter().skip(2).any(|(s, _)| s.status.contains("seen again")));
    assert!(fetched.summary.queries.iter().all(|q| !q.contains(TOKEN)));
}

/// `kvtrail query` signs in first: when no method works it says why and exits, without opening the workbench.
#[test]
fn query_stops_with_a_clear_message_when_sign_in_fails() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let az = dir.path().join("az");
    std::fs::write(&az, "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n")
        .expect("az");
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let emulator = Emulator::start(Workspace::default());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kvtrail"))
        .env("PATH", format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default()))
        .args(["query", "--workspace", WORKSPACE, "--endpoint", &emulator.url(), "--auth", "cli", "--since", "1h"])
        .output()
        .expect("run kvtrail");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("az login"), "{stderr}");
    assert!(!stderr.contains("needs a terminal"), "signed in before anything else: {stderr}");
    assert!(emulator.queries().is_empty(), "nothing was asked of the workspace");
}

/// The real binary in a terminal: `query --follow` opens the workbench on the fetched rows, shows the follow
/// status, takes in rows that reach the workspace later (and finds what they show), marks the vault a coverage file says is unlogged and
/// shows the KQL it sent (`K`).
#[test]
fn the_workbench_follows_a_workspace() {
    let dir = tempfile::tempdir().expect("dir");
    let path = fake_az(dir.path());
    let coverage = dir.path().join("coverage.json");
    let report = serde_json::json!({"vaults": [
        {"name": "KV-LIVE", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/KV-LIVE",
         "subscription": "s", "resource_group": "rg", "location": "westeurope", "audit_logging": false,
         "checked": true, "reason": "no diagnostic setting sends AuditEvent"}], "errors": []});
    std::fs::write(&coverage, report.to_string()).expect("coverage");

    let mut workspace = Workspace { row_limit: 1000, ..Workspace::default() };
    workspace.tables.insert("AzureDiagnostics".into(), rows_since(SignedDuration::from_mins(30), 40, 0));
    let emulator = Emulator::start(workspace);
    let command = format!(
        "sh -c 'PATH={} {} query --workspace {WORKSPACE} --endpoint {} --auth cli --since 1h --follow 1s \
         --coverage {}; echo kvtrail-exited-$?; sleep 60'",
        path,
        env!("CARGO_BIN_EXE_kvtrail"),
        emulator.url(),
        coverage.display()
    );
    let t = tmux::Tmux::start(120, 40, &command);
    let first = t.wait_for(&["40 / 40 events", "following every 1 s", "⊘ kv-live"]);
    assert!(!first.contains(TOKEN), "{first}");
    assert!(first.contains("Findings 1H"), "alice's 40 reads are found at once:\n{first}");
    // Another identity's burst arrives later: the detections run on what arrives.
    let mut burst = rows_since(SignedDuration::from_secs(40), 30, 100);
    for row in &mut burst {
        row.columns.insert("identity_claim_upn_s".into(), serde_json::json!("mallory@contoso.com"));
    }
    add(&emulator, burst);
    t.wait_for(&["70 / 70 events", "+30 new", "Findings 2H", "mallory@"]);
    t.keys(&["K"]);
    t.wait_for(&["AzureDiagnostics", "| project TimeGenerated"]);
    t.keys(&["Escape", "q"]);
    t.wait_for(&["kvtrail-exited-0"]);
}
