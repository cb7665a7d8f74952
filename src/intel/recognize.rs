//! Which kind of intel a file is, from its name alone: a directory of reference files is loaded without
//! configuration, and a file that matches no rule is reported rather than guessed at.

/// The kinds of intel file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    ServiceTags,
    Tor,
    Geo,
    Threat,
    Watchlist,
    Allow,
    Egress,
    Vps,
    HostingAsns,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::ServiceTags => "service-tags",
            FileKind::Tor => "tor",
            FileKind::Geo => "geo",
            FileKind::Threat => "threat",
            FileKind::Watchlist => "watchlist",
            FileKind::Allow => "allow",
            FileKind::Egress => "egress",
            FileKind::Vps => "vps",
            FileKind::HostingAsns => "hosting-asns",
        }
    }
}

/// The naming rules, for messages about files that match none.
pub const NAMING_RULES: &str = "ServiceTags_*.json, *.mmdb, allow*.toml, watchlist*.txt, egress*.txt, vps*.csv, \
    hosting-asns*.txt, threat* / ti-* (.txt, .csv or no extension) or *.ti.txt, *tor* / *exit* (.txt or no extension)";

/// The kind of the file named `name` (a path's last component; case is ignored). The rules are tried in this
/// order, so `threat-tor.txt` is a threat list and `watchlist-exits.txt` a watchlist.
pub fn recognize(name: &str) -> Option<FileKind> {
    let lower = name.to_ascii_lowercase();
    let n = lower.as_str();
    // Hidden files: editor swap files, `.DS_Store`.
    if n.starts_with('.') {
        return None;
    }
    let (stem, ext) = match n.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, ext),
        _ => (n, ""),
    };
    let kind = if n.starts_with("servicetags_") && ext == "json" {
        FileKind::ServiceTags
    } else if ext == "mmdb" {
        FileKind::Geo
    } else if n.starts_with("allow") && ext == "toml" {
        FileKind::Allow
    } else if n.starts_with("watchlist") && ext == "txt" {
        FileKind::Watchlist
    } else if n.starts_with("egress") && ext == "txt" {
        FileKind::Egress
    } else if n.starts_with("vps") && ext == "csv" {
        FileKind::Vps
    } else if n.starts_with("hosting-asns") && ext == "txt" {
        FileKind::HostingAsns
    } else if n.ends_with(".ti.txt") || ((n.starts_with("threat") || n.starts_with("ti-")) && is_list_ext(ext)) {
        FileKind::Threat
    } else if (stem.contains("tor") || stem.contains("exit")) && matches!(ext, "" | "txt") {
        FileKind::Tor
    } else {
        return None;
    };
    Some(kind)
}

fn is_list_ext(ext: &str) -> bool {
    matches!(ext, "" | "txt" | "csv")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let cases = [
            ("ServiceTags_Public_20261005.json", Some(FileKind::ServiceTags)),
            ("servicetags_china_20240101.JSON", Some(FileKind::ServiceTags)),
            ("ServiceTags_Public_20261005.json.gz", None),
            ("tor-exit-nodes.txt", Some(FileKind::Tor)),
            ("torbulkexitlist", Some(FileKind::Tor)),
            ("exit-addresses", Some(FileKind::Tor)),
            ("exit-addresses.csv", None),
            ("GeoLite2-City.mmdb", Some(FileKind::Geo)),
            ("dbip-country-lite.MMDB", Some(FileKind::Geo)),
            ("threat.txt", Some(FileKind::Threat)),
            ("threat-ips.csv", Some(FileKind::Threat)),
            ("threat-tor.txt", Some(FileKind::Threat)),
            ("ti-partner.csv", Some(FileKind::Threat)),
            ("partner.ti.txt", Some(FileKind::Threat)),
            ("threat.json", None),
            ("watchlist.txt", Some(FileKind::Watchlist)),
            ("watchlist-exits.txt", Some(FileKind::Watchlist)),
            ("allowlist.toml", Some(FileKind::Allow)),
            ("allow.toml", Some(FileKind::Allow)),
            ("egress.txt", Some(FileKind::Egress)),
            ("egress-vnets.txt", Some(FileKind::Egress)),
            ("vps-networks.csv", Some(FileKind::Vps)),
            ("VPS_Networks.csv", Some(FileKind::Vps)),
            ("hosting-asns.txt", Some(FileKind::HostingAsns)),
            ("README.md", None),
            (".DS_Store", None),
            ("", None),
            (".tor", None),
        ];
        for (name, want) in cases {
            assert_eq!(recognize(name), want, "{name}");
        }
    }
}
