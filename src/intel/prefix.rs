//! CIDR prefixes, and the integer ranges the lookup tables are built from: IPv4 as `u32`, IPv6 as `u128`, so a
//! prefix is an inclusive `start..=end` interval and "contains" is two comparisons.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::event::ip;

/// An IPv4 or IPv6 network; a single address is a `/32` or `/128`. Host bits are cleared (`10.1.2.3/8` is
/// `10.0.0.0/8`, as firewalls read it), and an IPv4-mapped IPv6 prefix (`::ffff:1.2.3.0/120`) is the IPv4 one,
/// because callers are compared as canonical addresses ([`ip::canonical`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix {
    addr: IpAddr,
    len: u8,
}

/// Why a text is not a prefix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrefixError {
    #[error("`{0}` is not an IP address or CIDR prefix")]
    NotAnAddress(String),
    #[error("`{text}`: prefix length {len} is longer than {max}")]
    TooLong { text: String, len: u32, max: u8 },
}

impl Prefix {
    /// The network of `addr` with `len` leading bits.
    pub fn new(addr: IpAddr, len: u8) -> Option<Prefix> {
        match addr {
            IpAddr::V4(v4) => (len <= 32).then(|| Prefix { addr: IpAddr::V4(v4_start(u32::from(v4), len)), len }),
            IpAddr::V6(v6) => {
                if len > 128 {
                    return None;
                }
                if let (Some(v4), true) = (v6.to_ipv4_mapped(), len >= 96) {
                    return Prefix::new(IpAddr::V4(v4), len - 96);
                }
                Some(Prefix { addr: IpAddr::V6(v6_start(u128::from(v6), len)), len })
            }
        }
    }

    /// Parses `1.2.3.0/24`, `2001:db8::/32` or a bare address (in any form [`ip::parse`] accepts).
    pub fn parse(text: &str) -> Result<Prefix, PrefixError> {
        let t = text.trim();
        let not = || PrefixError::NotAnAddress(t.to_string());
        match t.split_once('/') {
            None => {
                let addr = ip::parse(t).ok_or_else(not)?;
                Ok(Prefix::host(addr))
            }
            Some((addr, len)) => {
                let addr = addr.trim().parse::<IpAddr>().map_err(|_| not())?;
                let len_text = len.trim();
                if len_text.is_empty() || !len_text.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(not());
                }
                let len = len_text.parse::<u32>().unwrap_or(u32::MAX);
                let max = if addr.is_ipv4() { 32 } else { 128 };
                let too_long = || PrefixError::TooLong { text: t.to_string(), len, max };
                let len = u8::try_from(len).ok().filter(|&l| l <= max).ok_or_else(too_long)?;
                Prefix::new(addr, len).ok_or_else(too_long)
            }
        }
    }

    /// The one-address prefix of `addr`.
    pub fn host(addr: IpAddr) -> Prefix {
        match ip::canonical(addr) {
            IpAddr::V4(v4) => Prefix { addr: IpAddr::V4(v4), len: 32 },
            IpAddr::V6(v6) => Prefix { addr: IpAddr::V6(v6), len: 128 },
        }
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The number of leading bits.
    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    /// True when `ip` (canonicalized) is inside.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.range(), ip::canonical(ip)) {
            (Range::V4(s, e), IpAddr::V4(a)) => (s..=e).contains(&u32::from(a)),
            (Range::V6(s, e), IpAddr::V6(a)) => (s..=e).contains(&u128::from(a)),
            _ => false,
        }
    }

    pub(crate) fn range(&self) -> Range {
        match self.addr {
            IpAddr::V4(a) => {
                let s = u32::from(a);
                Range::V4(s, s | !mask32(self.len))
            }
            IpAddr::V6(a) => {
                let s = u128::from(a);
                Range::V6(s, s | !mask128(self.len))
            }
        }
    }
}

impl FromStr for Prefix {
    type Err = PrefixError;
    fn from_str(s: &str) -> Result<Prefix, PrefixError> {
        Prefix::parse(s)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// A prefix as an inclusive integer interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Range {
    V4(u32, u32),
    V6(u128, u128),
}

fn mask32(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len.min(32))).unwrap_or(0)
}

fn mask128(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len.min(128))).unwrap_or(0)
}

fn v4_start(a: u32, len: u8) -> Ipv4Addr {
    Ipv4Addr::from(a & mask32(len))
}

fn v6_start(a: u128, len: u8) -> Ipv6Addr {
    Ipv6Addr::from(a & mask128(len))
}

/// An address as the integer the tables are keyed by.
pub(crate) enum Point {
    V4(u32),
    V6(u128),
}

pub(crate) fn point(ip: IpAddr) -> Point {
    match ip::canonical(ip) {
        IpAddr::V4(a) => Point::V4(u32::from(a)),
        IpAddr::V6(a) => Point::V6(u128::from(a)),
    }
}

/// The integer types of the two address families.
pub(crate) trait Key: Copy + Ord + Default + fmt::Debug {
    /// The next address, `None` after the last one.
    fn succ(self) -> Option<Self>;
}

impl Key for u32 {
    fn succ(self) -> Option<u32> {
        self.checked_add(1)
    }
}

impl Key for u128 {
    fn succ(self) -> Option<u128> {
        self.checked_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> Prefix {
        Prefix::parse(t).unwrap()
    }

    fn a(t: &str) -> IpAddr {
        t.parse().unwrap()
    }

    #[test]
    fn forms() {
        assert_eq!(p("10.1.2.3/8").to_string(), "10.0.0.0/8");
        assert_eq!(p("1.2.3.4").to_string(), "1.2.3.4/32");
        assert_eq!(p(" 2001:db8::1/32 ").to_string(), "2001:db8::/32");
        assert_eq!(p("2001:db8::1").to_string(), "2001:db8::1/128");
        assert_eq!(p("::ffff:1.2.3.0/120").to_string(), "1.2.3.0/24");
        assert_eq!(p("::ffff:1.2.3.4").to_string(), "1.2.3.4/32");
        assert_eq!(p("0.0.0.0/0").to_string(), "0.0.0.0/0");
        assert_eq!(p("::/0").to_string(), "::/0");
        assert_eq!(p("[2001:db8::1]").prefix_len(), 128);
    }

    #[test]
    fn rejects() {
        for bad in ["", "/", "1.2.3.4/", "1.2.3.4/x", "1.2.3/24", "1.2.3.4/-1", "x/8", "1.2.3.4/24/1", "1.2.3.4/+8"] {
            assert!(matches!(Prefix::parse(bad), Err(PrefixError::NotAnAddress(_))), "{bad}");
        }
        assert_eq!(
            Prefix::parse("1.2.3.4/33").unwrap_err().to_string(),
            "`1.2.3.4/33`: prefix length 33 is longer than 32"
        );
        assert!(Prefix::parse("::/129").is_err());
        assert!(Prefix::parse("1.2.3.4/99999999999999999999").is_err());
    }

    #[test]
    fn contains() {
        assert!(p("10.0.0.0/8").contains(a("10.255.0.1")));
        assert!(!p("10.0.0.0/8").contains(a("11.0.0.0")));
        assert!(p("10.0.0.0/8").contains(a("::ffff:10.0.0.1")));
        assert!(p("0.0.0.0/0").contains(a("255.255.255.255")));
        assert!(!p("0.0.0.0/0").contains(a("::1")));
        assert!(p("::/0").contains(a("ffff::1")));
        assert!(p("2001:db8::/32").contains(a("2001:db8:ffff::1")));
    }
}
