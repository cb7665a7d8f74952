//! Where a key is pressed. A keymap binds keys per context so that `enter` can drill in a pivot pane and open
//! the detail in the event table; the workbench looks a key up in the focused context first and then in `global`.

use std::fmt;

/// A keymap table: the name in brackets in a keymap file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Keys that work everywhere unless the focused context binds the same key.
    Global,
    /// The four pivot panes (caller IP, identity, vault, operation).
    Pivot,
    /// The event table.
    Table,
    /// The detail pane.
    Detail,
    /// The timeline.
    Timeline,
    /// The findings pane.
    Findings,
    /// The load-errors overlay.
    Errors,
    /// The queries overlay (the KQL a live source sent, its gaps, the coverage file's blind spots).
    Queries,
    /// The help overlay.
    Help,
    /// The fuzzy-filter prompt, where printable keys are text.
    Prompt,
}

impl Context {
    /// Every context, in the order keymap files and `describe` list them.
    pub const ALL: [Context; 10] = [
        Context::Global,
        Context::Pivot,
        Context::Table,
        Context::Detail,
        Context::Timeline,
        Context::Findings,
        Context::Errors,
        Context::Queries,
        Context::Help,
        Context::Prompt,
    ];

    /// The table name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Pivot => "pivot",
            Context::Table => "table",
            Context::Detail => "detail",
            Context::Timeline => "timeline",
            Context::Findings => "findings",
            Context::Errors => "errors",
            Context::Queries => "queries",
            Context::Help => "help",
            Context::Prompt => "prompt",
        }
    }

    /// The context named `name` in a keymap file, if any.
    pub fn from_name(name: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Position in [`Context::ALL`], so per-context data can live in a plain array.
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_index_matches_all() {
        for (i, c) in Context::ALL.into_iter().enumerate() {
            assert_eq!(Context::from_name(c.name()), Some(c));
            assert_eq!(c.index(), i);
        }
        assert_eq!(Context::from_name("Global"), None);
    }
}
