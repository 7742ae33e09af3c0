//! Records as an actor may see them: [`Redacted`] views with hidden fields left out and
//! masked ones shown masked (`138****5678`), for detail pages, lists and exports.

use crm_core::access::{Context, Redacted};
use crm_core::id::RecordId;
use crm_core::query::Query;
use crm_core::record::Row;

use crate::enforce::Gate;
use crate::{Actor, Entity, Error, Records, Result};

impl<T: Entity> Records<'_, T> {
    /// The live record `id` as `actor` may see it in `context`, or [`Error::NotFound`] —
    /// also when they may not read it.
    ///
    /// ```
    /// use crm::{Crm, Actor, core::access::Context, model::Account, value::CompanyName};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> crm::Result<()> {
    /// let crm = Crm::open("memory://").await?;
    /// let system = Actor::system(crm::id::TenantId(uuid::Uuid::nil()));
    /// let account = Account::new(CompanyName::parse("北京华为技术有限公司")?);
    /// let saved = crm.accounts().create(&system, account).await?;
    /// let view = crm.accounts().view(&system, saved.id, Context::Detail).await?;
    /// assert_eq!(view.fields["name"], "北京华为技术有限公司");
    /// # Ok(()) }
    /// ```
    pub async fn view(&self, actor: &Actor, id: T::Id, context: Context) -> Result<Redacted> {
        let (row, gate) = self.readable_row(actor, id).await?;
        gate.view(context, &row)
    }

    /// The records matching `query` that `actor` may read, as they may see them in
    /// `context` (an export uses [`Context::Export`]).
    pub async fn list_views(
        &self,
        actor: &Actor,
        query: &Query,
        context: Context,
    ) -> Result<Vec<Redacted>> {
        let (rows, gate) = self.readable_rows(actor, query).await?;
        rows.iter().map(|row| gate.view(context, row)).collect()
    }

    /// The live row `id` if `actor` may read it, with their gate.
    pub(crate) async fn readable_row(&self, actor: &Actor, id: T::Id) -> Result<(Row, Gate)> {
        let gate = self.crm.gate(actor).await?;
        let row = self
            .crm
            .reader()
            .get_row(T::KIND, actor.tenant, id.uuid())
            .await?
            .filter(|row| row.meta.deleted_at.is_none())
            .ok_or_else(|| Error::NotFound {
                object: T::KIND.as_str(),
                id: id.to_string(),
            })?;
        gate.read(&row)?;
        Ok((row, gate))
    }

    /// The rows matching `query` among those `actor` may read, with their gate.
    pub(crate) async fn readable_rows(
        &self,
        actor: &Actor,
        query: &Query,
    ) -> Result<(Vec<Row>, Gate)> {
        let gate = self.crm.gate(actor).await?;
        let rows = match gate.scoped(T::KIND, query) {
            Some(query) => {
                self.crm
                    .reader()
                    .list_rows(T::KIND, actor.tenant, &query)
                    .await?
            }
            None => Vec::new(),
        };
        Ok((rows, gate))
    }
}
