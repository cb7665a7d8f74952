//! The findings pane: findings most severe first (severity letter and colour, rule, title, actor, time), and
//! under the list the selected finding's explanation, evidence count and incident. Enter filters the
//! workbench to the finding's evidence. Everything from the logs is sanitized.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{block, fit};
use crate::detect::Severity;
use crate::event::Ticks;
use crate::text::sanitize;
use crate::tui::app::App;
use crate::tui::pane::Pane;

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let theme = &app.theme;
    let view = &app.findings;
    let findings = view.findings();
    let mut extra = Vec::new();
    for s in Severity::ALL.iter().rev() {
        let n = findings.iter().filter(|f| f.severity == *s).count();
        if n > 0 {
            extra.push(Span::styled(format!("{n}{}", s.letter()), theme.of(*s)));
        }
    }
    if view.running {
        extra.push(Span::styled("running…", theme.dim));
    }
    let outer = block(app, Pane::Findings, extra);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let Some(detections) = view.detections.as_deref() else {
        let text = if view.running { "detections are running on the loaded events…" } else { "no detections yet" };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim)), inner);
        return;
    };
    if findings.is_empty() {
        let text = format!(
            "no findings · {} rules not run (see `kvtrail report`) · {} suppressed by the allow-list",
            detections.skipped.len(),
            detections.suppressed.len()
        );
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim)).wrap(Wrap { trim: true }), inner);
        return;
    }
    // The list on top, the selected finding's story below when there is room for both.
    let detail_height = if inner.height >= 10 { inner.height / 2 } else { 0 };
    let [list, story] = Layout::vertical([Constraint::Min(1), Constraint::Length(detail_height)]).areas(inner);
    app.viewports.findings = list.height.max(1) as usize;
    let view = &app.findings;
    let store = &app.store;
    let width = list.width as usize;
    let lines: Vec<Line> = findings
        .iter()
        .enumerate()
        .skip(view.top)
        .take(list.height as usize)
        .map(|(i, f)| {
            let actor = f.actor(store);
            let when = Ticks(f.first).to_iso();
            let when = when.get(5..16).unwrap_or(&when).replace('T', " ");
            let text = sanitize(&format!(" {:<6} {when}  {}  {actor}", f.rule, f.title)).into_owned();
            let text = fit(&text, width.saturating_sub(2));
            let selected = i == view.cursor;
            let style =
                if selected && app.focus == Pane::Findings { theme.selected } else { ratatui::style::Style::new() };
            Line::from(vec![
                Span::styled(f.severity.letter().to_string(), theme.of(f.severity)),
                Span::styled(text, style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
    if detail_height > 0
        && let Some(f) = view.selected()
    {
        let mut lines = vec![Line::from(vec![
            Span::styled(format!("{} {} ", f.severity.as_str(), f.rule_label()), theme.of(f.severity)),
            Span::styled(format!("{} events", f.event_count), theme.dim),
            Span::styled(f.incident.map(|i| format!(" · incident {}", i + 1)).unwrap_or_default(), theme.dim),
            Span::styled(format!(" · {}", f.mitre.join(", ")), theme.dim),
        ])];
        lines.push(Line::raw(sanitize(&f.explanation).into_owned()));
        lines.push(Line::styled("enter: filter to its evidence · n / N: next / previous flagged event", theme.dim));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), story);
    }
}
