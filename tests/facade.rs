//! The `Crm` facade end to end, on the in-memory and SQLite stores: validation, optimistic
//! locking, references, soft delete, audit, and clear errors for bad input.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use crm::clock::ManualClock;
use crm::fields::{FieldDef, FieldSchema, FieldType, FieldValue};
use crm::id::{AccountId, SequentialIdGen, TenantId};
use crm::model::{Account, Contact, Department, Opportunity};
use crm::query::{Predicate, Query};
use crm::value::{CompanyName, Email, Money, PersonName, Phone, Region};
use crm::{Actor, Crm, Error, ErrorKind, ObjectKind};
use uuid::Uuid;

const URLS: [&str; 2] = ["memory://", "sqlite::memory:"];

async fn engine(url: &str) -> Crm {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap());
    Crm::open(url)
        .await
        .unwrap()
        .with_clock(Arc::new(clock))
        .with_ids(Arc::new(SequentialIdGen::new(9)))
}

fn admin() -> Actor {
    Actor::system(TenantId(Uuid::from_u128(77)))
}

fn account(name: &str) -> Account {
    Account::new(CompanyName::parse(name).unwrap())
}

fn field_of(err: &Error) -> &str {
    match err {
        Error::Validation { field, .. } => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn invalid_values_are_validation_errors_naming_field_and_value() {
    let cases = [
        (
            "email",
            Email::parse("zhang@")
                .map(drop)
                .map_err(|e| e.in_field("email")),
        ),
        (
            "mobile",
            Phone::parse("138-1234-567")
                .map(drop)
                .map_err(|e| e.in_field("mobile")),
        ),
        (
            "amount",
            Money::parse("12.3.4元", crm::value::Currency::CNY)
                .map(drop)
                .map_err(|e| e.in_field("amount")),
        ),
        (
            "region",
            Region::parse("火星")
                .map(drop)
                .map_err(|e| e.in_field("region")),
        ),
    ];
    for (field, result) in cases {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
        assert_eq!(field_of(&err), field);
        if let Error::Validation { value, .. } = &err {
            assert!(!value.is_empty(), "{err}");
            assert!(err.to_string().contains(value.as_str()), "{err}");
        }
    }
}

#[tokio::test]
async fn a_record_from_json_with_a_bad_phone_is_refused() {
    let json = r#"{"name":"深圳测试有限公司","phone":"12345"}"#;
    let err = serde_json::from_str::<Account>(json)
        .unwrap_err()
        .to_string();
    assert!(err.contains("12345"), "{err}");
}

#[tokio::test]
async fn stale_update_is_a_conflict_and_unknown_id_not_found() {
    for url in URLS {
        let crm = engine(url).await;
        let a = admin();
        let saved = crm
            .accounts()
            .create(&a, account("上海冲突测试有限公司"))
            .await
            .unwrap();
        let mut first = saved.clone();
        first.level = Some("A".into());
        crm.accounts().update(&a, first).await.unwrap();
        let mut stale = saved.clone();
        stale.level = Some("C".into());
        let err = crm.accounts().update(&a, stale).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict, "{url}: {err}");
        assert_eq!(crm.accounts().history(&a, saved.id).await.unwrap().len(), 2);
        let ghost = AccountId(Uuid::from_u128(404));
        let err = crm.accounts().get(&a, ghost).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.to_string().contains(&ghost.to_string()));
    }
}

#[tokio::test]
async fn custom_fields_are_checked_against_the_tenant_schema() {
    for url in URLS {
        let crm = engine(url).await;
        let a = admin();
        let mut with_custom = account("杭州字段测试有限公司");
        with_custom
            .custom
            .insert("budget".into(), FieldValue::Number(100.into()));
        let err = crm
            .accounts()
            .create(&a, with_custom.clone())
            .await
            .unwrap_err();
        assert_eq!(
            field_of(&err),
            "custom.budget",
            "{url}: no schema defined yet"
        );
        let schema = FieldSchema::new(
            ObjectKind::Account,
            vec![
                FieldDef::new("budget", FieldType::Number),
                FieldDef::new("tier", FieldType::Enum).with_options(["金牌", "银牌"]),
            ],
        )
        .unwrap();
        crm.define_fields(&a, schema).await.unwrap();
        crm.accounts()
            .create(&a, with_custom.clone())
            .await
            .unwrap();
        let mut bad = with_custom;
        bad.custom
            .insert("tier".into(), FieldValue::Enum("铜牌".into()));
        let err = crm.accounts().create(&a, bad).await.unwrap_err();
        assert_eq!(field_of(&err), "custom.tier");
        assert!(err.to_string().contains("铜牌"), "{err}");
        assert_eq!(
            crm.accounts().count(&a, &Query::all()).await.unwrap(),
            1,
            "nothing stored on failure"
        );
    }
}

