//! Which column fills which [`Target`]: inferred from headers, matched against the tenant's
//! custom fields, overridden by the user. The chosen mapping is part of the import report.

use std::collections::BTreeMap;

use crm_core::dedup::kind::fold_header;
use crm_core::fields::FieldDef;
use serde::Serialize;

use crate::target::Target;

/// What the user says about one column, by its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Override {
    /// Fill this target from the column.
    Map(Target),
    /// Leave the column out.
    Ignore,
}

impl std::str::FromStr for Override {
    type Err = String;

    /// `ignore`, or a target name as [`Target`] parses it.
    fn from_str(text: &str) -> Result<Override, String> {
        match text {
            "ignore" | "skip" | "-" => Ok(Override::Ignore),
            target => target.parse().map(Override::Map),
        }
    }
}

/// How a column came to its target (or to none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MappedBy {
    /// Its header is a known name of the target.
    Header,
    /// Its header is the key or label of a custom field.
    CustomField,
    /// The user said so.
    Override,
    /// The user left it out.
    Ignored,
    /// Its header names a target that an earlier column already fills; left out.
    AlreadyMapped,
    /// Nothing matched its header; left out and reported.
    Unmapped,
}

/// One column and what it fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnMapping {
    /// The header as read.
    pub header: String,
    /// What the column fills, if anything.
    pub target: Option<Target>,
    /// Why.
    pub by: MappedBy,
}

/// A mapping that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// An override names a header the file does not have.
    #[error("no column {header:?} in the file; its headers are: {}", headers.join(", "))]
    UnknownHeader {
        /// The header named.
        header: String,
        /// The file's headers.
        headers: Vec<String>,
    },
    /// An override names a custom field the tenant has not defined.
    #[error("column {header:?}: no custom field {key:?} is defined for accounts")]
    UnknownCustomField {
        /// The column.
        header: String,
        /// The key named.
        key: String,
    },
    /// Two columns were told to fill one single-valued target.
    #[error(
        "columns {first:?} and {second:?} both map to {target}; map one of them elsewhere or ignore it"
    )]
    TargetTwice {
        /// The target.
        target: Target,
        /// The first column.
        first: String,
        /// The second column.
        second: String,
    },
    /// No column holds the company name, so no row could become a customer.
    #[error("no column holds the company name; headers are: {}. Map one with HEADER=company_name", headers.join(", "))]
    NoCompanyName {
        /// The file's headers.
        headers: Vec<String>,
    },
}

/// The columns of a file and what each fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Mapping {
    columns: Vec<ColumnMapping>,
}

impl Mapping {
    /// Map `headers`: overrides first, then the tenant's custom fields (`custom`, by key or
    /// label), then the built-in synonyms. A second column for a single-valued target is left
    /// out ([`MappedBy::AlreadyMapped`]) unless an override asks for both, which is an error.
    ///
    /// ```
    /// # use crm_import::mapping::{Mapping, MappedBy};
    /// # use crm_import::target::Target;
    /// let headers = ["客户名称", "联系人", "手机", "年采购额"].map(String::from);
    /// let mapping = Mapping::infer(&headers, &[], &[]).unwrap();
    /// assert_eq!(mapping.target(0), Some(&Target::CompanyName));
    /// assert_eq!(mapping.columns()[3].by, MappedBy::Unmapped);
    /// ```
    pub fn infer(
        headers: &[String],
        custom: &[FieldDef],
        overrides: &[(String, Override)],
    ) -> Result<Mapping, MappingError> {
        let mut columns: Vec<Option<ColumnMapping>> = vec![None; headers.len()];
        for (header, choice) in overrides {
            let index = headers.iter().position(|h| h == header).ok_or_else(|| {
                MappingError::UnknownHeader {
                    header: header.clone(),
                    headers: headers.to_vec(),
                }
            })?;
            if let Override::Map(Target::Custom(key)) = choice
                && !custom.iter().any(|f| &f.key == key)
            {
                return Err(MappingError::UnknownCustomField {
                    header: header.clone(),
                    key: key.clone(),
                });
            }
            let (target, by) = match choice {
                Override::Map(target) => (Some(target.clone()), MappedBy::Override),
                Override::Ignore => (None, MappedBy::Ignored),
            };
            columns[index] = Some(ColumnMapping {
                header: header.clone(),
                target,
                by,
            });
        }
        let mut first_of: BTreeMap<Target, usize> = BTreeMap::new();
        for (index, column) in columns.iter().enumerate() {
            if let Some(target) = column.as_ref().and_then(|c| c.target.clone()) {
                if let Some(&first) = first_of.get(&target)
                    && !target.takes_several_columns()
                {
                    return Err(MappingError::TargetTwice {
                        target,
                        first: headers[first].clone(),
                        second: headers[index].clone(),
                    });
                }
                first_of.entry(target).or_insert(index);
            }
        }
        for (index, header) in headers.iter().enumerate() {
            if columns[index].is_some() {
                continue;
            }
            let folded = fold_header(header);
            let custom_field = custom
                .iter()
                .find(|f| fold_header(&f.key) == folded || fold_header(&f.label) == folded);
            let (target, by) = match custom_field {
                Some(field) => (
                    Some(Target::Custom(field.key.clone())),
                    MappedBy::CustomField,
                ),
                None => match Target::from_header(header) {
                    Some(target) => (Some(target), MappedBy::Header),
                    None => (None, MappedBy::Unmapped),
                },
            };
            let column = match target {
                Some(target)
                    if first_of.contains_key(&target) && !target.takes_several_columns() =>
                {
                    ColumnMapping {
                        header: header.clone(),
                        target: None,
                        by: MappedBy::AlreadyMapped,
                    }
                }
                target => {
                    if let Some(t) = &target {
                        first_of.entry(t.clone()).or_insert(index);
                    }
                    ColumnMapping {
                        header: header.clone(),
                        target,
                        by,
                    }
                }
            };
            columns[index] = Some(column);
        }
        let columns: Vec<ColumnMapping> = columns.into_iter().flatten().collect();
        if !columns
            .iter()
            .any(|c| c.target == Some(Target::CompanyName))
        {
            return Err(MappingError::NoCompanyName {
                headers: headers.to_vec(),
            });
        }
        Ok(Mapping { columns })
    }

