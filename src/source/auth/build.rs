//! Builds each method's azure_identity 1.0 credential: our transport, the cloud's (or overridden) authority,
//! and the environment read from [`EnvVars`] and passed explicitly, so azure_identity reads as little of the
//! process environment as 1.0 allows (only managed identity still does).

use std::sync::Arc;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use reqwest::Url;
use tokio::sync::OnceCell;

use super::doctor::{self, MiSource};
use super::{AuthError, AuthMethod, AuthOptions, az, chain, transport};
use crate::source::cloud;

pub(super) struct Builder<'a> {
    options: &'a AuthOptions,
    http: reqwest::Client,
    /// Entra ID's authority for service principals and workload identity, or why `AZURE_AUTHORITY_HOST` is
    /// unusable (which only those two methods need to hear about).
    authority: Result<Url, String>,
}

impl<'a> Builder<'a> {
    /// Fails only on an unusable [`AuthOptions::authority_host`]: that was asked for explicitly.
    pub(super) fn new(options: &'a AuthOptions, http: reqwest::Client) -> Result<Builder<'a>, AuthError> {
        let authority = match &options.authority_host {
            Some(host) => Ok(cloud::endpoint(host)?),
            None => match options.env.var("AZURE_AUTHORITY_HOST") {
                Some(host) => cloud::endpoint(&host).map_err(|e| format!("AZURE_AUTHORITY_HOST {e}")),
                None => cloud::endpoint(options.cloud.authority_host()).map_err(|e| e.to_string()),
            },
        };
        Ok(Builder { options, http, authority })
    }

    /// Pipeline options: our transport and, for Entra ID, the authority.
    fn client_options(&self, authority: Option<&Url>) -> ClientOptions {
        let (transport, cloud) = match authority {
            Some(authority) => {
                let (transport, authority) = transport::Transport::new(self.http.clone(), authority);
                let mut custom = CustomConfiguration::default();
                custom.authority_host = authority.as_str().trim_end_matches('/').to_string();
                (transport, Some(Arc::new(CloudConfiguration::Custom(custom))))
            }
            None => (transport::Transport::plain(self.http.clone()), None),
        };
        ClientOptions {
            transport: Some(Transport::new(Arc::new(transport))),
            cloud,
            // A few quick retries for a throttled or restarting endpoint; the attempt's timeout bounds them all.
            retry: RetryOptions::exponential(ExponentialRetryOptions { max_retries: 3, ..Default::default() }),
            ..Default::default()
        }
    }

    fn entra_options(&self) -> Result<ClientOptions, String> {
        let authority = self.authority.as_ref().map_err(Clone::clone)?;
        Ok(self.client_options(Some(authority)))
    }

    /// The method's credential, or why it cannot work here. `in_chain`: part of `auto`, where a VM's IMDS is
    /// probed before it is relied on.
    pub(super) fn build(&self, method: AuthMethod, in_chain: bool) -> Result<Arc<dyn TokenCredential>, String> {
        let env = &self.options.env;
        let var = |k: &str| env.var(k);
        let built: azure_core::Result<Arc<dyn TokenCredential>> = match method {
            AuthMethod::Auto => return Err("auto is a chain, not a method".to_string()),
            AuthMethod::Cli => {
                doctor::find_az(var("PATH").as_deref()).ok_or(doctor::AZ_MISSING)?;
                let executor = Arc::new(az::AzExecutor { env: env.clone() });
                AzureCliCredential::new(Some(AzureCliCredentialOptions {
                    executor: Some(executor),
                    ..Default::default()
                }))
                .map(|c| c as Arc<dyn TokenCredential>)
            }
            AuthMethod::ManagedIdentity => return self.managed_identity(in_chain),
            AuthMethod::Env => {
                doctor::missing(&var, &doctor::SERVICE_PRINCIPAL)?;
                let (tenant, client, secret) = (
                    var("AZURE_TENANT_ID").unwrap_or_default(),
                    var("AZURE_CLIENT_ID").unwrap_or_default(),
                    var("AZURE_CLIENT_SECRET").unwrap_or_default(),
                );
                let options = ClientSecretCredentialOptions { client_options: self.entra_options()? };
                ClientSecretCredential::new(&tenant, client, Secret::new(secret), Some(options))
                    .map(|c| c as Arc<dyn TokenCredential>)
            }
            AuthMethod::Workload => {
                doctor::missing(&var, &doctor::WORKLOAD)?;
                let options = WorkloadIdentityCredentialOptions {
                    credential_options: ClientAssertionCredentialOptions { client_options: self.entra_options()? },
                    client_id: var("AZURE_CLIENT_ID"),
                    tenant_id: var("AZURE_TENANT_ID"),
                    token_file_path: var("AZURE_FEDERATED_TOKEN_FILE").map(Into::into),
                };
                WorkloadIdentityCredential::new(Some(options)).map(|c| c as Arc<dyn TokenCredential>)
            }
        };
        built.map_err(|e| chain::reason(&e))
    }

    fn managed_identity(&self, in_chain: bool) -> Result<Arc<dyn TokenCredential>, String> {
        let source = doctor::managed_identity_source(&|k: &str| self.options.env.var(k));
        let probe = match (&source, in_chain, &self.options.imds_probe) {
            (MiSource::Unsupported(what), ..) => return Err(what.to_string()),
            (MiSource::Imds, true, None) => {
                return Err("IDENTITY_ENDPOINT and MSI_ENDPOINT unset; IMDS probe disabled".into());
            }
            (MiSource::Imds, true, Some(probe)) => Some(probe.clone()),
            _ => None,
        };
        let options = ManagedIdentityCredentialOptions {
            user_assigned_id: self.options.managed_identity_client_id.clone().map(UserAssignedId::ClientId),
            client_options: self.client_options(None),
        };
        let credential: Arc<dyn TokenCredential> =
            ManagedIdentityCredential::new(Some(options)).map_err(|e| chain::reason(&e))?;
        Ok(match probe {
            Some(probe) => {
                Arc::new(ImdsProbed { probe, http: self.http.clone(), inner: credential, found: OnceCell::new() })
            }
            None => credential,
        })
    }
}

/// A VM's managed identity that first checks, once, that an IMDS answers at all: azure_identity retries an
/// unreachable IMDS for up to 72 s, which on a jump box outside Azure would stall `auto` for the whole timeout.
#[derive(Debug)]
struct ImdsProbed {
    probe: Url,
    http: reqwest::Client,
    inner: Arc<dyn TokenCredential>,
    found: OnceCell<Result<(), String>>,
}

#[async_trait::async_trait]
impl TokenCredential for ImdsProbed {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let found = self.found.get_or_init(|| doctor::probe_imds(&self.http, &self.probe)).await;
        if let Err(reason) = found {
            return Err(azure_core::Error::with_message(ErrorKind::Credential, reason.clone()));
        }
        self.inner.get_token(scopes, options).await
    }
}
