//! The workbench driven headless: real keymap, real demo data, ratatui's `TestBackend`. Snapshots of the main
//! screens (insta), key-driven pivot flows asserting the counts, every size down to nothing, and escape
//! sequences from a hostile record arriving in the buffer as visible text.

mod common;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kvtrail::event::Outcome;
use kvtrail::store::load::{self, LoadReport};
use kvtrail::store::{Dim, Progress, Store};
use kvtrail::tui::app::{App, Effect, LoadState, RawRecord};
use kvtrail::tui::keymap::Keymap;
use kvtrail::tui::pane::Pane;
use kvtrail::tui::panes;
use kvtrail::tui::run::raw_text;
use kvtrail::tui::theme::{Theme, ThemeName};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn demo() -> (Store, LoadReport) {
    load::load(kvtrail::demo::sources().expect("demo"), Vec::new(), &Progress::default())
}

fn app_with(store: Store, report: LoadReport) -> App {
    let load = LoadState::Done { report, took: Duration::ZERO };
    App::new(Arc::new(store), load, Keymap::default_map(), Theme::new(ThemeName::Ansi16), "test".into())
}

/// The demo as the runner shows it once loading and the detections are done.
fn demo_app() -> App {
    let (store, report) = demo();
    let mut app = app_with(store, report);
    detect(&mut app);
    app
}

/// Runs the detections on the app's store and hands them over, as the runner's detector thread does.
fn detect(app: &mut App) {
    let intel = kvtrail::demo::intel().expect("demo intel");
    let rules = kvtrail::detect::RuleSet::builtin().expect("rules");
    let found = kvtrail::detect::run(&app.store, &intel, &rules);
    let store = app.store.clone();
    app.set_detections(&store, Arc::new(found));
}

/// Does what the runner does with effects, synchronously.
fn settle(app: &mut App) {
    for effect in std::mem::take(&mut app.effects) {
        if let Effect::LoadRaw(row) = effect {
            let text = raw_text(&app.store, row);
            app.set_raw(RawRecord { row, text });
        }
    }
}

fn key(app: &mut App, spec: &str) {
    let code = match spec {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backspace" => KeyCode::Backspace,
        "down" => KeyCode::Down,
        "up" => KeyCode::Up,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "space" => KeyCode::Char(' '),
        s => KeyCode::Char(s.chars().next().expect("a key")),
    };
    let shift = matches!(code, KeyCode::Char(c) if c.is_ascii_uppercase());
    let mods = if shift { KeyModifiers::SHIFT } else { KeyModifiers::NONE };
    app.on_key(&KeyEvent::new(code, mods));
    settle(app);
}

fn keys(app: &mut App, specs: &[&str]) {
    for s in specs {
        key(app, s);
    }
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    settle(app);
}

fn render(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| drop(panes::draw(f, app))).expect("draw");
    settle(app);
    terminal.draw(|f| drop(panes::draw(f, app))).expect("draw");
    terminal
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    render(app, w, h).backend().to_string()
}

fn visible(app: &App) -> usize {
    app.counts.selection.len()
}

/// Events whose `dim` value is `label`, counted straight from the columns.
fn count_where(store: &Store, dim: Dim, label: &str) -> usize {
    (0..store.len()).filter(|&r| store.label(dim, store.column(dim)[r]) == label).count()
}

fn pivot_label(app: &App, pane: Pane) -> String {
    app.pivot_cursor_label(pane).expect("a value under the cursor")
}

#[test]
fn snapshots_of_the_main_screens() {
    let mut app = demo_app();
    insta::assert_snapshot!("start_120x40", screen(&mut app, 120, 40));
    insta::assert_snapshot!("start_80x24", screen(&mut app, 80, 24));
    keys(&mut app, &["3", "down", "enter", "4", "enter"]);
    insta::assert_snapshot!("drilled_120x40", screen(&mut app, 120, 40));
    insta::assert_snapshot!("drilled_80x24", screen(&mut app, 80, 24));
    keys(&mut app, &["5", "enter"]);
    insta::assert_snapshot!("detail_80x24", screen(&mut app, 80, 24));
    key(&mut app, "?");
    insta::assert_snapshot!("help_80x24", screen(&mut app, 80, 24));
    keys(&mut app, &["esc", "E"]);
    insta::assert_snapshot!("errors_80x24", screen(&mut app, 80, 24));
}

