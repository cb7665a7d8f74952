//! Filters written as text — `vault=kv-prod`, `ip!=10.0.0.1`, `op=SecretGet,SecretList`, `since=2026-10-01`,
//! `until=…`, `outcome=failure`, `text=breakglass` — for `export --filter` and anything else that takes typed
//! filters. Values resolve against the loaded store; one that names nothing makes the clause match nothing.

use super::{Clause, Dim, Filter, Store};
use crate::event::{Outcome, Ticks};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("filter {0:?} is not of the form name=value or name!=value")]
    Shape(String),
    #[error(
        "unknown filter name {0:?}; use caller_ip (ip), identity, vault, operation (op), object, user_agent (ua), status, outcome, since, until or text"
    )]
    Name(String),
    #[error("{name}={value:?}: {why}")]
    Value { name: String, value: String, why: &'static str },
}

impl Store {
    /// Ids of `dim` a user's text names: the label, or for identities any of their ids (oid, UPN, app id, …).
    pub fn resolve(&self, dim: Dim, text: &str) -> Vec<u32> {
        let t = text.trim();
        (0..self.cardinality(dim) as u32)
            .filter(|&id| {
                self.label(dim, id).eq_ignore_ascii_case(t)
                    || (dim == Dim::Identity && id != 0 && {
                        let i = self.dicts.identities.get(id);
                        [&i.oid, &i.upn, &i.unique_name, &i.appid, &i.xms_mirid]
                            .into_iter()
                            .flatten()
                            .any(|v| v.eq_ignore_ascii_case(t))
                    })
                    || (dim == Dim::Object && id != 0 && self.dicts.objects.get(id).uri().eq_ignore_ascii_case(t))
            })
            .collect()
    }

    /// Parses filter expressions into a filter. Returns the filter and warnings about values that matched nothing.
    pub fn parse_filters(&self, exprs: &[String]) -> Result<(Filter, Vec<String>), FilterError> {
        let mut filter = Filter::default();
        let mut warnings = Vec::new();
        for expr in exprs {
            let (name, negated, value) = match expr.split_once("!=") {
                Some((n, v)) => (n, true, v),
                None => match expr.split_once('=') {
                    Some((n, v)) => (n, false, v),
                    None => return Err(FilterError::Shape(expr.clone())),
                },
            };
            let name = name.trim().to_ascii_lowercase();
            let bad = |why| FilterError::Value { name: name.clone(), value: value.to_string(), why };
            let time = |v: &str| {
                Ticks::parse_any(v).ok_or_else(|| bad("not a timestamp (use ISO 8601, e.g. 2026-10-01T12:00:00Z)"))
            };
            match name.as_str() {
                "since" | "from" => filter.push(Clause::Within { from: Some(time(value)?), to: None }),
                "until" | "to" => filter.push(Clause::Within { from: None, to: Some(time(value)?) }),
                "text" => filter.push(Clause::Text(value.to_string())),
                "outcome" => {
                    let o = match value.trim().to_ascii_lowercase().as_str() {
                        "success" | "ok" => Outcome::Success,
                        "failure" | "failed" | "fail" => Outcome::Failure,
                        "unknown" => Outcome::Unknown,
                        _ => return Err(bad("use success, failure or unknown")),
                    };
                    filter.push(Clause::Outcome(o));
                }
                _ => {
                    let dim = Dim::parse(&name).ok_or_else(|| FilterError::Name(name.clone()))?;
                    for v in value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                        let ids = self.resolve(dim, v);
                        if ids.is_empty() {
                            warnings.push(format!("{}={v:?} matches no loaded event", dim.name()));
                        }
                        // A value that names nothing still constrains: `Is` of an id no row has selects nothing.
                        let ids = if ids.is_empty() && !negated { vec![u32::MAX] } else { ids };
                        for id in ids {
                            filter.push(if negated { Clause::Not(dim, id) } else { Clause::Is(dim, id) });
                        }
                    }
                }
            }
        }
        Ok((filter, warnings))
    }
}
