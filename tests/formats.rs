//! Every input format, from the example records of FORMATS.md and fixtures shaped like each export, down to the
//! normalized fields.

mod common;

use common::{fixture, gzip, load_files, load_one};
use kvtrail::store::Dim;

#[test]
fn microsoft_doc_example_records_wrapper_long_claims() {
    let l = load_one("PT1H.json", &fixture("kv-doc-records.json"));
    let e = l.only();
    assert_eq!(l.report.inputs[0].format, "auditevent/records");
    assert_eq!(e.time, "2016-01-05T01:32:01.2691226Z");
    assert_eq!(e.vault.name.as_deref(), Some("contosokeyvault"));
    assert_eq!(e.vault.subscription.as_deref(), Some("361da5d4-a47a-4c79-afdd-xxxxxxxxxxxx"));
    assert_eq!(e.vault.resource_group.as_deref(), Some("contosogroup"));
    assert_eq!(
        e.vault.resource_id.as_deref(),
        Some(
            "/subscriptions/361da5d4-a47a-4c79-afdd-xxxxxxxxxxxx/resourcegroups/contosogroup/providers/microsoft.keyvault/vaults/contosokeyvault"
        )
    );
    assert_eq!((e.operation.as_str(), e.object_type, e.plane), ("VaultGet", "vault", "management"));
    assert_eq!((e.status, e.outcome), (Some(200), "success"));
    assert_eq!(e.caller_ip.as_deref(), Some("104.40.82.76"));
    assert_eq!(e.identity.oid.as_deref(), Some("d9da5048-2737-4770-bd64-xxxxxxxxxxxx"));
    assert_eq!(e.identity.upn.as_deref(), Some("live.com#username@outlook.com"));
    assert_eq!((e.identity.kind, e.identity.label.as_str()), ("user", "live.com#username@outlook.com"));
    assert_eq!(e.client_app.as_deref(), Some("1950a258-227b-4e31-a9cf-xxxxxxxxxxxx"));
    assert_eq!(e.user_agent.as_deref(), Some("azure-resource-manager/2.0"));
    assert!(
        e.request_uri.as_deref().unwrap().starts_with("https://control-prod-wus.vaultcore.azure.net/subscriptions/")
    );
    assert_eq!(e.object, None, "properties.id names the vault itself");
    assert_eq!((e.correlation_id, e.duration_ms), (None, Some(78)));
}

#[test]
fn unauthenticated_401_is_anonymous_and_failed_despite_result_type_success() {
    let l = load_one("a.jsonl", &fixture("kv-chronicle-401.jsonl"));
    let e = l.only();
    assert_eq!(l.report.inputs[0].format, "auditevent/jsonl");
    assert_eq!((e.operation.as_str(), e.object_type, e.plane), ("Authentication", "authentication", "data"));
    assert_eq!((e.status, e.outcome), (Some(401), "failure"));
    assert_eq!((e.identity.kind, e.identity.label.as_str()), ("anonymous", "anonymous"));
    assert_eq!(e.tls_version.as_deref(), Some("TLS1_3"));
    assert_eq!(e.correlation_id.as_deref(), Some("00000000-0000-0000-0000-000000000000"));
    assert_eq!(e.vault.name.as_deref(), Some("example-vault"));
    assert_eq!(e.object, None, "a list request names no object");
    assert_eq!(e.duration_ms, Some(17));
}

#[test]
fn azure_diagnostics_json_row() {
    let l = load_one("row.json", &fixture("azurediagnostics-chronicle.json"));
    let e = l.only();
    assert_eq!(l.report.inputs[0].format, "azurediagnostics/jsonl");
    assert_eq!(e.time, "2025-01-07T20:00:00.0483028Z");
    assert_eq!((e.operation.as_str(), e.object_type, e.status), ("SecretGet", "secret", Some(200)));
    assert_eq!(e.vault.name.as_deref(), Some("example-vault"));
    assert_eq!(e.vault.resource_group.as_deref(), Some("example-rg"));
    let o = e.object.unwrap();
    assert_eq!((o.kind, o.name.as_str()), ("secret", "example-secret"));
    assert_eq!(o.version.as_deref(), Some("00000000000000000000000000000000"));
    assert_eq!(o.uri, "https://example-vault.vault.azure.net/secrets/example-secret");
    assert_eq!(e.identity.kind, "service_principal");
    assert_eq!(e.identity.appid.as_deref(), Some("00000000-0000-0000-0000-000000000000"));
    assert_eq!(e.access_policy_match, Some(true));
    assert_eq!(e.rbac_authorized, None);
    assert_eq!((e.duration_ms, e.tls_version.as_deref()), (Some(16), Some("TLS1_2")));
    assert_eq!(
        e.user_agent.as_deref(),
        Some("azsdk-net-Security.KeyVault.Secrets/4.3.0 (.NET 6.0.35; Microsoft Windows 10.0.14393)")
    );
}

