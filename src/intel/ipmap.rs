//! Labelled networks: which service tag an address is in, which threat indicators cover it.
//!
//! CIDR prefixes either nest or are disjoint, so one sweep over the prefixes sorted by start turns them into
//! disjoint segments, each knowing its innermost prefix; every prefix knows its enclosing one (its parent) and
//! the preferred label along its chain. A lookup is one binary search, and "all labels" walks the parents.

use std::cmp::Reverse;
use std::net::IpAddr;

use super::prefix::{Key, Point, Prefix, Range, point};

const NONE: u32 = u32::MAX;

/// Prefixes with a value each. Overlaps are allowed: [`lookup`](IpMap::lookup) gives the preferred one — by
/// rank, then the longest prefix, then the first inserted — and [`lookup_all`](IpMap::lookup_all) all of them.
#[derive(Clone, Debug)]
pub struct IpMap<T> {
    entries: Vec<Entry<T>>,
    v4: Segments<u32>,
    v6: Segments<u128>,
}

#[derive(Clone, Debug)]
struct Entry<T> {
    prefix: Prefix,
    value: T,
    rank: u32,
    /// The entry of the smallest enclosing prefix, or `NONE`.
    parent: u32,
    /// The preferred entry among this one and its ancestors.
    best: u32,
}

/// Disjoint segments: `starts[i]..starts[i + 1]` has innermost entry `inner[i]` (`NONE` for a gap).
#[derive(Clone, Debug, Default)]
struct Segments<K> {
    starts: Vec<K>,
    inner: Vec<u32>,
}

impl<T> Default for IpMap<T> {
    fn default() -> IpMap<T> {
        IpMap { entries: Vec::new(), v4: Segments::default(), v6: Segments::default() }
    }
}

impl<T> IpMap<T> {
    pub fn new() -> IpMap<T> {
        IpMap::default()
    }

    /// Longest-prefix match; of equal prefixes the first wins.
    pub fn from_entries(entries: impl IntoIterator<Item = (Prefix, T)>) -> IpMap<T> {
        IpMap::from_ranked(entries, |_| 0)
    }

    /// Entries with a lower `rank` win over any higher-ranked ones that also match, whatever their lengths;
    /// among equal ranks the longest prefix wins, then the first inserted.
    pub fn from_ranked(entries: impl IntoIterator<Item = (Prefix, T)>, rank: impl Fn(&T) -> u32) -> IpMap<T> {
        let entries: Vec<Entry<T>> = entries
            .into_iter()
            .map(|(prefix, value)| Entry { prefix, rank: rank(&value), value, parent: NONE, best: NONE })
            .collect();
        IpMap::build(entries)
    }

    fn build(mut entries: Vec<Entry<T>>) -> IpMap<T> {
        // More than u32::MAX - 1 entries cannot be indexed; such a list is not reference data anyway.
        entries.truncate(NONE as usize - 1);
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            match e.prefix.range() {
                Range::V4(s, end) => v4.push((s, Reverse(end), i as u32)),
                Range::V6(s, end) => v6.push((s, Reverse(end), i as u32)),
            }
        }
        let v4 = sweep(v4, &mut entries);
        let v6 = sweep(v6, &mut entries);
        IpMap { entries, v4, v6 }
    }

    /// The preferred value of the prefixes containing `ip`.
    pub fn lookup(&self, ip: IpAddr) -> Option<&T> {
        let inner = self.inner(ip)?;
        let best = self.entries.get(inner as usize)?.best;
        self.entries.get(best as usize).map(|e| &e.value)
    }

    /// The matching prefix and value, preferred one.
    pub fn lookup_prefix(&self, ip: IpAddr) -> Option<(Prefix, &T)> {
        let inner = self.inner(ip)?;
        let best = self.entries.get(inner as usize)?.best;
        self.entries.get(best as usize).map(|e| (e.prefix, &e.value))
    }

    /// Every value whose prefix contains `ip`, innermost first.
    pub fn lookup_all(&self, ip: IpAddr) -> impl Iterator<Item = &T> {
        let mut next = self.inner(ip).unwrap_or(NONE);
        std::iter::from_fn(move || {
            let e = self.entries.get(next as usize)?;
            next = e.parent;
            Some(&e.value)
        })
    }

    /// All entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (Prefix, &T)> {
        self.entries.iter().map(|e| (e.prefix, &e.value))
    }

    /// The entries in insertion order, to merge maps and rebuild.
    pub fn into_entries(self) -> impl Iterator<Item = (Prefix, T)> {
        self.entries.into_iter().map(|e| (e.prefix, e.value))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn inner(&self, ip: IpAddr) -> Option<u32> {
        let inner = match point(ip) {
            Point::V4(x) => self.v4.find(x),
            Point::V6(x) => self.v6.find(x),
        };
        (inner != NONE).then_some(inner)
    }
}

