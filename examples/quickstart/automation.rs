//! The automation part of the demo: load a rule file, arm the timers of the records
//! already there, and advance a simulated clock day by day to see what fires.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use crm::automation::Effect;
use crm::rules::RuleBook;
use crm::{Actor, Crm};

use crate::book::BEIJING;

/// The rule file, as a host would ship it beside its binary.
const RULES: &str = include_str!("rules.json");

/// Install the rules, then tick once per simulated day from `now` for `days` days.
pub async fn run(crm: &Crm, admin: &Actor, now: DateTime<Utc>, days: i64) -> Result<()> {
    let book = RuleBook::from_json(RULES).context("examples/quickstart/rules.json")?;
    println!(
        "\nAutomation 自动化: {} rules from rules.json",
        book.rules.len()
    );
    for rule in &book.rules {
        println!("  {:<16}{}", rule.id, rule.name.as_deref().unwrap_or(""));
    }
    crm.install_rules(admin, book).await?;
    let armed = crm.arm_existing_records(admin).await?;
    println!("  timers armed for {armed} existing records; simulated clock, one tick a day:");
    let names: BTreeMap<_, _> = crm
        .users()
        .list(admin, &crm::query::Query::all().unpaged())
        .await?
        .into_iter()
        .map(|u| (u.id, u.data.name.to_string()))
        .collect();
    for day in 0..=days {
        let at = now + Duration::days(day);
        let report = crm.tick(admin, at).await?;
        let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
        for firing in &report.fired {
            *by_rule.entry(firing.rule.as_str()).or_default() += 1;
        }
        let summary: Vec<String> = by_rule.iter().map(|(r, n)| format!("{r} ×{n}")).collect();
        println!(
            "  {}  {}",
            at.with_timezone(&BEIJING).format("%m-%d %a %H:%M"),
            if summary.is_empty() {
                "nothing due".to_owned()
            } else {
                summary.join(", ")
            }
        );
        if let Some(first) = report.fired.first() {
            for effect in &first.effects {
                println!("      e.g. {}: {}", first.rule, describe(effect, &names));
            }
        }
    }
    let pending = crm.pending_notifications(admin, 1_000).await?;
    println!(
        "  {} notifications wait in the outbox for the host to deliver",
        pending.len()
    );
    Ok(())
}

fn describe(effect: &Effect, names: &BTreeMap<crm::id::UserId, String>) -> String {
    let name = |id: &crm::id::UserId| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    match effect {
        Effect::Notified {
            template,
            recipients,
        } => format!(
            "notify {} ({template})",
            recipients.iter().map(name).collect::<Vec<_>>().join("、")
        ),
        Effect::TaskCreated { assignee, due, .. } => format!(
            "task for {}, due {}",
            assignee.as_ref().map_or_else(|| "nobody".to_owned(), name),
            due.map_or_else(
                || "any time".to_owned(),
                |d| d.with_timezone(&BEIJING).format("%m-%d %H:%M").to_string()
            )
        ),
        other => format!("{other:?}"),
    }
}
