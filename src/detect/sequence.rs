//! Sequence rules: per actor, the steps in order (VaultGet → SecretList → SecretListVersions → SecretGet),
//! the whole within a window and consecutive steps within a gap. Each step's matching positions are listed
//! once per group, so extending a partial match is a binary search, not a rescan. An event of one match never
//! starts another.

use hashbrown::{HashMap, HashSet};

use crate::event::apps::well_known_name;

use super::ctx::{Ctx, ticks};
use super::finding::{Evidence, Extra, Finding};
use super::group::{field, rows_by};
use super::predicate::Pred;
use super::spec::{RuleSpec, SequenceSpec, seconds};

struct Plan<'a> {
    spec: &'a SequenceSpec,
    preds: Vec<Pred>,
    within: i64,
    gap: i64,
}

pub fn run(ctx: &Ctx, rule: &RuleSpec, s: &SequenceSpec) -> Vec<Finding> {
    let within = ticks(seconds(&s.within).unwrap_or(600));
    let plan = Plan {
        spec: s,
        preds: s.steps.iter().map(|m| Pred::compile(ctx, m)).collect(),
        within,
        gap: s.max_gap.as_deref().and_then(seconds).map_or(within, ticks),
    };
    let first_use = (!s.new_ops.is_empty()).then(|| first_use(ctx, &s.new_ops));
    // With a novelty guard, matches inside the baseline period have nothing to be new against. A case shorter
    // than a day has no baseline period: every match is judged against what came before it.
    let judged_from = match (&first_use, ctx.store.first_time(), ctx.store.last_time()) {
        (Some(_), Some(a), Some(b)) if b.0 - a.0 >= ticks(86_400) => {
            a.0 + ((b.0 - a.0) as f64 * s.baseline_fraction.unwrap_or(0.2).clamp(0.0, 0.9)) as i64
        }
        _ => i64::MIN,
    };
    let mut out = Vec::new();
    for rows in rows_by(ctx, s.by, |r| plan.preds.iter().any(|p| p.test(ctx, r))) {
        let pos: Vec<Vec<usize>> =
            plan.preds.iter().map(|p| (0..rows.len()).filter(|&i| p.test(ctx, rows[i] as usize)).collect()).collect();
        // An event that is part of one match cannot start another; it can still be a later step of an
        // interleaved one (two certificates exported side by side are two findings).
        let mut used = vec![false; rows.len()];
        for &start in &pos[0] {
            if used[start] {
                continue;
            }
            let Some(evidence) = extend(ctx, &plan, &rows, &pos, start) else { continue };
            // Ending where an earlier match ended: the same story seen from a repeated first step.
            if evidence.last().is_some_and(|&(i, _)| used[i]) {
                continue;
            }
            for &(i, _) in &evidence {
                used[i] = true;
            }
            let last = rows[evidence.last().map_or(start, |&(i, _)| i)] as usize;
            if ctx.time(rows[start] as usize) < judged_from {
                continue;
            }
            if let Some(seen) = &first_use
                && seen.get(&(ctx.identity(last), ctx.vault(last))).is_some_and(|&t| t < ctx.time(rows[start] as usize))
            {
                continue;
            }
            let steps: Vec<&str> = {
                let mut names: Vec<&str> = Vec::new();
                for &(i, _) in &evidence {
                    let n = ctx.op_name(rows[i] as usize);
                    if names.last() != Some(&n) {
                        names.push(n);
                    }
                }
                names
            };
            let app = ctx.app(last);
            let client = well_known_name(app).map_or_else(|| app.to_string(), str::to_string);
            let extra = Extra::default().var("steps", steps.join(" → ")).var("client", client);
            let evidence =
                evidence.into_iter().map(|(i, step)| Evidence { row: rows[i], step: Some(step as u8) }).collect();
            out.push(Finding::new(ctx, rule, evidence, extra));
        }
    }
    out
}

/// The earliest successful use of `ops` per (identity, vault): the baseline for "first time" guards.
fn first_use(ctx: &Ctx, ops: &[String]) -> HashMap<(u32, u32), i64> {
    let names: Vec<&str> = ops.iter().map(String::as_str).collect();
    let set = ctx.op_set(&names);
    let mut seen = HashMap::new();
    for r in ctx.rows() {
        if set[ctx.op(r) as usize] && ctx.ok(r) {
            seen.entry((ctx.identity(r), ctx.vault(r))).or_insert(ctx.time(r));
        }
    }
    seen
}

/// The events of a match starting at group position `start`, as (position, 1-based step), or `None`.
fn extend(ctx: &Ctx, plan: &Plan, rows: &[u32], pos: &[Vec<usize>], start: usize) -> Option<Vec<(usize, usize)>> {
    let time = |i: usize| ctx.time(rows[i] as usize);
    let name = |i: usize| ctx.object_ref(rows[i] as usize).map(|(_, n)| n.to_ascii_lowercase());
    let t0 = time(start);
    let steps = &plan.spec.steps;
    let mut evidence = vec![(start, 1)];
    let mut chosen = vec![start];
    let mut cur = start;
    for k in 1..steps.len() {
        let step = &steps[k];
        let need = step.min.unwrap_or(1) as usize;
        let last_step = k + 1 == steps.len();
        let wanted_name = step.same_name_as.and_then(|j| chosen.get(j.saturating_sub(1)).copied()).map(name);
        let mut distinct = HashSet::new();
        let (mut got, mut last) = (0, cur);
        for &p in &pos[k][pos[k].partition_point(|&p| p <= cur)..] {
            let t = time(p);
            if t - t0 > plan.within || t - time(last) > plan.gap {
                break;
            }
            if got >= need && !last_step {
                break;
            }
            if let Some(want) = &wanted_name
                && &name(p) != want
            {
                continue;
            }
            let fresh = step.distinct.is_none_or(|f| distinct.insert(field(ctx, f, rows[p] as usize)));
            evidence.push((p, k + 1));
            last = p;
            got += usize::from(fresh);
        }
        if got < need {
            return None;
        }
        cur = last;
        chosen.push(cur);
    }
    Some(evidence)
}
