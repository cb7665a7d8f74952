//! Slots into an [`Event`]: coercions every export needs (numbers as text, `"True"`, `"None"`, `""`), the
//! required fields, and the checks that keep other data out. Messages name the field and quote a short excerpt
//! of the bad value, never the whole of it.

use std::borrow::Cow;

use super::dynamic;
use super::event::{Event, RecordRef, Verdict};
use super::fields::Field;
use super::record::Slots;
use super::scan::Json;
use super::settings;
use crate::event::status::code_of_reason;
use crate::event::{AccessChange, ChangeKind, Claims, Ticks};

/// At most this much of a bad value is quoted in a message.
const EXCERPT: usize = 60;

pub fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(EXCERPT).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    format!("{out:?}")
}

struct Reader<'s, 'a> {
    slots: &'s mut Slots<'a>,
    /// `az` output: every value is `str()`, so `"None"` is null.
    stringly: bool,
}

type Coerced<T> = std::result::Result<Option<T>, String>;

impl<'a> Reader<'_, 'a> {
    fn is_null_text(&self, s: &str) -> bool {
        s.is_empty() || (self.stringly && s == "None")
    }

    fn text(&mut self, f: Field) -> Coerced<Cow<'a, str>> {
        match self.slots.take(f) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Str(s)) if self.is_null_text(&s) => Ok(None),
            Some(Json::Str(s)) => Ok(Some(s)),
            Some(Json::Num(n)) => Ok(Some(Cow::Borrowed(n))),
            Some(other) => Err(format!("{}: expected text, found {}", f.name(), other.type_name())),
        }
    }

    fn number(&mut self, f: Field) -> Coerced<f64> {
        let parse = |s: &str| {
            // Durations and status codes are short integers: skip the float parser for them.
            if !s.is_empty() && s.len() <= 15 && s.bytes().all(|b| b.is_ascii_digit()) {
                return Some(s.bytes().fold(0u64, |v, b| v * 10 + (b - b'0') as u64) as f64);
            }
            s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
        };
        match self.slots.take(f) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Str(s)) if self.is_null_text(s.trim()) => Ok(None),
            Some(Json::Str(s)) => {
                parse(&s).map(Some).ok_or_else(|| format!("{}: expected a number, found {}", f.name(), excerpt(&s)))
            }
            Some(Json::Num(n)) => {
                parse(n).map(Some).ok_or_else(|| format!("{}: {} is not a usable number", f.name(), excerpt(n)))
            }
            Some(other) => Err(format!("{}: expected a number, found {}", f.name(), other.type_name())),
        }
    }

    fn boolean(&mut self, f: Field) -> Coerced<bool> {
        match self.slots.take(f) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(b)),
            Some(Json::Str(s)) if self.is_null_text(&s) => Ok(None),
            Some(Json::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(format!("{}: expected true or false, found {}", f.name(), excerpt(&s))),
            },
            Some(Json::Num(n)) => match n {
                "1" => Ok(Some(true)),
                "0" => Ok(Some(false)),
                _ => Err(format!("{}: expected true or false, found {n}", f.name())),
            },
            Some(other) => Err(format!("{}: expected true or false, found {}", f.name(), other.type_name())),
        }
    }

    fn either(&mut self, a: Field, b: Field) -> Coerced<Cow<'a, str>> {
        let first = self.text(a)?;
        let second = self.text(b)?;
        Ok(first.or(second))
    }
}

/// Normalizes one record. `None` means the record is an Activity Log event (its category or operation says so)
/// and must take that parser instead.
pub fn normalize<'a>(mut slots: Slots<'a>, at: RecordRef) -> Option<Verdict<'a>> {
    let stringly = slots.has(Field::TableName);
    let mut r = Reader { slots: &mut slots, stringly };
    Some(match build(&mut r, at) {
        Ok(Built::Event(e)) => Verdict::Event(e),
        Ok(Built::Skip(reason)) => Verdict::Skip(reason),
        Ok(Built::Activity) => return None,
        Err(reason) => Verdict::Reject(reason),
    })
}

// The event is the common case by far; boxing it would cost an allocation per record.
#[allow(clippy::large_enum_variant)]
enum Built<'a> {
    Event(Event<'a>),
    Skip(String),
    Activity,
}

