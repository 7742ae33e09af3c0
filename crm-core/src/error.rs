//! The one error type of `crm-core`, with a portable [`ErrorKind`].
//!
//! Errors say what and where: the field, the record, the offending value. Hosts that cross a
//! language boundary (the C ABI, a service) switch on [`Error::kind`], never on the message.

use std::fmt;

/// The portable classification of an [`Error`]; stable across versions and over the C ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The record does not exist (or the caller may not know that it does).
    NotFound,
    /// The record would duplicate an existing one.
    Duplicate,
    /// An input value or record failed validation.
    Validation,
    /// The caller lacks the permission for the action.
    PermissionDenied,
    /// A state transition that the state machine does not allow.
    InvalidTransition,
    /// Optimistic concurrency: the record changed since the caller read it.
    Conflict,
    /// The storage backend failed.
    Storage,
    /// A bug: an invariant of the engine did not hold.
    Internal,
}

impl ErrorKind {
    /// A stable snake_case name, used in JSON error details.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Duplicate => "duplicate",
            ErrorKind::Validation => "validation",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::InvalidTransition => "invalid_transition",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Storage => "storage",
            ErrorKind::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that did not parse into a value object ([`crate::value`]), before it is known which
/// field it came from. [`InvalidValue::in_field`] turns it into an [`Error::Validation`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {value:?}: {reason}")]
pub struct InvalidValue {
    /// What was being parsed: "phone", "email", "money", ...
    pub what: &'static str,
    /// The offending input, as given.
    pub value: String,
    /// Why it was refused, in words a user can act on.
    pub reason: String,
}

impl InvalidValue {
    /// A parse failure of `what` for `value`, because of `reason`.
    pub fn new(what: &'static str, value: impl Into<String>, reason: impl Into<String>) -> Self {
        InvalidValue {
            what,
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// Attach the field the value was given for.
    pub fn in_field(self, field: impl Into<String>) -> Error {
        Error::Validation {
            field: field.into(),
            value: self.value,
            reason: self.reason,
        }
    }
}

/// Without a known field, the value's kind stands in for it (`phone`, `email`); use
/// [`InvalidValue::in_field`] to name the field.
impl From<InvalidValue> for Error {
    fn from(invalid: InvalidValue) -> Error {
        let field = invalid.what;
        invalid.in_field(field)
    }
}

/// The error of every fallible operation in `crm-core` and of the storage traits.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A field's value is invalid.
    #[error("invalid value {value:?} for field `{field}`: {reason}")]
    Validation {
        /// The field, e.g. `mobile` or `custom.budget`.
        field: String,
        /// The offending value (as given).
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// No record of that kind and id is visible to the caller.
    #[error("{object} {id} not found")]
    NotFound {
        /// The object kind, e.g. `account`.
        object: &'static str,
        /// The record id.
        id: String,
    },
    /// The record changed since the caller read it.
    #[error("{object} {id} was changed concurrently: expected version {expected}, found {actual}")]
    Conflict {
        /// The object kind.
        object: &'static str,
        /// The record id.
        id: String,
        /// The version the caller based its change on.
        expected: u64,
        /// The version stored now.
        actual: u64,
    },
    /// The record would duplicate another.
    #[error("{object} {id} already exists: {reason}")]
    Duplicate {
        /// The object kind.
        object: &'static str,
        /// The id of the existing record.
        id: String,
        /// What makes it a duplicate.
        reason: String,
    },
    /// The caller may not perform the action.
    #[error("permission denied: {action} on {object}: {reason}")]
    PermissionDenied {
        /// The action, e.g. `update`.
        action: String,
        /// The object kind or record.
        object: String,
        /// Which rule refused it.
        reason: String,
    },
    /// A state machine refused a transition.
    #[error("{object} cannot go from {from} to {to}: {reason}")]
    InvalidTransition {
        /// The object kind.
        object: &'static str,
        /// The current state.
        from: String,
        /// The requested state.
        to: String,
        /// Why not.
        reason: String,
    },
    /// A deal cannot enter a pipeline stage: every requirement it misses, in the stage's
    /// order. Its [`kind`](Error::kind) is [`ErrorKind::InvalidTransition`].
    #[error("opportunity cannot enter stage {stage}: {}", list_requirements(unmet))]
    StageRequirements {
        /// The stage key.
        stage: String,
        /// The unmet requirements.
        unmet: Vec<crate::model::StageRequirement>,
    },
    /// The storage backend failed.
    #[error("storage error in {context}: {message}")]
    Storage {
        /// What was being done, e.g. `open sqlite://crm.db` or `insert account`.
        context: String,
        /// The backend's message.
        message: String,
    },
    /// An invariant of the engine did not hold.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The portable classification of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Validation { .. } => ErrorKind::Validation,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Conflict { .. } => ErrorKind::Conflict,
            Error::Duplicate { .. } => ErrorKind::Duplicate,
            Error::PermissionDenied { .. } => ErrorKind::PermissionDenied,
            Error::InvalidTransition { .. } | Error::StageRequirements { .. } => {
                ErrorKind::InvalidTransition
            }
            Error::Storage { .. } => ErrorKind::Storage,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }

    /// A validation error for `field` holding `value`.
    pub fn validation(
        field: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Validation {
            field: field.into(),
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// A storage error while doing `context`.
    pub fn storage(context: impl Into<String>, message: impl fmt::Display) -> Self {
        Error::Storage {
            context: context.into(),
            message: message.to_string(),
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn list_requirements(unmet: &[crate::model::StageRequirement]) -> String {
    unmet
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_static() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<Error>();
    }

    #[test]
    fn invalid_value_names_field_and_value() {
        let err = InvalidValue::new("email", "a@", "missing domain").in_field("email");
        assert_eq!(err.kind(), ErrorKind::Validation);
        let text = err.to_string();
        assert!(
            text.contains("`email`") && text.contains("\"a@\""),
            "{text}"
        );
    }
}
