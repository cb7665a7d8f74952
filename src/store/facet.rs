//! Facet counts — VisiData's frequency table, the first question of every investigation ("who called my
//! vault?"): for each distinct value of a dimension, how many selected events carry it and how many failed.

use super::{Dim, Selection, Store};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FacetRow {
    pub id: u32,
    pub total: u32,
    pub failed: u32,
}

impl Store {
    /// Counts per value of `dim` over `selection`, most frequent first (ties by id, i.e. first seen).
    pub fn facets(&self, dim: Dim, selection: &Selection) -> Vec<FacetRow> {
        let col = self.column(dim);
        let status = self.column(Dim::Status);
        let failed_status = &self.failed_status;
        let card = self.cardinality(dim);
        let mut total = vec![0u32; card];
        let mut failed = vec![0u32; card];
        let mut count = |i: usize| {
            let v = col[i] as usize;
            total[v] += 1;
            failed[v] += failed_status[status[i] as usize] as u32;
        };
        match selection {
            Selection::All(n) => (0..*n).for_each(&mut count),
            Selection::Rows(rows) => rows.iter().for_each(|&i| count(i as usize)),
        }
        let mut rows: Vec<FacetRow> = (0..card)
            .filter(|&v| total[v] > 0)
            .map(|v| FacetRow { id: v as u32, total: total[v], failed: failed[v] })
            .collect();
        rows.sort_unstable_by(|a, b| b.total.cmp(&a.total).then(a.id.cmp(&b.id)));
        rows
    }
}
