//! The behaviour every [`Store`] must show, written once and run against every adapter
//! (feature `test-util`).
//!
//! An adapter's test crate runs the whole suite with one macro call; each case becomes a
//! test `<module>::<case>`; name the module `conformance_<store>` so every name says so:
//!
//! ```ignore
//! crm_core::conformance_suite!(conformance_memory, async { std::sync::Arc::new(MemoryStore::new()) });
//! ```
//!
//! Query cases are differential: the store's answer must equal the in-memory reference
//! interpreter ([`ResolvedQuery::apply`](crate::query::ResolvedQuery::apply)) over the same rows.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::AuditAction;
use crate::error::ErrorKind;
use crate::fields::{FieldDef, FieldSchema, FieldType, FieldValue};
use crate::id::{AccountId, IdGen, RecordId, SequentialIdGen, TenantId, UserId};
use crate::model::{
    Account, Activity, ActivityKind, Contact, Department, Lead, Opportunity, Tag, Team, User,
};
use crate::query::{Predicate, Query, RowSource, Sort};
use crate::record::{Entity, ObjectKind, Record, Row, Value};
use crate::review::{
    DistinctPair, DuplicateGroup, FieldEvidence, GroupSource, PairEvidence, ReviewStatus, pair_key,
};
use crate::store::{ReadStore, Store};
use crate::value::{CompanyName, Currency, Email, Money, PersonName, Phone, Region};

/// Runs every conformance case against stores made by `$make` (an async block returning
/// `Arc<dyn Store>`), one `#[tokio::test]` each, in a module named `$name`.
#[macro_export]
macro_rules! conformance_suite {
    ($name:ident, $make:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $crate::conformance_suite!(@cases $make;
                insert_then_get_round_trips_every_kind,
                missing_record_is_not_found,
                duplicate_id_is_refused,
                save_bumps_version_and_keeps_creation,
                stale_version_is_a_conflict_and_writes_nothing,
                soft_delete_hides_and_restore_returns,
                rollback_and_drop_discard_everything,
                transaction_reads_its_own_writes,
                audit_records_field_level_changes,
                tenants_are_isolated,
                queries_agree_with_the_reference_interpreter,
                aggregates_agree_with_the_reference_interpreter,
                sort_and_page_agree_with_the_reference_interpreter,
                sub_selects_agree_with_the_reference_interpreter,
                batch_insert_is_atomic,
                duplicate_keys_are_found_replaced_and_rolled_back,
                rows_are_got_and_saved_by_id_in_batches,
                review_records_are_found_by_key_status_and_pair);
        }
    };
    (@cases $make:expr; $($case:ident),*) => {$(
        #[tokio::test]
        async fn $case() {
            let store: ::std::sync::Arc<dyn $crate::store::Store> = $make.await;
            $crate::conformance::$case(store).await;
        }
    )*};
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap()
}

struct Fixture {
    tenant: TenantId,
    actor: Actor,
    ids: SequentialIdGen,
}

impl Fixture {
    fn new(seed: u64) -> Fixture {
        let tenant = TenantId(Uuid::from_u128(0x7e7a_0000 + seed as u128));
        let user = UserId(Uuid::from_u128(0x05e7_0000 + seed as u128));
        Fixture {
            tenant,
            actor: Actor::user(tenant, user),
            ids: SequentialIdGen::new(seed),
        }
    }

    fn record<T: Entity>(&self, data: T) -> Record<T> {
        let ids: &dyn IdGen = &self.ids;
        Record::new(ids.next(), self.tenant, self.actor.user_id(), t0(), data)
    }

    async fn insert<T: Entity>(&self, store: &dyn Store, records: &[Record<T>]) {
        let mut tx = store.begin().await.unwrap();
        tx.insert(&self.actor, t0(), records).await.unwrap();
        tx.commit().await.unwrap();
    }
}

fn reader(store: &dyn Store) -> &dyn ReadStore {
    store
}

fn account(name: &str) -> Account {
    Account::new(CompanyName::parse(name).unwrap())
}

fn full_account() -> Account {
    let mut a = account("北京华为技术有限公司");
    a.short_name = Some("华为".into());
    a.industry = Some("通信设备".into());
    a.level = Some("A".into());
    a.region = Some(Region::parse("北京").unwrap());
    a.phone = Some(Phone::parse("010-62345678转123").unwrap());
    a.email = Some(Email::parse("info@huawei.com").unwrap());
    a.last_activity_at = Some(t0() - Duration::days(3));
    a.custom.insert(
        "budget".into(),
        FieldValue::Number(Decimal::new(150_000, 0)),
    );
    a.custom.insert(
        "签约日期".into(),
        FieldValue::Date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()),
    );
    a
}

async fn round_trip<T: Entity>(store: &dyn Store, fx: &Fixture, data: T) {
    let record = fx.record(data);
    fx.insert(store, std::slice::from_ref(&record)).await;
    let back = reader(store).get::<T>(fx.tenant, record.id).await.unwrap();
    assert_eq!(back, record, "{} did not round-trip", T::KIND);
}

