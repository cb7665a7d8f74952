//! Sets of networks: the analyst's egress ranges, VPS provider ranges, and the fixed "internal / VNet" ranges.
//!
//! A set is two sorted vectors of disjoint, non-adjacent inclusive ranges (`u32` for IPv4, `u128` for IPv6):
//! overlapping and touching prefixes are merged when the set is built, so a lookup is one binary search
//! however the file was written.

use std::net::IpAddr;

use super::error::{IntelError, Issues, Parsed};
use super::prefix::{Key, Point, Prefix, Range, point};
use super::text;
use crate::event::ip;

/// A set of IPv4 and IPv6 prefixes; [`contains`](IpSet::contains) is O(log n).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IpSet {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

impl IpSet {
    pub fn new() -> IpSet {
        IpSet::default()
    }

    /// Builds a set in one sort: the way to load a list (inserting one by one into a large set moves memory).
    pub fn from_prefixes(prefixes: impl IntoIterator<Item = Prefix>) -> IpSet {
        let mut set = IpSet::new();
        set.extend(prefixes);
        set
    }

    /// Adds one prefix, merging it with the ranges it overlaps or touches.
    pub fn insert(&mut self, prefix: Prefix) {
        match prefix.range() {
            Range::V4(s, e) => insert_range(&mut self.v4, s, e),
            Range::V6(s, e) => insert_range(&mut self.v6, s, e),
        }
    }

    /// Adds every prefix of `other`.
    pub fn union(&mut self, other: &IpSet) {
        self.v4.extend_from_slice(&other.v4);
        self.v6.extend_from_slice(&other.v6);
        normalize(&mut self.v4);
        normalize(&mut self.v6);
    }

    /// True when `ip` (IPv4-mapped IPv6 counts as IPv4) is in the set.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match point(ip) {
            Point::V4(x) => contains(&self.v4, x),
            Point::V6(x) => contains(&self.v6, x),
        }
    }

    /// The number of merged ranges (adjacent prefixes count once).
    pub fn ranges(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// One prefix or address per line (`egress.txt`); `#` comments, blank lines. A bad line is skipped and
    /// reported with `file:line`.
    pub fn from_lines(text: &str, file: &str) -> Parsed<IpSet> {
        let mut issues = Issues::default();
        let mut prefixes = Vec::new();
        for (n, value) in text::value_lines(text) {
            match Prefix::parse(value) {
                Ok(p) => prefixes.push(p),
                Err(e) => issues.push(IntelError::line(file, n, e)),
            }
        }
        let entries = prefixes.len();
        Parsed::new(IpSet::from_prefixes(prefixes), entries, issues)
    }
}

impl Extend<Prefix> for IpSet {
    fn extend<I: IntoIterator<Item = Prefix>>(&mut self, prefixes: I) {
        for p in prefixes {
            match p.range() {
                Range::V4(s, e) => self.v4.push((s, e)),
                Range::V6(s, e) => self.v6.push((s, e)),
            }
        }
        normalize(&mut self.v4);
        normalize(&mut self.v6);
    }
}

impl FromIterator<Prefix> for IpSet {
    fn from_iter<I: IntoIterator<Item = Prefix>>(prefixes: I) -> IpSet {
        IpSet::from_prefixes(prefixes)
    }
}

/// True when `a` and `b` (with `a` starting first) overlap or touch.
fn joins<K: Key>(a_end: K, b_start: K) -> bool {
    a_end.succ().is_none_or(|next| b_start <= next)
}

