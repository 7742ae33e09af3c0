//! Which records a rule applies to: the [`Criteria`] trait, and [`Territory`], criteria
//! that are plain data — each listed field must hold one of its allowed values.
//!
//! Assignment tables ([`crate::assignment`]) and recycling policies ([`crate::recycle`]) are
//! generic over their criteria so that a richer condition language can plug in; `Territory`
//! is the default and covers the everyday case, "leads from East China in manufacturing".
//!
//! # Territories as data
//!
//! A territory serialises as a map from field name to the allowed values:
//!
//! ```json
//! { "region.province": ["华东"], "industry": ["制造", "汽车"] }
//! ```
//!
//! A record is in the territory when **every** listed field holds one of its values; the
//! empty map `{}` takes every record. Values are compared as text, exactly (`制造` does not
//! match `制造业`); a field the record lacks matches nothing.
//!
//! # Region fields
//!
//! The fields `region`, `region.province` and `region.city` (what [`Facts`] call a record's
//! [`Region`], its province and its city) compare regions, not spellings:
//!
//! - an allowed value is any region [`Region::parse`] understands (`江苏`, `江苏省`, `320000`,
//!   `Jiangsu`) or one of the [named regions](CHINA_REGIONS) (`华东`, `East China`), which
//!   stands for its provinces;
//! - the record's value may be the region's full name, short name, English name or code
//!   (`江苏省`, `江苏`, `Jiangsu`, `320000`), whichever the host writes;
//! - a region matches an allowed region it lies within: `苏州市` is in `江苏`, so
//!   `{"region": ["华东"]}` takes a lead whose region is the city 苏州.
//!
//! An allowed value that names no region is refused when the territory is built, so a typo
//! cannot silently match nothing.
//!
//! ```
//! use crm_rules::{FactMap, Criteria, Territory};
//!
//! let east = Territory::china_region("华东").unwrap().with("industry", ["制造"]);
//! let lead = FactMap::new().with("region.province", "江苏省").with("industry", "制造");
//! assert!(east.matches(&lead));
//! let mut why = String::new();
//! east.explain(&lead, &mut why);
//! assert_eq!(why, "industry = 制造, region.province = 江苏省");
//! let south = FactMap::new().with("region.province", "广东").with("industry", "制造");
//! assert!(!east.matches(&south));
//!
//! // The same territory, as a rule document writes it.
//! let parsed: Territory =
//!     serde_json::from_str(r#"{"region.province": ["华东"], "industry": ["制造"]}"#).unwrap();
//! assert!(parsed.matches(&lead));
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::LazyLock;

use crm_core::record::Value;
use crm_core::value::{Region, RegionLevel};
use crm_core::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::facts::Facts;
use crate::quick_hash::QuickHash;
use crate::reading::{FieldId, Reading, pack};

/// Decides whether a rule applies to a record, from its [`Facts`].
///
/// Implemented by [`Territory`]; a condition language implements it to plug into
/// assignment tables and recycling policies.
pub trait Criteria {
    /// Whether the record described by `facts` meets these criteria.
    fn matches(&self, facts: &dyn Facts) -> bool;

    /// Write why `facts` meet these criteria to `out`, for the reasons assignment and
    /// recycling give: the values that made them match, e.g. `region.province = 江苏省`.
    /// Called only after [`Criteria::matches`] said yes; writes nothing by default.
    fn explain(&self, facts: &dyn Facts, out: &mut String) {
        let _ = (facts, out);
    }

    /// [`Criteria::matches`] over facts read once for many criteria (the entries of a
    /// table). Only this crate's criteria can override it: they may use the reading's
    /// caches; others are asked [`Criteria::matches`].
    #[doc(hidden)]
    fn matches_reading(&self, reading: &Reading<'_>) -> bool {
        self.matches(reading)
    }
}

/// A named group of provinces used as a sales region: one of the seven geographic regions
/// of mainland China (七大地理分区).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedRegion {
    /// The Chinese name, e.g. 华东.
    pub name: &'static str,
    /// The English name, e.g. `East China`.
    pub english: &'static str,
    /// The provinces, by the short names of [`Region::short_name`].
    pub provinces: &'static [&'static str],
}

