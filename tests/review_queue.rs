//! The duplicate review queue through the facade, on the in-memory and SQLite stores: groups
//! proposed by warn-mode checks, imports and scans; listed per actor within their access,
//! with masked fields' evidence left out; merged (with picks, undone as any merge) or
//! declared distinct, which every path remembers; each decision audited.

use std::collections::{BTreeMap, BTreeSet};

use crm::core::access::{Action, FieldAccess, FieldRule, Mask, Role, RoleAssignment, Scope};
use crm::id::{AccountId, RecordId, TenantId, UserId};
use crm::import::ImportOptions;
use crm::merge::MergePlan;
use crm::model::{Account, User};
use crm::review::{DuplicateGroup, GroupSource, PairEvidence, Resolution, ReviewStatus, ScanPhase};
use crm::value::{CompanyName, PersonName, Phone};
use crm::{Actor, Crm, DuplicatePolicy, ErrorKind, ObjectKind};
use proptest::prelude::*;
use uuid::Uuid;

const URLS: [&str; 2] = ["memory://", "sqlite::memory:"];

fn tenant() -> TenantId {
    TenantId(Uuid::from_u128(31))
}

fn system() -> Actor {
    Actor::system(tenant())
}

fn account(name: &str, phone: &str) -> Account {
    let mut a = Account::new(CompanyName::parse(name).unwrap());
    a.phone = Some(Phone::parse(phone).unwrap());
    a
}

/// Two reps who own their accounts and see phones masked, and their manager, who may merge
/// theirs and sees phones.
struct Team {
    crm: Crm,
    manager: UserId,
    rep1: UserId,
    rep2: UserId,
}

impl Team {
    fn actor(&self, user: UserId) -> Actor {
        Actor::user(tenant(), user)
    }
}

async fn team(url: &str) -> Team {
    let crm = Crm::open(url).await.unwrap();
    let user = async |name: &str, manager: Option<UserId>| {
        let mut user = User::new(PersonName::parse(name).unwrap());
        user.manager_id = manager;
        crm.users().create(&system(), user).await.unwrap().id
    };
    let manager = user("孙经理", None).await;
    let rep1 = user("李娜", Some(manager)).await;
    let rep2 = user("王芳", Some(manager)).await;
    let kind = ObjectKind::Account;
    let work = [Action::Read, Action::Create, Action::Update, Action::Merge];
    let masked = FieldRule::new(kind, "phone", FieldAccess::Masked { mask: Mask::Phone });
    let roles = [
        (
            Role::new("销售")
                .grant(kind, work, Scope::Own)
                .field(masked),
            vec![rep1, rep2],
        ),
        (
            Role::new("经理").grant(kind, Action::ALL, Scope::OwnAndSubordinates),
            vec![manager],
        ),
    ];
    for (role, users) in roles {
        let role = crm.records::<Role>().create(&system(), role).await.unwrap();
        for user in users {
            let assignment = RoleAssignment {
                user,
                role: role.id,
            };
            crm.records::<RoleAssignment>()
                .create(&system(), assignment)
                .await
                .unwrap();
        }
    }
    Team {
        crm,
        manager,
        rep1,
        rep2,
    }
}

/// The member sets of the open account groups `actor` sees.
async fn queue_of(crm: &Crm, actor: &Actor) -> Vec<BTreeSet<Uuid>> {
    let queue = crm.review_queue::<Account>(actor, 0, 100).await.unwrap();
    for item in &queue {
        let ids: Vec<Uuid> = item.records.iter().map(|r| r.id.uuid()).collect();
        assert_eq!(
            ids, item.group.members,
            "the records are the group's, in its order"
        );
    }
    queue
        .iter()
        .map(|item| item.group.members.iter().copied().collect())
        .collect()
}

fn set(ids: &[AccountId]) -> BTreeSet<Uuid> {
    ids.iter().map(|id| id.uuid()).collect()
}

