//! Importing customer files through the facade: mapping, cleaning, the dedup plan against the
//! file and the store, dry run, rejects file, batches that fail or are cancelled, and the
//! invariant that every row read is accounted for.

use std::path::Path;
use std::sync::Arc;

use crm::core::access::{Action, Role, RoleAssignment, Scope};
use crm::id::TenantId;
use crm::import::ImportOptions;
use crm::import::clean::Strictness;
use crm::import::plan::{Decision, OnDuplicate};
use crm::import::progress::Phase;
use crm::import::report::ImportReport;
use crm::model::{Account, Contact, User};
use crm::query::{Predicate, Query};
use crm::value::{CompanyName, PersonName, Phone};
use crm::{Actor, Crm, ObjectKind};
use proptest::prelude::*;
use uuid::Uuid;

#[path = "common/failing_store.rs"]
mod failing_store;
use failing_store::{BulkLoadCall, FailingStore};

#[path = "common/importing.rs"]
mod importing;

fn actor() -> Actor {
    Actor::system(TenantId(Uuid::from_u128(11)))
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const HEADER: &str = "客户名称,联系人,手机,邮箱,省份,城市,行业,备注\n";

async fn import(crm: &Crm, path: &Path, options: ImportOptions) -> ImportReport {
    importing::import_as(crm, &actor(), path, options).await
}

async fn accounts(crm: &Crm) -> Vec<crm::Record<Account>> {
    crm.accounts()
        .list(&actor(), &Query::all().unpaged())
        .await
        .unwrap()
}

async fn contacts(crm: &Crm) -> Vec<crm::Record<Contact>> {
    crm.contacts()
        .list(&actor(), &Query::all().unpaged())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_messy_sheet_becomes_customers_with_duplicates_merged_and_bad_rows_explained() {
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.csv");
    let file = write(
        dir.path(),
        "客户.csv",
        &format!(
            "{HEADER}\
             北京华为技术有限公司,张伟,138-1234-5678,zhangwei@huawei.com,北京,北京市,,重点客户\n\
             华为技术（北京）有限公司,张总,+86 138 1234 5678,,北京市,,通信,\n\
             苏州恒瑞精密机械有限公司,李娜,13912345678,lina@hengrui.cn,江苏,苏州,机械,\n\
             苏州恒瑞精密机械有限公司,李娜,13912345678,lina@hengrui.cn,江苏,苏州,机械,\n\
             ,王芳,13700000000,,,,,\n\
             上海联影医疗科技有限公司,赵强,12345,zhao@,上海,,医疗,\n\
             广州视源电子科技股份有限公司,陈静,13600000001,chen@cvte.com,广东,北京,,\n"
        ),
    );
    let crm = Crm::open("memory://").await.unwrap();
    let report = import(
        &crm,
        &file,
        ImportOptions {
            rejects: Some(rejects.clone()),
            keep_plan: true,
            ..ImportOptions::default()
        },
    )
    .await;
    assert_eq!(report.rows_read, 7);
    assert_eq!(
        (
            report.created,
            report.merged,
            report.skipped,
            report.rejected
        ),
        (2, 1, 1, 3),
        "{:#?}",
        report.plan
    );
    let decisions: Vec<(u64, &str)> = report
        .plan
        .iter()
        .map(|r| {
            let name = match r.decision {
                Decision::Create => "create",
                Decision::CreateForReview(_) => "review",
                Decision::Merge(_) => "merge",
                Decision::Skip(_) => "skip",
                Decision::Reject { .. } => "reject",
            };
            (r.row, name)
        })
        .collect();
    assert_eq!(
        decisions,
        [
            (2, "create"),
            (3, "merge"),
            (4, "create"),
            (5, "skip"),
            (6, "reject"),
            (7, "reject"),
            (8, "reject")
        ]
    );
    let Decision::Merge(found) = &report.plan[1].decision else {
        unreachable!()
    };
    assert_eq!(found.row, Some(2));
    assert!(found.probability > 0.9, "{found:?}");
    let reasons: Vec<&str> = report
        .plan
        .iter()
        .filter_map(|r| match &r.decision {
            Decision::Reject { reason } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert!(reasons[0].contains("客户名称"), "{reasons:?}");
    assert!(
        reasons[1].contains("手机 \"12345\"") && reasons[1].contains("邮箱 \"zhao@\""),
        "every bad cell is named: {reasons:?}"
    );
    assert!(reasons[2].contains("城市 \"北京\""), "{reasons:?}");

    let stored = accounts(&crm).await;
    assert_eq!(stored.len(), 2);
    let huawei = stored
        .iter()
        .find(|a| a.name.as_str() == "北京华为技术有限公司")
        .unwrap();
    assert_eq!(huawei.industry.as_deref(), Some("通信"));
    let contacts = contacts(&crm).await;
    assert_eq!(
        contacts.len(),
        2,
        "张总 with 张伟's mobile is the same contact: {contacts:?}"
    );
    assert!(contacts.iter().all(|c| c.account_id.is_some()));

    let text = std::fs::read_to_string(&rejects).unwrap();
    let body = text.strip_prefix('\u{feff}').expect("a BOM for Excel");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        &rows[1][0], "上海联影医疗科技有限公司",
        "original cells kept"
    );
    assert_eq!(&rows[1][8], "7", "row number as Excel shows it");
}

#[tokio::test]
async fn rows_like_stored_customers_merge_into_them_and_exact_repeats_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let crm = Crm::open("sqlite::memory:").await.unwrap();
    let mut stored = Account::new(CompanyName::parse("杭州海康威视数字技术股份有限公司").unwrap());
    stored.phone = Some(Phone::parse("0571-88075998").unwrap());
    let stored = crm.accounts().create(&actor(), stored).await.unwrap();
    let file = write(
        dir.path(),
        "a.csv",
        "公司名称,电话,行业\n海康威视数字技术股份有限公司,0571-8807 5998,安防\n",
    );
    let first = import(&crm, &file, ImportOptions::default()).await;
    assert_eq!((first.created, first.merged), (0, 1));
    let merged = crm.accounts().get(&actor(), stored.id).await.unwrap();
    assert_eq!(merged.industry.as_deref(), Some("安防"));
    assert_eq!(merged.name, stored.name, "a value already there is kept");
    assert_eq!(
        crm.accounts()
            .history(&actor(), stored.id)
            .await
            .unwrap()
            .len(),
        2
    );

    let again = import(&crm, &file, ImportOptions::default()).await;
    assert_eq!((again.created, again.merged, again.skipped), (0, 0, 1));
    let create = import(
        &crm,
        &write(
            dir.path(),
            "b.csv",
            "公司名称,电话,客户等级\n海康威视数字技术股份有限公司,0571-88075998,A\n",
        ),
        ImportOptions {
            on_duplicate: OnDuplicate::Create,
            ..ImportOptions::default()
        },
    )
    .await;
    assert_eq!(create.created, 1);
    assert_eq!(accounts(&crm).await.len(), 2);
}

/// Stored customers are found whether the planner indexes them all before the first row (the
/// default) or looks each row up in the store (a store above `preload_limit`): a known
/// contact at a known company adds nothing, another person at it joins it, a new company is
/// created.
#[tokio::test]
async fn stored_customers_are_found_with_and_without_preloading() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "s.csv",
        "公司名称,联系人,手机,电话\n\
         海康威视,胡扬忠,138 0571 0001,\n\
         海康威视数字技术股份有限公司,蒋海青,13905712222,0571-88075998\n\
         杭州娃哈哈集团有限公司,宗庆后,13900000000,\n",
    );
    for preload_limit in [1_000_000, 0] {
        let crm = Crm::open("sqlite::memory:").await.unwrap();
        let mut stored =
            Account::new(CompanyName::parse("杭州海康威视数字技术股份有限公司").unwrap());
        stored.phone = Some(Phone::parse("0571-88075998").unwrap());
        let stored = crm.accounts().create(&actor(), stored).await.unwrap();
        let mut contact = Contact::new(PersonName::parse("胡扬忠").unwrap());
        contact.account_id = Some(stored.id);
        contact.mobile = Some(Phone::parse("13805710001").unwrap());
        crm.contacts().create(&actor(), contact).await.unwrap();

        let options = ImportOptions {
            preload_limit,
            ..ImportOptions::default()
        };
        let report = import(&crm, &file, options).await;
        assert_eq!(
            (report.created, report.merged, report.skipped),
            (1, 1, 1),
            "preload_limit {preload_limit}"
        );
        let of_stored = Query::filter(Predicate::eq("account_id", stored.id.0)).unpaged();
        let names: Vec<String> = crm
            .contacts()
            .list(&actor(), &of_stored)
            .await
            .unwrap()
            .iter()
            .map(|c| c.name.to_string())
            .collect();
        assert_eq!(names.len(), 2, "preload_limit {preload_limit}: {names:?}");
        assert!(names.contains(&"蒋海青".to_owned()), "{names:?}");
        assert_eq!(accounts(&crm).await.len(), 2);
    }
}