/// Every kind is stored and read back unchanged, value objects included.
pub async fn insert_then_get_round_trips_every_kind(store: Arc<dyn Store>) {
    let fx = Fixture::new(1);
    let store = store.as_ref();
    let account_id: AccountId = (&fx.ids as &dyn IdGen).next();
    round_trip(store, &fx, full_account()).await;
    let mut contact = Contact::new(PersonName::parse("张伟").unwrap());
    contact.account_id = Some(account_id);
    contact.mobile = Some(Phone::parse("+86 138 1234 5678").unwrap());
    contact.primary = true;
    round_trip(store, &fx, contact).await;
    let mut lead = Lead::new();
    lead.company = Some(CompanyName::parse("深圳市腾讯计算机系统有限公司").unwrap());
    lead.email = Some(Email::parse("pony@qq.com").unwrap());
    round_trip(store, &fx, lead).await;
    let mut deal = Opportunity::new(account_id, "数据中心扩容", "proposal");
    deal.amount = Some(Money::new(Decimal::new(123_456_789, 2), Currency::CNY));
    deal.expected_close = NaiveDate::from_ymd_opt(2026, 6, 30);
    round_trip(store, &fx, deal).await;
    let mut visit = Activity::new(ActivityKind::Visit, "拜访采购部");
    visit.account_id = Some(account_id);
    visit.due_at = Some(t0() + Duration::days(1));
    round_trip(store, &fx, visit).await;
    round_trip(store, &fx, User::new(PersonName::parse("Li Na").unwrap())).await;
    round_trip(
        store,
        &fx,
        Team {
            name: "华东一组".into(),
            leader: None,
            members: Default::default(),
        },
    )
    .await;
    round_trip(
        store,
        &fx,
        Department {
            name: "华东大区".into(),
            parent: None,
        },
    )
    .await;
    round_trip(
        store,
        &fx,
        Tag {
            name: "重点客户".into(),
            color: Some("#d4380d".into()),
        },
    )
    .await;
    let schema = FieldSchema::new(
        ObjectKind::Account,
        vec![FieldDef::new("budget", FieldType::Number)],
    )
    .unwrap();
    round_trip(store, &fx, schema).await;
    round_trip_access_kinds(store, &fx).await;
    let group = review_group(0.987_654, [1, 2]);
    round_trip(
        store,
        &fx,
        DistinctPair {
            object: ObjectKind::Account,
            pair: pair_key(group.members[0], group.members[1]),
            group: Uuid::from_u128(9),
        },
    )
    .await;
    round_trip(store, &fx, group).await;
}

/// An open group of accounts `members` proposed by a scan, its pair scored `probability`.
fn review_group(probability: f64, members: [u128; 2]) -> DuplicateGroup {
    let pair = PairEvidence {
        a: Uuid::from_u128(members[0]),
        b: Uuid::from_u128(members[1]),
        probability,
        fields: vec![FieldEvidence {
            field: "contact.mobile".into(),
            level: Some(3),
            meaning: "exact".into(),
            weight: 7.25,
        }],
    };
    DuplicateGroup::new(ObjectKind::Account, GroupSource::Scan, vec![pair]).unwrap()
}

/// The review queue's records are found by group key, status and merge, in probability
/// order, and declared pairs by their key, as the reference interpreter finds them.
pub async fn review_records_are_found_by_key_status_and_pair(store: Arc<dyn Store>) {
    let fx = Fixture::new(19);
    let store = store.as_ref();
    let mut merged = review_group(0.95, [1, 3]);
    merged.status = ReviewStatus::Merged;
    merged.merge = Some(Uuid::from_u128(77));
    let groups = [
        review_group(0.9, [1, 2]),
        review_group(0.93, [2, 3]),
        review_group(1.0, [4, 5]),
        review_group(0.31, [5, 6]),
        merged,
    ]
    .map(|g| fx.record(g));
    fx.insert(store, &groups).await;
    let declared = [(1, 2), (5, 6)].map(|(a, b)| {
        fx.record(DistinctPair {
            object: ObjectKind::Account,
            pair: pair_key(Uuid::from_u128(a), Uuid::from_u128(b)),
            group: Uuid::from_u128(a),
        })
    });
    fx.insert(store, &declared).await;
    let open_by_probability = Query::filter(Predicate::And {
        all: vec![
            Predicate::eq("object", "account"),
            Predicate::eq("status", ReviewStatus::Open.as_str()),
        ],
    })
    .sort(Sort::desc("probability"))
    .unpaged();
    let found = reader(store)
        .list::<DuplicateGroup>(fx.tenant, &open_by_probability)
        .await
        .unwrap();
    let probabilities: Vec<f64> = found.iter().map(|g| g.data.probability).collect();
    assert_eq!(probabilities, [1.0, 0.93, 0.9, 0.31]);
    let mut rows = Vec::new();
    for group in &groups {
        let kind = ObjectKind::DuplicateGroup;
        rows.push(
            store
                .get_row(kind, fx.tenant, group.id.uuid())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    for query in [
        open_by_probability.clone(),
        Query::filter(Predicate::eq("key", groups[1].data.key.clone())),
        Query::filter(Predicate::eq("merge", Uuid::from_u128(77))),
        Query::filter(Predicate::gt("probability", Decimal::new(92, 2))),
    ] {
        let kind = ObjectKind::DuplicateGroup;
        let (expected, actual) = reference_and_store(store, fx.tenant, kind, &rows, &query).await;
        assert_eq!(actual, expected, "{query:?}");
    }
    let by_key = Query::filter(Predicate::eq("key", groups[1].data.key.clone()));
    let one = reader(store)
        .list::<DuplicateGroup>(fx.tenant, &by_key)
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].id, groups[1].id);
    let asked =
        [(2, 1), (3, 1), (6, 5)].map(|(a, b)| pair_key(Uuid::from_u128(a), Uuid::from_u128(b)));
    let found = reader(store)
        .list::<DistinctPair>(
            fx.tenant,
            &Query::filter(Predicate::is_in("pair", asked)).unpaged(),
        )
        .await
        .unwrap();
    let mut pairs: Vec<&str> = found.iter().map(|p| p.data.pair.as_str()).collect();
    pairs.sort();
    let mut wanted = vec![
        declared[0].data.pair.as_str(),
        declared[1].data.pair.as_str(),
    ];
    wanted.sort();
    assert_eq!(pairs, wanted);
}

