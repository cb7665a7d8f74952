//! Control-plane (Activity Log) operations: each ARM request becomes a BeginRequest/EndRequest pair sharing one
//! correlation and operation id, with the request body ARM records for writes.

use std::rc::Rc;

use super::population::World;
use super::record::{ManagementEvent, MgmtOperation, Phase};
use super::request::Actor;
use super::rng::{Guid, Rng};
use super::time::{TICKS_PER_MINUTE, TICKS_PER_MS, Ticks};
use super::write::json::Node;

/// Key Vault built-in role definition ids (FORMATS §4.4).
pub const ROLE_KEY_VAULT_ADMINISTRATOR: &str = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
pub const ROLE_SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
pub const ROLE_SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";
pub const ROLE_CRYPTO_OFFICER: &str = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603";
pub const ROLE_CRYPTO_USER: &str = "12338af0-0e69-4776-bea7-57ae8d297424";
pub const ROLE_CONTRIBUTOR: &str = "f25e0fa2-a7c8-4377-a976-54943a77a395";

/// What to do, on which vault, with which result.
#[derive(Debug, Clone)]
pub struct MgmtRequest {
    pub operation: MgmtOperation,
    pub vault: usize,
    pub target_id: String,
    pub request_body: Option<Node>,
    /// HTTP status of the EndRequest.
    pub http_status: u16,
}

impl MgmtRequest {
    pub fn vault_write(world: &World, vault: usize, body: Node) -> MgmtRequest {
        MgmtRequest {
            operation: MgmtOperation::VaultWrite,
            vault,
            target_id: world.vaults[vault].arm_id.clone(),
            request_body: Some(body),
            http_status: 200,
        }
    }

