//! Live sources: fetching Key Vault audit events, vault inventories and diagnostic settings from Azure.
//!
//! * [`cloud`] — which endpoints and token scopes a cloud uses, and the rule for overriding them
//!   (`--endpoint`, `--arm-endpoint`: HTTPS, or plain HTTP on a loopback address only).
//! * [`http`] — the one HTTP client (reqwest on rustls) every call goes through, bounded by timeouts.
//!
//! Tokens come from an `azure_core::credentials::TokenCredential`; whatever builds it, nothing here ever prints
//! a token: `azure_core`'s `Secret` redacts itself, and errors carry status, code and message, never headers.

pub mod cloud;
pub mod http;
