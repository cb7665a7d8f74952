//! Server-side pivots against the Query API emulator: the workspace counts a drill-down (`count` and four
//! `summarize … by value | top N` queries), and `kvtrail query` above `--max-events` opens in server mode,
//! loading only the slice the analyst drills down to.

mod la_emulator;
#[path = "common/tmux.rs"]
mod tmux;

use std::sync::Arc;

use jiff::Timestamp;
use kvtrail::source::cloud;
use kvtrail::source::loganalytics::fetch::{Request, Tables};
use kvtrail::source::loganalytics::live::{self, Live};
use kvtrail::store::Dim;
use kvtrail::store::remote::RemoteClause;
use la_emulator::{Emulator, Static, TOKEN, WORKSPACE, Workspace, diagnostics, fake_az};

/// 40 rows over three vaults (14, 13, 13), every fourth one a 403.
fn workspace() -> Workspace {
    let mut rows = diagnostics("2026-10-01T00:00:00Z", 40, 60, &["kv-a", "kv-b", "kv-c"]);
    for (i, row) in rows.iter_mut().enumerate().filter(|(i, _)| i % 4 == 0) {
        row.columns.insert("httpStatusCode_d".into(), serde_json::json!(403));
        row.columns.insert("CallerIPAddress".into(), serde_json::json!(format!("198.51.100.{}", i % 3)));
    }
    let mut w = Workspace { row_limit: 1000, ..Workspace::default() };
    w.tables.insert("AzureDiagnostics".into(), rows);
    w
}

fn live(emulator: &Emulator) -> Live {
    Live {
        workspace: WORKSPACE.into(),
        endpoint: cloud::endpoint(&emulator.url()).expect("loopback"),
        scope: cloud::Cloud::Public.query_scope(),
        request: Request {
            from: "2026-10-01T00:00:00Z".parse::<Timestamp>().expect("time"),
            to: "2026-10-02T00:00:00Z".parse::<Timestamp>().expect("time"),
            tables: Tables::Auto,
            vaults: Vec::new(),
            activity: false,
            max_rows: 1000,
            scope: Vec::new(),
        },
        save: None,
        follow: None,
    }
}

#[test]
fn the_workspace_counts_a_drill_down() {
    let emulator = Emulator::start(workspace());
    let live = live(&emulator);
    let http = kvtrail::source::http::client().expect("client");
    let all = live::summarize(&live, http.clone(), Arc::new(Static(TOKEN)), &[]).expect("counts");
    assert_eq!(all.total, 40);
    let vaults: Vec<(&str, u64, u64)> = all.facets[2].iter().map(|f| (f.value.as_str(), f.total, f.failed)).collect();
    assert_eq!(vaults, [("kv-a", 14, 4), ("kv-b", 13, 3), ("kv-c", 13, 3)]);
    assert_eq!(all.facets[1][0].value, "alice@contoso.com");
    assert_eq!(all.facets[3][0].value, "SecretGet");

    // OR within a dimension, AND across, exclusion: the workspace applies it, not kvtrail.
    let scope = [
        RemoteClause { dim: Dim::Vault, value: "kv-a".into(), exclude: false },
        RemoteClause { dim: Dim::Vault, value: "KV-B".into(), exclude: false },
        RemoteClause { dim: Dim::CallerIp, value: "198.51.100.0".into(), exclude: true },
    ];
    let some = live::summarize(&live, http.clone(), Arc::new(Static(TOKEN)), &scope).expect("counts");
    let excluded = (0..40).filter(|i| i % 3 != 2 && i % 4 == 0 && i % 3 == 0).count() as u64;
    assert_eq!(some.total, 27 - excluded);
    assert!(some.facets[0].iter().all(|f| f.value != "198.51.100.0"));
    assert!(some.facets[2].iter().all(|f| f.value != "kv-c"));
    let sent = emulator.queries();
    assert!(sent.iter().any(|q| q.contains("| where tolower(Resource) in~ (\"kv-a\", \"KV-B\")")), "{sent:?}");
    assert!(sent.iter().all(|q| !q.contains(TOKEN)));

    // The drilled slice is what a scoped fetch brings.
    let mut sliced = live.clone();
    sliced.request.scope = scope.to_vec();
    let fetched = live::run(&sliced, http, Arc::new(Static(TOKEN)), &mut |_, _| true).expect("fetch");
    assert_eq!(fetched.summary.rows, some.total);
}

/// The real binary: above `--max-events` the workbench counts in the workspace, a drill-down small enough
/// loads, Backspace goes back to counting.
#[test]
fn query_opens_in_server_mode_above_max_events() {
    let dir = tempfile::tempdir().expect("dir");
    let path = fake_az(dir.path());
    let emulator = Emulator::start(workspace());
    let command = format!(
        "sh -c 'PATH={} {} query --workspace {WORKSPACE} --endpoint {} --auth cli \
         --from 2026-10-01T00:00:00Z --to 2026-10-02T00:00:00Z --max-events 20; echo kvtrail-exited-$?; sleep 60'",
        path,
        env!("CARGO_BIN_EXE_kvtrail"),
        emulator.url(),
    );
    let t = tmux::Tmux::start(120, 40, &command);
    let first = t.wait_for(&["SERVER MODE · 40 events counted by the workspace", "kv-a", "14"]);
    assert!(!first.contains(TOKEN), "{first}");
    t.keys(&["3", "Enter"]);
    t.wait_for(&["SERVER MODE · slice ⌂vault=kv-a", "⌂vault=kv-a", "14 / 14 events"]);
    t.keys(&["BSpace"]);
    t.wait_for(&["SERVER MODE · 40 events counted"]);
    t.keys(&["q"]);
    t.wait_for(&["kvtrail-exited-0"]);
}
