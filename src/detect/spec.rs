//! The rule file format (`assets/rules/*.toml`, `--rules FILE`): every rule of the catalogue is an entry with
//! its id, title, severity, MITRE ids and explanation, and one of three bodies — a `sequence` or a `threshold`
//! (fully described by data), or a `builtin` check (logic in Rust, parameters in data). An analyst's file uses
//! the same format: an entry with the id (and form) of a built-in rule replaces it, so every threshold is
//! configurable; `enabled = false` switches a rule off; a new id adds a rule.
//!
//! Mistakes are errors naming the file and line — an unknown field, check or operation is never ignored.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use thiserror::Error;

use super::severity::Severity;

#[derive(Debug, Error, PartialEq)]
#[error("{file}:{line}: {message}")]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<toml::Spanned<RuleSpec>>,
}

/// One catalogue entry.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    /// Several entries may share an id when a rule has several forms (KV-01's daily, hourly and burst forms).
    #[serde(default)]
    pub form: Option<String>,
    pub title: String,
    pub severity: Severity,
    #[serde(default)]
    pub mitre: Vec<String>,
    /// Plain-language why-it-fired, with `{placeholders}` (see `explain.rs`).
    pub explain: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub sequence: Option<SequenceSpec>,
    #[serde(default)]
    pub threshold: Option<ThresholdSpec>,
    #[serde(default)]
    pub builtin: Option<BuiltinSpec>,
    /// Where the entry came from, for messages (`file:line`); filled by the loader.
    #[serde(skip)]
    pub origin: String,
}

fn yes() -> bool {
    true
}

/// Which events belong to one actor.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Identity,
    CallerIp,
    IdentityVault,
    CallerIpVault,
    Vault,
}

/// A column whose distinct values a rule counts.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Object,
    Vault,
    Operation,
    CallerIp,
    Identity,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeSpec {
    /// HTTP 1xx–3xx (Activity Log: Succeeded).
    Ok,
    /// HTTP 4xx–5xx (Activity Log: Failed).
    Failed,
    /// 401 or 403: refused, not merely broken.
    Denied,
    Any,
}

/// Which events a rule (or a step of it) looks at. Every field given must hold.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    /// Operation names in any case; `*` globs (`"*Purge"`).
    #[serde(default)]
    pub operation: Vec<String>,
    #[serde(default)]
    pub outcome: Option<OutcomeSpec>,
    /// HTTP status codes.
    #[serde(default)]
    pub status: Vec<u16>,
    /// Case-insensitive substrings of the user agent (`clientInfo`).
    #[serde(default)]
    pub user_agent: Vec<String>,
    /// The token's client app id is one of these …
    #[serde(default)]
    pub app_id: Vec<String>,
    /// … or is none of these.
    #[serde(default)]
    pub not_app_id: Vec<String>,
    /// `user`, `service_principal`, `managed_identity`, `anonymous`.
    #[serde(default)]
    pub identity_kind: Vec<String>,
    /// Steps only: how many matching events the step needs (default 1) …
    #[serde(default)]
    pub min: Option<u32>,
    /// … counted as distinct values of this field.
    #[serde(default)]
    pub distinct: Option<Field>,
    /// Steps only: the object must have the same name as the object of step N (1-based).
    #[serde(default)]
    pub same_name_as: Option<usize>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequenceSpec {
    pub by: GroupBy,
    /// The whole sequence fits in this span (`"5m"`).
    pub within: String,
    /// And no two consecutive steps are further apart than this.
    #[serde(default)]
    pub max_gap: Option<String>,
    pub steps: Vec<Match>,
    /// Fire only when the actor had no earlier successful `new_ops` event on the same vault: the case's own
    /// history is the baseline ("no prior SecretGet by this user on this vault").
    #[serde(default)]
    pub new_ops: Vec<String>,
    /// With `new_ops`: the share of the case's timeline that only serves as baseline (default 0.2) — a
    /// match there has no history to be new against, so it is not judged.
    #[serde(default)]
    pub baseline_fraction: Option<f64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdSpec {
    #[serde(rename = "where")]
    pub when: Match,
    pub by: GroupBy,
    /// A sliding window (`"1h"`, `"24h"`, `"1m"`).
    pub window: String,
    #[serde(default)]
    pub count_gt: Option<u64>,
    #[serde(default)]
    pub count_ge: Option<u64>,
    /// Distinct values the window must hold, per field: `distinct = { object = 11 }` (at least 11 objects).
    #[serde(default)]
    pub distinct: BTreeMap<Field, u64>,
    /// An actor whose windows fire on this many different UTC days or more is doing its routine (a busy
    /// workload, an office NAT address), not something new: its findings are dropped.
    #[serde(default)]
    pub routine_days: Option<u32>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuiltinSpec {
    /// The name of the Rust check (`checks::REGISTRY`).
    pub check: String,
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
}

impl RuleSpec {
    /// `KV-01` or `KV-01/hourly`: what identifies an entry for replacement.
    pub fn key(&self) -> String {
        match &self.form {
            Some(f) => format!("{}/{}", self.id, f),
            None => self.id.clone(),
        }
    }
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Parses one rule file; the entries carry their `file:line` origin.
pub fn parse(text: &str, file: &str) -> Result<Vec<(RuleSpec, Range<usize>)>, RuleError> {
    let parsed: RuleFile = toml::from_str(text).map_err(|e| RuleError {
        file: file.to_string(),
        line: e.span().map_or(1, |s| line_of(text, s.start)),
        message: e.message().trim().to_string(),
    })?;
    Ok(parsed
        .rule
        .into_iter()
        .map(|spanned| {
            let span = spanned.span();
            let mut rule = spanned.into_inner();
            rule.origin = format!("{file}:{}", line_of(text, span.start));
            (rule, span)
        })
        .collect())
}

/// A duration as rules and the command line write it: `90s`, `10m`, `1h`, `24h`, `14d`, `2w`. In seconds;
/// `None` for anything else, zero, or more seconds than fit.
pub fn seconds(text: &str) -> Option<i64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = t.split_at(split);
    let n: i64 = n.parse().ok()?;
    let scale = match unit.trim() {
        "s" | "sec" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(scale).filter(|_| n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(seconds("90s"), Some(90));
        assert_eq!(seconds("10m"), Some(600));
        assert_eq!(seconds("24h"), Some(86_400));
        assert_eq!(seconds("14d"), Some(14 * 86_400));
        assert_eq!(seconds("0m"), None);
        assert_eq!(seconds("10 parsecs"), None);
        assert_eq!(seconds("m"), None);
    }

    #[test]
    fn errors_name_the_line() {
        let text = "[[rule]]\nid = \"KV-99\"\ntitle = \"x\"\nseverity = \"severe\"\nexplain = \"x\"\n";
        let e = parse(text, "mine.toml").err().unwrap();
        assert_eq!((e.file.as_str(), e.line), ("mine.toml", 4), "{e}");
        let text = "[[rule]]\nid = \"KV-99\"\ntitle = \"x\"\nseverity = \"low\"\nexplain = \"x\"\ncolour = 1\n";
        let e = parse(text, "mine.toml").err().unwrap();
        assert!(e.message.contains("colour"), "{e}");
    }
}
