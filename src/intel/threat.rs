//! A threat-intelligence IP list supplied by the analyst (KV-16): one indicator per line,
//! `ip-or-cidr[,valid_from[,valid_until[,description]]]`, times in RFC 3339 and optional. An indicator counts only
//! while it is valid, because a replay of old logs against today's list must ask "was it bad *then*?".
//!
//! A header line is tolerated; a bad line is skipped and reported with its number, and the rest loads.

use std::net::IpAddr;

use super::error::{IntelError, Issues, Parsed};
use super::ipmap::IpMap;
use super::prefix::Prefix;
use super::text;
use crate::event::Ticks;

/// One line of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Indicator {
    pub prefix: Prefix,
    /// Inclusive; `None` is "always was".
    pub valid_from: Option<Ticks>,
    /// Inclusive; `None` is "still is".
    pub valid_until: Option<Ticks>,
    pub description: Box<str>,
    /// Where it came from, for the finding's evidence.
    pub file: Box<str>,
    pub line: usize,
}

impl Indicator {
    /// True when the indicator was valid at `at`.
    pub fn active_at(&self, at: Ticks) -> bool {
        self.valid_from.is_none_or(|from| from <= at) && self.valid_until.is_none_or(|until| at <= until)
    }
}

/// The indicators of one or more lists.
#[derive(Clone, Debug, Default)]
pub struct ThreatList {
    map: IpMap<Indicator>,
}

impl ThreatList {
    pub fn parse(text: &str, file: &str) -> Parsed<ThreatList> {
        let mut issues = Issues::default();
        let mut indicators = Vec::new();
        let mut first = true;
        for (n, line) in text::content_lines(text) {
            let header_allowed = std::mem::take(&mut first);
            match indicator(line, file, n) {
                Ok(i) => indicators.push((i.prefix, i)),
                Err(_) if header_allowed && looks_like_header(line) => {}
                Err(reason) => issues.push(IntelError::line(file, n, reason)),
            }
        }
        let entries = indicators.len();
        Parsed::new(ThreatList { map: IpMap::from_entries(indicators) }, entries, issues)
    }

    /// The most specific indicator covering `ip` that was valid at `at`.
    pub fn lookup(&self, ip: IpAddr, at: Ticks) -> Option<&Indicator> {
        self.map.lookup_all(ip).find(|i| i.active_at(at))
    }

    /// Every indicator covering `ip`, valid or not, most specific first.
    pub fn indicators_of(&self, ip: IpAddr) -> impl Iterator<Item = &Indicator> {
        self.map.lookup_all(ip)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Adds the indicators of another list.
    pub fn merge(&mut self, other: ThreatList) {
        let entries = std::mem::take(&mut self.map).into_entries().chain(other.map.into_entries());
        self.map = IpMap::from_entries(entries);
    }
}

fn indicator(line: &str, file: &str, n: usize) -> Result<Indicator, String> {
    let mut fields = line.splitn(4, ',');
    let prefix = Prefix::parse(text::unquote(fields.next().unwrap_or(""))).map_err(|e| e.to_string())?;
    let time = |name: &str, field: Option<&str>| -> Result<Option<Ticks>, String> {
        match field.map(text::unquote) {
            None | Some("") => Ok(None),
            Some(t) => Ticks::parse_iso(t).map(Some).ok_or_else(|| format!("{name} `{t}` is not an RFC 3339 time")),
        }
    };
    let valid_from = time("valid_from", fields.next())?;
    let valid_until = time("valid_until", fields.next())?;
    if let (Some(from), Some(until)) = (valid_from, valid_until)
        && until < from
    {
        return Err(format!("valid_until {until} is before valid_from {from}"));
    }
    let description = fields.next().map(unquote_csv).unwrap_or_default();
    Ok(Indicator { prefix, valid_from, valid_until, description: description.into(), file: file.into(), line: n })
}

/// A description field as CSV writes it: surrounding quotes removed and `""` unescaped.
fn unquote_csv(field: &str) -> String {
    let f = field.trim();
    match f.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => f.to_string(),
    }
}

