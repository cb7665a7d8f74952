//! The synthetic tenant: subscriptions, vaults with their secrets/keys/certificates, and the identities that use
//! them (people, service principals, managed identities, Azure's own indexers), each with its network origins.
//!
//! Sizes scale with the requested event count so that a 10k-event sample has a dozen vaults and a 1M-event dataset
//! has ~40 vaults and thousands of identities — the cardinalities a facet UI and a detector must cope with.
//! Every access binding is deliberately small (≤ 5 objects per identity): that is how real applications behave and it
//! keeps benign traffic from tripping the mass-retrieval thresholds the planted scenarios are meant to trip.

use std::rc::Rc;

use super::clients::{SDK_WEIGHTS, SDKS, Sdk};
use super::names;
use super::network::{self, AZURE_REGIONS};
use super::rng::{Guid, Rng, Zipf};

/// The tenant's primary domain (Microsoft's documentation company).
pub const DOMAIN: &str = "contoso.com";

#[derive(Debug)]
pub struct Subscription {
    pub id: Guid,
    pub name: String,
    pub production: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Secret,
    Key,
    Certificate,
}

/// A secret, key or certificate inside a vault. `version` changes when the object is rotated.
#[derive(Debug, Clone)]
pub struct KvObject {
    pub vault: usize,
    pub kind: ObjectKind,
    pub name: String,
    pub version: u128,
    /// Secrets: `contentType`, e.g. `text/plain`; certificates: always PKCS#12.
    pub content_type: Option<&'static str>,
    /// Keys: `RSA-HSM`, `RSA`, `EC`.
    pub key_type: &'static str,
    pub key_size: u32,
    /// Certificates: subject and SHA-1 thumbprint.
    pub subject: String,
    pub thumbprint: String,
    /// Creation time offset of the current version in days before the dataset start (for cert nbf/exp).
    pub age_days: i64,
}

impl KvObject {
    pub fn version_hex(&self) -> String {
        format!("{:032x}", self.version)
    }

    pub fn collection(&self) -> &'static str {
        match self.kind {
            ObjectKind::Secret => "secrets",
            ObjectKind::Key => "keys",
            ObjectKind::Certificate => "certificates",
        }
    }
}

/// A Key Vault with its ARM identity precomputed in the three casings the formats use.
#[derive(Debug)]
pub struct Vault {
    pub name: String,
    pub subscription: Guid,
    pub resource_group: String,
    pub location: &'static str,
    pub tenant: Guid,
    /// Azure RBAC permission model (`isRbacAuthorized`) rather than access policies (`isAccessPolicyMatch`).
    pub rbac: bool,
    pub purge_protection: bool,
    pub soft_delete_days: u32,
    /// Firewall on (`networkAcls.defaultAction = Deny`): requests carry `addrAuthType`.
    pub firewall: bool,
    /// Reached through a private endpoint: callers show VNet addresses.
    pub private_endpoint: bool,
    pub production: bool,
    /// `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>` (ARM casing).
    pub arm_id: String,
    /// Upper-case resource id, as in raw AuditEvent `resourceId`.
    pub upper_id: String,
    /// Lower-case resource id, as in Log Analytics `_ResourceId`.
    pub lower_id: String,
    /// `https://<name>.vault.azure.net/`
    pub uri: String,
    pub secrets: Vec<usize>,
    pub keys: Vec<usize>,
    pub certificates: Vec<usize>,
    /// Names of the vault's diagnostic settings (the first sends to Log Analytics, the second to storage).
    pub diagnostic_settings: Vec<String>,
    /// A sandbox vault being decommissioned: no data-plane traffic, only delete/recover/purge on the control plane.
    pub retired: bool,
}

impl Vault {
    pub fn host(&self) -> String {
        format!("{}.vault.azure.net", self.name)
    }
}

#[derive(Debug)]
pub enum PrincipalKind {
    User {
        upn: String,
        given_name: String,
        surname: String,
        numgroups: u32,
    },
    ServicePrincipal {
        appid: Guid,
        /// `appidacr`: "1" client secret, "2" certificate.
        acr: &'static str,
    },
    ManagedIdentity {
        appid: Guid,
        mirid: String,
        az_rid: Option<String>,
    },
    /// A Microsoft first-party service principal in the tenant (Resource Graph, Policy Insights).
    FirstParty {
        appid: &'static str,
    },
}

