//! The benign model: who talks to Key Vault, when, and how.
//!
//! The requested event count is split over the hours of the window by a diurnal/weekday curve (largest-remainder
//! rounding, so the total is exact). Each hour is then filled with sessions until its budget is spent:
//! Azure's own indexers (Resource Graph `VaultGet`, the Policy scanner), application workloads (mostly `SecretGet`,
//! key wrap/unwrap/sign for crypto users, SDK 401 challenges first), people (CLI, PowerShell, Portal, IDE), CI
//! principals running Terraform plans (with their routine 404s) and, rarely, platform engineers changing vault
//! configuration (which also produces Activity Log events). A little noise — 404s, 429 throttling bursts, the odd
//! 403 — is mixed in because real logs have it and detectors must not fire on it.

use super::management::{self, MgmtRequest};
use super::population::{ObjectKind, TOOLS, Tool, User, WorkloadRole, World};
use super::record::{AccessPolicy, Detail, Generated, Operation, PolicyChange};
use super::request::{self, Actor, Client, Outcome, Target};
use super::rng::Rng;
use super::time::{self, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_MS, TICKS_PER_SECOND, Ticks};
use super::write::json::Node;

/// Relative machine load per UTC hour (mild daily swing).
const MACHINE_CURVE: [u32; 24] =
    [70, 65, 60, 58, 58, 62, 70, 80, 90, 95, 100, 100, 100, 100, 100, 98, 95, 92, 90, 88, 85, 82, 78, 74];
/// Relative human activity per UTC hour (a European working day with a lunch dip).
const PEOPLE_CURVE: [u32; 24] = [2, 1, 1, 1, 1, 2, 6, 20, 45, 60, 62, 55, 48, 58, 62, 60, 50, 35, 20, 12, 8, 6, 4, 3];

