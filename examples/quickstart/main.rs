//! # Quickstart: a sales team's book of business in one SQLite file
//!
//! ```text
//! cargo run --release --example quickstart [PATH]
//! ```
//!
//! Creates `crm-demo.db` in the current directory (or the file at `PATH`), loads the invented
//! book of business of a B2B software vendor — its sales organisation, 50 customer accounts
//! across China with their contacts, deals, leads and follow-ups — and prints a summary.
//! Run it again and it finds the book already there and only prints the summary.
//!
//! What it shows:
//! - opening the engine on an embedded SQLite file (`Crm::open`), with deterministic ids so
//!   every fresh demo file is identical (`Crm::with_ids`);
//! - writing (in `book.rs`): value objects that parse sheet-style input — `+86 139 0000 1111`,
//!   `(021)54321234`, `120万`, 「江苏苏州」 — and one unit of work (`Crm::begin`) that stores
//!   the whole book or, if any row fails, nothing;
//! - reading (here): counts, filtered and sorted queries, a record's audit trail, and a
//!   duplicate check of a customer typed differently, with the reasons it matched;
//! - access (in `access.rs`): roles with scopes for a manager and two reps, what each sees,
//!   and a public pool (公海) one rep may claim from and another may not;
//! - automation (in `automation.rs`): a rule file (`rules.json`) loaded and installed, the
//!   timers of existing records armed, and a simulated clock advanced day by day with
//!   `Crm::tick`, printing what fired.
//!
//! Every company, person, phone number and address in the data is made up.

mod access;
mod automation;
mod book;

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use crm::audit::AuditAction;
use crm::id::{AccountId, SequentialIdGen, UserId};
use crm::model::{Account, Opportunity};
use crm::query::{Predicate, Query, Sort};
use crm::value::{CompanyName, Currency, Money, Phone, Region};
use crm::{Actor, Crm, Record};
use rust_decimal::Decimal;

#[tokio::main]
async fn main() -> Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "crm-demo.db".to_owned());
    let url = format!("sqlite://{path}");
    // Sequential ids are only safe because the book is loaded once per file: the generator
    // starts from the same id on every run.
    let crm = Crm::open(&url)
        .await
        .with_context(|| format!("cannot open {url}"))?
        .with_ids(Arc::new(SequentialIdGen::new(2026)));
    let admin = Actor::system(book::TENANT);
    let now = book::now()?;

    if crm.accounts().count(&admin, &Query::all()).await? > 0 {
        println!("{path} already holds the demo book; not loading it again.");
    } else {
        book::load(&crm, &admin, now)
            .await
            .context("loading the demo book")?;
        println!("Loaded the demo book into {path}.");
    }
    println!(
        "As of 截至 {}, the demo's fixed \"now\":\n",
        now.with_timezone(&book::BEIJING)
            .format("%Y-%m-%d %H:%M %:z")
    );
    print_summary(&crm, &admin, now).await?;
    access::run(&crm, &admin).await?;
    automation::run(&crm, &admin, now, 4).await?;

    // `absolute` only joins with the current directory; unlike `canonicalize`, it cannot
    // fail on a path SQLite accepted, such as `missing/../crm.db`.
    let location = std::path::absolute(&path)?;
    println!("\nDatabase 数据库: {}", location.display());
    // Closing checkpoints SQLite's write-ahead log, so the file can be copied on its own.
    crm.close().await?;
    Ok(())
}

async fn print_summary(crm: &Crm, actor: &Actor, now: DateTime<Utc>) -> Result<()> {
    let all = Query::all();
    println!(
        "Records 记录: {} accounts 客户 · {} contacts 联系人 · {} leads 线索 · {} deals 商机 · {} activities 跟进",
        crm.accounts().count(actor, &all).await?,
        crm.contacts().count(actor, &all).await?,
        crm.leads().count(actor, &all).await?,
        crm.opportunities().count(actor, &all).await?,
        crm.activities().count(actor, &all).await?,
    );
    println!(
        "Team 团队: {} users 用户 · {} departments 部门 · {} teams 小组 · {} tags 标签",
        crm.users().count(actor, &all).await?,
        crm.departments().count(actor, &all).await?,
        crm.teams().count(actor, &all).await?,
        crm.tags().count(actor, &all).await?,
    );

    let accounts = crm.accounts().list(actor, &all.clone().unpaged()).await?;
    println!("Top provinces 客户地区: {}", top_provinces(&accounts, 5));
    print_pipeline(crm, actor).await?;

    // Names for the lists below, from the rows already read rather than a query per line.
    let short_names: HashMap<AccountId, &str> = accounts
        .iter()
        .map(|a| (a.id, a.short_name.as_deref().unwrap_or(a.name.as_str())))
        .collect();
    let users = crm.users().list(actor, &all.unpaged()).await?;
    let user_names: HashMap<UserId, &str> = users.iter().map(|u| (u.id, u.name.as_str())).collect();
    let owner_of = |owner: Option<UserId>| owner.and_then(|o| user_names.get(&o).copied());

    let overdue = Query::filter(Predicate::lt("due_at", now).and(Predicate::is_null("done_at")))
        .sort(Sort::asc("due_at"))
        .unpaged();
    let overdue = crm.activities().list(actor, &overdue).await?;
    println!("Overdue to-dos 逾期待办: {}, oldest first", overdue.len());
    for task in overdue.iter().take(3) {
        let days = task.due_at.map_or(0, |due| (now - due).num_days());
        let account = task.account_id.and_then(|a| short_names.get(&a).copied());
        println!(
            "  逾期 {days} 天  {} · {} ({})",
            account.unwrap_or("-"),
            task.subject,
            owner_of(task.meta.owner).unwrap_or("公海"),
        );
    }

    let recent = Query::filter(!Predicate::is_null("last_activity_at"))
        .sort(Sort::desc("last_activity_at"))
        .limit(5);
    let recent = crm.accounts().list(actor, &recent).await?;
    println!("Recently followed up 最近跟进:");
    for account in &recent {
        let at = account.last_activity_at.map(|at| {
            at.with_timezone(&book::BEIJING)
                .format("%m-%d %H:%M")
                .to_string()
        });
        println!(
            "  {}  {}级  {} ({})",
            at.unwrap_or_default(),
            account.level.as_deref().unwrap_or("-"),
            account.name,
            owner_of(account.meta.owner).unwrap_or("公海"),
        );
    }

    if let Some(account) = recent.first() {
        let history = crm.accounts().history(actor, account.id).await?;
        let events: Vec<String> = history
            .iter()
            .map(|event| {
                let fields: Vec<&str> = event.changes.iter().map(|c| c.field.as_str()).collect();
                match event.action {
                    AuditAction::Update => {
                        format!("v{} update ({})", event.version, fields.join(", "))
                    }
                    action => format!("v{} {}", event.version, action.as_str()),
                }
            })
            .collect();
        println!(
            "Audit trail 审计日志 of {}: {} events — {}",
            account.name,
            history.len(),
            events.join(", ")
        );
    }
    print_duplicate_check(crm, actor).await
}