#[tokio::test]
async fn a_warn_check_queues_the_record_and_not_duplicates_is_remembered_by_every_path() {
    for url in URLS {
        let crm = Crm::open(url).await.unwrap();
        let admin = system();
        let first = crm
            .accounts()
            .create(&admin, account("北京华为技术有限公司", "010-62345678"))
            .await
            .unwrap();
        let (second, found) = crm
            .accounts()
            .create_checked(
                &admin,
                account("华为技术（北京）有限公司", "(010)6234 5678"),
            )
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{url}");
        let queue = crm.review_queue::<Account>(&admin, 0, 10).await.unwrap();
        assert_eq!(queue.len(), 1, "{url}");
        let group = &queue[0].group;
        assert_eq!(
            group.members,
            set(&[first.id, second.id]).into_iter().collect::<Vec<_>>()
        );
        assert_eq!(group.source, GroupSource::Check);
        assert_eq!(group.status, ReviewStatus::Open);
        let pair = &group.pairs[0];
        assert!(
            (pair.probability - found[0].probability).abs() < 1e-6,
            "{url}"
        );
        let phone = pair.fields.iter().find(|f| f.field == "phone").unwrap();
        assert_eq!(phone.meaning, "exact", "{url}");
        assert!(phone.weight > 0.0);

        let decided = crm
            .resolve_duplicates(&admin, group.id, Resolution::NotDuplicates)
            .await
            .unwrap();
        assert_eq!(decided.status, ReviewStatus::NotDuplicates);
        assert!(decided.resolved_at.is_some());
        assert!(
            crm.review_queue::<Account>(&admin, 0, 10)
                .await
                .unwrap()
                .is_empty()
        );

        // Checks no longer report the pair, nor does an update under a blocking policy
        // refuse it.
        let mut edited = second.clone();
        edited.level = Some("A".into());
        let (edited, found) = crm.accounts().update_checked(&admin, edited).await.unwrap();
        assert!(found.is_empty(), "{url}: {found:?}");
        let blocking = crm
            .clone()
            .with_duplicate_policy(ObjectKind::Account, DuplicatePolicy::Block);
        let mut again = edited.clone();
        again.level = Some("B".into());
        blocking.accounts().update(&admin, again).await.unwrap();
        // A scan finds the pair and leaves it out.
        let report = crm
            .scan_duplicates::<Account>(&admin, |_| {})
            .await
            .unwrap();
        assert_eq!(report.records, 2, "{url}");
        assert_eq!(report.pairs_declared_distinct, 1, "{url}: {report:?}");
        assert_eq!(report.groups_queued, 0, "{url}: {report:?}");
        assert!(
            crm.review_queue::<Account>(&admin, 0, 10)
                .await
                .unwrap()
                .is_empty()
        );
        // A third record like both is a new question: queued with both.
        let (third, found) = crm
            .accounts()
            .create_checked(&admin, account("华为技术有限公司", "010-62345678"))
            .await
            .unwrap();
        assert_eq!(found.len(), 2, "{url}");
        let queue = queue_of(&crm, &admin).await;
        assert_eq!(queue, vec![set(&[first.id, second.id, third.id])], "{url}");
    }
}