/// A row that is another salesperson's customer (撞单) is rejected, saying so, the rest of
/// the file is imported, and that customer is left as it was — whether stored customers are
/// indexed up front or looked up row by row.
#[tokio::test]
async fn a_row_matching_another_salespersons_customer_is_rejected_and_the_rest_imported() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "z.csv",
        "公司名称,电话,行业\n\
         海康威视数字技术股份有限公司,0571-88075998,安防\n\
         杭州娃哈哈集团有限公司,0571-86032866,食品\n",
    );
    for preload_limit in [1_000_000, 0] {
        let crm = Crm::open("sqlite::memory:").await.unwrap();
        let system = actor();
        let mut reps = Vec::new();
        for name in ["李娜", "王芳"] {
            let user = User::new(PersonName::parse(name).unwrap());
            reps.push(crm.users().create(&system, user).await.unwrap().id);
        }
        let writes = [Action::Read, Action::Create, Action::Update];
        let role = Role::new("销售")
            .grant(ObjectKind::Account, writes, Scope::Own)
            .grant(ObjectKind::Contact, writes, Scope::Own);
        let role = crm.records::<Role>().create(&system, role).await.unwrap();
        for &user in &reps {
            let assignment = RoleAssignment {
                user,
                role: role.id,
            };
            crm.records::<RoleAssignment>()
                .create(&system, assignment)
                .await
                .unwrap();
        }
        let (li, wang) = (
            Actor::user(system.tenant, reps[0]),
            Actor::user(system.tenant, reps[1]),
        );
        let mut theirs =
            Account::new(CompanyName::parse("杭州海康威视数字技术股份有限公司").unwrap());
        theirs.phone = Some(Phone::parse("0571-88075998").unwrap());
        let theirs = crm.accounts().create(&wang, theirs).await.unwrap();

        let options = ImportOptions {
            preload_limit,
            ..ImportOptions::default()
        };
        let report = crm.import_file(&li, &file, options, |_| {}).await.unwrap();
        assert!(report.accounts_for_every_row(), "{report:?}");
        assert!(report.stopped.is_none(), "{report:?}");
        assert_eq!(
            (report.created, report.merged, report.rejected),
            (1, 0, 1),
            "preload_limit {preload_limit}"
        );
        let Decision::Reject { reason } = &report.rejections[0].decision else {
            panic!("{:?}", report.rejections);
        };
        assert_eq!(report.rejections[0].row, 2);
        assert!(
            reason.contains("撞单") && reason.contains("杭州海康威视"),
            "{reason}"
        );
        let after = crm.accounts().get(&system, theirs.id).await.unwrap();
        assert_eq!((after.industry.as_deref(), after.meta.version), (None, 1));
        assert_eq!(crm.accounts().count(&li, &Query::all()).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn a_dry_run_plans_exactly_what_the_import_does_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let customers = [
        ("杭州海康威视数字技术股份有限公司", "胡扬忠"),
        ("浙江大华技术股份有限公司", "傅利泉"),
        ("阿里巴巴（中国）有限公司", "蒋凡"),
        ("网易（杭州）网络有限公司", "丁磊"),
        ("杭州娃哈哈集团有限公司", "宗庆后"),
        ("浙江吉利控股集团有限公司", "李书福"),
        ("杭州老板电器股份有限公司", "任建华"),
        ("杭州顺丰速运有限公司", "王卫"),
        ("浙江正泰电器股份有限公司", "南存辉"),
        ("杭州士兰微电子股份有限公司", "陈向东"),
        ("万向集团公司", "鲁伟鼎"),
        ("传化集团有限公司", "徐冠巨"),
    ];
    let rows: String = (0..30)
        .map(|i| {
            let (company, contact) = customers[i % 12];
            format!(
                "{company},{contact},1{:02}{:08},,浙江,杭州,,\n",
                30 + i % 12,
                7_000_000 + i % 12 * 1_234_567
            )
        })
        .collect();
    let file = write(
        dir.path(),
        "c.csv",
        &format!("{HEADER}{rows},没有公司名,,,,,,\n"),
    );
    let crm = Crm::open("memory://").await.unwrap();
    let options = ImportOptions {
        batch_size: 7,
        ..ImportOptions::default()
    };
    let dry = import(
        &crm,
        &file,
        ImportOptions {
            dry_run: true,
            ..options.clone()
        },
    )
    .await;
    assert!(accounts(&crm).await.is_empty());
    let real = import(&crm, &file, options).await;
    assert_eq!(
        (
            dry.rows_read,
            dry.created,
            dry.merged,
            dry.skipped,
            dry.rejected
        ),
        (
            real.rows_read,
            real.created,
            real.merged,
            real.skipped,
            real.rejected
        )
    );
    assert_eq!(real.rows_read, 31);
    assert_eq!(real.created, 12);
    assert_eq!(accounts(&crm).await.len(), 12);
}

#[tokio::test]
async fn lenient_cleaning_keeps_the_customer_and_the_bad_value_in_its_note() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "d.csv",
        "客户名称,手机,邮箱\n宁波舟山港股份有限公司,13812345678,not-an-email\n",
    );
    let crm = Crm::open("memory://").await.unwrap();
    let report = import(
        &crm,
        &file,
        ImportOptions {
            strictness: Strictness::KeepInNote,
            ..ImportOptions::default()
        },
    )
    .await;
    assert_eq!((report.created, report.rejected), (1, 0));
    let notes = crm
        .activities()
        .list(&actor(), &Query::all().unpaged())
        .await
        .unwrap();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].notes.as_deref().unwrap().contains("not-an-email"));
}

