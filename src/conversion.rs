//! Lead conversion (线索转化): a qualified lead becomes an account — an existing one when
//! the duplicate check finds it, else a new one — plus a contact and optionally a deal, with
//! the lead's activities attached to them and the lead marked converted, all in one unit of
//! work, every change audited.

use crm_core::id::{AccountId, LeadId, PipelineId, UserId};
use crm_core::model::{Account, Activity, Contact, Lead, Opportunity, Pipeline};
use crm_core::query::{Predicate, Query};

use crate::duplicates::find_duplicates;
use crate::{Actor, Crm, DuplicateMatch, Error, Record, Result, UnitOfWork};

/// How to convert a lead.
#[derive(Debug, Clone, Default)]
pub struct LeadConversion {
    /// Convert into this account instead of looking for one.
    pub into: Option<AccountId>,
    /// Also open a deal.
    pub opportunity: Option<NewDeal>,
    /// The least probability at which a stored account counts as the lead's company.
    /// Default 0.9: below it a new account is created.
    pub min_match_probability: Option<f64>,
}

/// The deal a conversion opens.
#[derive(Debug, Clone)]
pub struct NewDeal {
    /// Its name.
    pub name: String,
    /// The pipeline whose first stage it starts in; without one, the stage is `new`.
    pub pipeline: Option<PipelineId>,
}

/// What a conversion produced.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The lead, now converted.
    pub lead: Record<Lead>,
    /// The account it became part of.
    pub account: Record<Account>,
    /// The stored account the duplicate check matched, with why; `None` when the account was
    /// created or named by the caller.
    pub matched: Option<DuplicateMatch<Account>>,
    /// The contact for the lead's person, new or found at the account.
    pub contact: Option<Record<Contact>>,
    /// The deal opened, if asked for.
    pub opportunity: Option<Record<Opportunity>>,
}

const DEFAULT_MATCH_PROBABILITY: f64 = 0.9;

impl Crm {
    /// Convert lead `id`, read at `expected_version`; see [`LeadConversion`]. Only a
    /// qualified lead converts ([`Error::InvalidTransition`] otherwise).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> crm::Result<()> {
    /// use crm::model::{Lead, LeadStatus};
    /// use crm::value::{CompanyName, PersonName};
    /// use crm::{Actor, Crm, LeadConversion, id::TenantId};
    ///
    /// let crm = Crm::open("memory://").await?;
    /// let actor = Actor::system(TenantId(uuid::Uuid::from_u128(1)));
    /// let mut lead = Lead::new();
    /// lead.company = Some(CompanyName::parse("北京华为技术有限公司")?);
    /// lead.contact_name = Some(PersonName::parse("张伟")?);
    /// lead.status = LeadStatus::Qualified;
    /// let lead = crm.leads().create(&actor, lead).await?;
    /// let done = crm.convert_lead(&actor, lead.id, lead.meta.version, LeadConversion::default()).await?;
    /// assert_eq!(done.lead.data.converted_account, Some(done.account.id));
    /// assert!(done.contact.is_some());
    /// # Ok(()) }
    /// ```
    pub async fn convert_lead(
        &self,
        actor: &Actor,
        id: LeadId,
        expected_version: u64,
        how: LeadConversion,
    ) -> Result<Converted> {
        let mut uow = self.begin(actor).await?;
        let converted = uow.convert_lead(id, expected_version, how).await?;
        uow.commit().await?;
        Ok(converted)
    }
}

impl UnitOfWork<'_> {
    /// [`Crm::convert_lead`] inside this unit of work.
    pub async fn convert_lead(
        &mut self,
        id: LeadId,
        expected_version: u64,
        how: LeadConversion,
    ) -> Result<Converted> {
        let mut lead = self.get::<Lead>(id).await?;
        lead.meta.version = expected_version;
        lead.data.check_convertible()?;
        let owner = lead.meta.owner;
        let (account, matched) = match how.into {
            Some(into) => (self.get::<Account>(into).await?, None),
            None => {
                let min = how
                    .min_match_probability
                    .unwrap_or(DEFAULT_MATCH_PROBABILITY);
                self.account_for(&lead.data, owner, min).await?
            }
        };
        lead.data.mark_converted(account.id)?;
        let contact = match lead.data.to_contact(account.id) {
            Some(wanted) => Some(self.contact_for(wanted, owner).await?),
            None => None,
        };
        let opportunity = match how.opportunity {
            Some(NewDeal { name, pipeline }) => {
                let stage = match pipeline {
                    Some(p) => self
                        .get::<Pipeline>(p)
                        .await?
                        .data
                        .first_stage()
                        .key
                        .clone(),
                    None => "new".to_owned(),
                };
                let mut deal = Opportunity::new(account.id, name, stage);
                deal.pipeline_id = pipeline;
                deal.contact_id = contact.as_ref().map(|c| c.id);
                Some(self.create_owned(owner, deal).await?)
            }
            None => None,
        };
        self.attach_lead_activities(id, &account, contact.as_ref())
            .await?;
        let lead = self.update(lead).await?;
        // Attaching activities may have moved the account's follow-up dates.
        let account = self.get::<Account>(account.id).await?;
        Ok(Converted {
            lead,
            account,
            matched,
            contact,
            opportunity,
        })
    }

    /// The stored account the lead's company most likely is, or a new one.
    async fn account_for(
        &mut self,
        lead: &Lead,
        owner: Option<UserId>,
        min_probability: f64,
    ) -> Result<(Record<Account>, Option<DuplicateMatch<Account>>)> {
        let draft = lead.to_account()?;
        let best = find_duplicates(self.reader(), self.actor.tenant, &draft, None)
            .await?
            .into_iter()
            .next()
            .filter(|m| m.probability >= min_probability);
        match best {
            Some(found) => Ok((found.record.clone(), Some(found))),
            None => Ok((self.create_owned(owner, draft).await?, None)),
        }
    }

    /// The account's contact with the same name, mobile or email, or `wanted` created.
    async fn contact_for(
        &mut self,
        wanted: Contact,
        owner: Option<UserId>,
    ) -> Result<Record<Contact>> {
        let account = wanted
            .account_id
            .ok_or_else(|| Error::Internal("a converted contact has an account".into()))?;
        let known = self
            .reader()
            .list::<Contact>(
                self.actor.tenant,
                &Query::filter(Predicate::eq("account_id", account.0)).unpaged(),
            )
            .await?;
        let same = known.into_iter().find(|c| {
            c.data.name == wanted.name
                || (wanted.mobile.is_some() && c.data.mobile == wanted.mobile)
                || (wanted.email.is_some() && c.data.email == wanted.email)
        });
        match same {
            Some(contact) => Ok(contact),
            None => self.create_owned(owner, wanted).await,
        }
    }

    /// Link the lead's activities to the account and contact it became.
    async fn attach_lead_activities(
        &mut self,
        lead: LeadId,
        account: &Record<Account>,
        contact: Option<&Record<Contact>>,
    ) -> Result<()> {
        let of_lead = Query::filter(Predicate::eq("lead_id", lead.0)).unpaged();
        let activities = self
            .reader()
            .list::<Activity>(self.actor.tenant, &of_lead)
            .await?;
        for mut activity in activities {
            activity.data.account_id.get_or_insert(account.id);
            if let Some(contact) = contact {
                activity.data.contact_id.get_or_insert(contact.id);
            }
            self.update(activity).await?;
        }
        Ok(())
    }
}
