//! The findings pane. Detections fill it; until a rule has fired it says so plainly.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::block;
use crate::tui::app::App;
use crate::tui::pane::Pane;

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let theme = &app.theme;
    let lines = vec![Line::styled("no findings: no detection rule has run on these events", theme.dim)];
    frame
        .render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(app, Pane::Findings, vec![])), area);
}
