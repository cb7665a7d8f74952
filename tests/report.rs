//! `kvtrail report` as users run it: the demo's planted scenarios found with the right rule ids, actors and
//! objects to rotate (assets/demo/SCENARIOS.md), the JSON contract, Markdown, `--fail-on`, and rule-file errors.

use std::process::Command;

use serde_json::Value;

fn kvtrail() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kvtrail"))
}

fn demo_dir() -> String {
    format!("{}/assets/demo", env!("CARGO_MANIFEST_DIR"))
}

fn demo_report() -> Value {
    let out = kvtrail().args(["report", &demo_dir(), "--format", "json"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// Findings of `rule` about `actor` (an identity or a caller IP).
fn findings<'a>(r: &'a Value, rule: &str, actor: &str) -> Vec<&'a Value> {
    r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["rule"] == rule
                && (strings(&f["identities"]).contains(&actor) || strings(&f["caller_ips"]).contains(&actor))
        })
        .collect()
}

fn found(r: &Value, rule: &str, actor: &str, vault: &str) {
    let hits = findings(r, rule, actor);
    assert!(
        hits.iter().any(|f| strings(&f["vaults"]).contains(&vault)),
        "{rule} about {actor} on {vault} not found; {rule} findings: {:?}",
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| (&f["identities"], &f["vaults"]))
            .collect::<Vec<_>>()
    );
}

fn exposed(r: &Value, vault: &str, object: &str, reader: &str) {
    let list = r["exposed_objects"].as_array().expect("exposed_objects");
    assert!(
        list.iter().any(|e| e["vault"] == vault && e["object"] == object && strings(&e["read_by"]).contains(&reader)),
        "{vault}/{object} read by {reader} is not listed to rotate"
    );
}

#[test]
fn every_planted_scenario_is_found_with_its_rules_actors_and_objects() {
    let r = demo_report();
    // 1. Portal viewing of the break-glass secret.
    found(&r, "KV-06", "zoe.lefevre@contoso.com", "kv-devops-prod");
    exposed(&r, "kv-devops-prod", "secrets/breakglass-admin-password", "zoe.lefevre@contoso.com");
    // 2. Certificate private key exported: the certificate is on the rotation list, not only its secret.
    found(&r, "KV-07", "jose.alvarez@contoso.com", "kv-finance-prod");
    exposed(&r, "kv-finance-prod", "certificates/sso-tls", "jose.alvarez@contoso.com");
    exposed(&r, "kv-finance-prod", "secrets/sso-tls", "jose.alvarez@contoso.com");
    // 3. Cross-vault enumeration with denials, by a script.
    found(&r, "KV-08", "203.0.113.77", "kv-finance-prod");
    found(&r, "KV-19", "203.0.113.77", "kv-devops-prod");
    // 4. Self-grant, dump, cleanup.
    let isaiah = "isaiah.costa@contoso.com";
    found(&r, "KV-03", isaiah, "kv-checkout-prod");
    found(&r, "KV-04", isaiah, "kv-checkout-prod");
    found(&r, "KV-02", isaiah, "kv-checkout-prod");
    found(&r, "KV-01", isaiah, "kv-checkout-prod");
    for s in [
        "sftp-password",
        "docker-registry-password",
        "postgres-password",
        "oauth-client-secret",
        "elastic-password",
        "cosmos-primary-key",
        "encryption-passphrase",
    ] {
        exposed(&r, "kv-checkout-prod", &format!("secrets/{s}"), isaiah);
    }
    let kv04 = &findings(&r, "KV-04", isaiah)[0];
    assert_eq!(kv04["severity"], "high", "reads in between make KV-04 High");
    // 5. Tor exit, token issued elsewhere.
    found(&r, "KV-14", "francois.begue@contoso.com", "kv-infra-prd-we");
    found(&r, "KV-12", "francois.begue@contoso.com", "kv-infra-prd-we");
    exposed(&r, "kv-iot-uat", "secrets/kafka-sasl-password", "francois.begue@contoso.com");
    // 6. Managed identity token replayed from outside Azure with curl.
    let mi = "35d3de26-ec5d-4de9-b1da-3153bdc1a260";
    found(&r, "KV-11", mi, "kv-logistics-prod");
    found(&r, "KV-19", "198.51.100.23", "kv-logistics-prod");
    // 7. Logging blinded, then deletes and purges (the failed KeyPurge counts).
    let carlos = "carlos.wilber@contoso.com";
    found(&r, "KV-26", carlos, "kv-infra-prd-we");
    found(&r, "KV-22", carlos, "kv-infra-prd-we");
    found(&r, "KV-23", carlos, "kv-infra-prd-we");
    let purge = &findings(&r, "KV-23", carlos)[0];
    assert!(purge["evidence"].as_array().unwrap().iter().any(|e| e["operation"] == "KeyPurge" && e["status"] != "204"));
    // 8. Mass retrieval by a forgotten service principal.
    let sp = "7bdbf0a5-66dc-42d6-88e3-da9985535601";
    for form in ["daily", "hourly", "burst"] {
        assert!(findings(&r, "KV-01", sp).iter().any(|f| f["form"] == form), "KV-01 {form} for the SP");
    }
    found(&r, "KV-02", sp, "kv-devops-prod");
    found(&r, "KV-11", sp, "kv-devops-prod");
    found(&r, "KV-19", "203.0.113.200", "kv-devops-prod");
    // Rules without their reference data are listed, with the reason.
    let skipped: Vec<&str> = r["skipped_rules"].as_array().unwrap().iter().filter_map(|s| s["rule"].as_str()).collect();
    assert!(skipped.contains(&"KV-13") && skipped.contains(&"KV-16"), "{skipped:?}");
}

