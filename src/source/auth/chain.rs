//! The chain: each method in turn, each attempt bounded by the timeout, the first success kept for every later
//! call (the query and Resource Manager tokens then belong to the same identity), and — when nothing works — one
//! error naming every method and why it failed.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;

use super::{Attempt, AuthError, AuthMethod};
use crate::text::sanitize;

/// The longest reason kept: a failing endpoint's error body can be a whole HTML page.
const MAX_REASON: usize = 400;

pub(super) struct Link {
    method: AuthMethod,
    /// The credential, or why the method cannot work here (found while building, before any network).
    credential: Result<Arc<dyn TokenCredential>, String>,
}

impl Link {
    pub(super) fn new(method: AuthMethod, credential: Result<Arc<dyn TokenCredential>, String>) -> Link {
        Link { method, credential }
    }
}

pub(super) struct Chain {
    requested: AuthMethod,
    links: Vec<Link>,
    timeout: Duration,
    /// The link that produced the first token.
    chosen: OnceLock<usize>,
}

impl Chain {
    pub(super) fn new(requested: AuthMethod, links: Vec<Link>, timeout: Duration) -> Chain {
        Chain { requested, links, timeout, chosen: OnceLock::new() }
    }

    async fn attempt(
        &self,
        link: &Link,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> Result<AccessToken, String> {
        let credential = link.credential.as_ref().map_err(Clone::clone)?;
        match tokio::time::timeout(self.timeout, credential.get_token(scopes, options)).await {
            Ok(Ok(token)) => Ok(token),
            Ok(Err(e)) => Err(reason(&e)),
            Err(_) => Err(format!("no token within {} (timed out)", seconds(self.timeout))),
        }
    }
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let methods: Vec<&str> = self.links.iter().map(|l| l.method.name()).collect();
        f.debug_struct("Chain")
            .field("requested", &self.requested)
            .field("methods", &methods)
            .field("timeout", &self.timeout)
            .field("chosen", &self.chosen.get().map(|&i| self.links[i].method))
            .finish()
    }
}

#[async_trait::async_trait]
impl TokenCredential for Chain {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let mut attempts = Vec::new();
        let order: Vec<usize> = match self.chosen.get() {
            Some(&i) => vec![i],
            None => (0..self.links.len()).collect(),
        };
        for i in order {
            let link = &self.links[i];
            match self.attempt(link, scopes, options.clone()).await {
                Ok(token) => {
                    let _ = self.chosen.set(i);
                    return Ok(token);
                }
                Err(reason) => attempts.push(Attempt { method: link.method, reason }),
            }
        }
        // Once a method has worked, its failure is reported as is rather than silently switching identity.
        let requested = if self.chosen.get().is_some() { attempts[0].method } else { self.requested };
        Err(azure_core::Error::new(ErrorKind::Credential, AuthError::Failed { requested, attempts }))
    }
}

/// One line saying why a method failed: the error and its causes (azure_core often puts the useful part, such
/// as "connection refused", in a source), without azure_identity's "XCredential authentication failed." prefix
/// (the method is named already) or its troubleshooting link, sanitized, at most [`MAX_REASON`] characters.
pub(super) fn reason(err: &azure_core::Error) -> String {
    let text = error_chain(err);
    let lines: Vec<&str> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("To troubleshoot")).collect();
    let mut text = lines.join(" ");
    if let Some((head, rest)) = text.split_once(" authentication failed.")
        && head.ends_with("Credential")
        && !head.contains(' ')
        && !rest.trim().is_empty()
    {
        text = rest.trim().to_string();
    }
    let mut text = sanitize(&text).into_owned();
    if let Some((cut, _)) = text.char_indices().nth(MAX_REASON) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// An error's message followed by those of its sources that add something.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let more = e.to_string();
        if !more.is_empty() && !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = e.source();
    }
    text
}

fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 { format!("{} s", d.as_secs()) } else { format!("{:.1} s", d.as_secs_f64()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_one_short_line() {
        let inner = azure_core::Error::with_message(ErrorKind::Credential, "ERROR: Please run 'az login'.\n");
        let err = azure_core::Error::with_error(
            ErrorKind::Credential,
            inner,
            "AzureCliCredential authentication failed. ERROR: Please run 'az login'.\n\nTo troubleshoot, visit https://aka.ms/azsdk/rust/identity/troubleshoot#azure-cli",
        );
        assert_eq!(reason(&err), "ERROR: Please run 'az login'.");

        let long =
            azure_core::Error::with_message(ErrorKind::Other, format!("The request failed: {}", "x".repeat(900)));
        assert_eq!(reason(&long).chars().count(), MAX_REASON + 1);

        let escape = azure_core::Error::with_message(ErrorKind::Other, "bad\x1b[2J body");
        assert_eq!(reason(&escape), "bad\\x1b[2J body");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }
}
