//! The workbench's event loop. The first frame is drawn before anything is read; loading runs on its own
//! thread and hands over partial stores as it goes, then the final one with its report. One task `select!`s
//! over key presses, loader messages, re-read raw records, finished recounts and a progress tick, applies them
//! to the [`App`], and draws only when something changed.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind, MouseButton, MouseEventKind};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::action::Action;
use super::app::{App, Effect, LoadState, RawRecord, Recounted};
use super::clipboard::osc52;
use super::coverage::CoverageMarks;
use super::keymap::Keymap;
use super::pane::Pane;
use super::panes::{self, Areas};
use super::remote::SharedRemote;
use super::terminal::Screen;
use super::theme::Theme;
use crate::detect::{self, Detections, RuleSet};
use crate::ingest::source;
use crate::intel::Intel;
use crate::store::load::{LoadReport, Progress, load, load_staged};
use crate::store::remote::{RemoteClause, RemoteCounts};
use crate::store::{Builder, Store};

/// What to open.
pub enum Inputs {
    Paths(Vec<String>),
    Demo,
    /// Sources that arrive over time (a Log Analytics fetch), named by `title`.
    Stream {
        title: String,
        run: Stream,
    },
    /// A source that counts for the workbench when it holds too many events to load (server mode).
    Remote {
        title: String,
        remote: SharedRemote,
    },
}

/// Runs a fetch on the loader's thread: it calls `update` with every source so far and the stream's state as
/// they arrive (`update` answers `false` once the workbench is gone: time to stop), and returns all sources and
/// the final state — or why it failed. The workbench stays a reader of sources: it knows nothing of where they
/// come from.
pub type Stream =
    Box<dyn FnOnce(&mut dyn FnMut(&[source::Source], &StreamState) -> bool) -> Result<Streamed, String> + Send>;
pub type Streamed = (Vec<source::Source>, StreamState);

pub use crate::ingest::source::StreamState;

/// A partial store is rebuilt from the sources so far at most this often while a stream runs.
const STREAM_REBUILD: Duration = Duration::from_secs(1);

pub struct Options {
    pub keymap: Keymap,
    pub theme: Theme,
    pub mouse: bool,
    /// What the detections run with (reference data, rules); they run after every load step.
    pub intel: Arc<Intel>,
    pub rules: Arc<RuleSet>,
    /// Vaults a `kvtrail coverage --json` report says send no audit logs (or could not be checked), marked in the
    /// vault pane; `None` without a report. [`CoverageMarks::read`] reads one.
    pub coverage: Option<CoverageMarks>,
}

enum Msg {
    /// A message from the loader of this generation: a loader overtaken by a newer one (the drill-down of
    /// server mode changed) is no longer listened to.
    Loader(u64, Box<Msg>),
    /// Server mode: the source's counts for a drill-down.
    Counted(Vec<RemoteClause>, Result<RemoteCounts, String>),
    Partial(Arc<Store>),
    Loaded(Arc<Store>, LoadReport),
    Raw(RawRecord),
    Detected(Arc<Store>, Arc<Detections>),
    Recounted(Box<Recounted>),
    Failed(String),
    /// A stream's account of itself (status line, gaps, queries).
    Stream(StreamState),
}

/// An empty store: what the first frame shows while the first events load.
pub fn empty_store() -> Store {
    Builder::new().finish(Vec::new()).0
}

fn title(inputs: &Inputs) -> String {
    match inputs {
        Inputs::Demo => "demo".into(),
        Inputs::Paths(p) => p.join(" "),
        Inputs::Stream { title, .. } | Inputs::Remote { title, .. } => title.clone(),
    }
}

/// The loader's line to the event loop, tagged with its generation.
#[derive(Clone)]
struct LoaderTx {
    tx: mpsc::UnboundedSender<Msg>,
    generation: u64,
}

impl LoaderTx {
    /// Sends; `false` once nobody listens (the workbench is gone).
    fn send(&self, msg: Msg) -> bool {
        self.tx.send(Msg::Loader(self.generation, Box::new(msg))).is_ok()
    }
}

/// Loads on a thread of its own, sending partial stores and then the result.
fn spawn_loader(inputs: Inputs, progress: Arc<Progress>, tx: LoaderTx) {
    std::thread::spawn(move || {
        let (sources, errors) = match inputs {
            Inputs::Stream { run, .. } => return stream(run, &tx),
            // Server mode starts with counting, not loading: the event loop asks the source.
            Inputs::Remote { .. } => return,
            Inputs::Paths(paths) => source::open(&paths),
            Inputs::Demo => match crate::demo::sources() {
                Ok(s) => (s, Vec::new()),
                Err(e) => {
                    tx.send(Msg::Failed(format!("demo data: {e}")));
                    return;
                }
            },
        };
        let (store, report) = load_staged(sources, errors, &progress, &mut |store| {
            tx.send(Msg::Partial(Arc::new(store)));
        });
        tx.send(Msg::Loaded(Arc::new(store), report));
    });
}