fn build<'a>(r: &mut Reader<'_, 'a>, at: RecordRef) -> std::result::Result<Built<'a>, String> {
    let operation = r.text(Field::Operation)?;
    if let Some(table) = r.text(Field::TableType)?
        && table.eq_ignore_ascii_case("AzureActivity")
    {
        return Ok(Built::Activity);
    }
    if let Some(category) = r.text(Field::Category)?
        && !category.eq_ignore_ascii_case("AuditEvent")
    {
        if operation.as_deref().is_some_and(|op| op.contains('/')) {
            return Ok(Built::Activity);
        }
        return Ok(Built::Skip(format!("category {} is not Key Vault audit data", excerpt(&category))));
    }
    if let Some(provider) = r.text(Field::ResourceProvider)?
        && !provider.eq_ignore_ascii_case("MICROSOFT.KEYVAULT")
    {
        return Ok(Built::Skip(format!("a {} row, not Key Vault", excerpt(&provider))));
    }
    let time = match r.slots.take(Field::Time) {
        None | Some(Json::Null) => return Err("no time (time / TimeGenerated)".to_string()),
        Some(Json::Str(s)) => {
            Ticks::parse_any(&s).ok_or_else(|| format!("time: cannot read {} as a timestamp", excerpt(&s)))?
        }
        Some(other) => {
            return Err(format!("time: expected a timestamp string, found {}", other.type_name()));
        }
    };
    let operation = operation.ok_or("no operationName")?;
    if operation.contains('/') {
        return Ok(Built::Activity);
    }
    let http_status = match r.number(Field::HttpStatus)? {
        Some(v) if (100.0..=599.0).contains(&v) && v.fract() == 0.0 => Some(v as u16),
        Some(v) => return Err(format!("httpStatusCode: {v} is not an HTTP status")),
        None => None,
    };
    let signature = r.text(Field::ResultSignature)?;
    let http_status = http_status.or_else(|| signature.as_deref().and_then(code_of_reason));
    let duration_ms = match r.number(Field::Duration)? {
        Some(v) if v >= 0.0 => Some(v.min(u32::MAX as f64) as u32),
        Some(v) => return Err(format!("durationMs: {v} is negative")),
        None => None,
    };
    let claims = Claims {
        oid: r.either(Field::Oid, Field::OidLong)?,
        upn: r.either(Field::Upn, Field::UpnLong)?,
        unique_name: r.either(Field::UniqueName, Field::NameLong)?,
        appid: r.text(Field::AppId)?,
        idtyp: r.text(Field::IdTyp)?,
        xms_mirid: r.text(Field::MiRid)?,
    };
    let token_ip = r.text(Field::TokenIp)?;
    let identity_raw = r.slots.identity_raw.take().filter(|t| !r.is_null_text(t));
    let mut access_changes = Vec::new();
    for (field, kind) in [(Field::AddedPolicy, ChangeKind::Added), (Field::RemovedPolicy, ChangeKind::Removed)] {
        if let Some(Json::Object(raw)) = r.slots.take(field)
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(raw)
        {
            access_changes.extend(policy_change(kind, &v));
        }
    }
    if let Some(text) = r.slots.properties_text.take()
        && let Some(v) = dynamic::parse(&text)
    {
        for (name, kind) in [("addedAccessPolicy", ChangeKind::Added), ("removedAccessPolicy", ChangeKind::Removed)] {
            if let Some(p) = v.get(name) {
                access_changes.extend(policy_change(kind, p));
            }
        }
    }
    for (oid, lists, kind) in [
        (
            Field::AddedPolicyOid,
            [Field::AddedPolicyKeys, Field::AddedPolicySecrets, Field::AddedPolicyCertificates],
            ChangeKind::Added,
        ),
        (
            Field::RemovedPolicyOid,
            [Field::RemovedPolicyKeys, Field::RemovedPolicySecrets, Field::RemovedPolicyCertificates],
            ChangeKind::Removed,
        ),
    ] {
        if let Some(principal) = r.text(oid)? {
            let mut parts = Vec::new();
            for (name, f) in ["keys", "secrets", "certificates"].into_iter().zip(lists) {
                if let Some(list) = r.text(f)? {
                    let list = dynamic::parse(&list).map_or_else(|| list.to_string(), |v| permission_list(&v));
                    if !list.is_empty() {
                        parts.push(format!("{name}: {list}"));
                    }
                }
            }
            access_changes.push(AccessChange {
                kind,
                principal: principal.to_ascii_lowercase().into(),
                permissions: parts.join("; ").into(),
            });
        }
    }
    let settings = settings::from_members(std::mem::take(&mut r.slots.settings), &operation, r.stringly);
    Ok(Built::Event(Event {
        time,
        resource_id: r.text(Field::ResourceId)?,
        resource_name: r.text(Field::ResourceName)?,
        operation,
        http_status,
        status_word: if http_status.is_none() { signature } else { None },
        result_description: r.text(Field::ResultDescription)?,
        caller_ip: r.text(Field::CallerIp)?,
        token_ip,
        client_info: r.text(Field::ClientInfo)?,
        request_uri: r.text(Field::RequestUri)?,
        object_uri: r.text(Field::ObjectUri)?,
        correlation_id: r.text(Field::Correlation)?,
        duration_ms,
        tls_version: r.text(Field::TlsVersion)?,
        addr_auth_type: r.text(Field::AddrAuthType)?,
        rbac_authorized: r.boolean(Field::RbacAuthorized)?,
        access_policy_match: r.boolean(Field::AccessPolicyMatch)?,
        client_app: claims.appid.clone(),
        claims,
        identity_raw,
        access_changes,
        settings,
        record: at,
    }))
}

