//! How domain records meet storage.
//!
//! A domain type (`Account`, `Contact`, ...) implements [`Entity`]; a stored one is a
//! [`Record<T>`]: the entity's data plus its id and [`Meta`] (tenant, owner, timestamps, version).
//!
//! Stores never see domain types. They see a [`Row`]: the meta columns, the entity serialised
//! to a JSON body (the source of truth), and a few typed [`Column`]s extracted from that body
//! so they can be indexed, filtered and sorted. One generic adapter therefore serves every
//! object kind, and a new field needs no migration unless it must be queried.

use std::fmt;
use std::ops::{Deref, DerefMut};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::to_stored_precision;
use crate::error::{Error, Result};
use crate::fields::Fields;
use crate::id::{RecordId, TenantId, UserId};

/// The kinds of stored objects. Each has its own table in SQL stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ObjectKind {
    /// [`crate::model::Account`]
    Account,
    /// [`crate::model::Contact`]
    Contact,
    /// [`crate::model::Lead`]
    Lead,
    /// [`crate::model::Opportunity`]
    Opportunity,
    /// [`crate::model::Activity`]
    Activity,
    /// [`crate::model::User`]
    User,
    /// [`crate::model::Team`]
    Team,
    /// [`crate::model::Department`]
    Department,
    /// [`crate::model::Tag`]
    Tag,
    /// [`crate::fields::FieldSchema`]
    FieldSchema,
    /// [`crate::merge::MergeLog`]
    Merge,
    /// [`crate::model::Pipeline`]
    Pipeline,
    /// [`crate::model::StageChange`]
    StageChange,
    /// [`crate::access::Role`]
    Role,
    /// [`crate::access::RoleAssignment`]
    RoleAssignment,
    /// [`crate::access::Share`]
    Share,
    /// [`crate::access::TeamMember`]
    TeamMember,
    /// [`crate::access::ManagerClosure`]
    ManagerClosure,
    /// [`crate::access::DepartmentClosure`]
    DepartmentClosure,
    /// [`crate::access::Pool`]
    Pool,
    /// [`crate::access::PoolEntry`]
    PoolEntry,
    /// [`crate::access::PoolClaim`]
    PoolClaim,
    /// [`crate::access::Registration`]
    Registration,
    /// [`crate::automation::Timer`]
    Timer,
    /// [`crate::automation::Notification`]
    Notification,
    /// [`crate::automation::RuleState`]
    RuleState,
    /// [`crate::model::Ticket`]
    Ticket,
    /// [`crate::model::TicketEvent`]
    TicketEvent,
    /// [`crate::review::DuplicateGroup`]
    DuplicateGroup,
    /// [`crate::review::DistinctPair`]
    DistinctPair,
}

impl ObjectKind {
    /// Every kind, in a stable order.
    pub const ALL: [ObjectKind; 30] = [
        ObjectKind::Account,
        ObjectKind::Contact,
        ObjectKind::Lead,
        ObjectKind::Opportunity,
        ObjectKind::Activity,
        ObjectKind::User,
        ObjectKind::Team,
        ObjectKind::Department,
        ObjectKind::Tag,
        ObjectKind::FieldSchema,
        ObjectKind::Merge,
        ObjectKind::Pipeline,
        ObjectKind::StageChange,
        ObjectKind::Role,
        ObjectKind::RoleAssignment,
        ObjectKind::Share,
        ObjectKind::TeamMember,
        ObjectKind::ManagerClosure,
        ObjectKind::DepartmentClosure,
        ObjectKind::Pool,
        ObjectKind::PoolEntry,
        ObjectKind::PoolClaim,
        ObjectKind::Registration,
        ObjectKind::Timer,
        ObjectKind::Notification,
        ObjectKind::RuleState,
        ObjectKind::Ticket,
        ObjectKind::TicketEvent,
        ObjectKind::DuplicateGroup,
        ObjectKind::DistinctPair,
    ];

