//! One row of cells to a customer: every cell parsed with the core value objects, every
//! problem reported with the row number, column, value and reason.
//!
//! Placeholders that mean "nothing" (`-`, `无`, `N/A`, `暂无` ...) count as empty. A cell may hold
//! several phones (`138 1234 5678 / 010-62345678`): the first mobile becomes the contact's
//! mobile, the first landline its phone, and the rest are kept in the customer's note, so no
//! value is lost.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use crm_core::dedup::date::parse_date;
use crm_core::dedup::normalize::CompanyKey;
use crm_core::fields::{FieldDef, FieldType, FieldValue};
use crm_core::model::{Account, Contact};
use crm_core::value::{
    CompanyName, Currency, Email, Money, PersonName, Phone, PhoneKind, Region, RegionLevel,
};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::mapping::Mapping;
use crate::target::Target;

/// One cell that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellError {
    /// The column's header.
    pub column: String,
    /// The cell as read.
    pub value: String,
    /// Why it cannot be used.
    pub reason: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}: {}", self.column, self.value, self.reason)
    }
}

/// A row turned into a customer, ready to plan.
#[derive(Debug, Clone, PartialEq)]
pub struct CleanRow {
    /// The customer.
    pub account: Account,
    /// Its contact person, when the row names one.
    pub contact: Option<Contact>,
    /// The responsible salesperson as written (a name, email or mobile), to be resolved.
    pub owner: Option<String>,
    /// Tag names.
    pub tags: Vec<String>,
    /// The note for the customer: the notes columns, plus values that have no field of their
    /// own (extra phones, a title without a contact, values dropped in lenient mode).
    pub note: Option<String>,
    /// Values left out in lenient mode (also in `note`).
    pub dropped: Vec<CellError>,
}

/// How strict cleaning is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strictness {
    /// A row with any invalid value is rejected, naming every invalid cell.
    #[default]
    RejectRow,
    /// An invalid optional value is left out of its field and kept in the note; only a row
    /// without a usable company name is rejected.
    KeepInNote,
}

/// Turns rows of cells into [`CleanRow`]s under one mapping.
#[derive(Debug, Clone)]
pub struct Cleaner {
    columns: Vec<(String, Option<Target>)>,
    custom: BTreeMap<String, FieldDef>,
    strictness: Strictness,
    offset: FixedOffset,
    currency: Currency,
}

/// Cells that mean "no value".
const PLACEHOLDERS: &[&str] = &[
    "-", "--", "—", "/", "无", "暂无", "没有", "空", "n/a", "na", "none", "null", "nil", "#n/a",
];

/// What separates several values in one cell.
fn is_list_separator(c: char) -> bool {
    matches!(c, '/' | ',' | '，' | ';' | '；' | '、' | '|' | '\n' | '\r')
}

impl Cleaner {
    /// A cleaner for `mapping`, knowing the tenant's custom fields of accounts. Dates without
    /// a zone are read at UTC+8, amounts without a currency as CNY.
    pub fn new(mapping: &Mapping, custom: &[FieldDef], strictness: Strictness) -> Cleaner {
        Cleaner {
            columns: mapping
                .columns()
                .iter()
                .map(|c| (c.header.clone(), c.target.clone()))
                .collect(),
            custom: custom.iter().map(|f| (f.key.clone(), f.clone())).collect(),
            strictness,
            offset: FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset"),
            currency: Currency::CNY,
        }
    }

    /// Read local times at `offset` instead of UTC+8.
    pub fn with_offset(mut self, offset: FixedOffset) -> Cleaner {
        self.offset = offset;
        self
    }

    /// Read amounts without a currency in `currency` instead of CNY.
    pub fn with_currency(mut self, currency: Currency) -> Cleaner {
        self.currency = currency;
        self
    }

    /// Clean one row's `cells` (in column order). The error lists every unusable cell.
    pub fn clean(&self, cells: &[String]) -> Result<CleanRow, Vec<CellError>> {
        let mut row = RowBuilder::default();
        for ((header, target), cell) in self.columns.iter().zip(cells) {
            let (Some(target), Some(value)) = (target, meaningful(cell)) else {
                continue;
            };
            let error = |reason: String| CellError {
                column: header.clone(),
                value: value.to_owned(),
                reason,
            };
            if let Err(reason) = self.fill(&mut row, target, header, value) {
                row.problems.push((target.clone(), error(reason)));
            }
        }
        self.finish(row)
    }

