//! Moving deals through pipeline stages: the requirements are checked against the deal and
//! its done activities, the deal is won, lost or reopened as the stage says, and the move is
//! kept as a [`StageChange`] — all in one unit of work.

use std::collections::BTreeSet;

use crm_core::aggregate::Aggregate;
use crm_core::id::{OpportunityId, PipelineId};
use crm_core::model::{Activity, MoveEvidence, Opportunity, Pipeline, PipelineReport, StageChange};
use crm_core::query::{Predicate, Query};

use crate::{Actor, Crm, Error, ObjectKind, Record, Result, UnitOfWork};

impl Crm {
    /// Move deal `id`, read at `expected_version`, to stage `to` of its pipeline; a move to a
    /// lost stage needs `lost_reason`. Refused with every unmet requirement listed
    /// ([`Error::StageRequirements`]), an [`Error::InvalidTransition`] for a move the
    /// pipeline does not allow, or [`Error::Conflict`] if the deal changed since it was read.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> crm::Result<()> {
    /// use crm::model::{Account, Opportunity, Pipeline, Stage};
    /// use crm::value::CompanyName;
    /// use crm::{Actor, Crm, id::TenantId};
    ///
    /// let crm = Crm::open("memory://").await?;
    /// let actor = Actor::system(TenantId(uuid::Uuid::from_u128(1)));
    /// let pipeline = Pipeline::new("直销", vec![
    ///     Stage::open("qualify", "需求确认", 10),
    ///     Stage::won("won", "赢单"),
    /// ])?;
    /// let pipeline = crm.pipelines().create(&actor, pipeline).await?;
    /// let account = crm.accounts().create(&actor, Account::new(CompanyName::parse("华为技术有限公司")?)).await?;
    /// let mut deal = Opportunity::new(account.id, "扩容", "qualify");
    /// deal.pipeline_id = Some(pipeline.id);
    /// let deal = crm.opportunities().create(&actor, deal).await?;
    /// let won = crm.move_stage(&actor, deal.id, deal.meta.version, "won", None).await?;
    /// assert!(won.data.closed_at.is_some());
    /// # Ok(()) }
    /// ```
    pub async fn move_stage(
        &self,
        actor: &Actor,
        id: OpportunityId,
        expected_version: u64,
        to: &str,
        lost_reason: Option<String>,
    ) -> Result<Record<Opportunity>> {
        let mut uow = self.begin(actor).await?;
        let moved = uow
            .move_stage(id, expected_version, to, lost_reason)
            .await?;
        uow.commit().await?;
        Ok(moved)
    }
}

impl Crm {
    /// The figures of pipeline `id` — per stage deals, amounts, weighted amounts, stays,
    /// conversion and average days; open and weighted totals; win rate; average sales cycle
    /// of the won deals — from three grouped aggregates in the store.
    pub async fn pipeline_report(&self, actor: &Actor, id: PipelineId) -> Result<PipelineReport> {
        let pipeline = self.reader().get::<Pipeline>(actor.tenant, id).await?;
        let by_stage = self
            .readable_aggregate(actor, ObjectKind::Opportunity, Pipeline::deals_by_stage(id))
            .await?;
        // Stage history counts for the deals the actor may read.
        let readable = self.readable(actor, ObjectKind::Opportunity).await?;
        let of_readable =
            Predicate::in_select("opportunity_id", ObjectKind::Opportunity, "id", readable);
        let of_readable_deals = async |mut aggregate: Aggregate| {
            aggregate.query.filter = Some(match aggregate.query.filter.take() {
                Some(filter) => filter.and(of_readable.clone()),
                None => of_readable.clone(),
            });
            self.reader()
                .aggregate(ObjectKind::StageChange, actor.tenant, &aggregate)
                .await
        };
        let moves = of_readable_deals(Pipeline::moves_by_stage(id)).await?;
        let won_cycles = of_readable_deals(pipeline.data.won_cycles(id)).await?;
        Ok(pipeline.data.report(&by_stage, &moves, &won_cycles))
    }

    /// The open deals of pipeline `id` left in a stage longer than its limit
    /// ([`Pipeline::rotting`]).
    pub async fn rotting_deals(
        &self,
        actor: &Actor,
        id: PipelineId,
    ) -> Result<Vec<Record<Opportunity>>> {
        let pipeline = self.reader().get::<Pipeline>(actor.tenant, id).await?;
        let query = Query::filter(pipeline.data.rotting(id, self.clock.now())).unpaged();
        self.opportunities().list(actor, &query).await
    }
}

impl UnitOfWork<'_> {
    /// [`Crm::move_stage`] inside this unit of work.
    pub async fn move_stage(
        &mut self,
        id: OpportunityId,
        expected_version: u64,
        to: &str,
        lost_reason: Option<String>,
    ) -> Result<Record<Opportunity>> {
        let mut deal = self.get::<Opportunity>(id).await?;
        deal.meta.version = expected_version;
        let pipeline_id: PipelineId = deal.data.pipeline_id.ok_or_else(|| {
            Error::validation(
                "pipeline_id",
                "",
                "the deal is in no pipeline: set its pipeline_id first",
            )
        })?;
        // The pipeline's definition and the history are parts of the move, which is
        // checked as an update of the deal.
        let pipeline = self
            .as_by_product(async |uow| uow.get::<Pipeline>(pipeline_id).await)
            .await?;
        let evidence = MoveEvidence {
            done: self.done_activity_kinds(id).await?,
            lost_reason,
        };
        let step = pipeline.data.check_move(&deal.data, to, &evidence)?;
        let entered_from_at = deal.data.stage_entered_at.unwrap_or(deal.meta.created_at);
        let at = self.crm.clock.now();
        step.apply(&mut deal.data, at)?;
        let moved = self.update(deal).await?;
        let change = StageChange::new(id, pipeline_id, step, entered_from_at, at);
        self.as_by_product(async |uow| uow.create_owned(moved.meta.owner, change).await)
            .await?;
        Ok(moved)
    }

    /// The kinds of the done activities about deal `id`.
    async fn done_activity_kinds(
        &self,
        id: OpportunityId,
    ) -> Result<BTreeSet<crm_core::model::ActivityKind>> {
        let done = Query::filter(
            Predicate::eq("opportunity_id", id.0).and(Predicate::is_null("done_at").negate()),
        )
        .unpaged();
        let activities = self
            .reader()
            .list::<Activity>(self.actor.tenant, &done)
            .await?;
        Ok(activities.into_iter().map(|a| a.data.kind).collect())
    }
}
