//! The active filter as breadcrumbs. Each crumb keeps the text of the value it names besides the store id, so
//! when a larger store replaces a partial one (loading continues in the background) every crumb is re-resolved
//! by what the analyst chose, not by an id that means something else in the new store.

use crate::event::{Outcome, Ticks};
use crate::store::{Clause, Dim, Filter, Store};
use crate::text::sanitize;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crumb {
    pub clause: Clause,
    /// The value's text for `Is` / `Not` clauses (the store label it was chosen by).
    pub value: String,
}

impl Crumb {
    pub fn is(store: &Store, dim: Dim, id: u32) -> Crumb {
        Crumb { clause: Clause::Is(dim, id), value: store.label(dim, id).into_owned() }
    }

    pub fn not(store: &Store, dim: Dim, id: u32) -> Crumb {
        Crumb { clause: Clause::Not(dim, id), value: store.label(dim, id).into_owned() }
    }

    pub fn plain(clause: Clause) -> Crumb {
        Crumb { clause, value: String::new() }
    }

    /// How the breadcrumb reads: `vault=kv-prod`, `ip≠1.2.3.4`, `~secret`, `failed`, a time span. Sanitized:
    /// values come from the logs.
    pub fn label(&self) -> String {
        let short = |d: Dim| match d {
            Dim::CallerIp => "ip",
            Dim::Operation => "op",
            Dim::UserAgent => "ua",
            other => other.name(),
        };
        match &self.clause {
            Clause::Is(d, _) => format!("{}={}", short(*d), sanitize(&self.value)),
            Clause::Not(d, _) => format!("{}!={}", short(*d), sanitize(&self.value)),
            Clause::Within { from, to } => {
                let t = |t: &Option<Ticks>| t.map_or_else(|| "…".to_string(), |t| t.to_iso()[..19].replace('T', " "));
                format!("{} → {}", t(from), t(to))
            }
            Clause::Outcome(Outcome::Failure) => "failed".into(),
            Clause::Outcome(o) => format!("outcome={}", o.as_str()),
            Clause::Text(s) => format!("text={}", sanitize(s)),
            Clause::Fuzzy(s) => format!("~{}", sanitize(s)),
        }
    }

    /// The same crumb against another store of the same inputs.
    fn resolved(&self, store: &Store) -> Crumb {
        let id = |d: Dim| store.find(d, &self.value).unwrap_or(u32::MAX);
        let clause = match &self.clause {
            Clause::Is(d, _) => Clause::Is(*d, id(*d)),
            Clause::Not(d, _) => Clause::Not(*d, id(*d)),
            other => other.clone(),
        };
        Crumb { clause, value: self.value.clone() }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Crumbs {
    pub list: Vec<Crumb>,
}

impl Crumbs {
    /// Adds a crumb unless the same clause is already there.
    pub fn push(&mut self, crumb: Crumb) -> bool {
        if self.list.iter().any(|c| c.clause == crumb.clause) {
            return false;
        }
        self.list.push(crumb);
        true
    }

    pub fn filter(&self) -> Filter {
        Filter { clauses: self.list.iter().map(|c| c.clause.clone()).collect() }
    }

    /// The filter without the `Is` clauses of `dim`: what that dimension's pane counts under, so it keeps
    /// listing the values one can still add with OR (faceted search).
    pub fn filter_for_facet(&self, dim: Dim) -> Filter {
        Filter {
            clauses: self
                .list
                .iter()
                .filter(|c| !matches!(c.clause, Clause::Is(d, _) if d == dim))
                .map(|c| c.clause.clone())
                .collect(),
        }
    }

    /// Ids of `dim` the filter keeps with `Is` (shown as chosen in that pane).
    pub fn chosen(&self, dim: Dim) -> impl Iterator<Item = u32> + '_ {
        self.list.iter().filter_map(move |c| match c.clause {
            Clause::Is(d, id) if d == dim => Some(id),
            _ => None,
        })
    }

    pub fn has_own_dim(&self, dim: Dim) -> bool {
        self.chosen(dim).next().is_some()
    }

    /// Re-resolves every crumb against a new store.
    pub fn resolve(&mut self, store: &Store) {
        for c in &mut self.list {
            *c = c.resolved(store);
        }
    }

    /// The time window the `Within` crumbs leave, `[from, to)`; `None` for an open end.
    pub fn window(&self) -> (Option<Ticks>, Option<Ticks>) {
        let (mut lo, mut hi) = (None, None);
        for c in &self.list {
            if let Clause::Within { from, to } = c.clause {
                lo = lo.max(from);
                hi = match (hi, to) {
                    (Some(a), Some(b)) => Some(Ticks::min(a, b)),
                    (a, b) => a.or(b),
                };
            }
        }
        (lo, hi)
    }

    /// The position of the fuzzy crumb, if any.
    pub fn fuzzy(&self) -> Option<usize> {
        self.list.iter().position(|c| matches!(c.clause, Clause::Fuzzy(_)))
    }
}
