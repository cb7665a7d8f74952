//! Timestamps at Azure's own precision: 100-nanosecond ticks since the Unix epoch, UTC.
//!
//! Key Vault writes seven fractional digits (`2024-04-08T15:15:50.6257670Z`); keeping all of them keeps events
//! that happen within the same millisecond in their true order. The ISO parser has a hand-written fast path
//! because a million-record load parses a million of these; anything unusual falls back to `jiff`.

use std::fmt;

/// 100 ns ticks since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Ticks(pub i64);

pub const TICKS_PER_SECOND: i64 = 10_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

impl Ticks {
    /// Parses an ISO-8601 / RFC 3339 timestamp. A value without an offset is taken as UTC (Log Analytics
    /// exports and `az` output are UTC). Returns `None` for anything else.
    pub fn parse_iso(s: &str) -> Option<Ticks> {
        parse_iso_fast(s.as_bytes()).or_else(|| parse_iso_slow(s))
    }

    /// Parses any timestamp text a Key Vault export may carry: ISO-8601, or the Log Analytics portal's
    /// US-style CSV form `6/9/2023, 10:45:31.952 AM`.
    pub fn parse_any(s: &str) -> Option<Ticks> {
        parse_iso_fast(s.as_bytes()).or_else(|| {
            let s = s.trim();
            Ticks::parse_iso(s).or_else(|| parse_us_portal(s))
        })
    }

    /// `2024-04-08T15:15:50.6257670Z`: always seven fractional digits, so the text sorts like the value.
    pub fn to_iso(self) -> String {
        self.to_string()
    }

    pub fn seconds(self) -> i64 {
        self.0.div_euclid(TICKS_PER_SECOND)
    }

    /// A `jiff` timestamp in ticks; `None` past the ±29,000 years a tick count holds.
    pub fn from_timestamp(ts: jiff::Timestamp) -> Option<Ticks> {
        i64::try_from(ts.as_nanosecond() / 100).ok().map(Ticks)
    }
}

impl fmt::Display for Ticks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(TICKS_PER_SECOND);
        let frac = self.0.rem_euclid(TICKS_PER_SECOND);
        let days = secs.div_euclid(SECONDS_PER_DAY);
        let sod = secs.rem_euclid(SECONDS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:07}Z", sod / 3600, (sod / 60) % 60, sod % 60)
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut v = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    Some(v)
}

