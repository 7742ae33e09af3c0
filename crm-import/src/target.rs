//! What a column can fill: the fields of a customer (account) and of its contact person, and
//! the tenant's custom fields, with the Chinese and English headers that name them.

use std::fmt;
use std::str::FromStr;

use crm_core::dedup::kind::lookup_header;

/// A field an import column fills.
///
/// A row of a customer sheet describes an account (客户) and, when it names one, its contact
/// person (联系人). Written as snake_case names (`company_name`, `mobile`) in overrides and in
/// the report; a tenant custom field as `custom:KEY`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// The customer company's name (required).
    CompanyName,
    /// What salespeople call it (简称).
    ShortName,
    /// Industry (行业).
    Industry,
    /// Customer level (客户等级).
    Level,
    /// Where the customer came from (来源/渠道).
    Source,
    /// Province (省份).
    Province,
    /// City (城市).
    City,
    /// County or district (区县).
    District,
    /// Street address (地址).
    Address,
    /// The company's switchboard (座机/公司电话).
    CompanyPhone,
    /// Website (网址).
    Website,
    /// The responsible salesperson (负责人), by name, email or mobile.
    Owner,
    /// Tags (标签), several per cell.
    Tags,
    /// Free notes (备注), kept as a note on the customer.
    Notes,
    /// When the customer was last followed up (最后跟进时间).
    LastFollowUp,
    /// The contact person's name (联系人).
    ContactName,
    /// The contact's job title (职位).
    Title,
    /// The contact's mobile (手机); a landline here goes to the contact's phone.
    Mobile,
    /// The contact's phone (电话); a mobile here goes to the contact's mobile.
    Phone,
    /// The contact's email (邮箱).
    Email,
    /// The contact's WeChat id (微信).
    Wechat,
    /// A custom field of accounts defined in the tenant's schema, by key.
    Custom(String),
}

impl Target {
    /// The built-in targets, in the order a report lists them.
    pub const BUILT_IN: [Target; 21] = [
        Target::CompanyName,
        Target::ShortName,
        Target::Industry,
        Target::Level,
        Target::Source,
        Target::Province,
        Target::City,
        Target::District,
        Target::Address,
        Target::CompanyPhone,
        Target::Website,
        Target::Owner,
        Target::Tags,
        Target::Notes,
        Target::LastFollowUp,
        Target::ContactName,
        Target::Title,
        Target::Mobile,
        Target::Phone,
        Target::Email,
        Target::Wechat,
    ];

    /// The stable snake_case name of a built-in target.
    fn name(&self) -> &str {
        match self {
            Target::CompanyName => "company_name",
            Target::ShortName => "short_name",
            Target::Industry => "industry",
            Target::Level => "level",
            Target::Source => "source",
            Target::Province => "province",
            Target::City => "city",
            Target::District => "district",
            Target::Address => "address",
            Target::CompanyPhone => "company_phone",
            Target::Website => "website",
            Target::Owner => "owner",
            Target::Tags => "tags",
            Target::Notes => "notes",
            Target::LastFollowUp => "last_follow_up",
            Target::ContactName => "contact_name",
            Target::Title => "title",
            Target::Mobile => "mobile",
            Target::Phone => "phone",
            Target::Email => "email",
            Target::Wechat => "wechat",
            Target::Custom(key) => key,
        }
    }

    /// Whether several columns may fill this target (their values are joined or tried in
    /// turn); a second column for a single-valued target is reported instead.
    pub fn takes_several_columns(&self) -> bool {
        matches!(
            self,
            Target::Mobile | Target::Phone | Target::Tags | Target::Notes | Target::Address
        )
    }

    /// The target a header names, in Chinese or English, if it is a known synonym.
    ///
    /// Headers are folded first ([`lookup_header`]), so `E-mail`, `email` and `Ｅｍａｉｌ` are one
    /// header; a trailing number (`手机2`, `phone_1`) names the same target.
    ///
    /// ```
    /// # use crm_import::target::Target;
    /// assert_eq!(Target::from_header("客户名称"), Some(Target::CompanyName));
    /// assert_eq!(Target::from_header("Mobile Phone"), Some(Target::Mobile));
    /// assert_eq!(Target::from_header("手机2"), Some(Target::Mobile));
    /// assert_eq!(Target::from_header("序号"), None);
    /// ```
    pub fn from_header(header: &str) -> Option<Target> {
        lookup_header(header, synonym)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Custom(key) => write!(f, "custom:{key}"),
            other => f.write_str(other.name()),
        }
    }
}

impl FromStr for Target {
    type Err = String;

    /// A snake_case name (`company_name`) or `custom:KEY`.
    fn from_str(text: &str) -> Result<Target, String> {
        if let Some(key) = text.strip_prefix("custom:") {
            return if key.is_empty() {
                Err("custom: needs a field key, e.g. custom:budget".into())
            } else {
                Ok(Target::Custom(key.to_owned()))
            };
        }
        Target::BUILT_IN
            .iter()
            .find(|t| t.name() == text)
            .cloned()
            .ok_or_else(|| {
                let names: Vec<&str> = Target::BUILT_IN.iter().map(Target::name).collect();
                format!(
                    "unknown field {text:?}; expected one of {}, or custom:KEY",
                    names.join(", ")
                )
            })
    }
}

