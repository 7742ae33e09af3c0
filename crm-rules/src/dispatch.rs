//! Ticket dispatch (工单分派): the queue — a team or group — a ticket goes to, by its
//! category. Which member of the queue gets it is the assignment's business.
//!
//! ```
//! use crm_rules::dispatch::TicketDispatch;
//!
//! let dispatch: TicketDispatch = serde_json::from_str(r#"{
//!     "routes": [
//!         { "categories": ["billing", "退款"], "queue": "财务组" },
//!         { "categories": ["安装"], "queue": "实施组" }
//!     ],
//!     "fallback_queue": "一线客服"
//! }"#).unwrap();
//! dispatch.check().unwrap();
//! assert_eq!(dispatch.queue_for(Some("Billing")), "财务组");
//! assert_eq!(dispatch.queue_for(Some("安装")), "实施组");
//! assert_eq!(dispatch.queue_for(None), "一线客服");
//! ```

use std::collections::BTreeSet;

use crm_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// Tickets of some categories go to one queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispatchRoute {
    /// The categories routed (compared trimmed, ASCII case ignored).
    pub categories: Vec<String>,
    /// The queue: a team or group name.
    pub queue: String,
}

/// Category → queue routes, and where everything else goes. A JSON rule document:
/// `{"routes": [{"categories": [..], "queue": ".."}], "fallback_queue": ".."}`; unknown
/// fields are refused, and [`TicketDispatch::check`] refuses a category routed twice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketDispatch {
    /// The routes.
    #[serde(default)]
    pub routes: Vec<DispatchRoute>,
    /// The queue of tickets no route takes, and of those without a category.
    pub fallback_queue: String,
}

impl TicketDispatch {
    /// The queue a ticket of `category` goes to.
    pub fn queue_for(&self, category: Option<&str>) -> &str {
        category
            .and_then(|c| {
                self.routes
                    .iter()
                    .find(|r| r.categories.iter().any(|rc| same(rc, c)))
            })
            .map_or(&self.fallback_queue, |r| &r.queue)
    }

    /// Refuse empty queue names, routes without categories, empty categories and a
    /// category routed twice.
    pub fn check(&self) -> Result<()> {
        if self.fallback_queue.trim().is_empty() {
            return Err(Error::validation(
                "dispatch.fallback_queue",
                &self.fallback_queue,
                "must not be empty",
            ));
        }
        let mut seen = BTreeSet::new();
        for route in &self.routes {
            if route.queue.trim().is_empty() {
                return Err(Error::validation(
                    "dispatch.queue",
                    &route.queue,
                    "must not be empty",
                ));
            }
            if route.categories.is_empty() {
                return Err(Error::validation(
                    "dispatch.categories",
                    &route.queue,
                    "a route needs at least one category",
                ));
            }
            for category in &route.categories {
                let key = category.trim().to_ascii_lowercase();
                if key.is_empty() {
                    return Err(Error::validation(
                        "dispatch.categories",
                        category,
                        "must not be empty",
                    ));
                }
                if !seen.insert(key) {
                    return Err(Error::validation(
                        "dispatch.categories",
                        category,
                        "routed twice",
                    ));
                }
            }
        }
        Ok(())
    }
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dispatch() -> TicketDispatch {
        TicketDispatch {
            routes: vec![
                DispatchRoute {
                    categories: vec!["billing".into(), "退款".into()],
                    queue: "财务组".into(),
                },
                DispatchRoute {
                    categories: vec!["安装".into()],
                    queue: "实施组".into(),
                },
            ],
            fallback_queue: "一线客服".into(),
        }
    }

    #[test]
    fn categories_pick_their_queue_and_the_rest_falls_back() {
        let d = dispatch();
        d.check().unwrap();
        assert_eq!(d.queue_for(Some(" BILLING ")), "财务组");
        assert_eq!(d.queue_for(Some("退款")), "财务组");
        assert_eq!(d.queue_for(Some("安装")), "实施组");
        assert_eq!(d.queue_for(Some("咨询")), "一线客服");
        assert_eq!(d.queue_for(None), "一线客服");
    }

    #[test]
    fn malformed_dispatch_is_refused() {
        let mut twice = dispatch();
        twice.routes[1].categories.push("Billing".into());
        assert!(twice.check().is_err());
        let mut empty = dispatch();
        empty.routes[0].queue = " ".into();
        assert!(empty.check().is_err());
        let mut none = dispatch();
        none.routes[0].categories.clear();
        assert!(none.check().is_err());
        let unknown = r#"{"routes": [], "fallback_queue": "x", "default": "y"}"#;
        assert!(serde_json::from_str::<TicketDispatch>(unknown).is_err());
    }
}
