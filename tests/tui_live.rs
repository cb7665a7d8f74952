//! The workbench with what a live source and a coverage report add, driven headless on the demo data: gaps
//! hatched on the timeline (glyphs, so the mono theme shows them), the queries overlay (`K`) with what `y`
//! copies from it, and the vault pane's mark for vaults without audit logging.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kvtrail::event::Ticks;
use kvtrail::ingest::source::Gap;
use kvtrail::source::coverage::Coverage;
use kvtrail::store::Progress;
use kvtrail::store::load;
use kvtrail::tui::app::{App, Effect, LoadState};
use kvtrail::tui::coverage::CoverageMarks;
use kvtrail::tui::keymap::{Context, Keymap};
use kvtrail::tui::pane::Pane;
use kvtrail::tui::panes::{self, Areas};
use kvtrail::tui::run::StreamState;
use kvtrail::tui::theme::{Theme, ThemeName};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;

fn demo_app(theme: ThemeName) -> App {
    let (store, report) = load::load(kvtrail::demo::sources().expect("demo"), Vec::new(), &Progress::default());
    let load = LoadState::Done { report, took: Duration::ZERO };
    App::new(Arc::new(store), load, Keymap::default_map(), Theme::new(theme), "workspace ws-1".into())
}

fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn ticks(s: &str) -> Ticks {
    Ticks::parse_iso(s).unwrap_or_else(|| panic!("{s}"))
}

const MIDDLE: (&str, &str) = ("2026-10-02T06:00:00Z", "2026-10-02T07:00:00Z");
/// After the demo's last event (2026-10-03 23:59): only the gap itself can stretch the timeline there.
const EDGE: (&str, &str) = ("2026-10-04T00:00:00Z", "2026-10-04T01:00:00Z");

const QUERY_1: &str = "AZKVAuditLogs\n| where TimeGenerated between (datetime(2026-10-01) .. datetime(2026-10-04))\n| project TimeGenerated, OperationName";
const QUERY_2: &str = "AzureDiagnostics\n| where ResourceProvider == \"MICROSOFT.KEYVAULT\"";

fn live() -> StreamState {
    StreamState {
        status: "14 slices, 4,964 rows, 2 GAPS".into(),
        gaps: vec![
            Gap { from: at(MIDDLE.0), to: at(MIDDLE.1), reason: "HTTP 503 after 5 attempts".into() },
            Gap { from: at(EDGE.0), to: at(EDGE.1), reason: "partial answer\u{1b}[2J twice".into() },
        ],
        queries: vec![QUERY_1.into(), QUERY_2.into()],
        ..StreamState::default()
    }
}

fn key(app: &mut App, c: char) {
    let mods = if c.is_ascii_uppercase() { KeyModifiers::SHIFT } else { KeyModifiers::NONE };
    app.on_key(&KeyEvent::new(KeyCode::Char(c), mods));
}

