//! Built-in checks: the rules whose logic is more than a sequence or a threshold — baselines, reference data,
//! access-policy bookkeeping, vault settings. Each is a function registered by name in [`REGISTRY`]; the rule
//! files choose it with `[rule.builtin] check = "…"` and give its parameters, so thresholds stay in data.

mod access;
mod lifecycle;
mod novelty;
mod origin;
mod settings;
mod volume;

use std::collections::BTreeMap;

use crate::intel::Intel;

use super::ctx::{Ctx, ticks};
use super::finding::Finding;
use super::spec::{RuleSpec, seconds};

/// What a check produced: findings, or why it could not run on these logs / this reference data.
pub type Outcome = Result<Vec<Finding>, String>;

pub struct Input<'a> {
    pub ctx: &'a Ctx<'a>,
    pub intel: &'a Intel,
    pub rule: &'a RuleSpec,
    pub params: Params<'a>,
}

/// What a parameter's value must be; a rule file's value of another kind is an error, never a default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `"90s"`, `"10m"`, `"1h"`, `"14d"`.
    Duration,
    /// An integer or a float.
    Number,
    /// A list of strings.
    List,
}

/// A parameter: its name, kind and what it means.
pub type Param = (&'static str, Kind, &'static str);

pub struct Check {
    pub name: &'static str,
    pub run: fn(&Input) -> Outcome,
    /// The parameters it reads; any other name in a rule file is an error.
    pub params: &'static [Param],
}

/// The usual clustering parameter: events of one actor closer than this are one finding.
pub const GAP: Param = ("gap", Kind::Duration, "events within this gap are one finding (default 1h)");

pub const REGISTRY: &[Check] = &[
    access::SELF_GRANT,
    access::GRANT_REVOKED,
    access::DENIED_THEN_GRANTED,
    settings::RBAC_DOWNGRADE,
    settings::LOGGING_DISABLED,
    settings::NETWORK_WIDENED,
    settings::PROTECTION_WEAKENED,
    settings::CMK_RANSOMWARE,
    origin::FIREWALL_BLOCKED,
    origin::WORKLOAD_OUTSIDE_AZURE,
    origin::TOKEN_IP_MISMATCH,
    origin::IMPOSSIBLE_TRAVEL,
    origin::TOR_EXIT,
    origin::HOSTING_NETWORK,
    origin::THREAT_INTEL,
    novelty::NEW_PRINCIPAL,
    novelty::UNUSUAL_CLIENT_APP,
    novelty::CRYPTO_NEW_PAIR,
    volume::VOLUME_ANOMALY,
    volume::VAULT_FAN_OUT,
    lifecycle::BACKUP_RESTORE,
    lifecycle::RECOVERY,
];

pub fn find(name: &str) -> Option<&'static Check> {
    REGISTRY.iter().find(|c| c.name == name)
}

/// Is this a check with these parameters (and values of the right kind)?
pub fn validate(name: &str, params: &BTreeMap<String, toml::Value>) -> Result<(), String> {
    let Some(check) = find(name) else {
        let names: Vec<&str> = REGISTRY.iter().map(|c| c.name).collect();
        return Err(format!("unknown check {name:?} (known: {})", names.join(", ")));
    };
    for (key, value) in params {
        let Some(&(_, kind, _)) = check.params.iter().find(|(n, ..)| n == key) else {
            let known: Vec<&str> = check.params.iter().map(|(n, ..)| *n).collect();
            return Err(format!("check {name:?} has no parameter {key:?} (it has: {})", known.join(", ")));
        };
        let ok = match (kind, value) {
            (Kind::Duration, toml::Value::String(s)) => seconds(s).is_some(),
            (Kind::Number, toml::Value::Integer(_) | toml::Value::Float(_)) => true,
            (Kind::List, toml::Value::Array(a)) => a.iter().all(toml::Value::is_str),
            _ => false,
        };
        if !ok {
            let want = match kind {
                Kind::Duration => "a duration like \"90s\", \"10m\", \"1h\" or \"14d\"",
                Kind::Number => "a number",
                Kind::List => "a list of strings",
            };
            return Err(format!("check {name:?}: parameter {key:?} must be {want}, not {value}"));
        }
    }
    Ok(())
}