impl serde::Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The target of a folded header.
fn synonym(key: &str) -> Option<Target> {
    let target = match key {
        "客户名称" | "公司名称" | "客户" | "公司" | "单位名称" | "企业名称" | "单位"
        | "客户全称" | "公司全称" | "company" | "companyname" | "account" | "accountname"
        | "customer" | "customername" | "organisation" | "organization" => Target::CompanyName,
        "简称" | "客户简称" | "公司简称" | "shortname" | "alias" => Target::ShortName,
        "行业" | "所属行业" | "industry" => Target::Industry,
        "客户等级" | "等级" | "客户级别" | "级别" | "level" | "tier" | "rating" => {
            Target::Level
        }
        "来源" | "渠道" | "客户来源" | "来源渠道" | "获客渠道" | "source" | "leadsource"
        | "channel" => Target::Source,
        "省份" | "省" | "所在省份" | "province" | "state" => Target::Province,
        "城市" | "市" | "所在城市" | "city" | "town" => Target::City,
        "区县" | "区" | "县" | "区域" | "district" | "county" => Target::District,
        "地址" | "详细地址" | "公司地址" | "通讯地址" | "办公地址" | "address" | "street"
        | "streetaddress" | "addressline" => Target::Address,
        "座机" | "公司电话" | "总机" | "固话" | "办公电话" | "companyphone" | "switchboard"
        | "officephone" => Target::CompanyPhone,
        "网址" | "官网" | "网站" | "公司网址" | "website" | "web" | "url" | "homepage" => {
            Target::Website
        }
        "负责人" | "客户负责人" | "销售" | "业务员" | "跟进人" | "所属销售" | "owner"
        | "accountowner" | "salesrep" | "salesperson" => Target::Owner,
        "标签" | "客户标签" | "tags" | "tag" | "labels" => Target::Tags,
        "备注" | "说明" | "描述" | "notes" | "note" | "remarks" | "comment" | "comments"
        | "description" => Target::Notes,
        "最后跟进时间" | "最近跟进时间" | "最后跟进" | "最近跟进" | "跟进时间" | "lastfollowup"
        | "lastactivity" | "lastactivitydate" | "lastcontacted" => Target::LastFollowUp,
        "联系人" | "联系人姓名" | "姓名" | "客户联系人" | "联系人名称" | "contact"
        | "contactname" | "contactperson" | "name" | "fullname" => Target::ContactName,
        "职位" | "职务" | "岗位" | "title" | "jobtitle" | "position" => Target::Title,
        "手机" | "手机号" | "手机号码" | "移动电话" | "mobile" | "mobilephone" | "cell"
        | "cellphone" => Target::Mobile,
        "电话" | "联系电话" | "联系方式" | "电话号码" | "tel" | "telephone" | "phone"
        | "phonenumber" => Target::Phone,
        "邮箱" | "电子邮箱" | "电子邮件" | "邮件" | "email" | "mail" | "emailaddress" => {
            Target::Email
        }
        "微信" | "微信号" | "wechat" | "weixin" | "wechatid" => Target::Wechat,
        _ => return None,
    };
    Some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for target in Target::BUILT_IN
            .iter()
            .cloned()
            .chain([Target::Custom("预算".into())])
        {
            assert_eq!(target.to_string().parse::<Target>(), Ok(target));
        }
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let err = "phone_number".parse::<Target>().unwrap_err();
        assert!(
            err.contains("company_name") && err.contains("custom:KEY"),
            "{err}"
        );
        assert!("custom:".parse::<Target>().is_err());
    }

    #[test]
    fn headers_in_both_languages_name_the_same_target() {
        for (header, target) in [
            ("公司名称", Target::CompanyName),
            ("Company Name", Target::CompanyName),
            ("联系人", Target::ContactName),
            ("职位", Target::Title),
            ("Job Title", Target::Title),
            ("手机号码", Target::Mobile),
            ("电话", Target::Phone),
            ("E-mail", Target::Email),
            ("微信号", Target::Wechat),
            ("省份", Target::Province),
            ("城市", Target::City),
            ("区县", Target::District),
            ("行业", Target::Industry),
            ("渠道", Target::Source),
            ("客户等级", Target::Level),
            ("负责人", Target::Owner),
            ("标签", Target::Tags),
            ("备注", Target::Notes),
            ("最后跟进时间", Target::LastFollowUp),
            ("【手机】", Target::Mobile),
            ("电话2", Target::Phone),
        ] {
            assert_eq!(Target::from_header(header), Some(target), "{header}");
        }
        assert_eq!(Target::from_header("序号"), None);
        assert_eq!(Target::from_header("2024"), None);
    }
}
