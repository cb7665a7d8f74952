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
        // [total, failed] per value, side by side: one cache line per hit, one bounds check.
        let mut counts = vec![[0u32; 2]; self.cardinality(dim)];
        match selection {
            Selection::All(n) => {
                for (&v, &st) in col[..*n].iter().zip(&status[..*n]) {
                    let c = &mut counts[v as usize];
                    c[0] += 1;
                    c[1] += failed_status[st as usize] as u32;
                }
            }
            Selection::Rows(rows) => {
                for &i in rows {
                    let c = &mut counts[col[i as usize] as usize];
                    c[0] += 1;
                    c[1] += failed_status[status[i as usize] as usize] as u32;
                }
            }
        }
        let mut rows: Vec<FacetRow> = counts
            .iter()
            .enumerate()
            .filter(|(_, c)| c[0] > 0)
            .map(|(v, c)| FacetRow { id: v as u32, total: c[0], failed: c[1] })
            .collect();
        rows.sort_unstable_by(|a, b| b.total.cmp(&a.total).then(a.id.cmp(&b.id)));
        rows
    }
}
