//! Everything a key can ask the workbench to do: one enum (television's pattern), named in snake_case so
//! keymaps are data. The table below is the single source of action names and their one-line descriptions;
//! the help overlay, the hint bar and `kvtrail keymap check` all read it.

use std::fmt;
use std::str::FromStr;

/// Declares the enum and its name / description table in one place, so a new action cannot miss either.
macro_rules! actions {
    ($($variant:ident => $name:literal, $hint:literal, $desc:literal;)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),* }

        impl Action {
            /// Every action, in the order the help overlay lists them.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name used in keymap files.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            /// What it does, for the help overlay and `keymap check`.
            pub fn describe(self) -> &'static str {
                match self { $(Action::$variant => $desc),* }
            }

            /// A word or two for the hint bar.
            pub fn hint(self) -> &'static str {
                match self { $(Action::$variant => $hint),* }
            }
        }
    };
}

actions! {
    Quit => "quit", "quit", "quit kvtrail";
    Help => "help", "help", "show every key";
    Cancel => "cancel", "back", "close the overlay or prompt, leave zoom";
    Noop => "noop", "nothing", "unbind the key (a keymap may bind it to do nothing)";
    FocusNext => "focus_next", "next pane", "focus the next pane";
    FocusPrev => "focus_prev", "prev pane", "focus the previous pane";
    FocusCallerIp => "focus_caller_ip", "ips", "focus the Caller IP pane";
    FocusIdentity => "focus_identity", "identities", "focus the Identity pane";
    FocusVault => "focus_vault", "vaults", "focus the Vault pane";
    FocusOperation => "focus_operation", "operations", "focus the Operation pane";
    FocusEvents => "focus_events", "events", "focus the event table";
    FocusDetail => "focus_detail", "detail", "focus the detail pane";
    FocusTimeline => "focus_timeline", "timeline", "focus the timeline";
    FocusFindings => "focus_findings", "findings", "focus the findings pane";
    Up => "up", "up", "move up";
    Down => "down", "down", "move down";
    Left => "left", "earlier", "move left (timeline: earlier)";
    Right => "right", "later", "move right (timeline: later)";
    PageUp => "page_up", "page up", "move up a page";
    PageDown => "page_down", "page down", "move down a page";
    Top => "top", "top", "go to the first row";
    Bottom => "bottom", "bottom", "go to the last row";
    Drill => "drill", "filter to", "filter to this value (timeline: to the marked span; findings: to its evidence)";
    NextFlagged => "next_flagged", "next flagged", "jump to the next event flagged by a finding";
    PrevFlagged => "prev_flagged", "prev flagged", "jump to the previous event flagged by a finding";
    Exclude => "exclude", "exclude", "filter this value out";
    AddToFilter => "add_to_filter", "or", "also keep this value (OR within the pane)";
    PopFilter => "pop_filter", "pop filter", "remove the last filter";
    ClearFilters => "clear_filters", "clear", "remove every filter";
    FailuresOnly => "failures_only", "failed only", "keep only failed events (toggle)";
    CycleSort => "cycle_sort", "sort", "sort the pane by count, name or failures";
    PivotCallerIp => "pivot_caller_ip", "its ip", "filter to this event's caller IP";
    PivotIdentity => "pivot_identity", "its identity", "filter to this event's identity";
    PivotVault => "pivot_vault", "its vault", "filter to this event's vault";
    PivotOperation => "pivot_operation", "its op", "filter to this event's operation";
    OpenDetail => "open_detail", "detail", "show the selected event in the detail pane";
    MarkSpan => "mark_span", "mark span", "mark the start or end of a time span";
    FuzzyFilter => "fuzzy_filter", "find", "fuzzy-filter the focused pane";
    PromptAccept => "prompt_accept", "keep", "keep the fuzzy filter and close the prompt";
    PromptDeleteChar => "prompt_delete_char", "delete", "delete the character before the cursor";
    PromptDeleteWord => "prompt_delete_word", "delete word", "delete the word before the cursor";
    PromptClear => "prompt_clear", "clear", "clear the prompt";
    ToggleZoom => "toggle_zoom", "zoom", "show the focused pane full screen";
    Copy => "copy", "copy", "copy the selected value or event (OSC 52)";
    ShowErrors => "show_errors", "errors", "list load errors";
    ShowQueries => "show_queries", "queries", "show the KQL sent to the workspace, its gaps, unlogged vaults";
    Redraw => "redraw", "redraw", "redraw the whole screen";
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An action name that is not in the table, with the nearest known names to suggest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown action `{name}`{}", suggest(.near))]
pub struct UnknownAction {
    pub name: String,
    pub near: Vec<&'static str>,
}

fn suggest(near: &[&str]) -> String {
    if near.is_empty() { String::new() } else { format!(" (did you mean {}?)", near.join(", ")) }
}

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Action, UnknownAction> {
        if let Some(a) = Action::ALL.iter().find(|a| a.name() == s) {
            return Ok(*a);
        }
        let mut near: Vec<(usize, &'static str)> = Action::ALL
            .iter()
            .map(|a| (edit_distance(s, a.name()), a.name()))
            .filter(|(d, n)| *d <= 3 || n.contains(s) && s.len() >= 3)
            .collect();
        near.sort();
        Err(UnknownAction { name: s.to_string(), near: near.into_iter().take(3).map(|(_, n)| n).collect() })
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        for a in Action::ALL {
            assert_eq!(a.name().parse::<Action>(), Ok(*a));
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }

    #[test]
    fn unknown_names_suggest_near_misses() {
        let e = "drll".parse::<Action>().unwrap_err();
        assert!(e.to_string().contains("did you mean drill"), "{e}");
    }
}
