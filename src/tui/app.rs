//! The workbench's state and its one entry point for change, [`App::apply`]: every key becomes an [`Action`]
//! through the keymap, every action changes the state here, and drawing (in `panes`) only reads it. Work that
//! needs I/O or a terminal — re-reading a raw record, writing the clipboard — leaves as an [`Effect`] for the
//! runner, so the state can be driven headless in tests.

use std::sync::Arc;
use std::time::Instant;

use crossterm::event::KeyEvent;
use fuzzy_matcher::FuzzyMatcher;

use super::action::Action;
use super::counts::{Counts, Histogram};
use super::coverage::CoverageMarks;
use super::crumbs::{Crumb, Crumbs};
use super::findings::FindingsView;
use super::keymap::{Context, Key, Keymap, Lookup};
use super::pane::Pane;
use super::remote::RemoteView;
use super::theme::Theme;
use crate::detect::Detections;
use crate::event::{Outcome, Ticks};
use crate::store::remote::{RemoteClause, RemoteCounts};
use crate::store::{Clause, Dim, FacetRow, FuzzyCache, LoadReport, Progress, Store, fuzzy_matcher};

/// How a pivot pane orders its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Count,
    Name,
    Failures,
}

impl SortBy {
    pub fn next(self) -> SortBy {
        match self {
            SortBy::Count => SortBy::Name,
            SortBy::Name => SortBy::Failures,
            SortBy::Failures => SortBy::Count,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortBy::Count => "by count",
            SortBy::Name => "by name",
            SortBy::Failures => "by failures",
        }
    }
}

/// One row a pivot pane lists: the counts, and which characters of its (sanitized) label the fuzzy pattern
/// matched. Labels are made only for the rows drawn, except while a pattern or the name order needs them all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PivotRow {
    pub facet: FacetRow,
    pub matched: Vec<usize>,
}

#[derive(Clone, Debug, Default)]
pub struct PivotState {
    pub sort: SortBy,
    /// The fuzzy pattern narrowing the list (not the events).
    pub pattern: String,
    pub rows: Vec<PivotRow>,
    pub cursor: usize,
    pub top: usize,
}

/// A scrolled list: the cursor row and the first visible row, both absolute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub at: usize,
    pub top: usize,
}

impl Cursor {
    /// Moves by `delta` within `len` rows.
    pub fn step(&mut self, delta: isize, len: usize) {
        self.at = (self.at as isize + delta).clamp(0, len.saturating_sub(1) as isize) as usize;
    }

    /// Scrolls so the cursor is inside a viewport of `height` rows.
    pub fn follow(&mut self, height: usize) {
        let height = height.max(1);
        if self.at < self.top {
            self.top = self.at;
        } else if self.at >= self.top + height {
            self.top = self.at + 1 - height;
        }
    }
}

/// A scrollable panel over the panes: the keys, the load errors, or the queries (a live source's status, gaps
/// and KQL, and the coverage file's vaults without audit logging).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help { scroll: usize },
    Errors { scroll: usize },
    Queries { scroll: usize },
}

/// The `/` prompt: which pane it filters and what it had before, so Esc can restore it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub pane: Pane,
    pub text: String,
    pub before: String,
}

/// Where loading stands.
pub enum LoadState {
    Loading { progress: Arc<Progress>, started: Instant },
    Done { report: LoadReport, took: std::time::Duration },
}

/// What the runner must do outside the state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
    /// Re-read the original record of this row for the detail pane.
    LoadRaw(usize),
    /// Clear and repaint the whole screen.
    Redraw,
    /// Run [`App::recount_job`] off the input task and hand its result to [`App::finish_recount`].
    Recount,
    /// Server mode: have the source count this drill-down ([`App::remote_answer`] takes the answer).
    Summarize(Vec<RemoteClause>),
    /// Server mode: load the events of this drill-down (few enough now) as the store.
    FetchSlice(Vec<RemoteClause>),
}

/// A recount of the event fuzzy filter, for the runner to run off the input task, so the prompt echoes each
/// keystroke at once and the previous results stay on screen until the new ones are ready. It borrows the
/// fuzzy cache and gives it back with the result.
pub struct RecountJob {
    store: Arc<Store>,
    crumbs: Crumbs,
    fuzzy: FuzzyCache,
    buckets: usize,
    gaps: Vec<(Ticks, Ticks)>,
}

/// A finished [`RecountJob`].
pub struct Recounted {
    store: Arc<Store>,
    crumbs: Crumbs,
    fuzzy: FuzzyCache,
    counts: Counts,
    histogram: Histogram,
}

impl RecountJob {
    pub fn run(mut self) -> Recounted {
        let counts = self.fuzzy.scope(|| Counts::compute(&self.store, &self.crumbs));
        let histogram = Histogram::with_gaps(&self.store, &counts.selection, self.buckets, &self.gaps);
        Recounted { store: self.store, crumbs: self.crumbs, fuzzy: self.fuzzy, counts, histogram }
    }
}

/// The original record of the detail pane's row, once read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRecord {
    pub row: usize,
    pub text: Result<String, String>,
}

