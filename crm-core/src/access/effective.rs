//! What a set of roles allows together, merged once per distinct set of roles so a check
//! is an array index, whatever the number of roles and rules.

use std::collections::{BTreeMap, HashMap};

use super::{Action, Context, FieldAccess, Role, Scope, ScopeKind, ScopeSet};
use crate::error::{Error, Result};
use crate::query::{Condition, Predicate};
use crate::record::ObjectKind;

/// The position of `kind` in [`ObjectKind::ALL`] (the declaration order).
pub(crate) fn kind_index(kind: ObjectKind) -> usize {
    kind as usize
}

/// A custom scope: as written (for plans) and resolved (for checks).
pub(crate) type CustomScope = (Predicate, Condition);

/// The union of the scopes granted for one kind and action.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grant<'a> {
    pub(crate) scopes: ScopeSet,
    /// The custom scopes, when `scopes` holds [`ScopeKind::Matching`].
    pub(crate) custom: &'a [CustomScope],
}

impl Grant<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }
}

/// The merged access of one set of roles.
#[derive(Debug, Default)]
pub(crate) struct EffectiveAccess {
    /// Whether there was any role at all: without one, a user sees nothing.
    pub(crate) has_role: bool,
    /// Indexed by `kind_index * Action::COUNT + action index`: one byte each, so the
    /// table of a role set stays in a few cache lines however many role sets there are.
    scopes: Vec<ScopeSet>,
    /// Custom scopes by the same index, only for the slots that have some.
    custom: HashMap<usize, Vec<CustomScope>>,
    /// Per kind and field named by some rule, the access in each context.
    fields: HashMap<ObjectKind, BTreeMap<String, [FieldAccess; 3]>>,
}

impl EffectiveAccess {
    /// Merge `roles`: scopes add up, and for each field the most permissive access wins (a
    /// role without a rule for a field leaves it editable).
    pub(crate) fn merge(roles: &[&Role]) -> Result<EffectiveAccess> {
        let mut scopes = vec![ScopeSet::default(); ObjectKind::ALL.len() * Action::COUNT];
        let mut custom: HashMap<usize, Vec<CustomScope>> = HashMap::new();
        for role in roles {
            for (&object, actions) in &role.permissions {
                for (&action, scope) in actions {
                    scopes[slot(object, action)].insert(scope.kind());
                    if let Scope::Matching { predicate } = scope {
                        let condition = predicate.resolve(object)?;
                        if condition.has_sub_select() {
                            return Err(Error::validation(
                                format!("role {}", role.name),
                                format!("{predicate:?}"),
                                "a custom scope tests the record's own fields, without sub-selects",
                            ));
                        }
                        custom
                            .entry(slot(object, action))
                            .or_default()
                            .push((predicate.clone(), condition));
                    }
                }
            }
        }
        let mut fields: HashMap<ObjectKind, BTreeMap<String, [FieldAccess; 3]>> = HashMap::new();
        for rule in roles.iter().flat_map(|r| &r.fields) {
            fields
                .entry(rule.object)
                .or_default()
                .entry(rule.field.clone())
                .or_insert([FieldAccess::Hidden; 3]);
        }
        for (object, named) in &mut fields {
            for (field, access) in named.iter_mut() {
                for context in Context::ALL {
                    access[context.index()] = roles
                        .iter()
                        .map(|role| role_field_access(role, *object, field, context))
                        .max_by_key(|a| a.rank())
                        .unwrap_or(FieldAccess::Hidden);
                }
            }
        }
        Ok(EffectiveAccess {
            has_role: !roles.is_empty(),
            scopes,
            custom,
            fields,
        })
    }

    pub(crate) fn grant(&self, object: ObjectKind, action: Action) -> Grant<'_> {
        let slot = slot(object, action);
        let scopes = self.scopes[slot];
        let custom = match scopes.contains(ScopeKind::Matching) {
            true => self.custom.get(&slot).map_or(&[][..], Vec::as_slice),
            false => &[],
        };
        Grant { scopes, custom }
    }

    /// The access to `field` of `object` in `context`.
    pub(crate) fn field(&self, object: ObjectKind, field: &str, context: Context) -> FieldAccess {
        self.fields
            .get(&object)
            .and_then(|named| named.get(field))
            .map_or(FieldAccess::Editable, |a| a[context.index()])
    }

    /// Every field of `object` some rule names, with its access in `context`.
    pub(crate) fn fields_of(
        &self,
        object: ObjectKind,
        context: Context,
    ) -> impl Iterator<Item = (&str, FieldAccess)> {
        self.fields.get(&object).into_iter().flat_map(move |named| {
            named
                .iter()
                .map(move |(f, a)| (f.as_str(), a[context.index()]))
        })
    }
}

fn slot(object: ObjectKind, action: Action) -> usize {
    kind_index(object) * Action::COUNT + action.index()
}

/// One role's access to a field: its most permissive rule for it, or editable without one.
fn role_field_access(
    role: &Role,
    object: ObjectKind,
    field: &str,
    context: Context,
) -> FieldAccess {
    role.fields
        .iter()
        .filter(|r| r.object == object && r.field == field && r.contexts.contains(&context))
        .map(|r| r.access)
        .max_by_key(|a| a.rank())
        .unwrap_or(FieldAccess::Editable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_index_in_declaration_order() {
        for (i, kind) in ObjectKind::ALL.into_iter().enumerate() {
            assert_eq!(kind_index(kind), i, "{kind}");
        }
    }
}
