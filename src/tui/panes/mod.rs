//! Drawing: one file per pane, each a function from state to cells. Nothing here does I/O or changes what
//! the analyst sees next — the only writes back are the viewport sizes, so paging knows the page height.

mod detail;
mod events;
mod findings;
mod help;
mod layout;
mod pivot;
mod queries;
mod status;
mod timeline;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

pub use layout::{Areas, MIN_HEIGHT, MIN_WIDTH};

use super::app::{App, Overlay};
use super::pane::Pane;
use super::theme::Theme;

/// Draws the whole screen; returns where each pane went (for the mouse), or `None` when it is too small.
pub fn draw(frame: &mut Frame, app: &mut App) -> Option<Areas> {
    let area = frame.area();
    let Some(areas) = layout::split(area, app) else {
        too_small(frame, area);
        return None;
    };
    if let Some(t) = areas.pane(Pane::Timeline) {
        app.set_timeline_width(t.width.saturating_sub(2) as usize);
    }
    for pane in Pane::ALL {
        if let Some(rect) = areas.pane(pane) {
            match pane {
                Pane::CallerIp | Pane::Identity | Pane::Vault | Pane::Operation => pivot::draw(frame, rect, app, pane),
                Pane::Events => events::draw(frame, rect, app),
                Pane::Detail => detail::draw(frame, rect, app),
                Pane::Timeline => timeline::draw(frame, rect, app),
                Pane::Findings => findings::draw(frame, rect, app),
            }
        }
    }
    status::draw_status(frame, areas.status, app);
    status::draw_hints(frame, areas.hints, app);
    match &app.overlay {
        Some(Overlay::Help { .. }) => help::draw_help(frame, area, app),
        Some(Overlay::Errors { .. }) => help::draw_errors(frame, area, app),
        Some(Overlay::Queries { .. }) => queries::draw(frame, area, app),
        None => {}
    }
    Some(areas)
}

fn too_small(frame: &mut Frame, area: Rect) {
    let text =
        format!("kvtrail needs at least {MIN_WIDTH}x{MIN_HEIGHT}; this terminal is {}x{}", area.width, area.height);
    frame.render_widget(Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }), area);
}

/// A pane's frame: its title, its digit, and a heavier border when focused.
pub(super) fn block<'a>(app: &App, pane: Pane, extra: Vec<Span<'a>>) -> Block<'a> {
    let focused = app.focus == pane;
    let theme = &app.theme;
    let mut title = vec![Span::styled(format!("{} {}", pane.index() + 1, pane.title()), theme.title)];
    for s in extra {
        title.push(Span::raw(" "));
        title.push(s);
    }
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(if focused { theme.border_focused } else { theme.border })
        .title(Line::from(title))
}

/// `text` as spans, with the characters at `matched` (char indices) in the match style.
pub(super) fn highlighted<'a>(text: &str, matched: &[usize], base: Style, theme: &Theme) -> Vec<Span<'a>> {
    if matched.is_empty() {
        return vec![Span::styled(text.to_string(), base)];
    }
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_hit = false;
    for (i, c) in text.chars().enumerate() {
        let hit = matched.binary_search(&i).is_ok();
        if hit != run_hit && !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), if run_hit { base.patch(theme.matched) } else { base }));
        }
        run_hit = hit;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if run_hit { base.patch(theme.matched) } else { base }));
    }
    spans
}

/// A count with thousands separators: 1,234,567.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Fits `text` into `width` columns, ending with `…` when cut.
pub(super) fn fit(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_string();
    }
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}
