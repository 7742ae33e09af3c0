//! Record sharing: one record given to a user, a team or a department, to read or to edit,
//! until an optional expiry. Collaborators (团队成员) are shares marked as such.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Action;
use crate::clock::to_stored_precision;
use crate::error::{Error, Result};
use crate::id::{DepartmentId, ShareId, TeamId, UserId};
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};

/// Who a record is shared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grantee {
    /// One user.
    User(UserId),
    /// Every member (and the leader) of a team.
    Team(TeamId),
    /// Every user of a department or of a department below it.
    Department(DepartmentId),
}

/// What a share allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareLevel {
    /// Read the record.
    Read,
    /// Read and update the record.
    Edit,
}

impl ShareLevel {
    /// Every level.
    pub const ALL: [ShareLevel; 2] = [ShareLevel::Read, ShareLevel::Edit];

    /// Whether a share of this level allows `action` (only reading and updating are
    /// ever shared).
    pub fn allows(self, action: Action) -> bool {
        match self {
            ShareLevel::Read => action == Action::Read,
            ShareLevel::Edit => matches!(action, Action::Read | Action::Update),
        }
    }

    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareLevel::Read => "read",
            ShareLevel::Edit => "edit",
        }
    }
}

/// One record shared with a grantee. A share extends what a role's data scope reaches; it
/// never grants an action the actor's roles do not grant on the kind at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// The kind of the shared record.
    pub object: ObjectKind,
    /// The shared record.
    pub record: Uuid,
    /// Who it is shared with.
    pub grantee: Grantee,
    /// What they may do.
    pub level: ShareLevel,
    /// When the share lapses (exclusive); `None` for never. Microsecond precision, like
    /// every stored instant.
    pub expires_at: Option<DateTime<Utc>>,
    /// A collaborator (团队成员) of the record rather than a plain share.
    #[serde(default)]
    pub collaborator: bool,
}

impl Share {
    /// A share of `record` (of kind `object`) with `grantee` at `level`, without expiry.
    pub fn new(object: ObjectKind, record: Uuid, grantee: Grantee, level: ShareLevel) -> Share {
        Share {
            object,
            record,
            grantee,
            level,
            expires_at: None,
            collaborator: false,
        }
    }

    /// This share, lapsing at `at` (truncated to stored precision).
    pub fn until(mut self, at: DateTime<Utc>) -> Share {
        self.expires_at = Some(to_stored_precision(at));
        self
    }

    /// This share, as a collaborator (团队成员).
    pub fn as_collaborator(mut self) -> Share {
        self.collaborator = true;
        self
    }

    /// Whether the share is in force at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

pub(crate) const SHARE_COLUMNS: &[Column] = &[
    Column::new("object", ColumnType::Text),
    Column::new("record", ColumnType::Uuid).indexed(),
    Column::new("grantee_user", ColumnType::Uuid)
        .at("/grantee/user")
        .indexed(),
    Column::new("grantee_team", ColumnType::Uuid)
        .at("/grantee/team")
        .indexed(),
    Column::new("grantee_department", ColumnType::Uuid)
        .at("/grantee/department")
        .indexed(),
    Column::new("level", ColumnType::Text),
    Column::new("expires_at", ColumnType::Timestamp),
];

impl Entity for Share {
    type Id = ShareId;
    const KIND: ObjectKind = ObjectKind::Share;

    fn check(&self) -> Result<()> {
        // A finer expiry would compare differently in memory and in SQL.
        if let Some(at) = self.expires_at.filter(|at| to_stored_precision(*at) != *at) {
            return Err(Error::validation(
                "expires_at",
                at.to_rfc3339(),
                "instants are stored to the microsecond; use Share::until",
            ));
        }
        Ok(())
    }

    fn references(&self) -> Vec<Reference> {
        let grantee = match self.grantee {
            Grantee::User(id) => Reference::to("grantee", ObjectKind::User, id),
            Grantee::Team(id) => Reference::to("grantee", ObjectKind::Team, id),
            Grantee::Department(id) => Reference::to("grantee", ObjectKind::Department, id),
        };
        vec![
            Reference {
                field: "record",
                kind: self.object,
                id: self.record,
            },
            grantee,
        ]
    }
}
