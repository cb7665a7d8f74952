//! Correlation ids as 16 bytes instead of 36 characters of text — a million of them is the difference between
//! 16 MB and 80 MB.

/// The column value for "no correlation id".
pub const NONE: u128 = u128::MAX;

/// Hex digit values; 0xff marks a non-digit.
const HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Parses `8-4-4-4-12` hexadecimal (any case). One of these per event: a table, not `char::to_digit`.
pub fn parse(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let mut v: u128 = 0;
    let mut bad = 0u8;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            continue;
        }
        let d = HEX[c as usize];
        bad |= d;
        v = (v << 4) | (d & 0xf) as u128;
    }
    (bad < 16 && v != NONE).then_some(v)
}

pub fn format(v: u128) -> String {
    let h = format!("{v:032x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let g = "A1B2C3D4-0000-4C79-AFDD-0123456789ab";
        assert_eq!(super::format(super::parse(g).unwrap()), g.to_ascii_lowercase());
        assert_eq!(super::parse("00000000-0000-0000-0000-000000000000"), Some(0));
        assert_eq!(super::parse("not-a-guid"), None);
        assert_eq!(super::parse(""), None);
    }
}
