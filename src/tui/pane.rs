//! The workbench's panes: what can have focus, its title, its keymap context and the digit that focuses it.

use super::action::Action;
use super::keymap::Context;
use crate::store::Dim;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    CallerIp,
    Identity,
    Vault,
    Operation,
    Events,
    Detail,
    Timeline,
    Findings,
}

impl Pane {
    /// Focus order (Tab), which is also the digit order (1–8).
    pub const ALL: [Pane; 8] = [
        Pane::CallerIp,
        Pane::Identity,
        Pane::Vault,
        Pane::Operation,
        Pane::Events,
        Pane::Detail,
        Pane::Timeline,
        Pane::Findings,
    ];
    pub const PIVOTS: [Pane; 4] = [Pane::CallerIp, Pane::Identity, Pane::Vault, Pane::Operation];

    pub fn title(self) -> &'static str {
        match self {
            Pane::CallerIp => "Caller IP",
            Pane::Identity => "Identity",
            Pane::Vault => "Vault",
            Pane::Operation => "Operation",
            Pane::Events => "Events",
            Pane::Detail => "Detail",
            Pane::Timeline => "Timeline",
            Pane::Findings => "Findings",
        }
    }

    pub fn context(self) -> Context {
        match self {
            Pane::CallerIp | Pane::Identity | Pane::Vault | Pane::Operation => Context::Pivot,
            Pane::Events => Context::Table,
            Pane::Detail => Context::Detail,
            Pane::Timeline => Context::Timeline,
            Pane::Findings => Context::Findings,
        }
    }

    /// The dimension a pivot pane counts.
    pub fn dim(self) -> Option<Dim> {
        Some(match self {
            Pane::CallerIp => Dim::CallerIp,
            Pane::Identity => Dim::Identity,
            Pane::Vault => Dim::Vault,
            Pane::Operation => Dim::Operation,
            _ => return None,
        })
    }

    /// Index among the pivots (0–3).
    pub fn pivot_index(self) -> Option<usize> {
        Pane::PIVOTS.iter().position(|p| *p == self)
    }

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    /// The pane a focus action names.
    pub fn focused_by(action: Action) -> Option<Pane> {
        Some(match action {
            Action::FocusCallerIp => Pane::CallerIp,
            Action::FocusIdentity => Pane::Identity,
            Action::FocusVault => Pane::Vault,
            Action::FocusOperation => Pane::Operation,
            Action::FocusEvents => Pane::Events,
            Action::FocusDetail => Pane::Detail,
            Action::FocusTimeline => Pane::Timeline,
            Action::FocusFindings => Pane::Findings,
            _ => return None,
        })
    }
}
