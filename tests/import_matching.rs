//! What makes two rows one customer when importing: the company, never a person alone. The
//! commonest names in China (张伟, 王芳) appear at hundreds of unrelated companies, and one
//! person may work for two firms; neither may fold one customer into another, in the file or
//! against the store. A row that brings a new phone or contact to a known customer is merged,
//! its value kept, never skipped.

use std::path::Path;

use crm::id::TenantId;
use crm::import::ImportOptions;
use crm::import::report::ImportReport;
use crm::model::{Account, Contact};
use crm::query::Query;
use crm::{Actor, Crm};
use proptest::prelude::*;
use uuid::Uuid;

#[path = "common/importing.rs"]
mod importing;

fn actor() -> Actor {
    Actor::system(TenantId(Uuid::from_u128(12)))
}

const HEADER: &str = "客户名称,联系人,手机,电话,城市\n";

fn write(dir: &Path, name: &str, rows: &[[&str; 5]]) -> std::path::PathBuf {
    let body: String = rows.iter().map(|r| format!("{}\n", r.join(","))).collect();
    let path = dir.join(name);
    std::fs::write(&path, format!("{HEADER}{body}")).unwrap();
    path
}

async fn import(crm: &Crm, path: &Path, options: ImportOptions) -> ImportReport {
    importing::import_as(crm, &actor(), path, options).await
}

/// Each stored company's name with its contacts' names and mobiles, sorted.
/// Import `rows` as the file `name` in `dir` with default options.
async fn import_rows(crm: &Crm, dir: &Path, name: &str, rows: &[[&str; 5]]) -> ImportReport {
    import(crm, &write(dir, name, rows), ImportOptions::default()).await
}

async fn customers(crm: &Crm) -> Vec<(String, Vec<(String, String)>)> {
    let all = Query::all().unpaged();
    let contacts = crm.contacts().list(&actor(), &all).await.unwrap();
    let mut customers: Vec<(String, Vec<(String, String)>)> = crm
        .accounts()
        .list(&actor(), &all)
        .await
        .unwrap()
        .into_iter()
        .map(|account: crm::Record<Account>| {
            let mut people: Vec<(String, String)> = contacts
                .iter()
                .filter(|c: &&crm::Record<Contact>| c.account_id == Some(account.id))
                .map(|c| {
                    let mobile = c.mobile.as_ref().map(|m| m.canonical()).unwrap_or_default();
                    (c.name.to_string(), mobile)
                })
                .collect();
            people.sort();
            (account.name.to_string(), people)
        })
        .collect();
    customers.sort();
    customers
}

fn counts(report: &ImportReport) -> (u64, u64, u64, u64) {
    (
        report.created,
        report.merged,
        report.skipped,
        report.rejected,
    )
}

const THREE_ZHANG_WEI: [[&str; 5]; 3] = [
    ["北京华信科技有限公司", "张伟", "13900000001", "", "北京"],
    ["上海鼎盛贸易有限公司", "张伟", "13900000002", "", "上海"],
    ["杭州博远机械有限公司", "张伟", "13900000003", "", "杭州"],
];

#[tokio::test]
async fn three_companies_whose_contacts_share_a_name_are_three_customers() {
    let dir = tempfile::tempdir().unwrap();
    // With their cities, and with nothing but company, contact and mobile.
    let bare: String = THREE_ZHANG_WEI
        .iter()
        .map(|[company, contact, mobile, ..]| format!("{company},{contact},{mobile}\n"))
        .collect();
    let bare_file = dir.path().join("bare.csv");
    std::fs::write(&bare_file, format!("客户名称,联系人,手机\n{bare}")).unwrap();
    for file in [write(dir.path(), "a.csv", &THREE_ZHANG_WEI), bare_file] {
        let crm = Crm::open("memory://").await.unwrap();
        let report = import(&crm, &file, ImportOptions::default()).await;
        assert_eq!(counts(&report), (3, 0, 0, 0), "{report:?}");
        let stored = customers(&crm).await;
        assert_eq!(stored.len(), 3);
        for ((name, people), row) in stored.iter().zip(sorted(&THREE_ZHANG_WEI)) {
            assert_eq!(name, row[0]);
            assert_eq!(people.len(), 1, "{name} keeps its contact: {people:?}");
            assert_eq!(people[0].0, "张伟");
            assert!(people[0].1.ends_with(&row[2][1..]), "{people:?}");
        }
    }
}

