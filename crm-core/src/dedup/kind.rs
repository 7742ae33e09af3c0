//! What a column holds, inferred from its header, so that duplicate detection can pick a
//! comparator per column without the user configuring each one.
//!
//! Sheets come with headers in Chinese and English, typed every way there is (`Company Name`,
//! `company_name`, `公司名称：`, `ＥＭＡＩＬ`), so [`FieldKind::from_header`] folds the header before
//! looking it up among known synonyms. Unknown headers give `None` rather than a guess: a wrong
//! kind puts a wrong comparator on a column and skews every match score.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::error::InvalidValue;

/// The kind of value a column holds, which decides how two of its values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldKind {
    /// The name of a company or other organisation (an account).
    CompanyName,
    /// A person's full name.
    PersonName,
    /// A person's given (first) name alone.
    GivenName,
    /// A person's surname (family name) alone.
    Surname,
    /// A phone number, mobile or landline.
    Phone,
    /// An email address.
    Email,
    /// A street address, or a part of one such as the street number.
    Address,
    /// A province, state, city, district or suburb.
    Region,
    /// A postal code.
    Postcode,
    /// A calendar date, such as a date of birth or of founding.
    Date,
    /// An identifying number: national id, tax number, unified social credit code.
    Identifier,
    /// Any other free text.
    Text,
}

impl FieldKind {
    /// Every kind, in declaration order.
    pub const ALL: [FieldKind; 12] = [
        FieldKind::CompanyName,
        FieldKind::PersonName,
        FieldKind::GivenName,
        FieldKind::Surname,
        FieldKind::Phone,
        FieldKind::Email,
        FieldKind::Address,
        FieldKind::Region,
        FieldKind::Postcode,
        FieldKind::Date,
        FieldKind::Identifier,
        FieldKind::Text,
    ];

    /// Infers the kind of a column from its header, in Chinese or English.
    ///
    /// The header is folded first (NFKC, lowercase, without spaces, underscores, hyphens and
    /// punctuation), so `Date of Birth`, `date_of_birth` and `DateOfBirth` are one header. A
    /// header that only differs from a known one by a trailing number (`phone2`, `email_1`)
    /// gets that header's kind. Record ids and truth labels (`rec_id`, `entity_id`, `编号`,
    /// `label`) and unknown headers give `None`: they must not be compared as data.
    ///
    /// ```
    /// # use crm_core::dedup::kind::FieldKind;
    /// assert_eq!(FieldKind::from_header("联系电话"), Some(FieldKind::Phone));
    /// assert_eq!(FieldKind::from_header("Date of Birth"), Some(FieldKind::Date));
    /// assert_eq!(FieldKind::from_header("rec_id"), None);
    /// ```
    pub fn from_header(header: &str) -> Option<FieldKind> {
        lookup_header(header, |key| {
            if IGNORED.contains(&key) {
                None
            } else {
                synonym(key)
            }
        })
    }

    /// Whether a field of this kind names the entity itself, so that two records disagreeing
    /// on it are never the same entity without a person deciding: company names. Everything
    /// else a company has (contacts, phones, mail domain, address) unrelated companies can
    /// share.
    pub fn names_the_entity(self) -> bool {
        self == FieldKind::CompanyName
    }

    /// The group of correlated evidence a field of this kind agreeing at `level` belongs
    /// to, if any ([`Model::groups`](crate::dedup::Model::groups)): addresses, regions and
    /// postcodes all say where an entity is, and agree together for every two records at one
    /// place; a full person name and an email's local part at another domain
    /// ([`Comparator::Email`](crate::dedup::compare::Comparator::Email) level 1) say who, and
    /// agree together for every two namesakes, as the local part is mostly the name.
    pub fn evidence_group(self, level: u8) -> Option<u8> {
        match (self, level) {
            (FieldKind::Address | FieldKind::Region | FieldKind::Postcode, _) => Some(0),
            (FieldKind::PersonName, _) | (FieldKind::Email, 1) => Some(1),
            _ => None,
        }
    }

    /// The most EM may believe true duplicates disagree outright on a field of this kind
    /// ([`MAX_M_DISAGREEMENT`](crate::dedup::model::MAX_M_DISAGREEMENT) for most). A birth
    /// date or an identifier number is typed with typos, which partial levels catch, but
    /// hardly ever wholly otherwise for one person: two records at one address that differ
    /// in both are a family, not a duplicate, however much else they share.
    pub fn max_disagreement(self) -> f64 {
        match self {
            FieldKind::Date | FieldKind::Identifier => 0.05,
            _ => crate::dedup::model::MAX_M_DISAGREEMENT,
        }
    }

