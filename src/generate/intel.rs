//! Reference files shipped with the demo: a Tor bulk exit list and an Azure service-tags file in the real
//! `ServiceTags_Public_YYYYMMDD.json` shape (DETECTIONS.md §6.1–§6.2), and the sensitive-object watchlist. The
//! service-tag prefixes are the generator's fixed Azure ranges, so every workload address of every generated
//! dataset is covered.
//!
//! The other intel formats `crate::intel` reads — TorDNSEL `exit-addresses`, a threat-intel list, a watchlist, an
//! allow-list — have writers here too, pure functions returning text, so tests build their fixtures from data.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::network::{AZURE_REGIONS, ip_text};
use super::time::{Ticks, iso_seconds};
use super::write::json::Node;

pub const SERVICE_TAGS_FILE: &str = "ServiceTags_Public_20261005.json";
pub const TOR_FILE: &str = "tor-exit-nodes.txt";
pub const WATCHLIST_FILE: &str = "watchlist.txt";

/// The demo's watchlist: the break-glass secrets.
pub fn demo_watchlist() -> String {
    watchlist(
        &[
            "kvtrail sensitive-object watchlist: a read of any object matching a line here is reported on its own.",
            "One pattern per line: [vault/]kind/name, kind being secrets, keys, certificates or *, or a bare name",
            "for any kind; * and ? are wildcards and case is ignored.",
            "Break-glass credentials exist for emergencies only: every read of one needs an explanation.",
        ],
        &["secrets/breakglass-*"],
    )
}

/// A watchlist file: `#` comment lines, then one pattern per line.
pub fn watchlist(comments: &[&str], patterns: &[&str]) -> String {
    let mut out = String::new();
    for c in comments {
        let _ = writeln!(out, "# {c}");
    }
    for p in patterns {
        let _ = writeln!(out, "{p}");
    }
    out
}

/// One relay of a TorDNSEL `exit-addresses` document.
#[derive(Clone, Debug)]
pub struct ExitNode {
    /// 40 hex digits.
    pub fingerprint: String,
    pub published: Ticks,
    pub last_status: Ticks,
    /// Each address with the time it was seen exiting.
    pub addresses: Vec<(IpAddr, Ticks)>,
}

/// A deterministic relay fingerprint for fixtures.
pub fn fingerprint(n: u64) -> String {
    let mixed = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    format!("{mixed:016X}{:016X}{:08X}", mixed.rotate_left(29), (mixed >> 7) as u32)
}

/// TorDNSEL time: `2026-10-05 12:02:01`.
fn tordnsel_time(t: Ticks) -> String {
    iso_seconds(t).trim_end_matches('Z').replacen('T', " ", 1)
}

/// A CollecTor-style `exit-addresses` document.
pub fn exit_addresses(downloaded: Ticks, nodes: &[ExitNode]) -> String {
    let mut out = String::from("@type tordnsel 1.0\n");
    let _ = writeln!(out, "Downloaded {}", tordnsel_time(downloaded));
    for node in nodes {
        let _ = writeln!(out, "ExitNode {}", node.fingerprint);
        let _ = writeln!(out, "Published {}", tordnsel_time(node.published));
        let _ = writeln!(out, "LastStatus {}", tordnsel_time(node.last_status));
        for (ip, seen) in &node.addresses {
            let _ = writeln!(out, "ExitAddress {ip} {}", tordnsel_time(*seen));
        }
    }
    out
}

/// One line of a threat-intel list.
#[derive(Clone, Debug)]
pub struct ThreatEntry<'a> {
    /// An address or CIDR prefix.
    pub network: &'a str,
    pub valid_from: Option<Ticks>,
    pub valid_until: Option<Ticks>,
    pub description: &'a str,
}