#[tokio::test]
async fn cancelling_stops_between_batches_and_counts_only_what_was_done() {
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (0..50)
        .map(|i| format!("公司{i}号有限公司,,1390000{i:04},,,,,\n"))
        .collect();
    let file = write(dir.path(), "e.csv", &format!("{HEADER}{rows}"));
    let crm = Crm::open("memory://").await.unwrap();
    let options = ImportOptions {
        batch_size: 10,
        ..ImportOptions::default()
    };
    let cancel = options.cancel.clone();
    let report = crm
        .import_file(&actor(), &file, options, |p| {
            if p.phase == Phase::Planning && p.rows >= 20 {
                cancel.cancel();
            }
        })
        .await
        .unwrap();
    assert!(report.accounts_for_every_row());
    assert_eq!(report.rows_read, 20);
    let stopped = report.stopped.as_ref().unwrap();
    assert_eq!(stopped.at_row, 22, "{stopped:?}");
    assert_eq!(accounts(&crm).await.len(), 20);
}

#[tokio::test]
async fn a_batch_that_fails_to_commit_leaves_nothing_behind_and_the_report_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (0..25)
        .map(|i| format!("公司{i}号有限公司,,1390000{i:04},,,,,\n"))
        .collect();
    let file = write(dir.path(), "f.csv", &format!("{HEADER}{rows}"));
    // Transactions 1 and 2 commit the first two batches; 3 fails.
    let store = Arc::new(FailingStore::new());
    store.fail_transaction(3);
    let crm = Crm::with_store(store.clone());
    let report = import(
        &crm,
        &file,
        ImportOptions {
            batch_size: 10,
            ..ImportOptions::default()
        },
    )
    .await;
    assert_eq!((report.rows_read, report.created), (20, 20));
    let stopped = report.stopped.as_ref().unwrap();
    assert_eq!(stopped.at_row, 22);
    assert!(stopped.reason.contains("disk full"), "{stopped:?}");
    assert_eq!(accounts(&crm).await.len(), 20, "no partial batch");
    // The store was offered a bulk load before the first batch, with the new records
    // estimated from it (10 of the 25 rows), and the load was ended despite the failure.
    match store.bulk_loads().as_slice() {
        [BulkLoadCall::Begin(estimate), BulkLoadCall::End] => {
            assert!((20..=30).contains(estimate), "estimate {estimate}")
        }
        calls => panic!("bulk-load calls {calls:?}"),
    }
}

