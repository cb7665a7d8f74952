//! Outcome from the HTTP status — never from `resultType`, which says "Success" on 403s (FORMATS.md §1.4).
//! Activity Log events without a status code fall back to their status value (Succeeded / Failed / Started).

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Success,
    Failure,
    /// No status known, or an operation still in progress (Activity Log `Started`).
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Unknown => "unknown",
        }
    }

    pub fn of_http(code: u16) -> Outcome {
        match code {
            100..=399 => Outcome::Success,
            400..=599 => Outcome::Failure,
            _ => Outcome::Unknown,
        }
    }

    /// From a status word: Activity Log `status.value` (`Succeeded`, `Failed`, `Started`…), AzureActivity's short
    /// forms (`Success`, `Failure`, `Start`, `Accept`).
    pub fn of_status_word(word: &str) -> Outcome {
        match word.trim().to_ascii_lowercase().as_str() {
            "succeeded" | "success" | "resolved" => Outcome::Success,
            "failed" | "failure" | "canceled" | "cancelled" => Outcome::Failure,
            _ => Outcome::Unknown,
        }
    }
}

/// HTTP reason phrases (`resultSignature`, Activity Log `subStatus`) to their codes.
pub fn code_of_reason(phrase: &str) -> Option<u16> {
    let p = phrase.trim();
    // `OK (HTTP Status Code: 200)` — the Activity Log's localized subStatus.
    if let Some(at) = p.find("Status Code:") {
        let digits: String =
            p[at + 12..].chars().skip_while(|c| c.is_whitespace()).take_while(char::is_ascii_digit).collect();
        if let Ok(code) = digits.parse() {
            return Some(code);
        }
    }
    if let Ok(code) = p.parse::<u16>() {
        return (100..=599).contains(&code).then_some(code);
    }
    let squashed: String = p.chars().filter(|c| c.is_ascii_alphabetic()).collect::<String>().to_ascii_lowercase();
    Some(match squashed.as_str() {
        "ok" => 200,
        "created" => 201,
        "accepted" => 202,
        "nocontent" => 204,
        "movedpermanently" => 301,
        "found" => 302,
        "notmodified" => 304,
        "badrequest" => 400,
        "unauthorized" => 401,
        "forbidden" => 403,
        "notfound" => 404,
        "methodnotallowed" => 405,
        "conflict" => 409,
        "gone" => 410,
        "preconditionfailed" => 412,
        "requestentitytoolarge" | "payloadtoolarge" => 413,
        "toomanyrequests" => 429,
        "internalservererror" => 500,
        "notimplemented" => 501,
        "badgateway" => 502,
        "serviceunavailable" => 503,
        "gatewaytimeout" => 504,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_and_outcomes() {
        assert_eq!(code_of_reason("Forbidden"), Some(403));
        assert_eq!(code_of_reason("Not Found"), Some(404));
        assert_eq!(code_of_reason("OK (HTTP Status Code: 200)"), Some(200));
        assert_eq!(code_of_reason("Created"), Some(201));
        assert_eq!(code_of_reason("Succeeded"), None);
        assert_eq!(Outcome::of_http(403), Outcome::Failure);
        assert_eq!(Outcome::of_http(200), Outcome::Success);
        assert_eq!(Outcome::of_http(0), Outcome::Unknown);
        assert_eq!(Outcome::of_status_word("Failed"), Outcome::Failure);
        assert_eq!(Outcome::of_status_word("Started"), Outcome::Unknown);
    }
}