/// A threat-intel list: a header line, then `network,valid_from,valid_until,description` (the description
/// quoted CSV-style when it needs to be).
pub fn threat_list(entries: &[ThreatEntry]) -> String {
    let mut out = String::from("ip,valid_from,valid_until,description\n");
    for e in entries {
        let time = |t: Option<Ticks>| t.map(iso_seconds).unwrap_or_default();
        let description = if e.description.contains([',', '"']) {
            format!("\"{}\"", e.description.replace('"', "\"\""))
        } else {
            e.description.to_string()
        };
        let _ = writeln!(out, "{},{},{},{description}", e.network, time(e.valid_from), time(e.valid_until));
    }
    out
}

/// One `[[allow]]` entry of an allow-list.
#[derive(Clone, Debug, Default)]
pub struct AllowEntry<'a> {
    pub identity: &'a [&'a str],
    pub app_id: &'a [&'a str],
    pub ip: &'a [&'a str],
    pub rule: &'a [&'a str],
    pub reason: Option<&'a str>,
}

/// An allow-list TOML document. A field with one value is written as a string, with several as a list.
pub fn allow_list(entries: &[AllowEntry]) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = String::new();
    for (i, e) in entries.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("[[allow]]\n");
        for (key, values) in [("identity", e.identity), ("app_id", e.app_id), ("ip", e.ip), ("rule", e.rule)] {
            match values {
                [] => {}
                [one] => {
                    let _ = writeln!(out, "{key} = {}", quote(one));
                }
                many => {
                    let list: Vec<String> = many.iter().map(|v| quote(v)).collect();
                    let _ = writeln!(out, "{key} = [{}]", list.join(", "));
                }
            }
        }
        if let Some(reason) = e.reason {
            let _ = writeln!(out, "reason = {}", quote(reason));
        }
    }
    out
}

/// `torbulkexitlist` format: one IPv4 address per line.
pub fn tor_list(exits: &[u32]) -> String {
    exits.iter().map(|&ip| ip_text(ip) + "\n").collect()
}

fn tag(name: &str, change: u32, region: &str, region_id: u32, service: &str, prefixes: Vec<String>) -> Node {
    Node::obj().with("name", name.to_string()).with("id", name.to_string()).with(
        "properties",
        Node::obj()
            .with("changeNumber", change)
            .with("region", region.to_string())
            .with("regionId", region_id)
            .with("platform", "Azure")
            .with("systemService", service.to_string())
            .with("addressPrefixes", Node::Arr(prefixes.into_iter().map(Node::from).collect()))
            .with("networkFeatures", Node::string_array(&["API", "NSG", "UDR", "FW"])),
    )
}

/// The service-tags document.
pub fn service_tags() -> Node {
    let all: Vec<String> = AZURE_REGIONS.iter().flat_map(|r| r.prefixes.iter().map(|p| p.to_string())).collect();
    let mut values = vec![tag("AzureCloud", 94, "", 0, "", all)];
    for r in AZURE_REGIONS {
        values.push(tag(
            &format!("AzureCloud.{}", r.name),
            41 + r.id,
            r.name,
            r.id,
            "",
            r.prefixes.iter().map(|p| p.to_string()).collect(),
        ));
    }
    // Per-service tags carry IPv6 as well; AzureCloud itself is IPv4-only.
    let mut kv: Vec<String> = AZURE_REGIONS
        .iter()
        .filter_map(|r| r.prefixes.first().map(|p| p.split('/').next().unwrap_or("").to_string() + "/29"))
        .collect();
    kv.extend(AZURE_REGIONS.iter().flat_map(|r| r.prefixes_v6.iter().map(|p| p.to_string())));
    values.push(tag("AzureKeyVault", 27, "", 0, "AzureKeyVault", kv));
    values.push(tag(
        "AzureActiveDirectory",
        19,
        "",
        0,
        "AzureAD",
        vec!["20.190.128.0/18".to_string(), "40.126.0.0/18".to_string(), "2603:1006:2000::/48".to_string()],
    ));
    Node::obj().with("changeNumber", 361u32).with("cloud", "Public").with("values", Node::Arr(values))
}
