//! Field-level security on output: [`Directory::redact`] turns a stored row into what an
//! actor may see in a context, and [`Directory::check_writable`] refuses edits of fields
//! the actor may not change.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use super::{Context, Directory, FieldAccess, Mask, Reason};
use crate::actor::Actor;
use crate::error::{Error, Result};
use crate::record::{Meta, ObjectKind, Row};

/// A record as one actor may see it: hidden fields absent, masked ones replaced by their
/// masked text. It holds no trace of the values it leaves out, so its `Debug` and its
/// serialised form are as safe to show as the record itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Redacted {
    /// The object kind.
    pub kind: ObjectKind,
    /// The record id.
    pub id: Uuid,
    /// Tenant, owner, timestamps, version.
    pub meta: Meta,
    /// The visible fields, as in the record's JSON body.
    pub fields: Map<String, Json>,
    /// Visible fields the actor may not change (read-only or masked).
    pub read_only: BTreeSet<String>,
}

impl Directory {
    /// The access `actor` has to `field` of `kind` in `context`: everything for the
    /// system, nothing for a user without a role, else the most permissive of their roles'
    /// rules (editable when none names the field).
    pub fn field_access(
        &self,
        actor: &Actor,
        kind: ObjectKind,
        field: &str,
        context: Context,
    ) -> FieldAccess {
        match self.member(actor) {
            Err(Reason::System) => FieldAccess::Editable,
            Err(_) => FieldAccess::Hidden,
            Ok((_, me)) if !me.access.has_role => FieldAccess::Hidden,
            Ok((_, me)) => me.access.field(kind, field, context),
        }
    }

    /// `row` as `actor` may see it in `context`.
    pub fn redact(&self, actor: &Actor, context: Context, row: &Row) -> Result<Redacted> {
        let mut fields: Map<String, Json> = serde_json::from_str(&row.body).map_err(|e| {
            Error::storage(
                format!("redact {} {}", row.kind, row.id),
                format!("stored body is not a JSON object: {e}"),
            )
        })?;
        let mut read_only = BTreeSet::new();
        match self.member(actor) {
            Err(Reason::System) => {}
            Err(_) => fields.clear(),
            Ok((_, me)) if !me.access.has_role => fields.clear(),
            Ok((_, me)) => {
                for (field, access) in me.access.fields_of(row.kind, context) {
                    let visible = match access {
                        FieldAccess::Editable => continue,
                        FieldAccess::ReadOnly => true,
                        FieldAccess::Hidden => {
                            take(&mut fields, field);
                            false
                        }
                        FieldAccess::Masked { mask } => match take(&mut fields, field) {
                            Some(value) => match masked(value, mask) {
                                Some(shown) => {
                                    put(&mut fields, field, shown);
                                    true
                                }
                                None => false,
                            },
                            None => false,
                        },
                    };
                    if visible && get(&fields, field).is_some() {
                        read_only.insert(field.to_owned());
                    }
                }
            }
        }
        Ok(Redacted {
            kind: row.kind,
            id: row.id,
            meta: row.meta.clone(),
            fields,
            read_only,
        })
    }

    /// `Ok` if `actor` may change every one of `fields` of `kind` (names as in the audit
    /// log: `phone`, `custom.budget`), else [`Error::PermissionDenied`] naming the first
    /// that is not editable in the detail context.
    pub fn check_writable<'a>(
        &self,
        actor: &Actor,
        kind: ObjectKind,
        fields: impl IntoIterator<Item = &'a str>,
    ) -> Result<()> {
        for field in fields {
            let access = self.field_access(actor, kind, field, Context::Detail);
            if !access.is_editable() {
                return Err(Error::PermissionDenied {
                    action: "update".into(),
                    object: format!("{kind}.{field}"),
                    reason: format!("the field is {access:?} for this user").to_lowercase(),
                });
            }
        }
        Ok(())
    }
}

