//! Value objects: each parses its input into a normalised value or refuses it with an
//! [`InvalidValue`](crate::error::InvalidValue) saying why. Normalisation lives here so that
//! import, dedup and the stores share one definition of "the same phone".

pub mod company_name;
pub mod email;
pub mod money;
mod name_text;
pub mod person_name;
pub mod phone;
pub mod region;

pub use company_name::CompanyName;
pub use email::Email;
pub use money::{Currency, Money};
pub use person_name::PersonName;
pub use phone::{Phone, PhoneKind};
pub use region::{Region, RegionLevel};

/// Whether `c` is a Han character: the CJK unified ideographs and all their extensions, the
/// compatibility ideographs and their supplement, and `〇` (the Han zero, written in addresses
/// and company names such as 「二〇〇八」).
pub fn is_han(c: char) -> bool {
    matches!(
        c,
        '\u{3007}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{2FA1F}'
            | '\u{30000}'..='\u{323AF}'
    )
}