/// Identity claims and the `ipaddr` claim, as parsed values.
pub type ClaimSet = (Claims<'static>, Option<String>);

/// Reads the claim slots (either dialect) into owned claims.
fn read_claims(slots: &mut Slots<'_>) -> std::result::Result<ClaimSet, String> {
    let own = |v: Option<Cow<'_, str>>| v.map(|s| Cow::Owned(s.into_owned()));
    let mut r = Reader { slots, stringly: false };
    let claims = Claims {
        oid: own(r.either(Field::Oid, Field::OidLong)?),
        upn: own(r.either(Field::Upn, Field::UpnLong)?),
        unique_name: own(r.either(Field::UniqueName, Field::NameLong)?),
        appid: own(r.text(Field::AppId)?),
        idtyp: own(r.text(Field::IdTyp)?),
        xms_mirid: own(r.text(Field::MiRid)?),
    };
    Ok((claims, r.text(Field::TokenIp)?.map(Cow::into_owned)))
}

/// Claims from a JSON value: `{"claim": {…}}` or the claim object itself, names in either dialect (the one
/// table in [`fields::claim`](super::fields::claim)); values other than strings are ignored.
pub fn claims_from_json(value: &serde_json::Value) -> ClaimSet {
    let mut slots = Slots::new();
    if let Some(claims) = value.get("claim").unwrap_or(value).as_object() {
        for (name, v) in claims {
            if let (Some(field), Some(text)) = (super::fields::claim(name.as_bytes()), v.as_str()) {
                slots.set(field, Json::Str(Cow::Borrowed(text.trim())));
            }
        }
    }
    // Only strings were set, so reading cannot fail.
    read_claims(&mut slots).unwrap_or_default()
}

/// The claims of an `identity` value as written — a JSON object `{"claim":{…}}` (or the claims alone), or its
/// Python-repr text from `az` output — with the `ipaddr` claim.
pub fn claims_of_identity(raw: &str) -> std::result::Result<ClaimSet, String> {
    let mut slots = Slots::new();
    let mut sc = super::scan::Scanner::record(raw.as_bytes());
    if sc.peek() == Some(b'{') && super::record::identity(&mut sc, &mut slots).is_ok() && sc.at_end() {
        let found = read_claims(&mut slots)?;
        if found != ClaimSet::default() || !raw.contains("claim") {
            return Ok(found);
        }
    }
    // Python-repr text, or claims given without the `claim` wrapper.
    let value = dynamic::parse(raw).ok_or_else(|| format!("Identity: cannot read {} as JSON", excerpt(raw)))?;
    Ok(claims_from_json(&value))
}

/// `["get","list"]` → `get, list`.
pub fn permission_list(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One `{"ObjectId": …, "Permissions": {"keys": […], …}}` access-policy entry (either key casing).
pub fn policy_change(kind: ChangeKind, v: &serde_json::Value) -> Option<AccessChange> {
    let field =
        |name: &str| v.get(name).or_else(|| v.get(name.to_ascii_lowercase()).or_else(|| v.get(lower_first(name))));
    let principal = field("ObjectId")?.as_str()?.to_ascii_lowercase();
    let mut parts = Vec::new();
    if let Some(perms) = field("Permissions") {
        for name in ["keys", "secrets", "certificates", "storage"] {
            if let Some(list) = perms.get(name) {
                let list = permission_list(list);
                if !list.is_empty() {
                    parts.push(format!("{name}: {list}"));
                }
            }
        }
    }
    Some(AccessChange { kind, principal: principal.into(), permissions: parts.join("; ").into() })
}

pub fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_ascii_lowercase().to_string() + c.as_str()).unwrap_or_default()
}
