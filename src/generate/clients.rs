//! Client applications: first-party app ids and the user-agent strings (`properties.clientInfo`) real SDKs send.

/// Azure CLI (public client, FOCI).
pub const AZURE_CLI_APPID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
/// Azure PowerShell (public client, FOCI).
pub const AZURE_POWERSHELL_APPID: &str = "1950a258-227b-4e31-a9cf-717495945fc2";
/// Azure Portal.
pub const AZURE_PORTAL_APPID: &str = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
/// Visual Studio (developers' local debugging through `DefaultAzureCredential`).
pub const VISUAL_STUDIO_APPID: &str = "872cd9fa-d31f-45e0-9eab-6e460a02d1f1";
/// Azure Resource Graph, which indexes every vault with `VaultGet`.
pub const RESOURCE_GRAPH_APPID: &str = "509e4652-da8d-478d-a730-e9d4a1996ca4";
/// Policy Insights data-plane scanner.
pub const POLICY_INSIGHTS_APPID: &str = "8cae6e77-e04e-42ce-b5cb-50d82bce26b1";

pub const RESOURCE_GRAPH_UA: &str = "AzureResourceGraph.IngestionWorkerService.global/1.23.1.224";
pub const POLICY_SCAN_UA: &str = "PolicyScan-GF";
/// ARM forwards some vault-level calls with its own agent string.
pub const ARM_UA: &str = "azure-resource-manager/2.0";

pub const TERRAFORM_UA: &str = "HashiCorp Terraform/1.9.8 (+https://www.terraform.io) Terraform Plugin SDK/2.10.1 terraform-provider-azurerm/4.8.0 pid-222c6c49-1b0a-5959-a213-6608f9eb8820";

pub const AZURE_CLI_DATA_UA: &str =
    "azsdk-python-keyvault-secrets/4.8.0 Python/3.11.8 (Windows-10-10.0.22631-SP0) AZURECLI/2.64.0 (MSI)";
pub const AZURE_CLI_KEYS_UA: &str =
    "azsdk-python-keyvault-keys/4.9.0 Python/3.11.8 (Windows-10-10.0.22631-SP0) AZURECLI/2.64.0 (MSI)";
pub const AZURE_CLI_CERTS_UA: &str =
    "azsdk-python-keyvault-certificates/4.8.0 Python/3.11.8 (Windows-10-10.0.22631-SP0) AZURECLI/2.64.0 (MSI)";
pub const AZURE_CLI_LINUX_UA: &str = "azsdk-python-keyvault-secrets/4.8.0 Python/3.12.6 (Linux-6.8.0-45-generic-x86_64-with-glibc2.39) AZURECLI/2.64.0 (DEB)";
pub const AZURE_CLI_ARM_UA: &str =
    "AZURECLI/2.64.0 (MSI) azsdk-python-azure-mgmt-keyvault/10.3.1 Python/3.11.8 (Windows-10-10.0.22631-SP0)";
pub const POWERSHELL_UA: &str = "FxVersion/8.0.824.36612 OSName/Windows OSVersion/Microsoft.Windows.10.0.22631 Microsoft.Azure.KeyVault.KeyVaultClient/3.0.5 AzurePowershell/v12.3.0 PSVersion/v7.4.5 Az.KeyVault/6.2.0";

/// Browser agents seen on Portal traffic.
pub const BROWSER_UAS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
];

/// Offensive/scripted clients the detector's KV-19 looks for.
pub const PYTHON_REQUESTS_UA: &str = "python-requests/2.31.0";
pub const CURL_UA: &str = "curl/8.5.0";

/// The SDK family a workload is written in; each family has one agent string per object kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sdk {
    DotNet6,
    DotNet8,
    Python,
    Java,
    JavaScript,
    Go,
}

pub const SDKS: &[Sdk] = &[Sdk::DotNet6, Sdk::DotNet8, Sdk::Python, Sdk::Java, Sdk::JavaScript, Sdk::Go];
/// Relative popularity of the SDK families among workloads.
pub const SDK_WEIGHTS: &[u32] = &[20, 30, 20, 12, 12, 6];

/// Which Key Vault client library inside a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Library {
    Secrets,
    Keys,
    Certificates,
}