#[test]
fn the_json_contract() {
    let r = demo_report();
    for key in
        ["inputs", "events", "findings", "skipped_rules", "exposed_objects", "suppressed", "incidents", "prefiltered"]
    {
        assert!(r.get(key).is_some(), "missing {key}");
    }
    for key in ["source", "accepted", "rejected", "duplicates"] {
        assert!(r["inputs"][0].get(key).is_some(), "missing inputs[].{key}");
    }
    let f = &r["findings"][0];
    for key in [
        "rule",
        "title",
        "severity",
        "mitre",
        "identities",
        "caller_ips",
        "vaults",
        "objects",
        "first_seen",
        "last_seen",
        "event_count",
        "evidence",
        "explanation",
        "kql",
    ] {
        assert!(f.get(key).is_some(), "missing findings[].{key}");
    }
    assert_eq!(f["severity"], "critical", "most severe first");
    for key in ["time", "operation", "status", "source"] {
        assert!(f["evidence"][0].get(key).is_some(), "missing evidence[].{key}");
    }
    assert!(f["evidence"][0]["source"].as_str().unwrap().contains(".json"), "input:line");
    // The top finding (KV-03) has Activity Log evidence: each query unions its table with AzureActivity.
    for table in ["AzureDiagnostics", "AZKVAuditLogs"] {
        let q = f["kql"][table].as_str().expect("a query per table");
        assert!(q.contains(table) && q.contains("kv-checkout-prod"), "{q}");
    }
    let e = &r["exposed_objects"][0];
    for key in ["vault", "object", "read_by", "first_read"] {
        assert!(e.get(key).is_some(), "missing exposed_objects[].{key}");
    }
    assert!(r["incidents"].as_array().unwrap().iter().any(|i| i["story"].as_str().unwrap().contains("KV-03")));
}

#[test]
fn markdown_min_severity_and_fail_on() {
    let out = kvtrail()
        .args(["report", &demo_dir(), "--format", "markdown", "--min-severity", "critical", "--fail-on", "high"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3), "a high or critical finding exists");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("# kvtrail report") && text.contains("KV-03") && text.contains("## Objects to rotate"));
    assert!(!text.contains("— Portal secret-viewing session"), "medium findings are left out");
    assert!(text.contains("```kql"));
    let out = kvtrail()
        .args(["report", &demo_dir(), "--format", "json", "--min-severity", "critical"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "without --fail-on");
}

