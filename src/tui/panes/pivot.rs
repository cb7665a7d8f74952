//! A pivot pane: VisiData's frequency table for one dimension — each value with its total and failed counts
//! under the current filter. Values chosen by the filter are marked `=`, values in a finding `!`, and an
//! identity carries its kind letter (User, Service principal, Managed identity, Anonymous). With a coverage
//! file, a vault carries its coverage mark: `⊘` no audit logging, `?` not checked (glyphs, not colour).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::{block, highlighted, thousands};
use crate::store::Dim;
use crate::tui::app::App;
use crate::tui::coverage::Mark;
use crate::tui::pane::Pane;

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App, pane: Pane) {
    let (Some(i), Some(dim)) = (pane.pivot_index(), pane.dim()) else { return };
    let height = area.height.saturating_sub(3) as usize;
    let theme = &app.theme;
    let p = &app.pivots[i];
    let chosen: Vec<u32> = app.crumbs.chosen(dim).collect();
    let mut extra = vec![Span::styled(format!("{}", p.rows.len()), theme.dim)];
    if p.sort != crate::tui::app::SortBy::Count {
        extra.push(Span::styled(p.sort.label().to_string(), theme.dim));
    }
    if !p.pattern.is_empty() {
        extra.push(Span::styled(format!("~{}", crate::text::sanitize(&p.pattern)), theme.crumb));
    }
    // With a coverage file the vault pane counts the vaults without audit logging — including those that have
    // no events and so no row (the queries overlay lists them).
    let coverage = app.coverage.as_ref().filter(|_| dim == Dim::Vault);
    if let Some(c) = coverage.map(|c| c.lacking().count()).filter(|&n| n > 0) {
        extra.push(Span::styled(format!("{} {c} unlogged", Mark::Unlogged.glyph()), theme.warning));
    }
    let remote = app.counting_remotely().is_some();
    if remote {
        extra.push(Span::styled("⌂", theme.warning)); // counted by the workspace (the events pane says so)
    }
    let focused = app.focus == pane;
    // Narrow panes (80 columns share four of them) get compact counts and no header; the failure count
    // goes when even that does not fit, leaving failures marked on the total.
    let inner = area.width.saturating_sub(2);
    let wide = inner >= 34;
    let with_failed = inner >= 24;
    let count = |n: u32| if wide { thousands(n as u64) } else { compact(n) };
    let height = if wide { height } else { height + 1 };
    app.viewports.pivot = height.max(1);
    let rows: Vec<Row> = p
        .rows
        .iter()
        .enumerate()
        .skip(p.top)
        .take(height)
        .map(|(n, r)| {
            // The letter of the most severe finding the value is involved in (colour and letter, so it reads
            // without colour too).
            let mark = if remote {
                Span::raw(" ")
            } else if let Some(s) = app.flagged(dim, r.facet.id) {
                Span::styled(s.letter().to_string(), theme.of(s))
            } else if chosen.contains(&r.facet.id) {
                Span::styled("=", theme.crumb)
            } else {
                Span::raw(" ")
            };
            // A space after the marker: `H M app-…`, `H kv-prod` read as marker, then kind or name.
            let mut name = vec![mark, Span::raw(" ")];
            // (In server mode the rows are the workspace's values: no identity record to read a kind from.)
            if dim == Dim::Identity && !remote {
                let kind = app.store.dicts.identities.get(r.facet.id).kind();
                name.push(Span::styled(format!("{} ", kind.letter()), theme.dim));
            }
            if let Some(c) = coverage {
                match c.mark(&app.label(dim, r.facet.id)) {
                    Some(m) => name.push(Span::styled(format!("{} ", m.glyph()), theme.warning)),
                    None => name.push(Span::raw("  ")),
                }
            }
            name.extend(highlighted(&app.label(dim, r.facet.id), &r.matched, Style::new(), theme));
            let failed = if r.facet.failed > 0 {
                Span::styled(count(r.facet.failed), theme.failed)
            } else {
                Span::styled("·", theme.dim)
            };
            let total = if !with_failed && r.facet.failed > 0 {
                Span::styled(format!("{}!", count(r.facet.total)), theme.failed)
            } else {
                Span::raw(count(r.facet.total))
            };
            let style = match (n == p.cursor, focused) {
                (true, true) => theme.selected,
                (true, false) => theme.selected_unfocused,
                _ => Style::new(),
            };
            let mut cells = vec![Cell::from(Line::from(name)), Cell::from(Line::from(total).right_aligned())];
            if with_failed {
                cells.push(Cell::from(Line::from(failed).right_aligned()));
            }
            Row::new(cells).style(style)
        })
        .collect();
    let count_w =
        if wide { p.rows.first().map_or(1, |r| thousands(r.facet.total as u64).len()).max(5) } else { 5 } as u16;
    let mut widths = vec![Constraint::Min(6), Constraint::Length(count_w)];
    if with_failed {
        widths.push(Constraint::Length(if wide { 5 } else { 4 }));
    }
    let mut table = Table::new(rows, widths).column_spacing(1).block(block(app, pane, extra));
    if wide {
        table = table
            .header(Row::new(vec![Cell::from(" value"), Cell::from("total"), Cell::from(" fail")]).style(theme.header));
    }
    frame.render_stateful_widget(table, area, &mut TableState::default());
    if p.rows.is_empty() && area.height > 3 {
        let msg = if app.counts.selection.is_empty() { " no events" } else { " no match" };
        let inner = Rect { x: area.x + 1, y: area.y + 1, width: area.width.saturating_sub(2), height: 1 };
        frame.render_widget(Span::styled(msg, theme.dim), inner);
    }
}

/// A count in at most four characters: 999, 1.2k, 12k, 1.2M, 12M, 4G (cut, never rounded up).
fn compact(n: u32) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=9_999 => format!("{}.{}k", n / 1_000, n / 100 % 10),
        10_000..=999_999 => format!("{}k", n / 1_000),
        1_000_000..=9_999_999 => format!("{}.{}M", n / 1_000_000, n / 100_000 % 10),
        10_000_000..=999_999_999 => format!("{}M", n / 1_000_000),
        _ => format!("{}G", n / 1_000_000_000),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn compact_counts_fit_four_characters() {
        for n in [0, 7, 999, 1_000, 1_449, 9_999, 10_000, 999_999, 1_000_000, 9_999_999, u32::MAX] {
            assert!(super::compact(n).len() <= 4, "{n} → {}", super::compact(n));
        }
        assert_eq!(super::compact(1_449), "1.4k");
    }
}