/// The seven geographic regions of mainland China, as sales organisations commonly divide
/// the country. 香港, 澳门 and 台湾 belong to none; list them by name where a territory
/// should include them.
///
/// | Region | Provinces |
/// |---|---|
/// | 华北 North China | 北京 天津 河北 山西 内蒙古 |
/// | 东北 Northeast China | 辽宁 吉林 黑龙江 |
/// | 华东 East China | 上海 江苏 浙江 安徽 福建 江西 山东 |
/// | 华中 Central China | 河南 湖北 湖南 |
/// | 华南 South China | 广东 广西 海南 |
/// | 西南 Southwest China | 重庆 四川 贵州 云南 西藏 |
/// | 西北 Northwest China | 陕西 甘肃 青海 宁夏 新疆 |
pub const CHINA_REGIONS: &[NamedRegion] = &[
    NamedRegion {
        name: "华北",
        english: "North China",
        provinces: &["北京", "天津", "河北", "山西", "内蒙古"],
    },
    NamedRegion {
        name: "东北",
        english: "Northeast China",
        provinces: &["辽宁", "吉林", "黑龙江"],
    },
    NamedRegion {
        name: "华东",
        english: "East China",
        provinces: &["上海", "江苏", "浙江", "安徽", "福建", "江西", "山东"],
    },
    NamedRegion {
        name: "华中",
        english: "Central China",
        provinces: &["河南", "湖北", "湖南"],
    },
    NamedRegion {
        name: "华南",
        english: "South China",
        provinces: &["广东", "广西", "海南"],
    },
    NamedRegion {
        name: "西南",
        english: "Southwest China",
        provinces: &["重庆", "四川", "贵州", "云南", "西藏"],
    },
    NamedRegion {
        name: "西北",
        english: "Northwest China",
        provinces: &["陕西", "甘肃", "青海", "宁夏", "新疆"],
    },
];

impl NamedRegion {
    /// The named region called `name` in Chinese or English (case-insensitive).
    pub fn find(name: &str) -> Option<&'static NamedRegion> {
        let name = name.trim();
        CHINA_REGIONS
            .iter()
            .find(|r| r.name == name || r.english.eq_ignore_ascii_case(name))
    }

    /// Its provinces as regions.
    pub fn regions(&self) -> impl Iterator<Item = Region> + '_ {
        self.provinces.iter().map(|short| {
            Region::all()
                .find(|r| r.level() == RegionLevel::Province && r.short_name() == *short)
                .expect("CHINA_REGIONS names provinces of the region table")
        })
    }
}

/// Whether `field` holds a region and is compared as one.
fn is_region_field(field: &str) -> bool {
    matches!(field, "region" | "region.province" | "region.city")
}

/// Every region, in [`Region::all`] order: a region's position here is its bit in a
/// [`RegionSet`].
static REGIONS: LazyLock<Vec<Region>> = LazyLock::new(|| Region::all().collect());

/// Every spelling of every region that [`Region::parse`] reads back as that region (full,
/// short and English name, code), to the region's position in [`REGIONS`].
static SPELLINGS: LazyLock<HashMap<String, u16, QuickHash>> = LazyLock::new(|| {
    let mut spellings = HashMap::default();
    for (i, region) in REGIONS.iter().enumerate() {
        let candidates = [
            region.name().to_owned(),
            region.short_name().to_owned(),
            region.english_name().to_owned(),
            region.code().to_string(),
        ];
        for spelling in candidates {
            if Region::parse(&spelling) == Ok(*region) {
                spellings.insert(spelling, i as u16);
            }
        }
    }
    spellings
});

/// The position in [`REGIONS`] of the region `value` names, if it names one.
fn region_index(value: &Value) -> Option<u16> {
    match value {
        Value::Text(text) => SPELLINGS.get(text.as_str()).copied(),
        Value::Int(code) => {
            let region = Region::from_code(u32::try_from(*code).ok()?)?;
            REGIONS.iter().position(|r| *r == region).map(|i| i as u16)
        }
        _ => None,
    }
}

/// A set of regions as bits over [`REGIONS`].
#[derive(Debug, Clone)]
struct RegionSet(Box<[u64]>);