#[tokio::test]
async fn a_file_without_a_company_column_is_refused_naming_its_headers() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "g.csv", "联系人,手机\n张伟,13812345678\n");
    let crm = Crm::open("memory://").await.unwrap();
    let err = crm
        .import_file(&actor(), &file, ImportOptions::default(), |_| {})
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("联系人") && message.contains("company_name"),
        "{message}"
    );
}

/// A cell: valid, invalid or empty values, and text that needs quoting.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[A-Za-z0-9 ,\"]{0,8}",
        "1[3-9][0-9]{9}",
        "(北京|上海|苏州|深圳)(华为|恒瑞|联影|大疆)(科技|机械)有限公司",
        "(张|王|李)(伟|芳|娜)",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Whatever the cells, every row read is created, merged, skipped or rejected, the rejects
    /// file holds exactly the rejected rows, and the store holds exactly the created customers.
    #[test]
    fn every_row_is_accounted_for(rows in prop::collection::vec(prop::collection::vec(cell(), 4), 0..40)) {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = csv::Writer::from_path(dir.path().join("p.csv")).unwrap();
        writer.write_record(["客户名称", "联系人", "手机", "城市"]).unwrap();
        for row in &rows {
            writer.write_record(row).unwrap();
        }
        writer.flush().unwrap();
        let rejects = dir.path().join("rejects.csv");
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (report, stored) = runtime.block_on(async {
            let crm = Crm::open("memory://").await.unwrap();
            let options = ImportOptions { rejects: Some(rejects.clone()), batch_size: 8, ..ImportOptions::default() };
            let report = import(&crm, &dir.path().join("p.csv"), options).await;
            (report, accounts(&crm).await.len())
        });
        prop_assert_eq!(report.rows_read, rows.len() as u64);
        prop_assert_eq!(report.created, stored as u64);
        let text = std::fs::read_to_string(&rejects).unwrap();
        let rejected = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .count();
        prop_assert_eq!(rejected as u64, report.rejected);
    }
}

