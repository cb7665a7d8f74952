//! Planted attacks for the demo dataset. Each scenario is scripted against the benign tenant (real vaults, real
//! identities with a benign history) so that a detector sees it exactly as it would in an investigation: a signal
//! standing out from a baseline, with the timing, clients and denial texts an actual intrusion produces.
//! DETECTIONS.md §7 gives the rule shapes; every scenario clears its thresholds with margin.

use std::rc::Rc;

use super::clients;
use super::management::{self, MgmtRequest};
use super::network::{self, ip_text, parse_ip};
use super::population::{ObjectKind, Principal, PrincipalKind, WorkloadRole, World};
use super::record::{AccessPolicy, Detail, Generated, Operation, PolicyChange};
use super::request::{self, Actor, Client, Outcome, Target};
use super::rng::Rng;
use super::time::{TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MINUTE, TICKS_PER_MS, TICKS_PER_SECOND, Ticks};

/// Attacker addresses (RFC 5737 documentation ranges: never Azure, never a real host).
pub const ENUMERATION_IP: &str = "203.0.113.77";
pub const MASS_RETRIEVAL_IP: &str = "203.0.113.200";
pub const SELF_GRANT_IP: &str = "198.51.100.61";
pub const TOKEN_REPLAY_IP: &str = "198.51.100.23";
pub const DESTRUCTION_IP: &str = "203.0.113.14";
/// The Tor exit used in the KV-14 scenario; the demo Tor list holds it among a few dozen others.
pub const TOR_EXIT_IP: &str = "192.0.2.66";

pub const BREAK_GLASS_SECRET: &str = "breakglass-admin-password";

/// What SCENARIOS.md says about one planted scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub number: u32,
    pub title: &'static str,
    pub rules: &'static str,
    pub actor: String,
    pub ip: String,
    pub vaults: Vec<String>,
    pub objects: Vec<String>,
    pub first: Ticks,
    pub last: Ticks,
    pub story: String,
}

/// The planted events (time-ordered) with their descriptions and the Tor list they rely on.
#[derive(Debug)]
pub struct Planted {
    pub events: Vec<Generated>,
    pub scenarios: Vec<Scenario>,
    pub tor_exits: Vec<u32>,
}

/// Accumulates one scenario's events.
struct Script<'w> {
    world: &'w World,
    rng: &'w mut Rng,
    events: Vec<Generated>,
}

impl Script<'_> {
    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        t: Ticks,
        vault: usize,
        op: Operation,
        target: Target,
        actor: &Actor,
        outcome: Outcome,
    ) -> usize {
        let ev = request::call(self.world, self.rng, t, vault, op, &target, actor, outcome);
        self.events.push(Generated::Audit(ev));
        self.events.len() - 1
    }

    /// The SDK's 401 challenge before the event at `index`.
    fn challenge_before(&mut self, index: usize) {
        if let Some(Generated::Audit(ev)) = self.events.get(index) {
            let ch = request::challenge(self.rng, ev);
            self.events.push(Generated::Audit(ch));
        }
    }

    fn mgmt(&mut self, t: Ticks, actor: &Actor, req: &MgmtRequest) {
        for m in management::pair(self.world, self.rng, t, actor, req) {
            self.events.push(Generated::Management(m));
        }
    }

    fn jitter(&mut self) -> Ticks {
        self.rng.below(TICKS_PER_SECOND as u64) as Ticks
    }

    /// Time span of what was scripted so far.
    fn span(&self) -> (Ticks, Ticks) {
        let first = self.events.iter().map(Generated::time).min().unwrap_or(0);
        let last = self.events.iter().map(Generated::time).max().unwrap_or(0);
        (first, last)
    }

    fn finish(self) -> Vec<Generated> {
        self.events
    }
}

fn at(start: Ticks, day: i64, hour: i64, minute: i64, second: i64) -> Ticks {
    start + day * TICKS_PER_DAY + hour * TICKS_PER_HOUR + minute * TICKS_PER_MINUTE + second * TICKS_PER_SECOND
}

/// Whole minutes between two instants (rounded up), for the scenario stories.
fn minutes(first: Ticks, last: Ticks) -> i64 {
    (last - first + TICKS_PER_MINUTE - 1) / TICKS_PER_MINUTE
}