    fn fill(
        &self,
        row: &mut RowBuilder,
        target: &Target,
        header: &str,
        value: &str,
    ) -> Result<(), String> {
        let text = || Some(value.to_owned());
        match target {
            Target::CompanyName => {
                row.company = Some(CompanyName::parse(value).map_err(|e| e.reason)?);
            }
            Target::ShortName => row.short_name = text(),
            Target::Industry => row.industry = text(),
            Target::Level => row.level = text(),
            Target::Source => row.source = text(),
            Target::Province | Target::City | Target::District => {
                row.places
                    .push((target.clone(), header.to_owned(), value.to_owned()));
            }
            Target::Address => row.address.push(value.to_owned()),
            Target::CompanyPhone | Target::Mobile | Target::Phone => {
                for part in value.split(is_list_separator).map(str::trim) {
                    if !part.is_empty() {
                        row.phones
                            .push((target.clone(), header.to_owned(), part.to_owned()));
                    }
                }
            }
            Target::Website => row.website = text(),
            Target::Owner => row.owner = text(),
            Target::Tags => row.tags.extend(
                value
                    .split(|c: char| is_list_separator(c) || c.is_whitespace())
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned),
            ),
            Target::Notes => row.notes.push(value.to_owned()),
            Target::LastFollowUp => {
                row.last_follow_up = Some(self.instant(value)?);
            }
            Target::ContactName => {
                row.contact_name = Some(PersonName::parse(value).map_err(|e| e.reason)?);
            }
            Target::Title => row.title = text(),
            Target::Email => {
                let email = Email::parse(value).map_err(|e| e.reason)?;
                if row.email.is_none() {
                    row.email = Some(email);
                } else {
                    row.extras.push(format!("{header}: {value}"));
                }
            }
            Target::Wechat => row.wechat = text(),
            Target::Custom(key) => {
                let def = self
                    .custom
                    .get(key)
                    .ok_or_else(|| format!("no custom field {key:?} is defined"))?;
                row.custom
                    .insert(key.clone(), self.custom_value(def, value)?);
            }
        }
        Ok(())
    }

    /// A date, or a date and time, read at the cleaner's offset.
    fn instant(&self, value: &str) -> Result<DateTime<Utc>, String> {
        let unreadable = || {
            "not a date: write 2024-01-05, 2024/1/5 or 2024年1月5日 (a time may follow)".to_owned()
        };
        let (date_part, time_part) = match value.trim().split_once([' ', 'T']) {
            Some((date, time)) if !time.trim().is_empty() => (date, Some(time.trim())),
            _ => (value, None),
        };
        let date: NaiveDate = parse_date(date_part).ok_or_else(unreadable)?;
        let time = match time_part {
            None => NaiveTime::MIN,
            Some(time) => ["%H:%M:%S", "%H:%M", "%H:%M:%S%.f"]
                .iter()
                .find_map(|format| NaiveTime::parse_from_str(time, format).ok())
                .ok_or_else(unreadable)?,
        };
        date.and_time(time)
            .and_local_timezone(self.offset)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(unreadable)
    }

    fn custom_value(&self, def: &FieldDef, value: &str) -> Result<FieldValue, String> {
        Ok(match def.field_type {
            FieldType::Text => FieldValue::Text(value.to_owned()),
            FieldType::Number => FieldValue::Number(
                value
                    .replace([',', '，', ' '], "")
                    .parse::<Decimal>()
                    .map_err(|_| "not a number".to_owned())?,
            ),
            FieldType::Money => {
                FieldValue::Money(Money::parse(value, self.currency).map_err(|e| e.reason)?)
            }
            FieldType::Date => FieldValue::Date(parse_date(value).ok_or_else(|| {
                "not a date: write 2024-01-05, 2024/1/5 or 2024年1月5日".to_owned()
            })?),
            FieldType::Enum => FieldValue::Enum(
                def.options
                    .iter()
                    .find(|o| o.eq_ignore_ascii_case(value))
                    .cloned()
                    .ok_or_else(|| format!("not one of {}", def.options.join(", ")))?,
            ),
            FieldType::Bool => FieldValue::Bool(
                parse_bool(value).ok_or_else(|| "not yes or no (是/否, true/false)".to_owned())?,
            ),
        })
    }

    fn finish(&self, mut row: RowBuilder) -> Result<CleanRow, Vec<CellError>> {
        let region = self.region(&mut row);
        // Without a place column, the city a company name starts with (「成都博腾…」) still
        // says which area code a local number has.
        let dialling_region = region.or_else(|| {
            let company = row.company.as_ref().filter(|_| !row.phones.is_empty())?;
            CompanyKey::from_name(company.as_str()).region
        });
        self.place_phones(&mut row, dialling_region);
        let (rejecting, kept): (Vec<_>, Vec<_>) =
            row.problems.drain(..).partition(|(target, _)| {
                self.strictness == Strictness::RejectRow || *target == Target::CompanyName
            });
        let mut errors: Vec<CellError> = rejecting.into_iter().map(|(_, e)| e).collect();
        let Some(company) = row.company.take() else {
            if errors.is_empty() {
                errors.push(CellError {
                    column: self.header_of(&Target::CompanyName),
                    value: String::new(),
                    reason: "the company name is empty".into(),
                });
            }
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let dropped: Vec<CellError> = kept.into_iter().map(|(_, e)| e).collect();
        let mut account = Account::new(company);
        account.short_name = row.short_name;
        account.industry = row.industry;
        account.level = row.level;
        account.source = row.source;
        account.region = region;
        account.website = row.website;
        account.last_activity_at = row.last_follow_up;
        account.custom = row.custom;
        let address = row.address.join(" ");
        account.address = (!address.is_empty()).then_some(address);
        let contact = match row.contact_name {
            Some(name) => {
                let mut contact = Contact::new(name);
                contact.title = row.title.take();
                contact.mobile = row.mobile.take();
                contact.phone = row.contact_phone.take();
                contact.email = row.email.take();
                contact.wechat = row.wechat.take();
                contact.region = region;
                contact.primary = true;
                Some(contact)
            }
            None => None,
        };
        // Without a contact, contact details describe the company.
        account.phone = row.company_phone.or(row.mobile).or(row.contact_phone);
        account.email = row.email;
        let mut note: Vec<String> = row.notes;
        if let Some(title) = row.title {
            note.push(format!("{}: {title}", self.header_of(&Target::Title)));
        }
        if let Some(wechat) = row.wechat {
            note.push(format!("{}: {wechat}", self.header_of(&Target::Wechat)));
        }
        note.extend(row.extras);
        note.extend(dropped.iter().map(|e| format!("{}: {}", e.column, e.value)));
        Ok(CleanRow {
            account,
            contact,
            owner: row.owner,
            tags: row.tags,
            note: (!note.is_empty()).then(|| note.join("\n")),
            dropped,
        })
    }

    /// The most specific place the row names. A province and a city that disagree are an
    /// error on the city; a city or district the region table does not know goes to the front
    /// of the address, so it is kept.
    fn region(&self, row: &mut RowBuilder) -> Option<Region> {
        let mut best: Option<Region> = None;
        let places = std::mem::take(&mut row.places);
        for (target, header, value) in places {
            let error = |reason: String| CellError {
                column: header.clone(),
                value: value.clone(),
                reason,
            };
            match Region::parse(&value) {
                Ok(region) => {
                    let refuses = best.filter(|b| !region.is_within(*b) && !b.is_within(region));
                    match refuses {
                        Some(other) => row
                            .problems
                            .push((target, error(format!("is not in {}", other.name())))),
                        None if best.is_none_or(|b| region.is_within(b)) => best = Some(region),
                        None => {}
                    }
                }
                Err(_) if target == Target::Province => row
                    .problems
                    .push((target, error("not a province of mainland China".into()))),
                Err(_) => {
                    if !row.address.iter().any(|a| a.contains(&value)) {
                        row.address.insert(0, value);
                    }
                }
            }
        }
        best
    }

    /// Sort the phones: the company's own first, then the contact's by kind; local numbers
    /// take the area code of `region`.
    fn place_phones(&self, row: &mut RowBuilder, region: Option<Region>) {
        let area = region
            .filter(|r| r.level() != RegionLevel::Province || r.is_municipality())
            .and_then(Region::area_code);
        for (target, header, value) in std::mem::take(&mut row.phones) {
            let parsed = Phone::parse(&value)
                .or_else(|refused| area.map_or(Err(refused), |a| Phone::parse_in_area(&value, a)));
            let phone = match parsed {
                Ok(phone) => phone,
                Err(e) => {
                    row.problems.push((
                        target,
                        CellError {
                            column: header,
                            value,
                            reason: e.reason,
                        },
                    ));
                    continue;
                }
            };
            let slot = match (&target, phone.kind()) {
                (Target::CompanyPhone, _) => &mut row.company_phone,
                (_, PhoneKind::Mobile) => &mut row.mobile,
                _ => &mut row.contact_phone,
            };
            if slot.is_none() {
                *slot = Some(phone);
            } else if slot.as_ref() != Some(&phone) {
                row.extras.push(format!("{header}: {value}"));
            }
        }
    }

    /// The header of the column that fills `target` (the target's name if none does).
    pub fn header_of(&self, target: &Target) -> String {
        self.columns
            .iter()
            .find(|(_, t)| t.as_ref() == Some(target))
            .map_or_else(|| target.to_string(), |(h, _)| h.clone())
    }
}