/// Roles, assignments, shares, team memberships and closure rows round-trip too.
async fn round_trip_access_kinds(store: &dyn Store, fx: &Fixture) {
    use crate::access::{
        Action, ClaimRules, DepartmentClosure, FieldAccess, FieldRule, Grantee, ManagerClosure,
        Mask, Pool, PoolClaim, PoolEntry, Registration, Role, RoleAssignment, Scope, Share,
        ShareLevel, TeamMember,
    };
    let ids: &dyn IdGen = &fx.ids;
    let role = Role::new("销售代表")
        .grant(
            ObjectKind::Account,
            [Action::Read, Action::Update],
            Scope::Team,
        )
        .grant(
            ObjectKind::Lead,
            [Action::Claim],
            Scope::Matching {
                predicate: Predicate::is_null("owner"),
            },
        )
        .field(FieldRule::new(
            ObjectKind::Contact,
            "mobile",
            FieldAccess::Masked { mask: Mask::Phone },
        ));
    round_trip(store, fx, role).await;
    let user: UserId = ids.next();
    round_trip(
        store,
        fx,
        RoleAssignment {
            user,
            role: ids.next(),
        },
    )
    .await;
    let share = Share::new(
        ObjectKind::Account,
        ids.next_uuid(),
        Grantee::Team(ids.next()),
        ShareLevel::Edit,
    )
    .until(t0() + Duration::days(7))
    .as_collaborator();
    round_trip(store, fx, share).await;
    round_trip(
        store,
        fx,
        TeamMember {
            team: ids.next(),
            user,
            leader: true,
        },
    )
    .await;
    round_trip(
        store,
        fx,
        ManagerClosure {
            ancestor: ids.next(),
            descendant: user,
            depth: 2,
        },
    )
    .await;
    round_trip(
        store,
        fx,
        DepartmentClosure {
            ancestor: ids.next(),
            descendant: ids.next(),
            depth: 0,
        },
    )
    .await;
    let pool = Pool {
        name: "华东公海".into(),
        object: ObjectKind::Account,
        users: [user].into(),
        departments: [ids.next()].into(),
        admins: [ids.next()].into(),
        rules: ClaimRules {
            daily_claims: Some(5),
            reclaim_cooldown_hours: Some(72),
            max_owned: None,
            utc_offset_minutes: 480,
        },
    };
    round_trip(store, fx, pool).await;
    let record = ids.next_uuid();
    let entry = PoolEntry {
        pool: ids.next(),
        object: ObjectKind::Account,
        record,
        previous_owner: Some(user),
        reason: Some("客户无意向".into()),
    };
    round_trip(store, fx, entry).await;
    let claim = PoolClaim {
        pool: ids.next(),
        object: ObjectKind::Account,
        record,
        user,
        at: t0(),
        distributed_by: None,
    };
    round_trip(store, fx, claim).await;
    let registration = Registration::new(ObjectKind::Lead, record, user, t0(), 15, true);
    round_trip(store, fx, registration).await;
}

/// Unknown ids read as absent, and the typed read says which record is missing.
pub async fn missing_record_is_not_found(store: Arc<dyn Store>) {
    let fx = Fixture::new(2);
    let id = AccountId(Uuid::from_u128(42));
    assert!(
        store
            .get_row(ObjectKind::Account, fx.tenant, id.0)
            .await
            .unwrap()
            .is_none()
    );
    let err = reader(store.as_ref())
        .get::<Account>(fx.tenant, id)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains(&id.to_string()), "{err}");
    let mut tx = store.begin().await.unwrap();
    let ghost = fx.record(account("不存在公司"));
    let err = tx.save(&fx.actor, t0(), ghost).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

/// Inserting an id twice is a `Duplicate` and leaves the first row as it was.
pub async fn duplicate_id_is_refused(store: Arc<dyn Store>) {
    let fx = Fixture::new(3);
    let first = fx.record(account("甲公司"));
    fx.insert(store.as_ref(), std::slice::from_ref(&first))
        .await;
    let mut again = first.clone();
    again.data = account("乙公司");
    let mut tx = store.begin().await.unwrap();
    let err = tx.insert(&fx.actor, t0(), &[again]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Duplicate, "{err}");
    drop(tx);
    let stored = reader(store.as_ref())
        .get::<Account>(fx.tenant, first.id)
        .await
        .unwrap();
    assert_eq!(stored.name.as_str(), "甲公司");
}

/// A save stores version + 1 and the new update time, keeping the creation time.
pub async fn save_bumps_version_and_keeps_creation(store: Arc<dyn Store>) {
    let fx = Fixture::new(4);
    let record = fx.record(account("甲公司"));
    fx.insert(store.as_ref(), std::slice::from_ref(&record))
        .await;
    let mut changed = record.clone();
    changed.industry = Some("制造".into());
    changed.meta.created_at = t0() + Duration::days(100);
    let later = t0() + Duration::hours(2);
    let mut tx = store.begin().await.unwrap();
    let saved = tx.save(&fx.actor, later, changed).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(saved.meta.version, 2);
    assert_eq!(saved.meta.updated_at, later);
    assert_eq!(saved.meta.created_at, t0());
    let stored = reader(store.as_ref())
        .get::<Account>(fx.tenant, record.id)
        .await
        .unwrap();
    assert_eq!(stored, saved);
}

/// Saving from an old version is a `Conflict` naming both versions; nothing is written,
/// not even an audit event.
pub async fn stale_version_is_a_conflict_and_writes_nothing(store: Arc<dyn Store>) {
    let fx = Fixture::new(5);
    let record = fx.record(account("甲公司"));
    fx.insert(store.as_ref(), std::slice::from_ref(&record))
        .await;
    let mut first = record.clone();
    first.level = Some("A".into());
    let mut tx = store.begin().await.unwrap();
    tx.save(&fx.actor, t0(), first).await.unwrap();
    tx.commit().await.unwrap();
    let mut stale = record.clone();
    stale.level = Some("C".into());
    let mut tx = store.begin().await.unwrap();
    let err = tx.save(&fx.actor, t0(), stale).await.unwrap_err();
    drop(tx);
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(
        err.to_string().contains("expected version 1, found 2"),
        "{err}"
    );
    let stored = reader(store.as_ref())
        .get::<Account>(fx.tenant, record.id)
        .await
        .unwrap();
    assert_eq!(stored.level.as_deref(), Some("A"));
    let trail = store
        .audit_trail(fx.tenant, ObjectKind::Account, record.id.0)
        .await
        .unwrap();
    assert_eq!(trail.len(), 2, "create + one update");
}