    /// The singular snake_case name: `account`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Account => "account",
            ObjectKind::Contact => "contact",
            ObjectKind::Lead => "lead",
            ObjectKind::Opportunity => "opportunity",
            ObjectKind::Activity => "activity",
            ObjectKind::User => "user",
            ObjectKind::Team => "team",
            ObjectKind::Department => "department",
            ObjectKind::Tag => "tag",
            ObjectKind::FieldSchema => "field_schema",
            ObjectKind::Merge => "merge",
            ObjectKind::Pipeline => "pipeline",
            ObjectKind::StageChange => "stage_change",
            ObjectKind::Role => "role",
            ObjectKind::RoleAssignment => "role_assignment",
            ObjectKind::Share => "share",
            ObjectKind::TeamMember => "team_member",
            ObjectKind::ManagerClosure => "manager_closure",
            ObjectKind::DepartmentClosure => "department_closure",
            ObjectKind::Pool => "pool",
            ObjectKind::PoolEntry => "pool_entry",
            ObjectKind::PoolClaim => "pool_claim",
            ObjectKind::Registration => "registration",
            ObjectKind::Timer => "timer",
            ObjectKind::Notification => "notification",
            ObjectKind::RuleState => "rule_state",
            ObjectKind::Ticket => "ticket",
            ObjectKind::TicketEvent => "ticket_event",
            ObjectKind::DuplicateGroup => "duplicate_group",
            ObjectKind::DistinctPair => "distinct_pair",
        }
    }

    /// The SQL table name: `accounts`.
    pub fn table(self) -> &'static str {
        match self {
            ObjectKind::Account => "accounts",
            ObjectKind::Contact => "contacts",
            ObjectKind::Lead => "leads",
            ObjectKind::Opportunity => "opportunities",
            ObjectKind::Activity => "activities",
            ObjectKind::User => "users",
            ObjectKind::Team => "teams",
            ObjectKind::Department => "departments",
            ObjectKind::Tag => "tags",
            ObjectKind::FieldSchema => "field_schemas",
            ObjectKind::Merge => "merges",
            ObjectKind::Pipeline => "pipelines",
            ObjectKind::StageChange => "stage_changes",
            ObjectKind::Role => "roles",
            ObjectKind::RoleAssignment => "role_assignments",
            ObjectKind::Share => "shares",
            ObjectKind::TeamMember => "team_members",
            ObjectKind::ManagerClosure => "manager_closure",
            ObjectKind::DepartmentClosure => "department_closure",
            ObjectKind::Pool => "pools",
            ObjectKind::PoolEntry => "pool_entries",
            ObjectKind::PoolClaim => "pool_claims",
            ObjectKind::Registration => "registrations",
            ObjectKind::Timer => "timers",
            ObjectKind::Notification => "notifications",
            ObjectKind::RuleState => "rule_states",
            ObjectKind::Ticket => "tickets",
            ObjectKind::TicketEvent => "ticket_events",
            ObjectKind::DuplicateGroup => "duplicate_groups",
            ObjectKind::DistinctPair => "distinct_pairs",
        }
    }

    /// Parse [`ObjectKind::as_str`] back.
    pub fn from_name(name: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The queryable columns of this kind, besides the [`MetaField`]s.
    pub fn columns(self) -> &'static [Column] {
        crate::model::columns_of(self)
    }

    /// Resolve a field name used in a [`crate::query::Predicate`] or sort.
    pub fn field(self, name: &str) -> Result<FieldRef> {
        if let Some(meta) = MetaField::from_name(name) {
            return Ok(FieldRef::Meta(meta));
        }
        self.columns()
            .iter()
            .position(|c| c.name == name)
            .map(FieldRef::Column)
            .ok_or_else(|| {
                let known: Vec<&str> = MetaField::ALL
                    .iter()
                    .map(|m| m.name())
                    .chain(self.columns().iter().map(|c| c.name))
                    .collect();
                Error::validation(
                    "query.field",
                    name,
                    format!(
                        "{} has no queryable field of that name; known: {}",
                        self.as_str(),
                        known.join(", ")
                    ),
                )
            })
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The storage type of a queryable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 text.
    Text,
    /// 64-bit integer.
    Integer,
    /// Exact decimal (money amounts).
    Decimal,
    /// true / false.
    Bool,
    /// An instant, stored as microseconds since the Unix epoch.
    Timestamp,
    /// A calendar date.
    Date,
    /// A UUID (a reference to another record).
    Uuid,
}

/// A queryable column: a typed value extracted from the entity's JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The name used in queries and as the SQL column name.
    pub name: &'static str,
    /// JSON pointer into the serialised entity, e.g. `/amount/amount`.
    pub pointer: &'static str,
    /// The storage type.
    pub ty: ColumnType,
    /// Whether SQL stores keep an index on `(tenant, name)`.
    pub indexed: bool,
}

impl Column {
    /// An unindexed column at pointer `/name`.
    pub const fn new(name: &'static str, ty: ColumnType) -> Column {
        Column {
            name,
            pointer: "",
            ty,
            indexed: false,
        }
    }