fn sorted(rows: &[[&'static str; 5]]) -> Vec<[&'static str; 5]> {
    let mut rows = rows.to_vec();
    rows.sort();
    rows
}

#[tokio::test]
async fn a_company_whose_contact_shares_a_stored_contacts_name_is_a_new_customer() {
    for preload_limit in [1_000_000, 0] {
        let dir = tempfile::tempdir().unwrap();
        let crm = Crm::open("memory://").await.unwrap();
        let first = write(dir.path(), "1.csv", &THREE_ZHANG_WEI[..1]);
        import(&crm, &first, ImportOptions::default()).await;
        let second = write(dir.path(), "2.csv", &THREE_ZHANG_WEI[1..2]);
        let options = ImportOptions {
            preload_limit,
            ..ImportOptions::default()
        };
        let report = import(&crm, &second, options).await;
        assert_eq!(
            counts(&report),
            (1, 0, 0, 0),
            "preload limit {preload_limit}: {report:?}"
        );
        assert_eq!(customers(&crm).await.len(), 2);
    }
}

#[tokio::test]
async fn a_hundred_companies_with_a_zhang_wei_each_are_a_hundred_customers() {
    let brands = "华恒瑞博创远达信海鼎盛泰康宏金";
    let industries = ["科技", "机械", "贸易", "物流", "电子", "软件", "食品"];
    let cities = ["北京", "上海", "广州", "深圳", "杭州", "苏州", "南京"];
    let brand: Vec<char> = brands.chars().collect();
    let mut rows = Vec::new();
    for i in 0..100 {
        let name = format!(
            "{}{}{}{}有限公司",
            cities[i % cities.len()],
            brand[i % brand.len()],
            brand[(i / brand.len() + 3 + i) % brand.len()],
            industries[(i / 3) % industries.len()]
        );
        rows.push((name, format!("1390000{i:04}"), cities[i % cities.len()]));
    }
    rows.sort();
    rows.dedup_by(|a, b| a.0 == b.0);
    let text: String = rows
        .iter()
        .map(|(name, mobile, city)| format!("{name},张伟,{mobile},,{city}\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("z.csv");
    std::fs::write(&file, format!("{HEADER}{text}")).unwrap();
    let crm = Crm::open("memory://").await.unwrap();
    let report = import(&crm, &file, ImportOptions::default()).await;
    assert_eq!(counts(&report), (rows.len() as u64, 0, 0, 0), "{report:?}");
}

#[tokio::test]
async fn one_person_at_two_companies_is_a_contact_of_each() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        [
            "北京华信科技有限公司",
            "王芳",
            "13912345678",
            "010-62345678",
            "北京",
        ],
        [
            "广州鼎盛贸易有限公司",
            "王芳",
            "13912345678",
            "020-87654321",
            "广州",
        ],
    ];
    for preload_limit in [1_000_000, 0] {
        // In one file, and the second company against the first one stored.
        let crm = Crm::open("memory://").await.unwrap();
        let report = import_rows(&crm, dir.path(), "a.csv", &rows).await;
        assert_eq!(counts(&report), (2, 0, 0, 0), "{report:?}");
        let crm = Crm::open("memory://").await.unwrap();
        import_rows(&crm, dir.path(), "1.csv", &rows[..1]).await;
        let options = ImportOptions {
            preload_limit,
            ..ImportOptions::default()
        };
        let report = import(&crm, &write(dir.path(), "2.csv", &rows[1..]), options).await;
        assert_eq!(counts(&report), (1, 0, 0, 0), "{report:?}");
        let stored = customers(&crm).await;
        assert_eq!(stored.len(), 2);
        for (name, people) in &stored {
            assert_eq!(
                people,
                &[("王芳".to_owned(), "+8613912345678".to_owned())],
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn a_known_company_with_a_new_contact_or_mobile_is_merged_and_keeps_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        ["北京华信科技有限公司", "张伟", "13900000001", "", "北京"],
        ["北京华信科技有限公司", "王芳", "13900000004", "", "北京"],
        ["北京华信科技有限公司", "王芳", "13900000005", "", "北京"],
    ];
    let crm = Crm::open("memory://").await.unwrap();
    let report = import_rows(&crm, dir.path(), "a.csv", &rows).await;
    assert_eq!(counts(&report), (1, 2, 0, 0), "{report:?}");
    let stored = customers(&crm).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    let mobiles: Vec<&str> = stored[0].1.iter().map(|(_, m)| m.as_str()).collect();
    for mobile in ["+8613900000001", "+8613900000004", "+8613900000005"] {
        assert!(mobiles.contains(&mobile), "{mobile} kept: {stored:?}");
    }
}

/// Distinct companies: each its own name (brand and industry), city and landline.
const COMPANIES: [[&str; 3]; 12] = [
    ["北京华信科技有限公司", "北京", "010-62345678"],
    ["上海鼎盛贸易有限公司", "上海", "021-55556666"],
    ["杭州博远机械有限公司", "杭州", "0571-88075998"],
    ["苏州恒瑞精密机械有限公司", "苏州", "0512-66881234"],
    ["广州泰康医疗器械有限公司", "广州", "020-87654321"],
    ["深圳宏图电子股份有限公司", "深圳", "0755-26543210"],
    ["南京金陵物流有限公司", "南京", "025-84561234"],
    ["成都天府软件有限公司", "成都", "028-85123456"],
    ["武汉长江环保科技有限公司", "武汉", "027-87654123"],
    ["西安秦川汽车零部件有限公司", "西安", "029-88765432"],
    ["青岛海润食品有限公司", "青岛", "0532-85678901"],
    ["长沙湘江建设工程有限公司", "长沙", "0731-84123456"],
];

/// Contacts from a pool small enough that companies share names, mobiles and emails.
fn contact() -> impl Strategy<Value = (String, String)> {
    (
        prop_oneof![
            Just(""),
            Just("张伟"),
            Just("王芳"),
            Just("李娜"),
            Just("Zhang Wei")
        ],
        prop_oneof![Just(""), Just("13900000001"), Just("13900000002")],
    )
        .prop_map(|(name, mobile)| (name.to_owned(), mobile.to_owned()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    /// Rows of distinct companies never merge into or skip as each other, whatever their
    /// contacts, in one file or across two imports (preloaded or looked up in the store).
    #[test]
    fn distinct_companies_never_merge_whatever_their_contacts(
        picks in prop::sample::subsequence((0..COMPANIES.len()).collect::<Vec<_>>(), 2..=COMPANIES.len()),
        people in prop::collection::vec(contact(), COMPANIES.len()),
        split in 0usize..COMPANIES.len(),
        preload_limit in prop_oneof![Just(0_u64), Just(1_000_000)],
    ) {
        let lines: Vec<String> = picks
            .iter()
            .map(|&c| {
                let [name, city, phone] = COMPANIES[c];
                let (person, mobile) = &people[c];
                format!("{name},{person},{mobile},{phone},{city}\n")
            })
            .collect();
        let split = split.min(lines.len());
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("1.csv");
        let second = dir.path().join("2.csv");
        std::fs::write(&first, format!("{HEADER}{}", lines[..split].concat())).unwrap();
        std::fs::write(&second, format!("{HEADER}{}", lines[split..].concat())).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (reports, stored) = runtime.block_on(async {
            let crm = Crm::open("memory://").await.unwrap();
            let options = ImportOptions { preload_limit, ..ImportOptions::default() };
            let a = import(&crm, &first, options.clone()).await;
            let b = import(&crm, &second, options).await;
            ((counts(&a), counts(&b)), customers(&crm).await.len())
        });
        let ((created_a, merged_a, skipped_a, _), (created_b, merged_b, skipped_b, _)) = reports;
        prop_assert_eq!(created_a + created_b, picks.len() as u64, "{:?}", reports);
        prop_assert_eq!(merged_a + merged_b + skipped_a + skipped_b, 0);
        prop_assert_eq!(stored, picks.len());
    }
}
