//! First-seen rules against the case's own baseline (its first 20 % by default — DETECTIONS.md §7.1: offline,
//! "baseline" is the case's history before the detection window): a principal new to a vault (KV-17), a
//! client application unusual for the data plane (KV-18), a new identity using a key for crypto (KV-30).

use hashbrown::HashSet;

use crate::event::apps::well_known_name;
use crate::event::{IdentityKind, ObjectKind};

use super::super::finding::{Extra, Finding};
use super::access::READS;
use super::{Check, GAP, Input, Kind, Outcome, baseline_end, clusters, plain};
use crate::detect::severity::Severity;

pub const NEW_PRINCIPAL: Check = Check {
    name: "new_principal_for_vault",
    run: new_principal,
    params: &[
        ("baseline_fraction", Kind::Number, "share of the case's timeline used as baseline (default 0.2)"),
        ("gap", Kind::Duration, "reads within this gap after the first one are one finding (default 1h)"),
    ],
};
pub const UNUSUAL_CLIENT_APP: Check = Check {
    name: "unusual_client_app",
    run: unusual_client_app,
    params: &[
        ("apps", Kind::List, "client app ids that have no business on the Key Vault data plane (FOCI apps)"),
        GAP,
    ],
};
pub const CRYPTO_NEW_PAIR: Check = Check {
    name: "crypto_new_pair",
    run: crypto_new_pair,
    params: &[("baseline_fraction", Kind::Number, "share of the case's timeline used as baseline (default 0.2)"), GAP],
};

/// Per (identity, `other`) pair of the successful `ops` events: the first burst (events within `gap`) of each
/// pair that did not occur in the baseline period. Later bursts of a pair are no longer new.
fn first_bursts(input: &Input, ops: &[bool], other: impl Fn(usize) -> u32) -> Result<Vec<Vec<usize>>, String> {
    let ctx = input.ctx;
    let Some(end) = baseline_end(ctx, &input.params) else {
        return Err("the loaded events span less than a day: no baseline to compare with".into());
    };
    let gap = input.params.ticks("gap", "1h");
    let pair = |r: usize| ((ctx.identity(r) as u64) << 32) | other(r) as u64;
    let mut known: HashSet<u64> = HashSet::new();
    let mut hits = Vec::new();
    for r in ctx.rows() {
        if ctx.identity(r) == 0 || other(r) == 0 || !ctx.ok(r) || !ops[ctx.op(r) as usize] {
            continue;
        }
        if ctx.time(r) < end {
            known.insert(pair(r));
        } else if !known.contains(&pair(r)) {
            hits.push(r);
        }
    }
    let mut seen = HashSet::new();
    Ok(clusters(ctx, hits.into_iter().map(|r| (pair(r), r)), gap)
        .into_iter()
        .filter(|rows| seen.insert(pair(rows[0])))
        .collect())
}

fn new_principal(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let mut reads = ctx.op_set(&READS);
    if let Some(id) = ctx.op_id("VaultGet") {
        reads[id as usize] = true;
    }
    Ok(first_bursts(input, &reads, |r| ctx.vault(r))?
        .into_iter()
        .map(|rows| {
            let secret_reads = rows
                .iter()
                .filter(|&&r| matches!(ctx.object_ref(r), Some((ObjectKind::Secret | ObjectKind::Certificate, _))))
                .count();
            // Novelty alone is weak evidence (people do start using vaults): Low here, raised to Medium when
            // it is part of an incident with other findings (chain.rs) — then it dates the first access.
            let what = if secret_reads > 0 { "read secrets or certificates" } else { "only listed or read metadata" };
            Finding::new(ctx, input.rule, plain(&rows), Extra::default().var("what", what))
        })
        .collect())
}

fn unusual_client_app(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let gap = input.params.ticks("gap", "1h");
    let apps: Vec<String> = input.params.strings("apps", &[]).into_iter().map(|a| a.to_ascii_lowercase()).collect();
    let unusual: Vec<bool> = (0..ctx.store.dicts.apps.len() as u32)
        .map(|id| {
            let app = ctx.store.dicts.apps.get(id).trim().to_ascii_lowercase();
            !app.is_empty() && apps.contains(&app)
        })
        .collect();
    let data_plane: Vec<bool> =
        ctx.store.dicts.operations.values().iter().map(|o| o.plane == crate::event::Plane::Data).collect();
    let hits = ctx
        .rows()
        .filter(|&r| ctx.ok(r) && data_plane[ctx.op(r) as usize] && unusual[ctx.store.cols.client_app[r] as usize]);
    Ok(clusters(ctx, hits.map(|r| (super::who_where(ctx, r), r)), gap)
        .into_iter()
        .map(|rows| {
            let app = ctx.app(rows[0]);
            let name = well_known_name(app).map_or_else(|| app.to_string(), |n| format!("{n} ({app})"));
            Finding::new(ctx, input.rule, plain(&rows), Extra::default().var("app", name))
        })
        .collect())
}

fn crypto_new_pair(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let crypto = ctx.op_set(&["KeySign", "KeyDecrypt", "KeyUnwrap"]);
    Ok(first_bursts(input, &crypto, |r| ctx.object(r))?
        .into_iter()
        .map(|rows| {
            let user = ctx.store.dicts.identities.get(ctx.identity(rows[0])).kind() == IdentityKind::User;
            // A person using a key for crypto is the catalogue's High case; a workload new to a key is usually
            // a job that runs rarely.
            let extra = if user {
                Extra::default()
                    .severity(Severity::High)
                    .var("who", "a person, not the workload that normally uses the key")
            } else {
                Extra::default().severity(Severity::Low).var("who", "a workload that had not used this key before")
            };
            Finding::new(ctx, input.rule, plain(&rows), extra)
        })
        .collect())
}