/// What a row's cells say, gathered before they are put together.
#[derive(Debug, Default)]
struct RowBuilder {
    company: Option<CompanyName>,
    short_name: Option<String>,
    industry: Option<String>,
    level: Option<String>,
    source: Option<String>,
    places: Vec<(Target, String, String)>,
    address: Vec<String>,
    phones: Vec<(Target, String, String)>,
    company_phone: Option<Phone>,
    mobile: Option<Phone>,
    contact_phone: Option<Phone>,
    website: Option<String>,
    owner: Option<String>,
    tags: Vec<String>,
    notes: Vec<String>,
    last_follow_up: Option<DateTime<Utc>>,
    contact_name: Option<PersonName>,
    title: Option<String>,
    email: Option<Email>,
    wechat: Option<String>,
    custom: BTreeMap<String, FieldValue>,
    extras: Vec<String>,
    problems: Vec<(Target, CellError)>,
}

/// The trimmed cell, unless it is empty or a placeholder for nothing.
fn meaningful(cell: &str) -> Option<&str> {
    let cell = cell.trim();
    let placeholder = PLACEHOLDERS.iter().any(|p| cell.eq_ignore_ascii_case(p));
    (!cell.is_empty() && !placeholder).then_some(cell)
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_lowercase().as_str() {
        "是" | "有" | "对" | "true" | "yes" | "y" | "1" | "✓" | "√" => Some(true),
        "否" | "不是" | "false" | "no" | "n" | "0" | "×" | "✗" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::fields::FieldDef;

    fn cleaner(headers: &[&str], custom: &[FieldDef], strictness: Strictness) -> Cleaner {
        let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
        let mapping = Mapping::infer(&headers, custom, &[]).unwrap();
        Cleaner::new(&mapping, custom, strictness)
    }

    fn cells(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn phones_in_one_cell_are_split_by_kind_and_extras_kept_in_the_note() {
        let clean = cleaner(&["客户名称", "联系人", "电话"], &[], Strictness::RejectRow)
            .clean(&cells(&[
                "恒瑞精密机械有限公司",
                "李娜",
                "010-62345678 / 138 1234 5678，139 0000 0000",
            ]))
            .unwrap();
        let contact = clean.contact.unwrap();
        assert_eq!(contact.mobile.unwrap().e164(), "+8613812345678");
        assert_eq!(contact.phone.unwrap().e164(), "+861062345678");
        assert!(clean.note.unwrap().contains("139 0000 0000"));
    }

    #[test]
    fn a_local_number_takes_the_area_code_of_the_rows_city() {
        let clean = cleaner(&["客户名称", "城市", "座机"], &[], Strictness::RejectRow)
            .clean(&cells(&["恒瑞精密机械有限公司", "苏州", "66881234"]))
            .unwrap();
        assert_eq!(clean.account.phone.unwrap().e164(), "+8651266881234");
        assert_eq!(clean.account.region.unwrap().name(), "苏州市");
    }

    #[test]
    fn without_a_city_a_local_number_takes_the_area_code_of_the_city_in_the_company_name() {
        let clean = cleaner(&["客户名称", "座机"], &[], Strictness::RejectRow)
            .clean(&cells(&["成都博腾新材料有限责任公司", "46325163"]))
            .unwrap();
        assert_eq!(clean.account.phone.unwrap().e164(), "+862846325163");
        assert_eq!(clean.account.region, None, "the name is no place column");
        let unplaced = cleaner(&["客户名称", "座机"], &[], Strictness::RejectRow)
            .clean(&cells(&["博腾新材料有限责任公司", "46325163"]));
        assert!(unplaced.is_err());
    }

    #[test]
    fn placeholders_are_empty_and_without_a_contact_its_details_describe_the_company() {
        let clean = cleaner(
            &["客户名称", "联系人", "手机", "邮箱"],
            &[],
            Strictness::RejectRow,
        )
        .clean(&cells(&[
            "恒瑞精密机械有限公司",
            "无",
            "13812345678",
            "N/A",
        ]))
        .unwrap();
        assert!(clean.contact.is_none());
        assert_eq!(clean.account.phone.unwrap().e164(), "+8613812345678");
        assert!(clean.account.email.is_none());
    }

    #[test]
    fn every_bad_cell_is_named_and_lenient_mode_keeps_them_in_the_note() {
        let headers = ["客户名称", "手机", "邮箱", "省份", "城市", "最后跟进时间"];
        let row = cells(&[
            "恒瑞精密机械有限公司",
            "12345",
            "x@",
            "江苏",
            "杭州",
            "2024/13/1",
        ]);
        let errors = cleaner(&headers, &[], Strictness::RejectRow)
            .clean(&row)
            .unwrap_err();
        let columns: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(columns, ["邮箱", "最后跟进时间", "城市", "手机"]);
        assert!(errors[2].reason.contains("江苏"), "{errors:?}");
        let kept = cleaner(&headers, &[], Strictness::KeepInNote)
            .clean(&row)
            .unwrap();
        assert_eq!(kept.dropped.len(), 4);
        assert_eq!(kept.account.region.unwrap().name(), "江苏省");
        let note = kept.note.unwrap();
        assert!(
            note.contains("12345") && note.contains("2024/13/1"),
            "{note}"
        );
    }

    #[test]
    fn a_missing_company_name_rejects_the_row_even_when_lenient() {
        let errors = cleaner(&["客户名称", "联系人"], &[], Strictness::KeepInNote)
            .clean(&cells(&["  ", "张伟"]))
            .unwrap_err();
        assert_eq!(errors[0].column, "客户名称");
    }

    #[test]
    fn follow_up_times_read_every_date_form_at_utc_plus_8() {
        let cleaner = cleaner(&["客户名称", "最后跟进时间"], &[], Strictness::RejectRow);
        for written in [
            "2024/1/5",
            "2024-01-05",
            "2024年1月5日",
            "45296",
            "2024-01-05 00:00:00",
        ] {
            let clean = cleaner
                .clean(&cells(&["恒瑞精密机械有限公司", written]))
                .unwrap();
            assert_eq!(
                clean.account.last_activity_at.unwrap().to_rfc3339(),
                "2024-01-04T16:00:00+00:00",
                "{written}"
            );
        }
    }

    #[test]
    fn custom_fields_parse_by_their_type() {
        let custom = [
            FieldDef::new("budget", FieldType::Money),
            FieldDef::new("founded", FieldType::Date),
            FieldDef::new("grade", FieldType::Enum).with_options(["A", "B"]),
            FieldDef::new("listed", FieldType::Bool),
            FieldDef::new("staff", FieldType::Number),
        ];
        let cleaner = cleaner(
            &["客户名称", "budget", "founded", "grade", "listed", "staff"],
            &custom,
            Strictness::RejectRow,
        );
        let clean = cleaner
            .clean(&cells(&[
                "恒瑞精密机械有限公司",
                "1.2万",
                "2001年3月1日",
                "a",
                "是",
                "1,200",
            ]))
            .unwrap();
        let FieldValue::Money(budget) = &clean.account.custom["budget"] else {
            panic!("{:?}", clean.account.custom)
        };
        assert_eq!(budget.to_string(), "CNY 12000");
        assert_eq!(clean.account.custom["grade"], FieldValue::Enum("A".into()));
        assert_eq!(clean.account.custom["listed"], FieldValue::Bool(true));
        assert_eq!(
            clean.account.custom["staff"],
            FieldValue::Number(Decimal::from(1200))
        );
        let errors = cleaner
            .clean(&cells(&[
                "恒瑞精密机械有限公司",
                "lots",
                "",
                "C",
                "maybe",
                "x",
            ]))
            .unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
    }
}