/// A salesperson types an existing customer from memory: the check finds it and says why.
async fn print_duplicate_check(crm: &Crm, actor: &Actor) -> Result<()> {
    let mut typed = Account::new(CompanyName::parse("恒瑞精密机械（苏州）有限公司")?);
    typed.phone = Some(Phone::parse("+86 512 6688 1234")?);
    println!("\nDuplicate check 查重: {} / +86 512 6688 1234", typed.name);
    let found = crm.accounts().duplicates_of(actor, &typed).await?;
    match found.first() {
        Some(best) => {
            let why: Vec<String> = best
                .explanation
                .fields
                .iter()
                .filter(|f| f.level.is_some())
                .map(|f| format!("{} {} ({:+.1})", f.field, f.meaning, f.weight))
                .collect();
            println!(
                "  looks like 疑似重复 {} — probability {:.3}: {}",
                best.record.name,
                best.probability,
                why.join(", ")
            );
        }
        None => println!("  no likely duplicate"),
    }
    Ok(())
}

/// The open pipeline stage by stage, then what was won and lost.
async fn print_pipeline(crm: &Crm, actor: &Actor) -> Result<()> {
    let with_status = |status| Query::filter(Predicate::eq("status", status)).unpaged();
    let open = crm
        .opportunities()
        .list(actor, &with_status("open"))
        .await?;
    println!(
        "Open pipeline 在途商机: {} deals, {}",
        open.len(),
        wan(total_yuan(&open)?)
    );
    for stage in &book::PIPELINE {
        let deals: Vec<_> = open.iter().filter(|d| d.stage == stage.key).collect();
        println!(
            "  {:<16}{}  {:>2} deals  {:>9}",
            stage.key,
            stage.label,
            deals.len(),
            wan(total_yuan(deals.iter().copied())?)
        );
    }
    let won = crm.opportunities().list(actor, &with_status("won")).await?;
    let lost = crm
        .opportunities()
        .count(actor, &with_status("lost"))
        .await?;
    println!(
        "Won 赢单: {} deals, {} · Lost 输单: {lost} deals",
        won.len(),
        wan(total_yuan(&won)?)
    );
    Ok(())
}

/// The `n` provinces with the most accounts, a city counting for its province.
fn top_provinces(accounts: &[Record<Account>], n: usize) -> String {
    let mut per_province: HashMap<Region, usize> = HashMap::new();
    for region in accounts.iter().filter_map(|a| a.region) {
        *per_province.entry(region.province()).or_default() += 1;
    }
    let mut ranked: Vec<_> = per_province.into_iter().collect();
    // Most accounts first; ties in administrative-code order, so the output is stable.
    ranked.sort_by(|(region_a, count_a), (region_b, count_b)| {
        count_b.cmp(count_a).then(region_a.cmp(region_b))
    });
    let top: Vec<String> = ranked
        .iter()
        .take(n)
        .map(|(region, count)| format!("{} {count}", region.short_name()))
        .collect();
    top.join(" · ")
}

/// The deals' total amount in yuan. A deal without an amount counts as zero; one in another
/// currency is an error, not something to add up without an exchange rate.
fn total_yuan<'a>(deals: impl IntoIterator<Item = &'a Record<Opportunity>>) -> Result<Decimal> {
    let zero = Money::new(Decimal::ZERO, Currency::CNY);
    let sum = deals
        .into_iter()
        .filter_map(|deal| deal.amount)
        .try_fold(zero, Money::checked_add)?;
    Ok(sum.amount())
}

/// Yuan the way a Chinese sales team says them: in 万 (ten thousand), one decimal.
fn wan(yuan: Decimal) -> String {
    format!("{:.1}万元", yuan / Decimal::from(10_000))
}
