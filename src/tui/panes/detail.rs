//! The detail pane: the selected event's normalized fields, then its original record re-read from the input
//! and pretty-printed. Both are sanitized line by line: every value came from the log.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::block;
use crate::store::EventRecord;
use crate::text::sanitize;
use crate::tui::app::App;
use crate::tui::pane::Pane;

/// The normalized fields as (name, value) pairs, empty values left out.
pub fn fields(r: &EventRecord) -> Vec<(&'static str, String)> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let flag = |v: Option<bool>| v.map(|b| b.to_string()).unwrap_or_default();
    let mut out = vec![
        ("time", r.time.clone()),
        ("operation", format!("{}  ({} plane, {})", r.operation, r.plane, r.object_type)),
        ("status", format!("{}  {}", opt(&r.status_text), r.outcome)),
        ("vault", opt(&r.vault.name)),
        ("subscription", opt(&r.vault.subscription)),
        ("res group", opt(&r.vault.resource_group)),
        ("object", r.object.as_ref().map(|o| format!("{} {}", o.kind, o.name)).unwrap_or_default()),
        ("version", r.object.as_ref().and_then(|o| o.version.clone()).unwrap_or_default()),
        ("identity", format!("{}  ({})", r.identity.label, r.identity.kind)),
        ("upn", opt(&r.identity.upn)),
        ("object id", opt(&r.identity.oid)),
        ("app id", opt(&r.identity.appid)),
        ("managed id", opt(&r.identity.xms_mirid)),
        ("client app", opt(&r.client_app)),
        ("caller ip", opt(&r.caller_ip)),
        ("token ip", opt(&r.token_ip)),
        ("user agent", opt(&r.user_agent)),
        ("request uri", opt(&r.request_uri)),
        ("correlation", opt(&r.correlation_id)),
        ("duration ms", r.duration_ms.map(|d| d.to_string()).unwrap_or_default()),
        ("tls", opt(&r.tls_version)),
        ("rbac", flag(r.rbac_authorized)),
        ("policy", flag(r.access_policy_match)),
        ("network", opt(&r.network_authorization)),
        ("result", opt(&r.result_description)),
    ];
    for c in &r.access_changes {
        out.push(("access", format!("{} {} {}", c.change, c.principal, c.permissions)));
    }
    if let Some(settings) = &r.settings {
        out.push(("settings", settings.summary.clone()));
    }
    out.push(("source", format!("{} @ byte {}", r.source, r.offset)));
    out.retain(|(_, v)| !v.trim().is_empty());
    out
}

/// Cuts `text` into pieces of at most `width` columns (hard wrap: URIs and ids have no spaces to break at).
fn chunks(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let width = width.max(1);
    let mut out = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            out.push(String::new());
            used = 0;
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
        used += w;
    }
    out
}

const LABEL: usize = 12;

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    app.viewports.detail = area.height.saturating_sub(2).max(1) as usize;
    let width = area.width.saturating_sub(2) as usize;
    let theme = &app.theme;
    let mut lines: Vec<Line> = Vec::new();
    match app.selected_row() {
        None => lines.push(Line::styled("no event selected", theme.dim)),
        Some(row) => {
            // The finding this event is evidence of comes first: it is why the analyst is looking.
            if let Some(flag) = app.findings.flag(row)
                && let Some(f) = app.findings.findings().get(flag.finding as usize)
            {
                let step = flag.step.map(|s| format!(", step {s}")).unwrap_or_default();
                let head = format!("{} {} {}{step}", f.severity.as_str(), f.rule_label(), f.title);
                lines.push(Line::styled(sanitize(&head).into_owned(), theme.of(f.severity)));
            }
            let record = app.store.record(row, None);
            for (name, value) in fields(&record) {
                let value = sanitize(&value).into_owned();
                // Only the name is dim: its padding and the blank label of a wrapped value's next lines are plain,
                // so when lines shift between events, blanks over blanks are not rewritten.
                for (i, piece) in chunks(&value, width.saturating_sub(LABEL + 1)).into_iter().enumerate() {
                    let name = if i == 0 { name } else { "" };
                    let pad = " ".repeat(LABEL - name.chars().count().min(LABEL));
                    lines.push(Line::from(vec![
                        Span::raw(pad),
                        Span::styled(name, theme.dim),
                        Span::raw(format!(" {piece}")),
                    ]));
                }
            }
            lines.push(Line::styled("── original record ──", theme.header));
            match app.raw.as_ref().filter(|r| r.row == row) {
                None => lines.push(Line::styled("reading…", theme.dim)),
                Some(raw) => match &raw.text {
                    Ok(text) => {
                        for l in text.lines() {
                            lines.extend(chunks(&sanitize(l), width).into_iter().map(Line::raw));
                        }
                    }
                    Err(e) => lines.push(Line::styled(format!("cannot re-read: {}", sanitize(e)), theme.warning)),
                },
            }
        }
    }
    let max = lines.len().saturating_sub(app.viewports.detail);
    app.detail_scroll = app.detail_scroll.min(max);
    let extra =
        if app.detail_scroll > 0 { vec![Span::styled(format!("+{}", app.detail_scroll), theme.dim)] } else { vec![] };
    let para = Paragraph::new(lines).scroll((app.detail_scroll.min(u16::MAX as usize) as u16, 0)).block(block(
        app,
        Pane::Detail,
        extra,
    ));
    frame.render_widget(para, area);
}
