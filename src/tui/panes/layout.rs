//! Where each pane goes at a given terminal size. Four shapes: the wide workbench (≥ 160x50: pivots, timeline,
//! the events across the whole width, detail and findings side by side below them), the full one (≥ 120x36:
//! pivots, timeline, events beside detail and findings), the standard one (≥ 80x24: pivots, timeline, events; detail and findings
//! take the events' place when focused), and a reduced one (≥ 40x12, or zoomed: only the focused pane). Below
//! 40x12 the screen says it is too small.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::tui::app::App;
use crate::tui::pane::Pane;

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;

#[derive(Clone, Debug, Default)]
pub struct Areas {
    pub panes: Vec<(Pane, Rect)>,
    pub status: Rect,
    pub hints: Rect,
}

impl Areas {
    pub fn pane(&self, pane: Pane) -> Option<Rect> {
        self.panes.iter().find(|(p, _)| *p == pane).map(|(_, r)| *r)
    }

    /// The pane at a screen position (for the optional mouse).
    pub fn at(&self, column: u16, row: u16) -> Option<(Pane, Rect)> {
        self.panes.iter().copied().find(|(_, r)| r.contains(ratatui::layout::Position { x: column, y: row }))
    }
}

/// Wide enough that the detail below the table still shows whole lines of the record.
fn wide(area: Rect) -> bool {
    area.width >= 160 && area.height >= 50
}

pub fn split(area: Rect, app: &App) -> Option<Areas> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    let [body, status, hints] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let mut panes = Vec::new();
    let reduced = area.width < 80 || area.height < 24;
    if app.zoom || reduced {
        panes.push((app.focus, body));
        return Some(Areas { panes, status, hints });
    }
    let large = area.width >= 120 && area.height >= 36;
    let pivot_h = if large { 10 } else { (body.height / 3).clamp(6, 9) };
    let timeline_h = if large { 6 } else { 4 };
    let [pivots, timeline, rest] =
        Layout::vertical([Constraint::Length(pivot_h), Constraint::Length(timeline_h), Constraint::Min(4)]).areas(body);
    let columns = Layout::horizontal([Constraint::Ratio(1, 4); 4]).split(pivots);
    for (pane, rect) in Pane::PIVOTS.iter().zip(columns.iter()) {
        panes.push((*pane, *rect));
    }
    panes.push((Pane::Timeline, timeline));
    if large && wide(area) {
        // The events own whole terminal lines, so a one-row scroll is the terminal's own scroll (see `band`)
        // and the detail repaints only its own cells: nothing beside the table has to be redrawn.
        let [events, below] = Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(rest);
        let findings_share = if app.focus == Pane::Findings { 60 } else { 40 };
        let [detail, findings] =
            Layout::horizontal([Constraint::Percentage(100 - findings_share), Constraint::Percentage(findings_share)])
                .areas(below);
        panes.push((Pane::Events, events));
        panes.push((Pane::Detail, detail));
        panes.push((Pane::Findings, findings));
    } else if large {
        let [events, side] = Layout::horizontal([Constraint::Percentage(66), Constraint::Percentage(34)]).areas(rest);
        // The findings get the larger share while the analyst works in them (room for the explanation).
        let findings_share = if app.focus == Pane::Findings { 70 } else { 45 };
        let [detail, findings] =
            Layout::vertical([Constraint::Percentage(100 - findings_share), Constraint::Percentage(findings_share)])
                .areas(side);
        panes.push((Pane::Events, events));
        panes.push((Pane::Detail, detail));
        panes.push((Pane::Findings, findings));
    } else {
        // Detail and findings share the events' place; the events stay when anything else has focus.
        let shown = match app.focus {
            Pane::Detail | Pane::Findings => app.focus,
            _ => Pane::Events,
        };
        panes.push((shown, rest));
    }
    Some(Areas { panes, status, hints })
}
