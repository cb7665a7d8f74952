//! The event table, virtualized: only the rows on screen are built, so a million-row selection scrolls as fast
//! as a ten-row one (ratatui's `Table` would walk every row it is given; see TUI-ANCHORS §5). Columns are
//! dropped by priority when the pane is narrow; the detail pane shows everything.

use ratatui::Frame;
use ratatui::layout::{Constraint, Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Cell, Paragraph, Row, Scrollbar, ScrollbarOrientation, ScrollbarState, Table, TableState, Wrap,
};

use fuzzy_matcher::FuzzyMatcher;

use super::{block, fit, highlighted, thousands};
use crate::store::Dim;
use crate::store::fuzzy_matcher;
use crate::text::sanitize;
use crate::tui::app::App;
use crate::tui::pane::Pane;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    /// Severity letter and sequence step of the finding this event is evidence of.
    Flag,
    Time,
    Vault,
    Operation,
    Object,
    Status,
    CallerIp,
    Identity,
    UserAgent,
}

impl Col {
    /// Display order.
    const ORDER: [Col; 9] = [
        Col::Flag,
        Col::Time,
        Col::Vault,
        Col::Operation,
        Col::Object,
        Col::Status,
        Col::CallerIp,
        Col::Identity,
        Col::UserAgent,
    ];
    /// The order columns are kept in when space is short.
    const PRIORITY: [Col; 9] = [
        Col::Flag,
        Col::Time,
        Col::Operation,
        Col::Status,
        Col::Identity,
        Col::CallerIp,
        Col::Vault,
        Col::Object,
        Col::UserAgent,
    ];

    fn title(self) -> &'static str {
        match self {
            Col::Flag => "!",
            Col::Time => "time (UTC)",
            Col::Vault => "vault",
            Col::Operation => "operation",
            Col::Object => "object",
            Col::Status => "st",
            Col::CallerIp => "caller ip",
            Col::Identity => "identity",
            Col::UserAgent => "user agent",
        }
    }

    /// (minimum, preferred) width.
    fn widths(self) -> (u16, u16) {
        match self {
            Col::Flag => (2, 2),
            Col::Time => (14, 19),
            Col::Vault => (10, 18),
            Col::Operation => (12, 22),
            Col::Object => (12, 26),
            Col::Status => (3, 3),
            Col::CallerIp => (15, 15),
            Col::Identity => (16, 28),
            Col::UserAgent => (16, 40),
        }
    }
}

/// Which columns fit in `width`, with their widths: by priority at minimum width, then grown toward preferred.
fn columns(width: u16) -> Vec<(Col, u16)> {
    let mut kept: Vec<Col> = Vec::new();
    let mut used = 0u16;
    for col in Col::PRIORITY {
        let need = col.widths().0 + u16::from(!kept.is_empty());
        if used + need <= width {
            kept.push(col);
            used += need;
        }
    }
    let mut widths: Vec<(Col, u16)> =
        Col::ORDER.iter().filter(|c| kept.contains(c)).map(|c| (*c, c.widths().0)).collect();
    let mut spare = width.saturating_sub(used);
    for col in Col::PRIORITY {
        if let Some(w) = widths.iter_mut().find(|(c, _)| *c == col) {
            let grow = (col.widths().1 - w.1).min(spare);
            w.1 += grow;
            spare -= grow;
        }
    }
    if let Some(last) = widths.last_mut() {
        last.1 += spare;
    }
    widths
}

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    if let Some(view) = app.counting_remotely() {
        let text = vec![
            Line::styled(view.status(), app.theme.warning),
            Line::raw(""),
            Line::raw(format!(
                "The events stay in the workspace until a drill-down holds at most {}; the pivot panes (⌂) are \
                 counted there. Enter on a value narrows, exclude and OR work as usual, Backspace pops: each step is \
                 counted again by the workspace, and a slice small enough is loaded here.",
                thousands(view.threshold)
            )),
        ];
        let block = block(app, Pane::Events, vec![]);
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }).block(block), area);
        return;
    }
    let height = area.height.saturating_sub(3) as usize;
    app.viewports.table = height.max(1);
    app.table.follow(height.max(1));
    let theme = &app.theme;
    let store = &app.store;
    let total = app.counts.selection.len();
    let cols = columns(area.width.saturating_sub(3));
    let extra = vec![Span::styled(
        format!("{} of {}", thousands(total.min(app.table.at + 1) as u64), thousands(total as u64)),
        theme.dim,
    )];
    let focused = app.focus == Pane::Events;
    // One matcher per frame; only the cells drawn are scored for highlighting.
    let pattern = app.events_pattern().map(|p| (fuzzy_matcher(), p));
    let matched_in = |text: &str| match &pattern {
        Some((m, p)) => m.fuzzy_indices(text, p).map(|(_, at)| at).unwrap_or_default(),
        None => Vec::new(),
    };
    let rows: Vec<Row> = app
        .counts
        .selection
        .iter()
        .enumerate()
        .skip(app.table.top)
        .take(height)
        .map(|(n, row)| {
            let failed = store.failed(row);
            let cells: Vec<Cell> = cols
                .iter()
                .map(|&(col, w)| {
                    let (text, fuzzy, style) = cell(app, col, w, row, failed);
                    let text = fit(&text, w as usize);
                    if col == Col::Time {
                        // The date dim, the time of day plain, like the columns after it: scrolling rewrites the
                        // seconds of nearly every row, and a style switch there would cost more than the digits.
                        let (date, time) = text.split_at(text.find(' ').map_or(0, |i| i + 1));
                        return Cell::from(Line::from(vec![
                            Span::styled(date.to_string(), style),
                            Span::raw(time.to_string()),
                        ]));
                    }
                    let matched = if fuzzy { matched_in(&text) } else { Vec::new() };
                    Cell::from(Line::from(highlighted(&text, &matched, style, theme)))
                })
                .collect();
            let style = match (n == app.table.at, focused) {
                (true, true) => theme.selected,
                (true, false) => theme.selected_unfocused,
                _ => Style::new(),
            };
            Row::new(cells).style(style)
        })
        .collect();
    let widths: Vec<Constraint> = cols.iter().map(|(_, w)| Constraint::Length(*w)).collect();
    let header = Row::new(cols.iter().map(|(c, _)| Cell::from(c.title())).collect::<Vec<_>>()).style(theme.header);
    let table = Table::new(rows, widths).header(header).column_spacing(1).block(block(app, Pane::Events, extra));
    frame.render_stateful_widget(table, area, &mut TableState::default());
    if total == 0 && area.height > 3 {
        let inner = Rect { x: area.x + 1, y: area.y + 2, width: area.width.saturating_sub(2), height: 1 };
        let msg = if store.is_empty() { " no events loaded (yet)" } else { " no events match the filter" };
        frame.render_widget(Span::styled(msg, theme.dim), inner);
    }
    if total > height {
        let mut state = ScrollbarState::new(total.saturating_sub(height)).position(app.table.top);
        let bar = Scrollbar::new(ScrollbarOrientation::VerticalRight).begin_symbol(None).end_symbol(None);
        frame.render_stateful_widget(bar, area.inner(Margin { vertical: 2, horizontal: 0 }), &mut state);
    }
}