/// Viewport sizes from the last frame, for paging and scrolling.
#[derive(Clone, Copy, Debug, Default)]
pub struct Viewports {
    pub pivot: usize,
    pub table: usize,
    pub detail: usize,
    pub overlay: usize,
    pub timeline: usize,
    pub findings: usize,
}

pub struct App {
    pub store: Arc<Store>,
    pub load: LoadState,
    pub crumbs: Crumbs,
    pub counts: Counts,
    pub pivots: [PivotState; 4],
    pub table: Cursor,
    pub detail_scroll: usize,
    pub raw: Option<RawRecord>,
    pub timeline: Cursor,
    pub span_mark: Option<usize>,
    pub histogram: Histogram,
    pub focus: Pane,
    pub zoom: bool,
    pub overlay: Option<Overlay>,
    pub prompt: Option<Prompt>,
    /// The event fuzzy filter's recent matches: a keystroke that extends the pattern re-tests only those.
    pub fuzzy: FuzzyCache,
    /// Set by the runner: event fuzzy keystrokes recount in a [`RecountJob`] (headless, they recount in place).
    pub background: bool,
    /// The counts lag the filter: a recount job is wanted, or running.
    stale: bool,
    recounting: bool,
    pub keymap: Keymap,
    pub pending: Vec<Key>,
    pub theme: Theme,
    /// A transient message for the status line (copied, nothing to pivot to, …).
    pub message: Option<String>,
    /// A live source's own status (Log Analytics: slices, rows, throttling, gaps), beside the load state.
    /// What a live source says about itself (status line, gaps, the KQL sent); `None` for files.
    pub source: Option<super::run::StreamState>,
    /// Which vaults the coverage file (`kvtrail coverage --json`) says send no audit logs; see [`App::set_coverage`].
    pub coverage: Option<CoverageMarks>,
    /// Server mode: the source counts, the workbench loads only a drilled-down slice (see [`super::remote`]).
    pub remote: Option<RemoteView>,
    pub quit: bool,
    pub effects: Vec<Effect>,
    pub viewports: Viewports,
    /// The title of the dataset (input names), for the status line.
    pub title: String,
    /// Detection results for the store on screen, and the findings pane's cursor.
    pub findings: FindingsView,
}

impl App {
    pub fn new(store: Arc<Store>, load: LoadState, keymap: Keymap, theme: Theme, title: String) -> App {
        let mut app = App {
            store,
            load,
            crumbs: Crumbs::default(),
            counts: Counts::empty(),
            pivots: Default::default(),
            table: Cursor::default(),
            detail_scroll: 0,
            raw: None,
            timeline: Cursor::default(),
            span_mark: None,
            histogram: Histogram::default(),
            focus: Pane::Events,
            zoom: false,
            overlay: None,
            prompt: None,
            fuzzy: FuzzyCache::default(),
            background: false,
            stale: false,
            recounting: false,
            keymap,
            pending: Vec::new(),
            theme,
            message: None,
            source: None,
            coverage: None,
            remote: None,
            quit: false,
            effects: Vec::new(),
            viewports: Viewports { pivot: 5, table: 10, detail: 10, overlay: 10, timeline: 60, findings: 5 },
            title,
            findings: FindingsView::default(),
        };
        app.recount();
        app
    }

    /// The row (store index) under the event table's cursor.
    pub fn selected_row(&self) -> Option<usize> {
        match &self.counts.selection {
            crate::store::Selection::All(n) => (self.table.at < *n).then_some(self.table.at),
            crate::store::Selection::Rows(r) => r.get(self.table.at).map(|&i| i as usize),
        }
    }

    /// Replaces the store (a larger partial store, or the final one) keeping filters, and the selected event
    /// where it still exists.
    pub fn replace_store(&mut self, store: Arc<Store>) {
        let keep = self.selected_row().map(|r| (self.store.time(r), self.store.provenance(r)));
        self.store = store;
        self.findings.invalidate();
        self.fuzzy = FuzzyCache::default();
        self.crumbs.resolve(&self.store);
        self.recount();
        if let Some(pos) =
            keep.and_then(|(t, p)| self.store.row_of(t, p)).and_then(|r| self.counts.selection.position(r))
        {
            self.table.at = pos;
            self.table.follow(self.viewports.table);
        }
        self.raw = None;
        self.request_raw();
    }

    pub fn finish_load(&mut self, store: Arc<Store>, report: LoadReport) {
        let took = match &self.load {
            LoadState::Loading { started, .. } => started.elapsed(),
            LoadState::Done { took, .. } => *took,
        };
        self.load = LoadState::Done { report, took };
        self.replace_store(store);
    }

    /// Recomputes counts after the filter or the store changed.
    pub fn recount(&mut self) {
        let counts = self.fuzzy.scope(|| Counts::compute(&self.store, &self.crumbs));
        let histogram = self.histogram_of(&counts.selection);
        self.show_counts(counts, histogram);
    }

    /// The timeline's histogram of `selection` at the current width, over the live source's gaps too.
    fn histogram_of(&self, selection: &crate::store::Selection) -> Histogram {
        Histogram::with_gaps(&self.store, selection, self.viewports.timeline, &self.timeline_gaps())
    }

