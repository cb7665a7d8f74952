//! What each method needs and whether this machine has it, without asking for a token (`kvtrail doctor`, and
//! the reasons `auto` gives for skipping a method). Never prints a variable's value: "set" is enough.

use std::path::{Path, PathBuf};

use reqwest::Url;

use super::{AuthMethod, IMDS_PROBE_TIMEOUT};

/// For each method of the `auto` chain, in order: what makes it look usable, or what is missing. Reads only the
/// environment and the file system; the VM's IMDS needs a network probe ([`probe_imds`]), so without an
/// `IDENTITY_ENDPOINT` managed identity is reported as unknown (`Err`, "IMDS probe needed").
pub fn available(env: &impl Fn(&str) -> Option<String>) -> Vec<(AuthMethod, Result<String, String>)> {
    let var = |k: &str| env(k).filter(|v| !v.is_empty());
    let cli = match find_az(var("PATH").as_deref()) {
        Some(path) => Ok(format!("az at {}", path.display())),
        None => Err(AZ_MISSING.to_string()),
    };
    let managed = match managed_identity_source(&var) {
        MiSource::AppService => Ok("IDENTITY_ENDPOINT and IDENTITY_HEADER set (App Service style)".to_string()),
        MiSource::Unsupported(what) => Err(what.to_string()),
        MiSource::Imds => {
            Err("IDENTITY_ENDPOINT / MSI_ENDPOINT unset; an Azure VM's IMDS would answer (IMDS probe needed)"
                .to_string())
        }
    };
    let sp =
        missing(&var, &SERVICE_PRINCIPAL).map(|()| "AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET set".into());
    let workload = missing(&var, &WORKLOAD).and_then(|()| {
        let path = var("AZURE_FEDERATED_TOKEN_FILE").unwrap_or_default();
        match std::fs::File::open(&path) {
            Ok(_) => Ok(format!("AZURE_TENANT_ID, AZURE_CLIENT_ID set; AZURE_FEDERATED_TOKEN_FILE readable ({path})")),
            Err(e) => Err(format!("AZURE_FEDERATED_TOKEN_FILE {path}: {e}")),
        }
    });
    vec![
        (AuthMethod::Cli, cli),
        (AuthMethod::ManagedIdentity, managed),
        (AuthMethod::Env, sp),
        (AuthMethod::Workload, workload),
    ]
}

/// Whether an Instance Metadata Service answers at `url` within [`IMDS_PROBE_TIMEOUT`]. Any HTTP answer counts
/// (the probe sends no `Metadata` header, so IMDS itself answers 400): only a VM in Azure has one.
pub async fn probe_imds(http: &reqwest::Client, url: &Url) -> Result<(), String> {
    match http.get(url.clone()).timeout(IMDS_PROBE_TIMEOUT).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let host = url.host_str().unwrap_or("?");
            let why = match root_cause(&e) {
                _ if e.is_timeout() => format!("no answer within {} s", IMDS_PROBE_TIMEOUT.as_secs()),
                cause => cause,
            };
            Err(format!("IDENTITY_ENDPOINT and MSI_ENDPOINT unset, and no IMDS at {host} ({why}): not an Azure VM?"))
        }
    }
}

/// The innermost error: for a failed connection, "Connection refused (os error 111)" rather than three layers
/// of reqwest and hyper context.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = err;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    innermost.to_string()
}

pub(super) const AZ_MISSING: &str = "az not found on PATH (install the Azure CLI, or choose another --auth)";
pub(super) const SERVICE_PRINCIPAL: [&str; 3] = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"];
pub(super) const WORKLOAD: [&str; 3] = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"];

/// `Err("AZURE_CLIENT_SECRET not set")` naming every missing variable.
pub(super) fn missing(var: &impl Fn(&str) -> Option<String>, keys: &[&str]) -> Result<(), String> {
    let absent: Vec<&str> = keys.iter().copied().filter(|k| var(k).is_none()).collect();
    if absent.is_empty() { Ok(()) } else { Err(format!("{} not set", absent.join(", "))) }
}

/// Which managed identity flavour the environment announces, mirroring azure_identity 1.0's own detection.
pub(super) enum MiSource {
    /// `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`: App Service, Functions, Container Apps.
    AppService,
    /// A flavour azure_identity 1.0 does not implement.
    Unsupported(&'static str),
    /// Nothing announced: a VM's Instance Metadata Service, if any.
    Imds,
}

pub(super) fn managed_identity_source(var: &impl Fn(&str) -> Option<String>) -> MiSource {
    let set = |k: &str| var(k).is_some();
    if set("IDENTITY_ENDPOINT") {
        if set("IDENTITY_HEADER") {
            if set("IDENTITY_SERVER_THUMBPRINT") {
                return MiSource::Unsupported("Service Fabric managed identity (not supported by azure_identity 1.0)");
            }
            return MiSource::AppService;
        }
        if set("IMDS_ENDPOINT") {
            return MiSource::Unsupported("Azure Arc managed identity (not supported by azure_identity 1.0)");
        }
    } else if set("MSI_ENDPOINT") {
        return MiSource::Unsupported(
            "Cloud Shell / Azure ML managed identity (not supported by azure_identity 1.0; in Cloud Shell use --auth cli)",
        );
    }
    MiSource::Imds
}

/// The `az` the platform shell would run: the first executable `az` (`az.cmd`, `az.exe` on Windows) on `path`.
pub(super) fn find_az(path: Option<&str>) -> Option<PathBuf> {
    let names: &[&str] = if cfg!(windows) { &["az.cmd", "az.exe", "az.bat"] } else { &["az"] };
    std::env::split_paths(path?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn nothing_configured_says_what_is_missing() {
        let report = available(&env(&[("PATH", "/nonexistent-kvtrail")]));
        let methods: Vec<AuthMethod> = report.iter().map(|(m, _)| *m).collect();
        assert_eq!(methods, AuthMethod::CHAIN);
        assert_eq!(report[0].1, Err(AZ_MISSING.to_string()));
        assert!(report[1].1.as_ref().is_err_and(|e| e.contains("IMDS probe needed")));
        assert_eq!(report[2].1, Err("AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET not set".into()));
        assert!(report[3].1.as_ref().is_err_and(|e| e.contains("AZURE_FEDERATED_TOKEN_FILE not set")));
    }

    #[test]
    fn set_variables_are_reported_without_their_values() {
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join("token");
        std::fs::write(&token, "federated-assertion").unwrap();
        let token = token.to_string_lossy().into_owned();
        let report = available(&env(&[
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_CLIENT_SECRET", "very-secret-value"),
            ("AZURE_FEDERATED_TOKEN_FILE", &token),
            ("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi"),
            ("IDENTITY_HEADER", "header-secret"),
        ]));
        assert!(report[1].1.is_ok() && report[2].1.is_ok() && report[3].1.is_ok(), "{report:?}");
        let shown = format!("{report:?}");
        assert!(!shown.contains("very-secret-value") && !shown.contains("header-secret"), "{shown}");
    }

    #[test]
    fn unsupported_managed_identity_flavours_are_named() {
        let cloud_shell = env(&[("MSI_ENDPOINT", "http://localhost:50342/oauth2/token")]);
        assert!(matches!(managed_identity_source(&cloud_shell), MiSource::Unsupported(w) if w.contains("Cloud Shell")));
        let arc = env(&[("IDENTITY_ENDPOINT", "http://localhost:40342"), ("IMDS_ENDPOINT", "http://localhost:40342")]);
        assert!(matches!(managed_identity_source(&arc), MiSource::Unsupported(w) if w.contains("Arc")));
    }
}