fn secs(s: i64) -> Ticks {
    s * TICKS_PER_SECOND
}

fn upn_of(p: &Principal) -> String {
    p.upn().map(str::to_string).unwrap_or_else(|| p.display_name.clone())
}

fn ip(text: &str) -> u32 {
    parse_ip(text).unwrap_or(0)
}

/// Vault candidates for people-facing scenarios: production, reachable from the internet, active.
fn open_vaults(world: &World) -> Vec<usize> {
    let mut v: Vec<usize> = (0..world.vaults.len())
        .filter(|&i| {
            let v = &world.vaults[i];
            !v.retired && !v.firewall && !v.private_endpoint
        })
        .collect();
    // Production first, keeping index order within each group.
    v.sort_by_key(|&i| !world.vaults[i].production);
    v
}

/// Plants the demo scenarios into `world` (adding the objects they need) and returns their events.
pub fn plant(world: &mut World, seed: u64, start: Ticks) -> Planted {
    let mut rng = Rng::new(seed, 0x5CE7_A810);
    let open = open_vaults(world);

    // People for the scenarios: ordinary (non-admin) users with some history, and two admins.
    let ordinary: Vec<usize> =
        (0..world.users.len()).filter(|&i| !world.users[i].admin && !world.users[i].objects.is_empty()).collect();
    let admins: Vec<usize> = (0..world.users.len()).filter(|&i| world.users[i].admin).collect();
    let pick_user = |k: usize| ordinary.get(k % ordinary.len().max(1)).copied().unwrap_or(0);
    let u_portal = pick_user(0);
    let u_cert = pick_user(4);
    let u_phished = pick_user(2);
    let u_tor = pick_user(7);
    let a_grant = admins.first().copied().unwrap_or(0);
    let a_destroy = admins.get(1).copied().unwrap_or(a_grant);

    // Vaults, chosen up front (distinct where the tenant allows) so objects can be added before any event exists.
    let grant_vault = open
        .iter()
        .copied()
        .find(|&v| {
            !world.vaults[v].rbac && !world.users[a_grant].vaults.contains(&v) && world.vaults[v].secrets.len() >= 7
        })
        .or_else(|| open.iter().copied().find(|&v| !world.vaults[v].rbac))
        .unwrap_or(0);
    let destroy_vault = {
        let score = |v: usize| {
            let vault = &world.vaults[v];
            (vault.purge_protection as u32) * 4 + (vault.rbac as u32) * 2 + (!vault.production as u32)
        };
        let mut c: Vec<usize> =
            open.iter().copied().filter(|&v| world.vaults[v].secrets.len() >= 8 && v != grant_vault).collect();
        c.sort_by_key(|&v| score(v));
        c.first().copied().unwrap_or(open.first().copied().unwrap_or(0))
    };
    let taken = [grant_vault, destroy_vault];
    let bg_vault = open
        .iter()
        .copied()
        .find(|v| !world.users[u_portal].vaults.contains(v) && !taken.contains(v))
        .unwrap_or(grant_vault);
    let cert_vault = open
        .iter()
        .copied()
        .filter(|v| !world.users[u_cert].vaults.contains(v) && !taken.contains(v) && *v != bg_vault)
        .max_by_key(|&v| (world.vaults[v].production, !world.vaults[v].certificates.is_empty(), std::cmp::Reverse(v)))
        .unwrap_or(bg_vault);

    world.add_object(&mut rng, bg_vault, ObjectKind::Secret, BREAK_GLASS_SECRET);
    let cert = match world.vaults[cert_vault].certificates.first() {
        Some(&c) => c,
        None => world.add_object(&mut rng, cert_vault, ObjectKind::Certificate, "wildcard-contoso-com"),
    };
    let cert_name = world.objects[cert].name.clone();
    // The certificate's addressable secret: same name, same version, PKCS#12 content.
    let cert_secret = match world.find_object(cert_vault, ObjectKind::Secret, &cert_name) {
        Some(s) => s,
        None => world.add_object(&mut rng, cert_vault, ObjectKind::Secret, &cert_name),
    };
    world.objects[cert_secret].version = world.objects[cert].version;
    world.objects[cert_secret].content_type = Some("application/x-pkcs12");
    if world.vaults[destroy_vault].keys.is_empty() {
        world.add_object(&mut rng, destroy_vault, ObjectKind::Key, "backup-encryption");
    }

    let world: &World = world;
    let mut scenarios = Vec::new();
    let mut events = Vec::new();
    let tor_exits = tor_list(&mut rng);

    // 1. KV-06: portal viewing of the break-glass secret, late evening from home.
    {
        let user = &world.users[u_portal];
        let home = user.home_ips.first().copied().unwrap_or(user.office_ip);
        let actor = Actor::person(&user.principal, Client::Portal(user.browser), home);
        let bg = world.find_object(bg_vault, ObjectKind::Secret, BREAK_GLASS_SECRET).unwrap_or(0);
        let mut s = Script { world, rng: &mut rng, events: Vec::new() };
        let t0 = at(start, 1, 21, 47, 2) + s.jitter();
        s.call(t0, bg_vault, Operation::VaultGet, Target::Vault, &actor, Outcome::Ok);
        s.call(t0 + secs(38), bg_vault, Operation::SecretList, Target::Collection, &actor, Outcome::Ok);
        let obj = Target::Object { index: bg, versioned: true };
        s.call(t0 + secs(81), bg_vault, Operation::SecretListVersions, obj.clone(), &actor, Outcome::Ok);
        s.call(t0 + secs(125), bg_vault, Operation::SecretGet, obj, &actor, Outcome::Ok);
        let (first, last) = s.span();
        scenarios.push(Scenario {
            number: 1,
            title: "Portal viewing of a break-glass secret",
            rules: "KV-06 (no prior SecretGet by this user on the vault), KV-17",
            actor: format!(
                "{} (oid {}), Azure Portal appid {}",
                upn_of(&user.principal),
                user.principal.oid,
                clients::AZURE_PORTAL_APPID
            ),
            ip: format!("{} (the user's home ISP address)", ip_text(home)),
            vaults: vec![world.vaults[bg_vault].name.clone()],
            objects: vec![format!("secrets/{BREAK_GLASS_SECRET}")],
            first,
            last,
            story: "A user who never reads this vault opens it in the portal at 21:47 UTC and reveals the break-glass \
                    account password: VaultGet → SecretList → SecretListVersions → SecretGet, gaps of 38–44 s, \
                    browser user agent, portal cache-buster (`&_=`) in the request URIs."
                .to_string(),
        });
        events.extend(s.finish());
    }

    // 2. KV-07: certificate with private key exported through its addressable secret.
    {
        let user = &world.users[u_cert];
        let home = user.home_ips.last().copied().unwrap_or(user.office_ip);
        let actor = Actor::person(&user.principal, Client::Portal(user.browser), home);
        let mut s = Script { world, rng: &mut rng, events: Vec::new() };
        let t0 = at(start, 1, 19, 12, 30) + s.jitter();
        s.call(t0, cert_vault, Operation::VaultGet, Target::Vault, &actor, Outcome::Ok);
        s.call(t0 + secs(25), cert_vault, Operation::CertificateList, Target::Collection, &actor, Outcome::Ok);
        let c = Target::Object { index: cert, versioned: false };
        s.call(t0 + secs(65), cert_vault, Operation::CertificateGet, c, &actor, Outcome::Ok);
        let cv = Target::Object { index: cert, versioned: true };
        s.call(t0 + secs(66), cert_vault, Operation::CertificateListVersions, cv.clone(), &actor, Outcome::Ok);
        s.call(t0 + secs(97), cert_vault, Operation::CertificateGet, cv, &actor, Outcome::Ok);
        let sec = Target::Object { index: cert_secret, versioned: true };
        s.call(t0 + secs(152), cert_vault, Operation::SecretGet, sec, &actor, Outcome::Ok);
        let (first, last) = s.span();
        scenarios.push(Scenario {
            number: 2,
            title: "Certificate private key exported (Download in PFX/PEM format)",
            rules: "KV-07, KV-17",
            actor: format!("{} (oid {}), Azure Portal", upn_of(&user.principal), user.principal.oid),
            ip: ip_text(home),
            vaults: vec![world.vaults[cert_vault].name.clone()],
            objects: vec![format!("certificates/{cert_name}"), format!("secrets/{cert_name} (PKCS#12, same version)")],
            first,
            last,
            story: "CertificateList → CertificateGet → CertificateListVersions → CertificateGet (version) → SecretGet \
                    on the certificate's addressable secret (`secrets/<certificate name>/<certificate version>`) 55 s \
                    after the last CertificateGet: the private key left the vault as a PFX."
                .to_string(),
        });
        events.extend(s.finish());
    }

    // 3. KV-08: cross-vault enumeration with a phished user token from a scripted client.
    {
        let user = &world.users[u_phished];
        let addr = ip(ENUMERATION_IP);
        let actor = Actor::person(&user.principal, Client::Scripted(clients::PYTHON_REQUESTS_UA), addr);
        let targets: Vec<usize> = open.iter().copied().filter(|v| !user.vaults.contains(v)).take(5).collect();
        let mut s = Script { world, rng: &mut rng, events: Vec::new() };
        let mut t = at(start, 0, 2, 13, 7) + s.jitter();
        let mut denied = 0;
        for (k, &vi) in targets.iter().enumerate() {
            let ops: &[(Operation, Option<&str>)] = &[
                (Operation::SecretList, None),
                (Operation::KeyList, None),
                (Operation::CertificateList, None),
                (Operation::SecretGet, Some("admin-password")),
                (Operation::SecretGet, Some("sql-admin-password")),
            ];
            for (j, &(op, name)) in ops.iter().enumerate() {
                let target = match name {
                    Some(n) => Target::Missing { kind: ObjectKind::Secret, name: n.to_string() },
                    None => Target::Collection,
                };
                let i = s.call(t, vi, op, target, &actor, Outcome::Denied);
                if k == 0 && j == 0 {
                    s.challenge_before(i);
                }
                denied += 1;
                t += s.rng.range(4, 40) as Ticks * TICKS_PER_SECOND + s.jitter();
            }
            t += s.rng.range(60, 180) as Ticks * TICKS_PER_SECOND;
        }
        let denials_span = s.span();
        // Then the user's own vault, where the stolen token works.
        let own: Vec<usize> =
            user.objects.iter().copied().filter(|&o| world.objects[o].kind == ObjectKind::Secret).collect();
        let mut looted = Vec::new();
        if let Some(&first_obj) = own.first() {
            let vi = world.objects[first_obj].vault;
            s.call(t, vi, Operation::SecretList, Target::Collection, &actor, Outcome::Ok);
            for &o in own.iter().filter(|&&o| world.objects[o].vault == vi).take(2) {
                t += s.rng.range(3, 15) as Ticks * TICKS_PER_SECOND;
                s.call(t, vi, Operation::SecretGet, Target::Object { index: o, versioned: false }, &actor, Outcome::Ok);
                looted.push(format!("{}/secrets/{}", world.vaults[vi].name, world.objects[o].name));
            }
        }
        let (first, last) = s.span();
        let mut vaults: Vec<String> = targets.iter().map(|&v| world.vaults[v].name.clone()).collect();
        vaults.push("(own vault: see objects)".to_string());
        let mut objects = vec!["secret names guessed: admin-password, sql-admin-password".to_string()];
        objects.extend(looted);
        scenarios.push(Scenario {
            number: 3,
            title: "Cross-vault enumeration with denials from one address",
            rules: "KV-08, KV-19 (python-requests), KV-17",
            actor: format!(
                "{} (oid {}), token for Azure CLI appid {} obtained by device-code phishing",
                upn_of(&user.principal),
                user.principal.oid,
                clients::AZURE_CLI_APPID
            ),
            ip: ENUMERATION_IP.to_string(),
            vaults,
            objects,
            first,
            last,
            story: format!(
                "At 02:13 UTC a script walks {} vaults: SecretList, KeyList, CertificateList and two guessed SecretGets \
                 on each, {denied} denials (403, isAccessPolicyMatch/isRbacAuthorized false, denial text naming the \
                 caller) within {} minutes, then lists and reads secrets in the one vault the user can read.",
                targets.len(),
                minutes(denials_span.0, denials_span.1)
            ),
        });
        events.extend(s.finish());
    }

    // 4. KV-03 + KV-04 (+ KV-02, KV-01 hourly): access-policy self-grant, dump, cleanup.
    {
        let admin = &world.users[a_grant];
        let addr = ip(SELF_GRANT_IP);
        let actor = Actor::person(&admin.principal, Client::Cli { linux: false }, addr);
        let vi = grant_vault;
        let vault = Rc::clone(&world.vaults[vi]);
        let oid = admin.principal.oid;
        let policy = AccessPolicy {
            tenant: world.tenant_id,
            object_id: oid,
            keys: vec![],
            secrets: vec!["get", "list"],
            certificates: vec![],
        };
        let mut s = Script { world, rng: &mut rng, events: Vec::new() };
        let t0 = at(start, 1, 3, 22, 15) + s.jitter();
        s.mgmt(t0, &actor, &MgmtRequest::access_policy(world, vi, "add", oid, &["get", "list"]));
        let i = s.call(t0 + 400 * TICKS_PER_MS, vi, Operation::VaultPatch, Target::Vault, &actor, Outcome::Ok);
        if let Some(Generated::Audit(ev)) = s.events.get_mut(i) {
            ev.request_uri = ev.request_uri.replacen("?api-version", "/accessPolicies/add?api-version", 1);
            ev.detail = Detail::AccessPolicyChange(Box::new(PolicyChange {
                config: request::vault_config(&vault),
                added: Some(policy.clone()),
                removed: None,
            }));
        }
        let mut t = t0 + secs(52);
        let li = s.call(t, vi, Operation::SecretList, Target::Collection, &actor, Outcome::Ok);
        s.challenge_before(li);
        let secrets: Vec<usize> =
            vault.secrets.iter().copied().filter(|&o| world.objects[o].name != BREAK_GLASS_SECRET).take(7).collect();
        let mut names = Vec::new();
        for &o in &secrets {
            t += s.rng.range(12, 35) as Ticks * TICKS_PER_SECOND + s.jitter();
            s.call(t, vi, Operation::SecretGet, Target::Object { index: o, versioned: false }, &actor, Outcome::Ok);
            names.push(format!("secrets/{}", world.objects[o].name));
        }
        let t_remove = t0 + 7 * TICKS_PER_MINUTE + secs(31);
        s.mgmt(t_remove, &actor, &MgmtRequest::access_policy(world, vi, "remove", oid, &["get", "list"]));
        let i = s.call(t_remove + 350 * TICKS_PER_MS, vi, Operation::VaultPatch, Target::Vault, &actor, Outcome::Ok);
        if let Some(Generated::Audit(ev)) = s.events.get_mut(i) {
            ev.request_uri = ev.request_uri.replacen("?api-version", "/accessPolicies/remove?api-version", 1);
            ev.detail = Detail::AccessPolicyChange(Box::new(PolicyChange {
                config: request::vault_config(&vault),
                added: None,
                removed: Some(policy),
            }));
        }
        let (first, last) = s.span();
        scenarios.push(Scenario {
            number: 4,
            title: "Access-policy self-grant, secret dump, cleanup",
            rules: "KV-03, KV-04 (High: reads in between), KV-02, KV-01 (hourly form), KV-17",
            actor: format!("{} (oid {}), Azure CLI, holds Key Vault Contributor", upn_of(&admin.principal), oid),
            ip: SELF_GRANT_IP.to_string(),
            vaults: vec![vault.name.clone()],
            objects: names,
            first,
            last,
            story: format!(
                "Activity Log `Microsoft.KeyVault/vaults/accessPolicies/write` + AuditEvent VaultPatch with \
                 addedAccessPolicy.ObjectId = the caller's own oid (secrets get/list); 52 s later SecretList and \
                 {} SecretGets; 7 min 31 s after the grant the same policy is removed (VaultPatch with \
                 removedAccessPolicy, second accessPolicies/write).",
                secrets.len()
            ),
        });
        events.extend(s.finish());
    }

    // 5. KV-14 (+ KV-12): stolen token replayed through Tor.
    {
        let user = &world.users[u_tor];
        let addr = ip(TOR_EXIT_IP);
        let mut actor = Actor::person(&user.principal, Client::Ide, addr);
        actor.token_ip = Some(user.office_ip);
        let mut s = Script { world, rng: &mut rng, events: Vec::new() };
        let mut t = at(start, 2, 0, 41, 19) + s.jitter();
        let own: Vec<usize> = user.objects.clone();
        let mut touched = Vec::new();
        let mut vaults = Vec::new();
        if let Some(&o0) = own.first() {
            let vi = world.objects[o0].vault;
            vaults.push(world.vaults[vi].name.clone());
            let li = s.call(t, vi, Operation::SecretList, Target::Collection, &actor, Outcome::Ok);
            s.challenge_before(li);
            for &o in own.iter().filter(|&&o| world.objects[o].kind == ObjectKind::Secret).take(3) {
                t += s.rng.range(20, 90) as Ticks * TICKS_PER_SECOND;
                let ov = world.objects[o].vault;
                if !vaults.contains(&world.vaults[ov].name) {
                    vaults.push(world.vaults[ov].name.clone());
                }
                s.call(t, ov, Operation::SecretGet, Target::Object { index: o, versioned: false }, &actor, Outcome::Ok);
                touched.push(format!("{}/secrets/{}", world.vaults[ov].name, world.objects[o].name));
            }
        }
        let other = open.iter().copied().find(|v| !user.vaults.contains(v) && *v != bg_vault).unwrap_or(0);
        vaults.push(format!("{} (denied)", world.vaults[other].name));
        for name in ["sql-admin-password", "storage-account-key", "client-secret"] {
            t += s.rng.range(30, 120) as Ticks * TICKS_PER_SECOND;
            let target = Target::Missing { kind: ObjectKind::Secret, name: name.to_string() };
            s.call(t, other, Operation::SecretGet, target, &actor, Outcome::Denied);
            touched.push(format!("{}/secrets/{name} (403)", world.vaults[other].name));
        }
        let (first, last) = s.span();
        scenarios.push(Scenario {
            number: 5,
            title: "Secret reads from a Tor exit node",
            rules: "KV-14 (High: some succeeded), KV-12 (token ipaddr = office address), KV-17",
            actor: format!("{} (oid {}), Visual Studio token, Python SDK agent", upn_of(&user.principal), user.principal.oid),
            ip: format!("{TOR_EXIT_IP} (listed in intel/tor-exit-nodes.txt; token ipaddr {})", ip_text(user.office_ip)),
            vaults,
            objects: touched,
            first,
            last,
            story: format!(
                "Shortly after midnight on Saturday the user's token is used from a Tor exit for {} minutes: SecretList \
                 and SecretGets succeed on the user's own vaults, then three SecretGets on a vault the user has no \
                 access to are denied.",
                minutes(first, last)
            ),
        });
        events.extend(s.finish());
    }

    // 6. KV-11: a managed identity's token replayed from outside Azure.
    {
        let mi = world
            .workloads
            .iter()
            .find(|w| {
                w.role == WorkloadRole::App
                    && matches!(w.principal.kind, PrincipalKind::ManagedIdentity { .. })
                    && w.ips.iter().all(|&a| network::is_azure(a))
                    && w.objects.iter().any(|&o| world.objects[o].kind == ObjectKind::Secret)
            })
            .or_else(|| world.workloads.first());
        if let Some(w) = mi {
            let addr = ip(TOKEN_REPLAY_IP);
            let mut actor = Actor::workload(w, addr);
            actor.client = Client::Scripted(clients::CURL_UA);
            let mut s = Script { world, rng: &mut rng, events: Vec::new() };
            let mut t = at(start, 1, 16, 8, 44) + s.jitter();
            let mut names = Vec::new();
            let mut vaults = Vec::new();
            for &o in w.objects.iter().filter(|&&o| world.objects[o].kind == ObjectKind::Secret).cycle().take(4) {
                let vi = world.objects[o].vault;
                s.call(t, vi, Operation::SecretGet, Target::Object { index: o, versioned: false }, &actor, Outcome::Ok);
                let n = format!("secrets/{}", world.objects[o].name);
                if !names.contains(&n) {
                    names.push(n);
                }
                if !vaults.contains(&world.vaults[vi].name) {
                    vaults.push(world.vaults[vi].name.clone());
                }
                t += s.rng.range(25, 70) as Ticks * TICKS_PER_SECOND + s.jitter();
            }
            let (first, last) = s.span();
            let mirid = match &w.principal.kind {
                PrincipalKind::ManagedIdentity { mirid, .. } => mirid.clone(),
                _ => String::new(),
            };
            scenarios.push(Scenario {
                number: 6,
                title: "Managed identity token used from outside Azure",
                rules: "KV-11, KV-19 (curl), KV-17",
                actor: format!(
                    "managed identity {} (oid {}, appid {}), xms_mirid {}",
                    w.principal.display_name,
                    w.principal.oid,
                    w.principal.own_appid().unwrap_or_default(),
                    mirid
                ),
                ip: format!(
                    "{TOKEN_REPLAY_IP} (outside every prefix of the demo service tags; the identity's normal addresses: {})",
                    w.ips.iter().map(|&a| ip_text(a)).collect::<Vec<_>>().join(", ")
                ),
                vaults,
                objects: names,
                first,
                last,
                story: format!(
                    "A token taken from the workload's IMDS endpoint is replayed with curl from a non-Azure address: \
                     four successful SecretGets of the identity's usual secrets within {} minutes; before and after, \
                     the identity calls only from its Azure addresses.",
                    minutes(first, last)
                ),
            });
            events.extend(s.finish());
        }
    }

    // 7. KV-26 → KV-22 → KV-23: blinding, then destruction.
    {
        let admin = &world.users[a_destroy];
        let addr = ip(DESTRUCTION_IP);
        let actor = Actor::person(&admin.principal, Client::Cli { linux: true }, addr);
        let vi = destroy_vault;
        let vault = Rc::clone(&world.vaults[vi]);
        let mut s = Script { world, rng: &mut rng, events: Vec::new() };
        let t0 = at(start, 2, 4, 10, 33) + s.jitter();
        let setting = vault.diagnostic_settings.first().cloned().unwrap_or_else(|| "send-to-law".to_string());
        s.mgmt(t0, &actor, &MgmtRequest::diagnostic_setting(world, vi, &setting, true));
        let mut t = t0 + secs(184);
        let li = s.call(t, vi, Operation::SecretList, Target::Collection, &actor, Outcome::Ok);
        s.challenge_before(li);
        let victims: Vec<usize> =
            vault.secrets.iter().copied().filter(|&o| world.objects[o].name != BREAK_GLASS_SECRET).take(7).collect();
        let mut names = Vec::new();
        for &o in &victims {
            t += s.rng.range(15, 50) as Ticks * TICKS_PER_SECOND + s.jitter();
            s.call(t, vi, Operation::SecretDelete, Target::Object { index: o, versioned: false }, &actor, Outcome::Ok);
            names.push(format!("secrets/{}", world.objects[o].name));
        }
        for &o in &victims {
            t += s.rng.range(8, 25) as Ticks * TICKS_PER_SECOND + s.jitter();
            s.call(t, vi, Operation::SecretPurge, Target::Object { index: o, versioned: false }, &actor, Outcome::Ok);
        }
        let key = vault.keys.first().copied().unwrap_or(0);
        t += secs(40);
        s.call(t, vi, Operation::KeyDelete, Target::Object { index: key, versioned: false }, &actor, Outcome::Ok);
        t += secs(21);
        s.call(t, vi, Operation::KeyPurge, Target::Object { index: key, versioned: false }, &actor, Outcome::Denied);
        names.push(format!("keys/{} (deleted; purge denied: no keys purge permission)", world.objects[key].name));
        let (first, last) = s.span();
        scenarios.push(Scenario {
            number: 7,
            title: "Diagnostic setting deleted, then secrets deleted and purged",
            rules: "KV-26, KV-22, KV-23 (incl. the failed KeyPurge), KV-17",
            actor: format!("{} (oid {}), Azure CLI on Linux", upn_of(&admin.principal), admin.principal.oid),
            ip: DESTRUCTION_IP.to_string(),
            vaults: vec![vault.name.clone()],
            objects: names,
            first,
            last,
            story: format!(
                "Activity Log `Microsoft.Insights/diagnosticSettings/delete` on `{setting}` (the setting that feeds \
                 Log Analytics), then within {m} minutes {n} SecretDeletes, {n} SecretPurges (204), a KeyDelete and a \
                 KeyPurge refused for lack of the purge permission. In reality AuditEvents after the deletion are \
                 only recorded because the vault keeps a second diagnostic setting (`archive-to-storage`, to a \
                 storage account) — the attacker removed the one the SOC watches. The data-plane events are \
                 therefore present in this dataset.",
                n = victims.len(),
                m = minutes(first, last)
            ),
        });
        events.extend(s.finish());
    }

    // 8. KV-01 (+ KV-02, KV-11, KV-19): mass retrieval by a forgotten service principal.
    {
        let sp = Rc::new(Principal {
            oid: rng.guid(),
            display_name: "sp-legacy-backup".to_string(),
            kind: PrincipalKind::ServicePrincipal { appid: rng.guid(), acr: "1" },
        });
        let addr = ip(MASS_RETRIEVAL_IP);
        let actor = Actor {
            appid: sp.own_appid().unwrap_or_default(),
            principal: Rc::clone(&sp),
            acr: "1",
            client: Client::Scripted(clients::PYTHON_REQUESTS_UA),
            ip: addr,
            token_ip: None,
        };
        let pair: Vec<usize> = open
            .iter()
            .copied()
            .filter(|&v| world.vaults[v].secrets.len() >= 8 && v != destroy_vault && v != grant_vault)
            .take(2)
            .collect();
        let mut s = Script { world, rng: &mut rng, events: Vec::new() };
        let t0 = at(start, 0, 22, 31, 4) + s.jitter();
        let mut t = t0;
        let mut all = Vec::new();
        for &vi in &pair {
            let take = if all.is_empty() { 8 } else { 7 };
            let chosen: Vec<usize> = world.vaults[vi]
                .secrets
                .iter()
                .copied()
                .filter(|&o| {
                    world.objects[o].name != BREAK_GLASS_SECRET
                        && world.objects[o].content_type != Some("application/x-pkcs12")
                })
                .take(take)
                .collect();
            all.extend(chosen.iter().map(|&o| (vi, o)));
        }
        let mut gets = 0;
        for round in 0..4 {
            let mut listed = Vec::new();
            for &(vi, o) in &all {
                if !listed.contains(&vi) {
                    s.call(t, vi, Operation::SecretList, Target::Collection, &actor, Outcome::Ok);
                    listed.push(vi);
                    t += s.rng.range(300, 900) as Ticks * TICKS_PER_MS;
                }
                s.call(t, vi, Operation::SecretGet, Target::Object { index: o, versioned: false }, &actor, Outcome::Ok);
                gets += 1;
                t += s.rng.range(400, 2500) as Ticks * TICKS_PER_MS;
            }
            t += s.rng.range(6, 11) as Ticks * TICKS_PER_MINUTE + round * TICKS_PER_MINUTE;
        }
        let (first, last) = s.span();
        scenarios.push(Scenario {
            number: 8,
            title: "Mass secret retrieval by a forgotten service principal",
            rules: "KV-01 (daily, burst and hourly forms), KV-02, KV-11, KV-19 (python-requests), KV-17",
            actor: format!(
                "service principal sp-legacy-backup (oid {}, appid {}, client secret)",
                sp.oid,
                sp.own_appid().unwrap_or_default()
            ),
            ip: MASS_RETRIEVAL_IP.to_string(),
            vaults: pair.iter().map(|&v| world.vaults[v].name.clone()).collect(),
            objects: vec![format!("{} distinct secrets, {gets} SecretGets", all.len())],
            first,
            last,
            story: format!(
                "Four passes of list-then-get over {} secrets in two vaults within {} minutes: {gets} successful \
                 SecretGets, the first pass ({} calls) inside one minute.",
                all.len(),
                minutes(first, last),
                all.len() + pair.len()
            ),
        });
        events.extend(s.finish());
    }

    events.sort_by_key(Generated::time);
    scenarios.sort_by_key(|s| s.first);
    Planted { events, scenarios, tor_exits }
}

/// A few dozen exit addresses in 192.0.2.0/24 (TEST-NET-1), including the scenario's.
fn tor_list(rng: &mut Rng) -> Vec<u32> {
    let base = ip("192.0.2.0");
    let wanted = ip(TOR_EXIT_IP);
    let mut out = vec![wanted];
    while out.len() < 40 {
        let a = base + rng.range(2, 254) as u32;
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out.sort_unstable();
    out
}
