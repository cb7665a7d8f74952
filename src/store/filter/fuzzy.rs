//! The fuzzy filter at a million rows. A pattern is compiled once into byte needles and tested against every
//! distinct value of the text columns (identities, objects, user agents and request URIs are interned), never
//! per row; rows then pass on one lookup of their combination of those four values. Matching is monotone — a
//! value that matches `secret` also matches `secre` and `scrt` — so a [`FuzzyCache`] remembers the last
//! patterns' matches: a pattern that grew tests only the values its predecessor matched, and when it grew at the
//! end (the analyst typed one more character) each test resumes where the predecessor's match ended.

use std::cell::RefCell;
use std::sync::Arc;

use memchr::{memchr, memchr2, memmem};

use crate::store::{Dim, Store};

/// One pattern character, as the bytes that stand for it in UTF-8 text.
#[derive(Clone, Debug, PartialEq, Eq)]
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
struct FuzzyPattern {
    needles: Vec<Needle>,
}

impl FuzzyPattern {
    fn new(pattern: &str) -> FuzzyPattern {
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

    /// Reads `text` for needles `k..`, taking the leftmost occurrence of each (which is optimal for a
    /// subsequence test): how many needles are matched then, and where in `text` the last one ended.
    fn advance(&self, text: &[u8], mut k: usize) -> (usize, usize) {
        let mut at = 0;
        while let Some(needle) = self.needles.get(k) {
            let hay = &text[at..];
            let end = match needle {
                Needle::Byte(b) => memchr(*b, hay).map(|i| i + 1),
                Needle::Either(a, b) => memchr2(*a, *b, hay).map(|i| i + 1),
                Needle::Char(bytes) => memmem::find(hay, bytes).map(|i| i + bytes.len()),
            };
            let Some(end) = end else { break };
            at += end;
            k += 1;
        }
        (k, at)
    }

    fn is_match(&self, text: &str) -> bool {
        self.advance(text.as_bytes(), 0).0 == self.needles.len()
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

/// Ids per text column, including the reserved 0.
fn sizes(store: &Store) -> [usize; COLUMNS] {
    let d = &store.dicts;
    [d.identities.len(), d.objects.len(), d.user_agents.len(), d.uris.len()]
}

/// A store's text columns laid out for fuzzy filtering.
struct Layout {
    /// Each column's values back to back (an identity by its label, an object as `vault/collection/name`), with
    /// where each id starts: a dictionary value is a heap allocation of its own, so testing tens of thousands of
    /// them would be a cache miss each; here it is a stream through memory. Id 0 ("absent") is empty.
    columns: [(Vec<u8>, Vec<usize>); COLUMNS],
    /// The distinct combinations of a row's four ids, and each row's combination.
    keys: Option<Keys>,
}

struct Keys {
    combos: Vec<[u32; COLUMNS]>,
    column: Vec<u32>,
}

impl Keys {
    /// `None` when there are more than `limit` combinations.
    fn of(store: &Store, limit: usize) -> Option<Keys> {
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
            if combos.len() > limit {
                return None;
            }
            column.push(id);
        }
        Some(Keys { combos, column })
    }
}

impl Layout {
    /// The text only: for one selection, where building the row combinations would not pay.
    fn text(store: &Store) -> Layout {
        let (d, sizes) = (&store.dicts, sizes(store));
        let columns = std::array::from_fn(|c| {
            let mut text = Vec::new();
            let mut starts = Vec::with_capacity(sizes[c] + 1);
            starts.push(0);
            for id in 0..sizes[c] as u32 {
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
        Layout { columns, keys: None }
    }

    /// The text and the row combinations, unless there are so many (nearly one per row) that four lookups per
    /// row are cheaper than one per combination and one per row (a million generated events have 80,000).
    fn of(store: &Store) -> Layout {
        Layout { keys: Keys::of(store, store.len() / 4 + 64), ..Layout::text(store) }
    }

    /// Ids per column, including the reserved 0.
    fn size(&self, column: usize) -> usize {
        self.columns[column].1.len() - 1
    }

    /// Where in value `id` of `column` needles `k..` of `p` finish matching, reading from byte `from`.
    fn find(&self, p: &FuzzyPattern, column: usize, id: u32, from: u32, k: usize) -> Option<u32> {
        let (text, starts) = &self.columns[column];
        let value = &text[starts[id as usize] + from as usize..starts[id as usize + 1]];
        let (matched, end) = p.advance(value, k);
        (matched == p.needles.len()).then_some(from + end as u32)
    }
}

/// Which values of each text column a pattern matches — as (id, where its match ended) lists, what a longer
/// pattern re-tests, and as yes/no tables by id — and which row combinations of values do, what the row scan
/// reads.
pub struct Matches {
    pattern: String,
    needles: Vec<Needle>,
    found: [Vec<(u32, u32)>; COLUMNS],
    masks: [Vec<bool>; COLUMNS],
    layout: Arc<Layout>,
    combos: Vec<bool>,
}

impl Matches {
    /// Tests the values `base` matched (every value when `None`; `base`'s pattern must narrow this one).
    fn compute(layout: Arc<Layout>, pattern: &str, base: Option<&Matches>) -> Matches {
        let p = FuzzyPattern::new(pattern);
        // Grown at the end with the same case rule: the old needles matched where they did, so only the new
        // ones are looked for, after that.
        let resume = base.filter(|b| p.needles.starts_with(&b.needles)).map_or(0, |b| b.needles.len());
        let found: [Vec<(u32, u32)>; COLUMNS] = std::array::from_fn(|c| {
            let test = |&(id, end): &(u32, u32)| {
                let from = if resume > 0 { end } else { 0 };
                layout.find(&p, c, id, from, resume).map(|end| (id, end))
            };
            match base {
                Some(b) => b.found[c].iter().filter_map(test).collect(),
                // Id 0 is "absent" in every dictionary: it never matches.
                None => (1..layout.size(c) as u32).map(|id| (id, 0)).filter_map(|f| test(&f)).collect(),
            }
        });
        let masks: [Vec<bool>; COLUMNS] = std::array::from_fn(|c| {
            let mut mask = vec![false; layout.size(c)];
            for &(id, _) in &found[c] {
                mask[id as usize] = true;
            }
            mask
        });
        let combos = match &layout.keys {
            Some(keys) => keys.combos.iter().map(|k| (0..COLUMNS).any(|c| masks[c][k[c] as usize])).collect(),
            None => Vec::new(),
        };
        Matches { pattern: pattern.to_string(), needles: p.needles, found, masks, layout, combos }
    }

    fn len(&self) -> usize {
        self.found.iter().map(Vec::len).sum()
    }

    /// The row scan's condition: a row passes when any of its four values matched — when its combination of
    /// values did, in one lookup.
    pub(super) fn condition<'a>(&'a self, store: &'a Store) -> Vec<(&'a [u32], &'a [bool])> {
        if let Some(keys) = &self.layout.keys {
            return vec![(&keys.column, &self.combos)];
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

/// The store's text laid out for matching, and the matches of the last few patterns on it, newest last.
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
        /// Takes the cache back (and restores an enclosing scope's) however `f` ends.
        struct Lent<'a> {
            owner: &'a mut FuzzyCache,
            outer: Option<FuzzyCache>,
        }
        impl Drop for Lent<'_> {
            fn drop(&mut self) {
                *self.owner = ACTIVE.with(|a| a.replace(self.outer.take())).unwrap_or_default();
            }
        }
        let outer = ACTIVE.with(|a| a.replace(Some(std::mem::take(self))));
        let _lent = Lent { owner: self, outer };
        f()
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
            None => Arc::new(Matches::compute(Arc::new(Layout::text(store)), pattern, None)),
        }
    }

    /// Lays out `store`'s text for matching, ahead of the first pattern (when the prompt opens).
    pub fn prepare(&mut self, store: &Store) {
        self.layout(store);
    }

    /// `store`'s text laid out, forgetting everything computed on another store.
    fn layout(&mut self, store: &Store) -> Arc<Layout> {
        let stamp = Stamp::of(store);
        if self.stamp != Some(stamp) {
            *self = FuzzyCache { stamp: Some(stamp), ..FuzzyCache::default() };
        }
        self.layout.get_or_insert_with(|| Arc::new(Layout::of(store))).clone()
    }

    /// The matches of `pattern` on `store`: remembered; or tested against the smallest remembered match set of
    /// a pattern that narrows it; or against every value.
    fn get(&mut self, store: &Store, pattern: &str) -> Arc<Matches> {
        let layout = self.layout(store);
        let m = match self.recent.iter().position(|m| m.pattern == pattern) {
            Some(i) => self.recent.remove(i),
            None => {
                let base = self.recent.iter().filter(|m| narrows(&m.pattern, pattern)).min_by_key(|m| m.len());
                Arc::new(Matches::compute(layout, pattern, base.map(|b| &**b)))
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

    /// A row's combination of values matches exactly when one of its values does.
    #[test]
    fn one_lookup_per_row_agrees_with_four() {
        let (store, _) = crate::store::load::load(
            crate::demo::sources().expect("demo"),
            Vec::new(),
            &crate::store::load::Progress::default(),
        );
        let combined = Arc::new(Layout { keys: Keys::of(&store, usize::MAX), ..Layout::text(&store) });
        let separate = Arc::new(Layout::text(&store));
        assert!(combined.keys.as_ref().is_some_and(|k| k.column.len() == store.len()));
        for pattern in ["s", "brkglss", "zoe", "azcli", "Mozilla", "é", "", "zzzz"] {
            let one = Matches::compute(combined.clone(), pattern, None);
            let four = Matches::compute(separate.clone(), pattern, None);
            assert_eq!(one.condition(&store).len(), 1);
            assert_eq!(four.condition(&store).len(), 4);
            let rows = |m: &Matches| super::super::scan(0..store.len(), &[m.condition(&store)]);
            assert_eq!(rows(&one), rows(&four), "{pattern:?}");
        }
    }

    #[test]
    fn a_match_resumes_where_it_ended() {
        let text = b"https://x/secrets";
        let p = FuzzyPattern::new("sec");
        assert_eq!(p.advance(text, 0), (3, 13));
        // `se` ends at 12; `c` resumed from there ends where `sec` did.
        assert_eq!(FuzzyPattern::new("se").advance(text, 0), (2, 12));
        assert_eq!(p.advance(&text[12..], 2), (3, 1));
        assert_eq!(p.advance(b"ss", 0), (1, 1));
        assert_eq!(FuzzyPattern::new("é").advance("aéb".as_bytes(), 0), (1, 3));
    }
}