/// A soft-deleted record is gone from get, list and count, visible with `with_deleted`, and
/// comes back on restore.
pub async fn soft_delete_hides_and_restore_returns(store: Arc<dyn Store>) {
    let fx = Fixture::new(6);
    let keep = fx.record(account("留下公司"));
    let gone = fx.record(account("删除公司"));
    fx.insert(store.as_ref(), &[keep.clone(), gone.clone()])
        .await;
    let mut deleted = gone.clone();
    deleted.meta.deleted_at = Some(t0());
    let mut tx = store.begin().await.unwrap();
    let deleted = tx.save(&fx.actor, t0(), deleted).await.unwrap();
    tx.commit().await.unwrap();
    let read = reader(store.as_ref());
    assert_eq!(
        read.get::<Account>(fx.tenant, gone.id)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    let live = read
        .list::<Account>(fx.tenant, &Query::all())
        .await
        .unwrap();
    assert_eq!(live.iter().map(|r| r.id).collect::<Vec<_>>(), vec![keep.id]);
    assert_eq!(
        read.count::<Account>(fx.tenant, &Query::all())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        read.count::<Account>(fx.tenant, &Query::all().with_deleted())
            .await
            .unwrap(),
        2
    );
    let mut restored = deleted;
    restored.meta.deleted_at = None;
    let mut tx = store.begin().await.unwrap();
    tx.save(&fx.actor, t0(), restored).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        read.count::<Account>(fx.tenant, &Query::all())
            .await
            .unwrap(),
        2
    );
    let actions: Vec<AuditAction> = store
        .audit_trail(fx.tenant, ObjectKind::Account, gone.id.0)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            AuditAction::Create,
            AuditAction::Delete,
            AuditAction::Restore
        ]
    );
}

/// Rolled-back and dropped transactions leave no rows and no audit events.
pub async fn rollback_and_drop_discard_everything(store: Arc<dyn Store>) {
    let fx = Fixture::new(7);
    let base = fx.record(account("原有公司"));
    fx.insert(store.as_ref(), std::slice::from_ref(&base)).await;
    for commit_by_drop in [false, true] {
        let mut tx = store.begin().await.unwrap();
        let fresh = fx.record(account("新公司"));
        tx.insert(&fx.actor, t0(), &[fresh]).await.unwrap();
        let mut changed = base.clone();
        changed.level = Some("B".into());
        tx.save(&fx.actor, t0(), changed).await.unwrap();
        if commit_by_drop {
            drop(tx);
        } else {
            tx.rollback().await.unwrap();
        }
        let read = reader(store.as_ref());
        assert_eq!(
            read.count::<Account>(fx.tenant, &Query::all())
                .await
                .unwrap(),
            1
        );
        assert_eq!(read.get::<Account>(fx.tenant, base.id).await.unwrap(), base);
        let trail = store
            .audit_trail(fx.tenant, ObjectKind::Account, base.id.0)
            .await
            .unwrap();
        assert_eq!(trail.len(), 1);
    }
}

/// Inside a transaction, reads see its writes; outside, they appear only after commit.
pub async fn transaction_reads_its_own_writes(store: Arc<dyn Store>) {
    let fx = Fixture::new(8);
    let record = fx.record(account("事务公司"));
    let mut tx = store.begin().await.unwrap();
    tx.insert(&fx.actor, t0(), std::slice::from_ref(&record))
        .await
        .unwrap();
    let inside = (tx.as_ref() as &dyn ReadStore)
        .get::<Account>(fx.tenant, record.id)
        .await
        .unwrap();
    assert_eq!(inside, record);
    assert_eq!(
        tx.count_rows(ObjectKind::Account, fx.tenant, &Query::all())
            .await
            .unwrap(),
        1
    );
    tx.commit().await.unwrap();
    assert_eq!(
        reader(store.as_ref())
            .get::<Account>(fx.tenant, record.id)
            .await
            .unwrap(),
        record
    );
}

/// Creation records every set field; an update records exactly the fields that changed,
/// custom fields key by key, with before and after.
pub async fn audit_records_field_level_changes(store: Arc<dyn Store>) {
    let fx = Fixture::new(9);
    let record = fx.record(full_account());
    fx.insert(store.as_ref(), std::slice::from_ref(&record))
        .await;
    let mut changed = record.clone();
    changed.level = Some("B".into());
    changed.custom.insert(
        "budget".into(),
        FieldValue::Number(Decimal::new(200_000, 0)),
    );
    changed.custom.remove("签约日期");
    changed.meta.owner = None;
    let mut tx = store.begin().await.unwrap();
    tx.save(&fx.actor, t0() + Duration::minutes(5), changed)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let trail = store
        .audit_trail(fx.tenant, ObjectKind::Account, record.id.0)
        .await
        .unwrap();
    assert_eq!(trail.len(), 2);
    let (create, update) = (&trail[0], &trail[1]);
    assert!(create.seq < update.seq);
    assert_eq!((create.action, create.version), (AuditAction::Create, 1));
    let created: Vec<&str> = create.changes.iter().map(|c| c.field.as_str()).collect();
    for field in [
        "name",
        "phone",
        "region",
        "custom.budget",
        "custom.签约日期",
        "owner",
    ] {
        assert!(
            created.contains(&field),
            "create event lacks {field}: {created:?}"
        );
    }
    assert!(create.changes.iter().all(|c| c.before.is_null()));
    assert_eq!(
        (update.action, update.version, update.actor),
        (AuditAction::Update, 2, fx.actor.principal)
    );
    assert_eq!(update.at, t0() + Duration::minutes(5));
    let changed: BTreeMap<&str, (&serde_json::Value, &serde_json::Value)> = update
        .changes
        .iter()
        .map(|c| (c.field.as_str(), (&c.before, &c.after)))
        .collect();
    assert_eq!(
        changed.keys().copied().collect::<Vec<_>>(),
        ["custom.budget", "custom.签约日期", "level", "owner"]
    );
    assert_eq!(
        changed["level"],
        (&serde_json::json!("A"), &serde_json::json!("B"))
    );
    assert!(changed["custom.签约日期"].1.is_null());
    assert!(changed["owner"].1.is_null());
}

