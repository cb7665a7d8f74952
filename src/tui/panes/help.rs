//! Overlays: the help screen, generated from the live keymap (every context, every binding, its description)
//! with a legend of the marks that are glyphs, and the load errors panel (every rejected record with its source,
//! line and reason).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::thousands;
use crate::text::sanitize;
use crate::tui::action::Action;
use crate::tui::app::{App, LoadState, Overlay};
use crate::tui::coverage::Mark;
use crate::tui::keymap::Context;

/// A centred rectangle of at most `w` x `h` inside `area`.
fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let (w, h) = (w.min(area.width), h.min(area.height));
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// A scrollable overlay (help, load errors, queries): `lines` in a centred box, scrolled as the overlay says.
pub(super) fn overlay(frame: &mut Frame, area: Rect, app: &mut App, title: &str, lines: Vec<Line>) {
    let rect = centred(area, 100, area.height.saturating_sub(2).max(8));
    app.viewports.overlay = rect.height.saturating_sub(2).max(1) as usize;
    let max = lines.len().saturating_sub(app.viewports.overlay);
    let scroll = match &mut app.overlay {
        Some(Overlay::Help { scroll } | Overlay::Errors { scroll } | Overlay::Queries { scroll }) => {
            *scroll = (*scroll).min(max);
            *scroll
        }
        None => 0,
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.border_focused)
        .title(Line::from(Span::styled(title.to_string(), app.theme.title)));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).scroll((scroll.min(u16::MAX as usize) as u16, 0)).block(block), rect);
}

pub fn draw_help(frame: &mut Frame, area: Rect, app: &mut App) {
    let theme = app.theme.clone();
    let mut lines = Vec::new();
    let sources = app.keymap.sources().join(" + ");
    lines.push(Line::styled(format!("keymap: {}", sanitize(&sources)), theme.dim));
    for ctx in Context::ALL {
        let bindings = app.keymap.bindings(ctx);
        if bindings.is_empty() {
            continue;
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("[{}]", ctx.name()), theme.header));
        for (keys, action) in bindings {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<14}", keys.to_string()), theme.key),
                Span::raw(format!("{:<20}", action.name())),
                Span::styled(action.describe().to_string(), theme.dim),
            ]));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("[marks]", theme.header));
    let queries = app.keymap.keys_for(Context::Global, Action::ShowQueries);
    let queries = queries.first().map_or_else(|| Action::ShowQueries.name().to_string(), |k| k.short());
    let gap = format!("timeline: a gap, a stretch the live source could not fetch ({queries} lists them)");
    let marks = [
        ("╳", gap.as_str()),
        ("▓", "timeline: failed events"),
        (Mark::Unlogged.glyph(), Mark::Unlogged.meaning()),
        (Mark::Unchecked.glyph(), Mark::Unchecked.meaning()),
    ];
    for (glyph, meaning) in marks {
        lines.push(Line::from(vec![
            Span::styled(format!("  {glyph:<14}"), theme.key),
            Span::styled(meaning.to_string(), theme.dim),
        ]));
    }
    overlay(frame, area, app, "keys (Esc closes)", lines);
}

pub fn draw_errors(frame: &mut Frame, area: Rect, app: &mut App) {
    let theme = app.theme.clone();
    let mut lines = Vec::new();
    match &app.load {
        LoadState::Loading { .. } => {
            lines.push(Line::styled(
                format!(
                    "still loading: {} rejected so far; the list appears when loading ends",
                    thousands(app.rejected())
                ),
                theme.dim,
            ));
        }
        LoadState::Done { report, .. } => {
            for input in &report.inputs {
                lines.push(Line::from(vec![
                    Span::styled(sanitize(&input.source).into_owned(), theme.header),
                    Span::styled(
                        format!(
                            "  {}  {} accepted, {} rejected, {} duplicates, {} skipped",
                            input.format,
                            thousands(input.accepted),
                            thousands(input.rejected),
                            thousands(input.duplicates),
                            thousands(input.skipped)
                        ),
                        theme.dim,
                    ),
                ]));
                for note in &input.notes {
                    lines.push(Line::styled(format!("  {}", sanitize(note)), theme.warning));
                }
                for r in &input.rejections {
                    lines.push(Line::from(vec![
                        Span::styled(format!("  {}:{}  ", sanitize(&r.source), r.line), theme.key),
                        Span::raw(sanitize(&r.reason).into_owned()),
                    ]));
                }
                let listed = input.rejections.len() as u64;
                if input.rejected > listed {
                    lines.push(Line::styled(
                        format!("  … {} more not listed", thousands(input.rejected - listed)),
                        theme.dim,
                    ));
                }
            }
            if report.rejected() == 0 {
                lines.push(Line::styled("no load errors", theme.ok));
            }
        }
    }
    overlay(frame, area, app, "load errors (Esc closes)", lines);
}
