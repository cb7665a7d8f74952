//! Access-policy and role bookkeeping: a principal granting itself data-plane access and reading (KV-03), a
//! grant removed again within minutes — MicroBurst's add, dump, revert (KV-04) — and denials that turn into
//! successful reads (KV-09), which dates when the permission was acquired.

use hashbrown::HashMap;

use crate::event::ChangeKind;

use super::super::finding::{Evidence, Extra, Finding};
use super::{Check, Input, Kind, Outcome};
use crate::detect::ctx::Ctx;
use crate::detect::severity::Severity;

/// Reads and lists of secrets, keys and certificates: what a grant is for.
pub const READS: [&str; 9] = [
    "SecretGet",
    "SecretList",
    "SecretListVersions",
    "KeyGet",
    "KeyList",
    "KeyListVersions",
    "CertificateGet",
    "CertificateList",
    "CertificateListVersions",
];

pub const SELF_GRANT: Check = Check {
    name: "self_grant_then_read",
    run: self_grant,
    params: &[("within", Kind::Duration, "how soon after the grant a read counts (default 60m)")],
};

pub const GRANT_REVOKED: Check = Check {
    name: "grant_revoked_quickly",
    run: grant_revoked,
    params: &[("within", Kind::Duration, "longest time between the grant and its removal (default 10m)")],
};

pub const DENIED_THEN_GRANTED: Check = Check {
    name: "denied_then_granted",
    run: denied_then_granted,
    params: &[
        ("min_denials", Kind::Number, "denials before the first successful read (default 3)"),
        ("within", Kind::Duration, "from the first denial to the read (default 60m)"),
    ],
};

/// The identity's object id (lower case), if known.
fn oid<'a>(ctx: &'a Ctx, row: usize) -> Option<&'a str> {
    let id = ctx.identity(row);
    (id != 0).then(|| ctx.store.dicts.identities.get(id).oid.as_deref()).flatten()
}

