//! # Quickstart: a sales team's book of business in one SQLite file
//!
//! ```text
//! cargo run --release --example quickstart [PATH]
//! ```
//!
//! Creates `crm-demo.db` in the current directory (or the file at `PATH`), loads the invented
//! book of business of a B2B software vendor — its sales organisation, 50 customer accounts
//! across China with their contacts, deals in a sales pipeline, leads and follow-ups — and
//! prints a summary. Run it again and it finds the book already there and only prints the
//! summary.
//!
//! What it shows:
//! - opening the engine on an embedded SQLite file (`Crm::open`), with deterministic ids so
//!   every fresh demo file is identical (`Crm::with_ids`);
//! - writing (in `book.rs`): value objects that parse sheet-style input — `+86 139 0000 1111`,
//!   `(021)54321234`, `120万`, 「江苏苏州」 — and one unit of work (`Crm::begin`) that stores
//!   the whole book or, if any row fails, nothing;
//! - reading (here): counts, filtered and sorted queries, a record's audit trail, and a
//!   duplicate check of a customer typed differently, with the reasons it matched;
//! - the pipeline report (here): the deals sit in a stored pipeline with their stage history
//!   (in `book.rs`), so `Crm::pipeline_report` gives the funnel — deals, amount, weighted
//!   amount, conversion and days per stage, the open and weighted totals and the win rate;
//!   `Crm::forecast` gives next quarter's weighted forecast rolled up owner → team →
//!   department; and the pipeline's rot limits find the deals left too long in a stage;
//! - lead scoring (in `scoring.rs`): a points model (`scoring.json`) with fit rules on a
//!   lead's fields and engagement rules on its follow-ups, scoring every lead and printing the
//!   top ten with grade, MQL flag and the rules that weighed most;
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
mod scoring;

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use crm::audit::AuditAction;
use crm::id::{AccountId, DepartmentId, SequentialIdGen, TeamId, UserId};
use crm::model::{Account, ForecastCategory, ForecastFigures, StageOutcome};
use crm::query::{Predicate, Query, Sort};
use crm::value::{CompanyName, Phone, Region};
use crm::{Actor, Crm, Record};

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
    scoring::run(&crm, &admin, now).await?;
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

    // Names for the lists below, from the rows already read rather than a query per line.
    let short_names: HashMap<AccountId, &str> = accounts
        .iter()
        .map(|a| (a.id, a.short_name.as_deref().unwrap_or(a.name.as_str())))
        .collect();
    let users = crm.users().list(actor, &all.unpaged()).await?;
    let user_names: HashMap<UserId, &str> = users.iter().map(|u| (u.id, u.name.as_str())).collect();
    let owner_of = |owner: Option<UserId>| owner.and_then(|o| user_names.get(&o).copied());
    print_pipeline(crm, actor, now, &short_names, &user_names).await?;

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

/// The pipeline report: the funnel stage by stage with what was won and lost, next
/// quarter's weighted forecast rolled up the organisation, and the deals rotting in a stage.
async fn print_pipeline(
    crm: &Crm,
    actor: &Actor,
    now: DateTime<Utc>,
    short_names: &HashMap<AccountId, &str>,
    user_names: &HashMap<UserId, &str>,
) -> Result<()> {
    let named = Query::filter(Predicate::eq("name", book::PIPELINE_NAME));
    let pipeline = crm
        .pipelines()
        .list(actor, &named)
        .await?
        .into_iter()
        .next();
    let pipeline = pipeline.with_context(|| format!("no pipeline 「{}」", book::PIPELINE_NAME))?;
    let report = crm.pipeline_report(actor, pipeline.id).await?;
    let stages = || pipeline.data.stages.iter().zip(&report.stages);
    let open_deals: u64 = stages()
        .filter(|(stage, _)| stage.outcome == StageOutcome::Open)
        .map(|(_, figures)| figures.deals)
        .sum();
    println!(
        "Pipeline 销售流程 「{}」: {open_deals} open deals 在途 {}, weighted 加权 {}",
        pipeline.data.name,
        wan(report.open_amount),
        wan(report.weighted_amount)
    );
    println!("  stage 阶段                deals  amount 万元  weighted 加权  conv 转化  days 停留");
    let mut closed = Vec::new();
    for (stage, figures) in stages() {
        if stage.outcome != StageOutcome::Open {
            closed.push(format!(
                "{} {}: {} deals {}",
                stage.key,
                stage.name,
                figures.deals,
                wan(figures.amount)
            ));
            continue;
        }
        let conversion = figures.conversion.map(|c| format!("{:.0}%", c * 100.0));
        let days = figures.average_days.map(|d| format!("{d:.1}"));
        println!(
            "  {:<16}{}{:>7}{:>13.1}{:>15.1}{:>11}{:>11}",
            stage.key,
            stage.name,
            figures.deals,
            figures.amount / 10_000.0,
            figures.weighted / 10_000.0,
            conversion.as_deref().unwrap_or("-"),
            days.as_deref().unwrap_or("-"),
        );
    }
    let win_rate = report.win_rate.map(|r| format!("{:.0}%", r * 100.0));
    let cycle = report.average_cycle_days.map(|d| format!("{d:.0} 天"));
    println!(
        "  {} · win rate 赢率 {} · cycle 成交周期 {}",
        closed.join(" · "),
        win_rate.as_deref().unwrap_or("-"),
        cycle.as_deref().unwrap_or("-")
    );

    print_forecast(crm, actor, now, user_names).await?;

    // `Crm::rotting_deals` asks the engine's clock; the book's "now" is fixed, so ask the
    // pipeline's predicate with it.
    let rotting = Query::filter(pipeline.data.rotting(pipeline.id, now))
        .sort(Sort::asc("stage_entered_at"))
        .unpaged();
    let rotting = crm.opportunities().list(actor, &rotting).await?;
    println!(
        "Rotting deals 停滞商机: {}, in their stage longer than its limit",
        rotting.len()
    );
    for deal in &rotting {
        let stage = pipeline.data.stage(&deal.stage);
        let entered = deal.stage_entered_at.unwrap_or(deal.meta.created_at);
        let owner = deal.meta.owner.and_then(|o| user_names.get(&o).copied());
        println!(
            "  停滞 {} 天 (限 {} 天)  {}  {} · {} ({})",
            (now - entered).num_days(),
            stage.and_then(|s| s.rot_after_days).unwrap_or_default(),
            stage.map_or(deal.stage.as_str(), |s| s.name.as_str()),
            short_names.get(&deal.account_id).copied().unwrap_or("-"),
            deal.name,
            owner.unwrap_or("-"),
        );
    }
    Ok(())
}