fn ticks_of(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, frac_ticks: i64) -> Option<Ticks> {
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo as u32) as i64 {
        return None;
    }
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    let secs = days * SECONDS_PER_DAY + h * 3600 + mi * 60 + s;
    Some(Ticks(secs * TICKS_PER_SECOND + frac_ticks))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction][Z]` — the only shape Azure writes. Returns `None` otherwise.
fn parse_iso_fast(b: &[u8]) -> Option<Ticks> {
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let y = digits(&b[0..4])?;
    let mo = digits(&b[5..7])?;
    let d = digits(&b[8..10])?;
    let h = digits(&b[11..13])?;
    let mi = digits(&b[14..16])?;
    let s = digits(&b[17..19])?;
    let mut rest = &b[19..];
    let mut frac = 0i64;
    if let Some((b'.', tail)) = rest.split_first() {
        let n = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        // Keep 100 ns precision; digits beyond the seventh are truncated, as Azure never writes them.
        let kept = &tail[..n.min(7)];
        frac = digits(kept)? * 10i64.pow(7 - kept.len() as u32);
        rest = &tail[n..];
    }
    match rest {
        b"" | b"Z" | b"z" | b"+00:00" => ticks_of(y, mo, d, h, mi, s, frac),
        _ => None,
    }
}

/// Offsets other than UTC, and other ISO spellings `jiff` understands.
fn parse_iso_slow(s: &str) -> Option<Ticks> {
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Ticks::from_timestamp(ts);
    }
    // A civil date-time without an offset: Log Analytics exports are UTC.
    let dt = s.parse::<jiff::civil::DateTime>().ok()?;
    Ticks::from_timestamp(dt.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp())
}

/// The Log Analytics portal CSV form: `M/D/YYYY, h:mm:ss[.fff] AM|PM` (comma optional, 24-hour without
/// AM/PM also accepted).
fn parse_us_portal(s: &str) -> Option<Ticks> {
    let (date, time) = s.split_once([',', ' '])?;
    let mut dparts = date.trim().split('/');
    let mo = digits(dparts.next()?.as_bytes())?;
    let d = digits(dparts.next()?.as_bytes())?;
    let y = digits(dparts.next()?.as_bytes())?;
    if dparts.next().is_some() || y < 1000 {
        return None;
    }
    let time = time.trim();
    let (clock, meridiem) = match time.rsplit_once(' ') {
        Some((c, m)) if m.eq_ignore_ascii_case("AM") || m.eq_ignore_ascii_case("PM") => (c.trim(), Some(m)),
        _ => (time, None),
    };
    let mut tparts = clock.split(':');
    let mut h = digits(tparts.next()?.as_bytes())?;
    let mi = digits(tparts.next()?.as_bytes())?;
    let sec_text = tparts.next().unwrap_or("0");
    if tparts.next().is_some() {
        return None;
    }
    let (sec, frac) = match sec_text.split_once('.') {
        Some((s, f)) => {
            let kept = &f.as_bytes()[..f.len().min(7)];
            (digits(s.as_bytes())?, digits(kept)? * 10i64.pow(7 - kept.len() as u32))
        }
        None => (digits(sec_text.as_bytes())?, 0),
    };
    if let Some(m) = meridiem {
        if !(1..=12).contains(&h) {
            return None;
        }
        let pm = m.eq_ignore_ascii_case("PM");
        h = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
    }
    ticks_of(y, mo, d, h, mi, sec, frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_digit_iso_round_trips() {
        let t = Ticks::parse_iso("2024-04-08T15:15:50.6257670Z").unwrap();
        assert_eq!(t.to_iso(), "2024-04-08T15:15:50.6257670Z");
        assert_eq!(t.0 % TICKS_PER_SECOND, 6_257_670);
    }

    #[test]
    fn shorter_fractions_and_offsets() {
        let a = Ticks::parse_iso("2016-01-05T01:32:01.2691226Z").unwrap();
        assert_eq!(a.to_iso(), "2016-01-05T01:32:01.2691226Z");
        assert_eq!(Ticks::parse_iso("2024-01-01T00:00:00Z").unwrap().to_iso(), "2024-01-01T00:00:00.0000000Z");
        assert_eq!(Ticks::parse_iso("2024-01-01T00:00:00.5").unwrap().to_iso(), "2024-01-01T00:00:00.5000000Z");
        assert_eq!(Ticks::parse_iso("2024-01-01T02:00:00+02:00").unwrap().to_iso(), "2024-01-01T00:00:00.0000000Z");
        assert_eq!(Ticks::parse_iso("2024-01-01 00:00:00").unwrap().to_iso(), "2024-01-01T00:00:00.0000000Z");
        assert_eq!(
            Ticks::parse_iso("2024-01-01T00:00:00.123456789Z").unwrap().to_iso(),
            "2024-01-01T00:00:00.1234567Z"
        );
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "yesterday", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-01-01T25:00:00Z", "12345"] {
            assert_eq!(Ticks::parse_any(bad), None, "{bad}");
        }
    }

    #[test]
    fn portal_csv_dates() {
        assert_eq!(Ticks::parse_any("6/9/2023, 10:45:31.952 AM").unwrap().to_iso(), "2023-06-09T10:45:31.9520000Z");
        assert_eq!(Ticks::parse_any("6/9/2023, 12:05:00.000 AM").unwrap().to_iso(), "2023-06-09T00:05:00.0000000Z");
        assert_eq!(Ticks::parse_any("12/31/2023, 11:59:59.999 PM").unwrap().to_iso(), "2023-12-31T23:59:59.9990000Z");
        assert_eq!(Ticks::parse_any("1/2/2024 13:00:00").unwrap().to_iso(), "2024-01-02T13:00:00.0000000Z");
    }

    #[test]
    fn civil_days_agree_with_jiff_across_centuries() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            let date = jiff::civil::date(y as i16, m as i8, d as i8);
            let epoch = jiff::civil::date(1970, 1, 1);
            assert_eq!((date - epoch).get_days() as i64, days);
        }
    }
}
