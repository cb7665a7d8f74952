//! Signing in to Azure: `--auth auto|cli|managed-identity|env|workload`.
//!
//! azure_identity 1.0 has no `DefaultAzureCredential`, so [`credential`] builds the chain itself. `auto` tries, in
//! order, what a responder on a jump box most likely has: the Azure CLI's login, then a managed identity (App
//! Service style `IDENTITY_ENDPOINT`, or a VM's IMDS — probed first, so a machine outside Azure moves on in a
//! second instead of retrying for a minute), then a service principal from `AZURE_TENANT_ID` / `AZURE_CLIENT_ID`
//! / `AZURE_CLIENT_SECRET`, then workload identity (`AZURE_FEDERATED_TOKEN_FILE`). The first method that yields a
//! token is kept for every later scope, so the query and Resource Manager calls act as the same identity.
//!
//! Every attempt is bounded by [`AuthOptions::timeout`] (azure_core's retries, or a hung `az`, could otherwise
//! stall for a minute); tokens are cached per scope until [`REFRESH_MARGIN`] before they expire. All HTTP goes
//! through kvtrail's own reqwest client ([`crate::source::http`]): azure_core's default transport panics when
//! the machine has no CA certificates.
//!
//! A token never reaches a message: `azure_core`'s `Secret` redacts itself in `Debug`, the types here print
//! neither tokens nor environment values, and failure reasons come from error messages, never responses that
//! carried a token.
//!
//! * [`az`] — runs `az` in its own process group, killed as a group when an attempt times out.
//! * [`build`] — builds each method's azure_identity credential from the options.
//! * [`chain`] — the per-attempt timeout, the fall-through and the "every method failed" error.
//! * [`cache`] — tokens per scope until shortly before expiry.
//! * [`transport`] — azure_core's `HttpClient` over our reqwest client, with the loopback emulator rule.

mod az;
mod build;
mod cache;
mod chain;
mod doctor;
mod transport;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use reqwest::Url;

use crate::source::cloud::{Cloud, EndpointError};

pub use doctor::{available, probe_imds};

/// How long one method may take to produce a token (`az` starts Python and may refresh its login over the
/// network; an unreachable token endpoint is a connect timeout plus retries).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// A cached token is replaced this long before it expires, so a query never starts with a token about to lapse.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// How long `auto` waits for a VM's Instance Metadata Service to answer before concluding there is none.
pub const IMDS_PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// The Instance Metadata Service's token endpoint (fixed in azure_identity 1.0; only the probe can be pointed
/// elsewhere).
pub const IMDS_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AuthMethod {
    /// Try cli, managed-identity, env, workload in turn.
    #[default]
    Auto,
    /// The Azure CLI's login (`az login`).
    Cli,
    /// The managed identity of the Azure resource kvtrail runs on.
    ManagedIdentity,
    /// A service principal: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET.
    Env,
    /// Workload identity federation: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE.
    Workload,
}

impl AuthMethod {
    /// The order `auto` tries.
    pub const CHAIN: [AuthMethod; 4] =
        [AuthMethod::Cli, AuthMethod::ManagedIdentity, AuthMethod::Env, AuthMethod::Workload];