#[test]
fn drill_narrow_exclude_or_pop_clear() {
    let mut app = demo_app();
    let total = app.store.len();
    assert_eq!(visible(&app), total);

    // Enter on a vault filters everything to it; the other panes recount.
    keys(&mut app, &["3", "down"]);
    let vault = pivot_label(&app, Pane::Vault);
    key(&mut app, "enter");
    let in_vault = count_where(&app.store, Dim::Vault, &vault);
    assert_eq!(visible(&app), in_vault);
    let op_total: u32 = app.counts.facets[3].iter().map(|f| f.total).sum();
    assert_eq!(op_total as usize, in_vault, "the operation pane recounts under the vault filter");

    // Enter in another pane narrows further.
    key(&mut app, "4");
    let op = pivot_label(&app, Pane::Operation);
    key(&mut app, "enter");
    let both = (0..app.store.len())
        .filter(|&r| {
            app.store.label(Dim::Vault, app.store.column(Dim::Vault)[r]) == vault
                && app.store.label(Dim::Operation, app.store.column(Dim::Operation)[r]) == op
        })
        .count();
    assert_eq!(visible(&app), both);
    assert_eq!(app.crumbs.list.len(), 2);

    // OR within a dimension: the operation pane still lists the other operations; `+` adds one.
    keys(&mut app, &["down"]);
    let op2 = pivot_label(&app, Pane::Operation);
    assert_ne!(op, op2);
    key(&mut app, "+");
    let either = (0..app.store.len())
        .filter(|&r| {
            let o = app.store.label(Dim::Operation, app.store.column(Dim::Operation)[r]);
            app.store.label(Dim::Vault, app.store.column(Dim::Vault)[r]) == vault && (o == op || o == op2)
        })
        .count();
    assert_eq!(visible(&app), either);

    // Backspace pops the last filter.
    key(&mut app, "backspace");
    assert_eq!(visible(&app), both);
    key(&mut app, "backspace");
    assert_eq!(visible(&app), in_vault);

    // One key excludes instead.
    keys(&mut app, &["2"]);
    let who = pivot_label(&app, Pane::Identity);
    let who_in_vault = app.pivots[1].rows[app.pivots[1].cursor].facet.total as usize;
    key(&mut app, "x");
    assert_eq!(visible(&app), in_vault - who_in_vault);
    assert!(app.pivots[1].rows.iter().all(|r| app.label(Dim::Identity, r.facet.id) != who), "excluded values leave");

    // One key clears everything.
    key(&mut app, "C");
    assert_eq!(visible(&app), total);
    assert!(app.crumbs.list.is_empty());
}

#[test]
fn pivots_from_an_event_row_and_failures_only() {
    let mut app = demo_app();
    keys(&mut app, &["5", "down", "down", "down"]);
    let row = app.selected_row().expect("a row");
    let ip = app.store.label(Dim::CallerIp, app.store.column(Dim::CallerIp)[row]).into_owned();
    key(&mut app, "i");
    assert_eq!(visible(&app), count_where(&app.store, Dim::CallerIp, &ip));
    assert_eq!(app.selected_row(), Some(row), "the selected event stays selected");
    for (k, dim) in [("u", Dim::Identity), ("v", Dim::Vault), ("o", Dim::Operation)] {
        key(&mut app, k);
        assert!(app.counts.selection.iter().all(|r| app.store.column(dim)[r] == app.store.column(dim)[row]));
    }
    assert_eq!(app.crumbs.list.len(), 4);
    key(&mut app, "C");
    key(&mut app, "!");
    let failed = (0..app.store.len()).filter(|&r| app.store.failed(r)).count();
    assert_eq!(visible(&app), failed);
    assert!(app.crumbs.list[0].clause == kvtrail::store::Clause::Outcome(Outcome::Failure));
    key(&mut app, "!");
    assert_eq!(visible(&app), app.store.len());
}

#[test]
fn fuzzy_filter_in_the_event_table_and_a_pivot() {
    let mut app = demo_app();
    let total = visible(&app);
    keys(&mut app, &["5", "/"]);
    typed(&mut app, "brkglss");
    let after = visible(&app);
    assert!(after > 0 && after < total, "{after} of {total}");
    // Every shown event matches in one of the fuzzy columns.
    let matcher = kvtrail::store::fuzzy_matcher();
    use fuzzy_matcher::FuzzyMatcher;
    for row in app.counts.selection.iter() {
        let s = &app.store;
        let texts = [
            s.label(Dim::Identity, s.column(Dim::Identity)[row]).into_owned(),
            s.label(Dim::Object, s.column(Dim::Object)[row]).into_owned(),
            s.label(Dim::UserAgent, s.column(Dim::UserAgent)[row]).into_owned(),
            s.dicts.uris.get(s.cols.request_uri[row]).to_string(),
        ];
        assert!(texts.iter().any(|t| matcher.fuzzy_match(t, "brkglss").is_some()), "{texts:?}");
    }
    // Narrowing per keystroke; Backspace widens again.
    typed(&mut app, "x");
    let narrower = visible(&app);
    assert!(narrower <= after);
    key(&mut app, "backspace");
    assert_eq!(visible(&app), after);
    let text = screen(&mut app, 120, 40);
    assert!(text.contains("/Events brkglss"), "the prompt shows what is typed:\n{text}");
    // Enter keeps it (as a breadcrumb); Esc on a new prompt restores it.
    key(&mut app, "enter");
    assert!(app.prompt.is_none());
    let text = screen(&mut app, 120, 40);
    assert!(text.contains("~brkglss"), "the pattern is a breadcrumb:\n{text}");
    assert_eq!(visible(&app), after);
    key(&mut app, "/");
    typed(&mut app, "zzzz");
    key(&mut app, "esc");
    assert_eq!(visible(&app), after);

    // In a pivot pane the prompt narrows the list, with the matched characters recorded for highlighting.
    keys(&mut app, &["C", "2", "/"]);
    typed(&mut app, "zoe");
    let rows = &app.pivots[1].rows;
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| !r.matched.is_empty() && app.label(Dim::Identity, r.facet.id).contains('z')));
    key(&mut app, "enter");
    key(&mut app, "enter");
    assert!(visible(&app) < total);
}

