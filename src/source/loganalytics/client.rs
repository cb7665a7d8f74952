//! One Log Analytics query, sent until it is answered: `POST {endpoint}/v1/workspaces/{id}/query` with the
//! range as the body's `timespan` (FORMATS.md §7.2). Throttling (429, honouring `Retry-After`), server errors,
//! gateway timeouts and broken connections are retried with backoff; at most five queries are in flight, the
//! service's own per-user concurrency (§7.5), so a large fetch queues here rather than in the service's
//! 3-minute queue. A `PartialError` beside the rows is not an error here: it is reported with the answer, and
//! the fetcher narrows the slice.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use jiff::Timestamp;
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use tokio::sync::Semaphore;

use crate::source::http::{Retry, chain, retry_after};

/// The service runs at most five queries per user at once; more wait in its queue and time out there.
pub const MAX_IN_FLIGHT: usize = 5;
/// `Prefer: wait=` — the longest the service may work on one query (its cap is 10 minutes).
const SERVER_WAIT_SECONDS: u64 = 600;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The query does not compile against this workspace — for a probe, the table does not exist.
    #[error("the workspace rejected the query: {0}")]
    Semantic(String),
    #[error("access denied ({status}): {message}")]
    Denied { status: u16, message: String },
    #[error("{status}: {message}")]
    Http { status: u16, message: String },
    #[error("no answer after {attempts} attempts: {last}")]
    GaveUp { attempts: u32, last: String },
    #[error("sign-in failed: {0}")]
    Token(String),
    #[error("the answer is not a Query API response: {0}")]
    Malformed(String),
}

/// An answer: the raw body (what the store loads and `--save` writes), its row count, and the `PartialError`
/// that says it is incomplete, if any.
pub struct Answer {
    pub body: Vec<u8>,
    pub rows: u64,
    pub partial: Option<String>,
}

/// The Query API's retries: patient ones — a throttled workspace queues queries for minutes (§7.5).
pub const RETRY: Retry = Retry { attempts: 6, backoff: Duration::from_secs(2), max_wait: Duration::from_secs(120) };

pub struct Client {
    http: reqwest::Client,
    url: Url,
    credential: Arc<dyn TokenCredential>,
    scope: String,
    gate: Semaphore,
    pub retry: Retry,
    /// Times a query waited because the service throttled it (429).
    pub throttled: AtomicU64,
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    tables: Vec<TableRows>,
    error: Option<ErrorInfo>,
}

#[derive(Deserialize)]
struct TableRows {
    #[serde(default)]
    rows: Vec<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: Option<ErrorInfo>,
}

#[derive(Deserialize, Debug)]
struct ErrorInfo {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    details: Vec<serde_json::Value>,
    innererror: Option<serde_json::Value>,
}

impl ErrorInfo {
    /// Code and message, with the innermost message (where the service says what actually went wrong).
    fn describe(&self) -> String {
        let mut inner = Vec::new();
        let mut stack: Vec<&serde_json::Value> = self.details.iter().chain(self.innererror.as_ref()).collect();
        while let Some(v) = stack.pop() {
            if let Some(m) = v.get("message").and_then(|m| m.as_str()) {
                inner.push(m.to_string());
            }
            stack.extend(v.get("innererror"));
            if let Some(d) = v.get("details").and_then(|d| d.as_array()) {
                stack.extend(d);
            }
        }
        let mut s = format!("{}: {}", self.code, self.message);
        if let Some(last) = inner.last() {
            s.push_str(&format!(" ({last})"));
        }
        crate::text::sanitize(&s).into_owned()
    }

    fn mentions(&self, code: &str) -> bool {
        self.code == code || serde_json::to_string(&self.details).unwrap_or_default().contains(code) || {
            self.innererror.as_ref().is_some_and(|i| i.to_string().contains(code))
        }
    }
}

impl Client {
    /// `endpoint` is the service base (`https://api.loganalytics.io`, or an override).
    pub fn new(
        http: reqwest::Client,
        endpoint: &Url,
        workspace: &str,
        credential: Arc<dyn TokenCredential>,
        scope: String,
    ) -> Result<Client, QueryError> {
        let mut url = endpoint.clone();
        url.path_segments_mut()
            .map_err(|_| QueryError::Malformed(format!("{endpoint} cannot take a path")))?
            .pop_if_empty()
            .extend(["v1", "workspaces", workspace, "query"]);
        Ok(Client {
            http,
            url,
            credential,
            scope,
            gate: Semaphore::new(MAX_IN_FLIGHT),
            retry: RETRY,
            throttled: AtomicU64::new(0),
        })
    }

