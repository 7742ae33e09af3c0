//! Roles: per object kind and action, the data scope a role grants; per field, what its
//! users may see and change. A user's access is the union of their roles'.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Action, FieldRule, Scope};
use crate::error::{Error, Result};
use crate::id::{RoleAssignmentId, RoleId, UserId};
use crate::model::check_text;
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};

/// A named set of permissions, e.g. 「销售代表」 or 「销售经理」.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    /// The role's name.
    pub name: String,
    /// Per object kind and action, the scope granted; an action absent here is not granted.
    #[serde(default)]
    pub permissions: BTreeMap<ObjectKind, BTreeMap<Action, Scope>>,
    /// Field rules; a field no rule names is editable.
    #[serde(default)]
    pub fields: Vec<FieldRule>,
}

impl Role {
    /// A role granting nothing yet.
    pub fn new(name: &str) -> Role {
        Role {
            name: name.into(),
            permissions: BTreeMap::new(),
            fields: Vec::new(),
        }
    }

    /// This role, also granting `actions` on `object` within `scope`.
    pub fn grant(
        mut self,
        object: ObjectKind,
        actions: impl IntoIterator<Item = Action>,
        scope: Scope,
    ) -> Role {
        let granted = self.permissions.entry(object).or_default();
        for action in actions {
            granted.insert(action, scope.clone());
        }
        self
    }

    /// This role, with one more field rule.
    pub fn field(mut self, rule: FieldRule) -> Role {
        self.fields.push(rule);
        self
    }

    /// The scope this role grants for `action` on `object`, if any.
    pub fn scope(&self, object: ObjectKind, action: Action) -> Option<&Scope> {
        self.permissions.get(&object)?.get(&action)
    }
}

pub(crate) const ROLE_COLUMNS: &[Column] = &[Column::new("name", ColumnType::Text).indexed()];

impl Entity for Role {
    type Id = RoleId;
    const KIND: ObjectKind = ObjectKind::Role;

    /// The name is set; custom scopes resolve against their kind and test fields only (a
    /// check evaluates them on the record alone); field rules name a field and a context.
    fn check(&self) -> Result<()> {
        check_text("name", &self.name, 100)?;
        for (object, actions) in &self.permissions {
            for (action, scope) in actions {
                if let Scope::Matching { predicate } = scope {
                    let condition = predicate.resolve(*object)?;
                    if condition.has_sub_select() {
                        return Err(Error::validation(
                            format!("permissions.{object}.{action}"),
                            format!("{predicate:?}"),
                            "a custom scope tests the record's own fields, without sub-selects",
                        ));
                    }
                }
            }
        }
        for rule in &self.fields {
            let field = format!("fields.{}", rule.object);
            check_text(&field, &rule.field, 100)?;
            if rule.contexts.is_empty() {
                return Err(Error::validation(
                    field,
                    &rule.field,
                    "the rule applies in no context",
                ));
            }
        }
        Ok(())
    }
}

/// A role given to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoleAssignment {
    /// The user.
    pub user: UserId,
    /// The role.
    pub role: RoleId,
}

pub(crate) const ROLE_ASSIGNMENT_COLUMNS: &[Column] = &[
    Column::new("user", ColumnType::Uuid).indexed(),
    Column::new("role", ColumnType::Uuid).indexed(),
];

impl Entity for RoleAssignment {
    type Id = RoleAssignmentId;
    const KIND: ObjectKind = ObjectKind::RoleAssignment;

    fn references(&self) -> Vec<Reference> {
        vec![
            Reference::to("user", ObjectKind::User, self.user),
            Reference::to("role", ObjectKind::Role, self.role),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{FieldAccess, Mask};
    use crate::error::ErrorKind;
    use crate::query::Predicate;

    #[test]
    fn roles_round_trip_through_json_and_refuse_bad_scopes() {
        let role = Role::new("销售代表")
            .grant(
                ObjectKind::Account,
                [Action::Read, Action::Update],
                Scope::OwnAndSubordinates,
            )
            .grant(
                ObjectKind::Account,
                [Action::Claim],
                Scope::Matching {
                    predicate: Predicate::is_null("owner"),
                },
            )
            .field(FieldRule::new(
                ObjectKind::Account,
                "phone",
                FieldAccess::Masked { mask: Mask::Phone },
            ));
        role.check().unwrap();
        let json = serde_json::to_string(&role).unwrap();
        assert_eq!(serde_json::from_str::<Role>(&json).unwrap(), role);
        assert_eq!(
            role.scope(ObjectKind::Account, Action::Read),
            Some(&Scope::OwnAndSubordinates)
        );
        assert_eq!(role.scope(ObjectKind::Account, Action::Delete), None);
        let bad = Role::new("x").grant(
            ObjectKind::Account,
            [Action::Read],
            Scope::Matching {
                predicate: Predicate::in_select("owner", ObjectKind::User, "id", Predicate::True),
            },
        );
        assert_eq!(bad.check().unwrap_err().kind(), ErrorKind::Validation);
        let unknown = Role::new("x").grant(
            ObjectKind::Account,
            [Action::Read],
            Scope::Matching {
                predicate: Predicate::eq("no_such_field", "x"),
            },
        );
        assert_eq!(unknown.check().unwrap_err().kind(), ErrorKind::Validation);
    }
}