/// A check's parameters with their defaults. Values were checked against their kinds when the rule file was
/// read ([`validate`]), so a default here only stands for a parameter the file does not give.
pub struct Params<'a>(pub &'a BTreeMap<String, toml::Value>);

impl Params<'_> {
    /// A duration in store ticks.
    pub fn ticks(&self, name: &str, default: &str) -> i64 {
        let text = self.0.get(name).and_then(toml::Value::as_str).unwrap_or(default);
        ticks(seconds(text).or_else(|| seconds(default)).unwrap_or(3600))
    }

    pub fn int(&self, name: &str, default: i64) -> i64 {
        self.float(name, default as f64) as i64
    }

    pub fn float(&self, name: &str, default: f64) -> f64 {
        match self.0.get(name) {
            Some(toml::Value::Float(f)) => *f,
            Some(toml::Value::Integer(i)) => *i as f64,
            _ => default,
        }
    }

    pub fn strings(&self, name: &str, default: &[&str]) -> Vec<String> {
        match self.0.get(name).and_then(toml::Value::as_array) {
            Some(a) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            None => default.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// Runs a rule's built-in check.
pub fn run(ctx: &Ctx, intel: &Intel, rule: &RuleSpec) -> Outcome {
    let Some(spec) = &rule.builtin else { return Ok(Vec::new()) };
    let check = find(&spec.check).ok_or_else(|| format!("unknown check {:?}", spec.check))?;
    (check.run)(&Input { ctx, intel, rule, params: Params(&spec.params) })
}

/// The end of the baseline period (store ticks), or `None` when the case is too short to have one (< 1 day).
pub fn baseline_end(ctx: &Ctx, params: &Params) -> Option<i64> {
    let (first, last) = (ctx.store.first_time()?.0, ctx.store.last_time()?.0);
    let span = last - first;
    if span < ticks(86_400) {
        return None;
    }
    Some(first + (span as f64 * params.float("baseline_fraction", 0.2).clamp(0.0, 0.9)) as i64)
}

/// Splits `(key, row)` items (in time order) into clusters: rows of one key, each within `gap` of the
/// previous one. One cluster becomes one finding, so a burst is one finding, not one per event.
pub fn clusters(ctx: &Ctx, items: impl Iterator<Item = (u64, usize)>, gap: i64) -> Vec<Vec<usize>> {
    let mut open: hashbrown::HashMap<u64, usize> = hashbrown::HashMap::new();
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (key, row) in items {
        match open.get(&key) {
            Some(&c) if out[c].last().is_some_and(|&l| ctx.time(row) - ctx.time(l) <= gap) => out[c].push(row),
            _ => {
                open.insert(key, out.len());
                out.push(vec![row]);
            }
        }
    }
    out
}

/// Evidence rows without steps.
pub fn plain(rows: &[usize]) -> Vec<super::finding::Evidence> {
    rows.iter().map(|&r| super::finding::Evidence { row: r as u32, step: None }).collect()
}

/// A table over the caller-IP dictionary: `f(address)` per distinct IP, `None` for unparsable text.
pub fn per_ip<T: Default + Clone>(ctx: &Ctx, f: impl Fn(std::net::IpAddr) -> T) -> Vec<T> {
    ctx.store.dicts.ips.values().iter().map(|v| v.addr.map(&f).unwrap_or_default()).collect()
}

/// `(identity << 32) | ip`: the usual actor key of origin rules.
pub fn who_where(ctx: &Ctx, row: usize) -> u64 {
    ((ctx.identity(row) as u64) << 32) | ctx.ip(row) as u64
}