impl Sdk {
    pub fn user_agent(self, library: Library) -> &'static str {
        use Library::*;
        match (self, library) {
            (Sdk::DotNet6, Secrets) => {
                "azsdk-net-Security.KeyVault.Secrets/4.5.0 (.NET 6.0.33; Microsoft Windows 10.0.20348)"
            }
            (Sdk::DotNet6, Keys) => {
                "azsdk-net-Security.KeyVault.Keys/4.5.0 (.NET 6.0.33; Microsoft Windows 10.0.20348)"
            }
            (Sdk::DotNet6, Certificates) => {
                "azsdk-net-Security.KeyVault.Certificates/4.5.1 (.NET 6.0.33; Microsoft Windows 10.0.20348)"
            }
            (Sdk::DotNet8, Secrets) => {
                "azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.8; Linux 5.15.0-1071-azure #80-Ubuntu SMP Wed Jul 31 22:23:27 UTC 2024)"
            }
            (Sdk::DotNet8, Keys) => {
                "azsdk-net-Security.KeyVault.Keys/4.6.0 (.NET 8.0.8; Linux 5.15.0-1071-azure #80-Ubuntu SMP Wed Jul 31 22:23:27 UTC 2024)"
            }
            (Sdk::DotNet8, Certificates) => {
                "azsdk-net-Security.KeyVault.Certificates/4.6.0 (.NET 8.0.8; Linux 5.15.0-1071-azure #80-Ubuntu SMP Wed Jul 31 22:23:27 UTC 2024)"
            }
            (Sdk::Python, Secrets) => {
                "azsdk-python-keyvault-secrets/4.7.0 Python/3.11.9 (Linux-5.15.0-1064-azure-x86_64-with-glibc2.35)"
            }
            (Sdk::Python, Keys) => {
                "azsdk-python-keyvault-keys/4.9.0 Python/3.11.9 (Linux-5.15.0-1064-azure-x86_64-with-glibc2.35)"
            }
            (Sdk::Python, Certificates) => {
                "azsdk-python-keyvault-certificates/4.8.0 Python/3.11.9 (Linux-5.15.0-1064-azure-x86_64-with-glibc2.35)"
            }
            (Sdk::Java, Secrets) => {
                "azsdk-java-azure-security-keyvault-secrets/4.8.5 (17.0.12; Linux; 5.15.0-1064-azure)"
            }
            (Sdk::Java, Keys) => "azsdk-java-azure-security-keyvault-keys/4.8.5 (17.0.12; Linux; 5.15.0-1064-azure)",
            (Sdk::Java, Certificates) => {
                "azsdk-java-azure-security-keyvault-certificates/4.6.5 (17.0.12; Linux; 5.15.0-1064-azure)"
            }
            (Sdk::JavaScript, Secrets) => {
                "azsdk-js-keyvault-secrets/4.8.0 core-rest-pipeline/1.16.3 Node/v20.17.0 OS/(x64-Linux-5.15.0-1064-azure)"
            }
            (Sdk::JavaScript, Keys) => {
                "azsdk-js-keyvault-keys/4.8.0 core-rest-pipeline/1.16.3 Node/v20.17.0 OS/(x64-Linux-5.15.0-1064-azure)"
            }
            (Sdk::JavaScript, Certificates) => {
                "azsdk-js-keyvault-certificates/4.8.0 core-rest-pipeline/1.16.3 Node/v20.17.0 OS/(x64-Linux-5.15.0-1064-azure)"
            }
            (Sdk::Go, Secrets) => "azsdk-go-azsecrets/v1.1.0 (go1.22.7; linux)",
            (Sdk::Go, Keys) => "azsdk-go-azkeys/v1.1.0 (go1.22.7; linux)",
            (Sdk::Go, Certificates) => "azsdk-go-azcertificates/v1.1.0 (go1.22.7; linux)",
        }
    }

    /// Newer runtimes negotiate TLS 1.3.
    pub fn tls13(self) -> bool {
        matches!(self, Sdk::DotNet8 | Sdk::Go | Sdk::JavaScript)
    }

    /// Data-plane API version the library speaks.
    pub fn api_version(self) -> &'static str {
        match self {
            Sdk::DotNet6 => "7.4",
            Sdk::DotNet8 | Sdk::Python | Sdk::JavaScript => "7.5",
            Sdk::Java => "7.5",
            Sdk::Go => "7.4",
        }
    }

    /// The .NET secrets client requests `secrets/<name>/?api-version` (trailing slash) when no version is given.
    pub fn trailing_slash(self) -> bool {
        matches!(self, Sdk::DotNet6 | Sdk::DotNet8)
    }
}
