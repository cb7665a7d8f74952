//! The HTTP client for every Azure call: reqwest on rustls (no OpenSSL), gzip, bounded connect and request
//! times so an unreachable endpoint on a jump box is a clear error in seconds, not a hang. Built once and
//! shared (connection reuse matters over a slow link); building it never panics, even on a machine without CA
//! certificates — that only fails the first HTTPS call, with a message.

use std::time::Duration;

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