#[tokio::test]
async fn a_mobile_one_row_fills_in_finds_the_contact_for_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "m.csv",
        &format!(
            "{HEADER}苏州恒瑞精密机械有限公司,张伟,,,,,,\n\
             苏州恒瑞精密机械有限公司,张伟,13812345678,,,,,\n\
             苏州恒瑞精密机械有限公司,张伟总,13812345678,zw@hengrui.cn,,,,\n"
        ),
    );
    let crm = Crm::open("memory://").await.unwrap();
    let report = import(&crm, &file, ImportOptions::default()).await;
    assert_eq!((report.created, report.merged), (1, 2), "{report:?}");
    let contacts = contacts(&crm).await;
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert_eq!(contacts[0].data.name.as_str(), "张伟");
    assert_eq!(
        contacts[0]
            .data
            .email
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("zw@hengrui.cn")
    );
}

/// What the store holds, without ids or times: each account's data with its contacts' data
/// (sorted), sorted.
async fn stored_customers(crm: &Crm) -> Vec<(String, Vec<String>)> {
    let contacts = contacts(crm).await;
    let mut customers: Vec<(String, Vec<String>)> = accounts(crm)
        .await
        .into_iter()
        .map(|account| {
            let mut of_account: Vec<String> = contacts
                .iter()
                .filter(|c| c.data.account_id == Some(account.id))
                .map(|c| {
                    let mut data = c.data.clone();
                    data.account_id = None;
                    serde_json::to_string(&data).unwrap()
                })
                .collect();
            of_account.sort();
            (serde_json::to_string(&account.data).unwrap(), of_account)
        })
        .collect();
    customers.sort();
    customers
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Rows merge into customers created by the same batch (in memory) or by an earlier one
    /// (through the store): either way the same records are stored, so batch boundaries
    /// change nothing. The reference is the whole file in one batch.
    #[test]
    fn batches_store_what_one_batch_stores(
        rows in prop::collection::vec(
            (
                "(华为|恒瑞|联影)(科技|机械)有限公司",
                prop_oneof![Just(String::new()), "(张|王)(伟|芳)"],
                prop_oneof![Just(String::new()), "13[89]0000000[12]"],
                prop_oneof![Just(String::new()), "(ab|cd)@(a|b)[.]com"],
                prop_oneof![Just(String::new()), Just("苏州".to_owned())],
                prop_oneof![Just(String::new()), "(制造|软件)"],
                prop_oneof![Just(String::new()), "(老客户|要报价)"],
            ),
            1..30,
        ),
        batch_size in 1usize..6,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let text: String = rows
            .iter()
            .map(|(company, contact, mobile, email, city, industry, note)| {
                format!("{company},{contact},{mobile},{email},,{city},{industry},{note}\n")
            })
            .collect();
        let file = write(dir.path(), "m.csv", &format!("{HEADER}{text}"));
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let stored = |batch_size| {
            runtime.block_on(async {
                let crm = Crm::open("memory://").await.unwrap();
                let options = ImportOptions { batch_size, ..ImportOptions::default() };
                let report = import(&crm, &file, options).await;
                (report.created, report.merged, report.skipped, stored_customers(&crm).await)
            })
        };
        prop_assert_eq!(stored(batch_size), stored(1000));
    }
}

