//! Tor exit lists (DETECTIONS.md §6.2), in either format, told apart by content:
//!
//! * the bulk list (`torbulkexitlist`): one address per line, `#` comments — no times, so an address is an exit
//!   at any time;
//! * TorDNSEL `exit-addresses`: `ExitNode` records with `ExitAddress <ip> <date> <time>` lines. The times say
//!   when each address was seen exiting, which is what an offline replay needs: KV-14 asks whether the caller
//!   was an exit *at event time*, within a day either side of what the list saw.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use super::error::{IntelError, Issues, Parsed};
use super::text;
use crate::event::Ticks;
use crate::event::ip;
use crate::event::time::TICKS_PER_SECOND;

/// How far outside the seen interval an exit-addresses entry still counts (KV-14: "valid at event time ±24 h").
pub const SLACK: Ticks = Ticks(24 * 3600 * TICKS_PER_SECOND);

/// The format of a Tor list file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TorFormat {
    Bulk,
    ExitAddresses,
}

/// The exits of one or more Tor list files.
#[derive(Clone, Debug, Default)]
pub struct TorExits {
    /// From bulk lists: exits at any time.
    always: HashSet<IpAddr>,
    /// From exit-addresses: first and last time each address was seen exiting.
    seen: HashMap<IpAddr, (Ticks, Ticks)>,
    /// The `Downloaded` time of exit-addresses files, latest.
    pub downloaded: Option<Ticks>,
}

impl TorExits {
    /// Parses either format, detected from the first line that is not blank or a comment.
    pub fn parse(text: &str, file: &str) -> (TorFormat, Parsed<TorExits>) {
        match detect(text) {
            TorFormat::Bulk => (TorFormat::Bulk, TorExits::parse_bulk(text, file)),
            TorFormat::ExitAddresses => (TorFormat::ExitAddresses, TorExits::parse_exit_addresses(text, file)),
        }
    }

    /// One address per line.
    pub fn parse_bulk(text: &str, file: &str) -> Parsed<TorExits> {
        let mut issues = Issues::default();
        let mut exits = TorExits::default();
        for (n, value) in text::value_lines(text) {
            match ip::parse(value) {
                Some(addr) => {
                    exits.always.insert(addr);
                }
                None => issues.push(IntelError::line(file, n, format_args!("`{value}` is not an IP address"))),
            }
        }
        let entries = exits.always.len();
        Parsed::new(exits, entries, issues)
    }

    /// TorDNSEL records. `ExitNode`, `Published` and `LastStatus` are read for their shape only; the
    /// `ExitAddress` lines carry what is kept.
    pub fn parse_exit_addresses(text: &str, file: &str) -> Parsed<TorExits> {
        let mut issues = Issues::default();
        let mut exits = TorExits::default();
        let mut addresses = 0;
        for (n, line) in text::content_lines(text) {
            let (keyword, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let rest = rest.trim();
            let bad = |reason: String| IntelError::line(file, n, reason);
            match keyword {
                "ExitAddress" => {
                    let Some((addr_text, when_text)) = rest.split_once(char::is_whitespace) else {
                        issues.push(bad(format!("`{line}`: expected `ExitAddress <ip> YYYY-MM-DD HH:MM:SS`")));
                        continue;
                    };
                    let Some(addr) = ip::parse(addr_text) else {
                        issues.push(bad(format!("`{addr_text}` is not an IP address")));
                        continue;
                    };
                    let Some(when) = parse_time(when_text) else {
                        issues.push(bad(format!("`{}` is not a time (YYYY-MM-DD HH:MM:SS)", when_text.trim())));
                        continue;
                    };
                    addresses += 1;
                    exits.see(addr, when, when);
                }
                "Downloaded" => match parse_time(rest) {
                    Some(t) => exits.downloaded = exits.downloaded.max(Some(t)),
                    None => issues.push(bad(format!("`{rest}` is not a time (YYYY-MM-DD HH:MM:SS)"))),
                },
                "Published" | "LastStatus" => {
                    if parse_time(rest).is_none() {
                        issues.push(bad(format!("`{rest}` is not a time (YYYY-MM-DD HH:MM:SS)")));
                    }
                }
                "ExitNode" => {
                    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
                        issues.push(bad(format!("`{rest}` is not a relay fingerprint")));
                    }
                }
                "@type" => {}
                _ => issues.push(bad(format!("unexpected line `{line}` in an exit-addresses file"))),
            }
        }
        Parsed::new(exits, addresses, issues)
    }

