//! Where connections a workshop can point may go. A workshop's admin types its SMTP host:
//! without a guard, `127.0.0.1:5432` or `169.254.169.254` makes the server connect into its
//! own network (SSRF), and the error text tells open ports from closed ones. In production
//! only public addresses are reached; the name is resolved once, checked, and the
//! connection goes to the checked address (TLS still verifies the name), so a DNS answer
//! that changes between the check and the connection (rebinding) cannot slip through.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Which addresses outbound connections may reach (`OUTBOUND_PRIVATE_NETWORKS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Networks {
    /// Public addresses only: production's default.
    Public,
    /// Any address: development, and relays on the platform's own network.
    Any,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("le serveur {host} est introuvable")]
    Unresolved { host: String },
    #[error("le serveur {host} désigne une adresse interne, refusée")]
    Internal { host: String },
}

/// Resolves `host` and returns the first address `networks` allows; refuses the host when
/// any of its addresses is internal (a name answering both is an attack, not a server).
pub async fn resolve(
    host: &str,
    port: u16,
    networks: Networks,
) -> Result<SocketAddr, OutboundError> {
    let addresses: Vec<SocketAddr> = match tokio::net::lookup_host((host, port)).await {
        Ok(addresses) => addresses.collect(),
        Err(_) => Vec::new(),
    };
    let Some(first) = addresses.first().copied() else {
        return Err(OutboundError::Unresolved {
            host: host.to_owned(),
        });
    };
    if networks == Networks::Public && addresses.iter().any(|address| !is_public(address.ip())) {
        return Err(OutboundError::Internal {
            host: host.to_owned(),
        });
    }
    Ok(first)
}

/// An address on the public Internet: not loopback, private, link-local, shared (CGNAT),
/// multicast, reserved or documentation, nor an IPv6 form of one (IPv4-mapped, NAT64, 6to4).
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_unspecified()
        || v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        // Shared address space (CGNAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19))
        // Reserved, 240.0.0.0/4.
        || a >= 240)
}

fn is_public_v6(v6: Ipv6Addr) -> bool {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let segments = v6.segments();
    let embedded = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded(segments[6], segments[7]));
    }
    if segments[0] == 0x2002 {
        return is_public_v4(embedded(segments[1], segments[2]));
    }
    !(v6.is_unspecified()
        || v6.is_loopback()
        || v6.is_multicast()
        // Unique local, fc00::/7.
        || (segments[0] & 0xfe00) == 0xfc00
        // Link-local, fe80::/10.
        || (segments[0] & 0xffc0) == 0xfe80
        // Documentation, 2001:db8::/32.
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)
        // IPv4-compatible (deprecated), ::/96.
        || segments[..6] == [0; 6])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_in_every_spelling_are_not_public() {
        for internal in [
            "127.0.0.1",
            "127.5.6.7",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.10",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "fd00::1",
            "fe80::1",
            "::127.0.0.1",
        ] {
            assert!(!is_public(internal.parse().unwrap()), "{internal}");
        }
        for public in [
            "8.8.8.8",
            "203.0.114.1",
            "2a00:1450:4007::1",
            "::ffff:8.8.4.4",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn names_are_resolved_then_checked() {
        let refused = resolve("localhost", 25, Networks::Public).await;
        assert_eq!(
            refused,
            Err(OutboundError::Internal {
                host: "localhost".into()
            })
        );
        assert!(resolve("127.0.0.1", 25, Networks::Any).await.is_ok());
        assert!(matches!(
            resolve("nom-introuvable.invalid", 25, Networks::Public).await,
            Err(OutboundError::Unresolved { .. })
        ));
    }
}
