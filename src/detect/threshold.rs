//! Threshold rules: per actor, a sliding window over the matching events; the rule holds when the window's
//! count (and/or distinct count of a field) passes the limits. Overlapping windows that hold merge into one
//! finding, so a burst is one finding with all its events, not one per event.

use super::ctx::{Ctx, ticks};
use super::finding::{Evidence, Extra, Finding};
use super::group::{field, rows_by};
use super::predicate::Pred;
use super::spec::{Field, RuleSpec, ThresholdSpec, seconds};

pub fn run(ctx: &Ctx, rule: &RuleSpec, t: &ThresholdSpec) -> Vec<Finding> {
    let pred = Pred::compile(ctx, &t.when);
    let window = ticks(seconds(&t.window).unwrap_or(3600));
    let fields: Vec<(Field, u64)> = t.distinct.iter().map(|(f, n)| (*f, *n)).collect();
    let holds = |count: u64, counters: &[Counter]| {
        t.count_gt.is_none_or(|n| count > n)
            && t.count_ge.is_none_or(|n| count >= n)
            && fields.iter().zip(counters).all(|((_, n), c)| c.distinct as u64 >= *n)
    };
    let mut out = Vec::new();
    let day = ticks(86_400);
    let mut counters: Vec<Counter> = fields.iter().map(|(f, _)| Counter::new(cardinality(ctx, *f))).collect();
    for rows in rows_by(ctx, t.by, |r| pred.test(ctx, r)) {
        let before = out.len();
        // Per counted field, the values in the window with their multiplicity (dense, reused across groups).
        for c in &mut counters {
            c.clear();
        }
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
            for ((f, _), c) in fields.iter().zip(&mut counters) {
                c.add(field(ctx, *f, rows[to] as usize));
            }
            while now - ctx.time(rows[from] as usize) > window {
                for ((f, _), c) in fields.iter().zip(&mut counters) {
                    c.remove(field(ctx, *f, rows[from] as usize));
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
            let distinct = counters.first().map_or(0, |c| c.distinct as u64);
            if holds(count, &counters) {
                run = Some(match run {
                    Some((a, _, p, d)) => (a.min(from), to, p.max(count), d.max(distinct)),
                    None => (from, to, count, distinct),
                });
            }
        }
        if let Some(r) = run {
            emit(r);
        }
        if let Some(limit) = t.routine_days {
            let mut days: Vec<i64> = out[before..].iter().map(|f: &Finding| f.first.div_euclid(day)).collect();
            days.dedup();
            if days.len() >= limit as usize {
                out.truncate(before);
            }
        }
    }
    out
}

/// Distinct values in a sliding window: a count per dictionary id, so adding and removing is an index, not a
/// hash. Absent values (id 0: a list has no object) are not counted.
struct Counter {
    counts: Vec<u32>,
    touched: Vec<u32>,
    distinct: usize,
}

impl Counter {
    fn new(cardinality: usize) -> Counter {
        Counter { counts: vec![0; cardinality.max(1)], touched: Vec::new(), distinct: 0 }
    }

    fn add(&mut self, v: u32) {
        if v != 0 && (v as usize) < self.counts.len() {
            let c = &mut self.counts[v as usize];
            if *c == 0 {
                self.distinct += 1;
                self.touched.push(v);
            }
            *c += 1;
        }
    }

    fn remove(&mut self, v: u32) {
        if v != 0 && (v as usize) < self.counts.len() && self.counts[v as usize] > 0 {
            self.counts[v as usize] -= 1;
            if self.counts[v as usize] == 0 {
                self.distinct -= 1;
            }
        }
    }

    /// Back to empty, touching only what was used.
    fn clear(&mut self) {
        for v in self.touched.drain(..) {
            self.counts[v as usize] = 0;
        }
        self.distinct = 0;
    }
}

fn cardinality(ctx: &Ctx, f: Field) -> usize {
    use crate::store::Dim;
    let dim = match f {
        Field::Object => Dim::Object,
        Field::Vault => Dim::Vault,
        Field::Operation => Dim::Operation,
        Field::CallerIp => Dim::CallerIp,
        Field::Identity => Dim::Identity,
    };
    ctx.store.cardinality(dim)
}