/// Split `custom.budget` into the custom-fields object and the key.
fn path(field: &str) -> (Option<&str>, &str) {
    match field.split_once('.') {
        Some((outer, inner)) => (Some(outer), inner),
        None => (None, field),
    }
}

fn get<'a>(fields: &'a Map<String, Json>, field: &str) -> Option<&'a Json> {
    match path(field) {
        (None, key) => fields.get(key),
        (Some(outer), key) => fields.get(outer)?.as_object()?.get(key),
    }
}

fn take(fields: &mut Map<String, Json>, field: &str) -> Option<Json> {
    match path(field) {
        (None, key) => fields.remove(key),
        (Some(outer), key) => fields.get_mut(outer)?.as_object_mut()?.remove(key),
    }
}

fn put(fields: &mut Map<String, Json>, field: &str, value: Json) {
    match path(field) {
        (None, key) => {
            fields.insert(key.to_owned(), value);
        }
        (Some(outer), key) => {
            if let Some(inner) = fields.get_mut(outer).and_then(Json::as_object_mut) {
                inner.insert(key.to_owned(), value);
            }
        }
    }
}

/// The masked form of a JSON value: text and numbers masked, a tagged custom value
/// (`{"type": ..., "value": ...}`) with its value masked, null kept; anything else has no
/// text to mask and is left out (`None`).
fn masked(value: Json, mask: Mask) -> Option<Json> {
    match value {
        Json::Null => Some(Json::Null),
        Json::String(text) => Some(Json::String(mask.apply(&text))),
        Json::Number(n) => Some(Json::String(mask.apply(&n.to_string()))),
        Json::Object(mut tagged) if tagged.contains_key("type") => {
            let inner = masked(tagged.remove("value")?, mask)?;
            tagged.insert("value".into(), inner);
            Some(Json::Object(tagged))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::access::{Action, FieldRule, Role, RoleAssignment, Scope};
    use crate::error::ErrorKind;
    use crate::fields::FieldValue;
    use crate::id::{AccountId, RoleAssignmentId, RoleId, TenantId, UserId};
    use crate::model::{Account, User};
    use crate::record::Record;
    use crate::value::{CompanyName, Email, PersonName, Phone};

    const MOBILE: &str = "+86 139 8765 4321";

    fn tenant() -> TenantId {
        TenantId(Uuid::from_u128(1))
    }

    /// A rep whose list and export views mask the phone and hide the email, whose detail
    /// view shows the phone read-only; and a second, read-only role that shows the email
    /// in lists.
    fn directory(with_second_role: bool) -> (Directory, Actor, Actor) {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let (rep, idle) = (UserId(Uuid::from_u128(10)), UserId(Uuid::from_u128(11)));
        let users = [rep, idle].map(|id| {
            Record::new(
                id,
                tenant(),
                None,
                now,
                User::new(PersonName::parse("李娜").unwrap()),
            )
        });
        let masked = Role::new("销售")
            .grant(ObjectKind::Account, [Action::Read], Scope::Own)
            .field(
                FieldRule::new(
                    ObjectKind::Account,
                    "phone",
                    FieldAccess::Masked { mask: Mask::Phone },
                )
                .only_in([Context::List, Context::Export]),
            )
            .field(
                FieldRule::new(ObjectKind::Account, "phone", FieldAccess::ReadOnly)
                    .only_in([Context::Detail]),
            )
            .field(FieldRule::new(
                ObjectKind::Account,
                "email",
                FieldAccess::Hidden,
            ))
            .field(FieldRule::new(
                ObjectKind::Account,
                "custom.budget",
                FieldAccess::Masked {
                    mask: Mask::Keep { first: 1, last: 0 },
                },
            ));
        let lenient = Role::new("只读").field(
            FieldRule::new(ObjectKind::Account, "email", FieldAccess::ReadOnly)
                .only_in([Context::List]),
        );
        let roles = [
            Record::new(RoleId(Uuid::from_u128(20)), tenant(), None, now, masked),
            Record::new(RoleId(Uuid::from_u128(21)), tenant(), None, now, lenient),
        ];
        let count = if with_second_role { 2 } else { 1 };
        let assignments: Vec<_> = roles[..count]
            .iter()
            .enumerate()
            .map(|(i, role)| {
                Record::new(
                    RoleAssignmentId(Uuid::from_u128(30 + i as u128)),
                    tenant(),
                    None,
                    now,
                    RoleAssignment {
                        user: rep,
                        role: role.id,
                    },
                )
            })
            .collect();
        let directory = Directory::builder(tenant())
            .users(&users)
            .roles(&roles)
            .assignments(&assignments)
            .build()
            .unwrap();
        (
            directory,
            Actor::user(tenant(), rep),
            Actor::user(tenant(), idle),
        )
    }

    fn row() -> Row {
        let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let mut account = Account::new(CompanyName::parse("北京华为技术有限公司").unwrap());
        account.phone = Some(Phone::parse(MOBILE).unwrap());
        account.email = Some(Email::parse("zhang.wei@example.com").unwrap());
        account.custom.insert(
            "budget".into(),
            FieldValue::Number(rust_decimal::Decimal::new(987_654, 0)),
        );
        Record::new(AccountId(Uuid::from_u128(40)), tenant(), None, now, account)
            .to_row()
            .unwrap()
    }

    #[test]
    fn masked_and_hidden_values_leave_no_trace_in_any_output() {
        let (directory, rep, _) = directory(false);
        let shown = directory.redact(&rep, Context::List, &row()).unwrap();
        assert_eq!(shown.fields["phone"], "139****4321");
        assert!(!shown.fields.contains_key("email"));
        assert_eq!(shown.fields["custom"]["budget"]["value"], "9*****");
        assert_eq!(shown.fields["name"], "北京华为技术有限公司");
        assert_eq!(
            shown
                .read_only
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            ["custom.budget", "phone"]
        );
        let outputs = [
            format!("{shown:?}"),
            serde_json::to_string(&shown).unwrap(),
            serde_json::to_string_pretty(&shown).unwrap(),
        ];
        for output in outputs {
            for secret in [
                "98765",
                "8765",
                "zhang.wei",
                "example.com",
                "987654",
                "87654",
            ] {
                assert!(!output.contains(secret), "{secret} leaks in {output}");
            }
        }
        let detail = directory.redact(&rep, Context::Detail, &row()).unwrap();
        assert_eq!(
            detail.fields["phone"], "+8613987654321",
            "read-only in detail, not masked"
        );
    }

    #[test]
    fn the_most_permissive_role_wins_and_no_role_sees_nothing() {
        let (directory, rep, idle) = directory(true);
        let list = directory.redact(&rep, Context::List, &row()).unwrap();
        assert_eq!(list.fields["email"], "zhang.wei@example.com");
        // The second role has no rule for the phone: editable wins over masked.
        assert_eq!(list.fields["phone"], "+8613987654321");
        let export = directory.redact(&rep, Context::Export, &row()).unwrap();
        assert!(
            export.fields.contains_key("email"),
            "no rule of the second role: editable"
        );
        let nothing = directory.redact(&idle, Context::Detail, &row()).unwrap();
        assert!(nothing.fields.is_empty());
        let all = directory
            .redact(&Actor::system(tenant()), Context::Export, &row())
            .unwrap();
        assert_eq!(all.fields["email"], "zhang.wei@example.com");
    }

    #[test]
    fn only_editable_fields_may_change() {
        let (directory, rep, idle) = directory(false);
        directory
            .check_writable(&rep, ObjectKind::Account, ["name", "level", "custom.other"])
            .unwrap();
        let err = directory
            .check_writable(&rep, ObjectKind::Account, ["name", "phone"])
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        assert!(err.to_string().contains("account.phone"), "{err}");
        assert!(
            directory
                .check_writable(&idle, ObjectKind::Account, ["name"])
                .is_err()
        );
        assert!(
            directory
                .check_writable(&rep, ObjectKind::Account, ["custom.budget"])
                .is_err()
        );
    }
}
