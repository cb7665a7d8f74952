//! A small Azure Resource Manager client: the two read calls the coverage check needs (FORMATS.md §7.7) — the
//! vaults of a subscription (paged through `nextLink`) and the diagnostic settings of a vault.
//!
//! Every call carries a bearer token, so the client is strict about where it sends one: URLs are built on the
//! configured endpoint, and a `nextLink` that names another origin is refused rather than followed. ARM
//! throttles per principal (429 with `Retry-After`) and has transient 5xx; both are retried a few times, with
//! the wait capped so a hostile or confused server cannot stall a run for an hour. Errors carry the status,
//! ARM's error code and message — never a header, so never the token.

use std::time::Duration;

use azure_core::credentials::{AccessToken, Secret, TokenCredential};
use azure_core::time::OffsetDateTime;
use reqwest::Url;
use reqwest::header::ACCEPT;

use crate::source::http::{chain, retry_after};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// `Vaults_ListBySubscription`.
pub const VAULTS_API_VERSION: &str = "2024-11-01";
/// `DiagnosticSettings_List`.
pub const DIAGNOSTIC_SETTINGS_API_VERSION: &str = "2021-05-01-preview";

/// A cached token is renewed this long before it expires, so it cannot lapse between check and use.
const TOKEN_MARGIN: Duration = Duration::from_secs(5 * 60);
/// Pages followed per listing at most: a server answering with ever-new `nextLink`s must not loop forever.
const MAX_PAGES: usize = 10_000;
/// How much of a non-JSON error body (a proxy's HTML page, say) is kept in the message.
const SNIPPET: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum ArmError {
    #[error("could not get a Resource Manager token: {0}")]
    Token(String),
    #[error("{status} {code}{}", if message.is_empty() { String::new() } else { format!(": {message}") })]
    Status { status: u16, code: String, message: String },
    #[error("request failed: {0}")]
    Transport(String),
    #[error("unreadable response: {0}")]
    Body(String),
    #[error("nextLink points to {origin}, not the Resource Manager endpoint; not sending the token there")]
    ForeignNextLink { origin: String },
    #[error("nextLink is not a URL: {0}")]
    BadNextLink(String),
    #[error("listing did not end after {MAX_PAGES} pages (or repeated a nextLink)")]
    EndlessPaging,
    #[error("{0:?} is not a subscription ID")]
    Subscription(String),
    #[error("{0:?} is not a vault resource ID")]
    VaultId(String),
    #[error("the Resource Manager endpoint cannot take a path")]
    Endpoint,
}

impl ArmError {
    /// The short form for a one-line reason: `403 AuthorizationFailed` without ARM's long message.
    pub fn summary(&self) -> String {
        match self {
            ArmError::Status { status, code, .. } => format!("{status} {code}"),
            other => other.to_string(),
        }
    }
}

pub use crate::source::http::Retry;

/// Resource Manager's retries: a few quick ones (ARM throttles per principal, and its 5xx are short-lived).
pub const RETRY: Retry = Retry { attempts: 4, backoff: Duration::from_millis(500), max_wait: Duration::from_secs(30) };

/// A vault as listed by `Vaults_ListBySubscription` (the members the coverage check uses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vault {
    pub id: String,
    pub name: String,
    pub location: String,
}

/// The vaults of one subscription. A listing that fails part-way keeps the pages it got, with the error.
#[derive(Debug, Default)]
pub struct VaultList {
    pub vaults: Vec<Vault>,
    /// Items that were not usable vaults (no `id` or `name`), described for the report.
    pub skipped: Vec<String>,
    pub error: Option<ArmError>,
}

/// One diagnostic setting of a resource (`Microsoft.Insights/diagnosticSettings`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct DiagnosticSetting {
    pub id: Option<String>,
    pub name: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub properties: DiagnosticProperties,
}

/// Destinations and the log categories a setting sends. IDs are full ARM resource IDs.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default, rename_all = "camelCase")]
pub struct DiagnosticProperties {
    pub workspace_id: Option<String>,
    pub storage_account_id: Option<String>,
    pub event_hub_authorization_rule_id: Option<String>,
    pub event_hub_name: Option<String>,
    pub marketplace_partner_id: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub logs: Vec<LogSetting>,
}

/// One `logs[]` entry: a category or a category group, switched on or off.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default, rename_all = "camelCase")]
pub struct LogSetting {
    pub category: Option<String>,
    pub category_group: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub enabled: bool,
}