#[tokio::test]
async fn merging_from_the_queue_takes_the_picks_and_undo_opens_the_group_again() {
    for url in URLS {
        let crm = Crm::open(url).await.unwrap();
        let admin = system();
        let kept = crm
            .accounts()
            .create(&admin, account("苏州恒瑞精密机械有限公司", "0512-66881234"))
            .await
            .unwrap();
        let mut other = account("恒瑞精密机械（苏州）有限公司", "0512 6688 1234");
        other.address = Some("苏州工业园区星湖街328号".into());
        let (absorbed, _) = crm.accounts().create_checked(&admin, other).await.unwrap();
        let group = crm.review_queue::<Account>(&admin, 0, 10).await.unwrap()[0]
            .group
            .clone();
        let mut plan = MergePlan::into(kept.id.uuid());
        plan.picks.insert("name".into(), absorbed.id.uuid());
        let merged = crm
            .resolve_duplicates(&admin, group.id, Resolution::Merge(plan))
            .await
            .unwrap();
        assert_eq!(merged.status, ReviewStatus::Merged);
        let survivor = crm.accounts().get(&admin, kept.id).await.unwrap();
        assert_eq!(survivor.name, absorbed.name, "{url}: the pick");
        assert_ne!(survivor.name, kept.name);
        assert_eq!(survivor.address.as_deref(), Some("苏州工业园区星湖街328号"));
        let gone = crm.accounts().get(&admin, absorbed.id).await.unwrap_err();
        assert_eq!(gone.kind(), ErrorKind::NotFound);
        assert!(
            crm.review_queue::<Account>(&admin, 0, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let again = crm
            .resolve_duplicates(&admin, group.id, Resolution::NotDuplicates)
            .await
            .unwrap_err();
        assert_eq!(
            again.kind(),
            ErrorKind::InvalidTransition,
            "{url}: decided once"
        );

        let merge = crm::id::MergeId::from_uuid(merged.merge.unwrap());
        crm.undo_merge(&admin, merge).await.unwrap();
        crm.accounts().get(&admin, absorbed.id).await.unwrap();
        let queue = queue_of(&crm, &admin).await;
        assert_eq!(
            queue,
            vec![set(&[kept.id, absorbed.id])],
            "{url}: open again"
        );
        // The group's audit trail: proposed, merged, opened again.
        let history = crm
            .records::<DuplicateGroup>()
            .history(&admin, group.id)
            .await
            .unwrap();
        let statuses: Vec<Option<&str>> = history
            .iter()
            .map(|event| {
                let status = event.changes.iter().find(|c| c.field == "status");
                status.and_then(|c| c.after.as_str())
            })
            .collect();
        assert_eq!(
            statuses,
            [Some("open"), Some("merged"), Some("open")],
            "{url}: {history:?}"
        );
    }
}

#[tokio::test]
async fn the_queue_shows_each_actor_only_groups_they_may_read_and_no_masked_evidence() {
    for url in URLS {
        let team = team(url).await;
        let crm = &team.crm;
        let owned = async |owner: UserId, name: &str, phone: &str| {
            crm.accounts()
                .create_owned(&system(), Some(owner), account(name, phone))
                .await
                .unwrap()
                .id
        };
        let mine = [
            owned(team.rep1, "苏州恒瑞精密机械有限公司", "0512-66881234").await,
            owned(team.rep1, "恒瑞精密机械（苏州）有限公司", "0512 6688 1234").await,
        ];
        let crossing = [
            owned(team.rep1, "杭州远达物流有限公司", "0571-88776655").await,
            owned(team.rep2, "远达物流（杭州）有限公司", "0571 8877 6655").await,
        ];
        let report = crm
            .scan_duplicates::<Account>(&system(), |_| {})
            .await
            .unwrap();
        assert_eq!(report.groups_queued, 2, "{url}: {report:?}");

        let rep1 = team.actor(team.rep1);
        let rep2 = team.actor(team.rep2);
        let manager = team.actor(team.manager);
        assert_eq!(queue_of(crm, &rep1).await, vec![set(&mine)], "{url}");
        assert!(queue_of(crm, &rep2).await.is_empty(), "{url}");
        let all: BTreeSet<_> = queue_of(crm, &manager).await.into_iter().collect();
        assert_eq!(all, BTreeSet::from([set(&mine), set(&crossing)]), "{url}");

        let seen = crm.review_queue::<Account>(&rep1, 0, 10).await.unwrap();
        let item = &seen[0];
        assert!(
            item.records.iter().all(|r| r.phone.is_none()),
            "{url}: phone masked"
        );
        let fields: BTreeSet<&str> = item.group.pairs[0]
            .fields
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert!(
            fields.contains("name") && !fields.contains("phone"),
            "{url}: {fields:?}"
        );
        let full = crm.review_queue::<Account>(&manager, 0, 10).await.unwrap();
        let of_mine = full.iter().find(|i| i.group.id == item.group.id).unwrap();
        assert!(
            of_mine.group.pairs[0]
                .fields
                .iter()
                .any(|f| f.field == "phone")
        );

        // A decision on a group holding a record the actor may not read is refused, as if
        // the group did not exist; nothing changes.
        let crossing_group = full.iter().find(|i| i.group.id != item.group.id).unwrap();
        for actor in [&rep1, &rep2] {
            let err = crm
                .resolve_duplicates(actor, crossing_group.group.id, Resolution::NotDuplicates)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{url}");
            assert!(!err.to_string().contains(&crossing[1].to_string()), "{err}");
        }
        assert_eq!(queue_of(crm, &manager).await.len(), 2, "{url}");
        // Their own group they decide, and the audit says who did.
        crm.resolve_duplicates(&rep1, item.group.id, Resolution::NotDuplicates)
            .await
            .unwrap();
        let history = crm
            .records::<DuplicateGroup>()
            .history(&system(), item.group.id)
            .await
            .unwrap();
        assert_eq!(history.last().unwrap().actor, rep1.principal, "{url}");
    }
}

#[tokio::test]
async fn a_scan_queues_connected_pairs_once_and_reports_its_progress() {
    for url in URLS {
        let crm = Crm::open(url).await.unwrap();
        let admin = system();
        let mut ids = Vec::new();
        for (name, phone) in [
            ("北京华为技术有限公司", "010-62345678"),
            ("华为技术（北京）有限公司", "(010)6234 5678"),
            ("北京华为技术有限公司", "+86 10 6234 5678"),
            ("上海鼎盛贸易有限公司", "021-55556666"),
            ("杭州博远机械有限公司", "0571-86001234"),
            ("Acme Trading Co., Ltd.", "+1 415 555 0100"),
            ("ACME Trading Company Limited", "+1 (415) 555-0100"),
        ] {
            ids.push(
                crm.accounts()
                    .create(&admin, account(name, phone))
                    .await
                    .unwrap()
                    .id,
            );
        }
        let mut phases = Vec::new();
        let report = crm
            .scan_duplicates::<Account>(&admin, |p| phases.push(p))
            .await
            .unwrap();
        assert_eq!(report.records, 7, "{url}");
        assert_eq!(report.groups_queued, 2, "{url}: {report:?}");
        let queue: BTreeSet<_> = queue_of(&crm, &admin).await.into_iter().collect();
        let expected = BTreeSet::from([set(&ids[0..3]), set(&ids[5..7])]);
        assert_eq!(queue, expected, "{url}");
        let order: Vec<ScanPhase> = phases.iter().map(|p| p.phase).collect();
        let mut deduped = order.clone();
        deduped.dedup();
        assert_eq!(
            deduped,
            [
                ScanPhase::Reading,
                ScanPhase::Scoring,
                ScanPhase::Queueing,
                ScanPhase::Done
            ],
            "{url}"
        );
        let read = phases
            .iter()
            .find(|p| p.phase == ScanPhase::Reading)
            .unwrap();
        assert_eq!((read.done, read.total), (7, 7));

        let again = crm
            .scan_duplicates::<Account>(&admin, |_| {})
            .await
            .unwrap();
        assert_eq!(
            (again.groups_queued, again.groups_already_open),
            (0, 2),
            "{url}"
        );
        assert_eq!(queue_of(&crm, &admin).await.len(), 2, "{url}");
    }
}

#[tokio::test]
async fn an_import_queues_the_rows_it_created_on_a_possible_match() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.csv");
    std::fs::write(
        &path,
        "客户名称,联系人,手机,电话,城市\n\
         北京华信科技有限公司,张伟,13900000001,010-62345678,北京\n\
         北京华信科技有限公司,王芳,13900000002,,上海\n",
    )
    .unwrap();
    for url in URLS {
        let crm = Crm::open(url).await.unwrap();
        let admin = system();
        let report = crm
            .import_file(&admin, &path, ImportOptions::default(), |_| {})
            .await
            .unwrap();
        assert_eq!(
            (report.created, report.queued_for_review),
            (2, 1),
            "{url}: {report:?}"
        );
        let queue = crm.review_queue::<Account>(&admin, 0, 10).await.unwrap();
        assert_eq!(queue.len(), 1, "{url}");
        let group = &queue[0].group;
        assert_eq!(group.source, GroupSource::Import);
        let names: BTreeSet<&str> = queue[0].records.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, BTreeSet::from(["北京华信科技有限公司"]));
        let fields: BTreeSet<&str> = group.pairs[0]
            .fields
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert!(
            fields.contains("name") && fields.contains("contact.mobile"),
            "{fields:?}"
        );
        // A dry run queues nothing.
        let dry = Crm::open(url).await.unwrap();
        let options = ImportOptions {
            dry_run: true,
            ..ImportOptions::default()
        };
        let report = dry
            .import_file(&admin, &path, options, |_| {})
            .await
            .unwrap();
        assert_eq!(report.queued_for_review, 1);
        assert!(
            dry.review_queue::<Account>(&admin, 0, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn kinds_without_duplicate_fields_cannot_be_scanned() {
    let crm = Crm::open("memory://").await.unwrap();
    let err = crm
        .scan_duplicates::<crm::model::Opportunity>(&system(), |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
}

/// The futures of the queue's calls can be spawned by a host (a web service).
#[test]
fn the_queue_calls_can_be_spawned() {
    fn spawnable<F: std::future::Future + Send>(_: F) {}
    let crm = Crm::with_store(std::sync::Arc::new(crm::store::MemoryStore::new()));
    let admin = system();
    let id = crm::id::DuplicateGroupId::from_uuid(Uuid::nil());
    spawnable(crm.review_queue::<Account>(&admin, 0, 10));
    spawnable(crm.resolve_duplicates(&admin, id, Resolution::NotDuplicates));
    spawnable(crm.scan_duplicates::<Account>(&admin, |_| {}));
}

/// An owner (0, 1: the reps; 2: the manager) per account, and groups of two or three of
/// them.
fn layout() -> impl Strategy<Value = (Vec<usize>, Vec<Vec<usize>>)> {
    prop::collection::vec(0..3_usize, 3..8).prop_flat_map(|owners| {
        let n = owners.len();
        let group = prop::collection::btree_set(0..n, 2..=3)
            .prop_map(|members| members.into_iter().collect::<Vec<_>>());
        (Just(owners), prop::collection::vec(group, 1..6))
    })
}

/// Every actor's queue, read whole or a page at a time, holds exactly the open groups of
/// which the actor may read each record, as single-record reads decide it.
async fn queue_matches_single_reads(url: &str, owners: Vec<usize>, groups: Vec<Vec<usize>>) {
    let team = team(url).await;
    let crm = &team.crm;
    let users = [team.rep1, team.rep2, team.manager];
    let mut ids = Vec::new();
    for (i, owner) in owners.iter().enumerate() {
        let a = account(
            &format!("测试{i}号贸易有限公司"),
            &format!("021-5555{:04}", i),
        );
        let created = crm
            .accounts()
            .create_owned(&system(), Some(users[*owner]), a)
            .await
            .unwrap();
        ids.push(created.id.uuid());
    }
    let mut stored = BTreeMap::new();
    for (g, members) in groups.iter().enumerate() {
        let pairs = members
            .windows(2)
            .map(|w| PairEvidence {
                a: ids[w[0]],
                b: ids[w[1]],
                probability: 0.3 + 0.1 * g as f64,
                fields: Vec::new(),
            })
            .collect();
        let group = DuplicateGroup::new(ObjectKind::Account, GroupSource::Scan, pairs).unwrap();
        let saved = crm
            .records::<DuplicateGroup>()
            .create(&system(), group)
            .await
            .unwrap();
        stored.insert(saved.id, members.clone());
    }
    for user in users {
        let actor = team.actor(user);
        let mut expected = BTreeSet::new();
        for (id, members) in &stored {
            let mut readable = true;
            for m in members {
                let got = crm
                    .accounts()
                    .get(&actor, AccountId::from_uuid(ids[*m]))
                    .await;
                readable &= got.is_ok();
            }
            if readable {
                expected.insert(*id);
            }
        }
        let whole = crm.review_queue::<Account>(&actor, 0, 100).await.unwrap();
        let listed: BTreeSet<_> = whole.iter().map(|i| i.group.id).collect();
        assert_eq!(listed, expected, "{url}");
        let mut paged = Vec::new();
        for offset in (0..whole.len() + 2).step_by(2) {
            let page = crm
                .review_queue::<Account>(&actor, offset, 2)
                .await
                .unwrap();
            paged.extend(page.into_iter().map(|i| i.group.id));
        }
        let whole: Vec<_> = whole.iter().map(|i| i.group.id).collect();
        assert_eq!(
            paged, whole,
            "{url}: pages add up to the whole queue, in order"
        );
        let probabilities: Vec<f64> = crm
            .review_queue::<Account>(&actor, 0, 100)
            .await
            .unwrap()
            .iter()
            .map(|i| i.group.probability)
            .collect();
        assert!(
            probabilities.windows(2).all(|w| w[0] >= w[1]),
            "likeliest first"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn the_queue_equals_single_record_reads_in_memory((owners, groups) in layout()) {
        tokio_test(queue_matches_single_reads("memory://", owners, groups));
    }

    #[test]
    fn the_queue_equals_single_record_reads_on_sqlite((owners, groups) in layout()) {
        tokio_test(queue_matches_single_reads("sqlite::memory:", owners, groups));
    }
}

fn tokio_test(work: impl std::future::Future<Output = ()>) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(work);
}
