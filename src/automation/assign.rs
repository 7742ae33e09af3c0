//! The `assign` action and ticket queues: an assignment table of the rule book run over
//! the tenant's users, its rotation state kept in the store.

use crm_core::automation::RuleState;
use crm_core::id::UserId;
use crm_core::model::User;
use crm_core::query::{Predicate, Query};
use crm_core::record::Row;
use crm_core::{Error, ObjectKind, Result};
use crm_rules::assignment::{AssignmentState, Member, Roster, Strategy};
use crm_rules::{AssignmentTable, FactMap, when::When};

use crate::UnitOfWork;

/// The key of the assignment rotation state among a tenant's [`RuleState`]s.
const STATE_KEY: &str = "assignment";

/// The statuses of records of `kind` that still count as someone's open work.
fn open_items(kind: ObjectKind) -> Predicate {
    match kind {
        ObjectKind::Lead => Predicate::is_in("status", ["new", "working", "qualified"]),
        ObjectKind::Opportunity => Predicate::eq("status", "open"),
        ObjectKind::Ticket => Predicate::is_in("status", ["solved", "closed"]).negate(),
        ObjectKind::Activity => Predicate::is_null("done_at"),
        _ => Predicate::is_null("deleted_at"),
    }
}

impl UnitOfWork<'_> {
    /// Run `table` for the record `row` (with `facts`): the user it picks, if any, and why.
    /// Users are available when active; their open items are the records of the same kind
    /// they own and still work on.
    pub(crate) async fn assign_with(
        &mut self,
        table: &AssignmentTable<When>,
        row: &Row,
        facts: &FactMap,
    ) -> Result<(Option<UserId>, String)> {
        let roster = self.roster(table, row.kind).await?;
        let saved = self.assignment_state().await?;
        let mut state = match &saved {
            Some(record) => serde_json::from_value(record.data.state.clone())
                .map_err(|e| Error::Internal(format!("stored assignment state: {e}")))?,
            None => AssignmentState::new(),
        };
        let outcome = table.assign(facts, &roster, &mut state);
        let state = serde_json::to_value(&state)
            .map_err(|e| Error::Internal(format!("assignment state to JSON: {e}")))?;
        match saved {
            Some(mut record) => {
                record.data.state = state;
                self.update(record).await?;
            }
            None => {
                let record = RuleState {
                    key: STATE_KEY.to_owned(),
                    state,
                };
                self.create_owned(None, record).await?;
            }
        }
        Ok((outcome.user(), outcome.reason().to_owned()))
    }

    async fn assignment_state(&self) -> Result<Option<crm_core::Record<RuleState>>> {
        let query = Query::filter(Predicate::eq("key", STATE_KEY)).limit(1);
        Ok(self
            .reader()
            .list::<RuleState>(self.actor.tenant, &query)
            .await?
            .pop())
    }

    /// The users `table` may pick, as assignment sees them.
    async fn roster(&self, table: &AssignmentTable<When>, kind: ObjectKind) -> Result<Roster> {
        let mut users: Vec<UserId> = table
            .entries
            .iter()
            .map(|e| &e.strategy)
            .chain(&table.fallback)
            .flat_map(Strategy::users)
            .collect();
        users.sort();
        users.dedup();
        let mut roster = Roster::new();
        for user in users {
            let profile = self
                .reader()
                .get_any::<User>(self.actor.tenant, user)
                .await?
                .filter(|u| !u.is_deleted());
            let Some(profile) = profile else { continue };
            let owned = Predicate::eq("owner", user).and(open_items(kind));
            let open = self
                .reader()
                .count_rows(kind, self.actor.tenant, &Query::filter(owned))
                .await?;
            roster.insert(
                user,
                Member {
                    name: Some(profile.data.name.to_string()),
                    available: profile.data.active,
                    open_items: u32::try_from(open).unwrap_or(u32::MAX),
                    max_open: None,
                },
            );
        }
        Ok(roster)
    }
}