/// Next quarter's forecast: the amounts per forecast category, then the weighted amount
/// per owner, rolled up to their teams and departments (a department includes those below it).
async fn print_forecast(
    crm: &Crm,
    actor: &Actor,
    now: DateTime<Utc>,
    user_names: &HashMap<UserId, &str>,
) -> Result<()> {
    let (first, last, quarter) = next_quarter(now.with_timezone(&book::BEIJING).date_naive())?;
    let forecast = crm.forecast(actor, first, last).await?;
    let months = || forecast.months.values();
    let category = |category| sum(months().filter_map(|m| m.total.by_category.get(&category)));
    println!(
        "Forecast 预测 {quarter} 下季度, 万元: weighted 加权 {:.1} · commit 承诺 {:.1} · best case 乐观 {:.1} · pipeline 储备 {:.1}",
        sum(months().map(|m| &m.total.weighted)) / 10_000.0,
        category(ForecastCategory::Commit) / 10_000.0,
        category(ForecastCategory::BestCase) / 10_000.0,
        category(ForecastCategory::Pipeline) / 10_000.0,
    );
    let all = Query::all().unpaged();
    let teams = crm.teams().list(actor, &all).await?;
    let teams: HashMap<TeamId, &str> = teams.iter().map(|t| (t.id, t.name.as_str())).collect();
    let departments = crm.departments().list(actor, &all).await?;
    let departments: HashMap<DepartmentId, &str> = departments
        .iter()
        .map(|d| (d.id, d.name.as_str()))
        .collect();
    println!(
        "  weighted by owner 按负责人: {}",
        weighted_by(months().map(|m| &m.by_owner), user_names)
    );
    println!(
        "  → team 小组: {} → department 部门: {}",
        weighted_by(months().map(|m| &m.by_team), &teams),
        weighted_by(months().map(|m| &m.by_department), &departments),
    );
    Ok(())
}

/// The weighted amounts of `months` summed per key, in 万, and named, largest first (ties by
/// name).
fn weighted_by<'a, K: Ord + Hash + Copy + 'a>(
    months: impl Iterator<Item = &'a BTreeMap<K, ForecastFigures>>,
    names: &HashMap<K, &str>,
) -> String {
    let mut sums: BTreeMap<K, f64> = BTreeMap::new();
    for (key, figures) in months.flatten() {
        *sums.entry(*key).or_default() += figures.weighted;
    }
    let mut named: Vec<(&str, f64)> = sums
        .into_iter()
        .map(|(key, sum)| (names.get(&key).copied().unwrap_or("?"), sum))
        .collect();
    named.sort_by(|(name_a, a), (name_b, b)| b.total_cmp(a).then(name_a.cmp(name_b)));
    let named: Vec<String> = named
        .iter()
        .map(|(name, sum)| format!("{name} {:.1}", sum / 10_000.0))
        .collect();
    named.join(" · ")
}

/// The sum of `amounts`, `0.0` when there are none (where `Iterator::sum` gives `-0.0`).
fn sum<'a>(amounts: impl Iterator<Item = &'a f64>) -> f64 {
    amounts.fold(0.0, |sum, amount| sum + amount)
}

/// The calendar quarter after the one `day` is in: its first and last day and its name,
/// such as `2026-Q2`.
fn next_quarter(day: NaiveDate) -> Result<(NaiveDate, NaiveDate, String)> {
    // Quarters counted from year 0, so December rolls over into the next year.
    let next = day.year() * 4 + (day.month0() / 3) as i32 + 1;
    let (year, index) = (next.div_euclid(4), next.rem_euclid(4) as u32);
    let first = NaiveDate::from_ymd_opt(year, index * 3 + 1, 1);
    let first = first.with_context(|| format!("no quarter {index} in {year}"))?;
    let last = first
        .checked_add_months(Months::new(3))
        .and_then(|d| d.pred_opt());
    let last = last.with_context(|| format!("no end of the quarter from {first}"))?;
    Ok((first, last, format!("{year}-Q{}", index + 1)))
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

/// Yuan the way a Chinese sales team says them: in 万 (ten thousand), one decimal.
fn wan(yuan: f64) -> String {
    format!("{:.1}万元", yuan / 10_000.0)
}