    /// The live source's gaps under the current filter (none for files).
    fn timeline_gaps(&self) -> Vec<(Ticks, Ticks)> {
        super::gaps::on_timeline(self.source.as_ref(), &self.crumbs)
    }

    /// Marks the vaults a coverage report says send no audit logs (or could not be checked), and says so once in
    /// the status line.
    pub fn set_coverage(&mut self, marks: CoverageMarks) {
        let lacking = marks.lacking().count();
        let key = self.keymap.keys_for(Context::Global, Action::ShowQueries).first().map(|k| k.short());
        let list = key.map_or_else(String::new, |k| format!(" ({k} lists them)"));
        self.message = Some(match lacking {
            0 => format!("coverage ({}): no vault without audit logging", marks.file),
            1 => format!("coverage: 1 vault without audit logging, marked ⊘{list}"),
            n => format!("coverage: {n} vaults without audit logging, marked ⊘{list}"),
        });
        self.coverage = Some(marks);
    }

    fn show_counts(&mut self, counts: Counts, histogram: Histogram) {
        self.stale = false;
        self.counts = counts;
        for i in 0..4 {
            self.rebuild_pivot(i);
        }
        let len = self.counts.selection.len();
        self.table.at = self.table.at.min(len.saturating_sub(1));
        self.table.follow(self.viewports.table);
        self.histogram = histogram;
        if self.histogram.bars.len() != self.viewports.timeline || self.histogram.gaps != self.timeline_gaps() {
            self.histogram = self.histogram_of(&self.counts.selection);
        }
        self.timeline.at = self.timeline.at.min(self.histogram.bars.len().saturating_sub(1));
        self.span_mark = self.span_mark.filter(|&m| m < self.histogram.bars.len());
        if self.counting_remotely().is_some() {
            // Nothing is loaded: the pivots show the source's counts, not the empty store's.
            self.show_remote_counts();
        }
    }

    /// Recounts in place, or in the runner's background mode asks for a [`RecountJob`].
    fn recount_soon(&mut self) {
        if !self.background {
            return self.recount();
        }
        self.stale = true;
        if !self.effects.contains(&Effect::Recount) {
            self.effects.push(Effect::Recount);
        }
    }

    /// The recount to run off the input task: none while one runs (its result, found stale, asks again — the
    /// newest filter wins) or when the counts are current.
    pub fn recount_job(&mut self) -> Option<RecountJob> {
        if self.recounting || !self.stale {
            return None;
        }
        self.recounting = true;
        let fuzzy = std::mem::take(&mut self.fuzzy);
        Some(RecountJob {
            store: self.store.clone(),
            crumbs: self.crumbs.clone(),
            fuzzy,
            buckets: self.viewports.timeline,
            gaps: self.timeline_gaps(),
        })
    }

    /// Shows a finished recount if it is for the filter and the store on screen; otherwise asks for the newest.
    pub fn finish_recount(&mut self, done: Recounted) {
        self.recounting = false;
        if Arc::ptr_eq(&done.store, &self.store) {
            self.fuzzy = done.fuzzy;
            if self.stale && done.crumbs == self.crumbs {
                return self.show_counts(done.counts, done.histogram);
            }
        }
        if self.stale {
            self.effects.push(Effect::Recount);
        }
    }

    /// Re-buckets the timeline for a new width, or for gaps a live source reported since (called before every
    /// frame that shows the timeline: a stream's state arrives on its own, without a recount).
    pub fn set_timeline_width(&mut self, width: usize) {
        let resized = width != self.viewports.timeline && width > 0;
        if resized || (width > 0 && self.histogram.gaps != self.timeline_gaps()) {
            self.viewports.timeline = width;
            self.histogram = self.histogram_of(&self.counts.selection);
            self.timeline.at = self.timeline.at.min(width - 1);
            self.span_mark = None;
        }
    }

    /// Rebuilds a pivot pane's list: its facets under the pane's fuzzy pattern, in its sort order.
    fn rebuild_pivot(&mut self, i: usize) {
        let Some(dim) = Pane::PIVOTS[i].dim() else { return };
        let pattern = self.pivots[i].pattern.clone();
        let mut rows: Vec<PivotRow> = if pattern.is_empty() {
            self.counts.facets[i].iter().map(|f| PivotRow { facet: *f, matched: Vec::new() }).collect()
        } else {
            let matcher = fuzzy_matcher();
            self.counts.facets[i]
                .iter()
                .filter_map(|f| {
                    let label = self.label(dim, f.id);
                    if !crate::store::fuzzy_is_match(&label, &pattern) {
                        return None;
                    }
                    let (_, matched) = matcher.fuzzy_indices(&label, &pattern)?;
                    Some(PivotRow { facet: *f, matched })
                })
                .collect()
        };
        match self.pivots[i].sort {
            SortBy::Count => {}
            SortBy::Name => rows.sort_by_cached_key(|r| self.label(dim, r.facet.id).to_lowercase()),
            SortBy::Failures => {
                rows.sort_by(|a, b| b.facet.failed.cmp(&a.facet.failed).then(b.facet.total.cmp(&a.facet.total)))
            }
        }
        let p = &mut self.pivots[i];
        p.rows = rows;
        p.cursor = p.cursor.min(p.rows.len().saturating_sub(1));
        let mut c = Cursor { at: p.cursor, top: p.top };
        c.follow(self.viewports.pivot);
        p.top = c.top;
    }

