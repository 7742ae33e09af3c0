//! Lead conversion through the facade, on the in-memory and SQLite stores: a new account or
//! the existing one the duplicate check finds, the contact, an optional deal in a pipeline's
//! first stage, the lead's activities re-attached, and nothing written when refused.

use crm::id::TenantId;
use crm::model::{Account, Activity, ActivityKind, Lead, LeadStatus, Pipeline, Stage};
use crm::query::Query;
use crm::value::{CompanyName, PersonName, Phone, Region};
use crm::{Actor, Crm, ErrorKind, LeadConversion, NewDeal};
use uuid::Uuid;

const URLS: [&str; 2] = ["memory://", "sqlite::memory:"];

fn lead(company: &str, person: &str, mobile: &str) -> Lead {
    let mut lead = Lead::new();
    lead.company = Some(CompanyName::parse(company).unwrap());
    lead.contact_name = Some(PersonName::parse(person).unwrap());
    lead.mobile = Some(Phone::parse(mobile).unwrap());
    lead.region = Some(Region::parse("北京").unwrap());
    lead.source = Some("展会".into());
    lead.status = LeadStatus::Qualified;
    lead
}

#[tokio::test]
async fn a_lead_converts_into_the_account_it_duplicates_or_a_new_one() {
    for url in URLS {
        let crm = Crm::open(url).await.unwrap();
        let a = Actor::system(TenantId(Uuid::from_u128(3)));
        let mut stored = Account::new(CompanyName::parse("北京华为技术有限公司").unwrap());
        stored.phone = Some(Phone::parse("010-62345678").unwrap());
        stored.region = Some(Region::parse("北京").unwrap());
        let stored = crm.accounts().create(&a, stored).await.unwrap();
        let pipeline = Pipeline::new(
            "直销",
            vec![
                Stage::open("qualify", "需求确认", 10),
                Stage::won("won", "赢单"),
            ],
        )
        .unwrap();
        let pipeline = crm.pipelines().create(&a, pipeline).await.unwrap();

        let mut known = lead("华为技术（北京）有限公司", "张伟", "13812345678");
        known.phone = Some(Phone::parse("010-62345678").unwrap());
        let known = crm.leads().create(&a, known).await.unwrap();
        let mut call = Activity::new(ActivityKind::Call, "展会后回访");
        call.lead_id = Some(known.id);
        let call = crm.activities().create(&a, call).await.unwrap();
        let how = LeadConversion {
            opportunity: Some(NewDeal {
                name: "数据中心扩容".into(),
                pipeline: Some(pipeline.id),
            }),
            ..LeadConversion::default()
        };
        let done = crm
            .convert_lead(&a, known.id, known.meta.version, how)
            .await
            .unwrap();
        assert_eq!(
            done.account.id, stored.id,
            "{url}: matched the stored account"
        );
        assert!(done.matched.as_ref().unwrap().probability >= 0.9);
        assert_eq!(done.lead.data.status, LeadStatus::Converted);
        let contact = done.contact.unwrap();
        assert_eq!(contact.data.account_id, Some(stored.id));
        let deal = done.opportunity.unwrap();
        assert_eq!(
            (deal.data.stage.as_str(), deal.data.contact_id),
            ("qualify", Some(contact.id))
        );
        let call = crm.activities().get(&a, call.id).await.unwrap();
        assert_eq!(call.data.account_id, Some(stored.id), "{url}");
        assert_eq!(call.data.contact_id, Some(contact.id));

        let fresh = crm
            .leads()
            .create(&a, lead("苏州恒瑞精密机械有限公司", "李娜", "13900001111"))
            .await
            .unwrap();
        let done = crm
            .convert_lead(&a, fresh.id, fresh.meta.version, LeadConversion::default())
            .await
            .unwrap();
        assert!(done.matched.is_none(), "{url}");
        assert_eq!(done.account.data.source.as_deref(), Some("展会"));
        assert_eq!(crm.accounts().count(&a, &Query::all()).await.unwrap(), 2);
    }
}

#[tokio::test]
async fn an_unqualified_lead_is_refused_and_nothing_is_written() {
    for url in URLS {
        let crm = Crm::open(url).await.unwrap();
        let a = Actor::system(TenantId(Uuid::from_u128(4)));
        let mut new = lead("成都博腾新材料有限公司", "王芳", "13700002222");
        new.status = LeadStatus::New;
        let new = crm.leads().create(&a, new).await.unwrap();
        let err = crm
            .convert_lead(&a, new.id, new.meta.version, LeadConversion::default())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidTransition, "{url}");
        assert_eq!(crm.accounts().count(&a, &Query::all()).await.unwrap(), 0);
        assert_eq!(crm.contacts().count(&a, &Query::all()).await.unwrap(), 0);
    }
}
