//! Server mode: a source too large to load (more events than `--max-events`) is counted where it lives. The
//! pivot panes show the workspace's own counts for the drill-down so far; Enter, exclude, OR, Backspace and
//! clear change the drill-down, and each change is one round of `summarize` queries run off the input task.
//! Once the drill-down holds few enough events they are fetched and the workbench works on them as on any
//! store, the drill-down staying as the first breadcrumbs: popping past them goes back to counting.

use std::sync::Arc;

use super::panes::thousands;
use super::run::Stream;
use crate::store::Dim;
use crate::store::remote::{REMOTE_DIMS, RemoteClause, RemoteCounts};

/// What the workbench asks of a source that counts for it.
pub trait Remote: Send + Sync {
    /// Events above which the counting stays with the source.
    fn threshold(&self) -> u64;
    /// Counts under `scope`. Blocking (network): the runner calls it off the input task.
    fn summarize(&self, scope: &[RemoteClause]) -> Result<RemoteCounts, String>;
    /// The events under `scope`, as a stream the loader reads like any other.
    fn fetch(&self, scope: Vec<RemoteClause>) -> Stream;
}

pub type SharedRemote = Arc<dyn Remote>;

/// The workbench's side of server mode.
#[derive(Clone, Debug, Default)]
pub struct RemoteView {
    pub threshold: u64,
    /// The drill-down the source applies.
    pub scope: Vec<RemoteClause>,
    /// The source's counts for `scope` (`None` until the first answer).
    pub counts: Option<RemoteCounts>,
    /// A count for `scope` is on its way.
    pub pending: bool,
    /// The store holds the events under `scope`: the workbench works locally.
    pub loaded: bool,
}

impl RemoteView {
    pub fn new(threshold: u64) -> RemoteView {
        RemoteView { threshold, ..RemoteView::default() }
    }

    /// Counting on the source (nothing loaded yet).
    pub fn counting(&self) -> bool {
        !self.loaded
    }

    /// A pivot value as the source counted it, by its position in the answer.
    pub fn value(&self, dim: Dim, index: u32) -> Option<&str> {
        let i = REMOTE_DIMS.iter().position(|d| *d == dim)?;
        Some(self.counts.as_ref()?.facets[i].get(index as usize)?.value.as_str())
    }

    /// Changes the drill-down; the caller asks for a new count.
    pub fn push(&mut self, clause: RemoteClause) -> bool {
        if self.scope.contains(&clause) {
            return false;
        }
        self.scope.push(clause);
        self.recounting();
        true
    }

    pub fn pop(&mut self) -> bool {
        let popped = self.scope.pop().is_some();
        if popped {
            self.recounting();
        }
        popped
    }

    pub fn clear(&mut self) -> bool {
        let any = !self.scope.is_empty();
        self.scope.clear();
        self.recounting();
        any
    }

    fn recounting(&mut self) {
        self.pending = true;
        self.loaded = false;
    }

    /// Takes an answer for `scope`; an answer for an older drill-down is dropped (the newest wins). Returns
    /// whether the events under the scope are now few enough to fetch.
    pub fn answer(&mut self, scope: &[RemoteClause], counts: RemoteCounts) -> bool {
        if scope != self.scope.as_slice() {
            return false;
        }
        self.pending = false;
        let small = counts.total <= self.threshold;
        self.counts = Some(counts);
        if small {
            self.loaded = true;
        }
        small
    }

    /// The drill-down as breadcrumbs: `ip=…`, `vault≠…`.
    pub fn crumbs(&self) -> Vec<String> {
        self.scope.iter().map(|c| format!("{}{}{}", short(c.dim), if c.exclude { "≠" } else { "=" }, c.value)).collect()
    }

    /// The mode, for the status line.
    pub fn status(&self) -> String {
        let total = self.counts.as_ref().map(|c| c.total);
        match (self.loaded, total) {
            // The loaded slice's size is on the right of the status line already; its drill-down follows this.
            (true, Some(_)) => "SERVER MODE · slice".to_string(),
            (_, None) => "SERVER MODE · counting in the workspace…".to_string(),
            (false, Some(n)) => format!(
                "SERVER MODE · {} events counted by the workspace{} · drill down to ≤ {} to load them",
                thousands(n),
                if self.pending { " (recounting…)" } else { "" },
                thousands(self.threshold)
            ),
        }
    }
}

fn short(dim: Dim) -> &'static str {
    match dim {
        Dim::CallerIp => "ip",
        Dim::Identity => "id",
        Dim::Vault => "vault",
        Dim::Operation => "op",
        other => other.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::remote::RemoteFacet;

    fn counts(total: u64) -> RemoteCounts {
        let vault = vec![RemoteFacet { value: "kv-a".into(), total, failed: 1 }];
        RemoteCounts { total, facets: [vec![], vec![], vault, vec![]], queries: vec![] }
    }

    #[test]
    fn the_newest_drill_down_wins_and_a_small_one_loads() {
        let mut v = RemoteView::new(100);
        assert!(!v.answer(&[], counts(1000)));
        assert_eq!(v.value(Dim::Vault, 0), Some("kv-a"));
        let clause = RemoteClause { dim: Dim::Vault, value: "kv-a".into(), exclude: false };
        assert!(v.push(clause.clone()));
        assert!(!v.push(clause.clone()), "the same step twice is one step");
        assert!(v.pending);
        // An answer for the drill-down before is late: dropped.
        assert!(!v.answer(&[], counts(1000)));
        assert!(v.pending);
        assert!(v.answer(&[clause], counts(40)));
        assert!(v.loaded && !v.counting());
        assert_eq!(v.crumbs(), ["vault=kv-a"]);
        assert_eq!(v.status(), "SERVER MODE · slice");
        assert!(v.pop() && v.counting() && v.pending);
    }
}
