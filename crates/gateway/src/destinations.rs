//! Which hosts and networks database services may connect to (`outbound.allowed_destinations`).
//!
//! Empty (the default): any address but link-local ones, where cloud metadata services
//! answer (169.254.0.0/16, fe80::/10, and the same written as IPv4-mapped IPv6). Otherwise
//! only the listed host names (matched as written, case-insensitively) and networks (`10.0.0.0/8`,
//! `192.0.2.7`, `fd00::/8`). A host name is resolved here, every address it resolves to
//! must be allowed, and the connection goes to the address checked, so a DNS answer that
//! changes between the check and the connection cannot redirect it.

use std::net::IpAddr;

use ipnet::IpNet;

/// The 400 message of a refused destination.
pub const NOT_ALLOWED: &str = "Destination not allowed.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationPolicy {
    hosts: Vec<String>,
    networks: Vec<IpNet>,
}

/// Why a destination cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DestinationError {
    /// The policy refuses the host or one of its addresses.
    NotAllowed,
    /// The host name does not resolve.
    Unresolvable,
}

impl DestinationPolicy {
    /// The policy of the setting's entries; an entry that is neither a network, an address
    /// nor a host name is named in the error.
    pub fn from_entries(entries: &[String]) -> Result<Self, String> {
        let mut policy = Self {
            hosts: Vec::new(),
            networks: Vec::new(),
        };
        for entry in entries {
            let entry = entry.trim();
            if let Ok(network) = entry.parse::<IpNet>() {
                policy.networks.push(network);
            } else if let Ok(address) = entry.parse::<IpAddr>() {
                policy.networks.push(IpNet::from(address));
            } else if is_host_name(entry) {
                policy.hosts.push(entry.to_ascii_lowercase());
            } else {
                return Err(format!(
                    "outbound.allowed_destinations: '{entry}' is not a host name, an address \
                     or a network such as 10.0.0.0/8"
                ));
            }
        }
        Ok(policy)
    }

    fn allows_address(&self, address: IpAddr) -> bool {
        if self.hosts.is_empty() && self.networks.is_empty() {
            return !is_link_local(address);
        }
        self.networks
            .iter()
            .any(|network| network.contains(&address))
    }

    /// The address to connect to for `host`: the host itself when it is an address, else
    /// the first address it resolves to. Nothing is connected to.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<IpAddr, DestinationError> {
        let host = host.trim();
        let listed_name = self.hosts.contains(&host.to_ascii_lowercase());
        if let Ok(address) = host.parse::<IpAddr>() {
            return match self.allows_address(address) {
                true => Ok(address),
                false => Err(DestinationError::NotAllowed),
            };
        }
        if !is_host_name(host) {
            return Err(DestinationError::Unresolvable);
        }
        let addresses: Vec<IpAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| DestinationError::Unresolvable)?
            .map(|socket| socket.ip())
            .collect();
        let first = *addresses.first().ok_or(DestinationError::Unresolvable)?;
        // A listed name still never leads to a metadata address unless that is listed too.
        let allowed = |address: &IpAddr| match listed_name {
            true => !is_link_local(*address) || self.allows_address(*address),
            false => self.allows_address(*address),
        };
        match addresses.iter().all(allowed) {
            true => Ok(first),
            false => Err(DestinationError::NotAllowed),
        }
    }
}

fn is_host_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn is_link_local(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => {
            v6.to_ipv4_mapped().is_some_and(|v4| v4.is_link_local())
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    const LINK_LOCAL_EXAMPLES: [IpAddr; 2] = [
        IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
        IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
    ];

    fn policy(entries: &[&str]) -> DestinationPolicy {
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        DestinationPolicy::from_entries(&entries).expect("valid entries")
    }

    #[tokio::test]
    async fn the_default_refuses_link_local_addresses_only() {
        let open = policy(&[]);
        for refused in LINK_LOCAL_EXAMPLES {
            let host = refused.to_string();
            assert_eq!(
                open.resolve(&host, 5432).await,
                Err(DestinationError::NotAllowed)
            );
        }
        assert_eq!(
            open.resolve("::ffff:169.254.169.254", 5432).await,
            Err(DestinationError::NotAllowed)
        );
        assert_eq!(
            open.resolve("10.1.2.3", 5432).await,
            Ok("10.1.2.3".parse().expect("address"))
        );
        assert_eq!(
            open.resolve("localhost", 5432)
                .await
                .map(|a| a.is_loopback()),
            Ok(true)
        );
    }

    #[tokio::test]
    async fn a_list_allows_its_networks_and_names_only() {
        let listed = policy(&["10.0.0.0/8", "192.0.2.7", "localhost"]);
        assert!(listed.resolve("10.9.9.9", 5432).await.is_ok());
        assert!(listed.resolve("192.0.2.7", 5432).await.is_ok());
        assert_eq!(
            listed.resolve("192.0.2.8", 5432).await,
            Err(DestinationError::NotAllowed)
        );
        assert!(listed.resolve("LOCALHOST", 5432).await.is_ok());
        assert_eq!(
            listed.resolve("127.0.0.1", 5432).await,
            Err(DestinationError::NotAllowed),
            "a listed name does not allow its addresses written out"
        );
    }

    #[tokio::test]
    async fn a_name_that_is_not_one_does_not_resolve() {
        assert_eq!(
            policy(&[]).resolve("db host; drop", 5432).await,
            Err(DestinationError::Unresolvable)
        );
        assert_eq!(
            policy(&[]).resolve("no-such-host.invalid", 5432).await,
            Err(DestinationError::Unresolvable)
        );
    }

    #[test]
    fn entries_that_are_neither_are_refused_with_their_name() {
        let error = DestinationPolicy::from_entries(&["10.0.0.0/99".to_owned()])
            .expect_err("invalid network");
        assert!(error.contains("'10.0.0.0/99'"), "{error}");
    }
}
