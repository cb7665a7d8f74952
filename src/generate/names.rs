//! Word lists for the synthetic tenant: vault, object, workload and person names.

/// Business areas; vault names are `kv-<area>-<env>`.
pub const AREAS: &[&str] = &[
    "payments", "identity", "orders", "crm", "billing", "shared", "platform", "data", "ml", "web", "api", "ops",
    "hr", "finance", "logistics", "search", "reporting", "backup", "iot", "mobile", "checkout", "catalog",
    "loyalty", "pricing", "fraud", "ledger", "notify", "media", "partner", "gateway", "edge", "infra", "sso",
    "audit", "warehouse", "claims", "booking", "tickets", "support", "analytics", "etl", "devops", "secops",
    "kyc", "treasury", "inventory", "shipping", "portal", "events", "telemetry",
];

pub const ENVS: &[&str] = &["prod", "dev", "test", "stg", "uat", "prd-we", "prod-ne"];
pub const ENV_WEIGHTS: &[u32] = &[40, 20, 12, 10, 6, 6, 6];

/// Secret names (kebab-case, as most teams name them).
pub const SECRETS: &[&str] = &[
    "db-connection-string", "sql-admin-password", "storage-account-key", "servicebus-connection", "redis-password",
    "api-key-stripe", "api-key-sendgrid", "jwt-signing-secret", "client-secret", "cosmos-primary-key",
    "eventhub-connection", "appinsights-connection-string", "smtp-password", "oauth-client-secret",
    "github-pat", "docker-registry-password", "sftp-password", "ldap-bind-password", "encryption-passphrase",
    "webhook-secret", "twilio-auth-token", "datadog-api-key", "pagerduty-routing-key", "postgres-password",
    "mysql-root-password", "rabbitmq-password", "elastic-password", "vm-admin-password", "aks-sp-secret",
    "terraform-backend-key", "signing-cert-password", "partner-api-token", "slack-bot-token", "openai-api-key",
    "search-admin-key", "maps-subscription-key", "acr-token", "kafka-sasl-password", "mongo-uri", "sas-token",
];

/// Key names (customer-managed keys, signing keys, data-encryption-key wrappers).
pub const KEYS: &[&str] = &[
    "cmk-storage", "cmk-sql-tde", "signing-key", "dek-wrap", "jwt-rs256", "token-signing", "data-protection",
    "cmk-cosmos", "backup-encryption", "doc-signing", "hsm-master", "envelope-kek",
];

/// Certificate names.
pub const CERTIFICATES: &[&str] = &[
    "wildcard-contoso-com", "api-tls", "web-tls", "mtls-client", "saml-signing", "partner-gateway", "sso-tls",
    "internal-ca", "code-signing", "appgw-frontend",
];

/// Workload names for service principals and managed identities.
pub const WORKLOADS: &[&str] = &[
    "orders-api", "payments-worker", "checkout-web", "identity-sync", "billing-batch", "crm-connector",
    "reporting-etl", "search-indexer", "notify-service", "fraud-scorer", "ledger-api", "catalog-api",
    "pricing-engine", "loyalty-api", "media-encoder", "partner-gateway", "iot-ingest", "mobile-bff",
    "warehouse-sync", "claims-processor", "booking-api", "ticketing-web", "support-bot", "analytics-jobs",
    "telemetry-collector", "kyc-checker", "treasury-api", "inventory-sync", "shipping-api", "events-router",
];

pub const FIRST_NAMES: &[&str] = &[
    "Adele", "Alex", "Allan", "Bianca", "Brian", "Carlos", "Chloe", "Diego", "Emma", "Fatima", "Grady", "Hannah",
    "Isaiah", "Joni", "Kenji", "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Noah", "Olivia", "Patti",
    "Pradeep", "Priya", "Raul", "Sofia", "Tomasz", "Uma", "Victor", "Wei", "Yuki", "Zara", "Omar", "Ingrid",
    "Mateo", "Aisha", "Lars", "Nina",
];

pub const LAST_NAMES: &[&str] = &[
    "Vance", "Wilber", "Deyoung", "Ramos", "Johnson", "Silva", "Bowen", "Garcia", "Smith", "Haddad", "Archie",
    "Becker", "Kim", "Tanaka", "Gu", "Holgersen", "Cline", "Bowen", "Adams", "Wilke", "Martin", "Fernandez",
    "Gupta", "Patel", "Rossi", "Kowalski", "Nakamura", "Chen", "Okafor", "Jensen", "Novak", "Brennan", "Dubois",
    "Svensson", "Costa", "Murphy", "Reyes", "Schmidt", "Ali", "Larsen",
];

/// People whose display names need JSON escapes or non-ASCII text: real directories have them, and parsers must
/// survive `\"`, `\u00e9` and raw UTF-8 alike. (first name, last name, display name)
pub const SPECIAL_PEOPLE: &[(&str, &str, &str)] = &[
    ("zoe", "lefevre", "Zoé Lefèvre"),
    ("jurgen", "muller", "Jürgen Müller"),
    ("soren", "kjaergaard", "Søren Kjærgaard"),
    ("lukasz", "nowak", "Łukasz Nowak"),
    ("jose", "alvarez", "José Álvarez"),
    ("chris", "jones", "Chris \"CJ\" Jones"),
    ("aoife", "obrien", "Aoife O'Brien"),
    ("francois", "begue", "François Bégué"),
];
