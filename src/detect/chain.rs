//! Incidents (DETECTIONS.md §8): findings about the same actor (identity or caller IP) and the same vault,
//! within two hours of each other, are one story — suspicious origin → privilege change → dump → cleanup →
//! blinding — and are shown as one incident. Named pairwise chains escalate: an RBAC downgrade (KV-05)
//! followed by a self-grant (KV-03) within an hour is Critical.

use super::ctx::ticks;
use super::finding::Finding;
use super::severity::Severity;

/// How far apart (between one finding's end and the next one's start) findings of one incident may be.
const LINK: i64 = 2 * 3600;

#[derive(Clone, Debug)]
pub struct Incident {
    /// Indices into `Detections::findings`, in time order.
    pub findings: Vec<usize>,
    pub severity: Severity,
    pub first: i64,
    pub last: i64,
    /// The rule ids in time order, e.g. `KV-03 → KV-02 → KV-04`.
    pub story: String,
}

fn share(a: &[u32], b: &[u32]) -> bool {
    a.iter().any(|x| b.contains(x))
}

fn related(a: &Finding, b: &Finding) -> bool {
    let close = a.first.max(b.first) - a.last.min(b.last) <= ticks(LINK);
    close && share(&a.vaults, &b.vaults) && (share(&a.identities, &b.identities) || share(&a.caller_ips, &b.caller_ips))
}

fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Links findings into incidents (groups of two or more) and applies the pairwise escalations.
pub fn link(findings: &mut [Finding]) -> Vec<Incident> {
    escalate(findings);
    let n = findings.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| findings[i].first);
    // Sweep in time order: only findings whose spans come within LINK of each other can be related.
    for (k, &i) in order.iter().enumerate() {
        for &j in &order[k + 1..] {
            // Later ones start later still: none of them can come within LINK of `i` either.
            if findings[j].first - findings[i].last > ticks(LINK) {
                break;
            }
            if related(&findings[i], &findings[j]) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a] = b;
            }
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = std::collections::BTreeMap::new();
    for i in 0..n {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut incidents = Vec::new();
    for members in groups.into_values().filter(|m| m.len() > 1) {
        for &m in &members {
            findings[m].incident = Some(incidents.len());
        }
        // A first access to the vault (KV-17) that belongs to an incident dates its start.
        if members.iter().any(|&m| findings[m].rule != "KV-17" && findings[m].severity >= Severity::Medium) {
            for &m in &members {
                if findings[m].rule == "KV-17" && findings[m].severity < Severity::Medium {
                    findings[m].severity = Severity::Medium;
                }
            }
        }
        incidents.push(summarize(findings, members));
    }
    incidents
}

fn summarize(findings: &[Finding], mut members: Vec<usize>) -> Incident {
    members.sort_by_key(|&i| (findings[i].first, findings[i].rule.clone()));
    let mut story: Vec<&str> = Vec::new();
    for &i in &members {
        if !story.contains(&findings[i].rule.as_str()) {
            story.push(&findings[i].rule);
        }
    }
    Incident {
        severity: members.iter().map(|&i| findings[i].severity).max().unwrap_or(Severity::Low),
        first: members.iter().map(|&i| findings[i].first).min().unwrap_or(0),
        last: members.iter().map(|&i| findings[i].last).max().unwrap_or(0),
        story: story.join(" → "),
        findings: members,
    }
}

/// After findings are re-sorted: rebuild each incident's member list from the findings' `incident` marks.
pub fn reindex(incidents: Vec<Incident>, findings: &[Finding]) -> Vec<Incident> {
    (0..incidents.len())
        .map(|k| summarize(findings, (0..findings.len()).filter(|&i| findings[i].incident == Some(k)).collect()))
        .collect()
}

/// KV-05 then KV-03 on the same vault by the same identity within an hour: the downgrade was the way in.
fn escalate(findings: &mut [Finding]) {
    let hour = ticks(3600);
    let grants: Vec<(Vec<u32>, Vec<u32>, i64)> = findings
        .iter()
        .filter(|f| f.rule == "KV-03")
        .map(|f| (f.identities.clone(), f.vaults.clone(), f.first))
        .collect();
    for f in findings.iter_mut().filter(|f| f.rule == "KV-05") {
        if grants.iter().any(|(ids, vaults, t)| {
            share(ids, &f.identities) && share(vaults, &f.vaults) && *t >= f.first && *t - f.first <= hour
        }) {
            f.severity = Severity::Critical;
            f.explanation.push_str(" Within the hour the same identity granted itself access on this vault (KV-03).");
        }
    }
}