    /// Runs `kql` over `[from, to)`.
    pub async fn query(&self, kql: &str, from: Timestamp, to: Timestamp) -> Result<Answer, QueryError> {
        let body = serde_json::json!({ "query": kql, "timespan": format!("{from}/{to}") });
        let mut last = String::new();
        for failures in 1..=self.retry.attempts {
            match self.send(&body).await? {
                Sent::Answer(a) => return Ok(a),
                Sent::Retry { after, reason } => {
                    last = reason;
                    if failures < self.retry.attempts {
                        tokio::time::sleep(self.retry.wait(failures, after)).await;
                    }
                }
            }
        }
        Err(QueryError::GaveUp { attempts: self.retry.attempts, last })
    }

    async fn send(&self, body: &serde_json::Value) -> Result<Sent, QueryError> {
        let _slot = self.gate.acquire().await.map_err(|e| QueryError::Malformed(e.to_string()))?;
        let token = self
            .credential
            .get_token(&[self.scope.as_str()], None)
            .await
            .map_err(|e| QueryError::Token(crate::text::sanitize(&e.to_string()).into_owned()))?;
        let sent = self
            .http
            .post(self.url.clone())
            .bearer_auth(token.token.secret())
            .header("Prefer", format!("wait={SERVER_WAIT_SECONDS}"))
            .json(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            // Connection refused, reset, timed out: worth another try. (reqwest's errors name the URL, never
            // the headers.)
            Err(e) => {
                return Ok(Sent::Retry { after: None, reason: format!("connection: {}", chain(&e.without_url())) });
            }
        };
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let bytes = match response.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => {
                return Ok(Sent::Retry {
                    after: None,
                    reason: format!("reading the answer: {}", chain(&e.without_url())),
                });
            }
        };
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            // Throttled without a `Retry-After`: the first backoff step, not a growing one.
            return Ok(Sent::Retry {
                after: Some(retry_after.unwrap_or(self.retry.backoff)),
                reason: "429 throttled".into(),
            });
        }
        if status.is_server_error() {
            return Ok(Sent::Retry { after: retry_after, reason: format!("{status} {}", error_text(&bytes)) });
        }
        if status == StatusCode::NO_CONTENT {
            // The workspace has no data at all (§7.4).
            return Ok(Sent::Answer(Answer { body: br#"{"tables":[]}"#.to_vec(), rows: 0, partial: None }));
        }
        if !status.is_success() {
            let info = serde_json::from_slice::<ErrorBody>(&bytes).ok().and_then(|b| b.error);
            let message = info.as_ref().map(ErrorInfo::describe).unwrap_or_else(|| error_text(&bytes));
            return Err(match status.as_u16() {
                400 if info.as_ref().is_some_and(|i| i.mentions("SemanticError")) => QueryError::Semantic(message),
                s @ (401 | 403) => QueryError::Denied { status: s, message },
                s => QueryError::Http { status: s, message },
            });
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(QueryError::Malformed("an empty answer".into()));
        }
        let parsed: Body = serde_json::from_slice(&bytes).map_err(|e| QueryError::Malformed(e.to_string()))?;
        let rows = parsed.tables.iter().map(|t| t.rows.len() as u64).sum();
        let partial = parsed.error.map(|e| e.describe());
        Ok(Sent::Answer(Answer { body: bytes, rows, partial }))
    }
}

enum Sent {
    Answer(Answer),
    Retry { after: Option<Duration>, reason: String },
}

/// The error body's code and message, or its first bytes.
fn error_text(bytes: &[u8]) -> String {
    match serde_json::from_slice::<ErrorBody>(bytes).ok().and_then(|b| b.error) {
        Some(info) => info.describe(),
        None => crate::text::sanitize(&String::from_utf8_lossy(&bytes[..bytes.len().min(200)])).into_owned(),
    }
}