    /// The kind's stable snake_case name, as serialised and as given to [`FieldKind::parse`].
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::CompanyName => "company_name",
            FieldKind::PersonName => "person_name",
            FieldKind::GivenName => "given_name",
            FieldKind::Surname => "surname",
            FieldKind::Phone => "phone",
            FieldKind::Email => "email",
            FieldKind::Address => "address",
            FieldKind::Region => "region",
            FieldKind::Postcode => "postcode",
            FieldKind::Date => "date",
            FieldKind::Identifier => "identifier",
            FieldKind::Text => "text",
        }
    }

    /// Parses a kind by its [`name`](FieldKind::name), as in a CLI's `--field COL=KIND`.
    ///
    /// Case and surrounding spaces are ignored and `-` stands for `_` (`Company-Name`), since
    /// people type these by hand.
    ///
    /// # Errors
    ///
    /// An [`InvalidValue`] listing every kind when `name` is none of them.
    ///
    /// ```
    /// # use crm_core::dedup::kind::FieldKind;
    /// assert_eq!(FieldKind::parse("person_name")?, FieldKind::PersonName);
    /// assert!(FieldKind::parse("nickname").unwrap_err().reason.contains("company_name"));
    /// # Ok::<(), crm_core::error::InvalidValue>(())
    /// ```
    pub fn parse(name: &str) -> Result<FieldKind, InvalidValue> {
        let wanted = name.trim().to_ascii_lowercase().replace('-', "_");
        FieldKind::ALL
            .into_iter()
            .find(|kind| kind.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = FieldKind::ALL.iter().map(|kind| kind.name()).collect();
                InvalidValue::new(
                    "field kind",
                    name,
                    format!("expected one of: {}", names.join(", ")),
                )
            })
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FieldKind {
    type Err = InvalidValue;

    fn from_str(name: &str) -> Result<FieldKind, InvalidValue> {
        FieldKind::parse(name)
    }
}

/// Headers of columns that identify records or hold the true match, already folded. They are
/// checked before the synonyms so that no synonym rule can turn them into data.
const IGNORED: &[&str] = &[
    "recid",
    "entityid",
    "clusterid",
    "label",
    "truth",
    "编号",
    "序号",
];

/// Looks a header up with `synonym`, which is given the [folded](fold_header) header; a
/// header unknown as it stands is tried without a trailing number, so `phone2` and `手机2`
/// name what `phone` and `手机` name. The numbered form is tried first, so that a listed
/// numbered header (`address1`) never depends on this rule.
///
/// ```
/// # use crm_core::dedup::kind::lookup_header;
/// let known = |key: &str| (key == "phone").then_some("a phone");
/// assert_eq!(lookup_header("Phone_2", known), Some("a phone"));
/// assert_eq!(lookup_header("2", known), None);
/// ```
pub fn lookup_header<T>(header: &str, synonym: impl Fn(&str) -> Option<T>) -> Option<T> {
    let key = fold_header(header);
    synonym(&key).or_else(|| {
        let unnumbered = key.trim_end_matches(|c: char| c.is_ascii_digit());
        let numbered = unnumbered.len() < key.len() && !unnumbered.is_empty();
        if numbered { synonym(unnumbered) } else { None }
    })
}

/// Folds a header for lookup: NFKC (full-width letters become ASCII), lowercase, and without
/// the separators and punctuation that people and exporters put into headers.
///
/// ```
/// # use crm_core::dedup::kind::fold_header;
/// assert_eq!(fold_header("Date of Birth"), fold_header("date_of_birth"));
/// assert_eq!(fold_header("【手机号码】"), "手机号码");
/// ```
pub fn fold_header(header: &str) -> String {
    header
        .nfkc()
        .flat_map(char::to_lowercase)
        .filter(|&c| !is_separator(c))
        .collect()
}

/// Whether `c` is layout rather than content in a header: whitespace, ASCII punctuation (NFKC
/// has already turned full-width `：（）` into it) and CJK punctuation that NFKC keeps.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || c.is_ascii_punctuation()
        || matches!(
            c,
            '、' | '。'
                | '「'
                | '」'
                | '『'
                | '』'
                | '【'
                | '】'
                | '《'
                | '》'
                | '〈'
                | '〉'
                | '·'
                | '・'
                | '…'
                | '—'
                | '‘'
                | '’'
                | '“'
                | '”'
        )
}