/// A cell's text (sanitized), whether the fuzzy filter matches this column, and its style.
fn cell(app: &App, col: Col, width: u16, row: usize, failed: bool) -> (String, bool, Style) {
    let store = &app.store;
    let label = |d: Dim| sanitize(&store.label(d, store.column(d)[row])).into_owned();
    let plain = Style::new();
    match col {
        Col::Flag => match app.findings.flag(row) {
            // `H3`: a High finding, step 3 of its sequence; `C`: evidence of a Critical one.
            Some(f) => {
                let step = f.step.map(|s| if s < 10 { char::from(b'0' + s) } else { '+' }).unwrap_or(' ');
                (format!("{}{step}", f.severity.letter()), false, app.theme.of(f.severity))
            }
            None => (String::new(), false, plain),
        },
        Col::Time => {
            // `2026-10-01 00:01:58`, or `10-01 00:01:58` when narrow.
            let iso = store.time(row).to_iso();
            let from = if width < 19 { 5 } else { 0 };
            (iso.get(from..19).unwrap_or(&iso).replace('T', " "), false, app.theme.dim)
        }
        Col::Vault => (label(Dim::Vault), false, plain),
        Col::Operation => (label(Dim::Operation), false, plain),
        Col::Object => {
            let id = store.column(Dim::Object)[row];
            let text = if id == 0 { String::new() } else { sanitize(&store.dicts.objects.get(id).name).into_owned() };
            (text, true, plain)
        }
        Col::Status => {
            let text = label(Dim::Status);
            (text, false, if failed { app.theme.failed } else { app.theme.ok })
        }
        Col::CallerIp => (label(Dim::CallerIp), false, plain),
        Col::Identity => {
            let id = store.column(Dim::Identity)[row];
            let kind = store.dicts.identities.get(id).kind().letter();
            (format!("{kind} {}", label(Dim::Identity)), true, plain)
        }
        Col::UserAgent => (label(Dim::UserAgent), true, plain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_and_keep_priority() {
        for width in [20u16, 40, 77, 78, 117, 160, 250] {
            let cols = columns(width);
            let used: u16 = cols.iter().map(|(_, w)| *w).sum::<u16>() + cols.len().saturating_sub(1) as u16;
            assert!(used <= width.max(14), "{width}: {used}");
            assert_eq!(cols[0].0, Col::Flag);
        }
        assert_eq!(columns(250).len(), 9);
        assert!(columns(78).iter().any(|(c, _)| *c == Col::Identity));
    }
}