#[test]
fn timeline_span_filters_time() {
    let mut app = demo_app();
    let _ = screen(&mut app, 120, 40);
    keys(&mut app, &["7", "right", "right", "space", "right", "right", "right"]);
    let (a, b) = (app.histogram.start(2), app.histogram.start(6));
    key(&mut app, "enter");
    let expected = (0..app.store.len()).filter(|&r| app.store.time(r) >= a && app.store.time(r) < b).count();
    assert_eq!(visible(&app), expected);
    assert!(expected > 0);
}

#[test]
fn every_size_draws_without_panic() {
    let mut app = demo_app();
    for (w, h) in [
        (0, 0),
        (1, 1),
        (20, 5),
        (39, 11),
        (40, 12),
        (41, 13),
        (60, 20),
        (79, 23),
        (80, 24),
        (119, 35),
        (120, 36),
        (200, 60),
    ] {
        for setup in [&[][..], &["5", "enter"], &["z"], &["?"], &["E"], &["7"], &["2", "/"]] {
            let mut app2 = demo_app();
            keys(&mut app2, setup);
            let terminal = render(&mut app2, w, h);
            if w == 0 || h == 0 {
                continue; // drawn without panic; TestBackend cannot print an empty buffer
            }
            let text = terminal.backend().to_string();
            if w < 40 || h < 12 {
                assert!(w < 10 || h < 2 || text.contains("kvtrail needs"), "{w}x{h}:\n{text}");
            }
        }
        drop(render(&mut app, w, h));
    }
}

#[test]
fn escape_sequences_reach_the_buffer_escaped() {
    let hostile = concat!(
        r#"{"time":"2026-10-01T10:00:00.0000000Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-EVIL","#,
        r#""operationName":"SecretGet","resultSignature":"OK","durationMs":"1","callerIpAddress":"10.0.0.1","#,
        r#""identity":{"claim":{"upn":"mallory\u001b]2;pwned\u0007@contoso.com","oid":"o1"}},"#,
        r#""properties":{"id":"https://kv-evil.vault.azure.net/secrets/\u001b[2Jwipe","clientInfo":"curl\u001b]52;c;aGk=\u0007 \u202eevil","#,
        r#""requestUri":"https://kv-evil.vault.azure.net/secrets/x?api-version=7.4","httpStatusCode":200}}"#,
        "\n"
    );
    let common::Loaded { store, report, dir: _dir } = common::load_one("hostile.jsonl", hostile.as_bytes());
    assert_eq!(store.len(), 1, "{:?}", report.rejections().collect::<Vec<_>>());
    let mut app = app_with(store, report);
    keys(&mut app, &["5", "enter"]);
    for (w, h) in [(120, 40), (80, 24)] {
        let terminal = render(&mut app, w, h);
        let buffer = terminal.backend().buffer();
        for cell in buffer.content() {
            assert!(
                !cell.symbol().chars().any(|c| c.is_control() || c == '\u{202e}'),
                "raw control in {:?}",
                cell.symbol()
            );
        }
        let text = terminal.backend().to_string();
        assert!(text.contains(r"\x1b"), "escapes are shown escaped:\n{text}");
    }
}