/// No read or write crosses tenants.
pub async fn tenants_are_isolated(store: Arc<dyn Store>) {
    let a = Fixture::new(10);
    let b = Fixture::new(11);
    let record = a.record(account("甲租户公司"));
    a.insert(store.as_ref(), std::slice::from_ref(&record))
        .await;
    let read = reader(store.as_ref());
    assert_eq!(
        read.get::<Account>(b.tenant, record.id)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        read.count::<Account>(b.tenant, &Query::all())
            .await
            .unwrap(),
        0
    );
    assert!(
        store
            .audit_trail(b.tenant, ObjectKind::Account, record.id.0)
            .await
            .unwrap()
            .is_empty()
    );
    let mut tx = store.begin().await.unwrap();
    let err = tx.save(&b.actor, t0(), record.clone()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    let mut foreign = record.clone();
    foreign.meta.tenant = b.tenant;
    let err = tx.save(&b.actor, t0(), foreign).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

/// Opportunities with every column type, nulls included, for the query cases.
fn query_fixture(fx: &Fixture) -> Vec<Record<Opportunity>> {
    let stages = ["lead", "proposal", "negotiation", "合同审核"];
    let names = [
        "华为扩容",
        "腾讯云迁移",
        "Alpha deal",
        "alpha DEAL",
        "50%折扣",
        "under_score",
    ];
    (0..40)
        .map(|i: i64| {
            let account = AccountId(Uuid::from_u128(1000 + (i % 5) as u128));
            let mut deal = Opportunity::new(
                account,
                names[i as usize % names.len()],
                stages[i as usize % stages.len()],
            );
            if i % 3 != 0 {
                deal.amount = Some(Money::new(
                    Decimal::new(i * 125_050 - 1_000_000, 2),
                    Currency::CNY,
                ));
            }
            if i % 4 != 1 {
                deal.expected_close =
                    NaiveDate::from_ymd_opt(2026, 1 + (i % 12) as u32, 1 + (i % 28) as u32);
            }
            if i % 7 == 0 {
                deal.win(t0() + Duration::hours(i)).unwrap();
            }
            if i % 5 == 2 {
                deal.last_activity_at = Some(t0() - Duration::minutes(i * 37));
            }
            let mut record = fx.record(deal);
            if i % 6 == 0 {
                record.meta.owner = None;
            }
            record
        })
        .collect()
}

fn sample_predicates() -> Vec<Predicate> {
    let a1 = AccountId(Uuid::from_u128(1001));
    let a3 = AccountId(Uuid::from_u128(1003));
    let money = |cents: i64| Value::Decimal(Decimal::new(cents, 2));
    let date = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    vec![
        Predicate::True,
        Predicate::False,
        Predicate::eq("stage", "proposal"),
        Predicate::ne("stage", "proposal"),
        Predicate::eq("stage", "合同审核"),
        Predicate::eq("account_id", a1),
        Predicate::is_in("account_id", [a1, a3]),
        Predicate::is_in("account_id", Vec::<AccountId>::new()),
        !Predicate::is_in("account_id", Vec::<AccountId>::new()),
        !Predicate::is_in("stage", ["lead", "proposal"]),
        Predicate::gt("amount", money(0)),
        Predicate::le("amount", money(-1)),
        Predicate::ge("amount", Value::Int(10_000)),
        !Predicate::lt("amount", money(250_100)),
        Predicate::is_null("amount"),
        !Predicate::is_null("amount"),
        Predicate::lt("expected_close", date(6, 1)),
        !Predicate::ge("expected_close", date(3, 15)),
        Predicate::eq("status", "won")
            .or(Predicate::gt("last_activity_at", t0() - Duration::hours(5))),
        Predicate::contains("name", "扩容"),
        Predicate::contains("name", "alpha"),
        Predicate::contains("name", "%"),
        Predicate::contains("name", "_"),
        !Predicate::contains("name", "deal"),
        Predicate::starts_with("name", "Alpha"),
        Predicate::starts_with("stage", "合同"),
        Predicate::eq("owner", Value::Null),
        Predicate::ne("owner", Value::Null),
        Predicate::gt("version", Value::Int(0))
            .and(Predicate::lt("created_at", t0() + Duration::seconds(1))),
        !(Predicate::eq("stage", "lead").and(!Predicate::is_null("amount"))).or(Predicate::eq(
            "stage",
            "negotiation",
        )
        .and(Predicate::ge("amount", money(500_000)))),
    ]
}

async fn reference_rows(
    store: &dyn Store,
    fx: &Fixture,
    records: &[Record<Opportunity>],
) -> Vec<Row> {
    let mut rows = Vec::new();
    for r in records {
        rows.push(
            store
                .get_row(ObjectKind::Opportunity, fx.tenant, r.id.uuid())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    rows
}

/// The ids the reference interpreter selects for `query` from `rows` (one tenant's rows of
/// any kinds: those of `kind` are filtered, all are what sub-selects read), and the ids
/// `store` lists for it: the two answers every differential query check compares.
pub async fn reference_and_store(
    store: &dyn ReadStore,
    tenant: TenantId,
    kind: ObjectKind,
    rows: &[Row],
    query: &Query,
) -> (Vec<Uuid>, Vec<Uuid>) {
    let expected = query
        .resolve(kind)
        .unwrap()
        .apply(rows.rows_of(kind), &rows)
        .into_iter()
        .map(|r| r.id)
        .collect();
    let got = store
        .list_rows(kind, tenant, query)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    (expected, got)
}

/// For a range of predicates (every operator, negations, nulls, CJK, LIKE metacharacters),
/// list and count equal the reference interpreter over the same rows.
pub async fn queries_agree_with_the_reference_interpreter(store: Arc<dyn Store>) {
    let fx = Fixture::new(12);
    let records = query_fixture(&fx);
    fx.insert(store.as_ref(), &records).await;
    let rows = reference_rows(store.as_ref(), &fx, &records).await;
    for predicate in sample_predicates() {
        let query = Query::filter(predicate.clone()).unpaged();
        let (expected, got) = reference_and_store(
            store.as_ref(),
            fx.tenant,
            ObjectKind::Opportunity,
            &rows,
            &query,
        )
        .await;
        assert_eq!(got, expected, "list disagrees for {predicate:?}");
        let count = store
            .count_rows(ObjectKind::Opportunity, fx.tenant, &query)
            .await
            .unwrap();
        assert_eq!(
            count,
            expected.len() as u64,
            "count disagrees for {predicate:?}"
        );
    }
    let bad = Query::filter(Predicate::eq("no_such_field", "x"));
    let err = store
        .list_rows(ObjectKind::Opportunity, fx.tenant, &bad)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
}

/// Grouped counts and sums equal the in-memory aggregation of the same rows, for every
/// sample filter and several groupings (by a text field, two fields, the owner, none), and
/// a sum over a non-number or a grouping by an amount is a validation error.
pub async fn aggregates_agree_with_the_reference_interpreter(store: Arc<dyn Store>) {
    use crate::aggregate::{Aggregate, Measure, aggregate_rows};
    let fx = Fixture::new(13);
    let records = query_fixture(&fx);
    fx.insert(store.as_ref(), &records).await;
    let rows = reference_rows(store.as_ref(), &fx, &records).await;
    let normalised = |mut groups: Vec<crate::aggregate::Group>| {
        groups.sort_by_key(|g| format!("{:?}", g.keys));
        groups
            .into_iter()
            .map(|g| {
                let values: Vec<i64> = g
                    .values
                    .iter()
                    .map(|v| (v * 100.0).round() as i64)
                    .collect();
                (format!("{:?}", g.keys), g.count, values)
            })
            .collect::<Vec<_>>()
    };
    let groupings: [&[&str]; 4] = [&["stage"], &["stage", "status"], &["owner"], &[]];
    for predicate in sample_predicates().into_iter().chain([Predicate::True]) {
        for grouping in groupings {
            let mut aggregate = Aggregate::new(Query::filter(predicate.clone()))
                .measure(Measure::Count)
                .measure(Measure::Sum("amount".into()));
            for field in grouping {
                aggregate = aggregate.group_by(field);
            }
            let resolved = aggregate.resolve(ObjectKind::Opportunity).unwrap();
            let source: &[Row] = &rows;
            let expected =
                aggregate_rows(source.rows_of(ObjectKind::Opportunity), &resolved, &source);
            let got = store
                .aggregate(ObjectKind::Opportunity, fx.tenant, &aggregate)
                .await
                .unwrap();
            assert_eq!(
                normalised(got),
                normalised(expected),
                "aggregate by {grouping:?} disagrees for {predicate:?}"
            );
        }
    }
    for bad in [
        Aggregate::new(Query::all()).measure(Measure::Sum("stage".into())),
        Aggregate::new(Query::all()).group_by("amount"),
        Aggregate::new(Query::all()).group_by("no_such_field"),
    ] {
        let err = store
            .aggregate(ObjectKind::Opportunity, fx.tenant, &bad)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation, "{bad:?}");
    }
}

/// Accounts (levels, a branch tree, one soft-deleted, one in another tenant), their
/// contacts (some without an account) and deals: rows sub-selects can follow.
async fn sub_select_fixture(store: &dyn Store, fx: &Fixture, other: &Fixture) -> Vec<Row> {
    let levels = [Some("A"), Some("B"), None];
    let mut accounts: Vec<Record<Account>> = Vec::new();
    for i in 0..9 {
        let mut a = account(&format!("子查询公司{i}"));
        a.level = levels[i % 3].map(str::to_owned);
        // Accounts 3.. are branches of 0, 1 or 2.
        a.parent = (i >= 3).then(|| accounts[i % 3].id);
        accounts.push(fx.record(a));
    }
    let mut foreign = other.record(account("外租户公司"));
    foreign.level = Some("A".into());
    fx.insert(store, &accounts).await;
    other.insert(store, std::slice::from_ref(&foreign)).await;
    let mut deleted = accounts[6].clone();
    deleted.meta.deleted_at = Some(t0());
    let mut tx = store.begin().await.unwrap();
    tx.save(&fx.actor, t0(), deleted).await.unwrap();
    tx.commit().await.unwrap();
    let targets: Vec<AccountId> = accounts.iter().map(|a| a.id).chain([foreign.id]).collect();
    let contacts: Vec<Record<Contact>> = (0..12)
        .map(|i| {
            let mut c = Contact::new(PersonName::parse("王芳").unwrap());
            c.account_id = (i % 4 != 3).then(|| targets[i % targets.len()]);
            c.primary = i % 2 == 0;
            fx.record(c)
        })
        .collect();
    fx.insert(store, &contacts).await;
    let deals: Vec<Record<Opportunity>> = (0..20)
        .map(|i| {
            fx.record(Opportunity::new(
                targets[i % targets.len()],
                "子查询商机",
                "lead",
            ))
        })
        .collect();
    fx.insert(store, &deals).await;
    let mut rows = Vec::new();
    for kind in [
        ObjectKind::Account,
        ObjectKind::Contact,
        ObjectKind::Opportunity,
    ] {
        rows.extend(
            store
                .list_rows(kind, fx.tenant, &Query::all().with_deleted().unpaged())
                .await
                .unwrap(),
        );
    }
    rows
}

/// Sub-selects (semi-joins) — nested, negated, over nullable and soft-deleted rows, never
/// across tenants — list and count what the reference interpreter selects.
pub async fn sub_selects_agree_with_the_reference_interpreter(store: Arc<dyn Store>) {
    let fx = Fixture::new(17);
    let other = Fixture::new(18);
    let rows = sub_select_fixture(store.as_ref(), &fx, &other).await;
    let level_a = || Predicate::eq("level", "A");
    let of_accounts =
        |filter| Predicate::in_select("account_id", ObjectKind::Account, "id", filter);
    let branches_of = |filter| Predicate::in_select("parent", ObjectKind::Account, "id", filter);
    let cases = [
        (ObjectKind::Opportunity, of_accounts(level_a())),
        (ObjectKind::Opportunity, !of_accounts(level_a())),
        (ObjectKind::Opportunity, of_accounts(Predicate::True)),
        (ObjectKind::Opportunity, of_accounts(branches_of(level_a()))),
        (
            ObjectKind::Opportunity,
            of_accounts(!branches_of(level_a())),
        ),
        (
            ObjectKind::Opportunity,
            !of_accounts(branches_of(level_a()).or(Predicate::is_null("level"))),
        ),
        (
            ObjectKind::Account,
            Predicate::in_select(
                "id",
                ObjectKind::Contact,
                "account_id",
                Predicate::eq("primary", true),
            ),
        ),
        (
            ObjectKind::Account,
            !Predicate::in_select("id", ObjectKind::Contact, "account_id", Predicate::True),
        ),
        (
            ObjectKind::Contact,
            of_accounts(level_a()).or(Predicate::is_null("account_id")),
        ),
    ];
    let mut selective = 0;
    for (kind, predicate) in cases {
        let query = Query::filter(predicate.clone()).unpaged();
        let (expected, got) =
            reference_and_store(store.as_ref(), fx.tenant, kind, &rows, &query).await;
        assert_eq!(got, expected, "list disagrees for {predicate:?}");
        let count = store.count_rows(kind, fx.tenant, &query).await.unwrap();
        assert_eq!(
            count,
            expected.len() as u64,
            "count disagrees for {predicate:?}"
        );
        let live = rows
            .iter()
            .filter(|r| r.kind == kind && r.meta.deleted_at.is_none())
            .count();
        if !expected.is_empty() && expected.len() < live {
            selective += 1;
        }
    }
    assert!(selective >= 8, "only {selective} cases split the rows");
    // Deals of A-level accounts: 0 and 3 (6 is deleted; the foreign one is another tenant's).
    let a_level = store
        .count_rows(
            ObjectKind::Opportunity,
            fx.tenant,
            &Query::filter(of_accounts(level_a())),
        )
        .await
        .unwrap();
    assert_eq!(
        a_level, 4,
        "20 deals over 10 targets: two each for accounts 0 and 3"
    );
    let mismatched = Query::filter(Predicate::in_select(
        "name",
        ObjectKind::Account,
        "id",
        Predicate::True,
    ));
    let err = store
        .list_rows(ObjectKind::Opportunity, fx.tenant, &mismatched)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
}

/// Sorting (nulls first ascending, last descending, id as tiebreak) and paging agree with
/// the reference interpreter.
pub async fn sort_and_page_agree_with_the_reference_interpreter(store: Arc<dyn Store>) {
    let fx = Fixture::new(13);
    let records = query_fixture(&fx);
    fx.insert(store.as_ref(), &records).await;
    let rows = reference_rows(store.as_ref(), &fx, &records).await;
    let sorts = [
        vec![Sort::asc("amount")],
        vec![Sort::desc("amount")],
        vec![Sort::asc("stage"), Sort::desc("expected_close")],
        vec![Sort::desc("last_activity_at"), Sort::asc("name")],
        vec![Sort::asc("owner")],
        vec![],
    ];
    for sort in sorts {
        for (offset, limit) in [(0, 1000), (0, 7), (5, 10), (38, 10), (50, 3)] {
            let mut query = Query::filter(!Predicate::eq("stage", "lead"))
                .offset(offset)
                .limit(limit);
            query.sort = sort.clone();
            let (expected, got) = reference_and_store(
                store.as_ref(),
                fx.tenant,
                ObjectKind::Opportunity,
                &rows,
                &query,
            )
            .await;
            assert_eq!(
                got, expected,
                "order disagrees for {sort:?} offset {offset} limit {limit}"
            );
        }
    }
}

/// A thousand records in one transaction are all there after commit, none after rollback.
pub async fn batch_insert_is_atomic(store: Arc<dyn Store>) {
    let fx = Fixture::new(14);
    let batch: Vec<Record<Account>> = (0..1000)
        .map(|i| fx.record(account(&format!("批量公司{i}"))))
        .collect();
    let mut tx = store.begin().await.unwrap();
    tx.insert(&fx.actor, t0(), &batch).await.unwrap();
    tx.rollback().await.unwrap();
    let read = reader(store.as_ref());
    assert_eq!(
        read.count::<Account>(fx.tenant, &Query::all())
            .await
            .unwrap(),
        0
    );
    fx.insert(store.as_ref(), &batch).await;
    assert_eq!(
        read.count::<Account>(fx.tenant, &Query::all())
            .await
            .unwrap(),
        1000
    );
    let last = read.get::<Account>(fx.tenant, batch[999].id).await.unwrap();
    assert_eq!(last.name.as_str(), "批量公司999");
    let trail = store
        .audit_trail(fx.tenant, ObjectKind::Account, batch[500].id.0)
        .await
        .unwrap();
    assert_eq!(trail.len(), 1);
}

/// Duplicate-detection keys: found by any key, each record once; replaced, forgotten,
/// rolled back with their transaction, scoped to the tenant; crowded keys skipped.
pub async fn duplicate_keys_are_found_replaced_and_rolled_back(store: Arc<dyn Store>) {
    let fx = Fixture::new(15);
    let other = Fixture::new(16);
    let kind = ObjectKind::Account;
    let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
    let keys = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
    let mut tx = store.begin().await.unwrap();
    tx.set_keys(
        kind,
        fx.tenant,
        &[(a, keys(&["phone=+8613812345678", "name=华为"]))],
    )
    .await
    .unwrap();
    tx.set_keys(kind, fx.tenant, &[(b, keys(&["name=华为"]))])
        .await
        .unwrap();
    tx.set_keys(kind, fx.tenant, &[(c, keys(&["name=华为"]))])
        .await
        .unwrap();
    tx.set_keys(kind, other.tenant, &[(c, keys(&["phone=+8613812345678"]))])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let probe = keys(&["phone=+8613812345678", "name=华为"]);
    assert_eq!(
        store
            .records_with_keys(kind, fx.tenant, &probe, 10)
            .await
            .unwrap(),
        vec![a, b, c]
    );
    assert_eq!(
        store
            .records_with_keys(kind, fx.tenant, &probe, 2)
            .await
            .unwrap(),
        vec![a],
        "a key with 3 holders is skipped"
    );
    assert_eq!(
        store
            .records_with_keys(kind, other.tenant, &probe, 10)
            .await
            .unwrap(),
        vec![c]
    );
    assert!(
        store
            .records_with_keys(ObjectKind::Contact, fx.tenant, &probe, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let mut tx = store.begin().await.unwrap();
    tx.set_keys(kind, fx.tenant, &[(a, keys(&["name=腾讯"]))])
        .await
        .unwrap();
    tx.set_keys(kind, fx.tenant, &[(b, Vec::new())])
        .await
        .unwrap();
    assert_eq!(
        tx.records_with_keys(kind, fx.tenant, &probe, 10)
            .await
            .unwrap(),
        vec![c],
        "the transaction sees its changes"
    );
    tx.rollback().await.unwrap();
    assert_eq!(
        store
            .records_with_keys(kind, fx.tenant, &probe, 10)
            .await
            .unwrap(),
        vec![a, b, c],
        "rolled back"
    );
    let mut tx = store.begin().await.unwrap();
    tx.set_keys(kind, fx.tenant, &[(a, keys(&["name=腾讯"]))])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store
            .records_with_keys(kind, fx.tenant, &keys(&["phone=+8613812345678"]), 10)
            .await
            .unwrap(),
        Vec::<Uuid>::new()
    );
    assert_eq!(
        store
            .records_with_keys(kind, fx.tenant, &keys(&["name=腾讯"]), 10)
            .await
            .unwrap(),
        vec![a]
    );
}

/// `get_rows` finds exactly the tenant's rows asked for, deleted ones included, however many;
/// `save_rows` saves like `save_row` one by one: versions, audit events, and a stale version
/// failing with nothing of the call written.
pub async fn rows_are_got_and_saved_by_id_in_batches(store: Arc<dyn Store>) {
    let fx = Fixture::new(17);
    let other = Fixture::new(18);
    // More records than one statement reads.
    let records: Vec<_> = (0..1203)
        .map(|i| fx.record(account(&format!("批量{i}号有限公司"))))
        .collect();
    fx.insert(store.as_ref(), &records).await;
    let stranger = other.record(account("别家公司"));
    other
        .insert(store.as_ref(), std::slice::from_ref(&stranger))
        .await;
    let mut deleted = records[5].clone();
    deleted.meta.deleted_at = Some(t0());
    let mut tx = store.begin().await.unwrap();
    tx.save(&fx.actor, t0(), deleted).await.unwrap();
    tx.commit().await.unwrap();

    let mut asked: Vec<Uuid> = records.iter().map(|r| r.id.uuid()).collect();
    asked.push(stranger.id.uuid());
    asked.push(Uuid::from_u128(0xdead));
    let mut got: Vec<Uuid> = store
        .get_rows(ObjectKind::Account, fx.tenant, &asked)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    got.sort();
    let mut expected: Vec<Uuid> = records.iter().map(|r| r.id.uuid()).collect();
    expected.sort();
    assert_eq!(got, expected, "the tenant's rows, the deleted one included");

    let changed: Vec<Row> = records[600..]
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.data.level = Some("A".into());
            r.to_row().unwrap()
        })
        .collect();
    let mut tx = store.begin().await.unwrap();
    let saved = tx.save_rows(&fx.actor, t0(), changed).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(saved.len(), 603);
    assert!(saved.iter().all(|r| r.meta.version == 2));
    let read = reader(store.as_ref());
    let last = read
        .get::<Account>(fx.tenant, records[1202].id)
        .await
        .unwrap();
    assert_eq!(
        (last.meta.version, last.data.level.as_deref()),
        (2, Some("A"))
    );
    let trail = store
        .audit_trail(fx.tenant, ObjectKind::Account, records[1202].id.uuid())
        .await
        .unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[1].changes[0].field, "level");

    // One stale row among fresh ones: a conflict, and the whole transaction is discarded.
    let mut rows: Vec<Row> = records[..3].iter().map(|r| r.to_row().unwrap()).collect();
    rows.push(records[700].to_row().unwrap());
    let mut tx = store.begin().await.unwrap();
    let err = tx.save_rows(&fx.actor, t0(), rows).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    drop(tx);
    let first = read.get::<Account>(fx.tenant, records[0].id).await.unwrap();
    assert_eq!(first.meta.version, 1);
}