/// ARM sends `null` for empty members as often as it leaves them out.
fn nullable<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
struct Page<T> {
    #[serde(default = "Vec::new", deserialize_with = "nullable")]
    value: Vec<T>,
    #[serde(rename = "nextLink", default)]
    next_link: Option<String>,
}

#[derive(Deserialize)]
struct RawVault {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    location: Option<String>,
}

/// A Resource Manager client over a shared HTTP client; one per run (it caches the token).
pub struct Arm<'a> {
    http: &'a reqwest::Client,
    base: &'a Url,
    credential: &'a dyn TokenCredential,
    scope: &'a str,
    retry: Retry,
    token: tokio::sync::Mutex<Option<AccessToken>>,
}

impl std::fmt::Debug for Arm<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Arm").field("base", &self.base.as_str()).field("scope", &self.scope).finish_non_exhaustive()
    }
}

impl<'a> Arm<'a> {
    pub fn new(http: &'a reqwest::Client, base: &'a Url, credential: &'a dyn TokenCredential, scope: &'a str) -> Self {
        Arm { http, base, credential, scope, retry: RETRY, token: tokio::sync::Mutex::new(None) }
    }

    pub fn with_retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// Every vault of a subscription, following `nextLink` on the same origin only.
    pub async fn list_vaults(&self, subscription: &str) -> VaultList {
        let mut list = VaultList::default();
        let mut url = match vaults_url(self.base, subscription) {
            Ok(url) => url,
            Err(e) => {
                list.error = Some(e);
                return list;
            }
        };
        let mut seen = std::collections::HashSet::new();
        loop {
            if seen.len() >= MAX_PAGES || !seen.insert(url.to_string()) {
                list.error = Some(ArmError::EndlessPaging);
                return list;
            }
            let page: Page<RawVault> = match self.get_json(&url).await {
                Ok(page) => page,
                Err(e) => {
                    list.error = Some(e);
                    return list;
                }
            };
            for raw in page.value {
                take_vault(raw, &mut list);
            }
            match page.next_link.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
                None => return list,
                Some(link) => match same_origin(self.base, link) {
                    Ok(next) => url = next,
                    Err(e) => {
                        list.error = Some(e);
                        return list;
                    }
                },
            }
        }
    }

    /// The diagnostic settings of a resource (`{"value":[…]}`, not paged).
    pub async fn diagnostic_settings(&self, resource_id: &str) -> Result<Vec<DiagnosticSetting>, ArmError> {
        let url = diagnostic_settings_url(self.base, resource_id)?;
        let page: Page<DiagnosticSetting> = self.get_json(&url).await?;
        Ok(page.value)
    }

    /// The cached token, or a new one when it is missing or about to expire. The lock also keeps concurrent
    /// calls from all asking the credential at once (the Azure CLI credential starts a process per request).
    async fn bearer(&self) -> Result<Secret, ArmError> {
        let mut cached = self.token.lock().await;
        let fresh = |t: &AccessToken| t.expires_on > OffsetDateTime::now_utc() + TOKEN_MARGIN;
        if let Some(token) = cached.as_ref().filter(|t| fresh(t)) {
            return Ok(token.token.clone());
        }
        let token = self.credential.get_token(&[self.scope], None).await.map_err(|e| ArmError::Token(chain(&e)))?;
        let secret = token.token.clone();
        *cached = Some(token);
        Ok(secret)
    }

    /// GET with the bearer token; 429, 5xx and connection failures are retried per [`Retry`].
    async fn get_json<T: DeserializeOwned>(&self, url: &Url) -> Result<T, ArmError> {
        let mut failures = 0;
        loop {
            let token = self.bearer().await?;
            let sent =
                self.http.get(url.clone()).bearer_auth(token.secret()).header(ACCEPT, "application/json").send().await;
            let (error, retry_after) = match sent {
                Err(e) if e.is_builder() => return Err(ArmError::Transport(chain(&e))),
                Err(e) => (ArmError::Transport(chain(&e)), None),
                Ok(response) => {
                    let status = response.status();
                    let retry_after = retry_after(response.headers());
                    match response.bytes().await {
                        Ok(body) if status.is_success() => {
                            return serde_json::from_slice(&body).map_err(|e| ArmError::Body(e.to_string()));
                        }
                        Ok(body) => {
                            let error = status_error(status, &redact(&body, token.secret()));
                            if status.as_u16() != 429 && !status.is_server_error() {
                                return Err(error);
                            }
                            (error, retry_after)
                        }
                        Err(e) => (ArmError::Transport(chain(&e)), retry_after),
                    }
                }
            };
            failures += 1;
            if failures >= self.retry.attempts {
                return Err(error);
            }
            tokio::time::sleep(self.retry.wait(failures, retry_after)).await;
        }
    }
}

