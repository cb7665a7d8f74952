//! `kvtrail stats`: per input, the detected format and what was accepted, rejected, skipped or dropped as a
//! duplicate; the time range; and the top values of each pivot — the first question of every Key Vault
//! investigation, "who called my vault?" (`summarize count() by CallerIPAddress`).

use std::io::{self, Write};

use serde::Serialize;

use crate::store::{Dim, InputReport, LoadReport, Rejection, Selection, Store};
use crate::text::sanitize;

/// How many rejections the text report lists before summarizing.
const LISTED_REJECTIONS: usize = 20;

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Top {
    pub caller_ip: Vec<(String, u64)>,
    pub identity: Vec<(String, u64)>,
    pub vault: Vec<(String, u64)>,
    pub operation: Vec<(String, u64)>,
    pub status: Vec<(String, u64)>,
}

/// The `stats --json` contract: `{"inputs":[…],"events":N,"first":T,"last":T,"top":{…},"rejections":[…]}`.
#[derive(Serialize, Debug, Clone)]
pub struct Stats {
    /// Source, format and counts (the detail lists of each report are not serialized).
    pub inputs: Vec<InputReport>,
    pub events: u64,
    pub first: Option<String>,
    pub last: Option<String>,
    pub top: Top,
    pub rejections: Vec<Rejection>,
}

impl Stats {
    pub fn compute(store: &Store, report: &LoadReport, top_n: usize) -> Stats {
        let all = Selection::All(store.len());
        let top = |dim: Dim| -> Vec<(String, u64)> {
            store
                .facets(dim, &all)
                .into_iter()
                .take(top_n)
                .map(|f| (store.label(dim, f.id).into_owned(), f.total as u64))
                .collect()
        };
        Stats {
            inputs: report.inputs.clone(),
            events: store.len() as u64,
            first: store.first_time().map(|t| t.to_iso()),
            last: store.last_time().map(|t| t.to_iso()),
            top: Top {
                caller_ip: top(Dim::CallerIp),
                identity: top(Dim::Identity),
                vault: top(Dim::Vault),
                operation: top(Dim::Operation),
                status: top(Dim::Status),
            },
            rejections: report.rejections().cloned().collect(),
        }
    }

    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    pub fn write_text(&self, report: &LoadReport, out: &mut dyn Write) -> io::Result<()> {
        let width = self.inputs.iter().map(|i| sanitize(&i.source).chars().count()).max().unwrap_or(6).clamp(6, 60);
        writeln!(
            out,
            "{:<width$}  {:<28} {:>10} {:>9} {:>10} {:>8}",
            "input", "format", "accepted", "rejected", "duplicates", "skipped"
        )?;
        for i in &self.inputs {
            writeln!(
                out,
                "{:<width$}  {:<28} {:>10} {:>9} {:>10} {:>8}",
                clip(&sanitize(&i.source), width),
                i.format,
                i.accepted,
                i.rejected,
                i.duplicates,
                i.skipped
            )?;
        }
        writeln!(out)?;
        match (&self.first, &self.last) {
            (Some(f), Some(l)) => writeln!(out, "{} events from {f} to {l}", self.events)?,
            _ => writeln!(out, "no events")?,
        }
        let sections: [(&str, &Vec<(String, u64)>); 5] = [
            ("caller IP", &self.top.caller_ip),
            ("identity", &self.top.identity),
            ("vault", &self.top.vault),
            ("operation", &self.top.operation),
            ("status", &self.top.status),
        ];
        for (name, rows) in sections {
            if rows.is_empty() {
                continue;
            }
            writeln!(out, "\ntop {name}:")?;
            for (value, count) in rows {
                writeln!(out, "  {count:>10}  {}", sanitize(value))?;
            }
        }
        let total = report.rejected();
        if total > 0 {
            let listed: Vec<&Rejection> = report.rejections().take(LISTED_REJECTIONS).collect();
            writeln!(out, "\n{total} rejected (first {}):", listed.len())?;
            for r in listed {
                writeln!(out, "  {}:{}: {}", sanitize(&r.source), r.line, sanitize(&r.reason))?;
            }
        }
        for i in &report.inputs {
            for note in &i.notes {
                writeln!(out, "\nnote: {}: {}", sanitize(&i.source), sanitize(note))?;
            }
        }
        Ok(())
    }
}

/// Shortens to `width` characters, keeping the end (file names are told apart by their tails).
fn clip(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width { s.to_string() } else { format!("…{}", s.chars().skip(n - width + 1).collect::<String>()) }
}
