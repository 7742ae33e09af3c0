//! The lead scoring part of the demo: a points model (`scoring.json`) — fit rules on a lead's
//! fields, engagement rules on its follow-ups fading with a half-life, caps, grades and an
//! MQL threshold — scores every lead, and the best ten are printed with the rules that
//! weighed most in their scores.

use std::collections::HashMap;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use crm::core::scoring::{EngagementEvent, PointsModel, PointsScore, RuleContribution};
use crm::id::LeadId;
use crm::model::Lead;
use crm::query::{Predicate, Query};
use crm::{Actor, Crm, Record};

/// The scoring model, as a host would ship it beside its binary.
const MODEL: &str = include_str!("scoring.json");

/// How many leads to print.
const TOP: usize = 10;

/// How many of a lead's rules to name.
const REASONS: usize = 3;

/// Score every lead as of `now`, each with its done follow-ups as engagement events, and
/// print the best ones with their reasons.
pub async fn run(crm: &Crm, admin: &Actor, now: DateTime<Utc>) -> Result<()> {
    let model = PointsModel::from_json(MODEL).context("examples/quickstart/scoring.json")?;
    let leads = crm.leads().list(admin, &Query::all().unpaged()).await?;
    let about_leads = Query::filter(!Predicate::is_null("lead_id")).unpaged();
    let mut events: HashMap<LeadId, Vec<EngagementEvent>> = HashMap::new();
    for activity in crm.activities().list(admin, &about_leads).await? {
        let (Some(lead), Some(done_at)) = (activity.lead_id, activity.done_at) else {
            continue;
        };
        // The event type is the activity kind as stored: `call`, `visit`, `meeting` ...
        let kind = serde_json::to_value(activity.kind)?;
        let kind = kind
            .as_str()
            .context("an activity kind is stored as text")?;
        let event = EngagementEvent::new(kind, done_at);
        events.entry(lead).or_default().push(event);
    }

    let mut scored: Vec<(&Record<Lead>, PointsScore)> = leads
        .iter()
        .map(|lead| {
            let events = events.get(&lead.id).map_or(&[][..], Vec::as_slice);
            (lead, model.score(&lead.data, events, now))
        })
        .collect();
    // Best first; ties in the order of the leads' names, so the output is stable.
    scored.sort_by(|(lead_a, a), (lead_b, b)| {
        b.total
            .total_cmp(&a.total)
            .then_with(|| name(lead_a).cmp(&name(lead_b)))
    });
    let mqls = scored.iter().filter(|(_, score)| score.mql).count();
    println!(
        "\nLead scoring 线索评分: {} leads scored with scoring.json, {mqls} marketing-qualified (MQL); top {TOP}:",
        scored.len()
    );
    for (rank, (lead, score)) in (1..).zip(scored.iter().take(TOP)) {
        println!(
            "  {rank:>2}  {:>5.1} {:?} {:<3}  {} — {}",
            score.total,
            score.grade,
            if score.mql { "MQL" } else { "" },
            name(lead),
            reasons(&score.reasons).join(", "),
        );
    }
    Ok(())
}

/// The lead's company and person, as far as they are known.
fn name(lead: &Record<Lead>) -> String {
    let company = lead.company.as_ref().map(|c| c.as_str());
    let person = lead.contact_name.as_ref().map(|p| p.as_str());
    match (company, person) {
        (Some(company), Some(person)) => format!("{company} {person}"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => "-".to_owned(),
    }
}

/// The rules that weighed most in a score, penalties included, with the points they gave.
fn reasons(contributions: &[RuleContribution]) -> Vec<String> {
    let mut weightiest: Vec<&RuleContribution> = contributions.iter().collect();
    weightiest.sort_by(|a, b| b.awarded.abs().total_cmp(&a.awarded.abs()));
    weightiest
        .iter()
        .take(REASONS)
        .map(|r| format!("{} {:+.0}", r.rule, r.awarded))
        .collect()
}
