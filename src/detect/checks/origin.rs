//! Where a call came from: firewall denials of valid tokens (KV-10), workload identities used outside Azure
//! (KV-11), tokens used away from where they were issued (KV-12), several countries at once (KV-13), Tor
//! (KV-14), hosting / VPS networks (KV-15), threat-intel addresses (KV-16). All reference data comes from the
//! analyst's files; a check without the data it needs says so and is listed as skipped.

use hashbrown::{HashMap, HashSet};
use std::net::IpAddr;

use crate::event::{IdentityKind, Ticks};
use crate::intel::{Origin, is_internal};

use super::super::finding::{Extra, Finding};
use super::{Check, GAP, Input, Kind, Outcome, baseline_end, clusters, per_ip, plain, who_where};
use crate::detect::ctx::ticks;
use crate::detect::severity::Severity;

pub const FIREWALL_BLOCKED: Check = Check {
    name: "firewall_blocked",
    run: firewall_blocked,
    params: &[(
        "gap",
        Kind::Duration,
        "events of one identity and address within this gap are one finding (default 24h)",
    )],
};
pub const WORKLOAD_OUTSIDE_AZURE: Check =
    Check { name: "workload_outside_azure", run: workload_outside_azure, params: &[GAP] };
pub const TOKEN_IP_MISMATCH: Check = Check { name: "token_ip_mismatch", run: token_ip_mismatch, params: &[GAP] };
pub const IMPOSSIBLE_TRAVEL: Check = Check {
    name: "impossible_travel",
    run: impossible_travel,
    params: &[
        ("window", Kind::Duration, "span in which the countries are counted (default 60m)"),
        ("min_countries", Kind::Number, "distinct countries that fire (default 2)"),
        ("min_asns", Kind::Number, "distinct networks (ASNs) that fire (default 3)"),
        (
            "max_kmh",
            Kind::Number,
            "implied travel speed between consecutive calls that fires, with a City database (default 900)",
        ),
    ],
};
pub const TOR_EXIT: Check = Check { name: "tor_exit", run: tor_exit, params: &[GAP] };
pub const HOSTING_NETWORK: Check = Check {
    name: "hosting_network",
    run: hosting_network,
    params: &[
        GAP,
        (
            "baseline_fraction",
            Kind::Number,
            "share of the case's timeline whose networks are the identity's usual ones (default 0.2)",
        ),
    ],
};
pub const THREAT_INTEL: Check = Check { name: "threat_intel_ip", run: threat_intel, params: &[GAP] };

fn has_country(geo: &crate::intel::Geo) -> bool {
    geo.country_db.is_some() || geo.city_db.is_some()
}

const FIREWALL_TEXT: &str = "is not authorized and caller is not a trusted service";

/// A public address that is neither Azure nor one of the analyst's known ranges.
fn outside(input: &Input, ip: IpAddr) -> bool {
    matches!(input.intel.origin(ip), Origin::Public)
}

fn firewall_blocked(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let gap = input.params.ticks("gap", "24h");
    let firewall: Vec<bool> = (0..ctx.store.dicts.descriptions.len() as u32)
        .map(|id| ctx.store.dicts.descriptions.get(id).to_ascii_lowercase().contains(FIREWALL_TEXT))
        .collect();
    // A denial of a private (VNet, private endpoint) address is a network configuration matter, not a token
    // used from elsewhere: the catalogue looks at public addresses.
    let public = per_ip(ctx, |ip| !is_internal(ip));
    // Addresses each identity succeeded from: a firewall denial from one of them is routine.
    let mut known: HashSet<(u32, u32)> = HashSet::new();
    let mut hits = Vec::new();
    for r in ctx.rows() {
        let identity = ctx.identity(r);
        if identity == 0 {
            continue;
        }
        if ctx.ok(r) {
            known.insert((identity, ctx.ip(r)));
        } else if ctx.status_code(r) == Some(403)
            && firewall[ctx.store.cols.description[r] as usize]
            && public[ctx.ip(r) as usize]
            && !known.contains(&(identity, ctx.ip(r)))
        {
            hits.push(r);
        }
    }
    let outside_ip = per_ip(ctx, |ip| outside(input, ip));
    Ok(clusters(ctx, hits.into_iter().map(|r| (who_where(ctx, r), r)), gap)
        .into_iter()
        .map(|rows| {
            let far = outside_ip[ctx.ip(rows[0]) as usize];
            let mut extra = Extra::default().var(
                "network",
                if far { "an address outside Azure and the known ranges" } else { "an Azure or known address" },
            );
            if far {
                extra = extra.severity(Severity::High);
            }
            Finding::new(ctx, input.rule, plain(&rows), extra)
        })
        .collect())
}

