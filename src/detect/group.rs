//! Splitting rows into per-actor groups (rows stay in time order inside each group), and the distinct-value
//! fields rules count.

use std::collections::HashMap;

use crate::store::Dim;

use super::ctx::Ctx;
use super::spec::{Field, GroupBy};

/// The group key of a row, or `None` when the row has no such actor (anonymous caller, no IP).
#[inline]
pub fn key(ctx: &Ctx, by: GroupBy, row: usize) -> Option<u64> {
    let pair = |a: u32, b: u32| ((a as u64) << 32) | b as u64;
    let (ident, ip, vault) = (ctx.identity(row), ctx.ip(row), ctx.vault(row));
    match by {
        GroupBy::Identity => (ident != 0).then_some(ident as u64),
        GroupBy::CallerIp => (ip != 0).then_some(ip as u64),
        GroupBy::IdentityVault => (ident != 0).then(|| pair(ident, vault)),
        GroupBy::CallerIpVault => (ip != 0).then(|| pair(ip, vault)),
        GroupBy::Vault => (vault != 0).then_some(vault as u64),
    }
}

/// Kept rows that pass `wanted`, grouped by `by`; groups in order of their first row (deterministic output).
pub fn rows_by(ctx: &Ctx, by: GroupBy, wanted: impl Fn(usize) -> bool) -> Vec<Vec<u32>> {
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for row in ctx.rows() {
        if !wanted(row) {
            continue;
        }
        if let Some(k) = key(ctx, by, row) {
            let g = *index.entry(k).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(row as u32);
        }
    }
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
