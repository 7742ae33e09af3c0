//! Duplicate checks through the facade: policies, explanations, keys kept current on update,
//! delete, restore and merge undo, and checks against a persisted SQLite base.

use crm::id::TenantId;
use crm::merge::MergePlan;
use crm::model::{Account, Contact};
use crm::value::{CompanyName, PersonName, Phone};
use crm::{Actor, Crm, DuplicatePolicy, Error, ObjectKind};
use uuid::Uuid;

fn actor() -> Actor {
    Actor::system(TenantId(Uuid::from_u128(9)))
}

fn account(name: &str, phone: &str) -> Account {
    let mut a = Account::new(CompanyName::parse(name).unwrap());
    a.phone = Some(Phone::parse(phone).unwrap());
    a
}

const URLS: [&str; 2] = ["memory://", "sqlite::memory:"];

#[tokio::test]
async fn warn_reports_the_likely_duplicate_with_its_explanation() {
    for url in URLS {
        let crm = Crm::open(url).await.unwrap();
        let a = actor();
        let first = crm
            .accounts()
            .create(&a, account("北京华为技术有限公司", "010-62345678"))
            .await
            .unwrap();
        let (second, found) = crm
            .accounts()
            .create_checked(&a, account("华为技术（北京）有限公司", "(010)6234 5678"))
            .await
            .unwrap();
        assert_ne!(second.id, first.id, "{url}: warn stores the record");
        assert_eq!(found.len(), 1, "{url}: {found:?}");
        assert_eq!(found[0].record.id, first.id);
        assert!(found[0].probability > 0.9);
        let name = found[0]
            .explanation
            .fields
            .iter()
            .find(|f| f.field == "name")
            .unwrap();
        assert_eq!(name.meaning, "exact");
        let branch = crm
            .accounts()
            .duplicates_of(&a, &account("上海华为技术有限公司", "021-52345678"))
            .await
            .unwrap();
        assert!(
            branch.is_empty(),
            "{url}: a branch in another city is another customer: {branch:?}"
        );
    }
}

#[tokio::test]
async fn block_refuses_duplicates_on_create_and_update_and_names_the_match() {
    for url in URLS {
        let crm = Crm::open(url)
            .await
            .unwrap()
            .with_duplicate_policy(ObjectKind::Account, DuplicatePolicy::Block);
        let a = actor();
        let first = crm
            .accounts()
            .create(&a, account("苏州恒瑞精密机械有限公司", "0512-66881234"))
            .await
            .unwrap();
        let err = crm
            .accounts()
            .create(
                &a,
                account("恒瑞精密机械（苏州）有限公司", "+86 512 6688 1234"),
            )
            .await
            .unwrap_err();
        match &err {
            Error::Duplicate { id, reason, .. } => {
                assert_eq!(id, &first.id.to_string(), "{url}");
                assert!(reason.contains("phone exact"), "{reason}");
            }
            other => panic!("{url}: expected Duplicate, got {other:?}"),
        }
        let other = crm
            .accounts()
            .create(&a, account("杭州远达物流有限公司", "0571-88776655"))
            .await
            .unwrap();
        let mut edited = other.clone();
        edited.phone = first.phone.clone();
        edited.name = first.name.clone();
        assert!(
            matches!(
                crm.accounts().update(&a, edited).await,
                Err(Error::Duplicate { .. })
            ),
            "{url}"
        );
        let mut unchanged = first.clone();
        unchanged.level = Some("A".into());
        crm.accounts()
            .update(&a, unchanged)
            .await
            .expect("a record is no duplicate of itself");
    }
}

fn contact(name: &str, mobile: &str) -> Contact {
    let mut c = Contact::new(PersonName::parse(name).unwrap());
    c.mobile = Some(Phone::parse(mobile).unwrap());
    c
}

#[tokio::test]
async fn keys_follow_delete_and_restore() {
    for url in URLS {
        let crm = Crm::open(url).await.unwrap();
        let a = actor();
        let first = crm
            .contacts()
            .create(&a, contact("张伟", "138 1234 5678"))
            .await
            .unwrap();
        let probe = contact("Zhang Wei", "+86 138-1234-5678");
        let found = async || {
            crm.contacts()
                .duplicates_of(&a, &probe)
                .await
                .unwrap()
                .len()
        };
        assert_eq!(found().await, 1, "{url}");
        let deleted = crm
            .contacts()
            .delete(&a, first.id, first.meta.version)
            .await
            .unwrap();
        assert_eq!(found().await, 0, "{url}: deleted records are no duplicates");
        crm.contacts()
            .restore(&a, first.id, deleted.meta.version)
            .await
            .unwrap();
        assert_eq!(found().await, 1, "{url}: restored");
    }
}

#[tokio::test]
async fn merge_undo_brings_back_the_keys_of_absorbed_records() {
    let crm = Crm::open("sqlite::memory:").await.unwrap();
    let a = actor();
    let first = crm
        .accounts()
        .create(&a, account("北京华为技术有限公司", "010-62345678"))
        .await
        .unwrap();
    let second = crm
        .accounts()
        .create(&a, account("深圳华为技术有限公司", "0755-28780808"))
        .await
        .unwrap();
    let probe = account("华为技术（深圳）有限公司", "0755-2878 0808");
    let (_, log) = crm
        .merge::<Account>(&a, &[first.id, second.id], &MergePlan::into(first.id.0))
        .await
        .unwrap();
    let merged = crm.accounts().duplicates_of(&a, &probe).await.unwrap();
    assert!(
        merged.iter().all(|m| m.record.id != second.id),
        "absorbed records are gone: {merged:?}"
    );
    crm.undo_merge(&a, log.id).await.unwrap();
    let back = crm.accounts().duplicates_of(&a, &probe).await.unwrap();
    assert_eq!(
        back.first().map(|m| m.record.id),
        Some(second.id),
        "{back:?}"
    );
}

#[tokio::test]
async fn checks_work_against_a_persisted_base_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("base.db").display());
    let a = actor();
    {
        let crm = Crm::open(&url).await.unwrap();
        let base: Vec<Account> = (0..200)
            .map(|i| {
                account(
                    &format!("测试{i}号精密机械有限公司"),
                    &format!("0512-6{:07}", i),
                )
            })
            .collect();
        crm.accounts().create_many(&a, None, base).await.unwrap();
        crm.close().await.unwrap();
    }
    let crm = Crm::open(&url).await.unwrap();
    let found = crm
        .accounts()
        .duplicates_of(
            &a,
            &account("测试137号精密机械有限公司", "+86 512 6000 0137"),
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].record.name.as_str(), "测试137号精密机械有限公司");
}