fn press(app: &mut App, code: KeyCode) {
    app.on_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

/// Draws twice (the first frame learns the viewport sizes), returning the buffer and where the panes went.
fn render(app: &mut App, w: u16, h: u16) -> (Buffer, Areas) {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    let mut areas = None;
    for _ in 0..2 {
        terminal.draw(|f| areas = panes::draw(f, app)).expect("draw");
    }
    (terminal.backend().buffer().clone(), areas.expect("a full layout"))
}

fn row_text(buffer: &Buffer, rect: Rect, y: u16) -> String {
    (rect.x..rect.right()).map(|x| buffer[(x, y)].symbol()).collect()
}

/// The timeline columns (0-based, inside the border) whose top row shows the gap glyph.
fn gap_columns(buffer: &Buffer, timeline: Rect) -> Vec<usize> {
    let y = timeline.y + 1;
    (timeline.x + 1..timeline.right() - 1)
        .filter(|&x| buffer[(x, y)].symbol() == "╳")
        .map(|x| (x - timeline.x - 1) as usize)
        .collect()
}

#[test]
fn gaps_are_hatched_on_the_timeline_and_stretch_its_range() {
    for theme in [ThemeName::Ansi16, ThemeName::Mono] {
        let mut app = demo_app(theme);
        let (plain, areas) = render(&mut app, 120, 40);
        let timeline = areas.pane(Pane::Timeline).expect("timeline shown");
        assert!(gap_columns(&plain, timeline).is_empty(), "no source, no gaps");
        let plain_end = app.histogram.start(app.histogram.bars.len());

        app.source = Some(live());
        let (buffer, areas) = render(&mut app, 120, 40);
        let timeline = areas.pane(Pane::Timeline).expect("timeline shown");
        let h = &app.histogram;
        let width = (timeline.width - 2) as usize;
        assert_eq!(h.bars.len(), width);
        // Columns whose time span overlaps a gap, from the bucket bounds and the gaps' own times.
        let overlaps = |i: usize, (f, t): (&str, &str)| h.start(i) < ticks(t) && h.start(i + 1) > ticks(f);
        let expected: Vec<usize> = (0..width).filter(|&i| overlaps(i, MIDDLE) || overlaps(i, EDGE)).collect();
        let shown = gap_columns(&buffer, timeline);
        assert_eq!(shown, expected, "{theme:?}");
        assert!(shown.contains(&(width - 1)), "the failed hour after the last event is on the timeline: {shown:?}");
        assert!(shown.iter().any(|&i| i < width / 2 + 10 && i > 10), "the middle gap shows: {shown:?}");
        assert!(h.start(width) > plain_end && h.start(width) >= ticks(EDGE.1), "the range covers the edge gap");
        let title = row_text(&buffer, timeline, timeline.y);
        assert!(title.contains("╳ 2 GAPS"), "{title}");
        let bottom = row_text(&buffer, timeline, timeline.bottom() - 1);
        assert!(bottom.contains("2026-10-04 01:"), "the end label is past the gap: {bottom}");
        // Not by colour alone: in mono the glyph is all there is, and it is there.
        let cell = &buffer[(timeline.x + 1 + shown[0] as u16, timeline.y + 1)];
        if theme == ThemeName::Mono {
            assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "mono draws no colour");
        } else {
            assert_ne!(cell.fg, Color::Reset, "the 16-colour theme adds the warning colour");
        }
        // Empty space above a bar in a gap column is hatched too.
        let below = (timeline.y + 2..timeline.bottom() - 1)
            .filter(|&y| expected.iter().any(|&i| buffer[(timeline.x + 1 + i as u16, y)].symbol() == "╳"));
        assert!(below.count() > 0, "gap columns are hatched below the top row");
    }
}

#[test]
fn a_drilled_time_window_keeps_only_the_gaps_inside_it() {
    let mut app = demo_app(ThemeName::Mono);
    app.source = Some(live());
    let _ = render(&mut app, 120, 40);
    // Drill the timeline to its first ten columns: before both gaps.
    key(&mut app, '7');
    key(&mut app, ' ');
    for _ in 0..9 {
        press(&mut app, KeyCode::Right);
    }
    press(&mut app, KeyCode::Enter);
    let (buffer, areas) = render(&mut app, 120, 40);
    let timeline = areas.pane(Pane::Timeline).expect("timeline shown");
    assert!(app.histogram.gaps.is_empty(), "{:?}", app.histogram.gaps);
    assert!(gap_columns(&buffer, timeline).is_empty());
    assert!(app.histogram.start(app.histogram.bars.len()) < ticks(MIDDLE.0), "the range is the window's");
}

