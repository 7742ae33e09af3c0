//! Who performs an operation: a user of a tenant, or the system itself (imports, rules).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::InvalidValue;
use crate::id::{TenantId, UserId};

/// The identity behind a change, as recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Principal {
    /// A user.
    User(UserId),
    /// The engine on its own behalf (an import, an automation rule).
    System,
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::User(id) => write!(f, "user:{id}"),
            Principal::System => f.write_str("system"),
        }
    }
}

impl FromStr for Principal {
    type Err = InvalidValue;
    fn from_str(s: &str) -> Result<Self, InvalidValue> {
        match s.strip_prefix("user:") {
            Some(id) => Ok(Principal::User(id.parse()?)),
            None if s == "system" => Ok(Principal::System),
            None => Err(InvalidValue::new(
                "principal",
                s,
                "expected `system` or `user:<uuid>`",
            )),
        }
    }
}

/// Every operation takes an actor: the tenant it acts in and who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// The tenant; an actor never sees another tenant's records.
    pub tenant: TenantId,
    /// Who acts.
    pub principal: Principal,
}

impl Actor {
    /// `user` acting in `tenant`.
    pub fn user(tenant: TenantId, user: UserId) -> Actor {
        Actor {
            tenant,
            principal: Principal::User(user),
        }
    }

    /// The system acting in `tenant`.
    pub fn system(tenant: TenantId) -> Actor {
        Actor {
            tenant,
            principal: Principal::System,
        }
    }

    /// The acting user, if a user acts.
    pub fn user_id(&self) -> Option<UserId> {
        match self.principal {
            Principal::User(id) => Some(id),
            Principal::System => None,
        }
    }
}