/// Runs a stream on the loader's thread: partial stores at most once a second while a fetch runs, a final one
/// (with its load report, gaps listed as input errors) whenever the stream settles — after the fetch, and after
/// every follow poll that brought rows.
fn stream(run: Stream, tx: &LoaderTx) {
    let mut builds = Builds { tx, built: 0, last: Instant::now(), loaded: None };
    let result = run(&mut |sources, state| {
        let alive = tx.send(Msg::Stream(state.clone()));
        builds.offer(sources, state);
        alive
    });
    match result {
        Ok((sources, state)) => {
            tx.send(Msg::Stream(state.clone()));
            builds.offer(&sources, &StreamState { settled: true, ..state });
        }
        Err(e) => {
            tx.send(Msg::Failed(e));
            tx.send(Msg::Loaded(Arc::new(empty_store()), LoadReport::default()));
        }
    }
}

/// When a stream's sources become a store.
struct Builds<'a> {
    tx: &'a LoaderTx,
    /// Sources in the last store built, and when it was built.
    built: usize,
    last: Instant,
    /// The last final store: its sources and gaps (a poll that only filled a gap changes the report).
    loaded: Option<(usize, Vec<source::Gap>)>,
}

impl Builds<'_> {
    fn offer(&mut self, sources: &[source::Source], state: &StreamState) {
        let due = if state.settled {
            self.loaded.as_ref().is_none_or(|(n, gaps)| *n != sources.len() || *gaps != state.gaps)
        } else {
            sources.len() > self.built && (self.built == 0 || self.last.elapsed() >= STREAM_REBUILD)
        };
        if !due {
            return;
        }
        let gaps = state.gaps.iter().map(Into::into).collect();
        let (store, report) = load(sources.to_vec(), gaps, &Progress::default());
        self.tx.send(if state.settled {
            self.loaded = Some((sources.len(), state.gaps.clone()));
            Msg::Loaded(Arc::new(store), report)
        } else {
            Msg::Partial(Arc::new(store))
        });
        (self.built, self.last) = (sources.len(), Instant::now());
    }
}

/// Runs the detections on a thread of its own. Stores arrive after each load step; when several are waiting
/// only the newest is examined (the older ones are already replaced on screen).
fn spawn_detector(
    intel: Arc<Intel>,
    rules: Arc<RuleSet>,
    tx: mpsc::UnboundedSender<Msg>,
) -> std_mpsc::Sender<Arc<Store>> {
    let (store_tx, store_rx) = std_mpsc::channel::<Arc<Store>>();
    std::thread::spawn(move || {
        while let Ok(mut store) = store_rx.recv() {
            while let Ok(newer) = store_rx.try_recv() {
                store = newer;
            }
            let found = detect::run(&store, &intel, &rules);
            if tx.send(Msg::Detected(store, Arc::new(found))).is_err() {
                return;
            }
        }
    });
    store_tx
}

/// The original record of `row`, pretty-printed.
pub fn raw_text(store: &Store, row: usize) -> Result<String, String> {
    store
        .raw_record(row)
        .map_err(|e| e.to_string())
        .and_then(|v| serde_json::to_string_pretty(&v).map_err(|e| e.to_string()))
}

/// Runs the workbench until the analyst quits.
pub fn run(inputs: Inputs, options: Options) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(event_loop(inputs, options))
}