    /// A value as the panes show it: the store's label, sanitized (it came from a log).
    pub fn label(&self, dim: Dim, id: u32) -> String {
        if let Some(view) = self.counting_remotely() {
            let value = view.value(dim, id).unwrap_or("");
            // What the workspace counted is the raw value: an application id reads as its well-known name.
            let shown = match dim {
                Dim::Identity => crate::event::apps::well_known_name(value).unwrap_or(value),
                _ => value,
            };
            return crate::text::sanitize(shown).into_owned();
        }
        crate::text::sanitize(&self.store.label(dim, id)).into_owned()
    }

    /// The server-mode view while the source is counting (nothing of the drill-down loaded).
    pub fn counting_remotely(&self) -> Option<&RemoteView> {
        self.remote.as_ref().filter(|v| v.counting())
    }

    /// Enters server mode: the source counts until a drill-down holds at most `threshold` events.
    pub fn start_remote(&mut self, threshold: u64) {
        let mut view = RemoteView::new(threshold);
        view.pending = true;
        self.remote = Some(view);
        // Nothing loads until a drill-down is small enough (no progress to tick).
        self.load = LoadState::Done { report: LoadReport::default(), took: std::time::Duration::ZERO };
        self.effects.push(Effect::Summarize(Vec::new()));
    }

    /// The source's counts for `scope`. A late answer (the drill-down has changed since) is dropped; one few
    /// enough to load asks for the slice; a whole range that small leaves server mode altogether.
    pub fn remote_answer(&mut self, scope: Vec<RemoteClause>, answer: Result<RemoteCounts, String>) {
        let Some(view) = self.remote.as_mut() else { return };
        let counts = match answer {
            Ok(counts) => counts,
            Err(e) => {
                if scope == view.scope {
                    view.pending = false;
                }
                self.message = Some(format!("the workspace could not count: {e}"));
                return;
            }
        };
        if view.answer(&scope, counts) {
            if scope.is_empty() {
                self.remote = None;
            }
            // The panes leave the workspace's counts for the slice's own as it loads.
            self.replace_store(Arc::new(super::run::empty_store()));
            self.effects.push(Effect::FetchSlice(scope));
        } else if scope == view.scope {
            self.show_remote_counts();
        }
    }

    /// The source's counts in the pivot panes: rows are positions in its answer.
    fn show_remote_counts(&mut self) {
        let Some(counts) = self.remote.as_ref().and_then(|v| v.counts.as_ref()) else { return };
        let facet = |(i, f): (usize, &crate::store::remote::RemoteFacet)| FacetRow {
            id: i as u32,
            total: f.total.min(u32::MAX as u64) as u32,
            failed: f.failed.min(u32::MAX as u64) as u32,
        };
        let facets = std::array::from_fn(|i| counts.facets[i].iter().enumerate().map(facet).collect());
        self.counts = Counts { selection: crate::store::Selection::All(0), facets };
        for i in 0..4 {
            self.rebuild_pivot(i);
        }
    }

    /// Drill-down actions in server mode: while counting, they change what the source counts; once a slice is
    /// loaded, popping past the local filters (or clearing) goes back to counting.
    fn apply_remote(&mut self, action: Action) -> bool {
        let Some(view) = self.remote.as_ref() else { return false };
        let counting = view.counting();
        let changed = match action {
            Action::Drill | Action::Exclude | Action::AddToFilter if counting => {
                let Some((dim, id)) = self.pivot_cursor() else { return true };
                let Some(value) = view.value(dim, id).map(str::to_string) else { return true };
                let clause = RemoteClause { dim, value, exclude: action == Action::Exclude };
                self.remote.as_mut().is_some_and(|v| v.push(clause))
            }
            Action::PopFilter if counting || self.crumbs.list.is_empty() => {
                self.remote.as_mut().is_some_and(RemoteView::pop)
            }
            // Also the way to ask again after a count failed.
            Action::ClearFilters => {
                self.crumbs.list.clear();
                self.remote.as_mut().map(RemoteView::clear);
                true
            }
            // Nothing else filters while the events are still in the workspace.
            Action::FailuresOnly | Action::FuzzyFilter if counting && self.focus.pivot_index().is_none() => {
                self.message = Some("the events are still in the workspace: drill down in a pivot pane first".into());
                return true;
            }
            _ => return false,
        };
        if changed {
            let scope = self.remote.as_ref().map(|v| v.scope.clone()).unwrap_or_default();
            if !counting {
                self.replace_store(Arc::new(super::run::empty_store()));
            }
            self.show_remote_counts();
            self.effects.push(Effect::Summarize(scope));
        }
        true
    }