fn workload_outside_azure(input: &Input) -> Outcome {
    let ctx = input.ctx;
    if input.intel.service_tags.is_none() {
        return Err("needs Azure service tags (ServiceTags_Public_*.json) with --intel".into());
    }
    let gap = input.params.ticks("gap", "1h");
    let workload: Vec<bool> = ctx
        .store
        .dicts
        .identities
        .values()
        .iter()
        .enumerate()
        .map(|(id, i)| id != 0 && matches!(i.kind(), IdentityKind::ServicePrincipal | IdentityKind::ManagedIdentity))
        .collect();
    let outside_ip = per_ip(ctx, |ip| outside(input, ip));
    let hits =
        ctx.rows().filter(|&r| ctx.ok(r) && workload[ctx.identity(r) as usize] && outside_ip[ctx.ip(r) as usize]);
    Ok(clusters(ctx, hits.map(|r| (who_where(ctx, r), r)), gap)
        .into_iter()
        .map(|rows| {
            let kind = ctx.store.dicts.identities.get(ctx.identity(rows[0])).kind();
            let extra = Extra::default().var("kind", kind.as_str().replace('_', " "));
            Finding::new(ctx, input.rule, plain(&rows), extra)
        })
        .collect())
}

/// Same /24 (IPv4) or /48 (IPv6): one site, not a replay.
fn same_site(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => a.octets()[..3] == b.octets()[..3],
        (IpAddr::V6(a), IpAddr::V6(b)) => a.segments()[..3] == b.segments()[..3],
        _ => false,
    }
}

/// Different /16 (IPv4) or /32 (IPv6): the comparison used when no ASN or GeoIP data was given.
fn different_network(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => a.octets()[..2] != b.octets()[..2],
        (IpAddr::V6(a), IpAddr::V6(b)) => a.segments()[..2] != b.segments()[..2],
        _ => true,
    }
}

fn token_ip_mismatch(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let gap = input.params.ticks("gap", "1h");
    let geo = &input.intel.geo;
    let has_geo = geo.asn_db.is_some() || has_country(geo);
    let ips = &ctx.store.dicts.ips;
    let mut memo: HashMap<(u32, u32), Option<String>> = HashMap::new();
    let mut verdict = |token: u32, caller: u32| -> Option<String> {
        memo.entry((token, caller))
            .or_insert_with(|| {
                let (t, c) = (ips.get(token).addr?, ips.get(caller).addr?);
                if t == c || same_site(t, c) || is_internal(c) || is_internal(t) || !outside(input, c) {
                    return None;
                }
                if has_geo {
                    let (ta, ca) = (geo.asn(t).map(|a| a.number), geo.asn(c).map(|a| a.number));
                    let (tc, cc) = (geo.country(t), geo.country(c));
                    if ta.is_some() && ca.is_some() && ta != ca {
                        return Some(format!("a different network (AS{} vs AS{})", ta?, ca?));
                    }
                    if tc.is_some() && cc.is_some() && tc != cc {
                        return Some(format!("a different country ({} vs {})", tc?, cc?));
                    }
                    None
                } else {
                    different_network(t, c)
                        .then(|| "a different network (no ASN / GeoIP data given: compared /16 prefixes)".to_string())
                }
            })
            .clone()
    };
    let mut hits = Vec::new();
    let mut why: HashMap<u64, String> = HashMap::new();
    for r in ctx.rows() {
        let token = ctx.store.cols.token_ip[r];
        if token == 0 || token == ctx.ip(r) || !ctx.ok(r) {
            continue;
        }
        if let Some(reason) = verdict(token, ctx.ip(r)) {
            why.entry(who_where(ctx, r)).or_insert(reason);
            hits.push(r);
        }
    }
    Ok(clusters(ctx, hits.into_iter().map(|r| (who_where(ctx, r), r)), gap)
        .into_iter()
        .map(|rows| {
            let r = rows[0];
            let token = ips.get(ctx.store.cols.token_ip[r]).text.to_string();
            let mut extra = Extra::default()
                .var("token_ip", token)
                .var("difference", why.get(&who_where(ctx, r)).cloned().unwrap_or_default());
            if !has_geo {
                extra = extra.severity(Severity::Medium);
            }
            Finding::new(ctx, input.rule, plain(&rows), extra)
        })
        .collect())
}

