//! Filters compose like an analyst thinks: several values of one dimension OR together, dimensions AND
//! together, any value can be excluded, plus a time range, an outcome and a text match. A filter is an ordered
//! list of clauses so the workbench can show each as a breadcrumb and pop the last one.

use rayon::prelude::*;

use super::{Dim, Store};
use crate::event::{Outcome, Ticks};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clause {
    /// Keep events whose `Dim` value is this id (ORed with other `Is` clauses of the same dimension).
    Is(Dim, u32),
    /// Drop events whose `Dim` value is this id.
    Not(Dim, u32),
    /// Keep events in `[from, to)`.
    Within {
        from: Option<Ticks>,
        to: Option<Ticks>,
    },
    Outcome(Outcome),
    /// Case-insensitive substring of the identity, object, URI, user agent, caller IP or operation.
    Text(String),
    /// Fuzzy (skim) match of the identity, object, request URI or user agent: the workbench's `/` prompt.
    Fuzzy(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub clauses: Vec<Clause>,
}

impl Filter {
    pub fn push(&mut self, clause: Clause) {
        if !self.clauses.contains(&clause) {
            self.clauses.push(clause);
        }
    }

    pub fn pop(&mut self) -> Option<Clause> {
        self.clauses.pop()
    }

    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }
}

/// The rows (in time order) a filter keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Every row of a store of this many rows.
    All(usize),
    Rows(Vec<u32>),
}

impl Selection {
    pub fn len(&self) -> usize {
        match self {
            Selection::All(n) => *n,
            Selection::Rows(r) => r.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where `row` stands in the selection, if it is selected (rows are kept in ascending order).
    pub fn position(&self, row: usize) -> Option<usize> {
        match self {
            Selection::All(n) => (row < *n).then_some(row),
            Selection::Rows(r) => r.binary_search(&(row as u32)).ok(),
        }
    }

    pub fn iter(&self) -> Box<dyn Iterator<Item = usize> + '_> {
        match self {
            Selection::All(n) => Box::new(0..*n),
            Selection::Rows(r) => Box::new(r.iter().map(|&i| i as usize)),
        }
    }
}

/// A per-dimension yes/no table over dictionary ids.
struct Mask {
    dim: Dim,
    allowed: Vec<bool>,
}

/// Which ids of each text column a fuzzy pattern matches: identities, objects, user agents, request URIs.
struct FuzzyMasks {
    dims: Vec<Mask>,
    uris: Vec<bool>,
}

/// Whether `pattern` fuzzy-matches `text` the way [`fuzzy_matcher`] decides it (its characters appear in order;
/// smart case: a pattern with no upper-case letter ignores case), without scoring: filtering a million events
/// asks this of every distinct value, and only the few rows drawn need the matched positions.
pub fn fuzzy_is_match(text: &str, pattern: &str) -> bool {
    let ignore_case = !pattern.chars().any(char::is_uppercase);
    let mut want = pattern.chars().peekable();
    for c in text.chars() {
        let Some(&w) = want.peek() else { return true };
        let hit = if ignore_case { c == w || c.to_lowercase().eq(w.to_lowercase()) } else { c == w };
        if hit {
            want.next();
        }
    }
    want.peek().is_none()
}

/// The fuzzy matcher every fuzzy filter uses (skim's algorithm, smart case: lower-case patterns ignore case).
pub fn fuzzy_matcher() -> fuzzy_matcher::skim::SkimMatcherV2 {
    fuzzy_matcher::skim::SkimMatcherV2::default().smart_case()
}

impl Store {
    fn text_matches(&self, needle: &str) -> Vec<Mask> {
        let needle = needle.to_lowercase();
        let hit = |s: &str| s.to_lowercase().contains(&needle);
        let mut masks = Vec::new();
        for dim in [Dim::Identity, Dim::Object, Dim::UserAgent, Dim::CallerIp, Dim::Operation] {
            let allowed: Vec<bool> = (0..self.cardinality(dim) as u32)
                .map(|id| {
                    hit(&self.label(dim, id))
                        || (dim == Dim::Identity && {
                            let i = self.dicts.identities.get(id);
                            [&i.oid, &i.upn, &i.unique_name, &i.appid, &i.xms_mirid]
                                .into_iter()
                                .flatten()
                                .any(|v| hit(v))
                        })
                })
                .collect();
            masks.push(Mask { dim, allowed });
        }
        masks
    }

