//! Volume against the actor's own normal: an hour far above a vault's or an identity's usual rate (KV-20,
//! mean + 3σ over its active span, as Sentinel's time-series rule), and an identity touching many more vaults
//! in a day than it usually does (KV-21).

use std::collections::BTreeMap;

use hashbrown::{HashMap, HashSet};

use crate::detect::ctx::ticks;
use crate::store::Dim;

use super::super::finding::{Extra, Finding};
use super::{Check, Input, Kind, Outcome, plain};

pub const VOLUME_ANOMALY: Check = Check {
    name: "volume_anomaly",
    run: volume_anomaly,
    params: &[
        ("sigmas", Kind::Number, "how many standard deviations above the mean an hour must be (default 3)"),
        ("min_mean", Kind::Number, "the baseline mean per hour must exceed this (default 5)"),
        ("operations", Kind::List, "which operations are counted"),
        ("peak_factor", Kind::Number, "and more than this many times the value's busiest other hour (default 1.5)"),
    ],
};
pub const VAULT_FAN_OUT: Check = Check {
    name: "vault_fan_out",
    run: vault_fan_out,
    params: &[
        ("min_vaults", Kind::Number, "distinct vaults in a day that fire (default 5)"),
        ("factor", Kind::Number, "and at least this many times the identity's usual daily count (default 3)"),
        ("new_min_vaults", Kind::Number, "distinct vaults that fire for an identity with no earlier day (default 3)"),
        ("baseline_fraction", Kind::Number, "share of the case's timeline whose days are baseline only (default 0.2)"),
    ],
};

const HOUR: i64 = 3600;

/// One identity's UTC day: the vaults it touched, and the row that touched each first.
type Day = (HashSet<u32>, Vec<usize>);

fn volume_anomaly(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let sigmas = input.params.float("sigmas", 3.0);
    let min_mean = input.params.float("min_mean", 5.0);
    let ops = input.params.strings("operations", &["SecretGet", "KeyGet", "VaultGet"]);
    let names: Vec<&str> = ops.iter().map(String::as_str).collect();
    let counted = ctx.op_set(&names);
    let peak = input.params.float("peak_factor", 1.5);
    let hour = ticks(HOUR);
    let mut out = Vec::new();
    for dim in [Dim::Vault, Dim::Identity] {
        // Counts per (value, hour) first; rows are gathered only for the hours that fire.
        let mut hours: HashMap<u32, BTreeMap<i64, u32>> = HashMap::new();
        for r in ctx.rows() {
            let v = ctx.dim(dim, r);
            if v != 0 && counted[ctx.op(r) as usize] && ctx.ok(r) {
                *hours.entry(v).or_default().entry(ctx.time(r).div_euclid(hour)).or_default() += 1;
            }
        }
        let mut fired: Vec<(u32, i64, f64)> = Vec::new();
        for (&v, bins) in &hours {
            let (Some(&first), Some(&last)) = (bins.keys().next(), bins.keys().next_back()) else { continue };
            let span = (last - first + 1) as f64;
            if span < 24.0 {
                continue; // less than a day of history: no baseline
            }
            // Every hour of the active span counts (empty ones as 0); each hour is judged against the others,
            // so a burst does not hide in its own baseline. It must also be a new peak for this value.
            let sum: f64 = bins.values().map(|&n| n as f64).sum();
            let squares: f64 = bins.values().map(|&n| (n as f64).powi(2)).sum();
            let mut sorted: Vec<u32> = bins.values().copied().collect();
            sorted.sort_unstable();
            let (top, second) =
                (sorted[sorted.len() - 1] as f64, sorted.iter().rev().nth(1).map_or(0.0, |&n| n as f64));
            for (&h, &n) in bins {
                let n = n as f64;
                let others = span - 1.0;
                let mean = (sum - n) / others;
                let sd = (((squares - n * n) / others) - mean * mean).max(0.0).sqrt();
                let highest_other = if n == top { second } else { top };
                if mean > min_mean && n > mean + sigmas * sd && n > peak * highest_other {
                    fired.push((v, h, mean));
                }
            }
        }
        fired.sort_by_key(|&(v, h, _)| (h, v));
        for (v, h, mean) in fired {
            let rows: Vec<usize> = ctx
                .rows()
                .skip_while(|&r| ctx.time(r).div_euclid(hour) < h)
                .take_while(|&r| ctx.time(r).div_euclid(hour) == h)
                .filter(|&r| ctx.dim(dim, r) == v && counted[ctx.op(r) as usize] && ctx.ok(r))
                .collect();
            let extra = Extra::default()
                .var("per", if dim == Dim::Vault { "vault" } else { "identity" })
                .var("mean", format!("{mean:.1}"))
                .var("hour_count", rows.len().to_string());
            out.push(Finding::new(ctx, input.rule, plain(&rows), extra));
        }
    }
    Ok(out)
}

fn vault_fan_out(input: &Input) -> Outcome {
    let ctx = input.ctx;
    let min_vaults = input.params.int("min_vaults", 5).max(1) as usize;
    let factor = input.params.float("factor", 3.0);
    let new_min = input.params.int("new_min_vaults", 3).max(1) as usize;
    let day = ticks(86_400);
    // Per identity, per UTC day: the vaults touched successfully and the rows that touched them first.
    let mut days: HashMap<u32, BTreeMap<i64, Day>> = HashMap::new();
    for r in ctx.rows() {
        let (identity, vault) = (ctx.identity(r), ctx.vault(r));
        if identity == 0
            || vault == 0
            || !ctx.ok(r)
            || ctx.store.dicts.operations.get(ctx.op(r)).plane != crate::event::Plane::Data
        {
            continue;
        }
        let (vaults, rows) = days.entry(identity).or_default().entry(ctx.time(r).div_euclid(day)).or_default();
        if vaults.insert(vault) {
            rows.push(r);
        }
    }
    let mut ids: Vec<_> = days.into_iter().collect();
    ids.sort_by_key(|(i, _)| *i);
    // Days inside the baseline period are everyone's "first day": they teach, they are not judged.
    let end = super::baseline_end(ctx, &input.params).unwrap_or(i64::MIN);
    let mut out = Vec::new();
    for (_, per_day) in ids {
        let counts: Vec<usize> = per_day.values().map(|(v, _)| v.len()).collect();
        for (i, (&d, (vaults, rows))) in per_day.iter().enumerate() {
            if (d + 1) * day <= end {
                continue;
            }
            let earlier = &counts[..i];
            let n = vaults.len();
            let fires = if earlier.is_empty() {
                n >= new_min
            } else {
                let usual = earlier.iter().sum::<usize>() as f64 / earlier.len() as f64;
                n >= min_vaults && n as f64 >= factor * usual
            };
            if fires {
                let usual = if earlier.is_empty() {
                    "no earlier day".to_string()
                } else {
                    format!("{:.1} a day before", earlier.iter().sum::<usize>() as f64 / earlier.len() as f64)
                };
                let extra = Extra::default().var("vault_count", n.to_string()).var("usual", usual);
                out.push(Finding::new(ctx, input.rule, plain(rows), extra));
            }
        }
    }
    Ok(out)
}