fn impossible_travel(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let geo = &input.intel.geo;
    if !has_country(geo) && geo.asn_db.is_none() {
        return Err("needs a GeoLite2 Country or ASN database (.mmdb) with --intel".into());
    }
    let window = input.params.ticks("window", "60m");
    let min_countries = input.params.int("min_countries", 2).max(2) as usize;
    let min_asns = input.params.int("min_asns", 3).max(2) as usize;
    let place: Vec<(Option<Box<str>>, Option<u32>)> = ctx
        .store
        .dicts
        .ips
        .values()
        .iter()
        .map(|v| match v.addr {
            Some(ip) if outside(input, ip) => (geo.country(ip), geo.asn(ip).map(|a| a.number)),
            _ => (None, None),
        })
        .collect();
    let located: Vec<Option<(f64, f64)>> = ctx
        .store
        .dicts
        .ips
        .values()
        .iter()
        .map(|v| {
            v.addr.filter(|&ip| outside(input, ip)).and_then(|ip| geo.location(ip)).map(|l| (l.latitude, l.longitude))
        })
        .collect();
    let max_kmh = input.params.float("max_kmh", 900.0);
    let mut last_place: HashMap<u32, usize> = HashMap::new();
    let mut recent: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut out = Vec::new();
    let mut quiet_until: HashMap<u32, i64> = HashMap::new();
    for r in ctx.rows() {
        let identity = ctx.identity(r);
        let (country, asn) = &place[ctx.ip(r) as usize];
        if identity == 0 || !ctx.ok(r) || (country.is_none() && asn.is_none()) {
            continue;
        }
        // Implied speed between consecutive located calls (City database): farther than 500 km faster than
        // an airliner. GeoIP city positions are rough, hence the distance floor.
        if let Some(here) = located[ctx.ip(r) as usize] {
            if let Some(&p) = last_place.get(&identity)
                && let Some(there) = located[ctx.ip(p) as usize]
            {
                let km = distance_km(there, here);
                let hours = (ctx.time(r) - ctx.time(p)) as f64 / ticks(3600) as f64;
                if km > 500.0 && km / hours.max(1.0 / 60.0) > max_kmh {
                    let what = format!(
                        "called vaults from places {km:.0} km apart within {}",
                        crate::detect::explain::duration(ctx.time(r) - ctx.time(p))
                    );
                    out.push(Finding::new(ctx, input.rule, plain(&[p, r]), Extra::default().var("what", what)));
                }
            }
            last_place.insert(identity, r);
        }
        let list = recent.entry(identity).or_default();
        list.retain(|&p| ctx.time(r) - ctx.time(p) <= window);
        list.push(r);
        if quiet_until.get(&identity).is_some_and(|&t| ctx.time(r) <= t) {
            continue;
        }
        let countries: HashSet<&str> = list.iter().filter_map(|&p| place[ctx.ip(p) as usize].0.as_deref()).collect();
        let asns: HashSet<u32> = list.iter().filter_map(|&p| place[ctx.ip(p) as usize].1).collect();
        if countries.len() >= min_countries || asns.len() >= min_asns {
            let mut names: Vec<&str> = countries.into_iter().collect();
            names.sort_unstable();
            let what = format!("called vaults from {} ({} networks) within an hour", names.join(", "), asns.len());
            let extra = Extra::default().var("what", what);
            out.push(Finding::new(ctx, input.rule, plain(list), extra));
            quiet_until.insert(identity, ctx.time(r) + window);
            list.clear();
        }
    }
    Ok(out)
}

