//! Timestamps as integer 100-ns ticks since the Unix epoch, and the text forms Azure writes them in.
//!
//! Azure's resource logs carry 7 fractional digits (.NET `DateTime` resolution), so ticks are the natural unit.
//! Formatting is done by hand (civil-from-days) because it runs for every record of million-event datasets and must
//! never depend on the machine's clock or time zone.

/// 100-ns ticks since 1970-01-01T00:00:00Z.
pub type Ticks = i64;

pub const TICKS_PER_MS: Ticks = 10_000;
pub const TICKS_PER_SECOND: Ticks = 10_000_000;
pub const TICKS_PER_MINUTE: Ticks = 60 * TICKS_PER_SECOND;
pub const TICKS_PER_HOUR: Ticks = 60 * TICKS_PER_MINUTE;
pub const TICKS_PER_DAY: Ticks = 24 * TICKS_PER_HOUR;

/// Offset between .NET ticks (since 0001-01-01) and Unix ticks; Activity Log event ids end in `/ticks/<.NET ticks>`.
pub const DOTNET_EPOCH_OFFSET: i64 = 621_355_968_000_000_000;

/// A broken-down UTC time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0..10_000_000
    pub fraction: u32,
}

use crate::event::time::{civil_from_days, days_from_civil};

/// Parses the strict UTC form this generator writes, `YYYY-MM-DDTHH:MM:SS[.f{1,7}]Z`; anything else is None.
/// Used to recognise datetime-valued strings when flattening records into typed (`_t`) columns.
pub fn parse_iso(text: &str) -> Option<Ticks> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        if s.bytes().all(|c| c.is_ascii_digit()) { s.parse().ok() } else { None }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut fraction = 0i64;
    let rest = &text[19..text.len() - 1];
    if !rest.is_empty() {
        let digits = rest.strip_prefix('.')?;
        if digits.is_empty() || digits.len() > 7 || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        fraction = digits.parse::<i64>().ok()? * 10i64.pow(7 - digits.len() as u32);
    }
    let days = days_from_civil(year, month, day);
    Some(days * TICKS_PER_DAY + (hour * 3600 + minute * 60 + second) * TICKS_PER_SECOND + fraction)
}

pub fn civil(t: Ticks) -> Civil {
    let days = t.div_euclid(TICKS_PER_DAY);
    let rem = t.rem_euclid(TICKS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let secs = rem / TICKS_PER_SECOND;
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: ((secs / 60) % 60) as u32,
        second: (secs % 60) as u32,
        fraction: (rem % TICKS_PER_SECOND) as u32,
    }
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday(t: Ticks) -> u32 {
    // 1970-01-01 was a Thursday (index 3).
    (t.div_euclid(TICKS_PER_DAY) + 3).rem_euclid(7) as u32
}

/// `2026-10-01T13:04:05.1234567Z` — the resource-log form.
pub fn iso7(t: Ticks) -> String {
    let c = civil(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.fraction
    )
}

/// `2026-10-01T13:04:05Z` — used for certificate validity dates and SCENARIOS.md.
pub fn iso_seconds(t: Ticks) -> String {
    let c = civil(t);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

/// `10/1/2026, 1:04:05.123 PM` — the Log Analytics portal CSV export (US locale, milliseconds truncated).
pub fn us_portal(t: Ticks) -> String {
    let c = civil(t);
    let (h12, ampm) = match c.hour {
        0 => (12, "AM"),
        1..=11 => (c.hour, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    format!(
        "{}/{}/{}, {}:{:02}:{:02}.{:03} {}",
        c.month,
        c.day,
        c.year,
        h12,
        c.minute,
        c.second,
        c.fraction / 10_000,
        ampm
    )
}

/// Unix seconds (JWT `iat`/`nbf`/`exp`, key attribute `exp`).
pub fn unix_seconds(t: Ticks) -> i64 {
    t.div_euclid(TICKS_PER_SECOND)
}

/// Unix milliseconds (the portal's `&_=<epoch ms>` cache-buster).
pub fn unix_millis(t: Ticks) -> i64 {
    t.div_euclid(TICKS_PER_MS)
}

/// Truncates to the start of the hour.
pub fn hour_floor(t: Ticks) -> Ticks {
    t - t.rem_euclid(TICKS_PER_HOUR)
}

/// Parses `--start`: a full RFC 3339 timestamp or a bare date (midnight UTC).
pub fn parse_start(text: &str) -> anyhow::Result<Ticks> {
    let nanos = if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        ts.as_nanosecond()
    } else {
        let date: jiff::civil::Date = text
            .parse()
            .map_err(|e| anyhow::anyhow!("--start {text:?} is neither an RFC 3339 timestamp nor a date: {e}"))?;
        date.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp().as_nanosecond()
    };
    Ok((nanos / 100) as Ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_azure() {
        let t = parse_start("2026-10-01T00:00:00Z").unwrap();
        assert_eq!(iso7(t), "2026-10-01T00:00:00.0000000Z");
        assert_eq!(weekday(t), 3, "2026-10-01 is a Thursday");
        let later = t + 13 * TICKS_PER_HOUR + 4 * TICKS_PER_MINUTE + 5 * TICKS_PER_SECOND + 1_234_567;
        assert_eq!(iso7(later), "2026-10-01T13:04:05.1234567Z");
        assert_eq!(us_portal(later), "10/1/2026, 1:04:05.123 PM");
        assert_eq!(us_portal(t + 1_239_999), "10/1/2026, 12:00:00.123 AM");
        assert_eq!(parse_start("2026-10-01").unwrap(), t);
        assert_eq!(iso7(parse_start("2024-02-29T23:59:59.9999999Z").unwrap()), "2024-02-29T23:59:59.9999999Z");
        assert!(parse_start("yesterday").is_err());
        assert_eq!(parse_iso(&iso7(later)), Some(later));
        assert_eq!(parse_iso("2026-10-01T00:00:00Z"), Some(t));
        assert_eq!(
            parse_iso("2026-10-01T13:04:05.12Z"),
            Some(t + 13 * TICKS_PER_HOUR + 245 * TICKS_PER_SECOND + 1_200_000)
        );
        assert_eq!(parse_iso("not a time at all, really"), None);
    }
}