    fn fuzzy_matches(&self, pattern: &str) -> FuzzyMasks {
        let hit = |s: &str| fuzzy_is_match(s, pattern);
        let dims = [Dim::Identity, Dim::Object, Dim::UserAgent]
            .into_iter()
            .map(|dim| Mask {
                dim,
                allowed: (0..self.cardinality(dim) as u32).map(|id| id != 0 && hit(&self.label(dim, id))).collect(),
            })
            .collect();
        let uris = self.dicts.uris.values().par_iter().enumerate().map(|(id, u)| id != 0 && hit(u)).collect();
        FuzzyMasks { dims, uris }
    }

    /// The rows that pass `filter`.
    pub fn select(&self, filter: &Filter) -> Selection {
        let n = self.len();
        if filter.is_empty() {
            return Selection::All(n);
        }
        let (mut lo, mut hi) = (0usize, n);
        let mut masks: Vec<Mask> = Vec::new();
        let mut texts: Vec<Vec<Mask>> = Vec::new();
        let mut outcomes: Vec<Outcome> = Vec::new();
        let mut fuzzies: Vec<FuzzyMasks> = Vec::new();
        for dim in Dim::ALL {
            let ids = |negated: bool| -> Vec<u32> {
                filter
                    .clauses
                    .iter()
                    .filter_map(|c| match c {
                        Clause::Is(d, id) if *d == dim && !negated => Some(*id),
                        Clause::Not(d, id) if *d == dim && negated => Some(*id),
                        _ => None,
                    })
                    .collect()
            };
            let (is, not) = (ids(false), ids(true));
            if is.is_empty() && not.is_empty() {
                continue;
            }
            let card = self.cardinality(dim);
            let mut allowed = vec![is.is_empty(); card];
            for id in is {
                if let Some(a) = allowed.get_mut(id as usize) {
                    *a = true;
                }
            }
            for id in not {
                if let Some(a) = allowed.get_mut(id as usize) {
                    *a = false;
                }
            }
            masks.push(Mask { dim, allowed });
        }
        let time = &self.cols.time;
        for clause in &filter.clauses {
            match clause {
                Clause::Within { from, to } => {
                    if let Some(f) = from {
                        lo = lo.max(time.partition_point(|&t| t < f.0));
                    }
                    if let Some(t) = to {
                        hi = hi.min(time.partition_point(|&x| x < t.0));
                    }
                }
                Clause::Text(s) => texts.push(self.text_matches(s)),
                Clause::Fuzzy(s) => fuzzies.push(self.fuzzy_matches(s)),
                Clause::Outcome(o) => outcomes.push(*o),
                Clause::Is(..) | Clause::Not(..) => {}
            }
        }
        let statuses = self.dicts.statuses.values();
        let status_col = self.column(Dim::Status);
        let rows = (lo..hi.max(lo))
            .filter(|&i| {
                masks.iter().all(|m| m.allowed[self.cols.dims[m.dim as usize][i] as usize])
                    && texts.iter().all(|t| t.iter().any(|m| m.allowed[self.cols.dims[m.dim as usize][i] as usize]))
                    && outcomes.iter().all(|&o| statuses[status_col[i] as usize].outcome == o)
                    && fuzzies.iter().all(|f| {
                        f.uris[self.cols.request_uri[i] as usize]
                            || f.dims.iter().any(|m| m.allowed[self.cols.dims[m.dim as usize][i] as usize])
                    })
            })
            .map(|i| i as u32)
            .collect();
        Selection::Rows(rows)
    }
}

#[cfg(test)]
mod tests {
    use fuzzy_matcher::FuzzyMatcher;

    use super::*;

    /// The fast yes/no test must agree with skim on every pair, or the table would show rows it cannot
    /// highlight (or hide rows skim matches).
    #[test]
    fn fuzzy_is_match_agrees_with_skim() {
        let texts = [
            "kv-payments-prod/secrets/breakglass-admin",
            "Mozilla/5.0 (Windows NT 10.0) AppleWebKit",
            "zoe.lefevre@contoso.com",
            "https://kv-x.vault.azure.net/secrets/DB-Password/0123?api-version=7.4",
            "",
            "ÉCOLE-été",
            "a b c",
        ];
        let patterns =
            ["brkglss", "BRK", "Moz", "moz", "zoe", "DB", "db", "x", "", "été", "ÉTÉ", "a c", "ac", "zz", "pw"];
        let skim = fuzzy_matcher();
        for t in texts {
            for p in patterns {
                assert_eq!(fuzzy_is_match(t, p), skim.fuzzy_match(t, p).is_some(), "{t:?} ~ {p:?}");
            }
        }
    }
}
