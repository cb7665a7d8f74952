//! Splitting rows into per-actor groups (rows stay in time order inside each group), and the distinct-value
//! fields rules count.

use crate::store::Dim;

use super::ctx::Ctx;
use super::spec::{Field, GroupBy};

/// Kept rows that pass `wanted`, grouped by `by`, each group in time order. Groups are indexed by dense ids
/// (dictionary ids, or the shared pair ids), so grouping a million rows is one pass without hashing.
pub fn rows_by(ctx: &Ctx, by: GroupBy, wanted: impl Fn(usize) -> bool) -> Vec<Vec<u32>> {
    let (ids, n): (&[u32], usize) = match by {
        GroupBy::Identity => (ctx.store.column(Dim::Identity), ctx.store.cardinality(Dim::Identity)),
        GroupBy::CallerIp => (ctx.store.column(Dim::CallerIp), ctx.store.cardinality(Dim::CallerIp)),
        GroupBy::Vault => (ctx.store.column(Dim::Vault), ctx.store.cardinality(Dim::Vault)),
        GroupBy::IdentityVault => {
            let (ids, n) = ctx.pair_ids(Dim::Identity);
            (ids, *n)
        }
        GroupBy::CallerIpVault => {
            let (ids, n) = ctx.pair_ids(Dim::CallerIp);
            (ids, *n)
        }
    };
    let mut groups: Vec<Vec<u32>> = vec![Vec::new(); n];
    for row in ctx.rows() {
        let g = ids[row] as usize;
        if g != 0 && wanted(row) {
            groups[g].push(row as u32);
        }
    }
    groups.retain(|g| !g.is_empty());
    groups
}

/// The value of a counted field for a row.
#[inline]
pub fn field(ctx: &Ctx, f: Field, row: usize) -> u32 {
    match f {
        Field::Object => ctx.object(row),
        Field::Vault => ctx.vault(row),
        Field::Operation => ctx.op(row),
        Field::CallerIp => ctx.ip(row),
        Field::Identity => ctx.dim(Dim::Identity, row),
    }
}
