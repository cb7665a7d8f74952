//! What the current filter shows: the selected rows, each pivot's frequency table and the timeline's
//! histogram. Recomputed when the filter or the store changes, never while drawing.

use rayon::prelude::*;

use super::crumbs::Crumbs;
use super::pane::Pane;
use crate::event::Ticks;
use crate::store::{FacetRow, Selection, Store};

pub struct Counts {
    pub selection: Selection,
    /// Per pivot pane (Caller IP, Identity, Vault, Operation).
    pub facets: [Vec<FacetRow>; 4],
}

impl Counts {
    pub fn empty() -> Counts {
        Counts { selection: Selection::All(0), facets: Default::default() }
    }

    /// A pane counts under every filter except its own dimension's chosen values, so it keeps listing what
    /// can still be added with OR (faceted search); its chosen values are marked instead.
    pub fn compute(store: &Store, crumbs: &Crumbs) -> Counts {
        let selection = store.select(&crumbs.filter());
        // The four pivots count independently: on both cores at once (a recount is most of a keystroke's time).
        let count = |pane: &Pane| {
            let Some(dim) = pane.dim() else { return Vec::new() };
            if crumbs.has_own_dim(dim) {
                store.facets(dim, &store.select(&crumbs.filter_for_facet(dim)))
            } else {
                store.facets(dim, &selection)
            }
        };
        let mut counted: Vec<Vec<FacetRow>> = Pane::PIVOTS.par_iter().map(count).collect();
        let facets = std::array::from_fn(|i| std::mem::take(&mut counted[i]));
        Counts { selection, facets }
    }
}

/// Events per time bucket over the selection's own time range, split into total and failed. The range also
/// covers the gaps of a live source — a stretch that could not be fetched has no events to stretch it, and a
/// failed hour at the edge would otherwise fall off the timeline, the one place that shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    pub from: Ticks,
    /// Bucket width in ticks (at least 1).
    pub step: i64,
    /// `[total, failed]` per bucket.
    pub bars: Vec<[u32; 2]>,
    /// The gaps it was computed with, `[from, to)`: the timeline marks the buckets they touch.
    pub gaps: Vec<(Ticks, Ticks)>,
}

impl Histogram {
    pub fn compute(store: &Store, selection: &Selection, buckets: usize) -> Histogram {
        Histogram::with_gaps(store, selection, buckets, &[])
    }

    /// `gaps` are `[from, to)` stretches (empty ones are ignored) the range must include besides the events.
    pub fn with_gaps(store: &Store, selection: &Selection, buckets: usize, gaps: &[(Ticks, Ticks)]) -> Histogram {
        let gaps: Vec<(Ticks, Ticks)> = gaps.iter().copied().filter(|(f, t)| f < t).collect();
        let ends = match selection {
            Selection::All(n) => (*n > 0).then(|| (0, n - 1)),
            Selection::Rows(r) => r.first().zip(r.last()).map(|(&f, &l)| (f as usize, l as usize)),
        };
        let events = ends.map(|(first, last)| (store.time(first).0, store.time(last).0));
        // Inclusive ends, like the events': a gap's last tick is one before its `to`.
        let gap_span = gaps.iter().map(|(f, t)| (f.0, t.0 - 1)).reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
        let range = match (events, gap_span) {
            (Some(e), Some(g)) => Some((e.0.min(g.0), e.1.max(g.1))),
            (e, g) => e.or(g),
        };
        let (Some((from, to)), true) = (range, buckets > 0) else {
            return Histogram { from: Ticks(0), step: 1, bars: vec![[0, 0]; buckets], gaps };
        };
        let step = (to.saturating_sub(from) / buckets as i64).saturating_add(1).max(1);
        let mut bars = vec![[0u32; 2]; buckets];
        match selection {
            Selection::All(n) => fill(&mut bars, store, from, step, 0..*n),
            Selection::Rows(r) => fill(&mut bars, store, from, step, r.iter().map(|&i| i as usize)),
        }
        Histogram { from: Ticks(from), step, bars, gaps }
    }

    /// Start of bucket `i` (the end of bucket `i` is the start of `i + 1`).
    pub fn start(&self, i: usize) -> Ticks {
        Ticks(self.from.0 + self.step * i as i64)
    }

    /// Whether bucket `i` overlaps a gap: some of its time could not be fetched, so its bar may be short.
    pub fn in_gap(&self, i: usize) -> bool {
        let (a, b) = (self.start(i), self.start(i + 1));
        self.gaps.iter().any(|&(f, t)| f < b && t > a)
    }
}

/// Counts `rows` (in time order) into `bars`: the bucket only ever advances, so there is no division per row.
fn fill(bars: &mut [[u32; 2]], store: &Store, from: i64, step: i64, rows: impl Iterator<Item = usize>) {
    let (mut b, mut end) = (0usize, from + step);
    for row in rows {
        let t = store.time(row).0;
        while t >= end && b + 1 < bars.len() {
            b += 1;
            end += step;
        }
        bars[b][0] += 1;
        bars[b][1] += store.failed(row) as u32;
    }
}
