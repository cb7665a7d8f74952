//! The rule set: the built-in catalogue (`assets/rules/*.toml`, embedded) merged with the analyst's files.
//! Validation happens here, once, with `file:line` in every message — a rule that cannot run as written is an
//! error before anything runs, never a silent no-op.

use hashbrown::HashMap;

use super::checks;
use super::predicate::KIND_NAMES;
use super::spec::{self, Match, RuleError, RuleSpec, seconds};
use crate::event::Operation;

const BUILTIN: [(&str, &str); 5] = [
    ("assets/rules/credential-access.toml", include_str!("../../assets/rules/credential-access.toml")),
    ("assets/rules/privilege.toml", include_str!("../../assets/rules/privilege.toml")),
    ("assets/rules/origin.toml", include_str!("../../assets/rules/origin.toml")),
    ("assets/rules/anomaly.toml", include_str!("../../assets/rules/anomaly.toml")),
    ("assets/rules/impact.toml", include_str!("../../assets/rules/impact.toml")),
];

#[derive(Clone, Debug)]
pub struct RuleSet {
    pub rules: Vec<RuleSpec>,
}

impl RuleSet {
    /// The built-in catalogue alone.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet { rules: Vec::new() };
        for (file, text) in BUILTIN {
            set.add(text, file)?;
        }
        Ok(set)
    }

    /// The catalogue with the analyst's files layered on top, in order.
    pub fn with_files(files: &[(String, String)]) -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::builtin()?;
        for (name, text) in files {
            set.add(text, name)?;
        }
        Ok(set)
    }

    /// Adds a file's entries; an entry with the key (id and form) of an existing one replaces it.
    pub fn add(&mut self, text: &str, file: &str) -> Result<(), RuleError> {
        let mut keys: HashMap<String, usize> = HashMap::new();
        for (rule, span) in spec::parse(text, file)? {
            let line = spec::line_of(text, span.start);
            let error = |message: String| RuleError { file: file.to_string(), line, message };
            validate(&rule).map_err(|m| error(format!("{}: {m}", rule.key())))?;
            if let Some(&first) = keys.get(&rule.key()) {
                return Err(error(format!("{} is defined twice in this file (first at line {first})", rule.key())));
            }
            keys.insert(rule.key(), line);
            match self.rules.iter_mut().find(|r| r.key() == rule.key()) {
                Some(existing) => *existing = rule,
                None => self.rules.push(rule),
            }
        }
        Ok(())
    }

    /// Rule ids in catalogue order, each once.
    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for r in &self.rules {
            if !ids.contains(&r.id.as_str()) {
                ids.push(&r.id);
            }
        }
        ids
    }
}

fn validate(rule: &RuleSpec) -> Result<(), String> {
    let bodies = [rule.sequence.is_some(), rule.threshold.is_some(), rule.builtin.is_some()];
    if bodies.iter().filter(|&&b| b).count() != 1 {
        return Err("needs exactly one of [rule.sequence], [rule.threshold] or [rule.builtin]".into());
    }
    if rule.id.trim().is_empty() {
        return Err("the id is empty".into());
    }
    if let Some(s) = &rule.sequence {
        duration("sequence.within", &s.within)?;
        if let Some(g) = &s.max_gap {
            duration("sequence.max_gap", g)?;
        }
        if s.steps.len() < 2 {
            return Err("a sequence needs at least two steps".into());
        }
        for (i, step) in s.steps.iter().enumerate() {
            matcher(step, &format!("step {}", i + 1), true)?;
            if let Some(j) = step.same_name_as
                && (j == 0 || j > i)
            {
                return Err(format!("step {}: same_name_as = {j} must name an earlier step", i + 1));
            }
        }
        operations(&s.new_ops, "sequence.new_ops")?;
    }
    if let Some(t) = &rule.threshold {
        duration("threshold.window", &t.window)?;
        matcher(&t.when, "threshold.where", false)?;
        if t.count_gt.is_none() && t.count_ge.is_none() && t.distinct.is_empty() {
            return Err("a threshold needs count_gt, count_ge or distinct = { <field> = <at least> }".into());
        }
    }
    if let Some(b) = &rule.builtin {
        checks::validate(&b.check, &b.params)?;
    }
    Ok(())
}

fn duration(what: &str, text: &str) -> Result<(), String> {
    seconds(text).map(|_| ()).ok_or_else(|| format!("{what}: {text:?} is not a duration like 90s, 10m, 1h or 14d"))
}

fn operations(ops: &[String], what: &str) -> Result<(), String> {
    for op in ops {
        if !op.contains('*') && !op.contains('/') && !Operation::is_known(op) {
            return Err(format!("{what}: unknown operation {op:?} (see assets/operations.txt)"));
        }
    }
    Ok(())
}

fn matcher(m: &Match, what: &str, step: bool) -> Result<(), String> {
    operations(&m.operation, what)?;
    if !step && (m.min.is_some() || m.distinct.is_some() || m.same_name_as.is_some()) {
        return Err(format!("{what}: min, distinct and same_name_as belong to sequence steps"));
    }
    if let Some(k) = m.identity_kind.iter().find(|k| !KIND_NAMES.iter().any(|n| n.eq_ignore_ascii_case(k))) {
        return Err(format!("{what}: unknown identity_kind {k:?} (one of {})", KIND_NAMES.join(", ")));
    }
    Ok(())
}
