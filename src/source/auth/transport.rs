//! azure_core's `HttpClient` over kvtrail's reqwest client. azure_core 1.x already implements `HttpClient` for
//! `reqwest::Client` of the same 0.13 line we use (one reqwest in the build), so this only adds one rule:
//! azure_identity refuses an authority that is not `https://`, yet the token-endpoint emulators (and a local
//! proxy) speak plain HTTP on loopback. When the configured authority is `http://` on a loopback address
//! (already vetted by [`crate::source::cloud::endpoint`]), azure_identity is given its `https://` twin and the
//! requests to exactly that host and port are sent as `http://` here. Nothing else is ever downgraded.

use azure_core::http::{AsyncRawResponse, HttpClient, Request};
use reqwest::Url;

#[derive(Debug)]
pub(super) struct Transport {
    client: reqwest::Client,
    /// Host and port of a loopback `http://` authority, addressed as `https://` by azure_identity.
    cleartext: Option<(String, u16)>,
}

impl Transport {
    /// No authority to vet: managed identity endpoints are whatever the platform announces.
    pub(super) fn plain(client: reqwest::Client) -> Transport {
        Transport { client, cleartext: None }
    }

    /// The transport, and the authority to hand to azure_identity (`authority` itself, or its `https://` twin).
    pub(super) fn new(client: reqwest::Client, authority: &Url) -> (Transport, Url) {
        if authority.scheme() != "http" {
            return (Transport { client, cleartext: None }, authority.clone());
        }
        let port = authority.port_or_known_default().unwrap_or(80);
        let mut twin = authority.clone();
        // http → https keeps an explicit port; an implicit :80 must become explicit or it would turn into :443.
        let _ = twin.set_scheme("https");
        let _ = twin.set_port(Some(port));
        let host = authority.host_str().unwrap_or_default().to_string();
        (Transport { client, cleartext: Some((host, port)) }, twin)
    }

    fn downgrade(&self, url: &Url) -> bool {
        match &self.cleartext {
            Some((host, port)) => {
                url.scheme() == "https" && url.host_str() == Some(host.as_str()) && url.port() == Some(*port)
            }
            None => false,
        }
    }
}

#[async_trait::async_trait]
impl HttpClient for Transport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        if self.downgrade(request.url()) {
            let mut plain = request.clone();
            let _ = plain.url_mut().set_scheme("http");
            return self.client.execute_request(&plain).await;
        }
        self.client.execute_request(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn only_the_loopback_authority_is_downgraded() {
        let client = reqwest::Client::new();
        let (t, twin) = Transport::new(client.clone(), &url("http://127.0.0.1:8080"));
        assert_eq!(twin.as_str(), "https://127.0.0.1:8080/");
        assert!(t.downgrade(&url("https://127.0.0.1:8080/tenant/oauth2/v2.0/token")));
        assert!(!t.downgrade(&url("https://127.0.0.1:8081/tenant/oauth2/v2.0/token")));
        assert!(!t.downgrade(&url("https://login.microsoftonline.com/tenant/oauth2/v2.0/token")));

        let (t, twin) = Transport::new(client.clone(), &url("http://localhost"));
        assert_eq!(twin.as_str(), "https://localhost:80/");
        assert!(t.downgrade(&url("https://localhost:80/t/oauth2/v2.0/token")));

        let (t, twin) = Transport::new(client, &url("https://login.microsoftonline.us"));
        assert_eq!(twin.as_str(), "https://login.microsoftonline.us/");
        assert!(!t.downgrade(&url("https://login.microsoftonline.us/t/oauth2/v2.0/token")));
    }
}
