//! Vault configuration changes: the permission model downgraded to access policies (KV-05), the audit log
//! blinded or gapped (KV-26), the network opened (KV-27), deletion safeguards weakened (KV-28), and the
//! customer-managed-key ransomware chain (KV-29). They read `Store::settings`, which ingestion fills from
//! AuditEvent vault records and Activity Log request bodies alike.

use hashbrown::HashMap;
use std::net::IpAddr;

use crate::event::Plane;
use crate::intel::Prefix;

use super::super::finding::{Evidence, Extra, Finding};
use super::{Check, Input, Kind, Outcome, plain};
use crate::detect::ctx::{Ctx, ticks};
use crate::detect::severity::Severity;

pub const RBAC_DOWNGRADE: Check = Check { name: "rbac_downgrade", run: rbac_downgrade, params: &[] };
pub const LOGGING_DISABLED: Check = Check {
    name: "logging_disabled",
    run: logging_disabled,
    params: &[
        (
            "silence",
            Kind::Duration,
            "a data-plane silence this long while the control plane is active is a gap (default 6h)",
        ),
        (
            "busy_per_hour",
            Kind::Number,
            "events per hour before the silence that make the vault a steady emitter (default 1)",
        ),
    ],
};
pub const NETWORK_WIDENED: Check = Check {
    name: "network_widened",
    run: network_widened,
    params: &[(
        "read_within",
        Kind::Duration,
        "an ok read from a newly allowed address within this makes it Critical (default 60m)",
    )],
};
pub const PROTECTION_WEAKENED: Check = Check { name: "protection_weakened", run: protection_weakened, params: &[] };
pub const CMK_RANSOMWARE: Check = Check {
    name: "cmk_ransomware",
    run: cmk_ransomware,
    params: &[("within", Kind::Duration, "from the key's creation to its deletion (default 24h)")],
};

/// Why a settings rule cannot run on these logs, if it cannot: no record says anything about a vault's
/// configuration (no VaultPut / VaultPatch properties, no Activity Log vault writes).
fn needs_settings(ctx: &Ctx) -> Result<(), String> {
    if ctx.store.settings.is_empty() {
        Err("no vault configuration records in the loaded logs (VaultPut / VaultPatch properties, Activity Log vault writes)".into())
    } else {
        Ok(())
    }
}

/// Why an Activity Log rule cannot run, if it cannot: no Activity Log event was loaded.
fn needs_activity(ctx: &Ctx, what: &str) -> Result<(), String> {
    if ctx.store.dicts.operations.values().iter().any(|o| o.name.contains('/')) {
        Ok(())
    } else {
        Err(format!("needs Activity Log events ({what}); none were loaded"))
    }
}

