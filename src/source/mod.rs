//! Live sources: fetching Key Vault audit events, vault inventories and diagnostic settings from Azure.
//!
//! * [`cloud`] — which endpoints and token scopes a cloud uses, and the rule for overriding them
//!   (`--endpoint`, `--arm-endpoint`: HTTPS, or plain HTTP on a loopback address only).
//! * [`loganalytics`] — the Query API: KQL, retries, time slices, complete fetches and their gaps.
//! * [`http`] — the one HTTP client (reqwest on rustls) every call goes through, bounded by timeouts.
//! * [`auth`] — signing in (`--auth auto|cli|managed-identity|env|workload`): the credential chain, bounded and
//!   cached per scope.
//! * [`arm`] — Resource Manager reads: a subscription's vaults (paged) and a vault's diagnostic settings, with
//!   retries on throttling and the token kept on the endpoint's origin.
//! * [`coverage`] — which vaults send `AuditEvent` logs anywhere: the blind spots of an investigation, as a
//!   JSON report (read back by the workbench) and a terminal table.
//!
//! Tokens come from an `azure_core::credentials::TokenCredential`; whatever builds it, nothing here ever prints
//! a token: `azure_core`'s `Secret` redacts itself, and errors carry status, code and message, never headers.

pub mod arm;
pub mod auth;
pub mod cloud;
pub mod coverage;
pub mod http;
pub mod loganalytics;
