//! What the queries overlay says, and what `y` copies from it: the live source's status line, its gaps and the
//! KQL it sent, and the coverage file's vaults without audit logging. It is written as KQL — notes as `//`
//! comments, queries separated by blank lines — so a copy pastes into Log Analytics as it is (its editor runs
//! the query under the cursor, which blank lines delimit). Every line is sanitized: gap reasons are server text,
//! vault names come from ARM, and the queries quote values from the command line.

use super::app::{App, LoadState};
use crate::text::sanitize;

/// How a line is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A `//` comment: status, counts.
    Note,
    /// A `//` comment about something missing: a gap, a vault without audit logging.
    Warning,
    /// A line of KQL (or the blank line between queries).
    Query,
}

/// The overlay's lines, in order.
pub fn lines(app: &App) -> Vec<(Kind, String)> {
    let mut out = Vec::new();
    let mut note = |kind: Kind, text: String| out.push((kind, format!("// {}", sanitize(&text))));
    let mut queries: &[String] = &[];
    match &app.source {
        None => note(Kind::Note, "no queries: these events come from files".into()),
        Some(source) => {
            note(Kind::Note, app.title.clone());
            if !source.status.is_empty() {
                note(Kind::Note, format!("status: {}", source.status));
            }
            match source.gaps.len() {
                0 => note(Kind::Note, "no gaps: every slice was fetched".into()),
                1 => note(Kind::Warning, "1 GAP: not fetched, marked ╳ on the timeline".into()),
                n => note(Kind::Warning, format!("{n} GAPS: not fetched, marked ╳ on the timeline")),
            }
            for gap in &source.gaps {
                let reason = gap.reason.replace(['\r', '\n'], " ");
                note(Kind::Warning, format!("GAP {}/{}: {reason}", gap.from, gap.to));
            }
            queries = &source.queries;
            match queries.len() {
                0 => note(Kind::Note, "no queries sent yet".into()),
                1 => note(Kind::Note, "1 query sent:".into()),
                n => note(Kind::Note, format!("{n} queries sent:")),
            }
        }
    }
    if let Some(coverage) = &app.coverage {
        let lacking: Vec<&str> = coverage.lacking().collect();
        note(
            Kind::Note,
            format!(
                "coverage ({}): {} of {} vaults without audit logging, marked ⊘ in the vault pane",
                coverage.file,
                lacking.len(),
                coverage.total
            ),
        );
        let loaded = matches!(app.load, LoadState::Done { .. });
        let unseen = coverage.unseen(&app.store);
        for name in lacking {
            let blind = if !loaded {
                ""
            } else if unseen.contains(&name) {
                "  — no events here: a blind spot"
            } else {
                "  — has events here (Activity Log, or logged before the setting changed)"
            };
            note(Kind::Warning, format!("  ⊘ {name}{blind}"));
        }
        for name in coverage.unchecked() {
            note(Kind::Note, format!("  ? {name}  — could not be checked"));
        }
        if !loaded {
            note(Kind::Note, "still loading: which of them have events is not known yet".into());
        }
    }
    for query in queries {
        out.push((Kind::Query, String::new()));
        for line in query.lines() {
            out.push((Kind::Query, sanitize(&line.replace('\t', "    ")).into_owned()));
        }
    }
    out
}

/// The overlay as text, for the clipboard.
pub fn text(app: &App) -> String {
    let mut text = String::new();
    for (_, line) in lines(app) {
        text.push_str(&line);
        text.push('\n');
    }
    text
}