    /// The label under a pivot pane's cursor.
    pub fn pivot_cursor_label(&self, pane: Pane) -> Option<String> {
        let (i, dim) = (pane.pivot_index()?, pane.dim()?);
        let p = &self.pivots[i];
        Some(self.label(dim, p.rows.get(p.cursor)?.facet.id))
    }

    /// The keymap context keys are looked up in first.
    pub fn context(&self) -> Context {
        if self.prompt.is_some() {
            return Context::Prompt;
        }
        match self.overlay {
            Some(Overlay::Help { .. }) => Context::Help,
            Some(Overlay::Errors { .. }) => Context::Errors,
            Some(Overlay::Queries { .. }) => Context::Queries,
            None => self.focus.context(),
        }
    }

    /// A key press: chords wait for their next key; the focused context wins over `global`; in the prompt,
    /// unbound plain characters are typed.
    pub fn on_key(&mut self, event: &KeyEvent) {
        let key = Key::from_event(event);
        self.pending.push(key);
        let ctx = self.context();
        let typing = ctx == Context::Prompt && !key.is_modified() && key.as_char().is_some();
        let mut lookup = self.keymap.lookup(ctx, &self.pending);
        if matches!(lookup, Lookup::None) && ctx != Context::Global && !typing {
            lookup = self.keymap.lookup(Context::Global, &self.pending);
        }
        match lookup {
            Lookup::Pending => {}
            Lookup::Action(action) => {
                self.pending.clear();
                self.apply(action);
            }
            Lookup::None => {
                let chord = self.pending.len() > 1;
                self.pending.clear();
                if let Some(c) = key.as_char().filter(|_| typing && !chord) {
                    self.type_text(c.encode_utf8(&mut [0; 4]));
                }
            }
        }
    }