/// Splits `total` over `weights` exactly (largest remainder; ties go to the earlier index).
pub fn apportion(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if sum == 0 {
        let mut out = vec![0; weights.len()];
        if let Some(first) = out.first_mut() {
            *first = total;
        }
        return out;
    }
    let mut out = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut assigned = 0u64;
    for (i, &w) in weights.iter().enumerate() {
        let exact = u128::from(total) * u128::from(w);
        out.push((exact / sum) as u64);
        assigned += (exact / sum) as u64;
        remainders.push((exact % sum, i));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in remainders.iter().take((total - assigned) as usize) {
        out[i] += 1;
    }
    out
}

/// Per-hour plan of the benign traffic.
pub struct Benign {
    rng: Rng,
    start: Ticks,
    budgets: Vec<u64>,
    /// Per-mille share of people sessions in each hour.
    people_share: Vec<u64>,
    people_weight: Vec<u64>,
    people_weight_total: u64,
    /// Expected number of configuration changes over the whole window.
    changes_expected: u64,
    /// Decommission the sandbox vault (large, non-demo datasets only).
    decommission: bool,
}

impl Benign {
    pub fn new(seed: u64, events: u64, start: Ticks, days: u64, decommission: bool) -> Benign {
        let hours = (days * 24).max(1) as usize;
        let mut machine = Vec::with_capacity(hours);
        let mut people = Vec::with_capacity(hours);
        for h in 0..hours {
            let t = start + h as Ticks * TICKS_PER_HOUR;
            let hod = time::civil(t).hour as usize;
            let weekend = time::weekday(t) >= 5;
            machine.push(u64::from(MACHINE_CURVE[hod]) * if weekend { 85 } else { 100 });
            people.push(u64::from(PEOPLE_CURVE[hod]) * if weekend { 12 } else { 100 });
        }
        let weights: Vec<u64> = machine.iter().zip(&people).map(|(m, p)| m + p).collect();
        let budgets = apportion(events, &weights);
        let people_share = machine.iter().zip(&people).map(|(m, p)| p * 1000 / (m + p).max(1)).collect();
        let people_weight_total = people.iter().sum();
        Benign {
            rng: Rng::new(seed, 0x7AFF_1C00),
            start,
            budgets,
            people_share,
            people_weight: people,
            people_weight_total,
            changes_expected: (events / 4000).clamp((events / 500).min(10), 400),
            decommission,
        }
    }

    pub fn hours(&self) -> usize {
        self.budgets.len()
    }

    pub fn hour_start(&self, h: usize) -> Ticks {
        self.start + h as Ticks * TICKS_PER_HOUR
    }

    /// Generates hour `h`'s benign events (unsorted) into `out`.
    pub fn hour(&mut self, world: &mut World, h: usize, out: &mut Vec<Generated>) {
        let hour_start = self.hour_start(h);
        let mut left = self.budgets[h];
        let rng = &mut self.rng;
        let mut session = Vec::new();

        // Azure's indexers: Resource Graph re-reads each vault every few hours; the Policy scanner lists each
        // vault's collections once a day at a vault-specific hour.
        let hod = time::civil(hour_start).hour as usize;
        for vi in 0..world.vaults.len() {
            if world.vaults[vi].retired {
                continue;
            }
            if rng.chance(250) {
                session.clear();
                let t = random_in_hour(rng, hour_start);
                let ip = *rng.pick(&world.service_ips);
                let actor = Actor::service(&world.resource_graph, Client::ResourceGraph, ip);
                session.push(Generated::Audit(request::call(
                    world,
                    rng,
                    t,
                    vi,
                    Operation::VaultGet,
                    &Target::Vault,
                    &actor,
                    Outcome::Ok,
                )));
                take(&mut session, &mut left, out);
            }
            if (vi * 7 + 3) % 24 == hod {
                session.clear();
                let mut t = random_in_hour(rng, hour_start);
                let ip = *rng.pick(&world.service_ips);
                let actor = Actor::service(&world.policy_insights, Client::PolicyScan, ip);
                for op in [Operation::SecretList, Operation::KeyList, Operation::CertificateList] {
                    session.push(Generated::Audit(request::call(
                        world,
                        rng,
                        t,
                        vi,
                        op,
                        &Target::Collection,
                        &actor,
                        Outcome::Ok,
                    )));
                    t += rng.range(40, 900) as Ticks * TICKS_PER_MS;
                }
                take(&mut session, &mut left, out);
            }
        }

        // Configuration changes by platform engineers (weighted to working hours).
        // Expected changes this hour, in millionths: whole changes plus a chance for the fraction.
        if let Some(p) =
            (self.changes_expected * self.people_weight[h] * 1_000_000).checked_div(self.people_weight_total)
        {
            let changes = p / 1_000_000 + u64::from(rng.below(1_000_000) < p % 1_000_000);
            for _ in 0..changes {
                session.clear();
                let t = random_in_hour(rng, hour_start);
                change_session(world, rng, t, &mut session);
                take(&mut session, &mut left, out);
            }
        }
        if self.decommission {
            decommission(world, rng, self.start, h, &mut session);
            take(&mut session, &mut left, out);
        }

        // CI runs: a Terraform plan now and then during the working day.
        let terraform: Vec<usize> =
            (0..world.workloads.len()).filter(|&i| world.workloads[i].role == WorkloadRole::Terraform).collect();
        for &wi in &terraform {
            if left > 0 && rng.below(1000) < self.people_share[h] / 2 {
                session.clear();
                let t = random_in_hour(rng, hour_start);
                terraform_session(world, rng, wi, t, &mut session);
                take(&mut session, &mut left, out);
            }
        }

        let mut guard = 0;
        while left > 0 && guard < 1_000_000 {
            guard += 1;
            session.clear();
            let t = random_in_hour(rng, hour_start);
            if rng.below(1000) < self.people_share[h] {
                let ui = world.user_pick.sample(rng);
                person_session(world, rng, ui, t, &mut session);
            } else {
                let wi = world.workload_pick.sample(rng);
                if world.workloads[wi].role == WorkloadRole::App {
                    workload_session(world, rng, wi, t, &mut session);
                }
            }
            take(&mut session, &mut left, out);
        }
    }
}

/// A session start: anywhere in the hour except its first second, so that a 401 challenge placed a few hundred
/// milliseconds before its request never falls into the previous (already written) hour.
fn random_in_hour(rng: &mut Rng, hour_start: Ticks) -> Ticks {
    hour_start + TICKS_PER_SECOND + rng.below((TICKS_PER_HOUR - 2 * TICKS_PER_SECOND) as u64) as Ticks
}

/// Moves a session into the hour's output, truncated to the remaining budget (Activity Log events are free).
fn take(session: &mut Vec<Generated>, left: &mut u64, out: &mut Vec<Generated>) {
    for g in session.drain(..) {
        match g {
            Generated::Audit(_) if *left == 0 => {}
            Generated::Audit(e) => {
                *left -= 1;
                out.push(Generated::Audit(e));
            }
            Generated::Management(m) => out.push(Generated::Management(m)),
        }
    }
}

/// Gap between two calls of one session.
fn gap(rng: &mut Rng) -> Ticks {
    rng.bucketed(&[(60, 5, 80), (30, 81, 2000), (10, 2001, 30_000)]) as Ticks * TICKS_PER_MS
}

/// A plausible wrong name for 404s: stale configuration or a typo.
fn missing_name(rng: &mut Rng, base: &str) -> String {
    match rng.below(4) {
        0 => format!("{base}-old"),
        1 => format!("{base}-v2"),
        2 => format!("{base}2"),
        _ => base.replace('-', ""),
    }
}

/// Which crypto operation an application performs with a key, from the key's purpose.
fn crypto_op(rng: &mut Rng, name: &str, key_type: &str) -> Operation {
    if key_type == "EC" || name.contains("sign") || name.contains("jwt") || name.contains("token") {
        if rng.chance(850) { Operation::KeySign } else { Operation::KeyVerify }
    } else if name.contains("cmk") || name.contains("dek") || name.contains("kek") || name.contains("backup") {
        if rng.chance(700) { Operation::KeyUnwrap } else { Operation::KeyWrap }
    } else {
        match rng.below(10) {
            0..=5 => Operation::KeyDecrypt,
            6..=8 => Operation::KeyEncrypt,
            _ => Operation::KeyGet,
        }
    }
}

fn workload_session(world: &mut World, rng: &mut Rng, wi: usize, start: Ticks, out: &mut Vec<Generated>) {
    let w = &world.workloads[wi];
    if w.objects.is_empty() || w.ips.is_empty() {
        return;
    }
    let ip = w.ips[rng.weighted(&[6, 3, 1][..w.ips.len().min(3)])];
    let actor = Actor::workload(w, ip);
    let chatty = wi < 5;
    let objects = w.objects.clone();
    let calls = rng.bucketed(&[(50, 1, 1), (30, 2, 3), (15, 4, 6), (5, 7, 12)]);
    let mut t = start;
    for i in 0..calls {
        let oi = objects[rng.index(objects.len())];
        let o = &world.objects[oi];
        let vi = o.vault;
        let (op, target) = match o.kind {
            ObjectKind::Secret if rng.chance(30) => (Operation::SecretList, Target::Collection),
            ObjectKind::Secret => (Operation::SecretGet, Target::Object { index: oi, versioned: rng.chance(150) }),
            ObjectKind::Key => {
                let op = crypto_op(rng, &o.name, o.key_type);
                (op, Target::Object { index: oi, versioned: op != Operation::KeyGet })
            }
            ObjectKind::Certificate => (Operation::CertificateGet, Target::Object { index: oi, versioned: false }),
        };
        let roll = rng.below(1000);
        let throttle_rate = if chatty { 6 } else { 1 };
        let (outcome, target) = if roll < 3 && op == Operation::SecretGet {
            (Outcome::NotFound, Target::Missing { kind: o.kind, name: missing_name(rng, &o.name) })
        } else if roll < 5 {
            (Outcome::Denied, target)
        } else if roll < 5 + throttle_rate {
            (Outcome::Throttled, target)
        } else {
            (Outcome::Ok, target)
        };
        let ev = request::call(world, rng, t, vi, op, &target, &actor, outcome);
        if i == 0 && rng.chance(350) {
            out.push(Generated::Audit(request::challenge(rng, &ev)));
        }
        out.push(Generated::Audit(ev));
        if outcome == Outcome::Throttled {
            // The SDK retries after the server's Retry-After; a burst can be throttled more than once.
            let mut retry_t = t;
            for attempt in 0..3 {
                retry_t += rng.range(800, 4000) as Ticks * TICKS_PER_MS;
                let again = if attempt < 2 && rng.chance(300) { Outcome::Throttled } else { Outcome::Ok };
                out.push(Generated::Audit(request::call(world, rng, retry_t, vi, op, &target, &actor, again)));
                if again == Outcome::Ok {
                    break;
                }
            }
            t = retry_t;
        }
        t += gap(rng);
    }
}

fn person_ip(rng: &mut Rng, user: &User, t: Ticks) -> u32 {
    let c = time::civil(t);
    let working = time::weekday(t) < 5 && (7..17).contains(&c.hour);
    let office_share = if working { 650 } else { 80 };
    if rng.chance(office_share) || user.home_ips.is_empty() {
        user.office_ip
    } else {
        user.home_ips[rng.index(user.home_ips.len())]
    }
}

fn person_client(rng: &mut Rng, user: &User) -> Client {
    match TOOLS[rng.weighted(&user.tool_weights)] {
        Tool::Cli => Client::Cli { linux: user.linux_cli },
        Tool::PowerShell => Client::PowerShell,
        Tool::Portal => Client::Portal(user.browser),
        Tool::Ide => Client::Ide,
    }
}

fn person_session(world: &mut World, rng: &mut Rng, ui: usize, start: Ticks, out: &mut Vec<Generated>) {
    let user = &world.users[ui];
    if user.vaults.is_empty() {
        return;
    }
    let ip = person_ip(rng, user, start);
    let client = person_client(rng, user);
    let actor = Actor::person(&user.principal, client, ip);
    let vaults = user.vaults.clone();
    let objects = user.objects.clone();
    let vi = vaults[rng.index(vaults.len())];
    let mine: Vec<usize> = objects.iter().copied().filter(|&o| world.objects[o].vault == vi).collect();
    let mut t = start;
    let step =
        |rng: &mut Rng| rng.range(3, 90) as Ticks * TICKS_PER_SECOND + rng.below(TICKS_PER_SECOND as u64) as Ticks;

    if let Client::Portal(_) = client {
        // Opening the vault blade, then one collection, then maybe one item. Benign portal use never runs the full
        // VaultGet → SecretList → SecretListVersions → SecretGet chain (that is the planted KV-06 signal).
        out.push(Generated::Audit(request::call(
            world,
            rng,
            t,
            vi,
            Operation::VaultGet,
            &Target::Vault,
            &actor,
            Outcome::Ok,
        )));
        t += step(rng);
        let kind = match rng.weighted(&[70, 15, 15]) {
            0 => ObjectKind::Secret,
            1 => ObjectKind::Key,
            _ => ObjectKind::Certificate,
        };
        let list = match kind {
            ObjectKind::Secret => Operation::SecretList,
            ObjectKind::Key => Operation::KeyList,
            ObjectKind::Certificate => Operation::CertificateList,
        };
        out.push(Generated::Audit(request::call(world, rng, t, vi, list, &Target::Collection, &actor, Outcome::Ok)));
        let of_kind: Vec<usize> = mine.iter().copied().filter(|&o| world.objects[o].kind == kind).collect();
        if !of_kind.is_empty() && rng.chance(700) {
            t += step(rng);
            let oi = of_kind[rng.index(of_kind.len())];
            let op = match (kind, rng.chance(600)) {
                (ObjectKind::Secret, true) => Operation::SecretGet,
                (ObjectKind::Secret, false) => Operation::SecretListVersions,
                (ObjectKind::Key, _) => Operation::KeyGet,
                (ObjectKind::Certificate, true) => Operation::CertificateGet,
                (ObjectKind::Certificate, false) => Operation::CertificateListVersions,
            };
            out.push(Generated::Audit(request::call(
                world,
                rng,
                t,
                vi,
                op,
                &Target::Object { index: oi, versioned: true },
                &actor,
                Outcome::Ok,
            )));
        }
        return;
    }

    let calls = rng.bucketed(&[(60, 1, 1), (30, 2, 2), (10, 3, 3)]);
    for i in 0..calls {
        let roll = rng.below(1000);
        let (op, target, outcome, vault) = if roll < 8 {
            // Someone tries a vault they have no access to.
            let other = world.vault_pick.sample(rng);
            (Operation::SecretList, Target::Collection, Outcome::Denied, other)
        } else if roll < 25 && !mine.is_empty() {
            let o = &world.objects[mine[0]];
            let name = missing_name(rng, &o.name);
            (Operation::SecretGet, Target::Missing { kind: ObjectKind::Secret, name }, Outcome::NotFound, vi)
        } else if roll < 170 || mine.is_empty() {
            let op = match rng.weighted(&[75, 12, 13]) {
                0 => Operation::SecretList,
                1 => Operation::KeyList,
                _ => Operation::CertificateList,
            };
            (op, Target::Collection, Outcome::Ok, vi)
        } else {
            let oi = mine[rng.index(mine.len())];
            let o = &world.objects[oi];
            let op = match o.kind {
                ObjectKind::Secret if rng.chance(50) => Operation::SecretSet,
                ObjectKind::Secret => Operation::SecretGet,
                ObjectKind::Key => Operation::KeyGet,
                ObjectKind::Certificate => Operation::CertificateGet,
            };
            if op == Operation::SecretSet {
                // Rotation: the new value gets a new version, which later reads will carry.
                world.objects[oi].version = rng.u128();
            }
            (op, Target::Object { index: oi, versioned: false }, Outcome::Ok, vi)
        };
        let ev = request::call(world, rng, t, vault, op, &target, &actor, outcome);
        if i == 0 && rng.chance(500) {
            out.push(Generated::Audit(request::challenge(rng, &ev)));
        }
        out.push(Generated::Audit(ev));
        t += rng.range(2, 120) as Ticks * TICKS_PER_SECOND + rng.below(TICKS_PER_SECOND as u64) as Ticks;
    }
}

/// `terraform plan`: read each vault, refresh each managed object; a not-yet-created secret answers 404.
fn terraform_session(world: &mut World, rng: &mut Rng, wi: usize, start: Ticks, out: &mut Vec<Generated>) {
    let w = &world.workloads[wi];
    if w.ips.is_empty() {
        return;
    }
    let actor = Actor::workload(w, w.ips[rng.index(w.ips.len())]);
    let objects = w.objects.clone();
    let mut vaults: Vec<usize> = objects.iter().map(|&o| world.objects[o].vault).collect();
    vaults.dedup();
    let mut t = start;
    for &vi in &vaults {
        out.push(Generated::Audit(request::call(
            world,
            rng,
            t,
            vi,
            Operation::VaultGet,
            &Target::Vault,
            &actor,
            Outcome::Ok,
        )));
        t += rng.range(100, 1500) as Ticks * TICKS_PER_MS;
    }
    for (i, &oi) in objects.iter().enumerate() {
        let o = &world.objects[oi];
        let vi = o.vault;
        let op = match o.kind {
            ObjectKind::Secret => Operation::SecretGet,
            ObjectKind::Key => Operation::KeyGet,
            ObjectKind::Certificate => Operation::CertificateGet,
        };
        let ev =
            request::call(world, rng, t, vi, op, &Target::Object { index: oi, versioned: false }, &actor, Outcome::Ok);
        if i == 0 && rng.chance(500) {
            out.push(Generated::Audit(request::challenge(rng, &ev)));
        }
        out.push(Generated::Audit(ev));
        t += rng.range(30, 600) as Ticks * TICKS_PER_MS;
    }
    if rng.chance(250) && !objects.is_empty() {
        let vi = world.objects[objects[0]].vault;
        let name = format!(
            "{}-{}",
            ["feature-flag", "new-api-key", "tf-generated", "sql-readonly"][rng.index(4)],
            rng.range(1, 9)
        );
        let target = Target::Missing { kind: ObjectKind::Secret, name };
        out.push(Generated::Audit(request::call(
            world,
            rng,
            t,
            vi,
            Operation::SecretGet,
            &target,
            &actor,
            Outcome::NotFound,
        )));
    }
}

/// A platform engineer changes a vault: firewall/settings (`vaults/write` + `VaultPut`), an access policy for a
/// workload (`accessPolicies/write` + `VaultPatch`), an RBAC role assignment, or a diagnostic setting.
fn change_session(world: &mut World, rng: &mut Rng, t: Ticks, session: &mut Vec<Generated>) {
    let admins: Vec<usize> = (0..world.users.len()).filter(|&i| world.users[i].admin).collect();
    if admins.is_empty() {
        return;
    }
    let admin = &world.users[admins[rng.index(admins.len())]];
    let ip = person_ip(rng, admin, t);
    let client = if rng.chance(600) { Client::Cli { linux: admin.linux_cli } } else { Client::Portal(admin.browser) };
    let actor = Actor::person(&admin.principal, client, ip);
    // Never a vault the engineer reads secrets from: a change followed by the same person's reads is KV-03's shape.
    let candidates: Vec<usize> =
        (0..world.vaults.len()).filter(|&v| !world.vaults[v].retired && !admin.vaults.contains(&v)).collect();
    if candidates.is_empty() {
        return;
    }
    let vi = candidates[rng.index(candidates.len())];
    let vault = std::rc::Rc::clone(&world.vaults[vi]);
    let grantee = world.workloads[world.workload_pick.sample(rng)].principal.oid;
    match rng.weighted(&[30, 25, 25, 20]) {
        0 => {
            let rules = vec![format!("{}/32", super::network::ip_text(admin.office_ip))];
            let action = if vault.firewall { "Deny" } else { "Allow" };
            let req = MgmtRequest::vault_write(world, vi, management::vault_body(world, vi, action, &rules));
            session.extend(management::pair(world, rng, t, &actor, &req).map(Generated::Management));
            let ev = request::call(
                world,
                rng,
                t + 400 * TICKS_PER_MS,
                vi,
                Operation::VaultPut,
                &Target::Vault,
                &actor,
                Outcome::Ok,
            );
            session.push(Generated::Audit(ev));
        }
        1 if !vault.rbac => {
            let req = MgmtRequest::access_policy(world, vi, "add", grantee, &["get", "list"]);
            session.extend(management::pair(world, rng, t, &actor, &req).map(Generated::Management));
            let mut ev = request::call(
                world,
                rng,
                t + 300 * TICKS_PER_MS,
                vi,
                Operation::VaultPatch,
                &Target::Vault,
                &actor,
                Outcome::Ok,
            );
            ev.request_uri = ev.request_uri.replacen("?api-version", "/accessPolicies/add?api-version", 1);
            ev.detail = Detail::AccessPolicyChange(Box::new(PolicyChange {
                config: request::vault_config(&vault),
                added: Some(AccessPolicy {
                    tenant: world.tenant_id,
                    object_id: grantee,
                    keys: vec![],
                    secrets: vec!["get", "list"],
                    certificates: vec![],
                }),
                removed: None,
            }));
            session.push(Generated::Audit(ev));
        }
        1 | 2 => {
            let role = *rng.pick(&[
                management::ROLE_SECRETS_USER,
                management::ROLE_SECRETS_USER,
                management::ROLE_CRYPTO_USER,
                management::ROLE_SECRETS_OFFICER,
                management::ROLE_CRYPTO_OFFICER,
                management::ROLE_KEY_VAULT_ADMINISTRATOR,
            ]);
            let req = MgmtRequest::role_assignment(world, vi, rng.guid(), grantee, "ServicePrincipal", role);
            session.extend(management::pair(world, rng, t, &actor, &req).map(Generated::Management));
        }
        _ => {
            let mut req = MgmtRequest::diagnostic_setting(world, vi, "send-to-law", false);
            if rng.chance(80) {
                // A malformed setting (missing destination) is refused.
                req.http_status = 400;
            }
            session.extend(management::pair(world, rng, t, &actor, &req).map(Generated::Management));
        }
    }
}

/// Decommissioning the sandbox vault: an accidental delete recovered minutes later (day 1, 10:17), then the real
/// delete and the purge (day 2, 14:17). Enabled only for windows of at least two days.
fn decommission(world: &mut World, rng: &mut Rng, start: Ticks, h: usize, session: &mut Vec<Generated>) {
    const ACCIDENT_HOUR: usize = 10;
    const FINAL_HOUR: usize = 24 + 14;
    if h != ACCIDENT_HOUR && h != FINAL_HOUR {
        return;
    }
    let Some(vi) = world.vaults.iter().position(|v| v.retired) else {
        return;
    };
    let Some(admin) = world.users.iter().find(|u| u.admin) else {
        return;
    };
    let actor = Actor::person(&admin.principal, Client::Cli { linux: admin.linux_cli }, admin.office_ip);
    let t = start + h as Ticks * TICKS_PER_HOUR + 17 * TICKS_PER_MINUTE + rng.below(TICKS_PER_SECOND as u64) as Ticks;
    session.extend(
        management::pair(world, rng, t, &actor, &MgmtRequest::vault_delete(world, vi)).map(Generated::Management),
    );
    let ev = request::call(
        world,
        rng,
        t + 300 * TICKS_PER_MS,
        vi,
        Operation::VaultDelete,
        &Target::Vault,
        &actor,
        Outcome::Ok,
    );
    session.push(Generated::Audit(ev));
    if h == ACCIDENT_HOUR {
        // Recovered six minutes later: a vault PUT with createMode=recover.
        let rt = t + 6 * TICKS_PER_MINUTE;
        let v = &world.vaults[vi];
        let body = Node::obj().with("location", v.location).with(
            "properties",
            Node::obj()
                .with("tenantId", world.tenant_id.to_string())
                .with("sku", Node::obj().with("family", "A").with("name", "standard"))
                .with("createMode", "recover"),
        );
        session.extend(
            management::pair(world, rng, rt, &actor, &MgmtRequest::vault_write(world, vi, body))
                .map(Generated::Management),
        );
        let ev = request::call(
            world,
            rng,
            rt + 500 * TICKS_PER_MS,
            vi,
            Operation::VaultPut,
            &Target::Vault,
            &actor,
            Outcome::Ok,
        );
        session.push(Generated::Audit(ev));
    } else {
        let pt = t + 20 * TICKS_PER_MINUTE;
        session.extend(
            management::pair(world, rng, pt, &actor, &MgmtRequest::vault_purge(world, vi)).map(Generated::Management),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact() {
        assert_eq!(apportion(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0, 0]), vec![7, 0]);
        let w: Vec<u64> = (0..168).map(|i| (i % 24 + 1) * 13).collect();
        assert_eq!(apportion(1_000_003, &w).iter().sum::<u64>(), 1_000_003);
    }
}