fn vaults_url(base: &Url, subscription: &str) -> Result<Url, ArmError> {
    // Subscription IDs are GUIDs; anything else could steer the path elsewhere on the endpoint.
    let valid = !subscription.is_empty() && subscription.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid {
        return Err(ArmError::Subscription(subscription.to_string()));
    }
    let segments = ["subscriptions", subscription, "providers", "Microsoft.KeyVault", "vaults"];
    join(base, &segments, VAULTS_API_VERSION)
}

/// `{arm}{resourceId}/providers/Microsoft.Insights/diagnosticSettings`. The ID comes from the server, so it is
/// checked to be a plain resource path (no empty, `.` or `..` segments) and each segment is escaped.
fn diagnostic_settings_url(base: &Url, resource_id: &str) -> Result<Url, ArmError> {
    let segments: Vec<&str> = resource_id.strip_prefix('/').unwrap_or("").split('/').collect();
    let valid = segments.len() >= 2
        && segments[0].eq_ignore_ascii_case("subscriptions")
        && segments.iter().all(|s| !s.is_empty() && *s != "." && *s != "..");
    if !valid {
        return Err(ArmError::VaultId(resource_id.to_string()));
    }
    let mut all = segments;
    all.extend(["providers", "Microsoft.Insights", "diagnosticSettings"]);
    join(base, &all, DIAGNOSTIC_SETTINGS_API_VERSION)
}

fn join(base: &Url, segments: &[&str], api_version: &str) -> Result<Url, ArmError> {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut().map_err(|_| ArmError::Endpoint)?.pop_if_empty().extend(segments);
    url.query_pairs_mut().append_pair("api-version", api_version);
    Ok(url)
}

/// A `nextLink`, if it stays on the endpoint's origin (scheme, host and port).
fn same_origin(base: &Url, link: &str) -> Result<Url, ArmError> {
    let next = Url::parse(link).map_err(|e| ArmError::BadNextLink(e.to_string()))?;
    if next.origin() != base.origin() {
        return Err(ArmError::ForeignNextLink { origin: next.origin().ascii_serialization() });
    }
    Ok(next)
}

fn take_vault(raw: RawVault, list: &mut VaultList) {
    // The list is typed, but a proxy or a future API version could mix in other resources.
    if raw.kind.as_deref().is_some_and(|k| !k.eq_ignore_ascii_case("Microsoft.KeyVault/vaults")) {
        return;
    }
    match (raw.id, raw.name) {
        (Some(id), Some(name)) if !id.is_empty() && !name.is_empty() => {
            list.vaults.push(Vault { id, name, location: raw.location.unwrap_or_default() })
        }
        (id, name) => list.skipped.push(format!(
            "a vault entry without {} was skipped",
            match (id.filter(|s| !s.is_empty()), name.filter(|s| !s.is_empty())) {
                (None, None) => "an id or a name".to_string(),
                (None, Some(name)) => format!("an id (name {name:?})"),
                (Some(id), _) => format!("a name (id {id:?})"),
            }
        )),
    }
}

/// ARM's error body is `{"error":{"code","message"}}` (some services omit the wrapper); anything else keeps a
/// short snippet.
fn status_error(status: reqwest::StatusCode, body: &str) -> ArmError {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Detail {
        code: Option<String>,
        message: Option<String>,
    }
    #[derive(Deserialize)]
    struct Wrapped {
        error: Detail,
    }
    let detail =
        serde_json::from_str::<Wrapped>(body).map(|w| w.error).or_else(|_| serde_json::from_str::<Detail>(body)).ok();
    let fallback_code = status.canonical_reason().unwrap_or("HTTP error").replace(' ', "");
    let (code, message) = match detail {
        Some(d) => (d.code.filter(|c| !c.is_empty()).unwrap_or(fallback_code), d.message.unwrap_or_default()),
        None => {
            let snippet: String = body.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(SNIPPET).collect();
            (fallback_code, snippet)
        }
    };
    ArmError::Status { status: status.as_u16(), code, message }
}