/// An Entra ID principal.
#[derive(Debug)]
pub struct Principal {
    pub oid: Guid,
    pub display_name: String,
    pub kind: PrincipalKind,
}

impl Principal {
    pub fn upn(&self) -> Option<&str> {
        match &self.kind {
            PrincipalKind::User { upn, .. } => Some(upn),
            _ => None,
        }
    }

    /// The app's own client id (None for users, whose app id is the client tool's).
    pub fn own_appid(&self) -> Option<String> {
        match &self.kind {
            PrincipalKind::User { .. } => None,
            PrincipalKind::ServicePrincipal { appid, .. } | PrincipalKind::ManagedIdentity { appid, .. } => {
                Some(appid.to_string())
            }
            PrincipalKind::FirstParty { appid } => Some((*appid).to_string()),
        }
    }

    pub fn is_user(&self) -> bool {
        matches!(self.kind, PrincipalKind::User { .. })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadRole {
    /// An application reading its secrets / using its keys at run time.
    App,
    /// A CI/CD service principal running `terraform plan/apply`.
    Terraform,
}

/// A non-human identity and what it does.
#[derive(Debug)]
pub struct Workload {
    pub principal: Rc<Principal>,
    pub role: WorkloadRole,
    pub sdk: Sdk,
    pub objects: Vec<usize>,
    /// Outbound addresses (Azure datacentre or private-endpoint VNet addresses), most-used first.
    pub ips: Vec<u32>,
}

/// How a person reaches Key Vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Cli,
    PowerShell,
    Portal,
    /// Local debugging from an IDE with `DefaultAzureCredential` (Visual Studio token, Python SDK).
    Ide,
}

pub const TOOLS: &[Tool] = &[Tool::Cli, Tool::PowerShell, Tool::Portal, Tool::Ide];

#[derive(Debug)]
pub struct User {
    pub principal: Rc<Principal>,
    pub objects: Vec<usize>,
    pub vaults: Vec<usize>,
    pub office_ip: u32,
    pub home_ips: Vec<u32>,
    pub tool_weights: [u32; 4],
    pub browser: &'static str,
    pub linux_cli: bool,
    /// Platform engineers who change vault configuration (the Activity Log side).
    pub admin: bool,
}

/// The whole synthetic tenant.
#[derive(Debug)]
pub struct World {
    pub tenant_id: Guid,
    /// Log Analytics workspace id (the `TenantId` column of workspace tables).
    pub workspace_id: Guid,
    pub workspace_arm_id: String,
    pub management_group: String,
    pub subscriptions: Vec<Subscription>,
    pub vaults: Vec<Rc<Vault>>,
    pub objects: Vec<KvObject>,
    pub workloads: Vec<Workload>,
    pub users: Vec<User>,
    pub resource_graph: Rc<Principal>,
    pub policy_insights: Rc<Principal>,
    /// Addresses Azure's own services (Resource Graph, Policy, ARM) call from.
    pub service_ips: Vec<u32>,
    pub workload_pick: Zipf,
    pub user_pick: Zipf,
    pub vault_pick: Zipf,
}

/// Vault count: 12 at 10k events, ~37 at 1M (fourth root of the event count), at least 4.
pub fn vault_count(events: u64) -> usize {
    let r = (events.saturating_mul(10_000)).isqrt().isqrt();
    ((12 * r / 100) as usize).clamp(4, 64)
}

/// Identity count: one per ~300 events, between 30 and 5000.
pub fn identity_count(events: u64) -> usize {
    ((events / 300) as usize).clamp(30, 5000)
}

impl World {
    pub fn build(seed: u64, events: u64) -> World {
        let mut rng = Rng::new(seed, 0x9090_0001);
        let tenant_id = rng.guid();
        let workspace_id = rng.guid();

        let vault_total = vault_count(events);
        let sub_total = (2 + vault_total / 20).clamp(2, 4);
        let sub_names = ["sub-prod-001", "sub-nonprod-001", "sub-shared-services", "sub-data-platform"];
        let subscriptions: Vec<Subscription> = (0..sub_total)
            .map(|i| Subscription { id: rng.guid(), name: sub_names[i].to_string(), production: i != 1 })
            .collect();
        let workspace_arm_id = format!(
            "/subscriptions/{}/resourceGroups/rg-monitoring-prod/providers/Microsoft.OperationalInsights/workspaces/law-contoso-prod",
            subscriptions[0].id
        );

        let mut vaults = Vec::new();
        let mut objects = Vec::new();
        let mut used = std::collections::HashSet::new();
        while vaults.len() < vault_total {
            let area = *rng.pick(names::AREAS);
            let env = names::ENVS[rng.weighted(names::ENV_WEIGHTS)];
            let name = format!("kv-{area}-{env}");
            if !used.insert(name.clone()) {
                continue;
            }
            let production = env.starts_with("pr");
            let location = match env {
                "prod-ne" => "northeurope",
                "prd-we" => "westeurope",
                _ => AZURE_REGIONS[rng.weighted(&[45, 20, 15, 12, 8])].name,
            };
            let candidates: Vec<usize> =
                (0..subscriptions.len()).filter(|&i| subscriptions[i].production == production).collect();
            let sub_index = if candidates.is_empty() { 0 } else { candidates[rng.index(candidates.len())] };
            let subscription = subscriptions[sub_index].id;
            let env_short = if production { "prod" } else { env };
            let resource_group = format!("rg-{area}-{env_short}");
            let arm_id = format!(
                "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.KeyVault/vaults/{name}"
            );
            let vault_index = vaults.len();
            let mut vrng = rng.fork(vault_index as u64);
            let (secrets, keys, certificates) = make_objects(&mut vrng, vault_index, production, area, &mut objects);
            let firewall = production && vrng.chance(300);
            let vault = Vault {
                upper_id: arm_id.to_uppercase(),
                lower_id: arm_id.to_lowercase(),
                arm_id,
                uri: format!("https://{name}.vault.azure.net/"),
                name,
                subscription,
                resource_group,
                location,
                tenant: tenant_id,
                rbac: vrng.chance(600),
                purge_protection: production && vrng.chance(700),
                soft_delete_days: if vrng.chance(800) { 90 } else { 7 },
                firewall,
                private_endpoint: production && !firewall && vrng.chance(150),
                production,
                secrets,
                keys,
                certificates,
                diagnostic_settings: vec!["send-to-law".to_string(), "archive-to-storage".to_string()],
                retired: false,
            };
            vaults.push(Rc::new(vault));
        }
        // Busy vaults first: production vaults carry most of the traffic.
        let vault_pick = Zipf::with_weights(vaults.iter().enumerate().map(|(i, v)| {
            let base = 1_000_000 / (i as u64 + 2);
            if v.production { base * 3 } else { base }
        }));

        // Shared outbound address pools per region (App Service / AKS egress addresses are shared by many apps).
        let total = identity_count(events);
        let pool_per_region = (total / 12).clamp(4, 120);
        let pools: Vec<Vec<u32>> = AZURE_REGIONS
            .iter()
            .map(|r| (0..pool_per_region).map(|_| network::random_azure(r.name, &mut rng)).collect())
            .collect();
        let pool_pick = Zipf::new(pool_per_region);
        let service_ips: Vec<u32> =
            (0..6).map(|i| network::random_azure(AZURE_REGIONS[i % 3].name, &mut rng)).collect();

        let user_total = total * 45 / 100;
        let workload_total = total - user_total;
        let terraform_total = (vault_total / 10).max(1);
        let mut workloads = Vec::new();
        let mut workload_names = std::collections::HashSet::new();
        for i in 0..workload_total {
            let mut wrng = rng.fork(0x1000 + i as u64);
            // CI principals go last so the Zipf activity ranking (busiest first) lands on applications.
            let role = if i + terraform_total >= workload_total { WorkloadRole::Terraform } else { WorkloadRole::App };
            // Key users (CMK wrap/unwrap, signing): a third of applications, always including the second-busiest,
            // so even small datasets contain crypto operations. They live next to a vault that has keys.
            let wants_crypto = role == WorkloadRole::App && (i == 1 || wrng.chance(350));
            let mut home = vault_pick.sample(&mut wrng);
            for _ in 0..30 {
                if !wants_crypto || !vaults[home].keys.is_empty() {
                    break;
                }
                home = vault_pick.sample(&mut wrng);
            }
            let vault = &vaults[home];
            let env = vault.name.rsplit('-').next().unwrap_or("prod");
            let area = vault.name.split('-').nth(1).unwrap_or("app");
            let base = match role {
                WorkloadRole::Terraform => format!("sp-terraform-{area}-{env}"),
                WorkloadRole::App => {
                    let suffix = *wrng.pick(&[
                        "api",
                        "worker",
                        "web",
                        "batch",
                        "sync",
                        "func",
                        "job",
                        "svc",
                        "bff",
                        "consumer",
                        "processor",
                        "scheduler",
                    ]);
                    format!("{area}-{suffix}-{env}")
                }
            };
            let mut name = base.clone();
            let mut n = 2;
            while !workload_names.insert(name.clone()) {
                name = format!("{base}-{n}");
                n += 1;
            }
            let oid = wrng.guid();
            let appid = wrng.guid();
            let sub = vault.subscription;
            let rg = vault.resource_group.clone();
            let kind = if role == WorkloadRole::Terraform || wrng.chance(400) {
                PrincipalKind::ServicePrincipal { appid, acr: if wrng.chance(600) { "1" } else { "2" } }
            } else {
                let flavour = wrng.weighted(&[50, 30, 20]);
                let (mirid, az_rid) = match flavour {
                    0 => {
                        let az_rid = wrng.chance(500).then(|| {
                            format!(
                                "/subscriptions/{sub}/resourcegroups/mc_{rg}_aks-{area}-{env}_{}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-{}-vmss",
                                vault.location,
                                wrng.range(10_000_000, 99_999_999)
                            )
                        });
                        (
                            format!(
                                "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-{name}"
                            ),
                            az_rid,
                        )
                    }
                    1 => (
                        format!("/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Web/sites/app-{name}"),
                        None,
                    ),
                    _ => (
                        format!(
                            "/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Compute/virtualMachines/vm-{name}"
                        ),
                        None,
                    ),
                };
                PrincipalKind::ManagedIdentity { appid, mirid, az_rid }
            };
            let display_name = match &kind {
                PrincipalKind::ManagedIdentity { mirid, .. } => mirid.rsplit('/').next().unwrap_or(&name).to_string(),
                _ => name.clone(),
            };
            // Objects: 1–5 in the home vault, sometimes 1–2 in a second vault; never a certificate's secret.
            let mut bound = Vec::new();
            let want = match role {
                WorkloadRole::Terraform => 5,
                WorkloadRole::App => wrng.bucketed(&[(45, 1, 2), (40, 3, 4), (15, 5, 5)]) as usize,
            };
            let crypto = wants_crypto && !vault.keys.is_empty();
            bind_objects(&mut wrng, vault, crypto, want, &mut bound);
            if bound.len() < 5 && wrng.chance(250) {
                let second = &vaults[vault_pick.sample(&mut wrng)];
                if second.name != vault.name {
                    let room = (5 - bound.len()).min(2);
                    bind_objects(&mut wrng, second, false, room, &mut bound);
                }
            }
            let region_index = AZURE_REGIONS.iter().position(|r| r.name == vault.location).unwrap_or(0);
            let ip_count = wrng.bucketed(&[(60, 1, 1), (30, 2, 2), (10, 3, 3)]) as usize;
            let mut ips: Vec<u32> = Vec::new();
            for _ in 0..ip_count {
                let ip = if vault.private_endpoint {
                    network::random_in(&[network::PRIVATE_ENDPOINT_BLOCK], &mut wrng)
                } else {
                    pools[region_index][pool_pick.sample(&mut wrng)]
                };
                if !ips.contains(&ip) {
                    ips.push(ip);
                }
            }
            let sdk = if role == WorkloadRole::Terraform { Sdk::Go } else { SDKS[wrng.weighted(SDK_WEIGHTS)] };
            workloads.push(Workload {
                principal: Rc::new(Principal { oid, display_name, kind }),
                role,
                sdk,
                objects: bound,
                ips,
            });
        }

        // People. The special (non-ASCII / quoted) names come first so even tiny datasets contain them.
        let mut users = Vec::new();
        let mut upns = std::collections::HashSet::new();
        let admin_total = (user_total / 12).clamp(2, 12);
        let people_vaults: Vec<usize> =
            (0..vaults.len()).filter(|&i| !vaults[i].firewall && !vaults[i].private_endpoint).collect();
        for i in 0..user_total {
            let mut urng = rng.fork(0x2000 + i as u64);
            let (first, last, display) = if i < names::SPECIAL_PEOPLE.len() {
                let (f, l, d) = names::SPECIAL_PEOPLE[i];
                (f.to_string(), l.to_string(), d.to_string())
            } else {
                let f = *urng.pick(names::FIRST_NAMES);
                let l = *urng.pick(names::LAST_NAMES);
                (f.to_lowercase(), l.to_lowercase(), format!("{f} {l}"))
            };
            let mut upn = format!("{first}.{last}@{DOMAIN}");
            let mut n = 2;
            while !upns.insert(upn.clone()) {
                upn = format!("{first}.{last}{n}@{DOMAIN}");
                n += 1;
            }
            let (given_name, surname) = match display.split_once(' ') {
                Some((g, s)) => (g.to_string(), s.to_string()),
                None => (display.clone(), String::new()),
            };
            let mut user_vaults = Vec::new();
            let mut bound = Vec::new();
            let vault_n = urng.bucketed(&[(60, 1, 1), (30, 2, 2), (10, 3, 3)]);
            for _ in 0..vault_n {
                if people_vaults.is_empty() {
                    break;
                }
                let v = people_vaults[urng.index(people_vaults.len())];
                if user_vaults.contains(&v) {
                    continue;
                }
                user_vaults.push(v);
                let room = 4usize.saturating_sub(bound.len()).min(2);
                bind_objects(&mut urng, &vaults[v], false, room, &mut bound);
            }
            let office_ip = network::random_in(&network::OFFICE_BLOCKS[..1], &mut urng);
            let office_ip = match urng.weighted(&[60, 25, 15]) {
                0 => office_ip,
                1 => network::random_in(&network::OFFICE_BLOCKS[1..2], &mut urng),
                _ => network::random_in(&network::OFFICE_BLOCKS[2..3], &mut urng),
            };
            let home_n = urng.bucketed(&[(70, 1, 1), (30, 2, 2)]);
            let home_ips = (0..home_n).map(|_| network::random_in(network::HOME_BLOCKS, &mut urng)).collect();
            let admin = i >= names::SPECIAL_PEOPLE.len() && i < names::SPECIAL_PEOPLE.len() + admin_total;
            let tool_weights = match urng.below(4) {
                0 => [70, 5, 20, 5],
                1 => [20, 50, 25, 5],
                2 => [15, 5, 75, 5],
                _ => [30, 5, 30, 35],
            };
            users.push(User {
                principal: Rc::new(Principal {
                    oid: urng.guid(),
                    display_name: display,
                    kind: PrincipalKind::User { upn, given_name, surname, numgroups: urng.range(1, 40) as u32 },
                }),
                objects: bound,
                vaults: user_vaults,
                office_ip,
                home_ips,
                tool_weights,
                browser: super::clients::BROWSER_UAS[urng.weighted(&[45, 30, 15, 10])],
                linux_cli: urng.chance(250),
                admin,
            });
        }

        let resource_graph = Rc::new(Principal {
            oid: rng.guid(),
            display_name: "Azure Resource Graph".to_string(),
            kind: PrincipalKind::FirstParty { appid: super::clients::RESOURCE_GRAPH_APPID },
        });
        let policy_insights = Rc::new(Principal {
            oid: rng.guid(),
            display_name: "Policy Insights Data Plane Resource Provider".to_string(),
            kind: PrincipalKind::FirstParty { appid: super::clients::POLICY_INSIGHTS_APPID },
        });
        // A sandbox vault nobody uses any more; large datasets decommission it (delete, recover, delete, purge).
        let sandbox_sub = subscriptions.iter().find(|s| !s.production).map(|s| s.id).unwrap_or(subscriptions[0].id);
        let sandbox_arm = format!(
            "/subscriptions/{sandbox_sub}/resourceGroups/rg-sandbox-dev/providers/Microsoft.KeyVault/vaults/kv-sandbox-old"
        );
        vaults.push(Rc::new(Vault {
            name: "kv-sandbox-old".to_string(),
            subscription: sandbox_sub,
            resource_group: "rg-sandbox-dev".to_string(),
            location: "westeurope",
            tenant: tenant_id,
            rbac: false,
            purge_protection: false,
            soft_delete_days: 7,
            firewall: false,
            private_endpoint: false,
            production: false,
            upper_id: sandbox_arm.to_uppercase(),
            lower_id: sandbox_arm.to_lowercase(),
            arm_id: sandbox_arm,
            uri: "https://kv-sandbox-old.vault.azure.net/".to_string(),
            secrets: Vec::new(),
            keys: Vec::new(),
            certificates: Vec::new(),
            diagnostic_settings: vec!["send-to-law".to_string()],
            retired: true,
        }));
        let workload_pick = Zipf::new(workloads.len());
        let user_pick = Zipf::new(users.len());
        World {
            tenant_id,
            workspace_id,
            workspace_arm_id,
            management_group: format!("{tenant_id}/mg-contoso/mg-landingzones"),
            subscriptions,
            vaults,
            objects,
            workloads,
            users,
            resource_graph,
            policy_insights,
            service_ips,
            workload_pick,
            user_pick,
            vault_pick,
        }
    }