    fn see(&mut self, addr: IpAddr, first: Ticks, last: Ticks) {
        self.seen
            .entry(addr)
            .and_modify(|(f, l)| {
                *f = (*f).min(first);
                *l = (*l).max(last);
            })
            .or_insert((first, last));
    }

    /// True when `ip` is in a bulk list, or an exit-addresses list saw it within [`SLACK`] of `at`.
    pub fn is_exit(&self, ip: IpAddr, at: Ticks) -> bool {
        let ip = ip::canonical(ip);
        if self.always.contains(&ip) {
            return true;
        }
        self.seen.get(&ip).is_some_and(|&(first, last)| {
            first.0.saturating_sub(SLACK.0) <= at.0 && at.0 <= last.0.saturating_add(SLACK.0)
        })
    }

    /// True when any list names `ip`, at whatever time.
    pub fn ever_exit(&self, ip: IpAddr) -> bool {
        let ip = ip::canonical(ip);
        self.always.contains(&ip) || self.seen.contains_key(&ip)
    }

    /// When an exit-addresses list saw `ip` exiting: (first, last).
    pub fn seen(&self, ip: IpAddr) -> Option<(Ticks, Ticks)> {
        self.seen.get(&ip::canonical(ip)).copied()
    }

    /// Distinct addresses over all lists.
    pub fn len(&self) -> usize {
        self.always.len() + self.seen.keys().filter(|a| !self.always.contains(a)).count()
    }

    pub fn is_empty(&self) -> bool {
        self.always.is_empty() && self.seen.is_empty()
    }

    /// Adds the exits of another file.
    pub fn merge(&mut self, other: TorExits) {
        self.always.extend(other.always);
        for (addr, (first, last)) in other.seen {
            self.see(addr, first, last);
        }
        self.downloaded = self.downloaded.max(other.downloaded);
    }
}

/// `YYYY-MM-DD HH:MM:SS`, UTC.
fn parse_time(text: &str) -> Option<Ticks> {
    let t = text.trim();
    // Only the TorDNSEL shape; `parse_iso` alone would also take a bare date.
    (t.len() == 19).then(|| Ticks::parse_iso(t)).flatten()
}

