//! Merging duplicates and undoing the merge, end to end on the memory and SQLite stores.
//! The law: merge then undo restores every record's data, owner and deletion state.

use std::collections::BTreeMap;

use crm::id::{AccountId, TenantId};
use crm::merge::{MergePlan, Rule};
use crm::model::{Account, Activity, ActivityKind, Contact};
use crm::query::Query;
use crm::value::{CompanyName, PersonName, Region};
use crm::{Actor, Crm, ErrorKind};
use proptest::prelude::*;
use uuid::Uuid;

fn actor() -> Actor {
    Actor::system(TenantId(Uuid::from_u128(5)))
}

/// Every record of the tenant as (data JSON, owner, deleted?), by id.
async fn state(crm: &Crm) -> BTreeMap<Uuid, (String, Option<crm::id::UserId>, bool)> {
    let all = Query::all().unpaged().with_deleted();
    let mut state = BTreeMap::new();
    for r in crm.accounts().list(&actor(), &all).await.unwrap() {
        state.insert(
            r.id.0,
            (
                serde_json::to_string(&r.data).unwrap(),
                r.meta.owner,
                r.is_deleted(),
            ),
        );
    }
    for r in crm.contacts().list(&actor(), &all).await.unwrap() {
        state.insert(
            r.id.0,
            (
                serde_json::to_string(&r.data).unwrap(),
                r.meta.owner,
                r.is_deleted(),
            ),
        );
    }
    for r in crm.activities().list(&actor(), &all).await.unwrap() {
        state.insert(
            r.id.0,
            (
                serde_json::to_string(&r.data).unwrap(),
                r.meta.owner,
                r.is_deleted(),
            ),
        );
    }
    state
}

#[derive(Debug, Clone)]
struct Case {
    accounts: Vec<(
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    )>,
    contacts: Vec<usize>,
    survivor: usize,
    most_complete: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let field =
        |values: &'static [&'static str]| proptest::option::of(proptest::sample::select(values));
    let account = (
        field(&["A", "B", "C"]),
        field(&["制造", "软件"]),
        field(&["北京", "上海市"]),
    );
    (
        proptest::collection::vec(account, 2..5),
        proptest::collection::vec(0_usize..4, 0..6),
        0_usize..4,
        any::<bool>(),
    )
        .prop_map(|(accounts, contacts, survivor, most_complete)| {
            let n = accounts.len();
            Case {
                contacts: contacts.into_iter().map(|c| c % n).collect(),
                survivor: survivor % n,
                accounts,
                most_complete,
            }
        })
}

async fn merge_then_undo(url: &str, case: Case) {
    let crm = Crm::open(url).await.unwrap();
    let a = actor();
    let mut ids: Vec<AccountId> = Vec::new();
    for (i, (level, industry, region)) in case.accounts.iter().enumerate() {
        let mut account = Account::new(CompanyName::parse(&format!("测试{i}有限公司")).unwrap());
        account.level = level.map(Into::into);
        account.industry = industry.map(Into::into);
        account.region = region.map(|r| Region::parse(r).unwrap());
        ids.push(crm.accounts().create(&a, account).await.unwrap().id);
    }
    for (i, &owner) in case.contacts.iter().enumerate() {
        let mut contact = Contact::new(PersonName::parse(&format!("联系人{i}")).unwrap());
        contact.account_id = Some(ids[owner]);
        crm.contacts().create(&a, contact).await.unwrap();
    }
    let mut visit = Activity::new(ActivityKind::Visit, "拜访");
    visit.account_id = Some(ids[ids.len() - 1]);
    crm.activities().create(&a, visit).await.unwrap();
    let before = state(&crm).await;

    let survivor = ids[case.survivor];
    let mut plan = MergePlan::into(survivor.0);
    if case.most_complete {
        plan.rule = Rule::MostComplete;
    }
    let (merged, log) = crm.merge::<Account>(&a, &ids, &plan).await.unwrap();
    assert_eq!(merged.id, survivor);
    assert_eq!(crm.accounts().count(&a, &Query::all()).await.unwrap(), 1);
    let contacts = crm
        .contacts()
        .list(&a, &Query::all().unpaged())
        .await
        .unwrap();
    assert!(
        contacts.iter().all(|c| c.account_id == Some(survivor)),
        "links re-pointed"
    );
    let activities = crm.activities().list(&a, &Query::all()).await.unwrap();
    assert_eq!(activities[0].account_id, Some(survivor));

    crm.undo_merge(&a, log.id).await.unwrap();
    assert_eq!(state(&crm).await, before, "undo restores every record");
    let again = crm.undo_merge(&a, log.id).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::InvalidTransition);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn merge_then_undo_is_identity_in_memory(case in case()) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
            .block_on(merge_then_undo("memory://", case));
    }

    #[test]
    fn merge_then_undo_is_identity_on_sqlite(case in case()) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
            .block_on(merge_then_undo("sqlite::memory:", case));
    }
}

#[tokio::test]
async fn undo_is_refused_after_a_later_change() {
    let crm = Crm::open("sqlite::memory:").await.unwrap();
    let a = actor();
    let first = crm
        .accounts()
        .create(
            &a,
            Account::new(CompanyName::parse("北京华为技术有限公司").unwrap()),
        )
        .await
        .unwrap();
    let second = crm
        .accounts()
        .create(
            &a,
            Account::new(CompanyName::parse("华为技术（北京）有限公司").unwrap()),
        )
        .await
        .unwrap();
    let (mut survivor, log) = crm
        .merge::<Account>(&a, &[first.id, second.id], &MergePlan::into(first.id.0))
        .await
        .unwrap();
    assert_eq!(log.absorbed, vec![second.id.0]);
    survivor.level = Some("A".into());
    crm.accounts().update(&a, survivor).await.unwrap();
    let err = crm.undo_merge(&a, log.id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict, "{err}");
    assert!(
        crm.accounts().get(&a, second.id).await.is_err(),
        "nothing was restored"
    );
}