/// Great-circle distance between two (latitude, longitude) points in degrees.
fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (a.0.to_radians(), a.1.to_radians(), b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

fn tor_exit(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let Some(tor) = &input.intel.tor else {
        return Err("needs a Tor exit list (torbulkexitlist or exit-addresses) with --intel".into());
    };
    let gap = input.params.ticks("gap", "1h");
    let ips = &ctx.store.dicts.ips;
    let hits = ctx.rows().filter(|&r| ips.get(ctx.ip(r)).addr.is_some_and(|ip| tor.is_exit(ip, Ticks(ctx.time(r)))));
    Ok(clusters(ctx, hits.map(|r| (who_where(ctx, r), r)), gap)
        .into_iter()
        .map(|rows| {
            let ok = rows.iter().filter(|&&r| ctx.ok(r)).count();
            let mut extra = Extra::default()
                .var("succeeded", ok.to_string())
                .var("denied", rows.iter().filter(|&&r| ctx.failed(r)).count().to_string());
            if ok == 0 {
                extra = extra.severity(Severity::Medium);
            }
            Finding::new(ctx, input.rule, plain(&rows), extra)
        })
        .collect())
}

fn hosting_network(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let i = input.intel;
    let by_asn = i.hosting_asns.is_some() && i.geo.asn_db.is_some();
    if i.vps.is_none() && !by_asn {
        return Err("needs a VPS network list (vps-networks.csv) or hosting ASNs (hosting-asns.txt) with an ASN database, with --intel".into());
    }
    let gap = input.params.ticks("gap", "1h");
    let hosting: Vec<Option<String>> = ctx
        .store
        .dicts
        .ips
        .values()
        .iter()
        .map(|v| {
            let ip = v.addr?;
            if i.vps.as_ref().is_some_and(|s| s.contains(ip)) {
                return Some("a VPS provider range".to_string());
            }
            let asn = i.geo.asn(ip)?;
            i.hosting_asns.as_ref()?.contains(&asn.number).then(|| format!("AS{} {}", asn.number, asn.org))
        })
        .collect();
    // An identity that already worked from that network in the baseline period is doing what it always does.
    let end = baseline_end(ctx, &input.params).unwrap_or(i64::MIN);
    let mut usual: HashSet<(u32, &str)> = HashSet::new();
    let mut hits = Vec::new();
    for r in ctx.rows() {
        let Some(network) = hosting[ctx.ip(r) as usize].as_deref() else { continue };
        if !ctx.ok(r) || ctx.identity(r) == 0 {
            continue;
        }
        if ctx.time(r) < end {
            usual.insert((ctx.identity(r), network));
        } else if !usual.contains(&(ctx.identity(r), network)) {
            hits.push(r);
        }
    }
    Ok(clusters(ctx, hits.into_iter().map(|r| (who_where(ctx, r), r)), gap)
        .into_iter()
        .map(|rows| {
            let network = hosting[ctx.ip(rows[0]) as usize].clone().unwrap_or_default();
            Finding::new(ctx, input.rule, plain(&rows), Extra::default().var("network", network))
        })
        .collect())
}

fn threat_intel(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let Some(list) = &input.intel.threat else {
        return Err("needs a threat-intel IP list with --intel".into());
    };
    let gap = input.params.ticks("gap", "1h");
    let ips = &ctx.store.dicts.ips;
    let hits =
        ctx.rows().filter(|&r| ips.get(ctx.ip(r)).addr.is_some_and(|ip| list.lookup(ip, Ticks(ctx.time(r))).is_some()));
    Ok(clusters(ctx, hits.map(|r| (who_where(ctx, r), r)), gap)
        .into_iter()
        .map(|rows| {
            let r = rows[0];
            let indicator = ips
                .get(ctx.ip(r))
                .addr
                .and_then(|ip| list.lookup(ip, Ticks(ctx.time(r))))
                .map(|i| i.description.to_string())
                .unwrap_or_default();
            let ok = rows.iter().any(|&r| ctx.ok(r));
            let mut extra = Extra::default().var("indicator", indicator);
            if !ok {
                extra = extra.severity(Severity::Low);
            }
            Finding::new(ctx, input.rule, plain(&rows), extra)
        })
        .collect())
}
