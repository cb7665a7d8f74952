//! The fuzzy filter at a million rows. A pattern is compiled once into byte needles and tested against every
//! distinct value of the text columns (identities, objects, user agents and request URIs are interned), never
//! per row; rows then pass on four id lookups. Matching is monotone — a value that matches `secret` also
//! matches `secre` and `scrt` — so a [`FuzzyCache`] remembers the last patterns' matches, and a pattern that
//! grew (the analyst typed one more character) tests only the values its predecessor matched.

use std::cell::RefCell;
use std::sync::Arc;

use memchr::{memchr, memchr2, memmem};

use crate::store::{Dim, Store};

/// One pattern character, as the bytes that stand for it in UTF-8 text.
#[derive(Clone, Debug)]
enum Needle {
    Byte(u8),
    /// An ASCII letter in either case (the pattern has no upper-case letter).
    Either(u8, u8),
    /// A non-ASCII character: its encoding, which UTF-8 text can only contain at a character boundary.
    Char(Box<[u8]>),
}

/// A pattern compiled for yes/no matching. It decides exactly what skim's matcher decides (see
/// [`super::fuzzy_matcher`]): the pattern's characters appear in order; with smart case, a pattern with no ASCII
/// upper-case letter ignores ASCII case — skim folds ASCII only, so `é` does not match `É`.
#[derive(Clone, Debug)]
pub struct FuzzyPattern {
    needles: Vec<Needle>,
}

impl FuzzyPattern {
    pub fn new(pattern: &str) -> FuzzyPattern {
        let case_sensitive = pattern.bytes().any(|b| b.is_ascii_uppercase());
        let needles = pattern
            .chars()
            .map(|c| match u8::try_from(c) {
                Ok(b) if b.is_ascii_alphabetic() && !case_sensitive => {
                    Needle::Either(b.to_ascii_lowercase(), b.to_ascii_uppercase())
                }
                Ok(b) if b.is_ascii() => Needle::Byte(b),
                _ => Needle::Char(c.encode_utf8(&mut [0; 4]).as_bytes().into()),
            })
            .collect();
        FuzzyPattern { needles }
    }

    /// How many needles are matched once `text` is read, starting at needle `k` (taking the leftmost
    /// occurrence of each is optimal for a subsequence test).
    fn advance(&self, text: &[u8], mut k: usize) -> usize {
        let mut hay = text;
        while let Some(needle) = self.needles.get(k) {
            let end = match needle {
                Needle::Byte(b) => memchr(*b, hay).map(|i| i + 1),
                Needle::Either(a, b) => memchr2(*a, *b, hay).map(|i| i + 1),
                Needle::Char(bytes) => memmem::find(hay, bytes).map(|i| i + bytes.len()),
            };
            let Some(end) = end else { break };
            hay = &hay[end..];
            k += 1;
        }
        k
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.advance(text.as_bytes(), 0) == self.needles.len()
    }

    /// Whether the pattern matches the concatenation of `parts` (a label assembled from pieces, unallocated).
    pub fn is_match_parts(&self, parts: &[&str]) -> bool {
        parts.iter().fold(0, |k, p| self.advance(p.as_bytes(), k)) == self.needles.len()
    }
}

/// Whether `pattern` fuzzy-matches `text` the way [`super::fuzzy_matcher`] decides it, without scoring: filtering
/// asks this of every distinct value, and only the few cells drawn need the matched positions.
pub fn fuzzy_is_match(text: &str, pattern: &str) -> bool {
    FuzzyPattern::new(pattern).is_match(text)
}

/// Whether every value matching `longer` also matches `shorter`: `shorter`'s characters appear in `longer` in
/// order. (Case stays consistent: if `shorter` has an upper-case letter, so has `longer`, and both respect case;
/// a case-respecting match is also a case-ignoring one.)
fn narrows(shorter: &str, longer: &str) -> bool {
    let mut rest = longer.chars();
    shorter.chars().all(|c| rest.any(|l| l == c))
}

/// The text columns the fuzzy filter reads: identity, object, user agent (the first three, as [`Dim`]s) and
/// request URI.
const COLUMNS: usize = 4;
const DIMS: [Dim; 3] = [Dim::Identity, Dim::Object, Dim::UserAgent];

/// Ids per column, including the reserved 0.
fn sizes(store: &Store) -> [usize; COLUMNS] {
    let d = &store.dicts;
    [d.identities.len(), d.objects.len(), d.user_agents.len(), d.uris.len()]
}

/// Tests value `id` of `column` straight from the store's dictionaries.
fn test_in_store(store: &Store, p: &FuzzyPattern, column: usize, id: u32) -> bool {
    let d = &store.dicts;
    match column {
        0 => p.is_match(d.identities.get(id).label()),
        1 => {
            let o = d.objects.get(id);
            p.is_match_parts(&[&o.vault, "/", o.kind.collection(), "/", &o.name])
        }
        2 => p.is_match(d.user_agents.get(id)),
        _ => p.is_match(d.uris.get(id)),
    }
}