#[test]
fn a_fetch_that_failed_whole_still_shows_its_gap() {
    let load = LoadState::Done { report: Default::default(), took: Duration::ZERO };
    let store = Arc::new(kvtrail::tui::run::empty_store());
    let mut app = App::new(store, load, Keymap::default_map(), Theme::new(ThemeName::Mono), "ws".into());
    app.source = Some(StreamState {
        gaps: vec![Gap { from: at(EDGE.0), to: at(EDGE.1), reason: "403".into() }],
        ..StreamState::default()
    });
    let (buffer, areas) = render(&mut app, 120, 40);
    let timeline = areas.pane(Pane::Timeline).expect("timeline shown");
    assert_eq!(gap_columns(&buffer, timeline).len(), (timeline.width - 2) as usize, "every column is the gap");
    assert!(row_text(&buffer, timeline, timeline.bottom() - 1).contains("2026-10-04 00:00"));
}

#[test]
fn queries_overlay_lists_status_gaps_and_the_kql_and_copies_it() {
    let mut app = demo_app(ThemeName::Mono);
    app.source = Some(live());
    let (buffer, _) = render(&mut app, 120, 40);
    let status = row_text(&buffer, Rect::new(0, 38, 120, 1), 38);
    assert!(status.contains("2 GAPS (K)"), "the status line names the key: {status}");

    key(&mut app, 'K');
    assert_eq!(app.context(), Context::Queries);
    let (buffer, _) = render(&mut app, 120, 40);
    let text: Vec<String> = (0..40).map(|y| row_text(&buffer, Rect::new(0, y, 120, 1), y)).collect();
    let screen = text.join("\n");
    assert!(screen.contains("queries (Esc closes, y copies)"), "{screen}");
    assert!(screen.contains("// status: 14 slices, 4,964 rows, 2 GAPS"), "{screen}");
    assert!(screen.contains("// GAP 2026-10-02T06:00:00Z/2026-10-02T07:00:00Z: HTTP 503 after 5 attempts"), "{screen}");
    assert!(screen.contains(r"partial answer\x1b[2J twice"), "gap reasons are sanitized: {screen}");
    assert!(screen.contains("// 2 queries sent:"), "{screen}");
    // Each query keeps its lines, a blank line between queries.
    let first = text.iter().position(|l| l.contains("│AZKVAuditLogs")).expect("first query shown");
    assert!(text[first + 1].contains("│| where TimeGenerated between"), "{}", text[first + 1]);
    assert!(text[first + 2].contains("│| project TimeGenerated, OperationName"));
    let inside = |l: &str| l.chars().skip(11).take(98).collect::<String>();
    assert!(inside(&text[first + 3]).trim().is_empty(), "{}", text[first + 3]);
    assert!(text[first + 4].contains("│AzureDiagnostics"));
    assert!(text[39].contains("Esc back") && text[39].contains("y copy"), "hints: {}", text[39]);

    key(&mut app, 'y');
    let copied = app.effects.iter().find_map(|e| match e {
        Effect::Copy(t) => Some(t.clone()),
        _ => None,
    });
    let copied = copied.expect("y copies the overlay");
    assert!(copied.contains(&format!("\n\n{QUERY_1}\n\n{QUERY_2}\n")), "{copied}");
    assert!(copied.starts_with("// workspace ws-1\n// status:"), "{copied}");
    assert!(!copied.contains('\u{1b}'), "nothing raw reaches the clipboard either");

    press(&mut app, KeyCode::Down);
    assert!(matches!(app.overlay, Some(kvtrail::tui::app::Overlay::Queries { scroll: 1 })));
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[test]
fn queries_overlay_for_files_says_there_are_none() {
    let mut app = demo_app(ThemeName::Mono);
    key(&mut app, 'K');
    let (buffer, _) = render(&mut app, 80, 24);
    let screen: String = (0..24).map(|y| row_text(&buffer, Rect::new(0, y, 80, 1), y) + "\n").collect();
    assert!(screen.contains("// no queries: these events come from files"), "{screen}");
    app.effects.clear();
    key(&mut app, 'y');
    assert!(app.effects.is_empty(), "nothing to copy");
}

const COVERAGE: &str = r#"{"vaults":[
  {"name":"KV-ML-TEST","id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/KV-ML-TEST","audit_logging":false,"checked":true,"reason":"no diagnostic settings"},
  {"name":"kv-logistics-prod","id":"/x/kv-logistics-prod","audit_logging":true,"checked":true,"reason":"AuditEvent to a workspace"},
  {"name":"KV-SHADOW-IT","id":"/x/KV-SHADOW-IT","audit_logging":false,"checked":true,"reason":"setting sends only metrics"}
],"errors":[]}"#;