impl RegionSet {
    /// The regions within any of `allowed`.
    fn within(allowed: &[Region]) -> RegionSet {
        let mut bits = vec![0u64; REGIONS.len().div_ceil(64)];
        for (i, region) in REGIONS.iter().enumerate() {
            if allowed.iter().any(|a| region.is_within(*a)) {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        RegionSet(bits.into_boxed_slice())
    }

    fn contains(&self, index: u16) -> bool {
        let i = usize::from(index);
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// The values one field accepts, ready for matching.
#[derive(Debug, Clone)]
enum Accept {
    /// Exact text: the short texts [packed](pack), the others as they are.
    Text {
        short: Box<[u128]>,
        long: Box<[Box<str>]>,
    },
    /// The regions within the allowed ones.
    Region(RegionSet),
}

impl Accept {
    fn is_region(&self) -> bool {
        matches!(self, Accept::Region(_))
    }
}

/// One field of a territory: its allowed values as written, and compiled.
#[derive(Debug, Clone)]
struct FieldRule {
    field: String,
    id: FieldId,
    values: Vec<String>,
    accept: Accept,
}

impl FieldRule {
    fn new(field: String, values: Vec<String>) -> Result<FieldRule> {
        if values.is_empty() {
            return Err(Error::validation(
                format!("territory.{field}"),
                "[]",
                "lists no values; remove the field to accept every value",
            ));
        }
        let accept = if is_region_field(&field) {
            let mut regions = Vec::new();
            for value in &values {
                if let Some(named) = NamedRegion::find(value) {
                    regions.extend(named.regions());
                } else {
                    let region = Region::parse(value).map_err(|e| {
                        let named: Vec<&str> = CHINA_REGIONS.iter().map(|r| r.name).collect();
                        Error::validation(
                            format!("territory.{field}"),
                            value.as_str(),
                            format!("{}; or a named region: {}", e.reason, named.join(" ")),
                        )
                    })?;
                    regions.push(region);
                }
            }
            Accept::Region(RegionSet::within(&regions))
        } else {
            let mut short: Vec<u128> = values.iter().map(|v| pack(v)).filter(|p| *p != 0).collect();
            short.sort_unstable();
            short.dedup();
            let mut long: Vec<Box<str>> = values
                .iter()
                .filter(|v| pack(v) == 0)
                .map(|v| v.as_str().into())
                .collect();
            long.sort_unstable();
            long.dedup();
            Accept::Text {
                short: short.into(),
                long: long.into(),
            }
        };
        Ok(FieldRule {
            id: FieldId::of(&field),
            field,
            values,
            accept,
        })
    }
}

/// Criteria as data: each listed field must hold one of its allowed values; no fields, every
/// record. See the [module docs](self) for matching and for region fields.
#[derive(Clone, Default)]
pub struct Territory {
    /// One rule per field: text fields, then region fields, each sorted by name.
    fields: Vec<FieldRule>,
}

impl Territory {
    /// The territory that takes every record.
    pub fn any() -> Territory {
        Territory::default()
    }

    /// The provinces of a named region (`华东`, `East China`; see [`CHINA_REGIONS`]), as the
    /// field `region.province`; `None` for an unknown name.
    pub fn china_region(name: &str) -> Option<Territory> {
        let named = NamedRegion::find(name)?;
        Some(Territory::any().with("region.province", [named.name]))
    }

    /// Build a territory from field → allowed values.
    ///
    /// # Errors
    ///
    /// [`Error::Validation`] naming the field (`territory.<field>`): a field with no values,
    /// or a region field with a value that names no region.
    pub fn new<F, V, I>(fields: impl IntoIterator<Item = (F, I)>) -> Result<Territory>
    where
        F: Into<String>,
        V: Into<String>,
        I: IntoIterator<Item = V>,
    {
        let mut territory = Territory::any();
        for (field, values) in fields {
            territory.set(field, values)?;
        }
        Ok(territory)
    }

    /// This territory with `field` required to hold one of `values` (replacing what it
    /// required of `field` before).
    ///
    /// # Panics
    ///
    /// When [`Territory::new`] would refuse the values; use it for values not written in
    /// code.
    pub fn with<V: Into<String>>(
        mut self,
        field: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Territory {
        if let Err(e) = self.set(field, values) {
            panic!("{e}");
        }
        self
    }

    /// Require `field` to hold one of `values`, replacing what it required of `field`.
    ///
    /// # Errors
    ///
    /// As [`Territory::new`]; the territory is unchanged.
    pub fn set<V: Into<String>>(
        &mut self,
        field: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Result<()> {
        let rule = FieldRule::new(field.into(), values.into_iter().map(Into::into).collect())?;
        // Text fields first: comparing texts is cheaper than resolving a region.
        let key = |r: &FieldRule| (r.accept.is_region(), r.field.clone());
        match self.fields.binary_search_by_key(&key(&rule), key) {
            Ok(i) => self.fields[i] = rule,
            Err(i) => self.fields.insert(i, rule),
        }
        Ok(())
    }

    /// Whether this territory takes every record.
    pub fn is_any(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields and their allowed values as written, by field name.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &[String])> {
        let mut fields: Vec<(&str, &[String])> = self
            .fields
            .iter()
            .map(|r| (r.field.as_str(), r.values.as_slice()))
            .collect();
        fields.sort_unstable_by_key(|(field, _)| *field);
        fields.into_iter()
    }
}

impl Criteria for Territory {
    fn matches(&self, facts: &dyn Facts) -> bool {
        self.matches_reading(&Reading::new(facts))
    }

    // Inlined into the loop over a table's entries: the call would cost as much as the test.
    #[inline(always)]
    fn matches_reading(&self, reading: &Reading<'_>) -> bool {
        // A plain loop: the optimiser inlines it where it would call `Iterator::all`.
        for rule in &self.fields {
            let holds = match &rule.accept {
                Accept::Text { short, long } => match reading.text(rule.id, &rule.field) {
                    (_, 0) if long.is_empty() => false,
                    (Some(Value::Text(text)), 0) => long.iter().any(|a| **a == **text),
                    (_, packed) => short.contains(&packed),
                },
                Accept::Region(set) => reading
                    .resolved(rule.id, &rule.field, region_index)
                    .is_some_and(|i| set.contains(i)),
            };
            if !holds {
                return false;
            }
        }
        true
    }

    fn explain(&self, facts: &dyn Facts, out: &mut String) {
        for (i, rule) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&rule.field);
            match facts.get(&rule.field) {
                Some(Value::Text(text)) => {
                    out.push_str(" = ");
                    out.push_str(text);
                }
                Some(value) => {
                    out.push_str(" = ");
                    out.push_str(&value.to_string());
                }
                None => out.push_str(" missing"),
            }
        }
    }
}

impl PartialEq for Territory {
    fn eq(&self, other: &Self) -> bool {
        self.fields().eq(other.fields())
    }
}

impl fmt::Debug for Territory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.fields()).finish()
    }
}

impl Serialize for Territory {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.fields())
    }
}