async fn event_loop(inputs: Inputs, options: Options) -> anyhow::Result<()> {
    let progress = Arc::new(Progress::default());
    let load = LoadState::Loading { progress: progress.clone(), started: Instant::now() };
    let mut app = App::new(Arc::new(empty_store()), load, options.keymap, options.theme, title(&inputs));
    if let Some(marks) = options.coverage {
        app.set_coverage(marks);
    }
    // Fuzzy keystrokes in the event table recount on a blocking thread: typing never waits for a recount.
    app.background = true;
    let mut screen = Screen::enter(options.mouse)?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let remote = match &inputs {
        Inputs::Remote { remote, .. } => {
            app.start_remote(remote.threshold());
            Some(remote.clone())
        }
        _ => None,
    };
    let mut generation = 0;
    spawn_loader(inputs, progress, LoaderTx { tx: tx.clone(), generation });
    let detector = spawn_detector(options.intel.clone(), options.rules.clone(), tx.clone());

    let mut areas = Areas::default();
    screen.draw(|f| areas = panes::draw(f, &mut app).unwrap_or_default())?;
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    let mut dirty = false;
    while !app.quit {
        tokio::select! {
            event = keys.next() => match event {
                Some(Ok(event)) => dirty |= on_event(&mut app, &areas, event),
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(mut msg) = rx.recv() => {
                if let Msg::Loader(from, inner) = msg {
                    if from != generation {
                        continue;
                    }
                    msg = *inner;
                }
                match msg {
                    Msg::Loader(..) => {}
                    Msg::Counted(scope, answer) => app.remote_answer(scope, answer),
                    Msg::Partial(store) => {
                        app.replace_store(store.clone());
                        let _ = detector.send(store);
                    }
                    Msg::Loaded(store, report) => {
                        app.finish_load(store.clone(), report);
                        let _ = detector.send(store);
                    }
                    Msg::Detected(store, found) => app.set_detections(&store, found),
                    Msg::Raw(raw) => app.set_raw(raw),
                    Msg::Recounted(done) => app.finish_recount(*done),
                    Msg::Failed(e) => app.message = Some(e),
                    Msg::Stream(state) => app.source = Some(state),
                }
                dirty = true;
            }
            _ = tick.tick() => dirty |= matches!(app.load, LoadState::Loading { .. }),
        }
        for effect in std::mem::take(&mut app.effects) {
            match effect {
                Effect::Copy(text) => match osc52(&text, std::env::var_os("TMUX").is_some()) {
                    Ok(seq) => screen.write_raw(seq.as_bytes())?,
                    Err(e) => app.message = Some(e),
                },
                Effect::LoadRaw(row) => {
                    let (store, tx) = (app.store.clone(), tx.clone());
                    tokio::task::spawn_blocking(move || {
                        let _ = tx.send(Msg::Raw(RawRecord { row, text: raw_text(&store, row) }));
                    });
                }
                Effect::Redraw => screen.terminal.clear()?,
                Effect::Recount => {
                    if let Some(job) = app.recount_job() {
                        let tx = tx.clone();
                        tokio::task::spawn_blocking(move || {
                            let _ = tx.send(Msg::Recounted(Box::new(job.run())));
                        });
                    }
                }
                // Server mode: a new drill-down retires the loader of the last one (its messages are dropped).
                Effect::Summarize(scope) => {
                    generation += 1;
                    if let Some(remote) = remote.clone() {
                        let tx = tx.clone();
                        tokio::task::spawn_blocking(move || {
                            let answer = remote.summarize(&scope);
                            let _ = tx.send(Msg::Counted(scope, answer));
                        });
                    }
                }
                Effect::FetchSlice(scope) => {
                    generation += 1;
                    if let Some(remote) = &remote {
                        let title = app.title.clone();
                        let inputs = Inputs::Stream { title, run: remote.fetch(scope) };
                        let progress = Arc::new(Progress::default());
                        app.load = LoadState::Loading { progress: progress.clone(), started: Instant::now() };
                        spawn_loader(inputs, progress, LoaderTx { tx: tx.clone(), generation });
                    }
                }
            }
        }
        if dirty && !app.quit {
            screen.draw(|f| areas = panes::draw(f, &mut app).unwrap_or_default())?;
            dirty = false;
        }
    }
    Ok(())
}

/// Applies one terminal event; returns whether the screen needs drawing.
fn on_event(app: &mut App, areas: &Areas, event: Event) -> bool {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => app.on_key(&key),
        Event::Paste(text) if app.prompt.is_some() => app.type_text(&text),
        Event::Resize(..) => {}
        Event::Mouse(m) => {
            let Some((pane, rect)) = areas.at(m.column, m.row) else { return false };
            match m.kind {
                MouseEventKind::ScrollUp | MouseEventKind::ScrollDown => {
                    app.focus_pane(pane);
                    app.apply(if m.kind == MouseEventKind::ScrollUp { Action::Up } else { Action::Down });
                }
                MouseEventKind::Down(MouseButton::Left) => {
                    app.focus_pane(pane);
                    // Rows start below the border and the header line.
                    let row = m.row.saturating_sub(rect.y + 2) as usize;
                    if m.row >= rect.y + 2 && pane != Pane::Timeline {
                        app.click_row(row);
                    } else if pane == Pane::Timeline {
                        app.click_column(m.column.saturating_sub(rect.x + 1) as usize);
                    }
                }
                _ => return false,
            }
        }
        _ => return false,
    }
    true
}