#[tokio::test]
async fn references_must_exist_in_the_same_tenant() {
    for url in URLS {
        let crm = engine(url).await;
        let a = admin();
        let mut contact = Contact::new(PersonName::parse("王芳").unwrap());
        contact.account_id = Some(AccountId(Uuid::from_u128(5)));
        let err = crm
            .contacts()
            .create(&a, contact.clone())
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), "account_id", "{url}");
        let other_tenant = Actor::system(TenantId(Uuid::from_u128(78)));
        let foreign = crm
            .accounts()
            .create(&other_tenant, account("别的租户公司"))
            .await
            .unwrap();
        contact.account_id = Some(foreign.id);
        let err = crm.contacts().create(&a, contact).await.unwrap_err();
        assert_eq!(field_of(&err), "account_id");
        let deal = Opportunity::new(foreign.id, "跨租户商机", "proposal");
        assert_eq!(
            crm.opportunities()
                .create(&a, deal)
                .await
                .unwrap_err()
                .kind(),
            ErrorKind::Validation
        );
    }
}

#[tokio::test]
async fn a_department_cannot_become_its_own_ancestor() {
    for url in URLS {
        let crm = engine(url).await;
        let a = admin();
        let root = crm
            .departments()
            .create(
                &a,
                Department {
                    name: "总部".into(),
                    parent: None,
                },
            )
            .await
            .unwrap();
        let east = crm
            .departments()
            .create(
                &a,
                Department {
                    name: "华东大区".into(),
                    parent: Some(root.id),
                },
            )
            .await
            .unwrap();
        let shanghai = crm
            .departments()
            .create(
                &a,
                Department {
                    name: "上海分公司".into(),
                    parent: Some(east.id),
                },
            )
            .await
            .unwrap();
        let mut cycle = root.clone();
        cycle.parent = Some(shanghai.id);
        let err = crm.departments().update(&a, cycle).await.unwrap_err();
        assert_eq!(field_of(&err), "parent", "{url}");
        let mut move_up = shanghai.clone();
        move_up.parent = Some(root.id);
        crm.departments().update(&a, move_up).await.unwrap();
    }
}

#[tokio::test]
async fn delete_hides_and_restore_brings_back() {
    for url in URLS {
        let crm = engine(url).await;
        let a = admin();
        let saved = crm
            .accounts()
            .create(&a, account("广州删除测试有限公司"))
            .await
            .unwrap();
        let deleted = crm.accounts().delete(&a, saved.id, 1).await.unwrap();
        assert_eq!(
            crm.accounts().get(&a, saved.id).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        let err = crm
            .accounts()
            .update(&a, deleted.clone())
            .await
            .unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::Validation,
            "{url}: editing a deleted record"
        );
        let err = crm.accounts().restore(&a, saved.id, 1).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict);
        let back = crm
            .accounts()
            .restore(&a, saved.id, deleted.meta.version)
            .await
            .unwrap();
        assert_eq!(back.meta.version, 3);
        assert_eq!(
            crm.accounts().get(&a, saved.id).await.unwrap().name,
            saved.name
        );
    }
}

