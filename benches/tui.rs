//! The workbench's interactive costs on a large input, in process, with the real keymap and the real crossterm
//! backend writing into a counting sink (what would go down the SSH link):
//!
//! * first frame: from nothing to the first frame written, with loading not yet begun (what `kvtrail FILE`
//!   shows at once);
//! * keystroke → frame: a key that changes the filter (drill, pop, fuzzy character) until the next frame is
//!   written, at 120x40;
//! * bytes written when the selection moves one row, at 80x24 and 120x40.
//!
//! `cargo bench --bench tui -- FILE` (see `benches/tui-compare.sh` for the side-by-side with lnav in tmux).

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kvtrail::store::Progress;
use kvtrail::store::load::load_paths;
use kvtrail::tui::app::{App, LoadState};
use kvtrail::tui::keymap::Keymap;
use kvtrail::tui::panes;
use kvtrail::tui::run::empty_store;
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

fn terminal(w: u16, h: u16, sink: Sink) -> Terminal<CrosstermBackend<Sink>> {
    let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, w, h)) };
    Terminal::with_options(CrosstermBackend::new(sink), options).expect("terminal")
}

fn draw(t: &mut Terminal<CrosstermBackend<Sink>>, app: &mut App) {
    t.draw(|f| drop(panes::draw(f, app))).expect("draw");
}

fn key(app: &mut App, c: KeyCode) {
    app.on_key(&KeyEvent::new(c, KeyModifiers::NONE));
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

    // A fuzzy pattern typed into the event table, one character at a time.
    key(&mut app, KeyCode::Char('5'));
    let mut fuzzy = Vec::new();
    for _ in 0..3 {
        key(&mut app, KeyCode::Char('/'));
        for c in "secret".chars() {
            let t0 = Instant::now();
            key(&mut app, KeyCode::Char(c));
            draw(&mut t, &mut app);
            fuzzy.push(t0.elapsed());
        }
        key(&mut app, KeyCode::Esc);
        draw(&mut t, &mut app);
    }
    println!("keystroke → frame, fuzzy character in the events: median {}", ms(median(fuzzy)));

    // Bytes down the link when the selection moves one row.
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let sink = Sink::default();
        let mut t = terminal(w, h, sink.clone());
        key(&mut app, KeyCode::Char('5'));
        draw(&mut t, &mut app);
        let mut sizes = Vec::new();
        for _ in 0..30 {
            let before = sink.0.load(Ordering::Relaxed);
            key(&mut app, KeyCode::Down);
            draw(&mut t, &mut app);
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
