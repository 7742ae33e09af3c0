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