/// The kind of a folded header, if it is a known synonym.
fn synonym(key: &str) -> Option<FieldKind> {
    let kind = match key {
        "公司名称" | "客户名称" | "公司" | "客户" | "单位名称" | "企业名称" | "单位"
        | "company" | "companyname" | "account" | "accountname" | "customer" | "customername"
        | "organisation" | "organization" | "org" => FieldKind::CompanyName,
        "联系人" | "姓名" | "联系人姓名" | "客户联系人" | "name" | "fullname" | "contact"
        | "contactname" | "person" => FieldKind::PersonName,
        "名" | "givenname" | "firstname" | "forename" | "given" => FieldKind::GivenName,
        "姓" | "surname" | "lastname" | "familyname" => FieldKind::Surname,
        "电话" | "手机" | "手机号" | "手机号码" | "联系电话" | "座机" | "固话" | "移动电话"
        | "tel" | "telephone" | "phone" | "phonenumber" | "mobile" | "mobilephone" | "cell"
        | "cellphone" => FieldKind::Phone,
        "邮箱" | "电子邮箱" | "电子邮件" | "email" | "mail" | "emailaddress" => {
            FieldKind::Email
        }
        "地址" | "详细地址" | "通讯地址" | "公司地址" | "address" | "address1" | "address2"
        | "addressline1" | "addressline2" | "street" | "streetaddress" | "streetnumber" => {
            FieldKind::Address
        }
        "省份" | "省" | "城市" | "市" | "地区" | "区域" | "所在地区" | "区县" | "province"
        | "state" | "city" | "region" | "suburb" | "town" | "county" | "district" => {
            FieldKind::Region
        }
        "邮编" | "邮政编码" | "postcode" | "postalcode" | "zip" | "zipcode" => {
            FieldKind::Postcode
        }
        "日期" | "出生日期" | "生日" | "成立日期" | "date" | "dob" | "dateofbirth"
        | "birthdate" | "birthday" => FieldKind::Date,
        "身份证"
        | "身份证号"
        | "统一社会信用代码"
        | "信用代码"
        | "税号"
        | "工商注册号"
        | "id"
        | "socsecid"
        | "ssn"
        | "socialsecurity"
        | "nationalid"
        | "taxid"
        | "vat"
        | "uscc"
        | "creditcode" => FieldKind::Identifier,
        _ => return None,
    };
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};

    fn assert_all(kind: FieldKind, headers: &[&str]) {
        for header in headers {
            assert_eq!(FieldKind::from_header(header), Some(kind), "{header}");
        }
    }

    #[test]
    fn company_name_synonyms() {
        assert_all(
            FieldKind::CompanyName,
            &[
                "公司名称",
                "客户名称",
                "公司",
                "客户",
                "单位名称",
                "企业名称",
                "单位",
                "company",
                "companyname",
                "account",
                "accountname",
                "customer",
                "customername",
                "organisation",
                "organization",
                "org",
            ],
        );
    }

    #[test]
    fn person_name_synonyms() {
        assert_all(
            FieldKind::PersonName,
            &[
                "联系人",
                "姓名",
                "联系人姓名",
                "客户联系人",
                "name",
                "fullname",
                "contact",
                "contactname",
                "person",
            ],
        );
    }

    #[test]
    fn given_name_and_surname_synonyms() {
        assert_all(
            FieldKind::GivenName,
            &["名", "givenname", "firstname", "forename", "given"],
        );
        assert_all(
            FieldKind::Surname,
            &["姓", "surname", "lastname", "familyname"],
        );
    }

    #[test]
    fn phone_synonyms() {
        assert_all(
            FieldKind::Phone,
            &[
                "电话",
                "手机",
                "手机号",
                "手机号码",
                "联系电话",
                "座机",
                "固话",
                "移动电话",
                "tel",
                "telephone",
                "phone",
                "phonenumber",
                "mobile",
                "mobilephone",
                "cell",
                "cellphone",
            ],
        );
    }

    #[test]
    fn email_synonyms() {
        assert_all(
            FieldKind::Email,
            &[
                "邮箱",
                "电子邮箱",
                "电子邮件",
                "email",
                "e-mail",
                "mail",
                "emailaddress",
            ],
        );
    }

    #[test]
    fn address_synonyms() {
        assert_all(
            FieldKind::Address,
            &[
                "地址",
                "详细地址",
                "通讯地址",
                "公司地址",
                "address",
                "address1",
                "address2",
                "addressline1",
                "addressline2",
                "street",
                "streetaddress",
                "streetnumber",
            ],
        );
    }

    #[test]
    fn region_synonyms() {
        assert_all(
            FieldKind::Region,
            &[
                "省份",
                "省",
                "城市",
                "市",
                "地区",
                "区域",
                "所在地区",
                "区县",
                "province",
                "state",
                "city",
                "region",
                "suburb",
                "town",
                "county",
                "district",
            ],
        );
    }

    #[test]
    fn postcode_and_date_synonyms() {
        assert_all(
            FieldKind::Postcode,
            &[
                "邮编",
                "邮政编码",
                "postcode",
                "postalcode",
                "zip",
                "zipcode",
            ],
        );
        assert_all(
            FieldKind::Date,
            &[
                "日期",
                "出生日期",
                "生日",
                "成立日期",
                "date",
                "dob",
                "dateofbirth",
                "birthdate",
                "birthday",
            ],
        );
    }

    #[test]
    fn identifier_synonyms() {
        assert_all(
            FieldKind::Identifier,
            &[
                "身份证",
                "身份证号",
                "统一社会信用代码",
                "信用代码",
                "税号",
                "工商注册号",
                "id",
                "socsecid",
                "ssn",
                "socialsecurity",
                "nationalid",
                "taxid",
                "vat",
                "uscc",
                "creditcode",
            ],
        );
    }

    #[test]
    fn record_ids_and_labels_are_not_data() {
        for header in [
            "recid",
            "rec_id",
            "entityid",
            "entity_id",
            "编号",
            "序号",
            "clusterid",
            "cluster_id",
            "label",
            "truth",
            "Rec-ID",
        ] {
            assert_eq!(FieldKind::from_header(header), None, "{header}");
        }
    }

    #[test]
    fn febrl_headers() {
        let headers = [
            "rec_id",
            "entity_id",
            "given_name",
            "surname",
            "street_number",
            "address_1",
            "address_2",
            "suburb",
            "postcode",
            "state",
            "date_of_birth",
            "soc_sec_id",
        ];
        let kinds: Vec<_> = headers.iter().map(|h| FieldKind::from_header(h)).collect();
        use FieldKind::*;
        assert_eq!(
            kinds,
            [
                None,
                None,
                Some(GivenName),
                Some(Surname),
                Some(Address),
                Some(Address),
                Some(Address),
                Some(Region),
                Some(Postcode),
                Some(Region),
                Some(Date),
                Some(Identifier),
            ]
        );
    }

    #[test]
    fn headers_are_folded() {
        assert_eq!(
            FieldKind::from_header("  Company Name "),
            Some(FieldKind::CompanyName)
        );
        assert_eq!(FieldKind::from_header("ＥＭＡＩＬ"), Some(FieldKind::Email));
        assert_eq!(
            FieldKind::from_header("公司名称："),
            Some(FieldKind::CompanyName)
        );
        assert_eq!(FieldKind::from_header("【手机】"), Some(FieldKind::Phone));
        assert_eq!(
            FieldKind::from_header("Date of Birth"),
            Some(FieldKind::Date)
        );
        assert_eq!(
            FieldKind::from_header("Address-Line-1"),
            Some(FieldKind::Address)
        );
    }

    #[test]
    fn numbered_headers_take_the_kind_of_the_unnumbered_one() {
        assert_eq!(FieldKind::from_header("phone2"), Some(FieldKind::Phone));
        assert_eq!(FieldKind::from_header("Email_1"), Some(FieldKind::Email));
        assert_eq!(FieldKind::from_header("电话2"), Some(FieldKind::Phone));
        assert_eq!(FieldKind::from_header("12"), None);
    }

    #[test]
    fn unknown_headers_are_none() {
        for header in ["", "  ", "备注", "notes", "amount", "姓名拼音", "phones"] {
            assert_eq!(FieldKind::from_header(header), None, "{header}");
        }
    }

    #[test]
    fn names_parse_back() {
        for kind in FieldKind::ALL {
            assert_eq!(FieldKind::parse(kind.name()), Ok(kind));
            assert_eq!(kind.name().parse::<FieldKind>(), Ok(kind));
            assert_eq!(kind.to_string(), kind.name());
        }
        assert_eq!(
            FieldKind::parse(" Company-Name "),
            Ok(FieldKind::CompanyName)
        );
    }

    #[test]
    fn unknown_name_lists_the_kinds() {
        let err = FieldKind::parse("nickname").unwrap_err();
        assert_eq!(err.what, "field kind");
        assert_eq!(err.value, "nickname");
        for kind in FieldKind::ALL {
            assert!(err.reason.contains(kind.name()), "{}", err.reason);
        }
    }

    #[test]
    fn serde_names_are_the_kind_names() {
        for kind in FieldKind::ALL {
            let deserializer: StrDeserializer<'_, DeError> = kind.name().into_deserializer();
            assert_eq!(FieldKind::deserialize(deserializer), Ok(kind));
        }
    }
}