/// Settings records whose request did not fail, in row order: what the vault's state is built from.
fn successful<'a>(ctx: &'a Ctx) -> impl Iterator<Item = (usize, &'a crate::event::VaultSettings)> + 'a {
    ctx.store.settings.iter().map(|(r, s)| (*r as usize, s)).filter(move |&(r, _)| !ctx.failed(r))
}

/// Did this row change the vault (as opposed to reporting its state, like `VaultGet`)?
fn is_write(ctx: &Ctx, row: usize) -> bool {
    let name = ctx.op_name(row).to_ascii_lowercase();
    !ctx.failed(row)
        && (name == "vaultput"
            || name == "vaultpatch"
            || name == "accesspolicymerge"
            || name.ends_with("/write")
            || name.ends_with("/delete"))
}

fn rbac_downgrade(input: &Input) -> Outcome {
    let ctx = input.ctx;
    needs_settings(ctx)?;
    let mut state: HashMap<u32, bool> = HashMap::new();
    let mut out = Vec::new();
    // A vault record states the whole configuration, so only a change from a known RBAC state is evidence;
    // refused writes change nothing.
    for (row, s) in successful(ctx) {
        let Some(rbac) = s.rbac_authorization else { continue };
        let before = state.insert(ctx.vault(row), rbac);
        if !rbac && is_write(ctx, row) && before == Some(true) {
            out.push(Finding::new(
                ctx,
                input.rule,
                plain(&[row]),
                Extra::default().var("before", "was Azure RBAC before"),
            ));
        }
    }
    Ok(out)
}

fn logging_disabled(input: &Input) -> Outcome {
    let ctx = input.ctx;
    needs_activity(ctx, "diagnostic-setting changes and control-plane activity")?;
    let mut out = Vec::new();
    for (row, s) in &ctx.store.settings {
        let row = *row as usize;
        if s.diagnostic_audit == Some(false) && !ctx.failed(row) {
            let what = if ctx.op_name(row).to_ascii_lowercase().ends_with("delete") {
                "deleted a diagnostic setting"
            } else {
                "wrote a diagnostic setting that no longer collects AuditEvent"
            };
            out.push(Finding::new(ctx, input.rule, plain(&[row]), Extra::default().var("what", what)));
        }
    }
    // Merge the Activity Log's Begin/End records of one change into one finding.
    out.dedup_by(|b, a| {
        let same = a.vaults == b.vaults && a.identities == b.identities && b.first - a.last <= ticks(300);
        if same {
            a.evidence.extend(b.evidence.iter().copied());
            a.event_count += b.event_count;
            a.last = b.last;
        }
        same
    });
    out.extend(gaps(input));
    Ok(out)
}

/// A vault that emitted steadily, then went silent on the data plane while its control plane stayed active.
fn gaps(input: &Input) -> Vec<Finding> {
    let ctx = input.ctx;
    let silence = input.params.ticks("silence", "6h");
    let busy = input.params.float("busy_per_hour", 1.0);
    let ops = ctx.store.dicts.operations.values();
    let mut data: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut mgmt: HashMap<u32, Vec<usize>> = HashMap::new();
    for r in 0..ctx.len() {
        let map = if ops[ctx.op(r) as usize].plane == Plane::Data && !ctx.op_name(r).contains('/') {
            &mut data
        } else if ctx.op_name(r).contains('/') {
            &mut mgmt
        } else {
            continue;
        };
        map.entry(ctx.vault(r)).or_default().push(r);
    }
    let mut out = Vec::new();
    let mut vaults: Vec<_> = mgmt.into_iter().collect();
    vaults.sort_by_key(|(v, _)| *v);
    for (vault, mrows) in vaults {
        let Some(drows) = data.get(&vault) else { continue };
        for pair in drows.windows(2) {
            let (a, b) = (ctx.time(pair[0]), ctx.time(pair[1]));
            if b - a <= silence {
                continue;
            }
            let before = drows.iter().filter(|&&r| ctx.time(r) > a - silence && ctx.time(r) <= a).count();
            let hours = silence as f64 / ticks(3600) as f64;
            let inside: Vec<usize> = mrows.iter().copied().filter(|&r| ctx.time(r) > a && ctx.time(r) < b).collect();
            if before as f64 >= busy * hours && !inside.is_empty() {
                let mut evidence = plain(&[pair[0]]);
                evidence.extend(plain(&inside));
                let extra = Extra::default()
                    .var(
                        "what",
                        format!("went silent on the data plane for {}", crate::detect::explain::duration(b - a)),
                    )
                    .severity(Severity::Medium);
                out.push(Finding::new(ctx, input.rule, evidence, extra));
            }
        }
    }
    out
}

/// Why an allow rule opens the vault: a very short prefix (0.0.0.0/0 …/8), or outside the known ranges.
fn wide(input: &Input, rule: &str) -> Option<String> {
    let p = Prefix::parse(rule.trim()).ok()?;
    let max = if p.addr().is_ipv4() { 32 } else { 128 };
    if p.prefix_len() <= if max == 32 { 8 } else { 32 } {
        return Some(format!("{rule} (almost everything)"));
    }
    // "Not a known range" needs the analyst's known ranges (egress.txt); without them only wide rules count.
    let egress = input.intel.egress.as_ref()?;
    (!egress.contains(p.addr())).then(|| format!("{rule} (not a known range)"))
}

fn network_widened(input: &Input) -> Outcome {
    let ctx = input.ctx;
    needs_settings(ctx)?;
    let read_within = input.params.ticks("read_within", "60m");
    let mut out = Vec::new();
    // The last known network state per vault: a vault record states the whole configuration, so only a change
    // towards more exposure is evidence — a record that merely restates an open vault is not.
    let mut known: HashMap<u32, (Option<bool>, Option<bool>)> = HashMap::new();
    let mut rules_known: HashMap<u32, Vec<Box<str>>> = HashMap::new();
    for (row, s) in successful(ctx) {
        // Firewall rules the record adds: named as added, or new in its full list compared with the last
        // known list (an Activity Log request body with no earlier list: all of them).
        let request = ctx.op_name(row).contains('/');
        let mut added_rules: Vec<Box<str>> = s.added_ip_rules.clone();
        if !s.ip_rules.is_empty() {
            match rules_known.insert(ctx.vault(row), s.ip_rules.clone()) {
                Some(old) => added_rules.extend(s.ip_rules.iter().filter(|r| !old.contains(r)).cloned()),
                None if request => added_rules.extend(s.ip_rules.iter().cloned()),
                None => {}
            }
        }
        let open_acl = s.default_action.as_deref().map(|a| a.eq_ignore_ascii_case("allow"));
        let public = s.public_network_access.as_deref().map(|a| a.eq_ignore_ascii_case("enabled"));
        let before = known.entry(ctx.vault(row)).or_default();
        let was = *before;
        if open_acl.is_some() {
            before.0 = open_acl;
        }
        if public.is_some() {
            before.1 = public;
        }
        if !is_write(ctx, row) {
            continue;
        }
        let mut why = Vec::new();
        if open_acl == Some(true) && was.0 == Some(false) {
            why.push("networkAcls.defaultAction Deny → Allow".to_string());
        }
        if public == Some(true) && was.1 == Some(false) {
            why.push("publicNetworkAccess Disabled → Enabled".to_string());
        }
        let added: Vec<String> = added_rules.iter().filter_map(|r| wide(input, r)).collect();
        if !added.is_empty() {
            why.push(format!("allowed {}", added.join(", ")));
        }
        if s.removed_private_endpoint {
            why.push("private endpoint connection deleted".to_string());
        }
        if why.is_empty() {
            continue;
        }
        // A read from a newly allowed address soon after: the opening was used.
        let allowed: Vec<Prefix> = added_rules.iter().filter_map(|r| Prefix::parse(r.trim()).ok()).collect();
        let t0 = ctx.time(row);
        let vault = ctx.vault(row);
        let used: Vec<usize> = (row + 1..ctx.len())
            .take_while(|&r| ctx.time(r) - t0 <= read_within)
            .filter(|&r| {
                ctx.vault(r) == vault
                    && ctx.ok(r)
                    && ctx
                        .store
                        .dicts
                        .ips
                        .get(ctx.ip(r))
                        .addr
                        .is_some_and(|ip: IpAddr| allowed.iter().any(|p| p.contains(ip)))
            })
            .collect();
        let mut evidence = vec![Evidence { row: row as u32, step: Some(1) }];
        evidence.extend(used.iter().map(|&r| Evidence { row: r as u32, step: Some(2) }));
        let mut extra = Extra::default().var("change", why.join("; "));
        if !used.is_empty() {
            extra = extra.severity(Severity::Critical);
        }
        out.push(Finding::new(ctx, input.rule, evidence, extra));
    }
    Ok(out)
}

fn protection_weakened(input: &Input) -> Outcome {
    let ctx = input.ctx;
    needs_settings(ctx)?;
    let cmk_vaults: Vec<u32> =
        ctx.store.settings.iter().filter(|(_, s)| s.cmk_key.is_some()).map(|(r, _)| ctx.vault(*r as usize)).collect();
    let wraps = ctx.op_set(&["KeyWrap", "KeyUnwrap", "WrapKey", "UnwrapKey"]);
    let used_for_cmk = |vault: u32| {
        cmk_vaults.contains(&vault) || ctx.rows().any(|r| ctx.vault(r) == vault && wraps[ctx.op(r) as usize])
    };
    let mut out = Vec::new();
    // As for the network: a change is evidence, a restated configuration is not (Activity Log request bodies
    // are requests, so they count even without a known earlier state).
    let mut known: HashMap<u32, (Option<u32>, Option<bool>)> = HashMap::new();
    for (row, s) in successful(ctx) {
        let before = known.entry(ctx.vault(row)).or_default();
        let was = *before;
        before.0 = s.soft_delete_days.or(before.0);
        before.1 = s.purge_protection.or(before.1);
        if !is_write(ctx, row) {
            continue;
        }
        let request = ctx.op_name(row).contains('/');
        let changed = |old: Option<u32>| old.is_some_and(|d| d > 7) || (old.is_none() && request);
        let mut why = Vec::new();
        if s.soft_delete_days == Some(7) && changed(was.0) {
            why.push("softDeleteRetentionInDays=7 (the minimum)".to_string());
        }
        if s.purge_protection == Some(false)
            && (was.1 == Some(true) || (was.1.is_none() && request))
            && used_for_cmk(ctx.vault(row))
        {
            why.push("enablePurgeProtection=false on a vault holding customer-managed keys".to_string());
        }
        if s.soft_delete == Some(false) {
            why.push("enableSoftDelete=false".to_string());
        }
        if !why.is_empty() {
            out.push(Finding::new(ctx, input.rule, plain(&[row]), Extra::default().var("change", why.join("; "))));
        }
    }
    Ok(out)
}

fn cmk_ransomware(input: &Input) -> Outcome {
    let ctx = input.ctx;
    needs_activity(ctx, "storage account and encryption-scope writes")?;
    let within = input.params.ticks("within", "24h");
    let created = ctx.op_set(&["KeyCreate"]);
    let destroyed: Vec<bool> = ctx
        .store
        .dicts
        .operations
        .values()
        .iter()
        .map(|o| {
            let n = o.name.to_ascii_lowercase();
            n == "keydelete"
                || n == "vaultdelete"
                || n.ends_with("purge")
                || n == "microsoft.keyvault/vaults/delete"
                || n.ends_with("purge/action")
        })
        .collect();
    let mut out = Vec::new();
    for (link, s) in &ctx.store.settings {
        let link = *link as usize;
        if s.cmk_key.is_none() || ctx.failed(link) {
            continue;
        }
        let (vault, t) = (ctx.vault(link), ctx.time(link));
        let create = (0..link)
            .rev()
            .take_while(|&r| t - ctx.time(r) <= within)
            .find(|&r| ctx.vault(r) == vault && created[ctx.op(r) as usize] && ctx.ok(r));
        let destroy: Vec<usize> = (link + 1..ctx.len())
            .take_while(|&r| ctx.time(r) - t <= within)
            .filter(|&r| ctx.vault(r) == vault && destroyed[ctx.op(r) as usize])
            .collect();
        if destroy.is_empty() {
            continue;
        }
        let mut evidence = Vec::new();
        if let Some(c) = create {
            evidence.push(Evidence { row: c as u32, step: Some(1) });
        }
        evidence.push(Evidence { row: link as u32, step: Some(2) });
        evidence.extend(destroy.iter().map(|&r| Evidence { row: r as u32, step: Some(3) }));
        let extra = Extra::default().var("key", s.cmk_key.as_deref().unwrap_or("").to_string());
        out.push(Finding::new(ctx, input.rule, evidence, extra));
    }
    Ok(out)
}
