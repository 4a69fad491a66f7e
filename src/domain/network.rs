//! Address ranges (`192.0.2.0/24`, `2001:db8::/32`) for block lists, the metrics allow list
//! and the truncated addresses kept for moderators.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IPv4 or IPv6 network: an address with its host bits cleared, and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNetwork {
    base: IpAddr,
    prefix: u8,
}

fn bits(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

fn mask(width: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        (u128::MAX << (128 - u32::from(prefix))) >> (128 - u32::from(width))
    }
}

fn from_bits(template: IpAddr, value: u128) -> IpAddr {
    match template {
        IpAddr::V4(_) => IpAddr::V4((value as u32).into()),
        IpAddr::V6(_) => IpAddr::V6(value.into()),
    }
}

impl IpNetwork {
    /// The network of `prefix` bits that holds `ip`.
    ///
    /// # Errors
    /// When the prefix is longer than the address.
    pub fn containing(ip: IpAddr, prefix: u8) -> Result<Self, String> {
        let (value, width) = bits(ip);
        if prefix > width {
            return Err(format!("a /{prefix} prefix is longer than the address"));
        }
        Ok(Self {
            base: from_bits(ip, value & mask(width, prefix)),
            prefix,
        })
    }

    /// Whether `ip` is in this network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        if ip.is_ipv4() != self.base.is_ipv4() {
            return false;
        }
        let (value, width) = bits(ip);
        let (base, _) = bits(self.base);
        value & mask(width, self.prefix) == base
    }

    /// The part of `ip` kept for moderators once the address itself is not: its /24 (IPv4)
    /// or /48 (IPv6), enough to see that comments come from one network and no more.
    pub fn truncated(ip: IpAddr) -> Self {
        let ip = ip.to_canonical();
        let prefix = if ip.is_ipv4() { 24 } else { 48 };
        Self::containing(ip, prefix).expect("a /24 or /48 fits")
    }
}

impl FromStr for IpNetwork {
    type Err = String;

    /// `ADDRESS/PREFIX` or a single address. Host bits are cleared (`10.1.2.3/8` is `10.0.0.0/8`).
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (address, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let ip: IpAddr = address
            .parse::<IpAddr>()
            .map_err(|_| format!("{address:?} is not an IP address"))?
            .to_canonical();
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .map_err(|_| format!("{p:?} is not a prefix length"))?,
            None => bits(ip).1,
        };
        Self::containing(ip, prefix)
    }
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_parse_clear_host_bits_and_contain_their_addresses() {
        let net: IpNetwork = "192.0.2.77/24".parse().unwrap();
        assert_eq!(net.to_string(), "192.0.2.0/24");
        assert!(net.contains("192.0.2.1".parse().unwrap()));
        assert!(net.contains("::ffff:192.0.2.9".parse().unwrap()));
        assert!(!net.contains("192.0.3.1".parse().unwrap()));
        assert!(!net.contains("2001:db8::1".parse().unwrap()));
        let v6: IpNetwork = "2001:db8:aa::/48".parse().unwrap();
        assert!(v6.contains("2001:db8:aa:ffff::1".parse().unwrap()));
        assert!(!v6.contains("2001:db8:ab::1".parse().unwrap()));
        let all: IpNetwork = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.5".parse().unwrap()));
        let one: IpNetwork = "127.0.0.1".parse().unwrap();
        assert_eq!(one.to_string(), "127.0.0.1/32");
        assert!("10.0.0.0/33".parse::<IpNetwork>().is_err());
        assert!("nonsense/8".parse::<IpNetwork>().is_err());
    }

    #[test]
    fn truncation_keeps_a_slash_24_or_48() {
        let t = |s: &str| IpNetwork::truncated(s.parse().unwrap()).to_string();
        assert_eq!(t("198.51.100.23"), "198.51.100.0/24");
        assert_eq!(t("2001:db8:1:2:3::9"), "2001:db8:1::/48");
    }
}
