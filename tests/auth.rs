//! Signing in, against emulators on 127.0.0.1 and a fake `az` (no network): each method, the `auto` chain's
//! order and fall-through, the "every method failed" message, the per-attempt timeout, the token cache, and
//! that a token or secret never shows in `Debug` output or errors.
//!
//! Tests run one at a time (`LOCK`): the managed identity test must set process environment variables
//! (azure_identity 1.0 reads `IDENTITY_ENDPOINT` from the process), and nothing else may read the environment
//! meanwhile. The other tests pass a fixed `EnvVars` and never touch the process environment. Unix only: the
//! fake `az` is a shell script.
#![cfg(unix)]

#[path = "common/http.rs"]
mod http;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{Request, Response, Server};
use kvtrail::source::auth::{self, AuthError, AuthMethod, AuthOptions, EnvVars};
use kvtrail::source::cloud::Cloud;
use serde_json::json;

static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const QUERY: &str = "https://api.loganalytics.io/.default";
const ARM: &str = "https://management.azure.com/.default";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT: &str = "0d3c3a1b-5a1e-4c8e-9a57-aaaaaaaaaaaa";
const CLIENT_SECRET: &str = "sp-secret-never-printed";

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn client() -> reqwest::Client {
    kvtrail::source::http::client().expect("http client")
}

fn options(method: AuthMethod, env: EnvVars) -> AuthOptions {
    AuthOptions {
        timeout: Duration::from_secs(5),
        imds_probe: Some(closed_port()),
        env,
        ..AuthOptions::new(method, Cloud::Public)
    }
}

/// A loopback URL nothing listens on: the IMDS probe is refused at once.
fn closed_port() -> reqwest::Url {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    reqwest::Url::parse(&format!("http://127.0.0.1:{port}/metadata/identity/oauth2/token")).expect("url")
}

/// A directory holding a fake `az` running `body`; every call appends its arguments to `calls`.
struct FakeAz {
    dir: tempfile::TempDir,
}

impl FakeAz {
    fn new(body: &str) -> FakeAz {
        let dir = tempfile::tempdir().expect("tempdir");
        let calls = dir.path().join("calls");
        let script = format!("#!/bin/sh\necho \"$@\" >> '{}'\n{body}\n", calls.display());
        write_executable(&dir.path().join("az"), &script);
        FakeAz { dir }
    }

    /// `az` printing a token that expires in `ttl` seconds.
    fn token(token: &str, ttl: u64) -> FakeAz {
        let body = json!({
            "accessToken": token,
            "expiresOn": "2026-11-22 10:00:00.000000",
            "expires_on": now() + ttl,
            "subscription": "00000000-0000-0000-0000-000000000001",
            "tenant": TENANT,
            "tokenType": "Bearer",
        });
        FakeAz::new(&format!("cat <<'EOF'\n{body}\nEOF"))
    }

    fn path(&self) -> String {
        format!("{}:/usr/bin:/bin", self.dir.path().display())
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("calls")).unwrap_or_default().lines().map(String::from).collect()
    }
}

fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A `PATH` with no `az` on it.
fn no_az() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().display().to_string();
    (dir, path)
}

/// Entra ID's token endpoint: `POST /{tenant}/oauth2/v2.0/token`, answering `token` valid for `ttl` seconds.
fn entra(token: &'static str, ttl: u64) -> Server {
    http::serve(move |r: &Request| {
        if r.method == "POST" && r.path() == format!("/{TENANT}/oauth2/v2.0/token") {
            Response::json(
                200,
                &json!({"token_type": "Bearer", "expires_in": ttl, "ext_expires_in": ttl, "access_token": token}),
            )
        } else {
            Response::json(404, &json!({"error": "not_found", "error_description": r.target}))
        }
    })
}

fn form(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body).into_owned().collect()
}

fn field(form: &[(String, String)], key: &str) -> Option<String> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

fn sp_env(path: &str, authority: &str) -> EnvVars {
    EnvVars::from_pairs([
        ("PATH", path),
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", CLIENT),
        ("AZURE_CLIENT_SECRET", CLIENT_SECRET),
        ("AZURE_AUTHORITY_HOST", authority),
    ])
}

