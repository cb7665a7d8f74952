//! Reference files shipped with the demo: a Tor bulk exit list and an Azure service-tags file in the real
//! `ServiceTags_Public_YYYYMMDD.json` shape (DETECTIONS.md §6.1–§6.2). The service-tag prefixes are the generator's
//! fixed Azure ranges, so every workload address of every generated dataset is covered.

use super::network::{AZURE_REGIONS, ip_text};
use super::write::json::Node;

pub const SERVICE_TAGS_FILE: &str = "ServiceTags_Public_20261005.json";
pub const TOR_FILE: &str = "tor-exit-nodes.txt";

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