/// The body as text, with the token cut out: a server (or a proxy in front of it) that echoes request headers
/// into its error page would otherwise hand the token back, on into a report. Done before any truncation, so
/// no part of it survives either.
fn redact(body: &[u8], token: &str) -> String {
    let text = String::from_utf8_lossy(body);
    if token.is_empty() { text.into_owned() } else { text.replace(token, "[redacted]") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_waits_double_and_are_capped() {
        let r = Retry { attempts: 5, backoff: Duration::from_millis(100), max_wait: Duration::from_secs(1) };
        assert_eq!(r.wait(1, None), Duration::from_millis(100));
        assert_eq!(r.wait(3, None), Duration::from_millis(400));
        assert_eq!(r.wait(1, Some(Duration::from_secs(3600))), Duration::from_secs(1));
        assert_eq!(r.wait(40, None), Duration::from_secs(1));
    }

    #[test]
    fn error_bodies() {
        let e = status_error(
            reqwest::StatusCode::FORBIDDEN,
            r#"{"error":{"code":"AuthorizationFailed","message":"no read"}}"#,
        );
        assert_eq!(e.to_string(), "403 AuthorizationFailed: no read");
        assert_eq!(e.summary(), "403 AuthorizationFailed");
        let e = status_error(reqwest::StatusCode::NOT_FOUND, "<html>\n  <b>gone</b> </html>");
        assert_eq!(e.to_string(), "404 NotFound: <html> <b>gone</b> </html>");
        let e = status_error(reqwest::StatusCode::BAD_GATEWAY, r#"{"code":"Oops"}"#);
        assert_eq!(e.to_string(), "502 Oops");
        assert_eq!(redact(b"echo: Bearer abc.def", "abc.def"), "echo: Bearer [redacted]");
    }

    #[test]
    fn urls_stay_on_the_endpoint() {
        let base = Url::parse("https://management.azure.com").unwrap();
        let u = vaults_url(&base, "0000-ab").unwrap();
        assert_eq!(
            u.as_str(),
            "https://management.azure.com/subscriptions/0000-ab/providers/Microsoft.KeyVault/vaults?api-version=2024-11-01"
        );
        assert!(matches!(vaults_url(&base, "../x"), Err(ArmError::Subscription(_))));
        assert!(matches!(vaults_url(&base, ""), Err(ArmError::Subscription(_))));
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";
        assert_eq!(
            diagnostic_settings_url(&base, id).unwrap().as_str(),
            format!(
                "https://management.azure.com{id}/providers/Microsoft.Insights/diagnosticSettings?api-version=2021-05-01-preview"
            )
        );
        let escaped = diagnostic_settings_url(&base, "/subscriptions/s/x?y#z").unwrap();
        assert_eq!(escaped.path(), "/subscriptions/s/x%3Fy%23z/providers/Microsoft.Insights/diagnosticSettings");
        for bad in ["", "subscriptions/s", "/subscriptions/s/../../x", "/subscriptions//x", "//evil.com/x", "/other/x"]
        {
            assert!(matches!(diagnostic_settings_url(&base, bad), Err(ArmError::VaultId(_))), "{bad}");
        }
        let proxied = Url::parse("https://proxy.contoso.com/arm/").unwrap();
        assert_eq!(
            vaults_url(&proxied, "s").unwrap().path(),
            "/arm/subscriptions/s/providers/Microsoft.KeyVault/vaults"
        );

        assert!(same_origin(&base, "https://management.azure.com/subscriptions/s/x?%24skiptoken=1").is_ok());
        for foreign in ["https://evil.com/x", "http://management.azure.com/x", "https://management.azure.com:444/x"] {
            assert!(matches!(same_origin(&base, foreign), Err(ArmError::ForeignNextLink { .. })), "{foreign}");
        }
        assert!(matches!(same_origin(&base, "/relative"), Err(ArmError::BadNextLink(_))));
    }

    #[test]
    fn settings_tolerate_nulls() {
        let s: DiagnosticSetting = serde_json::from_str(
            r#"{"name":"x","properties":{"workspaceId":null,"logs":null,"metrics":[{"enabled":true}]}}"#,
        )
        .unwrap();
        assert_eq!(s.name.as_deref(), Some("x"));
        assert!(s.properties.logs.is_empty());
        let l: LogSetting = serde_json::from_str(r#"{"categoryGroup":"audit","enabled":null}"#).unwrap();
        assert!(!l.enabled);
    }
}
