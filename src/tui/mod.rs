//! The workbench: the only layer that knows about terminals. State and its update live in `app`, key → action
//! in `keymap` (data, from `keymaps/`), drawing in `panes` (reads state, never does I/O).

pub mod action;
pub mod keymap;