/// Access changes that did not fail, with their row, kind, principal and vault.
fn changes<'a>(ctx: &'a Ctx) -> impl Iterator<Item = (usize, ChangeKind, &'a str, u32)> + 'a {
    ctx.store
        .access_changes
        .iter()
        .map(|(row, c)| (*row as usize, c.kind, &*c.principal, ctx.vault(*row as usize)))
        .filter(move |&(row, ..)| !ctx.failed(row))
}

/// Successful reads by `identity` on `vault` in `(from, to]`.
fn reads_between(ctx: &Ctx, reads: &[bool], identity: u32, vault: u32, from: i64, to: i64) -> Vec<usize> {
    let t = &ctx.store.cols.time;
    let start = t.partition_point(|&x| x <= from);
    (start..ctx.len())
        .take_while(|&r| t[r] <= to)
        .filter(|&r| {
            ctx.keep[r]
                && ctx.identity(r) == identity
                && ctx.vault(r) == vault
                && reads[ctx.op(r) as usize]
                && ctx.ok(r)
        })
        .collect()
}

fn self_grant(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let within = input.params.ticks("within", "60m");
    let reads = ctx.op_set(&READS);
    // Grants of a principal to itself, clustered per (identity, vault): the Activity Log and the AuditEvent
    // record the same grant.
    let mut grants: Vec<(u32, u32, Vec<usize>)> = Vec::new();
    for (row, kind, principal, vault) in changes(ctx) {
        if kind != ChangeKind::Added || oid(ctx, row) != Some(principal) {
            continue;
        }
        let identity = ctx.identity(row);
        match grants.iter_mut().find(|(i, v, rows)| {
            *i == identity && *v == vault && rows.last().is_some_and(|&l| ctx.time(row) - ctx.time(l) <= within)
        }) {
            Some((.., rows)) => rows.push(row),
            None => grants.push((identity, vault, vec![row])),
        }
    }
    let mut out = Vec::new();
    for (identity, vault, rows) in grants {
        let granted = rows.iter().map(|&r| ctx.time(r)).min().unwrap_or(0);
        let read = reads_between(ctx, &reads, identity, vault, granted, granted + within);
        if read.is_empty() {
            continue;
        }
        let delay = ctx.time(read[0]) - granted;
        let mut evidence: Vec<Evidence> = rows.iter().map(|&r| Evidence { row: r as u32, step: Some(1) }).collect();
        evidence.extend(read.iter().map(|&r| Evidence { row: r as u32, step: Some(2) }));
        let extra =
            Extra::default().var("delay", crate::detect::explain::duration(delay)).var("reads", read.len().to_string());
        out.push(Finding::new(ctx, input.rule, evidence, extra));
    }
    Ok(out)
}

fn grant_revoked(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let within = input.params.ticks("within", "10m");
    let reads = ctx.op_set(&READS);
    let all: Vec<_> = changes(ctx).collect();
    let mut used = vec![false; all.len()];
    let mut out = Vec::new();
    for (i, &(added, kind, principal, vault)) in all.iter().enumerate() {
        if kind != ChangeKind::Added || used[i] {
            continue;
        }
        let t0 = ctx.time(added);
        // Every record of the grant (Activity Log and AuditEvent), then the removal.
        let same = |&(_, k, p, v): &(usize, ChangeKind, &str, u32), want: ChangeKind| {
            k == want && p == principal && v == vault
        };
        let removal = all
            .iter()
            .enumerate()
            .skip(i + 1)
            .find(|(_, c)| same(c, ChangeKind::Removed) && ctx.time(c.0) - t0 <= within);
        let Some((j, &(removed, ..))) = removal else { continue };
        let t1 = ctx.time(removed);
        let mut evidence = Vec::new();
        for (k, c) in all.iter().enumerate().take(j + 1).skip(i) {
            if (same(c, ChangeKind::Added) || same(c, ChangeKind::Removed)) && ctx.time(c.0) <= t1 {
                used[k] = true;
                evidence.push(Evidence { row: c.0 as u32, step: Some(if c.1 == ChangeKind::Added { 1 } else { 3 }) });
            }
        }
        // Reads by the principal in between: what the grant was for.
        let target = ctx.store.find(crate::store::Dim::Identity, principal).unwrap_or(0);
        let read = if target != 0 { reads_between(ctx, &reads, target, vault, t0, t1) } else { Vec::new() };
        evidence.extend(read.iter().map(|&r| Evidence { row: r as u32, step: Some(2) }));
        let mut extra = Extra::default()
            .var(
                "principal",
                if target == 0 { principal.to_string() } else { ctx.label(crate::store::Dim::Identity, target) },
            )
            .var("gap", crate::detect::explain::duration(t1 - t0))
            .var("reads", read.len().to_string());
        if read.is_empty() {
            extra = extra.severity(Severity::Medium);
        }
        out.push(Finding::new(ctx, input.rule, evidence, extra));
    }
    Ok(out)
}

fn denied_then_granted(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let within = input.params.ticks("within", "60m");
    let need = input.params.int("min_denials", 3).max(1) as usize;
    let reads = ctx.op_set(&READS);
    let mut denials: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
    let mut out = Vec::new();
    for r in ctx.rows() {
        let key = (ctx.identity(r), ctx.vault(r));
        if key.0 == 0 || !reads[ctx.op(r) as usize] {
            continue;
        }
        if ctx.status_code(r) == Some(403) {
            let list = denials.entry(key).or_default();
            list.retain(|&d| ctx.time(r) - ctx.time(d) <= within);
            list.push(r);
        } else if ctx.ok(r)
            && let Some(list) = denials.get_mut(&key)
        {
            list.retain(|&d| ctx.time(r) - ctx.time(d) <= within);
            if list.len() >= need {
                let changes: Vec<usize> = ctx
                    .store
                    .access_changes
                    .iter()
                    .map(|(row, _)| *row as usize)
                    .filter(|&c| ctx.vault(c) == key.1 && c > list[0] && c < r)
                    .collect();
                let mut evidence: Vec<Evidence> =
                    list.iter().map(|&d| Evidence { row: d as u32, step: Some(1) }).collect();
                evidence.extend(changes.iter().map(|&c| Evidence { row: c as u32, step: Some(2) }));
                evidence.push(Evidence { row: r as u32, step: Some(3) });
                let why = if changes.is_empty() {
                    "no access-policy or role change on the vault explains it"
                } else {
                    "an access change on the vault came in between"
                };
                let extra = Extra::default().var("denials", list.len().to_string()).var("change", why);
                out.push(Finding::new(ctx, input.rule, evidence, extra));
            }
            list.clear();
        }
    }
    Ok(out)
}
