//! Detections: the KV-01…KV-30 catalogue (DETECTIONS.md §7) run over a store. Rules are data
//! (`assets/rules/*.toml`): sequences and thresholds are evaluated by generic engines, the rest by named
//! built-in checks with parameters from the same files. After the rules: suppression by the analyst's
//! allow-list, incident chaining (§8), and the objects to rotate (§9).
//!
//! Pure and synchronous over an immutable store: the workbench runs it on a background thread after each
//! load step and swaps in the result; `report` runs it once.

pub mod chain;
mod checks;
pub mod ctx;
pub mod explain;
pub mod exposure;
pub mod finding;
mod group;
pub mod kql;
pub mod predicate;
pub mod prefilter;
pub mod rules;
mod sequence;
pub mod severity;
pub mod spec;
mod suppress;
mod threshold;
mod watch;

use rayon::prelude::*;

pub use chain::Incident;
pub use ctx::Ctx;
pub use exposure::Exposed;
pub use finding::{Evidence, Finding, Kql};
pub use prefilter::Prefiltered;
pub use rules::RuleSet;
pub use severity::Severity;
pub use spec::RuleError;

use crate::intel::Intel;
use crate::store::{Dim, Store};

/// A rule (or one form of it) that did not run, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub rule: String,
    pub reason: String,
}

/// A finding the allow-list silenced, with the entry's reason.
#[derive(Clone, Debug)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
}

/// The most severe finding an event is evidence of, for marking it in the event table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag {
    pub severity: Severity,
    /// Its step in that finding's sequence, if any.
    pub step: Option<u8>,
    pub finding: u32,
}

#[derive(Default)]
pub struct Detections {
    /// Most severe first, then by time.
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    pub skipped: Vec<Skipped>,
    pub incidents: Vec<Incident>,
    pub exposed: Vec<Exposed>,
    pub prefiltered: Prefiltered,
    /// `(row, flag)` sorted by row.
    pub flags: Vec<(u32, Flag)>,
    /// Events the store held when this ran (the workbench compares it with the live store).
    pub events: usize,
}

impl Detections {
    pub fn flag(&self, row: usize) -> Option<Flag> {
        let i = self.flags.binary_search_by_key(&(row as u32), |(r, _)| *r).ok()?;
        Some(self.flags[i].1)
    }

    /// Flagged rows, ascending: for next / previous flagged event.
    pub fn flagged_rows(&self) -> impl DoubleEndedIterator<Item = u32> + '_ {
        self.flags.iter().map(|(r, _)| *r)
    }

    /// Per id of `dim`: the most severe finding it is involved in (for the pivot markers).
    pub fn involved(&self, store: &Store, dim: Dim) -> Vec<Option<Severity>> {
        let mut table = vec![None; store.cardinality(dim)];
        for (row, flag) in &self.flags {
            let id = store.cols.dims[dim as usize][*row as usize] as usize;
            if id != 0 && id < table.len() {
                table[id] = table[id].max(Some(flag.severity));
            }
        }
        table
    }

    pub fn count_at_least(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity >= s).count()
    }
}

/// Runs every enabled rule of `rules` over `store`.
pub fn run(store: &Store, intel: &Intel, rules: &RuleSet) -> Detections {
    let ctx = Ctx::new(store);
    let results: Vec<(usize, Result<Vec<Finding>, String>)> = rules
        .rules
        .par_iter()
        .enumerate()
        .map(|(i, rule)| {
            let result = if !rule.enabled {
                Err(format!("disabled ({})", rule.origin))
            } else if let Some(s) = &rule.sequence {
                Ok(sequence::run(&ctx, rule, s))
            } else if let Some(t) = &rule.threshold {
                Ok(threshold::run(&ctx, rule, t))
            } else {
                checks::run(&ctx, intel, rule)
            };
            (i, result)
        })
        .collect();
    let mut findings = Vec::new();
    let mut skipped = Vec::new();
    for (i, result) in results {
        match result {
            Ok(found) => findings.extend(found),
            Err(reason) => skipped.push(Skipped { rule: rules.rules[i].key(), reason }),
        }
    }
    for f in &mut findings {
        f.kql = kql::for_finding(&ctx, f);
    }
    watch::escalate(&ctx, intel, &mut findings);
    let (mut findings, suppressed) = suppress::apply(&ctx, intel, findings);
    let incidents = chain::link(&mut findings);
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.first.cmp(&b.first)).then(a.rule.cmp(&b.rule)));
    // Incident indices follow the findings' new order.
    let incidents = chain::reindex(incidents, &findings);
    let exposed = exposure::objects(&ctx, &findings);
    let flags = flags(&findings);
    Detections {
        findings,
        suppressed,
        skipped,
        incidents,
        exposed,
        prefiltered: ctx.prefiltered.clone(),
        flags,
        events: store.len(),
    }
}

fn flags(findings: &[Finding]) -> Vec<(u32, Flag)> {
    let mut flags: Vec<(u32, Flag)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        for e in &f.evidence {
            flags.push((e.row, Flag { severity: f.severity, step: e.step, finding: i as u32 }));
        }
    }
    // Per row keep the most severe (findings are sorted most severe first, so the lowest index wins ties).
    flags.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.severity.cmp(&a.1.severity)).then(a.1.finding.cmp(&b.1.finding)));
    flags.dedup_by_key(|(r, _)| *r);
    flags
}
