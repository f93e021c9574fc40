//! HAProxy's automatic numbering of proxies (`uuid`), servers (`puid`) and listeners
//! (`luid`), shared by the runtime, `show stat`, the `*_id` fetches and the
//! server-state files so that every place agrees with HAProxy.
//!
//! HAProxy walks the objects in configuration order with a counter starting at 1:
//! an object without an `id` takes the first number at or above the counter that no
//! other object forced; then the counter moves past it. An object with a forced id
//! moves the counter too. For proxies, the stats socket's own frontend (`GLOBAL`,
//! created by a `stats socket|timeout|maxconn` line of the global section) has id 0
//! but still moves the counter: with a stats socket the first user proxy gets 2.

use crate::global::Global;
use crate::proxy::{Proxy, ProxyKind};

/// Numbers the items in order: `None` items take no number (0) and move nothing,
/// `Some(Some(id))` keep their forced id, `Some(None)` take the next free one.
/// `start`: the counter's first value.
pub fn auto_ids(items: &[Option<Option<u32>>], start: u32) -> Vec<i64> {
    let forced: std::collections::HashSet<u32> =
        items.iter().flatten().flatten().copied().collect();
    let mut next = start;
    items
        .iter()
        .map(|item| match item {
            None => 0,
            Some(forced_id) => {
                let id = match forced_id {
                    Some(id) => *id,
                    None => {
                        while forced.contains(&next) {
                            next = next.wrapping_add(1);
                        }
                        next
                    }
                };
                next = next.wrapping_add(1);
                i64::from(id)
            }
        })
        .collect()
}

/// Whether the process has HAProxy's `GLOBAL` frontend (the stats sockets' proxy).
pub fn has_cli_frontend(g: &Global) -> bool {
    !g.stats.sockets.is_empty() || g.stats.timeout_ms.is_some() || g.stats.maxconn.is_some()
}

/// The `uuid` of each proxy (0 for `defaults` sections), as HAProxy numbers them.
/// The `GLOBAL` frontend is taken to come before every proxy (the global section
/// normally opens the configuration).
pub fn proxy_uuids(all: &[Proxy], g: &Global) -> Vec<i64> {
    let items: Vec<Option<Option<u32>>> = all
        .iter()
        .map(|p| (p.kind != ProxyKind::Defaults).then_some(p.id))
        .collect();
    auto_ids(&items, if has_cli_frontend(g) { 2 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::auto_ids;

    #[test]
    fn forced_ids_move_the_counter() {
        // fe1, be1, li1, fe2 (id 3), be2: HAProxy gives 1, 2, 4, 3, 6.
        let items = [
            Some(None),
            Some(None),
            Some(None),
            Some(Some(3)),
            Some(None),
        ];
        assert_eq!(auto_ids(&items, 1), vec![1, 2, 4, 3, 6]);
        // With a stats socket: 2, 4, 5, 3, 7.
        assert_eq!(auto_ids(&items, 2), vec![2, 4, 5, 3, 7]);
        // Defaults sections take nothing.
        assert_eq!(
            auto_ids(&[None, Some(None), None, Some(None)], 1),
            vec![0, 1, 0, 2]
        );
    }
}