#[test]
fn findings_inline_filter_to_evidence_and_jump_between_flagged_events() {
    let mut app = demo_app();
    let findings = app.findings.findings().to_vec();
    assert!(findings.len() >= 8, "the demo's scenarios are found");
    // The certificate export (scenario 2): select it in the findings pane and filter to its evidence.
    let i = findings.iter().position(|f| f.rule == "KV-07").expect("KV-07 found");
    key(&mut app, "8");
    for _ in 0..i {
        key(&mut app, "down");
    }
    assert_eq!(app.findings.cursor, i);
    let screen_findings = screen(&mut app, 120, 40);
    assert!(screen_findings.contains("KV-07"), "{screen_findings}");
    key(&mut app, "enter");
    assert_eq!(app.focus, Pane::Events);
    assert_eq!(app.crumbs.list.len(), 3, "identity, vault and time span");
    let f = &findings[i];
    let expected = (0..app.store.len())
        .filter(|&r| {
            app.store.column(Dim::Identity)[r] == f.identities[0]
                && app.store.column(Dim::Vault)[r] == f.vaults[0]
                && (f.first..=f.last).contains(&app.store.time(r).0)
        })
        .count();
    assert_eq!(visible(&app), expected);
    let row = app.selected_row().expect("an event");
    let flag = app.findings.flag(row).expect("the cursor is on the evidence");
    assert_eq!(app.findings.findings()[flag.finding as usize].rule, "KV-07");
    let shown = screen(&mut app, 120, 40);
    assert!(shown.contains("H1") && shown.contains("KV-07"), "{shown}");
    // n / N walk the flagged events under the filter.
    key(&mut app, "n");
    let next = app.selected_row().expect("an event");
    assert!(next > row && app.findings.flag(next).is_some());
    key(&mut app, "N");
    assert_eq!(app.selected_row(), Some(row));
    // The pivot panes mark values involved in findings.
    assert!(app.flagged(Dim::Identity, f.identities[0]).is_some_and(|s| s >= kvtrail::detect::Severity::High));
    let benign = (1..app.store.cardinality(Dim::Identity) as u32).find(|&id| app.flagged(Dim::Identity, id).is_none());
    assert!(benign.is_some(), "not every identity is marked");
}

#[test]
fn detections_for_a_replaced_store_are_ignored() {
    let mut app = demo_app();
    assert!(!app.findings.findings().is_empty());
    let old = app.store.clone();
    app.replace_store(Arc::new(demo().0));
    assert!(app.findings.findings().is_empty() && app.findings.running);
    let stale = kvtrail::detect::run(
        &old,
        &kvtrail::demo::intel().expect("intel"),
        &kvtrail::detect::RuleSet::builtin().expect("rules"),
    );
    app.set_detections(&old, Arc::new(stale));
    assert!(app.findings.findings().is_empty(), "rows of another store would mark the wrong events");
    detect(&mut app);
    assert!(!app.findings.findings().is_empty());
}

#[test]
fn a_partial_store_is_replaced_keeping_filters() {
    let (store, report) = demo();
    let vault = store.label(Dim::Vault, store.column(Dim::Vault)[0]).into_owned();
    let empty = kvtrail::tui::run::empty_store();
    let progress = Arc::new(Progress::default());
    let load = LoadState::Loading { progress, started: std::time::Instant::now() };
    let mut app = App::new(Arc::new(empty), load, Keymap::default_map(), Theme::new(ThemeName::Mono), "t".into());
    let loading = screen(&mut app, 80, 24);
    assert!(loading.contains("loading"), "{loading}");
    app.replace_store(Arc::new(demo().0));
    keys(&mut app, &["3"]);
    let i = app.pivots[2].rows.iter().position(|r| app.label(Dim::Vault, r.facet.id) == vault).expect("listed");
    app.pivots[2].cursor = i;
    key(&mut app, "enter");
    let n = visible(&app);
    app.finish_load(Arc::new(store), report);
    assert_eq!(visible(&app), n, "the filter survives the store swap");
    assert_eq!(app.crumbs.list.len(), 1);
}

/// On large terminals the event table owns whole lines, so scrolling it is the terminal's own line scroll and
/// no other pane shares (and must repaint) its rows; below 160x50 the detail sits beside it.
#[test]
fn wide_terminals_give_the_table_whole_lines() {
    for (w, h, whole) in [(200u16, 60u16, true), (160, 50, true), (159, 50, false), (120, 40, false)] {
        let mut app = demo_app();
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        let mut areas = None;
        terminal.draw(|f| areas = panes::draw(f, &mut app)).expect("draw");
        let areas = areas.expect("a full layout");
        let events = areas.pane(Pane::Events).expect("events shown");
        let detail = areas.pane(Pane::Detail).expect("detail shown");
        let findings = areas.pane(Pane::Findings).expect("findings shown");
        assert_eq!(events.width == w, whole, "{w}x{h}: {events:?}");
        let beside = |r: ratatui::layout::Rect| r.y < events.bottom() && events.y < r.bottom();
        assert_eq!(!beside(detail) && !beside(findings), whole, "{w}x{h}: {detail:?} {findings:?}");
        if whole {
            assert!(detail.y >= events.bottom() && findings.y == detail.y, "{w}x{h}: below the table");
        }
    }
}
