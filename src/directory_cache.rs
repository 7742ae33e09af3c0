//! One [`Directory`] per tenant, built from the stored records on first use and forgotten
//! when a unit of work that wrote users, departments, teams, roles, role assignments or
//! shares commits.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crm_core::access::{Directory, Role, RoleAssignment, Share};
use crm_core::id::TenantId;
use crm_core::model::{Department, Team, User};
use crm_core::query::Query;
use crm_core::store::ReadStore;

use crate::Result;

/// The cached directories and a generation that every invalidation moves, so a directory
/// built from rows read before a commit is never cached after it.
#[derive(Debug, Default)]
pub(crate) struct DirectoryCache {
    inner: RwLock<Cached>,
}

#[derive(Debug, Default)]
struct Cached {
    generation: u64,
    by_tenant: HashMap<TenantId, Arc<Directory>>,
}

impl DirectoryCache {
    /// The directory of `tenant`, built from `reader` when not cached.
    pub(crate) async fn get(
        &self,
        reader: &dyn ReadStore,
        tenant: TenantId,
    ) -> Result<Arc<Directory>> {
        let generation = {
            let cached = self.inner.read().unwrap_or_else(|e| e.into_inner());
            if let Some(found) = cached.by_tenant.get(&tenant) {
                return Ok(found.clone());
            }
            cached.generation
        };
        let built = Arc::new(build(reader, tenant).await?);
        let mut cached = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if cached.generation == generation {
            cached.by_tenant.insert(tenant, built.clone());
        }
        Ok(built)
    }

    /// The directory of `tenant`, if cached.
    pub(crate) fn cached(&self, tenant: TenantId) -> Option<Arc<Directory>> {
        let cached = self.inner.read().unwrap_or_else(|e| e.into_inner());
        cached.by_tenant.get(&tenant).cloned()
    }

    /// Forget the directory of `tenant`.
    pub(crate) fn invalidate(&self, tenant: TenantId) {
        let mut cached = self.inner.write().unwrap_or_else(|e| e.into_inner());
        cached.generation += 1;
        cached.by_tenant.remove(&tenant);
    }
}

/// The directory of `tenant` from the live records `reader` sees.
pub(crate) async fn build(reader: &dyn ReadStore, tenant: TenantId) -> Result<Directory> {
    let all = Query::default().unpaged();
    let users = reader.list::<User>(tenant, &all).await?;
    let departments = reader.list::<Department>(tenant, &all).await?;
    let teams = reader.list::<Team>(tenant, &all).await?;
    let roles = reader.list::<Role>(tenant, &all).await?;
    let assignments = reader.list::<RoleAssignment>(tenant, &all).await?;
    let shares = reader.list::<Share>(tenant, &all).await?;
    Directory::builder(tenant)
        .users(&users)
        .departments(&departments)
        .teams(&teams)
        .roles(&roles)
        .assignments(&assignments)
        .shares(&shares)
        .build()
}