    /// Does what an action says, in the current focus.
    pub fn apply(&mut self, action: Action) {
        self.message = None;
        if self.apply_remote(action) {
            return;
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Noop => {}
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::ShowErrors => self.overlay = Some(Overlay::Errors { scroll: 0 }),
            Action::ShowQueries => self.overlay = Some(Overlay::Queries { scroll: 0 }),
            Action::Cancel => self.cancel(),
            Action::FocusNext | Action::FocusPrev => {
                let step = if action == Action::FocusNext { 1 } else { Pane::ALL.len() - 1 };
                self.set_focus(Pane::ALL[(self.focus.index() + step) % Pane::ALL.len()]);
            }
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(self.page() as isize)),
            Action::PageDown => self.move_by(self.page() as isize),
            Action::Top => self.move_by(isize::MIN / 2),
            Action::Bottom => self.move_by(isize::MAX / 2),
            Action::Left | Action::Right => self.sideways(if action == Action::Left { -1 } else { 1 }),
            Action::Drill => self.drill(),
            Action::NextFlagged => self.jump_flagged(true),
            Action::PrevFlagged => self.jump_flagged(false),
            Action::Exclude => self.pivot_value(false),
            Action::AddToFilter => self.pivot_value(true),
            Action::PopFilter => {
                if self.crumbs.list.pop().is_some() {
                    self.recount();
                }
            }
            Action::ClearFilters => {
                if !self.crumbs.list.is_empty() {
                    self.crumbs.list.clear();
                    self.recount();
                }
            }
            Action::FailuresOnly => {
                let failed = Clause::Outcome(Outcome::Failure);
                if let Some(i) = self.crumbs.list.iter().position(|c| c.clause == failed) {
                    self.crumbs.list.remove(i);
                } else {
                    self.crumbs.push(Crumb::plain(failed));
                }
                self.recount();
            }
            Action::CycleSort => {
                if let Some(i) = self.focus.pivot_index() {
                    self.pivots[i].sort = self.pivots[i].sort.next();
                    self.rebuild_pivot(i);
                    self.message = Some(format!("{} sorted {}", self.focus.title(), self.pivots[i].sort.label()));
                }
            }
            Action::PivotCallerIp => self.pivot_event(Dim::CallerIp),
            Action::PivotIdentity => self.pivot_event(Dim::Identity),
            Action::PivotVault => self.pivot_event(Dim::Vault),
            Action::PivotOperation => self.pivot_event(Dim::Operation),
            Action::OpenDetail => self.set_focus(Pane::Detail),
            Action::MarkSpan => {
                if self.focus == Pane::Timeline {
                    self.span_mark = if self.span_mark.is_some() { None } else { Some(self.timeline.at) };
                }
            }
            Action::FuzzyFilter => self.open_prompt(),
            Action::PromptAccept => self.accept_prompt(),
            Action::PromptDeleteChar => self.edit_prompt(|t| {
                t.pop();
            }),
            Action::PromptDeleteWord => self.edit_prompt(|t| {
                let keep = t.trim_end().rfind(' ').map_or(0, |i| i + 1);
                t.truncate(keep);
            }),
            Action::PromptClear => self.edit_prompt(String::clear),
            Action::ToggleZoom => self.zoom = !self.zoom,
            Action::Copy => self.copy(),
            Action::Redraw => self.effects.push(Effect::Redraw),
            Action::FocusCallerIp
            | Action::FocusIdentity
            | Action::FocusVault
            | Action::FocusOperation
            | Action::FocusEvents
            | Action::FocusDetail
            | Action::FocusTimeline
            | Action::FocusFindings => {
                if let Some(pane) = Pane::focused_by(action) {
                    self.overlay = None;
                    self.set_focus(pane);
                }
            }
        }
    }

    /// Focuses a pane (mouse click or scroll over it).
    pub fn focus_pane(&mut self, pane: Pane) {
        if self.overlay.is_none() && self.prompt.is_none() {
            self.set_focus(pane);
        }
    }

    /// A click on the `n`th visible row of the focused list.
    pub fn click_row(&mut self, n: usize) {
        let target = match self.focus {
            Pane::Events => self.table.top + n,
            p => match p.pivot_index() {
                Some(i) => self.pivots[i].top + n,
                None => return,
            },
        };
        let current = match self.focus.pivot_index() {
            Some(i) => self.pivots[i].cursor,
            None => self.table.at,
        };
        self.move_by(target as isize - current as isize);
    }

    /// A click on a timeline column.
    pub fn click_column(&mut self, column: usize) {
        if self.focus == Pane::Timeline {
            self.timeline.step(column as isize - self.timeline.at as isize, self.histogram.bars.len());
        }
    }

    fn set_focus(&mut self, pane: Pane) {
        self.focus = pane;
        if pane == Pane::Detail {
            self.request_raw();
        }
    }

    fn page(&self) -> usize {
        match (&self.overlay, self.focus) {
            (Some(_), _) => self.viewports.overlay,
            (None, Pane::Events) => self.viewports.table,
            (None, Pane::Detail) => self.viewports.detail,
            (None, Pane::Timeline) => (self.histogram.bars.len() / 8).max(1),
            _ => self.viewports.pivot,
        }
        .max(1)
    }

    fn move_by(&mut self, delta: isize) {
        if let Some(Overlay::Help { scroll } | Overlay::Errors { scroll } | Overlay::Queries { scroll }) =
            &mut self.overlay
        {
            *scroll = (*scroll as isize).saturating_add(delta).max(0) as usize;
            return;
        }
        if let Some(i) = self.focus.pivot_index() {
            let p = &mut self.pivots[i];
            let mut c = Cursor { at: p.cursor, top: p.top };
            c.step(delta, p.rows.len());
            c.follow(self.viewports.pivot);
            (p.cursor, p.top) = (c.at, c.top);
            return;
        }
        match self.focus {
            Pane::Events => {
                let before = self.table.at;
                self.table.step(delta, self.counts.selection.len());
                self.table.follow(self.viewports.table);
                if self.table.at != before {
                    self.detail_scroll = 0;
                    self.request_raw();
                }
            }
            Pane::Detail => self.detail_scroll = (self.detail_scroll as isize).saturating_add(delta).max(0) as usize,
            Pane::Timeline => self.sideways(delta.signum()),
            Pane::Findings => self.findings.move_by(delta, self.viewports.findings),
            _ => {}
        }
    }

    /// Detections computed on `store`; ignored if another store has replaced it since.
    pub fn set_detections(&mut self, store: &Arc<Store>, detections: Arc<Detections>) {
        if Arc::ptr_eq(store, &self.store) {
            self.findings.set(&self.store, detections);
        }
    }

    /// Filters the workbench to the selected finding's evidence: its actor, its vaults and its time span, each
    /// a breadcrumb (so it can be popped like any other filter); the evidence is marked in the table.
    fn filter_to_finding(&mut self) {
        let Some(f) = self.findings.selected() else {
            self.message = Some("no finding selected".into());
            return;
        };
        let mut crumbs = Vec::new();
        if f.identities.len() == 1 || f.caller_ips.is_empty() {
            crumbs.extend(f.identities.iter().map(|&i| Crumb::is(&self.store, Dim::Identity, i)));
        } else {
            crumbs.extend(f.caller_ips.iter().map(|&i| Crumb::is(&self.store, Dim::CallerIp, i)));
        }
        crumbs.extend(f.vaults.iter().map(|&v| Crumb::is(&self.store, Dim::Vault, v)));
        let (from, to) = (Ticks(f.first), Ticks(f.last + 1));
        crumbs.push(Crumb::plain(Clause::Within { from: Some(from), to: Some(to) }));
        let first_row = f.evidence.first().map(|e| e.row as usize);
        self.message = Some(format!("{} — {} evidence events", f.rule_label(), f.event_count));
        let mut changed = false;
        for c in crumbs {
            changed |= self.crumbs.push(c);
        }
        if changed {
            self.recount();
        }
        self.set_focus(Pane::Events);
        if let Some(pos) = first_row.and_then(|r| self.counts.selection.position(r)) {
            self.select_position(pos);
        }
    }

    /// Moves the event cursor to the next (or previous) event flagged by a finding, among the events shown;
    /// wraps around.
    fn jump_flagged(&mut self, forward: bool) {
        let Some(d) = self.findings.detections.clone() else {
            self.message = Some("no findings (yet)".into());
            return;
        };
        let shown: Vec<usize> = d.flagged_rows().filter_map(|r| self.counts.selection.position(r as usize)).collect();
        let at = self.table.at;
        let target = if forward {
            shown.iter().find(|&&p| p > at).or(shown.first())
        } else {
            shown.iter().rev().find(|&&p| p < at).or(shown.last())
        };
        match target {
            Some(&pos) => {
                self.set_focus(Pane::Events);
                self.select_position(pos);
            }
            None => self.message = Some("no flagged event under the current filter".into()),
        }
    }

    fn select_position(&mut self, pos: usize) {
        self.table.at = pos;
        self.table.follow(self.viewports.table);
        self.detail_scroll = 0;
        self.request_raw();
    }

    /// Left / right: along the timeline; between the pivot panes.
    fn sideways(&mut self, delta: isize) {
        match self.focus {
            Pane::Timeline => self.timeline.step(delta, self.histogram.bars.len()),
            p if p.pivot_index().is_some() => {
                let i = (p.pivot_index().unwrap_or(0) as isize + delta).clamp(0, 3) as usize;
                self.focus = Pane::PIVOTS[i];
            }
            _ => {}
        }
    }

    /// The value under the cursor of the focused pivot pane.
    fn pivot_cursor(&self) -> Option<(Dim, u32)> {
        let i = self.focus.pivot_index()?;
        let p = &self.pivots[i];
        Some((self.focus.dim()?, p.rows.get(p.cursor)?.facet.id))
    }

    fn push(&mut self, crumb: Crumb) {
        if self.crumbs.push(crumb) {
            self.recount();
        }
    }

    fn drill(&mut self) {
        match self.focus {
            Pane::Timeline => {
                if self.histogram.bars.is_empty() || self.counts.selection.is_empty() {
                    return;
                }
                let (a, b) = match self.span_mark {
                    Some(m) => (m.min(self.timeline.at), m.max(self.timeline.at)),
                    None => (self.timeline.at, self.timeline.at),
                };
                let (from, to) = (self.histogram.start(a), self.histogram.start(b + 1));
                self.span_mark = None;
                self.push(Crumb::plain(Clause::Within { from: Some(from), to: Some(to) }));
            }
            Pane::Findings => self.filter_to_finding(),
            Pane::Events => self.set_focus(Pane::Detail),
            _ => {
                if let Some((dim, id)) = self.pivot_cursor() {
                    self.push(Crumb::is(&self.store, dim, id));
                }
            }
        }
    }

    /// Exclude (`keep == false`) or OR-add (`keep == true`) the focused pivot value.
    fn pivot_value(&mut self, keep: bool) {
        if let Some((dim, id)) = self.pivot_cursor() {
            let crumb = if keep { Crumb::is(&self.store, dim, id) } else { Crumb::not(&self.store, dim, id) };
            self.push(crumb);
        }
    }

    /// Filters to a dimension's value of the selected event.
    fn pivot_event(&mut self, dim: Dim) {
        let Some(row) = self.selected_row() else {
            self.message = Some("no event selected".into());
            return;
        };
        let id = self.store.column(dim)[row];
        self.push(Crumb::is(&self.store, dim, id));
        // Stay on the same event: it passes the new filter by construction.
        if let Some(pos) = self.counts.selection.position(row) {
            self.table.at = pos;
            self.table.follow(self.viewports.table);
        }
    }

    fn cancel(&mut self) {
        if let Some(prompt) = self.prompt.take() {
            self.set_pattern(prompt.pane, prompt.before);
        } else if self.overlay.is_some() {
            self.overlay = None;
        } else if self.span_mark.is_some() {
            self.span_mark = None;
        } else if self.zoom {
            self.zoom = false;
        }
    }

    fn current_pattern(&self, pane: Pane) -> String {
        if let Some(i) = pane.pivot_index() {
            return self.pivots[i].pattern.clone();
        }
        match self.crumbs.fuzzy().map(|i| &self.crumbs.list[i].clause) {
            Some(Clause::Fuzzy(s)) => s.clone(),
            _ => String::new(),
        }
    }

    fn open_prompt(&mut self) {
        if self.focus.pivot_index().is_none() && self.focus != Pane::Events {
            self.message = Some("/ filters the pivot panes and the event table".into());
            return;
        }
        self.overlay = None;
        if self.focus == Pane::Events {
            self.fuzzy.prepare(&self.store);
        }
        let before = self.current_pattern(self.focus);
        self.prompt = Some(Prompt { pane: self.focus, text: before.clone(), before });
    }

    fn accept_prompt(&mut self) {
        self.prompt = None;
    }

    /// Types into the open prompt (a key, or a whole paste: one recount, not one per character). Control
    /// characters are dropped: a paste is as untrusted as a log.
    pub fn type_text(&mut self, text: &str) {
        self.edit_prompt(|t| t.extend(text.chars().filter(|c| !c.is_control())));
    }

    fn edit_prompt(&mut self, edit: impl FnOnce(&mut String)) {
        let Some(prompt) = &mut self.prompt else { return };
        edit(&mut prompt.text);
        let (pane, text) = (prompt.pane, prompt.text.clone());
        self.set_pattern(pane, text);
    }

    /// Applies a fuzzy pattern live: to a pivot pane's list, or to the events (a `~pattern` crumb).
    fn set_pattern(&mut self, pane: Pane, text: String) {
        if let Some(i) = pane.pivot_index() {
            self.pivots[i].pattern = text;
            self.pivots[i].cursor = 0;
            self.pivots[i].top = 0;
            return self.rebuild_pivot(i);
        }
        let at = self.crumbs.fuzzy();
        match (at, text.is_empty()) {
            (Some(i), true) => {
                self.crumbs.list.remove(i);
            }
            (Some(i), false) => self.crumbs.list[i] = Crumb::plain(Clause::Fuzzy(text)),
            (None, true) => return,
            (None, false) => self.crumbs.list.push(Crumb::plain(Clause::Fuzzy(text))),
        }
        self.table = Cursor::default();
        self.recount_soon();
    }

    /// The fuzzy pattern applied to the event table, if any.
    pub fn events_pattern(&self) -> Option<&str> {
        self.crumbs.fuzzy().and_then(|i| match &self.crumbs.list[i].clause {
            Clause::Fuzzy(s) => Some(s.as_str()),
            _ => None,
        })
    }

    fn copy(&mut self) {
        let text = if matches!(self.overlay, Some(Overlay::Queries { .. })) {
            (self.source.is_some() || self.coverage.is_some()).then(|| super::queries::text(self))
        } else if self.focus.pivot_index().is_some() {
            self.pivot_cursor().map(|(dim, id)| self.store.label(dim, id).into_owned())
        } else {
            self.selected_row().and_then(|row| serde_json::to_string_pretty(&self.store.record(row, None)).ok())
        };
        match text {
            Some(t) => {
                self.message = Some(format!("copied {} bytes to the clipboard (OSC 52)", t.len()));
                self.effects.push(Effect::Copy(t));
            }
            None => self.message = Some("nothing to copy".into()),
        }
    }

    /// Asks the runner for the selected event's original record, unless it is already shown.
    fn request_raw(&mut self) {
        if let Some(row) = self.selected_row()
            && self.raw.as_ref().is_none_or(|r| r.row != row)
            && !self.effects.contains(&Effect::LoadRaw(row))
        {
            self.effects.retain(|e| !matches!(e, Effect::LoadRaw(_)));
            self.effects.push(Effect::LoadRaw(row));
        }
    }

    pub fn set_raw(&mut self, raw: RawRecord) {
        if Some(raw.row) == self.selected_row() {
            self.raw = Some(raw);
        }
    }

    /// Pivot values marked as involved in a finding (filled by the detections).
    /// The most severe finding a pivot value is involved in, if any.
    pub fn flagged(&self, dim: Dim, id: u32) -> Option<crate::detect::Severity> {
        self.findings.involved(dim, id)
    }

    pub fn rejected(&self) -> u64 {
        match &self.load {
            LoadState::Loading { progress, .. } => progress.rejected.load(std::sync::atomic::Ordering::Relaxed),
            LoadState::Done { report, .. } => report.rejected(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::theme::ThemeName;

    fn demo_app(store: &Arc<Store>) -> App {
        let load = LoadState::Done { report: LoadReport::default(), took: std::time::Duration::ZERO };
        App::new(store.clone(), load, Keymap::default_map(), Theme::new(ThemeName::Mono), "test".into())
    }

    /// In the runner's background mode a fuzzy keystroke leaves the previous results on screen until its job is
    /// done; a job overtaken by another keystroke is dropped and the newest filter recounted; the counts shown
    /// at the end are those of an in-place recount.
    #[test]
    fn background_recounts_show_the_newest_filter() {
        let (store, _) =
            crate::store::load::load(crate::demo::sources().expect("demo"), Vec::new(), &Progress::default());
        let store = Arc::new(store);
        let mut app = demo_app(&store);
        app.background = true;
        let all = app.counts.selection.clone();
        app.apply(Action::FocusEvents);
        app.apply(Action::FuzzyFilter);
        app.type_text("s");
        assert_eq!(app.counts.selection, all, "the previous results stay until the job is done");
        assert!(app.effects.contains(&Effect::Recount));
        let job = app.recount_job().expect("a job");
        app.type_text("e");
        assert!(app.recount_job().is_none(), "one job at a time");
        app.finish_recount(job.run());
        assert_eq!(app.counts.selection, all, "a result for `s` is not shown once `se` is typed");
        let job = app.recount_job().expect("the newest filter is recounted");
        app.finish_recount(job.run());
        assert!(app.recount_job().is_none(), "the counts are current");

        let mut inline = demo_app(&store);
        inline.apply(Action::FocusEvents);
        inline.apply(Action::FuzzyFilter);
        inline.type_text("se");
        assert_ne!(inline.counts.selection, all);
        assert_eq!(app.counts.selection, inline.counts.selection);
        assert_eq!(app.counts.facets, inline.counts.facets);
        assert_eq!(app.histogram, inline.histogram);
    }
}
