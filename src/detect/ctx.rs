//! What every rule reads, computed once per run: the pre-filter mask, per-dictionary truth tables (is this
//! status a success? a denial?), and short accessors over the store's columns. Rules then test rows with a few
//! array lookups, which is what keeps all thirty of them inside a second on a million events.

use std::sync::OnceLock;

use hashbrown::HashMap;

use crate::event::time::TICKS_PER_SECOND;
use crate::event::{ObjectKind, Outcome};
use crate::store::{Dim, Store};

use super::prefilter::{self, Prefiltered};

pub struct Ctx<'a> {
    pub store: &'a Store,
    /// Rows the pre-filters (DETECTIONS.md §7.2) keep.
    pub keep: Vec<bool>,
    pub prefiltered: Prefiltered,
    ok: Vec<bool>,
    failed: Vec<bool>,
    denied: Vec<bool>,
    /// Operation ids by lower-cased name.
    op_ids: HashMap<String, u32>,
    /// Dense ids of (identity, vault) and (caller IP, vault) pairs per row, built on first use and shared by
    /// every rule that groups by them.
    pairs: [OnceLock<(Vec<u32>, usize)>; 2],
}

impl<'a> Ctx<'a> {
    pub fn new(store: &'a Store) -> Ctx<'a> {
        let statuses = store.dicts.statuses.values();
        let ok = statuses.iter().map(|s| s.outcome == Outcome::Success).collect();
        let failed = statuses.iter().map(|s| s.outcome == Outcome::Failure).collect();
        let denied = statuses.iter().map(|s| matches!(s.code, Some(401 | 403))).collect();
        let op_ids = store
            .dicts
            .operations
            .values()
            .iter()
            .enumerate()
            .skip(1)
            .map(|(id, op)| (op.name.to_ascii_lowercase(), id as u32))
            .collect();
        let (keep, prefiltered) = prefilter::keep(store);
        Ctx { store, keep, prefiltered, ok, failed, denied, op_ids, pairs: [OnceLock::new(), OnceLock::new()] }
    }

    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// Rows kept by the pre-filters, in time order.
    pub fn rows(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter(|&r| self.keep[r])
    }

    pub fn op_id(&self, name: &str) -> Option<u32> {
        self.op_ids.get(&name.to_ascii_lowercase()).copied()
    }

    /// Ids of every operation whose name is one of `names` (any case); unknown names are simply absent.
    pub fn op_set(&self, names: &[&str]) -> Vec<bool> {
        let mut set = vec![false; self.store.cardinality(Dim::Operation)];
        for n in names {
            if let Some(id) = self.op_id(n) {
                set[id as usize] = true;
            }
        }
        set
    }

    #[inline]
    pub fn time(&self, row: usize) -> i64 {
        self.store.cols.time[row]
    }

    #[inline]
    pub fn dim(&self, dim: Dim, row: usize) -> u32 {
        self.store.cols.dims[dim as usize][row]
    }

    #[inline]
    pub fn identity(&self, row: usize) -> u32 {
        self.dim(Dim::Identity, row)
    }

    #[inline]
    pub fn ip(&self, row: usize) -> u32 {
        self.dim(Dim::CallerIp, row)
    }

    #[inline]
    pub fn vault(&self, row: usize) -> u32 {
        self.dim(Dim::Vault, row)
    }

    #[inline]
    pub fn op(&self, row: usize) -> u32 {
        self.dim(Dim::Operation, row)
    }

    #[inline]
    pub fn object(&self, row: usize) -> u32 {
        self.dim(Dim::Object, row)
    }

    /// Per row, a dense id of the pair (`dim`, vault), 0 when `dim` is absent; and the number of ids.
    pub fn pair_ids(&self, dim: Dim) -> &(Vec<u32>, usize) {
        let slot = if dim == Dim::Identity { 0 } else { 1 };
        self.pairs[slot].get_or_init(|| {
            let mut ids: HashMap<(u32, u32), u32> = HashMap::new();
            let column = &self.store.cols.dims[dim as usize];
            let vaults = &self.store.cols.dims[Dim::Vault as usize];
            let per_row = (0..self.len())
                .map(|r| {
                    if column[r] == 0 {
                        return 0;
                    }
                    let next = ids.len() as u32 + 1;
                    *ids.entry((column[r], vaults[r])).or_insert(next)
                })
                .collect();
            (per_row, ids.len() + 1)
        })
    }

    pub fn op_name(&self, row: usize) -> &str {
        &self.store.dicts.operations.get(self.op(row)).name
    }

    #[inline]
    pub fn ok(&self, row: usize) -> bool {
        self.ok[self.dim(Dim::Status, row) as usize]
    }

    #[inline]
    pub fn failed(&self, row: usize) -> bool {
        self.failed[self.dim(Dim::Status, row) as usize]
    }

    /// 401 or 403.
    #[inline]
    pub fn denied(&self, row: usize) -> bool {
        self.denied[self.dim(Dim::Status, row) as usize]
    }

    pub fn status_code(&self, row: usize) -> Option<u16> {
        self.store.dicts.statuses.get(self.dim(Dim::Status, row)).code
    }

    /// The token's client app id (lower case), or "".
    pub fn app(&self, row: usize) -> &str {
        self.store.dicts.apps.get(self.store.cols.client_app[row])
    }

    /// The object's kind and name, when the event addressed one.
    pub fn object_ref(&self, row: usize) -> Option<(ObjectKind, &str)> {
        let id = self.object(row);
        (id != 0).then(|| {
            let o = self.store.dicts.objects.get(id);
            (o.kind, &*o.name)
        })
    }

    pub fn label(&self, dim: Dim, id: u32) -> String {
        self.store.label(dim, id).into_owned()
    }
}

/// Seconds to store ticks.
pub fn ticks(seconds: i64) -> i64 {
    seconds.saturating_mul(TICKS_PER_SECOND)
}
