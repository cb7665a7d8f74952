//! Object lifecycle abuse: backups by someone who does not run the backup job, restored into another vault
//! (KV-24), and soft-deleted objects recovered or read — worse when the recoverer is not who deleted them
//! (KV-25).

use hashbrown::{HashMap, HashSet};

use crate::detect::ctx::ticks;
use crate::detect::severity::Severity;

use super::super::finding::{Evidence, Extra, Finding};
use super::{Check, GAP, Input, Kind, Outcome, clusters, plain};

pub const BACKUP_RESTORE: Check = Check {
    name: "backup_restore",
    run: backup_restore,
    params: &[
        (
            "baseline_fraction",
            Kind::Number,
            "share of the case's timeline whose backup callers are the backup job (default 0.2)",
        ),
        (
            "restore_within",
            Kind::Duration,
            "a restore of the same name in another vault within this is Critical (default 24h)",
        ),
        ("many", Kind::Number, "objects backed up within an hour that make it High (default 5)"),
    ],
};
pub const RECOVERY: Check = Check { name: "recovery", run: recovery, params: &[GAP] };

const BACKUPS: [&str; 3] = ["SecretBackup", "KeyBackup", "CertificateBackup"];
const RESTORES: [&str; 3] = ["SecretRestore", "KeyRestore", "CertificateRestore"];

fn backup_restore(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let within = input.params.ticks("restore_within", "24h");
    let many = input.params.int("many", 5).max(1) as usize;
    let (backups, restores) = (ctx.op_set(&BACKUPS), ctx.op_set(&RESTORES));
    let Some(end) = super::baseline_end(ctx, &input.params) else {
        return Err("the loaded events span less than a day: the backup job cannot be told from other callers".into());
    };
    let mut job: HashSet<u32> = HashSet::new();
    let mut hits = Vec::new();
    for r in ctx.rows() {
        if !backups[ctx.op(r) as usize] || !ctx.ok(r) {
            continue;
        }
        if ctx.time(r) < end {
            job.insert(ctx.identity(r));
        } else if !job.contains(&ctx.identity(r)) {
            hits.push(r);
        }
    }
    let restore_rows: Vec<usize> = ctx.rows().filter(|&r| restores[ctx.op(r) as usize] && ctx.ok(r)).collect();
    let mut out = Vec::new();
    for rows in clusters(ctx, hits.into_iter().map(|r| (ctx.identity(r) as u64, r)), ticks(3600)) {
        let names: HashSet<String> =
            rows.iter().filter_map(|&r| ctx.object_ref(r).map(|(_, n)| n.to_ascii_lowercase())).collect();
        let t0 = ctx.time(rows[0]);
        let vaults: HashSet<u32> = rows.iter().map(|&r| ctx.vault(r)).collect();
        let elsewhere: Vec<usize> = restore_rows
            .iter()
            .copied()
            .filter(|&r| {
                ctx.time(r) >= t0
                    && ctx.time(r) - t0 <= within
                    && !vaults.contains(&ctx.vault(r))
                    && ctx.object_ref(r).is_some_and(|(_, n)| names.contains(&n.to_ascii_lowercase()))
            })
            .collect();
        let mut evidence: Vec<Evidence> = rows.iter().map(|&r| Evidence { row: r as u32, step: Some(1) }).collect();
        evidence.extend(elsewhere.iter().map(|&r| Evidence { row: r as u32, step: Some(2) }));
        let (severity, what) = if !elsewhere.is_empty() {
            (Severity::Critical, "then restored into another vault")
        } else if names.len() >= many {
            (Severity::High, "many objects within an hour")
        } else {
            (Severity::Medium, "not restored elsewhere in the loaded logs")
        };
        let extra = Extra::default().severity(severity).var("what", what).var("backed_up", names.len().to_string());
        out.push(Finding::new(ctx, input.rule, evidence, extra));
    }
    Ok(out)
}

fn recovery(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let gap = input.params.ticks("gap", "1h");
    let ops = &ctx.store.dicts.operations;
    let recover: Vec<bool> = ops
        .values()
        .iter()
        .map(|o| {
            let n = o.name.to_ascii_lowercase();
            n.ends_with("recover")
                || n.ends_with("recover/action")
                || n.ends_with("getdeleted")
                || n.ends_with("listdeleted")
        })
        .collect();
    let delete: Vec<bool> = ops.values().iter().map(|o| o.name.to_ascii_lowercase().ends_with("delete")).collect();
    // Who deleted each object (by vault and name).
    let mut deleted_by: HashMap<(u32, String), HashSet<u32>> = HashMap::new();
    let mut hits = Vec::new();
    for r in ctx.rows() {
        if !ctx.ok(r) {
            continue;
        }
        let name = ctx.object_ref(r).map(|(_, n)| n.to_ascii_lowercase()).unwrap_or_default();
        if delete[ctx.op(r) as usize] {
            deleted_by.entry((ctx.vault(r), name)).or_default().insert(ctx.identity(r));
        } else if recover[ctx.op(r) as usize] {
            hits.push(r);
        }
    }
    let key = |r: usize| ((ctx.identity(r) as u64) << 32) | ctx.vault(r) as u64;
    Ok(clusters(ctx, hits.into_iter().map(|r| (key(r), r)), gap)
        .into_iter()
        .map(|rows| {
            let stranger = rows.iter().any(|&r| {
                let name = ctx.object_ref(r).map(|(_, n)| n.to_ascii_lowercase()).unwrap_or_default();
                !deleted_by.get(&(ctx.vault(r), name)).is_some_and(|who| who.contains(&ctx.identity(r)))
            });
            let mut extra = Extra::default().var(
                "who",
                if stranger { "someone other than who deleted it" } else { "the identity that deleted it" },
            );
            if stranger {
                extra = extra.severity(Severity::High);
            }
            Finding::new(ctx, input.rule, plain(&rows), extra)
        })
        .collect())
}
