//! The two bottom lines. The status line: the `/` prompt when open; else a message, the filter as
//! breadcrumbs, visible / total events and the load state (a progress bar while loading). The hint bar: the
//! keys that matter in the focused pane, read from the live keymap — so a remapped key shows as remapped.

use std::sync::atomic::Ordering;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use super::thousands;
use crate::text::sanitize;
use crate::tui::action::Action;
use crate::tui::app::{App, LoadState};
use crate::tui::keymap::Context;

/// The load state, right-aligned: `loaded 1,000,000 in 2.1 s` or a progress bar with rate and rejections.
fn load_state(app: &App) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let rejected = app.rejected();
    if app.counting_remotely().is_some() {
        return Vec::new(); // nothing loads: the mode is on the left
    }
    let mut spans = match &app.load {
        // A live source says how far it is itself: bytes mean nothing while slices are still being fetched.
        LoadState::Loading { .. } if app.source.is_some() => vec![Span::styled("fetching ", theme.warning)],
        LoadState::Loading { progress, started } => {
            let done = progress.bytes_done.load(Ordering::Relaxed);
            let total = progress.bytes_total.load(Ordering::Relaxed).max(1);
            let events = progress.events.load(Ordering::Relaxed);
            let secs = started.elapsed().as_secs_f64().max(0.001);
            let pct = (done * 100 / total).min(100);
            let filled = (pct / 10) as usize;
            vec![
                Span::styled("loading ", theme.warning),
                Span::styled(format!("{}{}", "█".repeat(filled), "░".repeat(10 - filled)), theme.bar),
                Span::raw(format!(
                    " {pct}% {}/{} MB {}/s",
                    thousands(done >> 20),
                    thousands(total >> 20),
                    thousands((events as f64 / secs) as u64)
                )),
            ]
        }
        LoadState::Done { took, .. } => {
            vec![Span::styled(format!("loaded in {:.1} s", took.as_secs_f64()), theme.dim)]
        }
    };
    if let Some(status) = app.source.as_ref().map(|s| &s.status) {
        let style = if status.contains("GAP") { theme.warning } else { theme.dim };
        spans.push(Span::styled(format!(" {}", sanitize(status)), style));
        // Where the KQL and the gaps are listed, by the live keymap's key.
        if let Some(key) = app.keymap.keys_for(Context::Global, Action::ShowQueries).first() {
            spans.push(Span::styled(format!(" ({})", key.short()), style));
        }
    }
    if rejected > 0 {
        spans.push(Span::styled(format!(" {} rejected (E)", thousands(rejected)), theme.warning));
    }
    spans
}

pub fn draw_status(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    if let Some(prompt) = &app.prompt {
        let line = Line::from(vec![
            Span::styled(format!("/{} ", prompt.pane.title()), theme.key),
            Span::raw(sanitize(&prompt.text).into_owned()),
            Span::styled("▏", theme.key),
            Span::styled(format!("  {} shown", thousands(shown(app) as u64)), theme.dim),
        ]);
        frame.render_widget(line, area);
        return;
    }
    let counts =
        format!(" {} / {} events · ", thousands(app.counts.selection.len() as u64), thousands(app.store.len() as u64));
    // While the workspace counts, nothing is loaded to count here: the mode on the left says it all.
    let mut right = if app.counting_remotely().is_some() { Vec::new() } else { vec![Span::raw(counts)] };
    right.extend(load_state(app));
    let right = Line::from(right);
    let width = right.width() as u16;
    let [left_area, right_area] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(width.min(area.width))]).areas(area);
    let mut left: Vec<Span> = Vec::new();
    if let Some(m) = &app.message {
        left.push(Span::styled(format!("{} ", sanitize(m)), theme.warning));
    }
    // Server mode's drill-down comes first: the workspace applied it, the local filters narrow what it sent.
    let remote: Vec<String> = app.remote.as_ref().map(|v| v.crumbs()).unwrap_or_default();
    if let Some(view) = &app.remote {
        left.push(Span::styled(format!("{} ", view.status()), theme.warning));
    }
    if app.crumbs.list.is_empty() && app.remote.is_none() {
        left.push(Span::styled("all events", theme.dim));
    }
    let labels = remote.iter().map(|c| (format!("⌂{}", sanitize(c)), theme.warning));
    let labels = labels.chain(app.crumbs.list.iter().map(|c| (c.label(), theme.crumb)));
    for (i, (label, style)) in labels.enumerate() {
        if i > 0 {
            left.push(Span::styled(" › ", theme.dim));
        }
        left.push(Span::styled(label, style));
    }
    frame.render_widget(Line::from(left), left_area);
    frame.render_widget(right, right_area);
}

/// How many rows the open prompt leaves visible.
fn shown(app: &App) -> usize {
    match app.prompt.as_ref().and_then(|p| p.pane.pivot_index()) {
        Some(i) => app.pivots[i].rows.len(),
        None => app.counts.selection.len(),
    }
}

/// The actions worth a hint in each context, most useful first.
fn hinted(ctx: Context) -> &'static [Action] {
    use Action::*;
    match ctx {
        Context::Pivot => &[Drill, Exclude, AddToFilter, FuzzyFilter, CycleSort, PopFilter, ClearFilters, FocusNext],
        Context::Table => {
            &[OpenDetail, PivotCallerIp, PivotIdentity, PivotVault, PivotOperation, FuzzyFilter, PopFilter, Copy]
        }
        Context::Detail => &[Copy, FocusEvents, ToggleZoom, PopFilter, PageDown],
        Context::Timeline => &[Left, Right, MarkSpan, Drill, PopFilter, FailuresOnly],
        Context::Findings => &[Drill, FocusEvents, PopFilter],
        Context::Prompt => &[PromptAccept, Cancel, PromptDeleteChar, PromptClear],
        Context::Help | Context::Errors => &[Cancel, Down, Up],
        Context::Queries => &[Cancel, Copy, Down, Up],
        Context::Global => &[],
    }
}

pub fn draw_hints(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let ctx = app.context();
    let mut actions: Vec<Action> = hinted(ctx).to_vec();
    if ctx != Context::Prompt {
        actions.extend([Action::Help, Action::Quit]);
    }
    let mut spans = Vec::new();
    for action in actions {
        let keys = app.keymap.keys_for(ctx, action);
        let keys =
            if keys.is_empty() && ctx != Context::Prompt { app.keymap.keys_for(Context::Global, action) } else { keys };
        let Some(key) = keys.first() else { continue };
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key.short(), theme.key));
        spans.push(Span::styled(format!(" {}", action.hint()), theme.dim));
    }
    frame.render_widget(Line::from(spans), area);
}