    /// Activity Log `properties.hierarchy`: tenant / management groups / subscription.
    pub fn hierarchy(&self, subscription: Guid) -> String {
        format!("{}/{}", self.management_group, subscription)
    }

    pub fn subscription_name(&self, id: Guid) -> &str {
        self.subscriptions.iter().find(|s| s.id == id).map(|s| s.name.as_str()).unwrap_or("")
    }

    /// Looks an object up by vault and name (scenarios name their targets).
    pub fn find_object(&self, vault: usize, kind: ObjectKind, name: &str) -> Option<usize> {
        self.objects.iter().position(|o| o.vault == vault && o.kind == kind && o.name == name)
    }

    /// Adds an object to a vault after construction (scenario-only objects such as a break-glass password, which
    /// no benign identity is bound to). Must run before any event holds the vault: the vault's object lists can
    /// only be extended while its `Rc` is unshared (the object itself is always added).
    pub fn add_object(&mut self, rng: &mut Rng, vault: usize, kind: ObjectKind, name: &str) -> usize {
        let index = self.objects.len();
        self.objects.push(new_object(rng, vault, kind, name, true, "ops"));
        if let Some(v) = Rc::get_mut(&mut self.vaults[vault]) {
            match kind {
                ObjectKind::Secret => v.secrets.push(index),
                ObjectKind::Key => v.keys.push(index),
                ObjectKind::Certificate => v.certificates.push(index),
            }
        }
        index
    }
}

fn new_object(rng: &mut Rng, vault: usize, kind: ObjectKind, name: &str, production: bool, area: &str) -> KvObject {
    let version = rng.u128();
    let (key_type, key_size) = match kind {
        ObjectKind::Key => match rng.weighted(&[50, 35, 15]) {
            0 => ("RSA-HSM", 2048),
            1 => ("RSA", if rng.chance(500) { 2048 } else { 4096 }),
            _ => ("EC", 256),
        },
        ObjectKind::Certificate => ("RSA", 2048),
        ObjectKind::Secret => ("", 0),
    };
    let content_type = match kind {
        ObjectKind::Certificate => Some("application/x-pkcs12"),
        ObjectKind::Secret => match rng.weighted(&[70, 20, 10]) {
            0 => None,
            1 => Some("text/plain"),
            _ => Some("application/json"),
        },
        ObjectKind::Key => None,
    };
    let subject = if kind == ObjectKind::Certificate {
        let host = name.trim_end_matches("-tls").replace("wildcard-", "*.").replace("-com", ".com");
        if host.contains('.') {
            format!("CN={host}")
        } else {
            let env = if production { "" } else { "dev." };
            format!("CN={host}.{area}.{env}contoso.com")
        }
    } else {
        String::new()
    };
    let thumbprint = if kind == ObjectKind::Certificate {
        format!("{:032X}{:08X}", rng.u128(), rng.next_u64() as u32)
    } else {
        String::new()
    };
    KvObject {
        vault,
        kind,
        name: name.to_string(),
        version,
        content_type,
        key_type,
        key_size,
        subject,
        thumbprint,
        age_days: rng.range(5, 300) as i64,
    }
}

fn make_objects(
    rng: &mut Rng,
    vault: usize,
    production: bool,
    area: &str,
    objects: &mut Vec<KvObject>,
) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let mut take = |kind: ObjectKind, pool: &[&str], count: u64, rng: &mut Rng| -> Vec<usize> {
        let mut chosen: Vec<&str> = Vec::new();
        while (chosen.len() as u64) < count.min(pool.len() as u64) {
            let n = *rng.pick(pool);
            if !chosen.contains(&n) {
                chosen.push(n);
            }
        }
        chosen
            .into_iter()
            .map(|n| {
                objects.push(new_object(rng, vault, kind, n, production, area));
                objects.len() - 1
            })
            .collect()
    };
    let secret_n = if production { rng.range(8, 25) } else { rng.range(4, 14) };
    let secrets = take(ObjectKind::Secret, names::SECRETS, secret_n, rng);
    let keys = take(ObjectKind::Key, names::KEYS, rng.bucketed(&[(35, 0, 0), (45, 1, 2), (20, 3, 4)]), rng);
    let certificates =
        take(ObjectKind::Certificate, names::CERTIFICATES, rng.bucketed(&[(40, 0, 0), (45, 1, 2), (15, 3, 3)]), rng);
    (secrets, keys, certificates)
}

