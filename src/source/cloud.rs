//! Azure clouds: the Log Analytics query endpoint, the Resource Manager endpoint, and the token scope of each
//! (FORMATS.md §7.1). Sovereign clouds, private links and proxies override the URLs; a token must never travel
//! in clear text, so an override is HTTPS unless it points at this machine (the emulators in `tests/`).

use std::net::IpAddr;

use reqwest::Url;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Cloud {
    #[default]
    Public,
    Usgov,
    China,
}

impl Cloud {
    /// The Query API base, without the `/v1`.
    pub fn query_endpoint(self) -> &'static str {
        match self {
            Cloud::Public => "https://api.loganalytics.io",
            Cloud::Usgov => "https://api.loganalytics.us",
            Cloud::China => "https://api.loganalytics.azure.cn",
        }
    }

    pub fn arm_endpoint(self) -> &'static str {
        match self {
            Cloud::Public => "https://management.azure.com",
            Cloud::Usgov => "https://management.usgovcloudapi.net",
            Cloud::China => "https://management.chinacloudapi.cn",
        }
    }

    /// Where Entra ID issues tokens (service principals, workload identity).
    pub fn authority_host(self) -> &'static str {
        match self {
            Cloud::Public => "https://login.microsoftonline.com",
            Cloud::Usgov => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The token scope for the Query API. It names the service's audience, whatever URL an override points at.
    pub fn query_scope(self) -> String {
        format!("{}/.default", self.query_endpoint())
    }

    pub fn arm_scope(self) -> String {
        format!("{}/.default", self.arm_endpoint())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EndpointError {
    #[error("{url}: not a URL ({reason})")]
    Invalid { url: String, reason: String },
    #[error("{url}: plain http:// is accepted only for loopback addresses (127.0.0.1, ::1, localhost); use https://")]
    Cleartext { url: String },
    #[error("{url}: only https:// (or http:// on loopback) endpoints are supported")]
    Scheme { url: String },
}

/// Parses an endpoint given on the command line: `https://…`, or `http://` on a loopback host. A trailing
/// slash is dropped so paths can be appended.
pub fn endpoint(url: &str) -> Result<Url, EndpointError> {
    let trimmed = url.trim().trim_end_matches('/');
    let parsed =
        Url::parse(trimmed).map_err(|e| EndpointError::Invalid { url: url.to_string(), reason: e.to_string() })?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(EndpointError::Cleartext { url: url.to_string() }),
        _ => Err(EndpointError::Scheme { url: url.to_string() }),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(endpoint("https://api.loganalytics.io/").is_ok());
        assert_eq!(endpoint("https://la.contoso.internal/").unwrap().as_str(), "https://la.contoso.internal/");
        for ok in ["http://127.0.0.1:8080", "http://[::1]:9/", "http://localhost:1", "http://127.3.4.5"] {
            assert!(endpoint(ok).is_ok(), "{ok}");
        }
        for bad in ["http://10.0.0.1", "http://proxy.contoso.com", "http://localhost.evil.com"] {
            assert!(matches!(endpoint(bad), Err(EndpointError::Cleartext { .. })), "{bad}");
        }
        assert!(matches!(endpoint("ftp://127.0.0.1"), Err(EndpointError::Scheme { .. })));
        assert!(matches!(endpoint("not a url"), Err(EndpointError::Invalid { .. })));
    }

    #[test]
    fn scopes_name_the_service_audience() {
        assert_eq!(Cloud::Public.query_scope(), "https://api.loganalytics.io/.default");
        assert_eq!(Cloud::Usgov.arm_scope(), "https://management.usgovcloudapi.net/.default");
        assert_eq!(Cloud::China.query_endpoint(), "https://api.loganalytics.azure.cn");
    }
}