fn detect(text: &str) -> TorFormat {
    let first = text::content_lines(text).next().map_or("", |(_, line)| line);
    let keyword = first.split_whitespace().next().unwrap_or("");
    match keyword {
        "@type" | "Downloaded" | "ExitNode" | "Published" | "LastStatus" | "ExitAddress" => TorFormat::ExitAddresses,
        _ => TorFormat::Bulk,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXIT_ADDRESSES: &str = "@type tordnsel 1.0
Downloaded 2026-10-05 12:02:01
ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E
Published 2026-10-04 18:33:20
LastStatus 2026-10-05 11:00:00
ExitAddress 198.51.100.7 2026-10-03 10:00:00
ExitAddress 198.51.100.7 2026-10-05 11:06:09
ExitNode 00CAF66CF1B8F1D9B4BDF3B2E0A3FF65D4E8B5A2
Published 2026-10-04 10:00:00
LastStatus 2026-10-05 11:00:00
ExitAddress 2001:db8::7 2026-10-04 11:00:00
ExitAddress 203.0.113.300 2026-10-04 11:00:00
ExitAddress 203.0.113.9 yesterday
";

    fn a(t: &str) -> IpAddr {
        t.parse().unwrap()
    }

    fn t(s: &str) -> Ticks {
        Ticks::parse_iso(s).unwrap()
    }

    #[test]
    fn exit_addresses_have_windows() {
        let (format, parsed) = TorExits::parse(EXIT_ADDRESSES, "exit-addresses");
        assert_eq!(format, TorFormat::ExitAddresses);
        assert_eq!(parsed.entries, 3);
        assert_eq!(parsed.bad, 2);
        assert_eq!(parsed.skipped[0].to_string(), "exit-addresses:12: `203.0.113.300` is not an IP address");
        assert!(parsed.skipped[1].to_string().starts_with("exit-addresses:13: `yesterday` is not a time"));
        let tor = parsed.value;
        let ip = a("198.51.100.7");
        assert_eq!(tor.seen(ip), Some((t("2026-10-03T10:00:00Z"), t("2026-10-05T11:06:09Z"))));
        assert!(tor.is_exit(ip, t("2026-10-02T10:00:00Z")), "24 h before the first sighting");
        assert!(!tor.is_exit(ip, t("2026-10-02T09:59:59Z")));
        assert!(tor.is_exit(ip, t("2026-10-04T00:00:00Z")));
        assert!(tor.is_exit(ip, t("2026-10-06T11:06:09Z")), "24 h after the last");
        assert!(!tor.is_exit(ip, t("2026-10-06T11:06:10Z")));
        assert!(tor.is_exit(a("::ffff:198.51.100.7"), t("2026-10-04T00:00:00Z")));
        assert!(tor.is_exit(a("2001:db8::7"), t("2026-10-04T00:00:00Z")));
        assert!(!tor.is_exit(a("198.51.100.8"), t("2026-10-04T00:00:00Z")));
        assert!(tor.ever_exit(ip) && !tor.ever_exit(a("1.1.1.1")));
        assert_eq!(tor.downloaded, Some(t("2026-10-05T12:02:01Z")));
        assert_eq!(tor.len(), 2);
    }

    #[test]
    fn bulk_list_is_always_valid() {
        let text = "# This is a list of all Tor exit nodes\n\n198.51.100.7\n203.0.113.5\nnope\n";
        let (format, parsed) = TorExits::parse(text, "torbulkexitlist");
        assert_eq!(format, TorFormat::Bulk);
        assert_eq!((parsed.entries, parsed.bad), (2, 1));
        assert_eq!(parsed.skipped[0].to_string(), "torbulkexitlist:5: `nope` is not an IP address");
        assert!(parsed.value.is_exit(a("203.0.113.5"), Ticks(0)));
        assert!(parsed.value.is_exit(a("203.0.113.5"), Ticks(i64::MAX)));
        assert!(parsed.value.is_exit(a("203.0.113.5"), Ticks(i64::MIN)));
        assert_eq!(parsed.value.seen(a("203.0.113.5")), None);
    }

    #[test]
    fn merged_lists() {
        let mut tor = TorExits::parse("198.51.100.1\n", "bulk").1.value;
        tor.merge(TorExits::parse(EXIT_ADDRESSES, "exit-addresses").1.value);
        assert!(tor.is_exit(a("198.51.100.1"), Ticks(0)));
        assert!(!tor.is_exit(a("198.51.100.7"), Ticks(0)));
        assert_eq!(tor.len(), 3);
        assert!(!tor.is_empty() && TorExits::default().is_empty());
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let text = "ExitAddress 192.0.2.1 9999-12-31 23:59:59\nExitAddress 192.0.2.2 0000-01-01 00:00:00\n";
        let tor = TorExits::parse(text, "x").1.value;
        assert!(tor.is_exit(a("192.0.2.1"), Ticks(i64::MAX)) || !tor.is_exit(a("192.0.2.1"), Ticks(0)));
        assert!(!tor.is_exit(a("192.0.2.2"), Ticks(i64::MAX)));
    }
}