/// A store's text columns laid out for fuzzy filtering, once per store.
struct Layout {
    /// Each column's values back to back, with where each id starts. Each dictionary value is a heap allocation
    /// of its own, so testing tens of thousands of them is a cache miss each; here it is a stream through memory.
    columns: [(Vec<u8>, Vec<usize>); COLUMNS],
    /// The distinct combinations of a row's four ids, and each row's combination — when there are few enough
    /// (80,000 for a million generated events) that a row is one lookup instead of four.
    keys: Option<Keys>,
}

struct Keys {
    combos: Vec<[u32; COLUMNS]>,
    column: Vec<u32>,
}

impl Keys {
    fn of(store: &Store) -> Option<Keys> {
        let [identity, object, agent] = DIMS.map(|d| store.column(d));
        let uri = &store.cols.request_uri;
        let rows = store.len();
        let mut ids: hashbrown::HashMap<[u32; COLUMNS], u32> = hashbrown::HashMap::new();
        let mut combos = Vec::new();
        let mut column = Vec::with_capacity(rows);
        for i in 0..rows {
            let combo = [identity[i], object[i], agent[i], uri[i]];
            let id = *ids.entry(combo).or_insert_with(|| {
                combos.push(combo);
                combos.len() as u32 - 1
            });
            // Nearly one combination per row: four lookups per row are cheaper than building this.
            if combos.len() > rows / 4 + 64 {
                return None;
            }
            column.push(id);
        }
        Some(Keys { combos, column })
    }
}

impl Layout {
    fn of(store: &Store) -> Layout {
        let d = &store.dicts;
        let sizes = sizes(store);
        let columns = std::array::from_fn(|c| {
            let mut text = Vec::new();
            let mut starts = Vec::with_capacity(sizes[c] + 1);
            starts.push(0);
            for id in 0..sizes[c] as u32 {
                // Id 0 is "absent" in every dictionary: empty, and never tested.
                if id > 0 {
                    match c {
                        0 => text.extend_from_slice(d.identities.get(id).label().as_bytes()),
                        1 => {
                            let o = d.objects.get(id);
                            for part in [&*o.vault, "/", o.kind.collection(), "/", &o.name] {
                                text.extend_from_slice(part.as_bytes());
                            }
                        }
                        2 => text.extend_from_slice(d.user_agents.get(id).as_bytes()),
                        _ => text.extend_from_slice(d.uris.get(id).as_bytes()),
                    }
                }
                starts.push(text.len());
            }
            (text, starts)
        });
        Layout { columns, keys: Keys::of(store) }
    }

    fn test(&self, p: &FuzzyPattern, column: usize, id: u32) -> bool {
        let (text, starts) = &self.columns[column];
        let id = id as usize;
        p.advance(&text[starts[id]..starts[id + 1]], 0) == p.needles.len()
    }
}

/// Which values of each text column a pattern matches: as id lists (what a longer pattern re-tests) and as
/// yes/no tables by id (what the row scan reads).
pub struct Matches {
    pattern: String,
    ids: [Vec<u32>; COLUMNS],
    masks: [Vec<bool>; COLUMNS],
    /// The layout the matches were made with, and which of its combinations of ids match.
    keys: Option<(Arc<Layout>, Vec<bool>)>,
}

impl Matches {
    /// Tests `candidates` (per column; every id but 0 when `None`) with `test(column, id)`.
    fn compute(
        pattern: &str,
        sizes: [usize; COLUMNS],
        candidates: Option<&[Vec<u32>; COLUMNS]>,
        test: impl Fn(usize, u32) -> bool,
    ) -> Matches {
        let ids: [Vec<u32>; COLUMNS] = std::array::from_fn(|c| match candidates {
            Some(prev) => prev[c].iter().copied().filter(|&id| test(c, id)).collect(),
            None => (1..sizes[c] as u32).filter(|&id| test(c, id)).collect(),
        });
        let masks = std::array::from_fn(|c| {
            let mut mask = vec![false; sizes[c]];
            for &id in &ids[c] {
                mask[id as usize] = true;
            }
            mask
        });
        Matches { pattern: pattern.to_string(), ids, masks, keys: None }
    }

    /// Marks the layout's combinations of ids that match.
    fn with_keys(mut self, layout: Arc<Layout>) -> Matches {
        if let Some(keys) = &layout.keys {
            let m = &self.masks;
            let mask = keys.combos.iter().map(|c| (0..COLUMNS).any(|k| m[k][c[k] as usize])).collect();
            self.keys = Some((layout, mask));
        }
        self
    }

    /// Every value of `store` tested, straight from its dictionaries.
    fn of(store: &Store, pattern: &str) -> Matches {
        let p = FuzzyPattern::new(pattern);
        Matches::compute(pattern, sizes(store), None, |c, id| test_in_store(store, &p, c, id))
    }

    fn len(&self) -> usize {
        self.ids.iter().map(Vec::len).sum()
    }

