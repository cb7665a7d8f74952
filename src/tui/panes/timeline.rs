//! The timeline: a histogram of the selection over its own time range, one column per bucket. Failures are
//! drawn with a different glyph at the bottom of each bar, so they show without colour. The cursor bucket and
//! a marked span are in reverse video; Enter filters to them. Buckets a live source could not fetch (gaps) are
//! hatched with `╳` above their bar — glyph and warning style, so they show in the mono theme too — and always
//! in the top row, so a full bar cannot hide them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{block, thousands};
use crate::tui::app::App;
use crate::tui::pane::Pane;

const EIGHTHS: [&str; 9] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
const FAILED: &str = "▓";
const GAP: &str = "╳";

fn hhmm(t: crate::event::Ticks) -> String {
    let iso = t.to_iso();
    iso.get(..16).unwrap_or(&iso).replace('T', " ")
}

/// A bucket width for people: `45s`, `12m`, `3h 20m`, `2d 4h`.
fn duration(ticks: i64) -> String {
    let s = ticks / 10_000_000;
    match s {
        ..60 => format!("{}s", s.max(1)),
        60..3_600 => format!("{}m", s / 60),
        3_600..86_400 => format!("{}h {}m", s / 3_600, s % 3_600 / 60),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3_600),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let theme = &app.theme;
    let h = &app.histogram;
    let cursor = app.timeline.at;
    let mut extra = Vec::new();
    let focused = app.focus == Pane::Timeline;
    let gaps = app.source.as_ref().map_or(0, |s| s.gaps.len());
    if gaps > 0 {
        let label = if gaps == 1 { "1 GAP".to_string() } else { format!("{gaps} GAPS") };
        extra.push(Span::styled(format!("{GAP} {label}"), theme.warning));
    }
    let ranged = !app.counts.selection.is_empty() || !h.gaps.is_empty();
    if !focused && ranged {
        extra.push(Span::styled(format!("{} per column", duration(h.step)), theme.dim));
    }
    if let Some(bar) = h.bars.get(cursor).filter(|_| focused && ranged) {
        extra.push(Span::styled(
            format!(
                "{} → {}: {} events, {} failed",
                hhmm(h.start(cursor)),
                hhmm(h.start(cursor + 1)),
                thousands(bar[0] as u64),
                thousands(bar[1] as u64)
            ),
            theme.dim,
        ));
        if h.in_gap(cursor) {
            extra.push(Span::styled("GAP: not all fetched", theme.warning));
        }
    }
    if let Some(m) = app.span_mark {
        extra.push(Span::styled(format!("span from {}", hhmm(h.start(m.min(cursor)))), theme.crumb));
    }
    let b = block(app, Pane::Timeline, extra);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let rows = inner.height as usize;
    let levels = (rows * 8) as u64;
    let max = h.bars.iter().map(|b| b[0]).max().unwrap_or(0).max(1) as u64;
    // Totals round up so a single event still shows; failures fill a cell only when they are at least half
    // of it, so the failure glyph is never larger than what failed.
    let scale = |n: u32| if n == 0 { 0 } else { ((n as u64 * levels).div_ceil(max)).max(1) };
    let scale_failed = |n: u32| n as u64 * levels / max;
    let span = app.span_mark.map(|m| (m.min(cursor), m.max(cursor)));
    let in_gap: Vec<bool> = (0..h.bars.len()).map(|i| h.in_gap(i)).collect();
    for r in 0..rows {
        let from_bottom = (rows - 1 - r) as u64;
        let mut spans = Vec::with_capacity(h.bars.len());
        for (i, bar) in h.bars.iter().enumerate().take(inner.width as usize) {
            let (total, failed) = (scale(bar[0]), scale_failed(bar[1]));
            let base = from_bottom * 8;
            let (mut glyph, mut style) = if failed >= base + 4 {
                (FAILED, theme.bar_failed)
            } else {
                (EIGHTHS[total.saturating_sub(base).min(8) as usize], theme.bar)
            };
            if in_gap[i] && (glyph == " " || r == 0) {
                (glyph, style) = (GAP, theme.warning);
            }
            let in_span = span.is_some_and(|(a, b)| (a..=b).contains(&i));
            if in_span || (focused && i == cursor) {
                style = style.patch(theme.span);
            }
            spans.push(Span::styled(glyph, style));
        }
        frame.render_widget(Line::from(spans), Rect { y: inner.y + r as u16, height: 1, ..inner });
    }
    if ranged && area.width > 40 {
        let label = format!(" {} ", hhmm(h.start(0)));
        let end = format!(" {} ", hhmm(h.start(h.bars.len())));
        let y = area.y + area.height - 1;
        frame.render_widget(Span::styled(label, theme.dim), Rect { x: area.x + 1, y, width: 18, height: 1 });
        let x = (area.x + area.width).saturating_sub(end.len() as u16 + 1);
        frame.render_widget(Span::styled(end.clone(), theme.dim), Rect { x, y, width: end.len() as u16, height: 1 });
    }
}