fn auth_error(err: &azure_core::Error) -> &AuthError {
    err.downcast_ref::<AuthError>().unwrap_or_else(|| panic!("not an AuthError: {err}"))
}

#[tokio::test]
async fn cli_runs_az_for_the_scope() {
    let _serial = LOCK.lock().await;
    let az = FakeAz::token("cli-token-1", 3600);
    let cred = auth::credential(&options(AuthMethod::Cli, EnvVars::from_pairs([("PATH", az.path())])), client())
        .expect("credential");
    let token = cred.get_token(&[QUERY], None).await.expect("token");
    assert_eq!(token.token.secret(), "cli-token-1");
    let calls = az.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].starts_with("account get-access-token -o json --scope https://api.loganalytics.io/.default"));
}

#[tokio::test]
async fn service_principal_posts_the_secret_to_the_authority() {
    let _serial = LOCK.lock().await;
    let entra = entra("sp-token-1", 3599);
    let (_dir, path) = no_az();
    let cred = auth::credential(&options(AuthMethod::Env, sp_env(&path, &entra.url())), client()).expect("credential");
    let token = cred.get_token(&[ARM], None).await.expect("token");
    assert_eq!(token.token.secret(), "sp-token-1");
    let requests = entra.requests();
    assert_eq!(requests.len(), 1);
    let sent = form(&requests[0]);
    assert_eq!(field(&sent, "grant_type").as_deref(), Some("client_credentials"));
    assert_eq!(field(&sent, "client_id").as_deref(), Some(CLIENT));
    assert_eq!(field(&sent, "client_secret").as_deref(), Some(CLIENT_SECRET));
    assert_eq!(field(&sent, "scope").as_deref(), Some(ARM));
}

