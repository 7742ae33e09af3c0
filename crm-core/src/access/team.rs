//! Team membership as stored rows, derived from [`Team::members`] and [`Team::leader`], so
//! the team scope compiles to an indexed sub-select.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Delta;
use crate::id::{TeamId, TeamMemberId, UserId};
use crate::model::Team;
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};

/// One user in one team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TeamMember {
    /// The team.
    pub team: TeamId,
    /// The user.
    pub user: UserId,
    /// Whether the user leads the team.
    pub leader: bool,
}

/// The membership rows of `team`: every member and the leader, once each, by user.
pub fn team_members(id: TeamId, team: &Team) -> Vec<TeamMember> {
    let mut rows: BTreeMap<UserId, bool> = team.members.iter().map(|u| (*u, false)).collect();
    if let Some(leader) = team.leader {
        rows.insert(leader, true);
    }
    rows.into_iter()
        .map(|(user, leader)| TeamMember {
            team: id,
            user,
            leader,
        })
        .collect()
}

/// The rows to remove and to add when team `id` changes from `before` to `after` (`None`:
/// the team does not exist, or is deleted).
pub fn team_member_delta(
    id: TeamId,
    before: Option<&Team>,
    after: Option<&Team>,
) -> Delta<TeamMember> {
    let rows = |team: Option<&Team>| team.map(|t| team_members(id, t)).unwrap_or_default();
    Delta::between(rows(before), rows(after))
}

pub(crate) const TEAM_MEMBER_COLUMNS: &[Column] = &[
    Column::new("team", ColumnType::Uuid).indexed(),
    Column::new("user", ColumnType::Uuid).indexed(),
    Column::new("leader", ColumnType::Bool),
];

impl Entity for TeamMember {
    type Id = TeamMemberId;
    const KIND: ObjectKind = ObjectKind::TeamMember;

    fn references(&self) -> Vec<Reference> {
        vec![
            Reference::to("team", ObjectKind::Team, self.team),
            Reference::to("user", ObjectKind::User, self.user),
        ]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use uuid::Uuid;

    use super::*;

    fn u(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    #[test]
    fn the_leader_is_a_member_once_and_changes_are_exact() {
        let id = TeamId(Uuid::from_u128(9));
        let before = Team {
            name: "华东一组".into(),
            leader: Some(u(1)),
            members: BTreeSet::from([u(1), u(2), u(3)]),
        };
        let rows = team_members(id, &before);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows.iter().filter(|r| r.leader).count(), 1);
        let mut after = before.clone();
        after.leader = Some(u(2));
        after.members.remove(&u(3));
        let delta = team_member_delta(id, Some(&before), Some(&after));
        let user_leader =
            |rows: &[TeamMember]| rows.iter().map(|r| (r.user, r.leader)).collect::<Vec<_>>();
        assert_eq!(
            user_leader(&delta.removed),
            [(u(1), true), (u(2), false), (u(3), false)]
        );
        assert_eq!(user_leader(&delta.added), [(u(1), false), (u(2), true)]);
        assert_eq!(team_member_delta(id, Some(&before), None).removed, rows);
    }
}