    /// The row scan's condition: a row passes when any of its four values matched (when its combination of
    /// values did).
    pub(super) fn condition<'a>(&'a self, store: &'a Store) -> Vec<(&'a [u32], &'a [bool])> {
        if let Some((layout, mask)) = &self.keys
            && let Some(keys) = &layout.keys
        {
            return vec![(&keys.column, mask)];
        }
        let [identity, object, agent] = DIMS.map(|d| store.column(d));
        let [m_identity, m_object, m_agent, m_uri] = &self.masks;
        vec![(&store.cols.request_uri, m_uri), (identity, m_identity), (object, m_object), (agent, m_agent)]
    }
}

/// What a cache's contents were computed from: a store is recognised by its address and sizes (the cache's
/// owner also clears it when it swaps stores).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    store: usize,
    rows: usize,
    sizes: [usize; COLUMNS],
}

impl Stamp {
    fn of(store: &Store) -> Stamp {
        Stamp { store: std::ptr::from_ref(store) as usize, rows: store.len(), sizes: sizes(store) }
    }
}

/// The matches of the last few patterns on one store, newest last, and the store's text laid out for matching.
/// Typing `secret` tests `s` against every value and each longer pattern against its predecessor's matches;
/// deleting a character finds the shorter pattern here.
#[derive(Default)]
pub struct FuzzyCache {
    stamp: Option<Stamp>,
    layout: Option<Arc<Layout>>,
    recent: Vec<Arc<Matches>>,
}

thread_local! {
    /// The cache [`FuzzyCache::scope`] lends to the selections made on this thread.
    static ACTIVE: RefCell<Option<FuzzyCache>> = const { RefCell::new(None) };
}

impl FuzzyCache {
    /// How many patterns' matches are kept.
    const KEEP: usize = 8;

    /// Runs `f` with this cache serving the fuzzy clauses of every selection `f` makes on this thread (the
    /// workbench's recount: the selection, and each pivot's own).
    pub fn scope<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let outer = ACTIVE.with(|a| a.replace(Some(std::mem::take(self))));
        let out = f();
        *self = ACTIVE.with(|a| a.replace(outer)).unwrap_or_default();
        out
    }

    /// The matches of `pattern` on `store`: from the cache lent by [`FuzzyCache::scope`] (taken out meanwhile,
    /// so nothing stays borrowed), or tested from scratch without one.
    pub(super) fn matches(store: &Store, pattern: &str) -> Arc<Matches> {
        match ACTIVE.with(|a| a.borrow_mut().take()) {
            Some(mut cache) => {
                let m = cache.get(store, pattern);
                ACTIVE.with(|a| *a.borrow_mut() = Some(cache));
                m
            }
            None => Arc::new(Matches::of(store, pattern)),
        }
    }

    /// Forgets everything if `store` is not the one the contents came from.
    fn check(&mut self, store: &Store) {
        let stamp = Stamp::of(store);
        if self.stamp != Some(stamp) {
            *self = FuzzyCache { stamp: Some(stamp), ..FuzzyCache::default() };
        }
    }

    /// Lays out `store`'s text for matching, ahead of the first pattern (when the prompt opens).
    pub fn prepare(&mut self, store: &Store) {
        self.check(store);
        if self.layout.is_none() {
            self.layout = Some(Arc::new(Layout::of(store)));
        }
    }

    /// The matches of `pattern` on `store`: remembered; or tested against the smallest remembered match set of
    /// a pattern it extends; or against every value.
    fn get(&mut self, store: &Store, pattern: &str) -> Arc<Matches> {
        self.prepare(store);
        let m = match self.recent.iter().position(|m| m.pattern == pattern) {
            Some(i) => self.recent.remove(i),
            None => {
                let base = self.recent.iter().filter(|m| narrows(&m.pattern, pattern)).min_by_key(|m| m.len());
                let (p, layout) = (FuzzyPattern::new(pattern), self.layout.clone().expect("prepared"));
                let test = |c, id| layout.test(&p, c, id);
                let t0 = std::time::Instant::now();
                let m = Matches::compute(pattern, sizes(store), base.map(|m| &m.ids), test);
                let t1 = t0.elapsed();
                let m = m.with_keys(layout.clone());
                eprintln!("TIMER match {pattern} {:?} keys {:?}", t1, t0.elapsed() - t1);
                Arc::new(m)
            }
        };
        self.recent.push(m.clone());
        if self.recent.len() > Self::KEEP {
            self.recent.remove(0);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_follows_subsequences() {
        assert!(narrows("", "abc"));
        assert!(narrows("ac", "abc"));
        assert!(narrows("abc", "abc"));
        assert!(!narrows("abcd", "abc"));
        assert!(!narrows("ca", "abc"));
        assert!(!narrows("A", "a"));
    }

    #[test]
    fn parts_match_like_their_concatenation() {
        for pattern in ["kv/s/n", "kvsn", "v/secrets/x", "//", "a", "é", "zz", ""] {
            let p = FuzzyPattern::new(pattern);
            let parts = ["kv-a", "/", "secrets", "/", "nameé"];
            assert_eq!(p.is_match_parts(&parts), p.is_match(&parts.concat()), "{pattern:?}");
        }
    }
}
