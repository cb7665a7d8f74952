//! Threshold rules: per actor, a sliding window over the matching events; the rule holds when the window's
//! count (and/or distinct count of a field) passes the limits. Overlapping windows that hold merge into one
//! finding, so a burst is one finding with all its events, not one per event.

use std::collections::HashMap;

use super::ctx::{Ctx, ticks};
use super::finding::{Evidence, Extra, Finding};
use super::group::{field, rows_by};
use super::predicate::Pred;
use super::spec::{Field, RuleSpec, ThresholdSpec, seconds};

pub fn run(ctx: &Ctx, rule: &RuleSpec, t: &ThresholdSpec) -> Vec<Finding> {
    let pred = Pred::compile(ctx, &t.when);
    let window = ticks(seconds(&t.window).unwrap_or(3600));
    let fields: Vec<(Field, u64)> = t.distinct.iter().map(|(f, n)| (*f, *n)).collect();
    let holds = |count: u64, inside: &[HashMap<u32, u32>]| {
        t.count_gt.is_none_or(|n| count > n)
            && t.count_ge.is_none_or(|n| count >= n)
            && fields.iter().zip(inside).all(|((_, n), m)| m.len() as u64 >= *n)
    };
    let mut out = Vec::new();
    for rows in rows_by(ctx, t.by, |r| pred.test(ctx, r)) {
        // Per counted field, the values in the window with their multiplicity.
        let mut inside: Vec<HashMap<u32, u32>> = vec![HashMap::new(); fields.len()];
        let (mut from, mut run): (usize, Option<(usize, usize, u64, u64)>) = (0, None);
        let mut emit = |run: (usize, usize, u64, u64)| {
            let (a, b, peak, peak_distinct) = run;
            let evidence = rows[a..=b].iter().map(|&row| Evidence { row, step: None }).collect();
            let extra = Extra::default()
                .var("window", t.window.clone())
                .var("peak", peak.to_string())
                .var("distinct", peak_distinct.to_string());
            let mut f = Finding::new(ctx, rule, evidence, extra);
            f.threshold = Some(Box::new(t.clone()));
            out.push(f);
        };
        for to in 0..rows.len() {
            let now = ctx.time(rows[to] as usize);
            // An absent value (a list has no object) is not a distinct value.
            for ((f, _), m) in fields.iter().zip(&mut inside) {
                let v = field(ctx, *f, rows[to] as usize);
                if v != 0 {
                    *m.entry(v).or_default() += 1;
                }
            }
            while now - ctx.time(rows[from] as usize) > window {
                for ((f, _), m) in fields.iter().zip(&mut inside) {
                    let v = field(ctx, *f, rows[from] as usize);
                    if let Some(n) = m.get_mut(&v) {
                        *n -= 1;
                        if *n == 0 {
                            m.remove(&v);
                        }
                    }
                }
                from += 1;
            }
            if let Some(r) = run
                && from > r.1
            {
                emit(r);
                run = None;
            }
            let count = (to - from + 1) as u64;
            let distinct = inside.first().map_or(0, |m| m.len() as u64);
            if holds(count, &inside) {
                run = Some(match run {
                    Some((a, _, p, d)) => (a.min(from), to, p.max(count), d.max(distinct)),
                    None => (from, to, count, distinct),
                });
            }
        }
        if let Some(r) = run {
            emit(r);
        }
    }
    out
}
