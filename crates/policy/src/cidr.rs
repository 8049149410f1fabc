//! CIDR blocks for `IpAddress` / `NotIpAddress`.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IPv4 or IPv6 network. A bare address is a single-host block (`/32` or `/128`).
/// Host bits below the prefix are ignored (`10.1.2.3/8` equals `10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Why a CIDR string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CIDR block {0:?}")]
pub struct CidrError(pub String);

impl Cidr {
    /// The network address as written (host bits are not cleared).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` lies inside this block. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`)
    /// is compared as its IPv4 address against IPv4 blocks; otherwise families never mix.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => masked_eq(
                u128::from(u32::from(net)),
                u128::from(u32::from(ip)),
                self.prefix,
                32,
            ),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked_eq(u128::from(net), u128::from(ip), self.prefix, 128)
            }
            (IpAddr::V4(_), IpAddr::V6(ip)) => match ip.to_ipv4_mapped() {
                Some(v4) => self.contains(IpAddr::V4(v4)),
                None => false,
            },
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

fn masked_eq(a: u128, b: u128, prefix: u8, bits: u32) -> bool {
    let prefix = u32::from(prefix);
    if prefix == 0 {
        return true;
    }
    let shift = bits - prefix;
    (a >> shift) == (b >> shift)
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CidrError(s.to_owned());
        let trimmed = s.trim();
        let (addr_part, prefix_part) = match trimmed.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (trimmed, None),
        };
        let addr: IpAddr = addr_part.parse().map_err(|_| err())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix_part {
            None => max,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| err())?
            }
            Some(_) => return Err(err()),
        };
        if prefix > max {
            return Err(err());
        }
        Ok(Self { addr, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        s.parse().expect("valid cidr in test")
    }
    fn ip(s: &str) -> IpAddr {
        s.parse().expect("valid ip in test")
    }

    #[test]
    fn v4_blocks_and_edges() {
        let net = c("192.0.2.0/24");
        assert!(net.contains(ip("192.0.2.0")));
        assert!(net.contains(ip("192.0.2.255")));
        assert!(!net.contains(ip("192.0.3.0")));
        assert!(!net.contains(ip("192.0.1.255")));
        assert!(c("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(c("10.1.2.3/8").contains(ip("10.200.0.1")));
        assert!(c("203.0.113.7/31").contains(ip("203.0.113.6")));
        assert!(!c("203.0.113.7/31").contains(ip("203.0.113.8")));
    }

    #[test]
    fn bare_ip_is_single_host() {
        assert_eq!(c("198.51.100.7").prefix(), 32);
        assert!(c("198.51.100.7").contains(ip("198.51.100.7")));
        assert!(!c("198.51.100.7").contains(ip("198.51.100.8")));
        assert_eq!(c("2001:db8::1").prefix(), 128);
    }

    #[test]
    fn v6_blocks() {
        let net = c("2001:db8::/32");
        assert!(net.contains(ip("2001:db8:ffff::1")));
        assert!(!net.contains(ip("2001:db9::1")));
        assert!(c("::/0").contains(ip("::1")));
        assert!(c("2001:db8:0:0:0:0:0:0/127").contains(ip("2001:db8::1")));
        assert!(!c("2001:db8::/127").contains(ip("2001:db8::2")));
    }

    #[test]
    fn families_do_not_mix_except_mapped() {
        assert!(!c("::/0").contains(ip("1.2.3.4")));
        assert!(!c("0.0.0.0/0").contains(ip("2001:db8::1")));
        assert!(c("192.0.2.0/24").contains(ip("::ffff:192.0.2.9")));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "1.2.3.4/33",
            "::/129",
            "1.2.3/24",
            "1.2.3.4/",
            "1.2.3.4/-1",
            "x/8",
            "1.2.3.4/+8",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }
}
