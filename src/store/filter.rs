//! Filters compose like an analyst thinks: several values of one dimension OR together, dimensions AND
//! together, any value can be excluded, plus a time range, an outcome and a text match. A filter is an ordered
//! list of clauses so the workbench can show each as a breadcrumb and pop the last one.

mod fuzzy;

use std::sync::Arc;

use self::fuzzy::Matches;
pub use self::fuzzy::{FuzzyCache, fuzzy_is_match};
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

impl Mask {
    /// The column and the table a row is looked up in.
    fn test<'a>(&'a self, store: &'a Store) -> (&'a [u32], &'a [bool]) {
        (store.column(self.dim), &self.allowed)
    }
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

    /// The rows that pass `filter`.
    pub fn select(&self, filter: &Filter) -> Selection {
        let n = self.len();
        if filter.is_empty() {
            return Selection::All(n);
        }
        let (mut lo, mut hi) = (0usize, n);
        let mut masks: Vec<Mask> = Vec::new();
        let mut texts: Vec<Vec<Mask>> = Vec::new();
        let mut fuzzies: Vec<Arc<Matches>> = Vec::new();
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
                Clause::Fuzzy(s) => fuzzies.push(FuzzyCache::matches(self, s)),
                Clause::Outcome(o) => {
                    let allowed = self.dicts.statuses.values().iter().map(|s| s.outcome == *o).collect();
                    masks.push(Mask { dim: Dim::Status, allowed });
                }
                Clause::Is(..) | Clause::Not(..) => {}
            }
        }
        let mut conditions: Vec<AnyOf> = masks.iter().map(|m| vec![m.test(self)]).collect();
        conditions.extend(texts.iter().map(|t| t.iter().map(|m| m.test(self)).collect()));
        conditions.extend(fuzzies.iter().map(|f| f.condition(self)));
        Selection::Rows(scan(lo..hi.max(lo), &conditions))
    }
}

/// One condition of the row scan: a row meets it when, in any of these columns, its id's entry is true.
type AnyOf<'a> = Vec<(&'a [u32], &'a [bool])>;

/// The rows of `range` that meet every condition: a block of rows at a time, one tight loop per column (each
/// row's id looked up in a yes/no table), then the rows that passed written out without a branch per row.
fn scan(range: std::ops::Range<usize>, conditions: &[AnyOf]) -> Vec<u32> {
    const BLOCK: usize = 4096;
    let mut rows: Vec<u32> = Vec::new();
    let (mut pass, mut hit) = ([true; BLOCK], [false; BLOCK]);
    for start in range.clone().step_by(BLOCK) {
        let end = (start + BLOCK).min(range.end);
        let (pass, hit) = (&mut pass[..end - start], &mut hit[..end - start]);
        pass.fill(true);
        for any in conditions {
            if let [(col, mask)] = any.as_slice() {
                for (p, &id) in pass.iter_mut().zip(&col[start..end]) {
                    *p &= mask[id as usize];
                }
                continue;
            }
            // A row already out, or already in by an earlier column, is not looked up again.
            hit.iter_mut().zip(pass.iter()).for_each(|(h, p)| *h = !*p);
            for (col, mask) in any {
                for (h, &id) in hit.iter_mut().zip(&col[start..end]) {
                    if !*h {
                        *h = mask[id as usize];
                    }
                }
            }
            for (p, h) in pass.iter_mut().zip(hit.iter()) {
                *p &= *h;
            }
        }
        let at = rows.len();
        rows.resize(at + pass.len(), 0);
        let mut kept = 0;
        for (row, &p) in (start as u32..).zip(pass.iter()) {
            rows[at + kept] = row;
            kept += p as usize;
        }
        rows.truncate(at + kept);
    }
    rows
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
            "\u{212a}elvin İstanbul ß",
        ];
        // skim folds ASCII case only: `é` does not match `É`, nor `k` the Kelvin sign.
        let patterns = [
            "brkglss", "BRK", "Moz", "moz", "zoe", "DB", "db", "x", "", "été", "ÉTÉ", "é", "É", "école", "a c", "ac",
            "zz", "pw", "k", "K", "\u{212a}", "i", "İ", "ss", "ß", "elvin",
        ];
        let skim = fuzzy_matcher();
        for t in texts {
            for p in patterns {
                assert_eq!(fuzzy_is_match(t, p), skim.fuzzy_match(t, p).is_some(), "{t:?} ~ {p:?}");
            }
        }
    }

    /// The narrowing cache must never change what is selected: typing a pattern, deleting from it, replacing it,
    /// changing its case, alone and beside other clauses, always gives the uncached selection.
    #[test]
    fn cached_fuzzy_selection_equals_uncached() {
        let (store, _) = crate::store::load::load(
            crate::demo::sources().expect("demo"),
            Vec::new(),
            &crate::store::load::Progress::default(),
        );
        let vault = Clause::Is(Dim::Vault, store.column(Dim::Vault)[0]);
        let steps: [(&str, &[&str]); 6] = [
            ("typed", &["s", "se", "sec", "secr", "secre", "secret"]),
            ("deleted", &["secre", "secr"]),
            ("edited in the middle, shortened", &["secrt", "sct"]),
            ("case", &["S", "Se", "SeC", "sEc"]),
            ("replaced, grown past every match, shortened", &["brk", "brkglss", "brkglssz", "b"]),
            ("others", &["k/s/", "kvsecrets", "/", "é", "", "azcli", "azcl", "Azure", "zzzz"]),
        ];
        let mut cache = FuzzyCache::default();
        let mut selected = 0;
        for (what, patterns) in steps {
            for pattern in patterns {
                for others in [vec![], vec![vault.clone()], vec![Clause::Outcome(Outcome::Failure)]] {
                    let mut filter = Filter { clauses: others };
                    filter.push(Clause::Fuzzy(pattern.to_string()));
                    let cached = cache.scope(|| store.select(&filter));
                    assert_eq!(cached, store.select(&filter), "{what}: {filter:?}");
                    selected += cached.len();
                }
            }
        }
        assert!(selected > 0, "the patterns select something");
        // Another store (one of the demo's inputs) is never served the first one's matches.
        let source = crate::demo::sources().expect("demo").into_iter().take(1).collect();
        let (other, _) = crate::store::load::load(source, Vec::new(), &crate::store::load::Progress::default());
        assert!(!other.is_empty() && other.len() != store.len());
        for pattern in ["s", "se", "brk"] {
            let filter = Filter { clauses: vec![Clause::Fuzzy(pattern.into())] };
            assert_eq!(cache.scope(|| other.select(&filter)), other.select(&filter), "{pattern:?}");
        }
    }
}