#[test]
fn azkvauditlogs_rows_with_nested_identity() {
    let l = load_one("azkv.json", &fixture("azkvauditlogs.json"));
    let e = l.only();
    assert_eq!(l.report.inputs[0].format, "azkvauditlogs/array");
    assert_eq!((e.operation.as_str(), e.status, e.outcome), ("SecretGet", Some(403), "failure"));
    assert_eq!(e.caller_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(e.token_ip.as_deref(), Some("198.51.100.23"));
    assert_eq!(e.identity.upn.as_deref(), Some("mallory@contoso.com"));
    assert_eq!(e.identity.kind, "user");
    assert_eq!(e.vault.name.as_deref(), Some("kv-hr"));
    assert_eq!(e.vault.resource_group.as_deref(), Some("rg-hr"));
    assert_eq!(e.object.unwrap().name, "payroll-db");
    assert_eq!((e.rbac_authorized, e.tls_version.as_deref()), (Some(false), Some("TLS1_3")));
    assert_eq!(e.network_authorization.as_deref(), Some("PublicIP"));
    assert_eq!(e.correlation_id.as_deref(), Some("9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"));
    assert_eq!(e.result_description.as_deref(), Some("Caller is not authorized to perform action on resource."));
}

#[test]
fn query_api_response_rows() {
    let l = load_one("resp.json", &fixture("query-api-diagnostics.json"));
    assert_eq!(l.report.inputs[0].format, "azurediagnostics/query-api");
    let r = l.records();
    assert_eq!(r.len(), 2);
    // time order, not file order
    assert_eq!((r[0].operation.as_str(), r[0].status, r[0].outcome), ("SecretList", Some(403), "failure"));
    assert_eq!(r[0].identity.upn.as_deref(), Some("eve@contoso.com"));
    assert!(r[0].result_description.as_deref().unwrap().contains("\r\nIf role assignments"));
    assert_eq!((r[1].operation.as_str(), r[1].status, r[1].duration_ms), ("KeyUnwrap", Some(200), Some(5)));
    assert_eq!(r[1].identity.kind, "managed_identity");
    assert!(r[1].identity.xms_mirid.as_deref().unwrap().ends_with("/userassignedidentities/app-mi"));
    let o = r[1].object.as_ref().unwrap();
    assert_eq!(
        (o.kind, o.name.as_str(), o.version.as_deref()),
        ("key", "cmk", Some("0123456789abcdef0123456789abcdef"))
    );
    assert_eq!(r[1].rbac_authorized, Some(true));
    assert!(l.report.rejected() == 0, "{:?}", l.rejections());
}

#[test]
fn query_api_partial_error_is_a_visible_rejection() {
    let l = load_one("partial.json", &fixture("query-api-partial.json"));
    assert_eq!(l.store.len(), 1);
    assert_eq!(l.report.rejected(), 1);
    assert!(l.rejections()[0].contains("PartialError"), "{:?}", l.rejections());
    assert_eq!(l.only().vault.name.as_deref(), Some("kv-app"));
}

#[test]
fn az_cli_output_every_value_a_string() {
    let l = load_one("az.json", &fixture("az-cli-diagnostics.json"));
    let e = l.only();
    assert_eq!(l.report.inputs[0].format, "azurediagnostics/az-cli");
    assert_eq!((e.status, e.outcome, e.duration_ms), (Some(403), "failure", Some(11)));
    assert_eq!((e.rbac_authorized, e.access_policy_match), (Some(false), None));
    assert_eq!(e.correlation_id, None, "\"None\" is null");
    assert_eq!(e.identity.upn, None, "\"None\" is null");
    assert_eq!(e.identity.kind, "service_principal");
    assert_eq!(e.object.unwrap().name, "deploy-key");
}

#[test]
fn az_cli_azkv_python_repr_identity() {
    let l = load_one("az.json", &fixture("az-cli-azkv.json"));
    let e = l.only();
    assert_eq!(l.report.inputs[0].format, "azkvauditlogs/az-cli");
    assert_eq!(e.identity.upn.as_deref(), Some("bob@contoso.com"));
    assert_eq!(e.client_app.as_deref(), Some("c44b4083-3bb0-49c1-b47d-974e53cbdf3c"));
    assert_eq!((e.status, e.rbac_authorized, e.access_policy_match), (Some(200), Some(true), None));
    assert_eq!(e.object.unwrap().kind, "certificate");
    assert_eq!(e.time, "2025-06-02T01:02:03.0000001Z");
}

#[test]
fn portal_csv_export_with_bom_us_dates_and_quotes() {
    let l = load_one("query_data.csv", &fixture("portal-export.csv"));
    assert_eq!(l.report.inputs[0].format, "azurediagnostics/csv");
    let r = l.records();
    assert_eq!(r.len(), 2, "{:?}", l.rejections());
    assert_eq!(r[0].time, "2023-06-09T10:45:31.9520000Z");
    assert_eq!(r[1].time, "2023-06-09T13:05:00.0000000Z");
    assert_eq!((r[0].operation.as_str(), r[0].status), ("SecretGet", Some(200)));
    assert_eq!(
        r[0].user_agent.as_deref(),
        Some(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36, \"quoted\""
        )
    );
    assert_eq!(r[0].access_policy_match, Some(true));
    assert_eq!(r[0].identity.upn.as_deref(), Some("carol@contoso.com"));
    assert_eq!((r[1].status, r[1].identity.kind), (Some(401), "anonymous"));
    assert_eq!(r[1].correlation_id, None);
    // The original row is shown again as named fields.
    let raw = l.store.raw_record(0).unwrap();
    assert_eq!(raw["OperationName"], "SecretGet");
    assert_eq!(raw["TimeGenerated [UTC]"], "6/9/2023, 10:45:31.952 AM");
}

#[test]
fn activity_log_rest_shape_keeps_vault_events_only() {
    let l = load_one("ActivityLog.json", &fixture("activity-rest.json"));
    assert_eq!(l.report.inputs[0].format, "activity-rest/array");
    assert_eq!((l.report.inputs[0].accepted, l.report.inputs[0].skipped), (2, 1));
    let r = l.records();
    let d = &r[0];
    assert_eq!((d.operation.as_str(), d.plane), ("Microsoft.Insights/diagnosticSettings/delete", "management"));
    assert_eq!(d.vault.name.as_deref(), Some("securaallkeyvault"));
    assert_eq!((d.status, d.status_text.as_deref(), d.outcome), (None, Some("Started"), "unknown"));
    assert_eq!(d.identity.upn.as_deref(), Some("attacker@securathesis.onmicrosoft.com"));
    assert_eq!(d.caller_ip.as_deref(), Some("203.0.113.99"));
    let g = &r[1];
    assert_eq!(
        (g.operation.as_str(), g.status, g.outcome),
        ("Microsoft.Authorization/roleAssignments/write", Some(201), "success")
    );
    assert_eq!(g.vault.name.as_deref(), Some("kv-sec"));
    assert_eq!(g.access_changes.len(), 1);
    assert_eq!(g.access_changes[0].principal, "99999999-aaaa-bbbb-cccc-dddddddddddd");
    assert_eq!(g.access_changes[0].permissions, "role: Key Vault Secrets Officer");
    assert!(l.report.inputs[0].skips.iter().any(|s| s.reason.contains("not about a Key Vault")));
}

#[test]
fn activity_log_storage_shape_access_policy_add() {
    let l = load_one("PT1H.json", &fixture("activity-storage.jsonl"));
    assert_eq!(l.report.inputs[0].format, "activity-resourcelog/jsonl");
    assert_eq!((l.report.inputs[0].accepted, l.report.inputs[0].skipped), (1, 1));
    let e = l.only();
    assert_eq!(e.operation, "Microsoft.KeyVault/vaults/accessPolicies/write");
    assert_eq!((e.status, e.outcome), (Some(200), "success"));
    assert_eq!(e.vault.name.as_deref(), Some("kv-sec"));
    assert_eq!(e.identity.upn.as_deref(), Some("contractor@contoso.com"));
    assert_eq!(e.access_changes.len(), 1);
    assert_eq!(e.access_changes[0].change, "added");
    assert_eq!(e.access_changes[0].principal, "12121212-3434-5656-7878-909090909090");
    assert_eq!(e.access_changes[0].permissions, "secrets: get, list");
}

#[test]
fn azure_activity_rows() {
    let l = load_one("aa.json", &fixture("azureactivity.json"));
    assert_eq!(l.report.inputs[0].format, "azureactivity/array");
    let e = l.only();
    assert_eq!(e.operation, "Microsoft.KeyVault/locations/deletedVaults/purge/action");
    assert_eq!((e.status, e.outcome), (Some(200), "success"));
    assert_eq!(e.vault.name.as_deref(), Some("kv-old"));
    assert_eq!(e.identity.oid.as_deref(), Some("2b2b2b2b-3c3c-4d4d-5e5e-6f6f6f6f6f6f"));
    assert_eq!(e.identity.kind, "service_principal");
}

#[test]
fn sekoia_wrapper_and_deleted_object_uris() {
    let l = load_one("t.json", &fixture("sekoia-wrapped.json"));
    assert_eq!(l.report.inputs[0].format, "auditevent-wrapped/jsonl");
    let e = l.only();
    assert_eq!((e.operation.as_str(), e.status, e.outcome), ("KeyPurge", Some(403), "failure"));
    let o = e.object.unwrap();
    assert_eq!((o.kind, o.name.as_str()), ("key", "old-key"));
    assert_eq!(e.access_policy_match, Some(false));
    assert!(e.result_description.unwrap().contains("does not have keys purge permission"));
}

#[test]
fn vault_patch_access_policy_change_raw_and_flattened() {
    let raw = br#"{"time":"2026-10-01T10:00:00.0000000Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","operationName":"VaultPatch","category":"AuditEvent","resultSignature":"OK","callerIpAddress":"198.51.100.1","identity":{"claim":{"http://schemas.microsoft.com/identity/claims/objectidentifier":"abc"}},"properties":{"httpStatusCode":200,"addedAccessPolicy":{"TenantId":"t","ObjectId":"ABC","Permissions":{"keys":[],"secrets":["Get","List"],"certificates":[]}}}}"#;
    let flat = br#"[{"TimeGenerated":"2026-10-01T10:05:00Z","Resource":"KV1","ResourceProvider":"MICROSOFT.KEYVAULT","OperationName":"VaultPatch","httpStatusCode_d":200,"identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g":"abc","removedAccessPolicy_ObjectId_g":"abc","removedAccessPolicy_Permissions_secrets_s":"[\"Get\",\"List\"]"}]"#;
    let l = load_files(&[("raw.jsonl", raw), ("flat.json", flat)]);
    let r = l.records();
    assert_eq!(r.len(), 2, "{:?}", l.rejections());
    assert_eq!((r[0].access_changes[0].change, r[0].access_changes[0].principal.as_str()), ("added", "abc"));
    assert_eq!(r[0].access_changes[0].permissions, "secrets: Get, List");
    assert_eq!(
        (r[1].access_changes[0].change, r[1].access_changes[0].permissions.as_str()),
        ("removed", "secrets: Get, List")
    );
    assert_eq!(r[1].vault.name.as_deref(), Some("kv1"), "the bare Resource column names the vault");
    // Both rows are the same principal.
    assert_eq!(l.store.facets(Dim::Identity, &kvtrail::store::Selection::All(2)).len(), 1);
}

#[test]
fn the_same_event_in_two_formats_is_kept_once() {
    // A raw record and its AzureDiagnostics row: same time, vault, operation, status, caller, principal, URI.
    let diag = fixture("azurediagnostics-chronicle.json");
    let raw = br#"{"time":"2025-01-07T20:00:00.0483028Z","resourceId":"/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/EXAMPLE-RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/EXAMPLE-VAULT","operationName":"SecretGet","category":"AuditEvent","resultType":"Success","resultSignature":"OK","durationMs":"16","callerIpAddress":"127.0.0.1","correlationId":"00000000-0000-0000-0000-000000000000","identity":{"claim":{"oid":"00000000-0000-0000-0000-000000000000","appid":"00000000-0000-0000-0000-000000000000","idtyp":"app"}},"properties":{"requestUri":"https://example-vault.vault.azure.net/secrets/example-secret/?api-version=7.3","httpStatusCode":200}}"#;
    let l = load_files(&[("a.json", &diag), ("b.jsonl", raw), ("c.jsonl", raw)]);
    assert_eq!(l.store.len(), 1);
    let counts: Vec<(u64, u64)> = l.report.inputs.iter().map(|i| (i.accepted, i.duplicates)).collect();
    assert_eq!(counts, vec![(1, 0), (0, 1), (0, 1)]);
}

#[test]
fn several_records_documents_per_file_and_gzip() {
    let doc = |t: &str| {
        format!(
            r#"{{"records":[{{"time":"{t}","operationName":"SecretGet","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","properties":{{"httpStatusCode":200}}}}]}}"#
        )
    };
    let text = format!("{}\n{}\n", doc("2026-01-01T00:00:01Z"), doc("2026-01-01T00:00:02Z"));
    let l = load_one("eh.json.gz", &gzip(text.as_bytes()));
    assert_eq!(l.store.len(), 2, "{:?}", l.rejections());
    assert_eq!(l.report.inputs[0].format, "auditevent/records");
}

#[test]
fn storage_account_directory_layout() {
    let dir = tempfile::tempdir().unwrap();
    let blob = |vault: &str, h: u32, t: &str| {
        let p = format!(
            "insights-logs-auditevent/resourceId=/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault}/y=2026/m=10/d=01/h={h:02}/m=00/PT1H.json"
        );
        let line = format!(
            r#"{{"time":"{t}","resourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/{vault}","operationName":"SecretGet","category":"AuditEvent","properties":{{"httpStatusCode":200}}}}"#
        );
        common::write(dir.path(), &p, format!("{line}\n").as_bytes());
    };
    blob("KV-A", 10, "2026-10-01T10:59:59.9990000Z");
    blob("KV-A", 11, "2026-10-01T10:59:59.9995000Z"); // written into the next hour's blob
    blob("KV-B", 10, "2026-10-01T10:30:00.0000000Z");
    common::write(
        dir.path(),
        "insights-activity-logs/resourceId=/SUBSCRIPTIONS/S1/y=2026/m=10/d=01/h=10/m=00/PT1H.json",
        &fixture("activity-storage.jsonl"),
    );
    let (store, report) =
        kvtrail::store::load::load_paths(&[dir.path().display().to_string()], &kvtrail::store::Progress::default());
    assert_eq!(report.inputs.len(), 4);
    assert_eq!(store.len(), 4);
    assert_eq!(store.record(0, None).vault.name.as_deref(), Some("kv-b"));
    let vaults: Vec<String> = (0..4).map(|i| store.record(i, None).vault.name.unwrap()).collect();
    assert_eq!(vaults, ["kv-b", "kv-a", "kv-a", "kv-sec"].map(String::from).to_vec());
}

// Vault configuration (DETECTIONS.md KV-05, KV-26, KV-27, KV-28, KV-29): what each shape says about a vault's
// settings, read back through the store.

/// The settings of row `row`, which must have some.
fn settings_of(l: &common::Loaded, row: usize) -> kvtrail::event::VaultSettings {
    l.store.settings_of(row).cloned().unwrap_or_else(|| panic!("row {row} has no settings: {:?}", l.records()[row]))
}

fn texts(v: &[&str]) -> Vec<Box<str>> {
    v.iter().map(|s| (*s).into()).collect()
}

#[test]
fn raw_vault_patch_carries_the_nested_vault_properties() {
    let l = load_one("PT1H.json", &fixture("vault-config-auditevent.jsonl"));
    assert_eq!(l.store.len(), 2, "{:?}", l.rejections());
    let s = settings_of(&l, 0);
    assert_eq!((s.rbac_authorization, s.purge_protection, s.soft_delete), (Some(false), None, Some(true)));
    assert_eq!(s.soft_delete_days, Some(90));
    assert_eq!((s.default_action.as_deref(), s.bypass.as_deref()), (Some("Allow"), Some("AzureServices")));
    assert_eq!(s.ip_rules, texts(&["198.51.100.0/24"]));
    assert_eq!(s.added_ip_rules, texts(&["203.0.113.50/32"]));
    assert!(s.describe().starts_with("enableRbacAuthorization=false, "), "{}", s.describe());
    assert_eq!(l.store.settings_of(1), None, "a SecretGet's nested object is not vault configuration");
    let e = &l.records()[0];
    let json = serde_json::to_value(e).unwrap();
    assert_eq!(json["settings"]["rbac_authorization"], false);
    assert_eq!(json["settings"]["added_ip_rules"][0], "203.0.113.50/32");
    assert!(json["settings"].get("purge_protection").is_none(), "unsaid members are left out: {json}");
    assert!(serde_json::to_value(&l.records()[1]).unwrap().get("settings").is_none());
}

#[test]
fn azure_diagnostics_flattened_vault_columns() {
    let l = load_one("diag.json", &fixture("vault-config-azurediagnostics.json"));
    let e = l.only();
    assert_eq!((e.operation.as_str(), e.vault.name.as_deref()), ("VaultPatch", Some("kv-pay")));
    let s = settings_of(&l, 0);
    assert_eq!((s.rbac_authorization, s.purge_protection, s.soft_delete), (Some(false), Some(true), Some(true)));
    assert_eq!((s.soft_delete_days, s.default_action.as_deref()), (Some(90), Some("Deny")));
    assert_eq!(s.ip_rules, texts(&["198.51.100.0/24", "203.0.113.50/32"]));
    assert_eq!(s.added_ip_rules, texts(&["203.0.113.50/32"]));
}

#[test]
fn azkvauditlogs_vault_columns_and_network_acls_text() {
    let l = load_one("azkv.json", &fixture("vault-config-azkvauditlogs.json"));
    let e = l.only();
    assert_eq!((e.operation.as_str(), e.vault.name.as_deref()), ("VaultPut", Some("kv-x")));
    let s = settings_of(&l, 0);
    assert_eq!((s.purge_protection, s.soft_delete_days), (Some(false), Some(7)));
    assert_eq!((s.rbac_authorization, s.soft_delete), (Some(true), Some(true)));
    assert_eq!((s.default_action.as_deref(), s.bypass.as_deref()), (Some("Allow"), Some("None")));
    assert!(s.ip_rules.is_empty());
}

#[test]
fn az_cli_strings_for_vault_columns() {
    let row = br#"[{"TableName":"PrimaryResult","TimeGenerated":"2026-10-04T10:00:00Z","Resource":"KV-PAY","ResourceProvider":"MICROSOFT.KEYVAULT","OperationName":"VaultPatch","httpStatusCode_d":"200.0","properties_enableRbacAuthorization_b":"False","properties_enablePurgeProtection_b":"None","properties_softDeleteRetentionInDays_d":"7.0","properties_networkAcls_bypass_s":"None","properties_networkAcls_ipRules_s":"[{'value': '10.0.0.0/8'}]","addedIpRule_Value_s":"10.0.0.0/8","Type":"AzureDiagnostics"}]"#;
    let l = load_one("az.json", row);
    assert_eq!(l.store.len(), 1, "{:?}", l.rejections());
    let s = settings_of(&l, 0);
    assert_eq!((s.rbac_authorization, s.purge_protection, s.soft_delete_days), (Some(false), None, Some(7)));
    assert_eq!(s.bypass, None, "\"None\" is null in az output");
    assert_eq!((s.ip_rules.clone(), s.added_ip_rules.clone()), (texts(&["10.0.0.0/8"]), texts(&["10.0.0.0/8"])));
}

#[test]
fn activity_log_vault_writes_diagnostic_settings_private_endpoints_and_cmk() {
    let l = load_one("ActivityLog.json", &fixture("vault-config-activity.json"));
    let input = &l.report.inputs[0];
    assert_eq!(input.format, "activity-rest/array");
    assert_eq!((input.accepted, input.skipped, input.rejected), (7, 1, 0), "{:?}", input.skips);
    let r = l.records();

    // vaults/write: the permission model flipped to access policies, the firewall opened to everyone.
    assert_eq!(
        (r[0].operation.as_str(), r[0].vault.name.as_deref()),
        ("Microsoft.KeyVault/vaults/write", Some("kv-pay"))
    );
    let s = settings_of(&l, 0);
    assert_eq!(s.rbac_authorization, Some(false));
    assert_eq!(s.ip_rules, texts(&["198.51.100.0/24", "0.0.0.0/0"]));
    assert_eq!((s.default_action.as_deref(), s.public_network_access.as_deref()), (Some("Deny"), Some("Enabled")));
    assert_eq!(s.purge_protection, None, "not in the body, not said");

    // Diagnostic settings: deleted; rewritten without AuditEvent; rewritten with allLogs.
    assert_eq!(r[1].vault.name.as_deref(), Some("kv-pay"));
    assert_eq!(settings_of(&l, 1).diagnostic_audit, Some(false));
    assert_eq!(r[2].vault.name.as_deref(), Some("kv-hr"));
    assert_eq!(settings_of(&l, 2).diagnostic_audit, Some(false));
    assert_eq!(settings_of(&l, 3).diagnostic_audit, Some(true));

    // Storage account and encryption scope switched to keys in kv-x: kept under kv-x, the key as the object.
    assert_eq!(r[4].operation, "Microsoft.Storage/storageAccounts/write");
    assert_eq!(r[4].vault.name.as_deref(), Some("kv-x"));
    assert_eq!(r[4].object.as_ref().map(|o| (o.kind, o.name.as_str())), Some(("key", "ransom-key")));
    assert!(r[4].request_uri.as_deref().unwrap().ends_with("/storageAccounts/stpayroll"));
    assert_eq!(r[4].identity.upn.as_deref(), Some("mallory@contoso.com"));
    assert_eq!(settings_of(&l, 4).cmk_key.as_deref(), Some("https://kv-x.vault.azure.net/keys/ransom-key"));
    assert_eq!(r[5].vault.name.as_deref(), Some("kv-x"));
    assert_eq!(settings_of(&l, 5).cmk_key.as_deref(), Some("https://kv-x.vault.azure.net/keys/scope-key"));
    assert!(input.skips.iter().any(|s| s.reason.contains("storageAccounts/write")), "{:?}", input.skips);

    // A private endpoint connection of the vault deleted.
    assert_eq!(r[6].vault.name.as_deref(), Some("kv-pay"));
    assert!(settings_of(&l, 6).removed_private_endpoint);
}

#[test]
fn azure_activity_row_storage_cmk_upper_case_and_body_as_text() {
    let row = br#"[{"TimeGenerated":"2026-10-04T12:10:00Z","OperationNameValue":"MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE","ActivityStatusValue":"Start","Caller":"mallory@contoso.com","CallerIpAddress":"203.0.113.50","ResourceId":"/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG-DATA/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/STPAYROLL","Properties_d":{"requestbody":"{\"properties\":{\"encryption\":{\"keySource\":\"microsoft.keyvault\",\"keyvaultproperties\":{\"keyvaulturi\":\"https://KV-X.vault.azure.net/\",\"keyname\":\"k1\",\"keyversion\":\"0123456789abcdef0123456789abcdef\"}}}}"},"Type":"AzureActivity"}]"#;
    let l = load_one("aa.json", row);
    let e = l.only();
    assert_eq!(e.vault.name.as_deref(), Some("kv-x"));
    let s = settings_of(&l, 0);
    assert_eq!(s.cmk_key.as_deref(), Some("https://KV-X.vault.azure.net/keys/k1/0123456789abcdef0123456789abcdef"));
    assert_eq!(e.object.unwrap().version.as_deref(), Some("0123456789abcdef0123456789abcdef"));
}

#[test]
fn settings_survive_duplicates_and_time_order_across_files() {
    // The same VaultPatch twice (two overlapping exports) and a later read: one settings entry, on the right row.
    let raw = fixture("vault-config-auditevent.jsonl");
    let activity = fixture("vault-config-activity.json");
    let l = load_files(&[("b.jsonl", &raw), ("a.json", &activity), ("c.jsonl", &raw)]);
    assert_eq!(l.store.len(), 9, "{:?}", l.rejections());
    assert_eq!(l.report.inputs.iter().map(|i| i.duplicates).sum::<u64>(), 2);
    let with: Vec<usize> = (0..l.store.len()).filter(|&row| l.store.settings_of(row).is_some()).collect();
    assert_eq!(with, vec![0, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(l.store.settings.len(), with.len());
    assert_eq!(settings_of(&l, 0).rbac_authorization, Some(false));
    assert_eq!(l.records()[0].operation, "VaultPatch");
    assert_eq!(l.records()[1].operation, "SecretGet");
}
