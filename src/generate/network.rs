//! IPv4 address space the synthetic tenant lives in.
//!
//! The Azure prefixes are fixed constants (not drawn from the seed) so that the demo service-tags file covers the
//! workload addresses of every dataset the generator can produce, whatever the seed. Office and home blocks are
//! public-looking ranges outside all of them; attackers use the RFC 5737 documentation ranges.

use super::rng::Rng;

/// An Azure region with the (synthetic) datacentre prefixes published for it in the service-tags file.
#[derive(Debug)]
pub struct Region {
    pub name: &'static str,
    /// `regionId` of the service-tags file.
    pub id: u32,
    pub prefixes: &'static [&'static str],
    /// IPv6 prefixes, published only on the per-service tags (AzureCloud itself is IPv4-only).
    pub prefixes_v6: &'static [&'static str],
}

pub const AZURE_REGIONS: &[Region] = &[
    Region {
        name: "westeurope",
        id: 18,
        prefixes: &["13.69.64.0/18", "20.61.0.0/16", "40.74.0.0/18", "52.174.0.0/16"],
        prefixes_v6: &["2603:1020:206::/48"],
    },
    Region {
        name: "northeurope",
        id: 17,
        prefixes: &["20.67.0.0/17", "40.69.0.0/17", "52.164.0.0/16"],
        prefixes_v6: &["2603:1020:5::/48"],
    },
    Region {
        name: "eastus",
        id: 32,
        prefixes: &["20.42.0.0/17", "40.71.0.0/16", "52.168.0.0/16"],
        prefixes_v6: &["2603:1030:210::/47"],
    },
    Region {
        name: "uksouth",
        id: 27,
        prefixes: &["20.108.0.0/16", "51.140.0.0/17"],
        prefixes_v6: &["2603:1020:705::/48"],
    },
    Region {
        name: "francecentral",
        id: 36,
        prefixes: &["20.40.128.0/19", "51.103.0.0/17"],
        prefixes_v6: &["2603:1020:805::/48"],
    },
];

/// Corporate egress blocks (NAT of the offices); not Azure.
pub const OFFICE_BLOCKS: &[&str] = &["145.131.64.0/20", "193.173.32.0/20", "62.140.128.0/19"];

/// Residential ISP blocks for people working from home; not Azure.
pub const HOME_BLOCKS: &[&str] = &[
    "86.80.0.0/12",
    "77.160.0.0/13",
    "31.20.0.0/15",
    "92.104.0.0/13",
    "88.159.0.0/16",
    "217.120.0.0/13",
    "84.24.0.0/13",
];

/// Private-endpoint traffic shows a VNet address as caller.
pub const PRIVATE_ENDPOINT_BLOCK: &str = "10.20.0.0/16";

/// A parsed IPv4 CIDR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub base: u32,
    pub len: u32,
}

impl Cidr {
    /// Parses `a.b.c.d/n`; the constants above are all valid, tests check it.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, len) = text.split_once('/')?;
        let addr: std::net::Ipv4Addr = addr.parse().ok()?;
        let len: u32 = len.parse().ok()?;
        if len > 32 {
            return None;
        }
        let mask = mask(len);
        Some(Cidr { base: u32::from(addr) & mask, len })
    }

    pub fn contains(&self, ip: u32) -> bool {
        ip & mask(self.len) == self.base
    }

    pub fn size(&self) -> u64 {
        1u64 << (32 - self.len)
    }

    /// A host address inside the prefix, avoiding the network and broadcast addresses.
    pub fn random_host(&self, rng: &mut Rng) -> u32 {
        let size = self.size();
        if size <= 4 {
            return self.base;
        }
        self.base + rng.range(1, size - 2) as u32
    }
}

fn mask(len: u32) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - len) }
}

fn parse_all(texts: &[&str]) -> Vec<Cidr> {
    texts.iter().filter_map(|t| Cidr::parse(t)).collect()
}

/// A random address inside one of `blocks` (chosen uniformly).
pub fn random_in(blocks: &[&str], rng: &mut Rng) -> u32 {
    let cidrs = parse_all(blocks);
    if cidrs.is_empty() {
        return 0;
    }
    cidrs[rng.index(cidrs.len())].random_host(rng)
}

/// A random Azure datacentre address in `region` (falls back to the first region for unknown names).
pub fn random_azure(region: &str, rng: &mut Rng) -> u32 {
    let r = AZURE_REGIONS.iter().find(|r| r.name == region).unwrap_or(&AZURE_REGIONS[0]);
    random_in(r.prefixes, rng)
}

/// True when `ip` is inside any published Azure prefix.
pub fn is_azure(ip: u32) -> bool {
    AZURE_REGIONS.iter().any(|r| parse_all(r.prefixes).iter().any(|c| c.contains(ip)))
}

pub fn is_private(ip: u32) -> bool {
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].iter().filter_map(|t| Cidr::parse(t)).any(|c| c.contains(ip))
}

/// Dotted-quad text.
pub fn ip_text(ip: u32) -> String {
    std::net::Ipv4Addr::from(ip).to_string()
}

/// Parses dotted-quad text; used by tests and by the scenario table.
pub fn parse_ip(text: &str) -> Option<u32> {
    text.parse::<std::net::Ipv4Addr>().ok().map(u32::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_blocks_parse_and_do_not_overlap_azure() {
        for r in AZURE_REGIONS {
            assert_eq!(parse_all(r.prefixes).len(), r.prefixes.len(), "{}", r.name);
        }
        let mut rng = Rng::new(5, 5);
        for blocks in [OFFICE_BLOCKS, HOME_BLOCKS] {
            assert_eq!(parse_all(blocks).len(), blocks.len());
            for _ in 0..500 {
                let ip = random_in(blocks, &mut rng);
                assert!(!is_azure(ip), "{} inside Azure", ip_text(ip));
                assert!(!is_private(ip));
            }
        }
        for _ in 0..500 {
            let ip = random_azure("eastus", &mut rng);
            assert!(is_azure(ip));
        }
        for doc in ["192.0.2.66", "198.51.100.23", "203.0.113.77"] {
            assert!(!is_azure(parse_ip(doc).unwrap()));
        }
    }
}