/// Binds up to `want` objects of `vault` (keys when `crypto`, else mostly secrets, some certificates).
fn bind_objects(rng: &mut Rng, vault: &Vault, crypto: bool, want: usize, bound: &mut Vec<usize>) {
    let mut attempts = 0;
    let target = bound.len() + want;
    while bound.len() < target && attempts < 40 {
        attempts += 1;
        let pool = if !vault.keys.is_empty() && (if crypto { rng.chance(700) } else { rng.chance(40) }) {
            &vault.keys
        } else if !vault.certificates.is_empty() && rng.chance(80) {
            &vault.certificates
        } else {
            &vault.secrets
        };
        if pool.is_empty() {
            continue;
        }
        let o = pool[rng.index(pool.len())];
        if !bound.contains(&o) {
            bound.push(o);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_scale_with_events() {
        assert_eq!(vault_count(10_000), 12);
        assert!((35..=45).contains(&vault_count(1_000_000)));
        assert_eq!(vault_count(10), 4);
        assert!(identity_count(1_000_000) >= 3000);
    }

    #[test]
    fn world_is_deterministic_and_consistent() {
        let a = World::build(42, 10_000);
        let b = World::build(42, 10_000);
        assert_eq!(a.vaults.iter().filter(|v| !v.retired).count(), 12);
        assert_eq!(
            a.vaults.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
            b.vaults.iter().map(|v| v.name.clone()).collect::<Vec<_>>()
        );
        for v in &a.vaults {
            assert!(v.name.len() <= 24 && v.name.starts_with("kv-"));
            assert_eq!(v.retired, v.name == "kv-sandbox-old");
            assert_eq!(v.upper_id, v.arm_id.to_uppercase());
        }
        for w in &a.workloads {
            assert!(!w.objects.is_empty() && w.objects.len() <= 5, "{}", w.principal.display_name);
            for &ip in &w.ips {
                assert!(network::is_azure(ip) || network::is_private(ip));
            }
            for &o in &w.objects {
                // Benign identities never read a certificate's backing secret (that is KV-07's signal).
                assert!(
                    a.objects[o].kind != ObjectKind::Secret
                        || a.objects[o].content_type != Some("application/x-pkcs12")
                );
            }
        }
        for u in &a.users {
            assert!(u.objects.len() <= 4);
            assert!(!network::is_azure(u.office_ip));
        }
    }
}
