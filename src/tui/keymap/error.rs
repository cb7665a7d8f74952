//! Everything that can be wrong with a keymap. Each message starts with `file:line:` so an editor can jump to
//! it, and there is no fallback: a keymap that does not load stops the workbench before it takes the terminal,
//! because a silently ignored binding is a key that does something the user did not ask for.

use super::context::Context;
use super::key::{KEY_FORMS, KeyParseError};
use crate::tui::action::{Action, UnknownAction};

/// The contexts, for messages about unknown tables.
const CONTEXTS: &str = "global, pivot, table, detail, timeline, findings, errors, help, prompt";

/// The presets `extends` and `--keymap` accept, for messages.
const PRESETS: &str = "default, vim, emacs, demo";

/// Why a keymap was rejected.
#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    /// The file could not be read (missing, a directory, not UTF-8, no permission).
    #[error("{file}: cannot read the keymap ({source}); give a file path or one of the presets {PRESETS}")]
    Read { file: String, source: std::io::Error },

    /// A preset name that is not embedded.
    #[error("unknown keymap preset `{name}`; the presets are {PRESETS}")]
    NoSuchPreset { name: String },

    /// Not TOML at all, including a key written twice (TOML's own rule).
    #[error("{file}:{line}: TOML syntax error: {message}")]
    Syntax { file: String, line: usize, message: String },

    /// A `[table]` that is not a context.
    #[error("{file}:{line}: unknown table `[{name}]`; the contexts are {CONTEXTS}")]
    UnknownContext { file: String, line: usize, name: String },

    /// A top-level key other than `extends`.
    #[error("{file}:{line}: unknown top-level key `{name}`; a keymap has `extends = \"…\"` and the tables {CONTEXTS}")]
    UnknownTopLevel { file: String, line: usize, name: String },

    /// A value of the wrong TOML type (`extends = 1`, `global = "x"`, `"q" = 1`).
    #[error("{file}:{line}: {what} must be {expected}")]
    WrongType { file: String, line: usize, what: String, expected: &'static str },

    /// An action name that is not in the action table.
    #[error("{file}:{line}: {source}")]
    UnknownAction { file: String, line: usize, source: UnknownAction },

    /// A key name that does not parse.
    #[error("{file}:{line}: unknown key {source} ({KEY_FORMS})")]
    UnknownKey { file: String, line: usize, source: KeyParseError },

    /// Two spellings of the same key in one table of one file (`"G"` and `"shift-g"`).
    #[error("{file}:{line}: [{context}] `{key}` is bound twice in this file (first at line {first_line})")]
    DuplicateKey { file: String, line: usize, context: Context, key: String, first_line: usize },

    /// One key sequence is a prefix of another where both can be looked up, so the shorter would always fire
    /// before the longer could be typed.
    #[error(
        "{file}:{line}: [{context}] `{key}` conflicts with [{other_context}] `{other_key}` ({other_file}:{other_line}): \
         one is a prefix of the other, so the chord could never be typed; bind one of them to \"noop\""
    )]
    PrefixConflict {
        file: String,
        line: usize,
        context: Context,
        key: String,
        other_context: Context,
        other_key: String,
        other_file: String,
        other_line: usize,
    },

    /// `ctrl-c` must quit and `esc` must cancel, whatever the keymap: they are how a user gets out.
    #[error(
        "{file}:{line}: [{context}] `{key}` is reserved for `{required}` (the way out); it cannot be bound to `{found}`"
    )]
    EscapeHatch { file: String, line: usize, context: Context, key: String, required: Action, found: Action },

    /// A keymap that extends nothing did not bind an escape hatch.
    #[error(
        "{file}:{line}: [{context}] must bind `{key}` to `{required}` (the way out); a keymap that extends \"none\" has to"
    )]
    MissingEscapeHatch { file: String, line: usize, context: Context, key: String, required: Action },

    /// `prompt_*` actions only mean something while the prompt is open.
    #[error("{file}:{line}: [{context}] `{key}` = \"{action}\": prompt_* actions only work in [prompt]")]
    PromptActionOutsidePrompt { file: String, line: usize, context: Context, key: String, action: Action },

    /// `extends` names no preset.
    #[error("{file}:{line}: `extends = \"{name}\"` names no preset; use one of {PRESETS}, or \"none\"")]
    UnknownPreset { file: String, line: usize, name: String },

    /// `extends` leads back to a layer already in the chain.
    #[error("{file}:{line}: `extends` goes round in a circle: {chain}")]
    ExtendsCycle { file: String, line: usize, chain: String },
}

impl KeymapError {
    /// The file the error is in, as it appears in the message (`keymaps/<name>.toml` for embedded presets).
    pub fn file(&self) -> Option<&str> {
        match self {
            KeymapError::NoSuchPreset { .. } => None,
            KeymapError::Read { file, .. }
            | KeymapError::Syntax { file, .. }
            | KeymapError::UnknownContext { file, .. }
            | KeymapError::UnknownTopLevel { file, .. }
            | KeymapError::WrongType { file, .. }
            | KeymapError::UnknownAction { file, .. }
            | KeymapError::UnknownKey { file, .. }
            | KeymapError::DuplicateKey { file, .. }
            | KeymapError::PrefixConflict { file, .. }
            | KeymapError::EscapeHatch { file, .. }
            | KeymapError::MissingEscapeHatch { file, .. }
            | KeymapError::PromptActionOutsidePrompt { file, .. }
            | KeymapError::UnknownPreset { file, .. }
            | KeymapError::ExtendsCycle { file, .. } => Some(file),
        }
    }

    /// The 1-based line the error points at, when it points at one.
    pub fn line(&self) -> Option<usize> {
        match self {
            KeymapError::Read { .. } | KeymapError::NoSuchPreset { .. } => None,
            KeymapError::Syntax { line, .. }
            | KeymapError::UnknownContext { line, .. }
            | KeymapError::UnknownTopLevel { line, .. }
            | KeymapError::WrongType { line, .. }
            | KeymapError::UnknownAction { line, .. }
            | KeymapError::UnknownKey { line, .. }
            | KeymapError::DuplicateKey { line, .. }
            | KeymapError::PrefixConflict { line, .. }
            | KeymapError::EscapeHatch { line, .. }
            | KeymapError::MissingEscapeHatch { line, .. }
            | KeymapError::PromptActionOutsidePrompt { line, .. }
            | KeymapError::UnknownPreset { line, .. }
            | KeymapError::ExtendsCycle { line, .. } => Some(*line),
        }
    }
}
