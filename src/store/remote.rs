//! Counts made elsewhere: when a workspace holds more events than a jump box should load, the pivot panes are
//! counted by the workspace (`summarize … by value`) and only the slice the analyst drills down to is loaded.
//! These are the plain data both sides agree on — the drill-down as values (no dictionary ids: nothing is
//! interned yet) and the answer as labelled counts — so the source that counts and the workbench that shows
//! them need not know each other.

use super::Dim;

/// One step of a drill-down done by the workspace: events whose `dim` is (or, `exclude`d, is not) `value`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RemoteClause {
    pub dim: Dim,
    pub value: String,
    pub exclude: bool,
}

/// One value of a pivot as the workspace counted it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemoteFacet {
    pub value: String,
    pub total: u64,
    pub failed: u64,
}

/// The workspace's answer for a drill-down: how many events it holds and the top values of the four pivots
/// (Caller IP, Identity, Vault, Operation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemoteCounts {
    pub total: u64,
    pub facets: [Vec<RemoteFacet>; 4],
    /// The KQL that counted them.
    pub queries: Vec<String>,
}

impl RemoteCounts {
    /// Adds another table's counts (a workspace may hold Key Vault rows in both tables).
    pub fn merge(&mut self, other: RemoteCounts) {
        self.total += other.total;
        for (mine, theirs) in self.facets.iter_mut().zip(other.facets) {
            for f in theirs {
                match mine.iter_mut().find(|m| m.value == f.value) {
                    Some(m) => {
                        m.total += f.total;
                        m.failed += f.failed;
                    }
                    None => mine.push(f),
                }
            }
            mine.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.value.cmp(&b.value)));
        }
        self.queries.extend(other.queries);
    }
}

/// The dimensions the workspace counts, in pivot-pane order.
pub const REMOTE_DIMS: [Dim; 4] = [Dim::CallerIp, Dim::Identity, Dim::Vault, Dim::Operation];