#[tokio::test]
async fn an_excel_sheet_with_a_title_row_and_phones_stored_as_numbers_imports_intact() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("客户名单.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("客户").unwrap();
    sheet.write_string(0, 0, "2024年华东区客户名单").unwrap();
    for (col, header) in ["客户名称", "联系人", "手机", "城市", "最后跟进时间"]
        .iter()
        .enumerate()
    {
        sheet.write_string(2, col as u16, *header).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet
        .write_string(3, 0, "苏州恒瑞精密机械有限公司")
        .unwrap();
    sheet.write_string(3, 1, "李娜").unwrap();
    sheet.write_number(3, 2, 13912345678.0).unwrap();
    sheet.write_string(3, 3, "苏州").unwrap();
    sheet
        .write_number_with_format(3, 4, 45296.0, &date)
        .unwrap();
    workbook.save(&path).unwrap();

    let crm = Crm::open("memory://").await.unwrap();
    let report = import(&crm, &path, ImportOptions::default()).await;
    assert_eq!(
        (report.layout.header_row, report.created),
        (3, 1),
        "{report:?}"
    );
    let contacts = contacts(&crm).await;
    assert_eq!(
        contacts[0].mobile.as_ref().unwrap().e164(),
        "+8613912345678"
    );
    let account = &accounts(&crm).await[0];
    assert_eq!(
        account.last_activity_at.unwrap().to_rfc3339(),
        "2024-01-04T16:00:00+00:00"
    );
}

#[tokio::test]
async fn a_gbk_csv_from_chinese_excel_imports_with_its_chinese_intact() {
    let dir = tempfile::tempdir().unwrap();
    let text = "客户名称,联系人,电话\r\n深圳市大疆创新科技有限公司,汪滔,0755-26656677\r\n";
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    let path = dir.path().join("gbk.csv");
    std::fs::write(&path, &bytes).unwrap();
    let crm = Crm::open("memory://").await.unwrap();
    let report = import(&crm, &path, ImportOptions::default()).await;
    assert_eq!(report.layout.encoding.as_deref(), Some("GBK"));
    assert_eq!(report.created, 1);
    assert_eq!(
        accounts(&crm).await[0].name.as_str(),
        "深圳市大疆创新科技有限公司"
    );
}