#[tokio::test]
async fn workload_identity_sends_the_federated_assertion() {
    let _serial = LOCK.lock().await;
    let entra = entra("wi-token-1", 3599);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("azure-identity-token");
    std::fs::write(&file, "eyJhbGciOiJSUzI1NiJ9.kubernetes-assertion").expect("write token file");
    let env = EnvVars::from_pairs([
        ("AZURE_TENANT_ID", TENANT.to_string()),
        ("AZURE_CLIENT_ID", CLIENT.to_string()),
        ("AZURE_FEDERATED_TOKEN_FILE", file.display().to_string()),
    ]);
    // The authority as an option this time (the other tests use AZURE_AUTHORITY_HOST).
    let opts = AuthOptions { authority_host: Some(entra.url()), ..options(AuthMethod::Workload, env) };
    let cred = auth::credential(&opts, client()).expect("credential");
    let token = cred.get_token(&[QUERY], None).await.expect("token");
    assert_eq!(token.token.secret(), "wi-token-1");
    let sent = form(&entra.requests()[0]);
    assert_eq!(field(&sent, "client_assertion").as_deref(), Some("eyJhbGciOiJSUzI1NiJ9.kubernetes-assertion"));
    assert_eq!(
        field(&sent, "client_assertion_type").as_deref(),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    assert_eq!(field(&sent, "client_id").as_deref(), Some(CLIENT));
}

/// Sets process environment variables for one test and removes them afterwards, even on a failed assertion.
struct ProcessEnv(Vec<&'static str>);

impl ProcessEnv {
    fn set(vars: &[(&'static str, &str)]) -> ProcessEnv {
        for (k, v) in vars {
            // SAFETY: every test in this file holds LOCK, so no other thread reads or writes the environment.
            unsafe { std::env::set_var(k, v) };
        }
        ProcessEnv(vars.iter().map(|(k, _)| *k).collect())
    }
}

impl Drop for ProcessEnv {
    fn drop(&mut self) {
        for k in &self.0 {
            // SAFETY: as in `set`.
            unsafe { std::env::remove_var(k) };
        }
    }
}

/// App Service style: `GET {IDENTITY_ENDPOINT}?resource=…&api-version=2019-08-01` with `X-IDENTITY-HEADER`.
fn app_service(token: &'static str) -> Server {
    http::serve(move |r: &Request| {
        let ok = r.path() == "/msi/token"
            && r.param("api-version").as_deref() == Some("2019-08-01")
            && r.header("x-identity-header") == Some("mi-header-secret");
        if !ok {
            return Response::json(400, &json!({"error": "bad request"}));
        }
        Response::json(
            200,
            &json!({
                "access_token": token,
                "expires_on": (now() + 3600).to_string(),
                "resource": r.param("resource"),
                "token_type": "Bearer",
            }),
        )
    })
}

#[tokio::test]
async fn managed_identity_app_service() {
    let _serial = LOCK.lock().await;
    let mi = app_service("mi-token-1");
    let endpoint = format!("{}/msi/token", mi.url());
    let _env = ProcessEnv::set(&[("IDENTITY_ENDPOINT", endpoint.as_str()), ("IDENTITY_HEADER", "mi-header-secret")]);
    let cred =
        auth::credential(&options(AuthMethod::ManagedIdentity, EnvVars::process()), client()).expect("credential");
    let token = cred.get_token(&[QUERY], None).await.expect("token");
    assert_eq!(token.token.secret(), "mi-token-1");
    assert_eq!(mi.requests()[0].param("resource").as_deref(), Some("https://api.loganalytics.io"));

    // In `auto`, with no az, managed identity comes next.
    let (_dir, path) = no_az();
    let env = EnvVars::from_pairs([
        ("PATH", path.as_str()),
        ("IDENTITY_ENDPOINT", &endpoint),
        ("IDENTITY_HEADER", "mi-header-secret"),
    ]);
    let cred = auth::credential(&options(AuthMethod::Auto, env), client()).expect("credential");
    assert_eq!(cred.get_token(&[ARM], None).await.expect("token").token.secret(), "mi-token-1");
    assert!(format!("{cred:?}").contains("chosen: Some(ManagedIdentity)"), "{cred:?}");
}

#[tokio::test]
async fn auto_prefers_the_cli() {
    let _serial = LOCK.lock().await;
    let az = FakeAz::token("cli-token-2", 3600);
    let entra = entra("sp-token-2", 3599);
    let cred =
        auth::credential(&options(AuthMethod::Auto, sp_env(&az.path(), &entra.url())), client()).expect("credential");
    assert_eq!(cred.get_token(&[QUERY], None).await.expect("token").token.secret(), "cli-token-2");
    assert!(entra.requests().is_empty());
}

#[tokio::test]
async fn auto_falls_through_to_the_first_method_that_works_and_keeps_it() {
    let _serial = LOCK.lock().await;
    let entra = entra("sp-token-3", 3599);
    let (_dir, path) = no_az();
    let cred = auth::credential(&options(AuthMethod::Auto, sp_env(&path, &entra.url())), client()).expect("credential");
    assert_eq!(cred.get_token(&[QUERY], None).await.expect("token").token.secret(), "sp-token-3");
    assert!(format!("{cred:?}").contains("chosen: Some(Env)"), "{cred:?}");
    // A second scope goes straight to the service principal.
    assert_eq!(cred.get_token(&[ARM], None).await.expect("token").token.secret(), "sp-token-3");
    let scopes: Vec<Option<String>> = entra.requests().iter().map(|r| field(&form(r), "scope")).collect();
    assert_eq!(scopes, [Some(QUERY.to_string()), Some(ARM.to_string())]);
}

#[tokio::test]
async fn once_a_method_worked_its_failure_is_not_papered_over_by_another_identity() {
    let _serial = LOCK.lock().await;
    let body = json!({"accessToken": "cli-token-10", "expires_on": now() + 3600, "tokenType": "Bearer"});
    let calls = "$(dirname \"$0\")/calls";
    let az = FakeAz::new(&format!(
        "if [ \"$(wc -l < \"{calls}\")\" -gt 1 ]; then echo 'ERROR: AADSTS70043: The refresh token has expired.' >&2; exit 1; fi\necho '{body}'"
    ));
    let entra = entra("sp-token-10", 3599);
    let cred =
        auth::credential(&options(AuthMethod::Auto, sp_env(&az.path(), &entra.url())), client()).expect("credential");
    assert_eq!(cred.get_token(&[QUERY], None).await.expect("token").token.secret(), "cli-token-10");
    let err = cred.get_token(&[ARM], None).await.expect_err("az now fails");
    assert_eq!(
        err.to_string(),
        "could not sign in to Azure using cli:\n  cli (Azure CLI): ERROR: AADSTS70043: The refresh token has expired."
    );
    assert!(entra.requests().is_empty(), "switched to the service principal");
}

#[tokio::test]
async fn when_everything_fails_each_method_says_why() {
    let _serial = LOCK.lock().await;
    let az = FakeAz::new("echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1");
    let entra = http::serve(|_: &Request| {
        Response::json(
            401,
            &json!({
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
                "error_codes": [7000215],
            }),
        )
    });
    let cred =
        auth::credential(&options(AuthMethod::Auto, sp_env(&az.path(), &entra.url())), client()).expect("credential");
    let err = cred.get_token(&[QUERY], None).await.expect_err("nothing works");
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[0].contains("--auth auto tried each method"), "{text}");
    assert!(lines[1].starts_with("  cli (Azure CLI): ") && lines[1].contains("Please run 'az login'"), "{text}");
    assert!(lines[2].starts_with("  managed-identity (managed identity): ") && lines[2].contains("IMDS"), "{text}");
    assert!(lines[3].starts_with("  env (service principal): ") && lines[3].contains("AADSTS7000215"), "{text}");
    assert_eq!(lines[4], "  workload (workload identity): AZURE_FEDERATED_TOKEN_FILE not set");
    assert!(!lines[1].contains("troubleshoot"), "{text}");
    match auth_error(&err) {
        AuthError::Failed { requested, attempts } => {
            assert_eq!(*requested, AuthMethod::Auto);
            let methods: Vec<AuthMethod> = attempts.iter().map(|a| a.method).collect();
            assert_eq!(methods, AuthMethod::CHAIN);
        }
        other => panic!("{other:?}"),
    }
    for shown in [text, format!("{err:?}"), format!("{cred:?}")] {
        assert!(!shown.contains(CLIENT_SECRET), "{shown}");
    }
}

#[tokio::test]
async fn an_explicit_method_that_cannot_work_fails_before_any_request() {
    let _serial = LOCK.lock().await;
    let (_dir, path) = no_az();
    let env = EnvVars::from_pairs([("PATH", path.as_str()), ("AZURE_TENANT_ID", TENANT)]);
    let err = auth::credential(&options(AuthMethod::Env, env.clone()), client()).expect_err("no secret");
    assert_eq!(err.to_string(), "--auth env (service principal): AZURE_CLIENT_ID, AZURE_CLIENT_SECRET not set");
    let err = auth::credential(&options(AuthMethod::Cli, env.clone()), client()).expect_err("no az");
    assert!(err.to_string().starts_with("--auth cli (Azure CLI): az not found on PATH"), "{err}");
    let opts =
        AuthOptions { authority_host: Some("http://login.contoso.test".into()), ..options(AuthMethod::Env, env) };
    assert!(matches!(auth::credential(&opts, client()), Err(AuthError::Authority(_))));
    // A token must not travel in clear text: AZURE_AUTHORITY_HOST is held to the same rule.
    let err = auth::credential(&options(AuthMethod::Env, sp_env(&path, "http://login.contoso.test")), client())
        .expect_err("cleartext authority");
    assert!(err.to_string().contains("AZURE_AUTHORITY_HOST http://login.contoso.test: plain http://"), "{err}");
}

fn alive(pid: &str) -> bool {
    // A killed process may linger as a zombie until its new parent reaps it; that is not running.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')))
}

#[tokio::test]
async fn a_hung_az_times_out_is_killed_and_auto_moves_on() {
    let _serial = LOCK.lock().await;
    let az = FakeAz::new("sleep 30 &\necho $! > \"$(dirname \"$0\")/sleeper\"\nwait");
    let pid_file: PathBuf = az.dir.path().join("sleeper");
    let env = EnvVars::from_pairs([("PATH", az.path())]);
    let opts = AuthOptions { timeout: Duration::from_millis(1500), ..options(AuthMethod::Cli, env) };
    let cred = auth::credential(&opts, client()).expect("credential");
    let started = Instant::now();
    let err = cred.get_token(&[QUERY], None).await.expect_err("times out");
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    assert!(err.to_string().contains("cli (Azure CLI): no token within 1.5 s (timed out)"), "{err}");

    let pid = std::fs::read_to_string(&pid_file).unwrap_or_default().trim().to_string();
    assert!(!pid.is_empty(), "the fake az never started");
    let deadline = Instant::now() + Duration::from_secs(2);
    while alive(&pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!alive(&pid), "az's child {pid} still runs after the timeout");

    // In `auto` the service principal is next.
    let entra = entra("sp-token-4", 3599);
    let opts = AuthOptions {
        timeout: Duration::from_millis(1000),
        ..options(AuthMethod::Auto, sp_env(&az.path(), &entra.url()))
    };
    let cred = auth::credential(&opts, client()).expect("credential");
    let started = Instant::now();
    assert_eq!(cred.get_token(&[QUERY], None).await.expect("token").token.secret(), "sp-token-4");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[tokio::test]
async fn tokens_are_cached_per_scope_until_shortly_before_expiry() {
    let _serial = LOCK.lock().await;
    let az = FakeAz::token("cli-token-5", 3600);
    let cred = auth::credential(&options(AuthMethod::Cli, EnvVars::from_pairs([("PATH", az.path())])), client())
        .expect("credential");
    for _ in 0..3 {
        cred.get_token(&[QUERY], None).await.expect("token");
    }
    assert_eq!(az.calls().len(), 1, "same scope: one az call");
    cred.get_token(&[ARM], None).await.expect("token");
    assert_eq!(az.calls().len(), 2, "another scope: its own call");

    // Expiring within the five-minute margin: fetched again every time.
    let soon = FakeAz::token("cli-token-6", 60);
    let cred = auth::credential(&options(AuthMethod::Cli, EnvVars::from_pairs([("PATH", soon.path())])), client())
        .expect("credential");
    cred.get_token(&[QUERY], None).await.expect("token");
    cred.get_token(&[QUERY], None).await.expect("token");
    assert_eq!(soon.calls().len(), 2);

    // The same through azure_identity's own cache (service principal).
    let entra = entra("sp-token-7", 60);
    let (_dir, path) = no_az();
    let cred = auth::credential(&options(AuthMethod::Env, sp_env(&path, &entra.url())), client()).expect("credential");
    cred.get_token(&[QUERY], None).await.expect("token");
    cred.get_token(&[QUERY], None).await.expect("token");
    assert_eq!(entra.requests().len(), 2);
}

#[tokio::test]
async fn tokens_never_show_in_debug_output_or_errors() {
    let _serial = LOCK.lock().await;
    let az = FakeAz::token("cli-token-secret-8", 3600);
    let opts = options(AuthMethod::Cli, EnvVars::from_pairs([("PATH", az.path())]));
    let cred = auth::credential(&opts, client()).expect("credential");
    let token = cred.get_token(&[QUERY], None).await.expect("token");
    for shown in [format!("{cred:?}"), format!("{token:?}"), format!("{opts:?}")] {
        assert!(!shown.contains("cli-token-secret-8"), "{shown}");
    }

    // An az whose output carries a token but cannot be used: the error must not quote it.
    let broken =
        FakeAz::new(r#"echo '{"accessToken":"cli-token-secret-9","expires_on":"later","tokenType":"Bearer"}'"#);
    let cred = auth::credential(&options(AuthMethod::Cli, EnvVars::from_pairs([("PATH", broken.path())])), client())
        .expect("credential");
    let err = cred.get_token(&[QUERY], None).await.expect_err("unusable output");
    for shown in [err.to_string(), format!("{err:?}"), format!("{cred:?}")] {
        assert!(!shown.contains("cli-token-secret-9"), "{shown}");
    }
}
