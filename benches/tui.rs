//! The workbench's interactive costs on a large input, in process, with the real keymap and the real crossterm
//! backend writing into a counting sink (what would go down the SSH link):
//!
//! * first frame: from nothing to the first frame written, with loading not yet begun (what `kvtrail FILE`
//!   shows at once);
//! * keystroke → frame: a key that changes the filter (drill, pop, fuzzy character) until the next frame is
//!   written, at 120x40; a fuzzy character also as the runner handles it, the recount in a background job (the
//!   prompt's frame at once, the results' frame when the job is done);
//! * bytes written when the selection moves one row, at 80x24, 120x40 and 200x60, with the detections' findings
//!   on screen: the move's frame and the frame that shows the re-read original record.
//!
//! `cargo bench --bench tui -- FILE [--breakdown]` (`--breakdown`: where a fuzzy keystroke's time goes; see
//! `benches/tui-compare.sh` for the side-by-side with lnav in tmux).

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kvtrail::detect::{self, RuleSet};
use kvtrail::intel::Intel;
use kvtrail::store::Progress;
use kvtrail::store::load::load_paths;
use kvtrail::tui::app::{App, Effect, LoadState, RawRecord};
use kvtrail::tui::keymap::Keymap;
use kvtrail::tui::lean::Lean;
use kvtrail::tui::panes;
use kvtrail::tui::run::{empty_store, raw_text};
use kvtrail::tui::theme::{Theme, ThemeName};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

/// Counts the bytes a frame writes.
#[derive(Clone, Default)]
struct Sink(Arc<AtomicUsize>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The workbench's own backend stack (crossterm behind the gap filler), writing into a byte counter.
type Bench = Terminal<Lean<CrosstermBackend<Sink>>>;

fn terminal(w: u16, h: u16, sink: Sink) -> Bench {
    let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, w, h)) };
    Terminal::with_options(Lean::new(CrosstermBackend::new(sink)), options).expect("terminal")
}

fn draw(t: &mut Bench, app: &mut App) {
    t.draw(|f| drop(panes::draw(f, app))).expect("draw");
}

fn key(app: &mut App, c: KeyCode) {
    app.on_key(&KeyEvent::new(c, KeyModifiers::NONE));
    app.effects.clear();
}

