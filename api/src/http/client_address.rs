//! The client's address, as rate limits, the login journal and the signature journal record
//! it. Behind the TLS proxy every connection comes from the proxy: without this, 60 logins a
//! minute and 20 sign-ups an hour were the whole platform's budget, and the proxy's address
//! was recorded as every signer's. `X-Forwarded-For` and `Forwarded` are read only when the
//! connection comes from a proxy listed in `TRUSTED_PROXIES`; anyone else could write them.
//! The client is then the right-most hop that is not one of our proxies: hops to its left
//! were written by the client itself and prove nothing.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// `TRUSTED_PROXIES`: the networks of the proxies in front of us.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma-separated list of CIDR blocks or single addresses (`10.0.0.0/8, 192.0.2.7`).
    pub fn parse(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{item:?} is neither a CIDR block nor an address"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client behind `peer` (the TCP connection's address).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return canonical(peer);
        }
        let hops = forwarded_hops(headers);
        // Right to left: the first hop that is not ours is the client.
        let mut client = canonical(peer);
        for hop in hops.iter().rev() {
            let Some(hop) = hop else {
                // An unreadable hop (`unknown`, an obfuscated name): the chain stops being
                // trustworthy there; the last address we could vouch for is kept.
                break;
            };
            client = canonical(*hop);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// `::ffff:192.0.2.1` is `192.0.2.1`: IPv4 clients of a dual-stack listener.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The hops, left to right, from `Forwarded` (RFC 7239) when present, else from
/// `X-Forwarded-For`; `None` for a hop that names no address.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let standard: Vec<&str> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    if !standard.is_empty() {
        return standard
            .iter()
            .flat_map(|value| value.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(name, _)| name.eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| node_address(value))
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|hop| node_address(hop.trim()))
        .collect()
}

/// `192.0.2.1`, `"192.0.2.1:4711"`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn node_address(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(address) = node.parse() {
        return Some(address);
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    let (host, port) = node.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_headers_count_only_from_a_trusted_proxy() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        let spoofed = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // Straight from the Internet: the header is the client's own words.
        assert_eq!(
            proxies.client(ip("198.51.100.4"), &spoofed),
            ip("198.51.100.4")
        );
        // Through our proxy: the address it saw.
        assert_eq!(proxies.client(ip("10.1.2.3"), &spoofed), ip("203.0.113.9"));
        assert_eq!(proxies.client(ip("192.0.2.7"), &spoofed), ip("203.0.113.9"));
        // Nothing trusted: headers ignored.
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("10.1.2.3"), &spoofed), ip("10.1.2.3"));
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        // The client wrote "1.1.1.1" itself; our proxies appended the rest.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.2")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &chain), ip("203.0.113.9"));
        // Several header lines are one list.
        let lines = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &lines), ip("203.0.113.9"));
        // Every hop ours: the left-most.
        let internal = headers(&[("x-forwarded-for", "10.0.0.5, 10.0.0.2")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &internal), ip("10.0.0.5"));
        // An unreadable hop stops the walk at the last address vouched for.
        let garbage = headers(&[("x-forwarded-for", "pas-une-adresse, 10.0.0.2")]);
        assert_eq!(proxies.client(ip("10.0.0.1"), &garbage), ip("10.0.0.2"));
    }

    #[test]
    fn the_standard_header_is_read_first_with_ports_and_ipv6() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, ::1").unwrap();
        let standard = headers(&[
            (
                "forwarded",
                "for=192.0.2.60;proto=https, for=\"[2001:db8::17]:4711\"",
            ),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(
            proxies.client(ip("10.0.0.1"), &standard),
            ip("2001:db8::17")
        );
        let with_port = headers(&[("forwarded", "for=\"203.0.113.9:5050\"")]);
        assert_eq!(proxies.client(ip("::1"), &with_port), ip("203.0.113.9"));
        let mapped = headers(&[("x-forwarded-for", "::ffff:203.0.113.9")]);
        assert_eq!(
            proxies.client(ip("::ffff:10.0.0.1"), &mapped),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn bad_lists_are_refused() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        assert_eq!(
            TrustedProxies::parse("").unwrap(),
            TrustedProxies::default()
        );
    }
}
