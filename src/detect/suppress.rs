//! The analyst's allow-list silences known automation (a backup job, a scanner). Silenced findings are kept
//! with the entry's reason, so the counts stay visible and nothing disappears without a trace.

use std::net::IpAddr;

use crate::intel::Intel;

use super::Suppressed;
use super::ctx::Ctx;
use super::finding::Finding;

pub fn apply(ctx: &Ctx, intel: &Intel, findings: Vec<Finding>) -> (Vec<Finding>, Vec<Suppressed>) {
    let Some(allow) = &intel.allow else { return (findings, Vec::new()) };
    let d = &ctx.store.dicts;
    let mut kept = Vec::new();
    let mut silenced = Vec::new();
    for f in findings {
        let mut names: Vec<&str> = Vec::new();
        for &i in &f.identities {
            let id = d.identities.get(i);
            names.extend(
                [&id.upn, &id.unique_name, &id.oid, &id.appid, &id.xms_mirid].into_iter().flatten().map(|s| &**s),
            );
        }
        let mut apps: Vec<&str> =
            f.evidence.iter().map(|e| ctx.app(e.row as usize)).filter(|a| !a.is_empty()).collect();
        apps.sort_unstable();
        apps.dedup();
        let ips: Vec<IpAddr> = f.caller_ips.iter().filter_map(|&i| d.ips.get(i).addr).collect();
        match allow.silences(&f.rule, &names, &apps, &ips) {
            Some(entry) => {
                let reason = match &entry.reason {
                    Some(r) => format!("{} ({}:{})", r, entry.file, entry.line),
                    None => format!("allow-list entry at {}:{}", entry.file, entry.line),
                };
                silenced.push(Suppressed { finding: f, reason });
            }
            None => kept.push(f),
        }
    }
    (kept, silenced)
}