#[test]
fn a_bad_rule_file_is_a_usage_error_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("mine.toml");
    std::fs::write(&rules, "[[rule]]\nid = \"KV-99\"\ntitle = \"x\"\nseverity = \"low\"\nexplain = \"x\"\n[rule.builtin]\ncheck = \"nope\"\n").unwrap();
    let out = kvtrail().args(["report", &demo_dir(), "--rules"]).arg(&rules).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mine.toml:1") && err.contains("unknown check"), "{err}");
}

#[test]
fn a_tuned_threshold_and_an_allow_list_change_the_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Switch off KV-19 and silence KV-14 for one identity.
    let rules = dir.path().join("tuned.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nid = \"KV-19\"\ntitle = \"off\"\nseverity = \"low\"\nexplain = \"x\"\nenabled = false\n\
         [rule.threshold]\nwhere = { user_agent = [\"curl/\"] }\nby = \"caller_ip\"\nwindow = \"1h\"\ncount_ge = 1\n",
    )
    .unwrap();
    let allow = dir.path().join("allowlist.toml");
    std::fs::write(
        &allow,
        "[[allow]]\nidentity = \"francois.begue@contoso.com\"\nrule = \"KV-14\"\nreason = \"pen test\"\n",
    )
    .unwrap();
    let out = kvtrail()
        .args(["report", &demo_dir(), "--format", "json", "--rules"])
        .arg(&rules)
        .arg("--allow")
        .arg(&allow)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(findings(&r, "KV-19", "203.0.113.77").is_empty());
    assert!(r["skipped_rules"].as_array().unwrap().iter().any(|s| s["rule"] == "KV-19"));
    assert!(findings(&r, "KV-14", "francois.begue@contoso.com").is_empty());
    let silenced = r["suppressed"].as_array().unwrap();
    assert!(silenced.iter().any(|s| s["rule"] == "KV-14" && s["reason"].as_str().unwrap().contains("pen test")));
}

#[test]
fn the_configuration_file_supplies_rules_and_allow_list_and_typos_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("allowlist.toml"), "[[allow]]\nrule = \"KV-19\"\nreason = \"scanner team\"\n")
        .unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "allow = \"allowlist.toml\"\n").unwrap();
    let out = kvtrail()
        .env("KVTRAIL_CONFIG", &config)
        .args(["report", &demo_dir(), "--format", "json"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(r["findings"].as_array().unwrap().iter().all(|f| f["rule"] != "KV-19"));
    assert!(r["suppressed"].as_array().unwrap().iter().any(|s| s["rule"] == "KV-19"));
    std::fs::write(&config, "allow = \"allowlist.toml\"\nrulez = []\n").unwrap();
    let out = kvtrail().env("KVTRAIL_CONFIG", &config).args(["report", &demo_dir()]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config.toml:2") && err.contains("rulez"), "{err}");
}

#[test]
fn incident_indices_stay_consistent_when_findings_are_left_out() {
    let out =
        kvtrail().args(["report", &demo_dir(), "--format", "json", "--min-severity", "high"]).output().expect("runs");
    let r: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let (findings, incidents) = (r["findings"].as_array().unwrap(), r["incidents"].as_array().unwrap());
    for (i, f) in findings.iter().enumerate() {
        if let Some(k) = f["incident"].as_u64() {
            let members = incidents[k as usize]["findings"].as_array().expect("the incident is listed");
            assert!(members.iter().any(|m| m.as_u64() == Some(i as u64)), "finding {i} is a member of incident {k}");
        }
    }
    for inc in incidents {
        assert!(inc["findings"].as_array().unwrap().iter().all(|m| (m.as_u64().unwrap() as usize) < findings.len()));
    }
}
