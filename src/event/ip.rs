//! Caller IP addresses. Logs carry IPv4, IPv6, sometimes with a port, brackets or an IPv4-mapped IPv6 form;
//! they are parsed to one canonical address so the same caller is one pivot value. Unparsable text is kept as
//! written (it is still evidence).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Parses the IP forms seen in Azure logs; `None` when the text is not an address.
pub fn parse(text: &str) -> Option<IpAddr> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let ip = t
        .parse::<IpAddr>()
        .ok()
        .or_else(|| t.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| t.strip_prefix('[')?.strip_suffix(']')?.parse::<Ipv6Addr>().ok().map(IpAddr::V6))
        .or_else(|| {
            // `1.2.3.4:5678`
            let (host, port) = t.rsplit_once(':')?;
            port.parse::<u16>().ok()?;
            host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
        })?;
    Some(canonical(ip))
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is the IPv4 caller.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse("104.40.82.76"), Some("104.40.82.76".parse().unwrap()));
        assert_eq!(parse(" 10.0.0.1:443 "), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(parse("::ffff:1.2.3.4"), Some("1.2.3.4".parse().unwrap()));
        assert_eq!(parse("[2001:db8::1]"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(parse("[2001:db8::1]:443"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(parse("2001:DB8::1"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(parse("xxxx"), None);
        assert_eq!(parse(""), None);
    }
}