    /// The `--auth` value.
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Auto => "auto",
            AuthMethod::Cli => "cli",
            AuthMethod::ManagedIdentity => "managed-identity",
            AuthMethod::Env => "env",
            AuthMethod::Workload => "workload",
        }
    }

    /// What the method is, for people.
    pub fn label(self) -> &'static str {
        match self {
            AuthMethod::Auto => "first that works",
            AuthMethod::Cli => "Azure CLI",
            AuthMethod::ManagedIdentity => "managed identity",
            AuthMethod::Env => "service principal",
            AuthMethod::Workload => "workload identity",
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The environment the credentials read: the process's, or (tests, `doctor` dry runs) a fixed set of
/// variables. With a fixed set, `az` also runs with exactly that environment (so `PATH` decides which `az`).
/// Exception: azure_identity's managed identity credential always reads the process environment
/// (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`); 1.0 has no way to pass one in.
#[derive(Clone, Default)]
pub struct EnvVars(Option<Arc<BTreeMap<String, String>>>);

impl EnvVars {
    pub fn process() -> EnvVars {
        EnvVars(None)
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> EnvVars {
        EnvVars(Some(Arc::new(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())))
    }

    /// A variable's value. Empty counts as unset: an exported-but-empty `AZURE_CLIENT_SECRET` is no secret.
    pub fn var(&self, key: &str) -> Option<String> {
        let value = match &self.0 {
            None => std::env::var(key).ok(),
            Some(vars) => vars.get(key).cloned(),
        };
        value.filter(|v| !v.is_empty())
    }

    /// The fixed set, if this is not the process environment.
    fn fixed(&self) -> Option<&BTreeMap<String, String>> {
        self.0.as_deref()
    }
}

/// Names only: values include secrets.
impl fmt::Debug for EnvVars {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("EnvVars(process)"),
            Some(vars) => f.debug_tuple("EnvVars").field(&vars.keys().collect::<Vec<_>>()).finish(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct AuthOptions {
    pub method: AuthMethod,
    pub cloud: Cloud,
    /// The longest one method may take to return a token (see [`DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
    /// Entra ID authority for service principals and workload identity. `None`: `AZURE_AUTHORITY_HOST` if set,
    /// else the cloud's. HTTPS, or plain HTTP on a loopback address (the emulators), as for `--endpoint`.
    pub authority_host: Option<String>,
    /// Where `auto` checks that a VM's IMDS exists before asking it for a token; `None` skips the VM's managed
    /// identity in `auto`. `--auth managed-identity` never probes.
    pub imds_probe: Option<Url>,
    /// Client ID of a user-assigned managed identity; `None`: the system-assigned one.
    pub managed_identity_client_id: Option<String>,
    pub env: EnvVars,
}

impl AuthOptions {
    pub fn new(method: AuthMethod, cloud: Cloud) -> AuthOptions {
        AuthOptions {
            method,
            cloud,
            timeout: DEFAULT_TIMEOUT,
            authority_host: None,
            imds_probe: Url::parse(IMDS_ENDPOINT).ok(),
            managed_identity_client_id: None,
            env: EnvVars::process(),
        }
    }
}

impl Default for AuthOptions {
    fn default() -> AuthOptions {
        AuthOptions::new(AuthMethod::Auto, Cloud::Public)
    }
}

/// One method's failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub method: AuthMethod,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The chosen method cannot work here (a variable unset, `az` not installed…), known before any network.
    #[error("--auth {method} ({}): {reason}", method.label())]
    Unavailable { method: AuthMethod, reason: String },
    /// No method produced a token. `get_token` returns this inside an `azure_core::Error`
    /// (`err.downcast_ref::<AuthError>()`).
    #[error("{}", failed(*requested, attempts))]
    Failed { requested: AuthMethod, attempts: Vec<Attempt> },
    #[error("Entra ID authority host {0}")]
    Authority(#[from] EndpointError),
}

fn failed(requested: AuthMethod, attempts: &[Attempt]) -> String {
    let mut out = match requested {
        AuthMethod::Auto => "could not sign in to Azure; --auth auto tried each method in turn:".to_string(),
        m => format!("could not sign in to Azure using {m}:"),
    };
    for a in attempts {
        out.push_str(&format!("\n  {} ({}): {}", a.method, a.method.label(), a.reason));
    }
    out
}

/// Builds the credential for `options` (cheap: no network; `--auth workload` reads its token file). The result
/// applies the timeout to each attempt, caches per scope and, for `auto`, falls through the chain. An explicit
/// method that cannot work here is an error now; in `auto` such a method is skipped, its reason kept for the
/// message if nothing works.
pub fn credential(options: &AuthOptions, http: reqwest::Client) -> Result<Arc<dyn TokenCredential>, AuthError> {
    let builder = build::Builder::new(options, http)?;
    let links = match options.method {
        AuthMethod::Auto => AuthMethod::CHAIN.iter().map(|&m| chain::Link::new(m, builder.build(m, true))).collect(),
        method => {
            let credential =
                builder.build(method, false).map_err(|reason| AuthError::Unavailable { method, reason })?;
            vec![chain::Link::new(method, Ok(credential))]
        }
    };
    let chain = chain::Chain::new(options.method, links, options.timeout);
    Ok(Arc::new(cache::Cached::new(Arc::new(chain), REFRESH_MARGIN)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_cli_values() {
        use clap::ValueEnum;
        for m in AuthMethod::value_variants() {
            let value = m.to_possible_value().map(|v| v.get_name().to_string());
            assert_eq!(value.as_deref(), Some(m.name()));
        }
    }

    #[test]
    fn env_debug_shows_names_not_values() {
        let env = EnvVars::from_pairs([("AZURE_CLIENT_SECRET", "s3cr3t-value"), ("EMPTY", "")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("AZURE_CLIENT_SECRET") && !shown.contains("s3cr3t"), "{shown}");
        assert_eq!(env.var("EMPTY"), None);
        assert_eq!(env.var("AZURE_CLIENT_SECRET").as_deref(), Some("s3cr3t-value"));
    }

    #[test]
    fn failure_lists_every_method_one_per_line() {
        let attempts = AuthMethod::CHAIN.iter().map(|&m| Attempt { method: m, reason: format!("no {m}") }).collect();
        let text = AuthError::Failed { requested: AuthMethod::Auto, attempts }.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert_eq!(lines[1], "  cli (Azure CLI): no cli");
        assert_eq!(lines[2], "  managed-identity (managed identity): no managed-identity");
        assert_eq!(lines[4], "  workload (workload identity): no workload");
    }
}