    /// `PUT …/vaults/<v>/accessPolicies/{add|remove}`.
    pub fn access_policy(
        world: &World,
        vault: usize,
        kind: &str,
        object_id: Guid,
        secrets: &[&'static str],
    ) -> MgmtRequest {
        let v = &world.vaults[vault];
        let body = Node::obj().with(
            "properties",
            Node::obj().with(
                "accessPolicies",
                Node::Arr(vec![
                    Node::obj()
                        .with("tenantId", world.tenant_id.to_string())
                        .with("objectId", object_id.to_string())
                        .with(
                            "permissions",
                            Node::obj()
                                .with("keys", Node::Arr(vec![]))
                                .with("secrets", Node::string_array(secrets))
                                .with("certificates", Node::Arr(vec![])),
                        ),
                ]),
            ),
        );
        MgmtRequest {
            operation: MgmtOperation::AccessPolicyWrite,
            vault,
            target_id: format!("{}/accessPolicies/{kind}", v.arm_id),
            request_body: Some(body),
            http_status: 200,
        }
    }

    pub fn role_assignment(
        world: &World,
        vault: usize,
        assignment: Guid,
        principal: Guid,
        principal_type: &'static str,
        role: &'static str,
    ) -> MgmtRequest {
        let v = &world.vaults[vault];
        let body = Node::obj().with("Id", assignment.to_string()).with(
            "Properties",
            Node::obj()
                .with("PrincipalId", principal.to_string())
                .with("PrincipalType", principal_type)
                .with(
                    "RoleDefinitionId",
                    format!(
                        "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{role}",
                        v.subscription
                    ),
                )
                .with("Scope", v.arm_id.clone())
                .with("Condition", Node::Null)
                .with("ConditionVersion", Node::Null),
        );
        MgmtRequest {
            operation: MgmtOperation::RoleAssignmentWrite,
            vault,
            target_id: format!("{}/providers/Microsoft.Authorization/roleAssignments/{assignment}", v.arm_id),
            request_body: Some(body),
            http_status: 201,
        }
    }

    pub fn diagnostic_setting(world: &World, vault: usize, name: &str, delete: bool) -> MgmtRequest {
        let v = &world.vaults[vault];
        let body = (!delete).then(|| {
            Node::obj().with(
                "properties",
                Node::obj()
                    .with("workspaceId", world.workspace_arm_id.clone())
                    .with("logAnalyticsDestinationType", Node::Null)
                    .with(
                        "logs",
                        Node::Arr(vec![
                            Node::obj()
                                .with("categoryGroup", "audit")
                                .with("enabled", true)
                                .with("retentionPolicy", Node::obj().with("enabled", false).with("days", 0u32)),
                        ]),
                    )
                    .with("metrics", Node::Arr(vec![Node::obj().with("category", "AllMetrics").with("enabled", true)])),
            )
        });
        MgmtRequest {
            operation: if delete {
                MgmtOperation::DiagnosticSettingsDelete
            } else {
                MgmtOperation::DiagnosticSettingsWrite
            },
            vault,
            target_id: format!("{}/providers/Microsoft.Insights/diagnosticSettings/{name}", v.arm_id),
            request_body: body,
            http_status: 200,
        }
    }

    pub fn vault_delete(world: &World, vault: usize) -> MgmtRequest {
        MgmtRequest {
            operation: MgmtOperation::VaultDelete,
            vault,
            target_id: world.vaults[vault].arm_id.clone(),
            request_body: None,
            http_status: 200,
        }
    }

    /// Purge of a soft-deleted vault (a subscription-level resource, no resource group).
    pub fn vault_purge(world: &World, vault: usize) -> MgmtRequest {
        let v = &world.vaults[vault];
        MgmtRequest {
            operation: MgmtOperation::VaultPurge,
            vault,
            target_id: format!(
                "/subscriptions/{}/providers/Microsoft.KeyVault/locations/{}/deletedVaults/{}",
                v.subscription, v.location, v.name
            ),
            request_body: None,
            http_status: 200,
        }
    }
}

/// The body of a vault PUT (as `az keyvault update` sends it), used for network-rule and setting changes.
pub fn vault_body(world: &World, vault: usize, default_action: &'static str, ip_rules: &[String]) -> Node {
    let v = &world.vaults[vault];
    Node::obj()
        .with("location", v.location)
        .with(
            "properties",
            Node::obj()
                .with(
                    "sku",
                    Node::obj().with("family", "A").with("name", if v.production { "premium" } else { "standard" }),
                )
                .with("tenantId", world.tenant_id.to_string())
                .with("enableRbacAuthorization", v.rbac)
                .with("enableSoftDelete", true)
                .with("softDeleteRetentionInDays", v.soft_delete_days)
                .with("enablePurgeProtection", if v.purge_protection { Node::Bool(true) } else { Node::Null })
                .with(
                    "networkAcls",
                    Node::obj()
                        .with("bypass", "AzureServices")
                        .with("defaultAction", default_action)
                        .with(
                            "ipRules",
                            Node::Arr(ip_rules.iter().map(|r| Node::obj().with("value", r.clone())).collect()),
                        )
                        .with("virtualNetworkRules", Node::Arr(vec![])),
                ),
        )
        .with(
            "tags",
            Node::obj().with("env", if v.production { "prod" } else { "nonprod" }).with("owner", "platform-team"),
        )
}

/// BeginRequest at `time`, EndRequest a moment later.
pub fn pair(world: &World, rng: &mut Rng, time: Ticks, actor: &Actor, request: &MgmtRequest) -> [ManagementEvent; 2] {
    let vault = Rc::clone(&world.vaults[request.vault]);
    let resource_group =
        if request.operation == MgmtOperation::VaultPurge { String::new() } else { vault.resource_group.clone() };
    let correlation_id = rng.guid();
    let operation_id = rng.guid();
    let client_request_id = rng.guid();
    let token_issued = time - rng.range(2, 55) as Ticks * TICKS_PER_MINUTE;
    let token_nonce = rng.u128();
    let failed = request.http_status >= 400;
    let end_time = time + rng.bucketed(&[(70, 150, 1500), (30, 1501, 9000)]) as Ticks * TICKS_PER_MS;
    let make = |phase: Phase, t: Ticks, rng: &mut Rng| ManagementEvent {
        time: t,
        submission_delay: rng.range(40, 900) as Ticks * 10_000_000 + rng.range(0, 9_999_999) as Ticks,
        phase,
        operation: request.operation,
        status: match phase {
            Phase::Begin => "Started",
            Phase::End if failed => "Failed",
            Phase::End => "Succeeded",
        },
        http_status: (phase == Phase::End).then_some(request.http_status),
        caller: Rc::clone(&actor.principal),
        caller_appid: actor.appid.clone(),
        caller_acr: actor.acr,
        caller_ip: actor.ip,
        vault: Rc::clone(&vault),
        target_id: request.target_id.clone(),
        resource_group: resource_group.clone(),
        correlation_id,
        operation_id,
        event_data_id: rng.guid(),
        service_request_id: (phase == Phase::End && request.operation.provider() != "Microsoft.Insights")
            .then(|| rng.guid()),
        client_request_id,
        request_body: if phase == Phase::Begin { request.request_body.as_ref().map(Node::to_json_text) } else { None },
        token_issued,
        token_nonce,
    };
    let begin = make(Phase::Begin, time, rng);
    let end = make(Phase::End, end_time, rng);
    [begin, end]
}
