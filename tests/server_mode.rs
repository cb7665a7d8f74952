//! Server mode driven headless: a source that counts for the workbench (here an in-process one over a fixed set
//! of events, answering exactly what a workspace's `summarize` would), the runner's part played by the test —
//! counts asked for on every drill-down change, the slice fetched once small enough, back to counting when the
//! drill-down is popped.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kvtrail::ingest::source::Source;
use kvtrail::store::remote::{REMOTE_DIMS, RemoteClause, RemoteCounts, RemoteFacet};
use kvtrail::store::{Dim, Progress, load};
use kvtrail::tui::app::{App, Effect, LoadState};
use kvtrail::tui::keymap::Keymap;
use kvtrail::tui::panes;
use kvtrail::tui::remote::Remote;
use kvtrail::tui::run::{Stream, StreamState};
use kvtrail::tui::theme::{Theme, ThemeName};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

/// One event: caller IP, identity, vault, operation, failed.
type Event = (&'static str, &'static str, &'static str, &'static str, bool);

struct Workspace {
    events: Vec<Event>,
    threshold: u64,
}

fn value(e: &Event, dim: Dim) -> &'static str {
    match dim {
        Dim::CallerIp => e.0,
        Dim::Identity => e.1,
        Dim::Vault => e.2,
        _ => e.3,
    }
}

impl Workspace {
    fn under(&self, scope: &[RemoteClause]) -> Vec<Event> {
        self.events
            .iter()
            .copied()
            .filter(|e| {
                REMOTE_DIMS.iter().all(|&dim| {
                    let chosen: Vec<&RemoteClause> = scope.iter().filter(|c| c.dim == dim && !c.exclude).collect();
                    let v = value(e, dim);
                    (chosen.is_empty() || chosen.iter().any(|c| c.value.eq_ignore_ascii_case(v)))
                        && !scope.iter().any(|c| c.dim == dim && c.exclude && c.value.eq_ignore_ascii_case(v))
                })
            })
            .collect()
    }
}

impl Remote for Workspace {
    fn threshold(&self) -> u64 {
        self.threshold
    }

    fn summarize(&self, scope: &[RemoteClause]) -> Result<RemoteCounts, String> {
        let events = self.under(scope);
        let facets = REMOTE_DIMS.map(|dim| {
            let mut out: Vec<RemoteFacet> = Vec::new();
            for e in &events {
                let v = value(e, dim);
                match out.iter_mut().find(|f| f.value == v) {
                    Some(f) => {
                        f.total += 1;
                        f.failed += e.4 as u64;
                    }
                    None => out.push(RemoteFacet { value: v.into(), total: 1, failed: e.4 as u64 }),
                }
            }
            out.sort_by(|a, b| b.total.cmp(&a.total).then(a.value.cmp(&b.value)));
            out
        });
        Ok(RemoteCounts { total: events.len() as u64, facets, queries: vec!["AzureDiagnostics | summarize".into()] })
    }

    fn fetch(&self, scope: Vec<RemoteClause>) -> Stream {
        let events = self.under(&scope);
        Box::new(move |update| {
            let rows: Vec<_> = events
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    json!([
                        format!("2026-10-01T00:{:02}:{:02}Z", i / 60, i % 60),
                        "AzureDiagnostics",
                        format!(
                            "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{}",
                            e.2.to_uppercase()
                        ),
                        e.2.to_uppercase(),
                        "MICROSOFT.KEYVAULT",
                        "AuditEvent",
                        e.3,
                        e.0,
                        format!("c-{i}"),
                        if e.4 { 403 } else { 200 },
                        e.1
                    ])
                })
                .collect();
            let columns: Vec<_> = [
                "TimeGenerated",
                "Type",
                "ResourceId",
                "Resource",
                "ResourceProvider",
                "Category",
                "OperationName",
                "CallerIPAddress",
                "CorrelationId",
                "httpStatusCode_d",
                "identity_claim_upn_s",
            ]
            .iter()
            .map(|n| json!({"name": n, "type": "string"}))
            .collect();
            let body = json!({"tables": [{"name": "PrimaryResult", "columns": columns, "rows": rows}]});
            let source = Source::from_vec("slice", body.to_string().as_bytes()).map_err(|e| e.to_string())?;
            let state =
                StreamState { status: format!("{} rows", events.len()), settled: true, ..StreamState::default() };
            update(std::slice::from_ref(&source), &state);
            Ok((vec![source], state))
        })
    }
}

