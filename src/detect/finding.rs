//! A finding: one rule firing on one actor's events, with everything an analyst needs to judge it — the
//! evidence in order, who, where, what, when, why, and the KQL to see it again in Log Analytics.

use std::collections::BTreeSet;

use crate::store::{Dim, Store};

use super::ctx::Ctx;
use super::severity::Severity;
use super::spec::{RuleSpec, ThresholdSpec};

/// Evidence rows kept per finding; the count of all matching events is kept beside them.
pub const EVIDENCE_CAP: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Evidence {
    pub row: u32,
    /// The step of a sequence this event is (1-based), when the rule is a sequence.
    pub step: Option<u8>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kql {
    pub azure_diagnostics: String,
    pub azkv_audit_logs: String,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: String,
    pub form: Option<String>,
    pub title: String,
    pub severity: Severity,
    pub mitre: Vec<String>,
    /// Store ids, in first-seen order of the evidence.
    pub identities: Vec<u32>,
    pub caller_ips: Vec<u32>,
    pub vaults: Vec<u32>,
    pub objects: Vec<u32>,
    /// Store ticks.
    pub first: i64,
    pub last: i64,
    /// In time order, at most [`EVIDENCE_CAP`].
    pub evidence: Vec<Evidence>,
    pub event_count: usize,
    pub explanation: String,
    pub kql: Kql,
    /// The incident this finding was chained into (index into `Detections::incidents`).
    pub incident: Option<usize>,
    /// The threshold that fired, so the KQL can summarize the same way.
    pub threshold: Option<Box<ThresholdSpec>>,
}

/// Facts the explanation template can name, beyond the ones every finding has.
#[derive(Default, Clone, Debug)]
pub struct Extra {
    pub vars: Vec<(&'static str, String)>,
    pub severity: Option<Severity>,
}

impl Extra {
    pub fn var(mut self, name: &'static str, value: impl Into<String>) -> Extra {
        self.vars.push((name, value.into()));
        self
    }

    pub fn severity(mut self, s: Severity) -> Extra {
        self.severity = Some(s);
        self
    }
}

fn distinct_in_order(values: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut seen = BTreeSet::new();
    values.filter(|&v| v != 0 && seen.insert(v)).collect()
}

impl Finding {
    /// A finding of `rule` over `evidence` (any order; sorted here).
    pub fn new(ctx: &Ctx, rule: &RuleSpec, mut evidence: Vec<Evidence>, extra: Extra) -> Finding {
        evidence.sort();
        evidence.dedup_by_key(|e| e.row);
        let event_count = evidence.len();
        let rows = || evidence.iter().map(|e| e.row as usize);
        let first = rows().map(|r| ctx.time(r)).min().unwrap_or(0);
        let last = rows().map(|r| ctx.time(r)).max().unwrap_or(0);
        let identities = distinct_in_order(rows().map(|r| ctx.identity(r)));
        let caller_ips = distinct_in_order(rows().map(|r| ctx.ip(r)));
        let vaults = distinct_in_order(rows().map(|r| ctx.vault(r)));
        let objects = distinct_in_order(rows().map(|r| ctx.object(r)));
        let mut finding = Finding {
            rule: rule.id.clone(),
            form: rule.form.clone(),
            title: rule.title.clone(),
            severity: extra.severity.unwrap_or(rule.severity),
            mitre: rule.mitre.clone(),
            identities,
            caller_ips,
            vaults,
            objects,
            first,
            last,
            evidence,
            event_count,
            explanation: String::new(),
            kql: Kql::default(),
            incident: None,
            threshold: None,
        };
        finding.explanation = super::explain::render(ctx, &rule.explain, &finding, &extra.vars);
        if finding.evidence.len() > EVIDENCE_CAP {
            finding.evidence.truncate(EVIDENCE_CAP);
        }
        finding
    }

    /// What the actor is called: the identity's label, else the caller IP.
    pub fn actor(&self, store: &Store) -> String {
        match (self.identities.first(), self.caller_ips.first()) {
            (Some(&i), _) => store.label(Dim::Identity, i).into_owned(),
            (None, Some(&ip)) => store.label(Dim::CallerIp, ip).into_owned(),
            _ => "anonymous".into(),
        }
    }

    /// The rule id with its form, for lists: `KV-01 (hourly)`.
    pub fn rule_label(&self) -> String {
        match &self.form {
            Some(f) => format!("{} ({f})", self.rule),
            None => self.rule.clone(),
        }
    }
}