    /// This column, indexed.
    pub const fn indexed(mut self) -> Column {
        self.indexed = true;
        self
    }

    /// This column, read from `pointer` instead of `/name`.
    pub const fn at(mut self, pointer: &'static str) -> Column {
        self.pointer = pointer;
        self
    }

    fn extract(&self, body: &serde_json::Value) -> Result<Value> {
        let found = if self.pointer.is_empty() {
            body.get(self.name)
        } else {
            body.pointer(self.pointer)
        };
        let Some(json) = found.filter(|v| !v.is_null()) else {
            return Ok(Value::Null);
        };
        let bad = || {
            Error::Internal(format!(
                "column {} declared {:?} but the entity serialised {json}",
                self.name, self.ty
            ))
        };
        Ok(match self.ty {
            ColumnType::Text => Value::Text(json.as_str().ok_or_else(bad)?.to_owned()),
            ColumnType::Integer => Value::Int(json.as_i64().ok_or_else(bad)?),
            ColumnType::Bool => Value::Bool(json.as_bool().ok_or_else(bad)?),
            ColumnType::Decimal => match json {
                serde_json::Value::String(s) => Value::Decimal(s.parse().map_err(|_| bad())?),
                serde_json::Value::Number(n) => {
                    Value::Decimal(n.to_string().parse().map_err(|_| bad())?)
                }
                _ => return Err(bad()),
            },
            ColumnType::Timestamp => {
                let text = json.as_str().ok_or_else(bad)?;
                let at = DateTime::parse_from_rfc3339(text).map_err(|_| bad())?;
                Value::Time(at.with_timezone(&Utc))
            }
            ColumnType::Date => {
                Value::Date(json.as_str().ok_or_else(bad)?.parse().map_err(|_| bad())?)
            }
            ColumnType::Uuid => {
                Value::Uuid(json.as_str().ok_or_else(bad)?.parse().map_err(|_| bad())?)
            }
        })
    }
}

/// The bookkeeping fields every record carries, stored as real columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetaField {
    /// The record id.
    Id,
    /// The owning user, if any (a customer in the public pool has none).
    Owner,
    /// When the record was created.
    CreatedAt,
    /// When the record last changed.
    UpdatedAt,
    /// The optimistic-concurrency version, 1 on creation.
    Version,
    /// When the record was soft-deleted.
    DeletedAt,
}

impl MetaField {
    /// Every meta field.
    pub const ALL: [MetaField; 6] = [
        MetaField::Id,
        MetaField::Owner,
        MetaField::CreatedAt,
        MetaField::UpdatedAt,
        MetaField::Version,
        MetaField::DeletedAt,
    ];

    /// The field name in queries and SQL.
    pub fn name(self) -> &'static str {
        match self {
            MetaField::Id => "id",
            MetaField::Owner => "owner",
            MetaField::CreatedAt => "created_at",
            MetaField::UpdatedAt => "updated_at",
            MetaField::Version => "version",
            MetaField::DeletedAt => "deleted_at",
        }
    }

    /// The storage type.
    pub fn ty(self) -> ColumnType {
        match self {
            MetaField::Id | MetaField::Owner => ColumnType::Uuid,
            MetaField::CreatedAt | MetaField::UpdatedAt | MetaField::DeletedAt => {
                ColumnType::Timestamp
            }
            MetaField::Version => ColumnType::Integer,
        }
    }

    fn from_name(name: &str) -> Option<MetaField> {
        MetaField::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// A field of an object kind, resolved by [`ObjectKind::field`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldRef {
    /// A meta field.
    Meta(MetaField),
    /// The column at this index of [`ObjectKind::columns`].
    Column(usize),
}

impl FieldRef {
    /// The storage type of the field.
    pub fn ty(self, kind: ObjectKind) -> ColumnType {
        match self {
            FieldRef::Meta(m) => m.ty(),
            FieldRef::Column(i) => kind.columns()[i].ty,
        }
    }

    /// The field's name.
    pub fn name(self, kind: ObjectKind) -> &'static str {
        match self {
            FieldRef::Meta(m) => m.name(),
            FieldRef::Column(i) => kind.columns()[i].name,
        }
    }
}

/// A typed scalar: a column value in a [`Row`] or an operand in a query.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    /// Absent.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// An exact decimal.
    Decimal(Decimal),
    /// Text.
    Text(String),
    /// An instant.
    Time(DateTime<Utc>),
    /// A date.
    Date(NaiveDate),
    /// A UUID.
    Uuid(Uuid),
}