impl<K: Key> Segments<K> {
    fn push(&mut self, start: K, inner: u32) {
        if self.inner.last() != Some(&inner) {
            self.starts.push(start);
            self.inner.push(inner);
        }
    }

    fn find(&self, x: K) -> u32 {
        let i = self.starts.partition_point(|&s| s <= x);
        if i == 0 { NONE } else { self.inner[i - 1] }
    }
}

/// True when entry `a` is preferred over entry `b`.
fn better<T>(entries: &[Entry<T>], a: u32, b: u32) -> bool {
    let key = |i: u32| {
        let e = &entries[i as usize];
        (e.rank, Reverse(e.prefix.prefix_len()), i)
    };
    key(a) < key(b)
}

/// Builds the segments of one family and fills in `parent` and `best`. `items` are (start, end, entry).
fn sweep<K: Key, T>(mut items: Vec<(K, Reverse<K>, u32)>, entries: &mut [Entry<T>]) -> Segments<K> {
    // Outer prefixes before the ones they contain; equal prefixes in insertion order.
    items.sort_unstable();
    let mut seg = Segments::default();
    // Open prefixes, outermost first: (end, entry).
    let mut stack: Vec<(K, u32)> = Vec::new();
    // The first address not yet assigned to a segment; `None` once the end of the family is reached.
    let mut cursor = Some(K::default());
    for (start, Reverse(end), idx) in items {
        while let Some(&(top_end, top)) = stack.last() {
            if top_end >= start {
                break;
            }
            stack.pop();
            if let Some(c) = cursor.filter(|&c| c <= top_end) {
                seg.push(c, top);
            }
            cursor = top_end.succ();
        }
        if let Some(c) = cursor.filter(|&c| c < start) {
            seg.push(c, stack.last().map_or(NONE, |t| t.1));
        }
        cursor = Some(start);
        let parent = stack.last().map_or(NONE, |t| t.1);
        let best = match parent {
            NONE => idx,
            p => {
                let inherited = entries[p as usize].best;
                if better(entries, idx, inherited) { idx } else { inherited }
            }
        };
        entries[idx as usize].parent = parent;
        entries[idx as usize].best = best;
        stack.push((end, idx));
    }
    while let Some((top_end, top)) = stack.pop() {
        if let Some(c) = cursor.filter(|&c| c <= top_end) {
            seg.push(c, top);
        }
        cursor = top_end.succ();
    }
    if let Some(c) = cursor {
        seg.push(c, NONE);
    }
    seg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> Prefix {
        Prefix::parse(t).unwrap()
    }

    fn a(t: &str) -> IpAddr {
        t.parse().unwrap()
    }

    fn map(items: &[(&str, &'static str)]) -> IpMap<&'static str> {
        IpMap::from_entries(items.iter().map(|&(t, v)| (p(t), v)))
    }

    #[test]
    fn longest_match() {
        let m = map(&[
            ("10.0.0.0/8", "ten"),
            ("10.1.0.0/16", "ten-one"),
            ("10.1.2.0/24", "ten-one-two"),
            ("10.1.2.3", "host"),
            ("10.2.0.0/16", "ten-two"),
            ("2001:db8::/32", "doc6"),
        ]);
        let cases = [
            ("10.0.0.0", Some("ten")),
            ("10.1.0.0", Some("ten-one")),
            ("10.1.2.2", Some("ten-one-two")),
            ("10.1.2.3", Some("host")),
            ("10.1.2.4", Some("ten-one-two")),
            ("10.1.3.0", Some("ten-one")),
            ("10.2.255.255", Some("ten-two")),
            ("10.3.0.0", Some("ten")),
            ("10.255.255.255", Some("ten")),
            ("11.0.0.0", None),
            ("9.255.255.255", None),
            ("2001:db8::1", Some("doc6")),
            ("::ffff:10.1.2.3", Some("host")),
            ("2001:db9::", None),
        ];
        for (ip, want) in cases {
            assert_eq!(m.lookup(a(ip)).copied(), want, "{ip}");
        }
        assert_eq!(m.lookup_all(a("10.1.2.3")).copied().collect::<Vec<_>>(), ["host", "ten-one-two", "ten-one", "ten"]);
        assert_eq!(m.lookup_all(a("11.0.0.0")).count(), 0);
        assert_eq!(m.lookup_prefix(a("10.1.9.9")).map(|(p, _)| p.to_string()), Some("10.1.0.0/16".into()));
    }

    #[test]
    fn rank_beats_length_and_first_beats_duplicate() {
        let entries = [("0.0.0.0/0", 2), ("10.0.0.0/8", 1), ("10.1.0.0/16", 3), ("10.1.0.0/16", 3), ("10.1.1.0/24", 1)];
        let m = IpMap::from_ranked(entries.iter().enumerate().map(|(i, &(t, r))| (p(t), (i, r))), |v| v.1);
        assert_eq!(m.lookup(a("10.1.0.1")).map(|v| v.0), Some(1), "the /8 of rank 1 beats the /16s of rank 3");
        assert_eq!(m.lookup(a("10.1.1.1")).map(|v| v.0), Some(4), "rank 1 and longer");
        assert_eq!(m.lookup(a("11.0.0.0")).map(|v| v.0), Some(0));
        assert_eq!(m.lookup_all(a("10.1.0.1")).map(|v| v.0).collect::<Vec<_>>(), [3, 2, 1, 0]);
        let dup = map(&[("192.0.2.0/24", "first"), ("192.0.2.0/24", "second")]);
        assert_eq!(dup.lookup(a("192.0.2.1")), Some(&"first"));
        assert_eq!(dup.lookup_all(a("192.0.2.1")).count(), 2);
    }

    #[test]
    fn whole_space_and_edges() {
        let m = map(&[("0.0.0.0/0", "all"), ("255.255.255.255", "last"), ("0.0.0.0", "first"), ("::/0", "all6")]);
        assert_eq!(m.lookup(a("0.0.0.0")), Some(&"first"));
        assert_eq!(m.lookup(a("0.0.0.1")), Some(&"all"));
        assert_eq!(m.lookup(a("255.255.255.254")), Some(&"all"));
        assert_eq!(m.lookup(a("255.255.255.255")), Some(&"last"));
        assert_eq!(m.lookup(a("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), Some(&"all6"));
        assert!(IpMap::<u8>::new().lookup(a("1.2.3.4")).is_none());
    }

    /// Against a brute-force scan, on nested and overlapping random prefixes.
    #[test]
    fn agrees_with_brute_force() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut entries = Vec::new();
        for i in 0..300u32 {
            let addr = u32::from_be_bytes([10, (next() % 4) as u8, (next() % 8) as u8, next() as u8]);
            let len = 8 + (next() % 25) as u8;
            let prefix = Prefix::new(IpAddr::V4(addr.into()), len).unwrap();
            entries.push((prefix, (i, (next() % 3) as u32)));
        }
        let m = IpMap::from_ranked(entries.clone(), |v| v.1);
        for _ in 0..5000 {
            let ip = IpAddr::V4(u32::from_be_bytes([10, (next() % 5) as u8, (next() % 9) as u8, next() as u8]).into());
            let want = entries
                .iter()
                .filter(|(p, _)| p.contains(ip))
                .min_by_key(|(p, v)| (v.1, Reverse(p.prefix_len()), v.0))
                .map(|(_, v)| v.0);
            assert_eq!(m.lookup(ip).map(|v| v.0), want, "{ip}");
            let mut all: Vec<u32> = m.lookup_all(ip).map(|v| v.0).collect();
            let mut brute: Vec<u32> = entries.iter().filter(|(p, _)| p.contains(ip)).map(|(_, v)| v.0).collect();
            all.sort_unstable();
            brute.sort_unstable();
            assert_eq!(all, brute, "{ip}");
        }
        assert_eq!(m.into_entries().map(|(_, v)| v.0).collect::<Vec<_>>(), (0..300).collect::<Vec<_>>());
    }
}