fn workspace() -> Workspace {
    let mut events = Vec::new();
    for i in 0..30 {
        events.push(("10.0.0.1", "alice@contoso.com", "kv-big", "SecretGet", i % 10 == 0));
    }
    for i in 0..8 {
        events.push(("10.0.0.2", "bob@contoso.com", "kv-small", if i < 5 { "SecretGet" } else { "SecretList" }, false));
    }
    for _ in 0..4 {
        events.push(("10.0.0.3", "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "kv-small", "KeyGet", true));
    }
    Workspace { events, threshold: 12 }
}

fn new_app() -> App {
    let load = LoadState::Done { report: Default::default(), took: Duration::ZERO };
    let store = Arc::new(kvtrail::tui::run::empty_store());
    App::new(store, load, Keymap::default_map(), Theme::new(ThemeName::Ansi16), "workspace w".into())
}

/// Plays the runner: counts and slices asked for by the app's effects, until none is left.
fn settle(app: &mut App, remote: &Workspace) {
    while let Some(effect) = app.effects.pop() {
        match effect {
            Effect::Summarize(scope) => {
                let answer = remote.summarize(&scope);
                app.remote_answer(scope, answer);
            }
            Effect::FetchSlice(scope) => {
                // The runner draws while the slice loads: the panes must be consistent in between.
                screen(app);
                let (sources, _) = (remote.fetch(scope))(&mut |_, _| true).expect("fetch");
                let (store, report) = load::load(sources, Vec::new(), &Progress::default());
                app.finish_load(Arc::new(store), report);
            }
            _ => {}
        }
    }
}

fn press(app: &mut App, remote: &Workspace, code: KeyCode) {
    app.on_key(&KeyEvent::new(code, KeyModifiers::NONE));
    settle(app, remote);
}

fn screen(app: &mut App) -> String {
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| drop(panes::draw(f, app))).expect("draw");
    t.backend().to_string()
}

#[test]
fn pivots_are_counted_by_the_workspace_until_a_drill_down_is_small_enough_to_load() {
    let remote = workspace();
    let mut app = new_app();
    app.start_remote(remote.threshold);
    settle(&mut app, &remote);
    let s = screen(&mut app);
    assert!(s.contains("SERVER MODE · 42 events counted by the workspace · drill down to ≤ 12"), "{s}");
    assert!(s.contains("counted by the workspace"));
    assert!(s.contains("kv-big") && s.contains("kv-small"), "{s}");
    // The raw application id the workspace counted reads as its well-known name.
    assert!(s.contains("Azure CLI"), "{s}");
    assert_eq!(app.counts.selection.len(), 0, "nothing loaded");

    // Drill into kv-big (30 events: still too many): counted again, nothing loaded.
    press(&mut app, &remote, KeyCode::Char('3'));
    assert_eq!(app.pivot_cursor_label(kvtrail::tui::pane::Pane::Vault).as_deref(), Some("kv-big"));
    press(&mut app, &remote, KeyCode::Enter);
    let s = screen(&mut app);
    assert!(s.contains("SERVER MODE · 30 events counted"), "{s}");
    assert!(s.contains("⌂vault=kv-big"), "{s}");
    assert_eq!(app.counts.selection.len(), 0);

    // Back, and exclude kv-big instead: 12 events left, few enough: the slice loads and the workbench works
    // on it locally, the drill-down first in the breadcrumbs.
    press(&mut app, &remote, KeyCode::Backspace);
    assert!(screen(&mut app).contains("42 events counted"));
    press(&mut app, &remote, KeyCode::Char('x'));
    assert_eq!(app.counts.selection.len(), 12);
    let s = screen(&mut app);
    assert!(s.contains("SERVER MODE · slice ⌂vault≠kv-big"), "{s}");
    assert!(s.contains("⌂vault≠kv-big"), "{s}");
    // Local filters narrow the slice as usual…
    press(&mut app, &remote, KeyCode::Char('4'));
    press(&mut app, &remote, KeyCode::Enter);
    assert!(app.counts.selection.len() < 12 && !app.counts.selection.is_empty());
    // …Backspace pops them first, then the workspace's drill-down: counting again, nothing loaded.
    press(&mut app, &remote, KeyCode::Backspace);
    assert_eq!(app.counts.selection.len(), 12);
    press(&mut app, &remote, KeyCode::Backspace);
    assert_eq!(app.counts.selection.len(), 0);
    assert!(screen(&mut app).contains("SERVER MODE · 42 events counted"));
}

#[test]
fn a_late_count_is_dropped_and_a_small_range_is_not_server_mode() {
    let remote = workspace();
    let mut app = new_app();
    app.start_remote(remote.threshold);
    settle(&mut app, &remote);
    press(&mut app, &remote, KeyCode::Char('3'));
    app.on_key(&KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    // The answer for the whole range arrives after the drill-down: not shown.
    let late = remote.summarize(&[]);
    app.remote_answer(Vec::new(), late);
    assert!(screen(&mut app).contains("(recounting…)"));
    settle(&mut app, &remote);
    assert!(screen(&mut app).contains("30 events counted"));

    // A range under the threshold is simply loaded.
    let small = Workspace { events: remote.events[30..].to_vec(), threshold: 100 };
    let mut app = new_app();
    app.start_remote(small.threshold);
    settle(&mut app, &small);
    assert!(app.remote.is_none());
    assert_eq!(app.counts.selection.len(), 12);
    assert!(!screen(&mut app).contains("SERVER MODE"));
}

#[test]
fn a_failed_count_is_said_and_clear_asks_again() {
    let remote = workspace();
    let mut app = new_app();
    app.start_remote(remote.threshold);
    let Some(Effect::Summarize(scope)) = app.effects.pop() else { panic!("asks for a count first") };
    app.remote_answer(scope, Err("HTTP 503 after 6 attempts".into()));
    let s = screen(&mut app);
    assert!(s.contains("the workspace could not count: HTTP 503"), "{s}");
    assert!(s.contains("counting in the workspace…"), "{s}");
    // Outside a pivot, filters that need events say why nothing happens.
    press(&mut app, &remote, KeyCode::Char('5'));
    press(&mut app, &remote, KeyCode::Char('/'));
    assert!(screen(&mut app).contains("still in the workspace"));
    press(&mut app, &remote, KeyCode::Char('C'));
    assert!(screen(&mut app).contains("42 events counted"));
}