/// `ip,valid_from,…`, `IPv4;…`, `"network"`: a first field that starts with a letter and has none of the
/// characters of an address or prefix.
fn looks_like_header(line: &str) -> bool {
    let first = text::first_field(line);
    first.starts_with(|c: char| c.is_ascii_alphabetic()) && !first.contains(['.', ':', '/'])
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "ip,valid_from,valid_until,description
# from the IR partner, 2026-10-04
198.51.100.0/24,2026-10-01T00:00:00Z,2026-10-03T00:00:00Z,\"Campaign \"\"Harbor\"\", C2, wave 1\"
198.51.100.77
203.0.113.5,,2026-10-02T12:00:00Z,phishing infra
203.0.113.6,2026-10-02T12:00:00+02:00
2001:db8:bad::/48,,,IPv6 block
999.1.1.1,,,bad address
203.0.113.7,yesterday
203.0.113.8,2026-10-05T00:00:00Z,2026-10-04T00:00:00Z
";

    fn a(t: &str) -> IpAddr {
        t.parse().unwrap()
    }

    fn t(s: &str) -> Ticks {
        Ticks::parse_iso(s).unwrap()
    }

    #[test]
    fn validity_at_event_time() {
        let parsed = ThreatList::parse(LIST, "ti-partner.csv");
        assert_eq!(parsed.entries, 5);
        let problems: Vec<String> = parsed.skipped.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "ti-partner.csv:8: `999.1.1.1` is not an IP address or CIDR prefix",
                "ti-partner.csv:9: valid_from `yesterday` is not an RFC 3339 time",
                "ti-partner.csv:10: valid_until 2026-10-04T00:00:00.0000000Z is before valid_from 2026-10-05T00:00:00.0000000Z",
            ]
        );
        let ti = parsed.value;
        let hit = ti.lookup(a("198.51.100.9"), t("2026-10-02T00:00:00Z")).unwrap();
        assert_eq!(&*hit.description, "Campaign \"Harbor\", C2, wave 1");
        assert_eq!((&*hit.file, hit.line), ("ti-partner.csv", 3));
        assert_eq!(ti.lookup(a("198.51.100.9"), t("2026-10-03T00:00:01Z")), None, "expired");
        assert_eq!(ti.lookup(a("198.51.100.9"), t("2026-09-30T23:59:59Z")), None, "not yet");
        // The host indicator has no window; the /24 behind it is checked too.
        assert_eq!(ti.lookup(a("198.51.100.77"), t("2020-01-01T00:00:00Z")).map(|i| i.line), Some(4));
        assert_eq!(ti.indicators_of(a("198.51.100.77")).count(), 2);
        assert!(ti.lookup(a("203.0.113.5"), t("2026-10-02T12:00:00Z")).is_some());
        assert!(ti.lookup(a("203.0.113.5"), t("2026-10-02T12:00:01Z")).is_none());
        assert!(ti.lookup(a("203.0.113.6"), t("2026-10-02T09:59:59Z")).is_none());
        assert!(ti.lookup(a("203.0.113.6"), t("2026-10-02T10:00:00Z")).is_some());
        assert!(ti.lookup(a("2001:db8:bad::1"), Ticks(0)).is_some());
        assert!(ti.lookup(a("::ffff:198.51.100.77"), Ticks(0)).is_some());
        assert!(ti.lookup(a("192.0.2.1"), Ticks(0)).is_none());
    }

    #[test]
    fn only_the_first_line_may_be_a_header() {
        let parsed = ThreatList::parse("IPv4 address\n192.0.2.1\nindicator\n", "threat.txt");
        assert_eq!((parsed.entries, parsed.bad), (1, 1));
        assert_eq!(parsed.skipped[0].line_number(), Some(3));
    }

    #[test]
    fn merge() {
        let mut ti = ThreatList::parse("192.0.2.1\n", "a").value;
        ti.merge(ThreatList::parse("192.0.2.0/24,,2000-01-01T00:00:00Z\n", "b").value);
        assert_eq!(ti.len(), 2);
        assert_eq!(ti.lookup(a("192.0.2.1"), Ticks(0)).map(|i| &*i.file), Some("a"));
        assert!(ti.lookup(a("192.0.2.2"), t("2026-01-01T00:00:00Z")).is_none());
    }
}