#[tokio::test]
async fn lists_filter_in_the_store() {
    for url in URLS {
        let crm = engine(url).await;
        let a = admin();
        let names = ["北京甲有限公司", "北京乙有限公司", "上海丙有限公司"];
        let beijing = Region::parse("北京").unwrap();
        let accounts: Vec<Account> = names
            .iter()
            .map(|n| {
                let mut acc = account(n);
                acc.region = n.starts_with("北京").then_some(beijing);
                acc
            })
            .collect();
        crm.accounts()
            .create_many(&a, None, accounts)
            .await
            .unwrap();
        let in_beijing = Query::filter(Predicate::eq("region", beijing.code().to_string()));
        let found = crm.accounts().list(&a, &in_beijing).await.unwrap();
        assert_eq!(found.len(), 2, "{url}");
        assert!(found.iter().all(|r| r.region == Some(beijing)));
        let unplaced = Query::filter(Predicate::is_null("region"));
        assert_eq!(crm.accounts().count(&a, &unplaced).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn unit_of_work_is_all_or_nothing() {
    for url in URLS {
        let crm = engine(url).await;
        let a = admin();
        let mut uow = crm.begin(&a).await.unwrap();
        let acc = uow.create(account("成都事务测试有限公司")).await.unwrap();
        let mut contact = Contact::new(PersonName::parse("李雷").unwrap());
        contact.account_id = Some(acc.id);
        uow.create(contact).await.unwrap();
        drop(uow);
        assert_eq!(
            crm.accounts().count(&a, &Query::all()).await.unwrap(),
            0,
            "{url}"
        );
        assert_eq!(crm.contacts().count(&a, &Query::all()).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn within_one_unit_a_reference_sees_what_the_unit_created_and_deleted() {
    for url in URLS {
        let crm = engine(url).await;
        let mut uow = crm.begin(&admin()).await.unwrap();
        let kept = uow.create(account("成都引用测试有限公司")).await.unwrap();
        let gone = uow.create(account("重庆引用测试有限公司")).await.unwrap();
        uow.delete::<Account>(gone.id, gone.meta.version)
            .await
            .unwrap();
        let contact_of = |id| {
            let mut contact = Contact::new(PersonName::parse("李雷").unwrap());
            contact.account_id = Some(id);
            contact
        };
        uow.create(contact_of(kept.id)).await.unwrap();
        let err = uow.create(contact_of(gone.id)).await.unwrap_err();
        assert_eq!(field_of(&err), "account_id", "{url}");
        // Custom fields defined later in the same unit apply at once.
        let mut with_custom = account("西安字段测试有限公司");
        with_custom
            .custom
            .insert("tier".into(), FieldValue::Text("A".into()));
        assert!(uow.create(with_custom.clone()).await.is_err(), "{url}");
        let schema = FieldSchema::new(
            ObjectKind::Account,
            vec![FieldDef::new("tier", FieldType::Text)],
        )
        .unwrap();
        uow.create(schema).await.unwrap();
        uow.create(with_custom).await.unwrap();
    }
}

#[tokio::test]
async fn bad_urls_and_files_are_clear_errors() {
    let err = Crm::open("oracle://erp/crm").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("oracle://erp/crm"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("客户.db");
    std::fs::write(&garbage, vec![0x5a_u8; 8192]).unwrap();
    let url = format!("sqlite://{}", garbage.display());
    let err = Crm::open(&url).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Storage);
    assert!(err.to_string().contains(&url), "{err}");
    let fresh = dir.path().join("new.db");
    Crm::open(&format!("sqlite://{}", fresh.display()))
        .await
        .unwrap();
    assert!(fresh.exists(), "a missing file is created");
}

#[tokio::test]
async fn many_records_are_got_and_updated_together_as_one_by_one() {
    for url in URLS {
        let crm = engine(url).await;
        let a = admin();
        let mut created = Vec::new();
        for name in ["批量一有限公司", "批量二有限公司", "批量三有限公司"] {
            created.push(crm.accounts().create(&a, account(name)).await.unwrap());
        }
        let ids: Vec<AccountId> = created.iter().map(|r| r.id).collect();
        let mut uow = crm.begin(&a).await.unwrap();
        let asked = [ids[2], ids[0], ids[2]];
        let got = uow.get_many::<Account>(&asked).await.unwrap();
        assert_eq!(got.iter().map(|r| r.id).collect::<Vec<_>>(), asked, "{url}");
        let missing = uow
            .get_many::<Account>(&[ids[0], AccountId(Uuid::from_u128(5))])
            .await
            .unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NotFound, "{url}");

        let phone = Phone::parse("021-52345678").unwrap();
        let changed: Vec<_> = got[..2]
            .iter()
            .cloned()
            .map(|mut r| {
                r.data.phone = Some(phone.clone());
                r
            })
            .collect();
        let saved = uow.update_many(changed).await.unwrap();
        uow.commit().await.unwrap();
        assert!(saved.iter().all(|r| r.meta.version == 2), "{url}");
        for id in [ids[2], ids[0]] {
            let stored = crm.accounts().get(&a, id).await.unwrap();
            assert_eq!(stored.data.phone.as_ref(), Some(&phone), "{url}");
            let history = crm.accounts().history(&a, id).await.unwrap();
            assert_eq!(history.len(), 2, "{url}");
            assert_eq!(history[1].changes[0].field, "phone", "{url}");
        }
        // Duplicate detection sees the new phones: a like name with the phone finds the two
        // that have it, not the third.
        let mut probe = account("批量有限公司");
        probe.phone = Some(phone.clone());
        let found = crm.accounts().duplicates_of(&a, &probe).await.unwrap();
        let mut found: Vec<AccountId> = found.iter().map(|m| m.record.id).collect();
        found.sort();
        let mut expected = vec![ids[0], ids[2]];
        expected.sort();
        assert_eq!(found, expected, "{url}");

        // A stale record among them: a conflict, nothing of the unit of work kept.
        let mut uow = crm.begin(&a).await.unwrap();
        let fresh = uow.get::<Account>(ids[1]).await.unwrap();
        let stale = created[0].clone();
        let err = uow.update_many(vec![fresh, stale]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict, "{url}");
        drop(uow);
        let second = crm.accounts().get(&a, ids[1]).await.unwrap();
        assert_eq!(second.meta.version, 1, "{url}");
    }
}
