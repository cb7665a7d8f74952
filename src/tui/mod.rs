//! The workbench: the only layer that knows about terminals. State and its update live in `app`, key → action
//! in `keymap` (data, from `keymaps/`), drawing in `panes` (reads state, never does I/O).

pub mod action;
pub mod app;
pub mod band;
pub mod clipboard;
pub mod counts;
pub mod coverage;
pub mod crumbs;
pub mod findings;
pub mod gaps;
pub mod keymap;
pub mod lean;
pub mod pane;
pub mod panes;
pub mod queries;
pub mod remote;
pub mod run;
pub mod terminal;
pub mod theme;
