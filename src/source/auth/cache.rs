//! Tokens per scope, reused until `margin` before they expire. Not every azure_identity credential caches (the
//! CLI one runs `az` — a second of Python — on every call), and a paged query asks for a token per request.
//! Fetches are serialized: concurrent callers wait for the one fetch instead of each starting their own.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::time::OffsetDateTime;
use tokio::sync::Mutex;

pub(super) struct Cached {
    inner: Arc<dyn TokenCredential>,
    margin: Duration,
    /// Keyed by the scopes, space-separated.
    tokens: Mutex<HashMap<String, AccessToken>>,
}

impl Cached {
    pub(super) fn new(inner: Arc<dyn TokenCredential>, margin: Duration) -> Cached {
        Cached { inner, margin, tokens: Mutex::new(HashMap::new()) }
    }
}

/// The inner credential and the margin; never the cached tokens.
impl std::fmt::Debug for Cached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cached").field("inner", &self.inner).field("margin", &self.margin).finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl TokenCredential for Cached {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let key = scopes.join(" ");
        let mut tokens = self.tokens.lock().await;
        if let Some(token) = tokens.get(&key)
            && token.expires_on > OffsetDateTime::now_utc() + self.margin
        {
            return Ok(token.clone());
        }
        let token = self.inner.get_token(scopes, options).await?;
        tokens.insert(key, token.clone());
        Ok(token)
    }
}