fn normalize<K: Key>(ranges: &mut Vec<(K, K)>) {
    ranges.sort_unstable();
    let mut out: Vec<(K, K)> = Vec::with_capacity(ranges.len());
    for &(s, e) in ranges.iter() {
        match out.last_mut() {
            Some(last) if joins(last.1, s) => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    *ranges = out;
}

fn insert_range<K: Key>(ranges: &mut Vec<(K, K)>, s: K, e: K) {
    // Ranges before `first` end too early to touch; ranges from `last` on start too late.
    let first = ranges.partition_point(|r| !joins(r.1, s));
    let last = ranges.partition_point(|r| joins(e, r.0));
    let last = last.max(first);
    let merged = match ranges[first..last] {
        [] => (s, e),
        [a, ..] => (a.0.min(s), ranges[last - 1].1.max(e)),
    };
    ranges.splice(first..last, [merged]);
}

fn contains<K: Key>(ranges: &[(K, K)], x: K) -> bool {
    let i = ranges.partition_point(|r| r.0 <= x);
    i > 0 && ranges[i - 1].1 >= x
}

/// Private, shared, link-local and loopback addresses: what DETECTIONS.md §6.1 calls "internal / VNet".
/// Private-endpoint traffic reaches Key Vault from such addresses, so they are never "outside Azure".
pub fn is_internal(addr: IpAddr) -> bool {
    match ip::canonical(addr) {
        IpAddr::V4(a) => {
            let [o1, o2, ..] = a.octets();
            a.is_private()                                  // 10/8, 172.16/12, 192.168/16
                || (o1 == 100 && (64..128).contains(&o2))   // 100.64/10, carrier-grade NAT
                || a.is_link_local()                        // 169.254/16
                || a.is_loopback() // 127/8
        }
        IpAddr::V6(a) => {
            let first = a.segments()[0];
            a.is_loopback()
                || (first & 0xfe00) == 0xfc00   // fc00::/7, unique local
                || (first & 0xffc0) == 0xfe80 // fe80::/10, link-local
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(t: &str) -> IpAddr {
        t.parse().unwrap()
    }

    fn set(prefixes: &[&str]) -> IpSet {
        prefixes.iter().map(|t| Prefix::parse(t).unwrap()).collect()
    }

    #[test]
    fn merges_and_looks_up() {
        let s = set(&["10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "192.0.2.7", "2001:db8::/32", "::ffff:8.8.8.8"]);
        assert_eq!(s.ranges(), 4, "{s:?}");
        for yes in ["10.0.0.0", "10.0.1.255", "192.0.2.7", "2001:db8::1", "8.8.8.8", "::ffff:10.0.0.5"] {
            assert!(s.contains(a(yes)), "{yes}");
        }
        for no in ["9.255.255.255", "10.0.2.0", "192.0.2.6", "192.0.2.8", "2001:db9::", "::", "255.255.255.255"] {
            assert!(!s.contains(a(no)), "{no}");
        }
    }

    #[test]
    fn extremes() {
        let s = set(&["0.0.0.0/0"]);
        assert!(s.contains(a("0.0.0.0")) && s.contains(a("255.255.255.255")) && !s.contains(a("::")));
        let s = set(&["255.255.255.255", "::/0", "0.0.0.0"]);
        assert!(s.contains(a("255.255.255.255")) && s.contains(a("0.0.0.0")) && !s.contains(a("1.0.0.0")));
        assert!(s.contains(a("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
        assert!(IpSet::new().is_empty() && !IpSet::new().contains(a("1.1.1.1")));
    }

    /// One-by-one insertion gives the same ranges as the bulk build, whatever the order.
    #[test]
    fn insert_agrees_with_bulk() {
        let texts = [
            "10.0.0.0/24",
            "10.0.2.0/24",
            "10.0.1.0/24",
            "10.0.0.0/8",
            "11.0.0.0/8",
            "9.255.255.255",
            "12.0.0.1",
            "12.0.0.3",
            "12.0.0.2",
            "0.0.0.0",
            "255.255.255.255",
            "255.255.255.254/31",
            "1.1.1.1",
            "1.1.1.0/30",
        ];
        let bulk = set(&texts);
        for rotation in 0..texts.len() {
            let mut one = IpSet::new();
            for t in texts.iter().cycle().skip(rotation).take(texts.len()) {
                one.insert(Prefix::parse(t).unwrap());
            }
            assert_eq!(one, bulk, "rotation {rotation}");
            let mut reversed = IpSet::new();
            for t in texts.iter().rev().cycle().skip(rotation).take(texts.len()) {
                reversed.insert(Prefix::parse(t).unwrap());
            }
            assert_eq!(reversed, bulk, "reversed rotation {rotation}");
        }
        // 0.0.0.0, 1.1.1.0/30, 9.255.255.255–11.255.255.255, 12.0.0.1–12.0.0.3, 255.255.255.254/31
        assert_eq!(bulk.ranges(), 5, "{bulk:?}");
    }

    #[test]
    fn lines_with_comments_and_errors() {
        let parsed = IpSet::from_lines(
            "# corporate egress\n203.0.113.0/24 # Amsterdam\n\nnot-an-ip\n2001:db8::/48\n",
            "egress.txt",
        );
        assert_eq!(parsed.entries, 2);
        assert_eq!(parsed.bad, 1);
        assert_eq!(parsed.skipped[0].to_string(), "egress.txt:4: `not-an-ip` is not an IP address or CIDR prefix");
        assert!(parsed.value.contains(a("203.0.113.9")) && parsed.value.contains(a("2001:db8::5")));
    }

    #[test]
    fn union() {
        let mut s = set(&["10.0.0.0/24"]);
        s.union(&set(&["10.0.1.0/24", "2001:db8::/32"]));
        assert_eq!(s, set(&["10.0.0.0/23", "2001:db8::/32"]));
    }

    #[test]
    fn internal_ranges() {
        for yes in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "127.0.0.1",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal(a(yes)), "{yes}");
        }
        for no in ["172.32.0.1", "100.128.0.1", "100.63.255.255", "8.8.8.8", "2001:db8::1", "fec0::1", "::ffff:8.8.8.8"]
        {
            assert!(!is_internal(a(no)), "{no}");
        }
    }
}
