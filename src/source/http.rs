//! The HTTP client for every Azure call: reqwest on rustls (no OpenSSL), gzip, bounded connect and request
//! times so an unreachable endpoint on a jump box is a clear error in seconds, not a hang. Built once and
//! shared (connection reuse matters over a slow link); building it never panics, even on a machine without CA
//! certificates — that only fails the first HTTPS call, with a message.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Time to open a connection (TCP + TLS): an offline jump box is told quickly.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a single request may take: the Query API's own cap is 10 minutes (`Prefer: wait=600`), plus
/// time to transfer up to ~100 MB of results.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(12 * 60);

pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("kvtrail/", env!("CARGO_PKG_VERSION")))
        .gzip(true)
        // A redirect would carry the request body (a client secret, a query) to another place: never followed.
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// How often and how long to retry throttled (429), failing (5xx) and unreachable calls — the same policy
/// shape for Resource Manager and the Query API, with each its own defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Tries per request, the first included.
    pub attempts: u32,
    /// The wait after the first failure without a `Retry-After`; doubled after each further one.
    pub backoff: Duration,
    /// The longest wait, whatever `Retry-After` asks for.
    pub max_wait: Duration,
}

impl Retry {
    /// The wait after `failures` failures (1 after the first), or what the service asked for, capped.
    pub fn wait(&self, failures: u32, retry_after: Option<Duration>) -> Duration {
        let backoff = self.backoff.saturating_mul(1 << failures.saturating_sub(1).min(16));
        retry_after.unwrap_or(backoff).min(self.max_wait)
    }
}

/// `Retry-After` in seconds, or Azure's `retry-after-ms` / `x-ms-retry-after-ms`.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
    number("retry-after-ms")
        .or_else(|| number("x-ms-retry-after-ms"))
        .map(Duration::from_millis)
        .or_else(|| number(RETRY_AFTER.as_str()).map(Duration::from_secs))
}

/// An error and its causes on one line, repeats dropped (reqwest nests "error sending request" around the
/// reason that matters: refused, reset, timed out).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut last = out.clone();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if text != last {
            out.push_str(": ");
            out.push_str(&text);
        }
        last = text;
        source = s.source();
    }
    out
}
