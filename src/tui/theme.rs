//! Colours and emphasis. The default theme uses only the 16 ANSI colours and the terminal's own foreground and
//! background, so it follows whatever palette the analyst's terminal has, light or dark (lnav #1402, k9s #1234).
//! Nothing is told by colour alone: selection is reverse video, failures carry a glyph, fuzzy matches are bold
//! and underlined — so the monochrome theme (`NO_COLOR`) loses no information.

use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeName {
    /// The 16 ANSI colours (the default).
    Ansi16,
    /// A richer palette for 256-colour terminals.
    Ansi256,
    /// No colour at all: emphasis by reverse video, bold and underline only.
    Mono,
}

impl ThemeName {
    /// `auto` → mono when `NO_COLOR` is set (https://no-color.org), else the 16-colour theme.
    pub fn parse(name: &str, no_color: bool) -> Option<ThemeName> {
        Some(match name {
            "auto" if no_color => ThemeName::Mono,
            "auto" | "16" | "ansi16" => ThemeName::Ansi16,
            "256" | "ansi256" => ThemeName::Ansi256,
            "mono" | "none" | "no-color" => ThemeName::Mono,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Theme {
    pub name: ThemeName,
    /// Pane borders, unfocused and focused.
    pub border: Style,
    pub border_focused: Style,
    pub title: Style,
    /// The cursor row of the focused pane; the cursor row of other panes.
    pub selected: Style,
    pub selected_unfocused: Style,
    pub header: Style,
    /// Secondary text: counts, hints, field names.
    pub dim: Style,
    pub failed: Style,
    pub ok: Style,
    /// Characters a fuzzy pattern matched.
    pub matched: Style,
    pub crumb: Style,
    pub key: Style,
    pub warning: Style,
    pub bar: Style,
    pub bar_failed: Style,
    /// The marked span on the timeline.
    pub span: Style,
    /// Severity colours, lowest first; always shown with a letter too, never by colour alone.
    pub severity: [Style; 4],
}

impl Theme {
    pub fn of(&self, s: crate::detect::Severity) -> Style {
        self.severity[s as usize]
    }

    pub fn new(name: ThemeName) -> Theme {
        let mono = name == ThemeName::Mono;
        let fg = |c: Color| if mono { Style::new() } else { Style::new().fg(c) };
        let (accent, failed, ok, dim, bar) = match name {
            ThemeName::Ansi256 => {
                (Color::Indexed(39), Color::Indexed(203), Color::Indexed(71), Color::Indexed(244), Color::Indexed(67))
            }
            _ => (Color::Cyan, Color::Red, Color::Green, Color::DarkGray, Color::Blue),
        };
        Theme {
            name,
            border: fg(dim),
            border_focused: fg(accent).add_modifier(Modifier::BOLD),
            title: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            selected_unfocused: Style::new().add_modifier(Modifier::UNDERLINED),
            header: Style::new().add_modifier(Modifier::BOLD),
            dim: if mono { Style::new() } else { fg(dim) },
            failed: fg(failed).add_modifier(Modifier::BOLD),
            ok: fg(ok),
            matched: fg(Color::Yellow).add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            crumb: fg(accent),
            key: fg(accent).add_modifier(Modifier::BOLD),
            warning: fg(Color::Yellow).add_modifier(Modifier::BOLD),
            bar: fg(bar),
            bar_failed: fg(failed),
            span: Style::new().add_modifier(Modifier::REVERSED),
            severity: [
                if mono { Style::new() } else { fg(dim) },
                fg(Color::Yellow),
                fg(failed).add_modifier(Modifier::BOLD),
                fg(Color::Magenta).add_modifier(Modifier::BOLD | Modifier::REVERSED),
            ],
        }
    }
}