impl Value {
    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Convert this operand to the storage type `ty`, if it is of that type (integers widen to
    /// decimals). `None` when the types do not fit.
    pub fn coerce_to(&self, ty: ColumnType) -> Option<Value> {
        match (self, ty) {
            (Value::Null, _) => Some(Value::Null),
            (Value::Bool(_), ColumnType::Bool)
            | (Value::Int(_), ColumnType::Integer)
            | (Value::Decimal(_), ColumnType::Decimal)
            | (Value::Text(_), ColumnType::Text)
            | (Value::Date(_), ColumnType::Date)
            | (Value::Uuid(_), ColumnType::Uuid) => Some(self.clone()),
            (Value::Int(i), ColumnType::Decimal) => Some(Value::Decimal(Decimal::from(*i))),
            (Value::Time(t), ColumnType::Timestamp) => Some(Value::Time(to_stored_precision(*t))),
            _ => None,
        }
    }

    /// Order two values of the same type; `None` for values of different types or nulls.
    pub fn compare(&self, other: &Value) -> Option<std::cmp::Ordering> {
        use Value::*;
        match (self, other) {
            (Bool(a), Bool(b)) => Some(a.cmp(b)),
            (Int(a), Int(b)) => Some(a.cmp(b)),
            (Decimal(a), Decimal(b)) => Some(a.cmp(b)),
            (Text(a), Text(b)) => Some(a.cmp(b)),
            (Time(a), Time(b)) => Some(a.cmp(b)),
            (Date(a), Date(b)) => Some(a.cmp(b)),
            (Uuid(a), Uuid(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::Text(t) => write!(f, "{t:?}"),
            Value::Time(t) => write!(f, "{}", t.to_rfc3339()),
            Value::Date(d) => write!(f, "{d}"),
            Value::Uuid(u) => write!(f, "{u}"),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => |$v:ident| $e:expr;)*) => {$(
        impl From<$t> for Value {
            fn from($v: $t) -> Value { $e }
        }
    )*};
}

value_from! {
    bool => |v| Value::Bool(v);
    i64 => |v| Value::Int(v);
    Decimal => |v| Value::Decimal(v);
    String => |v| Value::Text(v);
    &str => |v| Value::Text(v.to_owned());
    DateTime<Utc> => |v| Value::Time(v);
    NaiveDate => |v| Value::Date(v);
    Uuid => |v| Value::Uuid(v);
}

impl<I: RecordId> From<I> for Value {
    fn from(id: I) -> Value {
        Value::Uuid(id.uuid())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Bookkeeping carried by every record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// The tenant the record belongs to; never changes.
    pub tenant: TenantId,
    /// The responsible user; `None` for records in a public pool.
    pub owner: Option<UserId>,
    /// Creation instant (microsecond precision).
    pub created_at: DateTime<Utc>,
    /// Last change instant (microsecond precision).
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version: 1 on creation, +1 on every stored change.
    pub version: u64,
    /// Set when soft-deleted.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A domain type that can be stored: `Account`, `Contact`, ...
pub trait Entity:
    Serialize + DeserializeOwned + Clone + fmt::Debug + PartialEq + Send + Sync + 'static
{
    /// The id newtype of this kind.
    type Id: RecordId;
    /// The object kind.
    const KIND: ObjectKind;

    /// The custom fields, for kinds that have them, validated against the tenant's schema.
    fn custom_fields(&self) -> Option<&Fields> {
        None
    }

    /// Invariants across fields that value objects cannot express alone. Called before
    /// every store.
    fn check(&self) -> Result<()> {
        Ok(())
    }

    /// The other records this one points to; each must exist (and not be deleted) in the
    /// same tenant when the record is stored.
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }

    /// For kinds that form a tree (department → parent, user → manager, account → group):
    /// the parent, which must not lead back to the record itself.
    fn tree_parent(&self) -> Option<Uuid> {
        None
    }

    /// The fields duplicate detection compares for this kind, with their kinds; empty for
    /// kinds that are not checked for duplicates.
    fn duplicate_fields() -> &'static [(&'static str, crate::dedup::FieldKind)] {
        &[]
    }

    /// This record's values of [`Entity::duplicate_fields`], in that order.
    fn duplicate_cells(&self) -> Vec<Option<String>> {
        Vec::new()
    }
}

/// A link from one record to another, checked when the record is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// The field holding the link, e.g. `account_id`.
    pub field: &'static str,
    /// The kind of the target.
    pub kind: ObjectKind,
    /// The target's id.
    pub id: Uuid,
}

impl Reference {
    /// A link in `field` to `id`.
    pub fn to<I: RecordId>(field: &'static str, kind: ObjectKind, id: I) -> Reference {
        Reference {
            field,
            kind,
            id: id.uuid(),
        }
    }

