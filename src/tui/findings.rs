//! What the workbench knows about detections: the latest result for the store on screen, the cursor in the
//! findings pane, and per-pivot tables of values involved in findings (the pivot markers). Detections run on
//! a background thread after every load step; a result is only accepted for the store it was computed on, so
//! row numbers always mean what they meant to the rules.

use std::sync::Arc;

use super::pane::Pane;
use crate::detect::{Detections, Finding, Flag, Severity};
use crate::store::{Dim, Store};

#[derive(Default)]
pub struct FindingsView {
    pub detections: Option<Arc<Detections>>,
    /// Rules are running on the current store.
    pub running: bool,
    /// The selected finding (index into `Detections::findings`).
    pub cursor: usize,
    /// The first finding shown in the pane.
    pub top: usize,
    /// Per pivot dimension and id: the most severe finding the value is involved in.
    involved: [Vec<Option<Severity>>; 4],
}

impl FindingsView {
    /// Takes a result computed on `store` (the caller checks it is the store on screen).
    pub fn set(&mut self, store: &Store, detections: Arc<Detections>) {
        self.involved = Pane::PIVOTS.map(|p| p.dim().map(|d| detections.involved(store, d)).unwrap_or_default());
        self.cursor = self.cursor.min(detections.findings.len().saturating_sub(1));
        self.detections = Some(detections);
        self.running = false;
    }

    /// A new store replaced the one the findings were about: they no longer apply.
    pub fn invalidate(&mut self) {
        self.detections = None;
        self.involved = Default::default();
        self.running = true;
    }

    pub fn findings(&self) -> &[Finding] {
        self.detections.as_deref().map_or(&[], |d| &d.findings)
    }

    pub fn selected(&self) -> Option<&Finding> {
        self.findings().get(self.cursor)
    }

    /// The most severe finding this event is evidence of.
    pub fn flag(&self, row: usize) -> Option<Flag> {
        self.detections.as_ref()?.flag(row)
    }

    pub fn involved(&self, dim: Dim, id: u32) -> Option<Severity> {
        let i = Pane::PIVOTS.iter().position(|p| p.dim() == Some(dim))?;
        self.involved[i].get(id as usize).copied().flatten()
    }

    pub fn move_by(&mut self, delta: isize, page: usize) {
        let n = self.findings().len();
        if n == 0 {
            return;
        }
        self.cursor = (self.cursor as isize + delta).clamp(0, n as isize - 1) as usize;
        if self.cursor < self.top {
            self.top = self.cursor;
        } else if self.cursor >= self.top + page.max(1) {
            self.top = self.cursor + 1 - page.max(1);
        }
    }
}