#[test]
fn vaults_without_audit_logging_are_marked_and_the_unseen_listed() {
    let mut app = demo_app(ThemeName::Mono);
    let report = Coverage::from_json(COVERAGE).expect("a coverage report");
    app.set_coverage(CoverageMarks::new("coverage.json", &report));
    let (buffer, areas) = render(&mut app, 120, 40);
    let status = row_text(&buffer, Rect::new(0, 38, 120, 1), 38);
    assert!(status.contains("coverage: 2 vaults without audit logging, marked ⊘ (K lists them)"), "{status}");

    let vaults = areas.pane(Pane::Vault).expect("vault pane shown");
    let title = row_text(&buffer, vaults, vaults.y);
    assert!(title.contains("⊘ 2 unlogged"), "{title}");
    let rows: Vec<String> = (vaults.y + 1..vaults.bottom() - 1).map(|y| row_text(&buffer, vaults, y)).collect();
    assert!(rows.iter().any(|r| r.contains("kv-ml-test")), "the vault is listed: {rows:#?}");
    for row in &rows {
        assert_eq!(row.contains('⊘'), row.contains("kv-ml-test"), "the mark is on kv-ml-test's row only: {row}");
    }

    key(&mut app, 'K');
    let (buffer, _) = render(&mut app, 120, 40);
    let screen: String = (0..40).map(|y| row_text(&buffer, Rect::new(0, y, 120, 1), y) + "\n").collect();
    assert!(screen.contains("// no queries: these events come from files"), "{screen}");
    assert!(screen.contains("// coverage (coverage.json): 2 of 3 vaults without audit logging"), "{screen}");
    assert!(screen.contains("//   ⊘ KV-SHADOW-IT  — no events here: a blind spot"), "{screen}");
    assert!(screen.contains("//   ⊘ KV-ML-TEST  — has events here"), "{screen}");
    key(&mut app, 'y');
    assert!(app.effects.iter().any(|e| matches!(e, Effect::Copy(t) if t.contains("KV-SHADOW-IT"))));
}

#[test]
fn the_help_overlay_lists_the_key_and_explains_the_marks() {
    let mut app = demo_app(ThemeName::Mono);
    key(&mut app, '?');
    let mut seen = String::new();
    for _ in 0..20 {
        let (buffer, _) = render(&mut app, 120, 40);
        seen.extend((0..40).map(|y| row_text(&buffer, Rect::new(0, y, 120, 1), y) + "\n"));
        press(&mut app, KeyCode::PageDown);
    }
    assert!(seen.contains("show_queries") && seen.contains("show the KQL sent to the workspace"), "{seen}");
    assert!(seen.contains("[marks]"), "{seen}");
    assert!(seen.contains("╳") && seen.contains("a gap, a stretch the live source could not fetch (K lists them)"));
    assert!(seen.contains("⊘") && seen.contains("vault without audit logging"), "{seen}");
}

/// `--coverage FILE` that cannot be read is a usage error naming the file, before any terminal is touched.
#[test]
fn an_unreadable_coverage_file_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("coverage.json");
    std::fs::write(&bad, "{\"vaults\": 7}").expect("write");
    for path in [bad.clone(), dir.path().join("missing.json")] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kvtrail"))
            .args(["demo", "--coverage"])
            .arg(&path)
            .output()
            .expect("run kvtrail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&*path.to_string_lossy()), "names the file: {stderr}");
    }
}