    /// Links in `field` to each of `ids`.
    pub fn all<I: RecordId>(
        field: &'static str,
        kind: ObjectKind,
        ids: impl IntoIterator<Item = I>,
    ) -> Vec<Reference> {
        ids.into_iter()
            .map(|id| Reference::to(field, kind, id))
            .collect()
    }
}

/// A stored entity: its id, its [`Meta`] and its data.
///
/// Dereferences to the data, so `account.name` reads the entity's field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Record<T: Entity> {
    /// The id.
    pub id: T::Id,
    /// Tenant, owner, timestamps and version.
    pub meta: Meta,
    /// The entity's own fields.
    pub data: T,
}

impl<T: Entity> Deref for Record<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: Entity> DerefMut for Record<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

impl<T: Entity> Record<T> {
    /// A new record at version 1, created (and last updated) at `now`.
    pub fn new(
        id: T::Id,
        tenant: TenantId,
        owner: Option<UserId>,
        now: DateTime<Utc>,
        data: T,
    ) -> Self {
        let now = to_stored_precision(now);
        Record {
            id,
            meta: Meta {
                tenant,
                owner,
                created_at: now,
                updated_at: now,
                version: 1,
                deleted_at: None,
            },
            data,
        }
    }

    /// Whether the record is soft-deleted.
    pub fn is_deleted(&self) -> bool {
        self.meta.deleted_at.is_some()
    }

    /// The storage form of this record.
    pub fn to_row(&self) -> Result<Row> {
        let body = serde_json::to_value(&self.data).map_err(|e| {
            Error::Internal(format!("{} {} does not serialise: {e}", T::KIND, self.id))
        })?;
        Ok(Row {
            kind: T::KIND,
            id: self.id.uuid(),
            meta: self.meta.clone(),
            columns: extract_columns(T::KIND, &body)?,
            body: body.to_string(),
        })
    }

    /// Read a record back from its storage form.
    pub fn from_row(row: &Row) -> Result<Self> {
        if row.kind != T::KIND {
            return Err(Error::Internal(format!(
                "row of {} read as {}",
                row.kind,
                T::KIND
            )));
        }
        let data = serde_json::from_str(&row.body).map_err(|e| {
            Error::storage(
                format!("read {} {}", T::KIND, row.id),
                format!("stored body does not match the {} model: {e}", T::KIND),
            )
        })?;
        Ok(Record {
            id: T::Id::from_uuid(row.id),
            meta: row.meta.clone(),
            data,
        })
    }
}

/// The storage form of a record, as adapters read and write it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The object kind (the table).
    pub kind: ObjectKind,
    /// The record id.
    pub id: Uuid,
    /// Tenant, owner, timestamps, version.
    pub meta: Meta,
    /// Values of [`ObjectKind::columns`], in that order.
    pub columns: Vec<Value>,
    /// The entity serialised as JSON: the source of truth.
    pub body: String,
}

/// The values of `kind`'s queryable columns in a serialised entity, in column order.
pub fn extract_columns(kind: ObjectKind, body: &serde_json::Value) -> Result<Vec<Value>> {
    kind.columns().iter().map(|c| c.extract(body)).collect()
}

impl Row {
    /// Rebuild a row from what a store keeps: meta and the JSON body (columns are
    /// re-extracted from the body, so they are exact whatever the store's column types).
    pub fn from_stored(kind: ObjectKind, id: Uuid, meta: Meta, body: String) -> Result<Row> {
        let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| {
            Error::storage(
                format!("read {kind} {id}"),
                format!("stored body is not JSON: {e}"),
            )
        })?;
        Ok(Row {
            kind,
            id,
            meta,
            columns: extract_columns(kind, &json)?,
            body,
        })
    }

    /// The value of a resolved field.
    pub fn value(&self, field: FieldRef) -> Value {
        match field {
            FieldRef::Column(i) => self.columns[i].clone(),
            FieldRef::Meta(m) => match m {
                MetaField::Id => Value::Uuid(self.id),
                MetaField::Owner => self.meta.owner.into(),
                MetaField::CreatedAt => Value::Time(self.meta.created_at),
                MetaField::UpdatedAt => Value::Time(self.meta.updated_at),
                MetaField::Version => Value::Int(self.meta.version as i64),
                MetaField::DeletedAt => self.meta.deleted_at.into(),
            },
        }
    }
}