/// Runs the recount jobs a background-mode app asks for, as the runner would, until its counts are current.
fn settle_recount(app: &mut App) {
    while let Some(job) = app.recount_job() {
        app.finish_recount(job.run());
    }
    app.effects.clear();
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn new_app(store: kvtrail::store::Store) -> App {
    let load = LoadState::Loading { progress: Arc::new(Progress::default()), started: Instant::now() };
    App::new(Arc::new(store), load, Keymap::default_map(), Theme::new(ThemeName::Ansi16), "bench".into())
}

fn main() {
    let files: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if files.is_empty() {
        eprintln!("usage: cargo bench --bench tui -- FILE");
        std::process::exit(2);
    }

    // First frame: an empty workbench, as `run` draws it before loading starts.
    let mut firsts = Vec::new();
    for _ in 0..21 {
        let t0 = Instant::now();
        let mut app = new_app(empty_store());
        let mut t = terminal(120, 40, Sink::default());
        draw(&mut t, &mut app);
        firsts.push(t0.elapsed());
    }
    println!("first frame (empty store, 120x40): median {}", ms(median(firsts)));

    let (store, _) = load_paths(&files, &Progress::default());
    println!("events {}", store.len());
    if std::env::args().any(|a| a == "--breakdown") {
        breakdown(&store);
    }
    let mut app = new_app(store);
    let sink = Sink::default();
    let mut t = terminal(120, 40, sink.clone());
    draw(&mut t, &mut app);

    // Keystroke → frame: drill into a vault (Enter in the vault pane), then pop it (Backspace).
    let mut drills = Vec::new();
    let mut pops = Vec::new();
    key(&mut app, KeyCode::Char('3'));
    draw(&mut t, &mut app);
    for i in 0..20 {
        for _ in 0..(i % 5) {
            key(&mut app, KeyCode::Down);
        }
        let t0 = Instant::now();
        key(&mut app, KeyCode::Enter);
        draw(&mut t, &mut app);
        drills.push(t0.elapsed());
        let t0 = Instant::now();
        key(&mut app, KeyCode::Backspace);
        draw(&mut t, &mut app);
        pops.push(t0.elapsed());
    }
    println!("keystroke → frame, drill into a vault: median {}", ms(median(drills)));
    println!("keystroke → frame, pop the filter:     median {}", ms(median(pops)));

    // A fuzzy pattern typed into the event table, one character at a time: recounting in place (headless), then
    // as the runner does it, in a background job — the prompt's frame at once, the results' frame when the job
    // is done.
    key(&mut app, KeyCode::Char('5'));
    let mut fuzzy = Vec::new();
    let (mut echoed, mut counted) = (Vec::new(), Vec::new());
    for round in 0..10 {
        app.background = round % 2 == 1;
        key(&mut app, KeyCode::Char('/'));
        for c in "secret".chars() {
            let t0 = Instant::now();
            key(&mut app, KeyCode::Char(c));
            draw(&mut t, &mut app);
            if !app.background {
                fuzzy.push(t0.elapsed());
                continue;
            }
            echoed.push(t0.elapsed());
            settle_recount(&mut app);
            draw(&mut t, &mut app);
            counted.push(t0.elapsed());
        }
        key(&mut app, KeyCode::Esc);
        settle_recount(&mut app);
        draw(&mut t, &mut app);
    }
    app.background = false;
    println!("keystroke → frame, fuzzy character in the events: median {}", ms(median(fuzzy)));
    println!(
        "  in a background job: prompt frame median {}, results frame median {}",
        ms(median(echoed)),
        ms(median(counted))
    );

    // Bytes down the link when the selection moves one row, 100 times (mostly scrolling the table by a row),
    // with the detections' results on screen as the workbench shows them (the findings pane beside the table).
    let rules = RuleSet::builtin().expect("built-in rules");
    let store = Arc::clone(&app.store);
    app.set_detections(&store, Arc::new(detect::run(&store, &Intel::default(), &rules)));
    for (w, h) in [(80u16, 24u16), (120, 40), (200, 60)] {
        let sink = Sink::default();
        let mut t = terminal(w, h, sink.clone());
        key(&mut app, KeyCode::Char('5'));
        draw(&mut t, &mut app);
        let mut sizes = Vec::new();
        for _ in 0..100 {
            let before = sink.0.load(Ordering::Relaxed);
            app.on_key(&KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
            let effects = std::mem::take(&mut app.effects);
            draw(&mut t, &mut app);
            // The original record follows in a second frame, as the runner re-reads it: both frames count.
            for effect in effects {
                if let Effect::LoadRaw(row) = effect {
                    app.set_raw(RawRecord { row, text: raw_text(&app.store, row) });
                    draw(&mut t, &mut app);
                }
            }
            sizes.push(sink.0.load(Ordering::Relaxed) - before);
        }
        sizes.sort();
        println!(
            "bytes written per row move at {w}x{h}: median {} (min {}, max {})",
            sizes[sizes.len() / 2],
            sizes[0],
            sizes[sizes.len() - 1]
        );
    }
}

/// Where a fuzzy keystroke's time goes (`--breakdown`), each the fastest of 5 (the noise on shared cores is
/// all upward): the selection without the cache, with it (the pattern narrowed from the one before it), the four
/// pivot recounts and the histogram.
fn breakdown(store: &kvtrail::store::Store) {
    use kvtrail::store::{Clause, Dim, Filter, FuzzyCache};
    use kvtrail::tui::counts::Histogram;
    let d = &store.dicts;
    println!(
        "distinct: identities {} objects {} user agents {} uris {}",
        d.identities.len(),
        d.objects.len(),
        d.user_agents.len(),
        d.uris.len()
    );
    let timed = |f: &mut dyn FnMut()| {
        let t0 = Instant::now();
        f();
        t0.elapsed()
    };
    let best = |f: &mut dyn FnMut() -> Duration| (0..5).map(|_| f()).min().unwrap_or_default();
    let t_prepare = best(&mut || timed(&mut || FuzzyCache::default().prepare(store)));
    println!("text laid out for matching (once per store, when the prompt opens): {}", ms(t_prepare));
    let patterns = ["s", "se", "sec", "secr", "secre", "secret", "zq"];
    for (i, p) in patterns.iter().enumerate() {
        let f = Filter { clauses: vec![Clause::Fuzzy(p.to_string())] };
        let sel = store.select(&f);
        let t_sel = best(&mut || timed(&mut || drop(std::hint::black_box(store.select(&f)))));
        let t_cached = best(&mut || {
            let mut cache = FuzzyCache::default();
            cache.prepare(store);
            if i > 0 {
                let before = Filter { clauses: vec![Clause::Fuzzy(patterns[i - 1].to_string())] };
                cache.scope(|| store.select(&before));
            }
            timed(&mut || drop(std::hint::black_box(cache.scope(|| store.select(&f)))))
        });
        let t_fac = best(&mut || {
            timed(&mut || {
                for dim in [Dim::CallerIp, Dim::Identity, Dim::Vault, Dim::Operation] {
                    std::hint::black_box(store.facets(dim, &sel));
                }
            })
        });
        let t_hist = best(&mut || timed(&mut || drop(std::hint::black_box(Histogram::compute(store, &sel, 118)))));
        println!(
            "{p:>8}: {:>9} rows; select {} (cached {}), 4 pivot recounts {}, histogram {}",
            sel.len(),
            ms(t_sel),
            ms(t_cached),
            ms(t_fac),
            ms(t_hist)
        );
    }
}
