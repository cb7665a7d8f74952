//! "Known ranges" files, which say where a caller address comes from when it is not Azure:
//!
//! * `egress.txt` — corporate egress and VNet ranges the analyst trusts, one prefix per line ([`IpSet::from_lines`]);
//! * `vps-networks.csv` — VPS provider prefixes in the shape of Sentinel's `VPS_Networks.csv`: a header, then the
//!   prefix in the first column (KV-15);
//! * `hosting-asns.txt` — hosting-provider ASNs, `AS1234` or `1234` per line (KV-15 with an ASN database).

use std::collections::HashSet;

use super::error::{IntelError, Issues, Parsed};
use super::ipset::IpSet;
use super::prefix::Prefix;
use super::text;

/// Prefixes from the first CSV column; a first line that is not a prefix is the header.
pub fn parse_vps_csv(text: &str, file: &str) -> Parsed<IpSet> {
    let mut issues = Issues::default();
    let mut prefixes = Vec::new();
    let mut first = true;
    for (n, line) in text::content_lines(text) {
        let header_allowed = std::mem::take(&mut first);
        let field = text::first_field(line);
        match Prefix::parse(field) {
            Ok(p) => prefixes.push(p),
            Err(_) if header_allowed && !field.starts_with(|c: char| c.is_ascii_digit()) && !field.contains(':') => {}
            Err(e) => issues.push(IntelError::line(file, n, e)),
        }
    }
    let entries = prefixes.len();
    Parsed::new(IpSet::from_prefixes(prefixes), entries, issues)
}

/// One ASN per line (`AS1234`, `as1234` or `1234`); anything after it (a comma, a space, `# comment`) is a
/// name and ignored, so two-column exports (ASN, organisation) load as they are.
pub fn parse_asns(text: &str, file: &str) -> Parsed<HashSet<u32>> {
    let mut issues = Issues::default();
    let mut asns = HashSet::new();
    let mut first = true;
    for (n, line) in text::value_lines(text) {
        let header_allowed = std::mem::take(&mut first);
        let token = text::unquote(line.split([',', ';', '\t', ' ']).next().unwrap_or(line));
        let digits = token.strip_prefix("AS").or_else(|| token.strip_prefix("as")).unwrap_or(token);
        match digits.parse::<u32>() {
            Ok(asn) if digits.bytes().all(|b| b.is_ascii_digit()) => {
                asns.insert(asn);
            }
            _ if header_allowed && token.eq_ignore_ascii_case("asn") => {}
            _ => issues.push(IntelError::line(file, n, format_args!("`{token}` is not an AS number"))),
        }
    }
    let entries = asns.len();
    Parsed::new(asns, entries, issues)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vps_csv() {
        let text =
            "\u{feff}\"network\",\"provider\"\n\"198.51.100.0/24\",\"ExampleHost\"\n203.0.113.0/25\n10.0.0.999/8\n";
        let parsed = parse_vps_csv(text, "vps-networks.csv");
        assert_eq!((parsed.entries, parsed.bad), (2, 1), "{:?}", parsed.skipped);
        assert_eq!(parsed.skipped[0].line_number(), Some(4));
        assert!(parsed.value.contains("198.51.100.200".parse().unwrap()));
        assert!(!parsed.value.contains("203.0.113.200".parse().unwrap()));
        // Without a header, the first line is data and a bad one is reported.
        let parsed = parse_vps_csv("1.2.3.4/33\n", "vps.csv");
        assert_eq!(parsed.bad, 1);
    }

    #[test]
    fn asns() {
        let text = "ASN,Organization\nAS16509 # Amazon\n14061,DigitalOcean\nas63949\n\"24940\"\nAS\n12x\n4294967296\n";
        let parsed = parse_asns(text, "hosting-asns.txt");
        let mut got: Vec<u32> = parsed.value.iter().copied().collect();
        got.sort_unstable();
        assert_eq!(got, [14061, 16509, 24940, 63949]);
        let lines: Vec<Option<usize>> = parsed.skipped.iter().map(IntelError::line_number).collect();
        assert_eq!(lines, [Some(6), Some(7), Some(8)]);
        assert_eq!(parsed.skipped[0].to_string(), "hosting-asns.txt:6: `AS` is not an AS number");
    }
}
