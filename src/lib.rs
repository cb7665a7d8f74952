//! kvtrail: who accessed this Key Vault, from where, and what did they take?
//!
//! The layers read as the data flows; lower layers never import higher ones:
//!
//! * [`config`] — the user's configuration file (reference data, rules, allow-list).
//! * [`event`]  — the domain values every layer shares (time, vault, operation, identity, object, IP).
//! * [`intel`]  — offline reference data (service tags, Tor, GeoIP, threat intel, watchlist, allow-list).
//! * [`ingest`] — bytes in every known log format → vocabulary-normalized records.
//! * [`store`]  — columnar, interned events; facets and filters.
//! * [`detect`] — the KV-01…KV-30 rules over a store: findings, incidents, objects to rotate.
//! * [`source`] — live sources: Log Analytics queries, Resource Manager inventories, Azure sign-in.
//! * [`report`] — headless outputs (`stats`, `export`).
//! * [`generate`] — the synthetic traffic generator and the bundled demo dataset.
//! * [`text`]   — making attacker-controlled strings safe to print.
//! * [`tui`]    — the workbench: state, actions, keymaps, panes, terminal handling.

pub mod config;
pub mod demo;
pub mod detect;
pub mod event;
pub mod generate;
pub mod ingest;
pub mod intel;
pub mod report;
pub mod source;
pub mod store;
pub mod text;
pub mod tui;