impl<'de> Deserialize<'de> for Territory {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let fields = BTreeMap::<String, Vec<String>>::deserialize(deserializer)?;
        Territory::new(fields).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::FactMap;

    #[test]
    fn named_regions_name_provinces_and_do_not_overlap() {
        let mut seen = Vec::new();
        for named in CHINA_REGIONS {
            for region in named.regions() {
                assert_eq!(region.level(), RegionLevel::Province);
                assert!(!seen.contains(&region), "{} twice", region.name());
                seen.push(region);
            }
        }
        assert_eq!(
            seen.len(),
            31,
            "the 31 province-level divisions of the mainland"
        );
        let east: Vec<&str> = NamedRegion::find("east china")
            .unwrap()
            .regions()
            .map(|r| r.name())
            .collect();
        assert_eq!(
            east,
            [
                "上海市",
                "江苏省",
                "浙江省",
                "安徽省",
                "福建省",
                "江西省",
                "山东省"
            ]
        );
    }

    #[test]
    fn region_fields_match_any_spelling_and_regions_within() {
        let east = Territory::china_region("华东").unwrap();
        for spelling in ["江苏省", "江苏", "Jiangsu", "320000", "上海市", "上海"] {
            let lead = FactMap::new().with("region.province", spelling);
            assert!(east.matches(&lead), "{spelling}");
        }
        let code = FactMap::new().with("region.province", 320000i64);
        assert!(east.matches(&code));
        for other in ["广东省", "广东", "北京", "江苏x", ""] {
            let lead = FactMap::new().with("region.province", other);
            assert!(!east.matches(&lead), "{other}");
        }
        assert!(!east.matches(&FactMap::new()), "missing field");
        let by_region = Territory::any().with("region", ["华东"]);
        assert!(by_region.matches(&FactMap::new().with("region", "苏州市")));
        assert!(!by_region.matches(&FactMap::new().with("region", "深圳市")));
        // 吉林 alone is the province; the city's short name is not one of its spellings.
        let jilin_city = Territory::any().with("region.city", ["吉林市"]);
        assert!(jilin_city.matches(&FactMap::new().with("region.city", "吉林市")));
        assert!(!jilin_city.matches(&FactMap::new().with("region.city", "吉林")));
    }

    #[test]
    fn all_fields_must_match_and_empty_takes_everything() {
        let t = Territory::any()
            .with("industry", ["制造", "汽车"])
            .with("source", ["展会"]);
        let both = FactMap::new()
            .with("industry", "汽车")
            .with("source", "展会");
        assert!(t.matches(&both));
        assert!(!t.matches(&FactMap::new().with("industry", "汽车")));
        assert!(!t.matches(&both.clone().with("industry", "制造业")));
        assert!(Territory::any().matches(&FactMap::new()));
        let mut why = String::new();
        t.explain(&both, &mut why);
        assert_eq!(why, "industry = 汽车, source = 展会");
    }

    #[test]
    fn serde_keeps_the_values_as_written_and_refuses_mistakes() {
        let json = r#"{"industry":["制造"],"region.province":["华东","广东省"]}"#;
        let t: Territory = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), json);
        assert!(
            t.matches(
                &FactMap::new()
                    .with("region.province", "广东")
                    .with("industry", "制造")
            )
        );
        let empty: Territory = serde_json::from_str("{}").unwrap();
        assert!(empty.is_any());
        let err = serde_json::from_str::<Territory>(r#"{"region.province":["火星"]}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("region.province") && err.contains("华东"),
            "{err}"
        );
        let err = serde_json::from_str::<Territory>(r#"{"industry":[]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no values"), "{err}");
        assert!(Territory::new([("industry", Vec::<String>::new())]).is_err());
    }
}
