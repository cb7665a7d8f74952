//! The queries overlay: what a live source says about itself — status, gaps, the KQL sent — and the coverage
//! file's vaults without audit logging. The lines (already sanitized) come from [`crate::tui::queries`], which
//! `y` copies too, so what is copied is what is shown.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::help::overlay;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Context;
use crate::tui::queries::{Kind, lines};

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let theme = app.theme.clone();
    let lines: Vec<Line> = lines(app)
        .into_iter()
        .map(|(kind, text)| match kind {
            Kind::Note => Line::styled(text, theme.dim),
            Kind::Warning => Line::styled(text, theme.warning),
            Kind::Query => Line::raw(text),
        })
        .collect();
    let copy = app.keymap.keys_for(Context::Queries, Action::Copy);
    let copy = if copy.is_empty() { app.keymap.keys_for(Context::Global, Action::Copy) } else { copy };
    let title = match copy.first() {
        Some(k) => format!("queries (Esc closes, {} copies)", k.short()),
        None => "queries (Esc closes)".to_string(),
    };
    overlay(frame, area, app, &title, lines);
}