    /// Every column, in file order.
    pub fn columns(&self) -> &[ColumnMapping] {
        &self.columns
    }

    /// What column `index` fills.
    pub fn target(&self, index: usize) -> Option<&Target> {
        self.columns.get(index).and_then(|c| c.target.as_ref())
    }

    /// The headers of columns left out because nothing matched them.
    pub fn unmapped(&self) -> impl Iterator<Item = &str> {
        self.columns
            .iter()
            .filter(|c| c.by == MappedBy::Unmapped)
            .map(|c| c.header.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::fields::FieldType;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn synonyms_custom_fields_and_overrides_each_map_a_column() {
        let custom = [FieldDef {
            label: "年采购额".into(),
            ..FieldDef::new("annual_purchase", FieldType::Money)
        }];
        let mapping = Mapping::infer(
            &headers(&["公司", "姓名", "年采购额", "内部编码", "QQ"]),
            &custom,
            &[("QQ".into(), Override::Map(Target::Wechat))],
        )
        .unwrap();
        let got: Vec<(Option<Target>, MappedBy)> = mapping
            .columns()
            .iter()
            .map(|c| (c.target.clone(), c.by))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(Target::CompanyName), MappedBy::Header),
                (Some(Target::ContactName), MappedBy::Header),
                (
                    Some(Target::Custom("annual_purchase".into())),
                    MappedBy::CustomField
                ),
                (None, MappedBy::Unmapped),
                (Some(Target::Wechat), MappedBy::Override),
            ]
        );
        assert_eq!(mapping.unmapped().collect::<Vec<_>>(), ["内部编码"]);
    }

    #[test]
    fn a_second_column_for_a_single_target_is_left_out_but_phones_accumulate() {
        let mapping = Mapping::infer(
            &headers(&["客户名称", "公司名称", "手机", "手机2", "电话"]),
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(mapping.columns()[1].by, MappedBy::AlreadyMapped);
        assert_eq!(mapping.target(3), Some(&Target::Mobile));
        assert_eq!(mapping.target(4), Some(&Target::Phone));
    }

    #[test]
    fn an_override_wins_over_a_synonym_elsewhere() {
        let mapping = Mapping::infer(
            &headers(&["客户名称", "开票名称"]),
            &[],
            &[
                ("开票名称".into(), Override::Map(Target::CompanyName)),
                ("客户名称".into(), Override::Map(Target::ShortName)),
            ],
        )
        .unwrap();
        assert_eq!(mapping.target(0), Some(&Target::ShortName));
        assert_eq!(mapping.target(1), Some(&Target::CompanyName));
    }

    #[test]
    fn impossible_mappings_are_errors_that_say_why() {
        let file = headers(&["客户名称", "联系人"]);
        let unknown = Mapping::infer(&file, &[], &[("手机".into(), Override::Ignore)]);
        assert!(matches!(unknown, Err(MappingError::UnknownHeader { .. })));
        let custom = Mapping::infer(
            &file,
            &[],
            &[("联系人".into(), Override::Map(Target::Custom("x".into())))],
        );
        assert!(matches!(
            custom,
            Err(MappingError::UnknownCustomField { .. })
        ));
        let twice = Mapping::infer(
            &file,
            &[],
            &[
                ("客户名称".into(), Override::Map(Target::Title)),
                ("联系人".into(), Override::Map(Target::Title)),
            ],
        );
        assert!(matches!(twice, Err(MappingError::TargetTwice { .. })));
        let nameless = Mapping::infer(&headers(&["联系人", "手机"]), &[], &[]).unwrap_err();
        assert!(nameless.to_string().contains("company_name"), "{nameless}");
    }
}
