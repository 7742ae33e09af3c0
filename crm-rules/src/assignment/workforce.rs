//! The host's view of its users: who is available, how loaded, what they are called.

use std::collections::HashMap;

use crm_core::id::UserId;

use crate::quick_hash::QuickHash;

/// What assignment needs to know about users, supplied by the host.
pub trait Workforce {
    /// Whether `user` may receive work now: `false` for a user on leave, deactivated, or
    /// unknown to the host.
    fn is_available(&self, user: UserId) -> bool;

    /// How many open items (leads, customers, tickets — whatever the table assigns) `user`
    /// holds now. Compared with capacity caps, and what "least loaded" minimises.
    fn open_items(&self, user: UserId) -> u32;

    /// The most open items `user` may hold, if the host caps it; combined with the table's
    /// [`Capacity`](super::Capacity) by taking the smaller. `None` by default.
    fn max_open(&self, user: UserId) -> Option<u32> {
        let _ = user;
        None
    }

    /// The name to show for `user` in reasons (e.g. 王芳); reasons show the id without one.
    fn name(&self, user: UserId) -> Option<&str> {
        let _ = user;
        None
    }

    /// What assignment asks about `user`, at once: a host that finds each user in a map can
    /// answer with one lookup instead of three. By default, from the three methods.
    fn load(&self, user: UserId) -> Load {
        let available = self.is_available(user);
        Load {
            available,
            open_items: if available { self.open_items(user) } else { 0 },
            max_open: if available { self.max_open(user) } else { None },
        }
    }
}

/// What [`Workforce::load`] tells of one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Load {
    /// [`Workforce::is_available`].
    pub available: bool,
    /// [`Workforce::open_items`] (anything when unavailable).
    pub open_items: u32,
    /// [`Workforce::max_open`] (anything when unavailable).
    pub max_open: Option<u32>,
}

impl<W: Workforce + ?Sized> Workforce for &W {
    fn is_available(&self, user: UserId) -> bool {
        (**self).is_available(user)
    }
    fn open_items(&self, user: UserId) -> u32 {
        (**self).open_items(user)
    }
    fn max_open(&self, user: UserId) -> Option<u32> {
        (**self).max_open(user)
    }
    fn name(&self, user: UserId) -> Option<&str> {
        (**self).name(user)
    }
    fn load(&self, user: UserId) -> Load {
        (**self).load(user)
    }
}

/// One user as a [`Roster`] knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The name shown in reasons.
    pub name: Option<String>,
    /// Whether the user may receive work.
    pub available: bool,
    /// Open items held.
    pub open_items: u32,
    /// The user's own cap on open items.
    pub max_open: Option<u32>,
}

/// A [`Workforce`] held in memory: the users a host loaded, by id. Users it does not know
/// are unavailable.
///
/// Between the assignments of one batch, call [`Roster::assigned`] so loads and caps see
/// what the batch already handed out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    members: HashMap<UserId, Member, QuickHash>,
}

impl Roster {
    /// No users.
    pub fn new() -> Roster {
        Roster::default()
    }

    /// This roster with `user`, available, named `name`, holding no open items.
    pub fn with(mut self, user: UserId, name: impl Into<String>) -> Roster {
        self.members.insert(
            user,
            Member {
                name: Some(name.into()),
                available: true,
                open_items: 0,
                max_open: None,
            },
        );
        self
    }

    /// Add or replace `user`.
    pub fn insert(&mut self, user: UserId, member: Member) {
        self.members.insert(user, member);
    }

    /// `user` as known, if known.
    pub fn get(&self, user: UserId) -> Option<&Member> {
        self.members.get(&user)
    }

    /// `user` as known, to change, if known.
    pub fn get_mut(&mut self, user: UserId) -> Option<&mut Member> {
        self.members.get_mut(&user)
    }

    /// Mark `user` available or not (on leave, deactivated); ignored for an unknown user.
    pub fn set_available(&mut self, user: UserId, available: bool) {
        if let Some(m) = self.members.get_mut(&user) {
            m.available = available;
        }
    }

    /// Set the open items `user` holds; ignored for an unknown user.
    pub fn set_open_items(&mut self, user: UserId, open_items: u32) {
        if let Some(m) = self.members.get_mut(&user) {
            m.open_items = open_items;
        }
    }

    /// Set `user`'s own cap; ignored for an unknown user.
    pub fn set_max_open(&mut self, user: UserId, max_open: Option<u32>) {
        if let Some(m) = self.members.get_mut(&user) {
            m.max_open = max_open;
        }
    }

    /// Count one more open item for `user`, just assigned one.
    pub fn assigned(&mut self, user: UserId) {
        if let Some(m) = self.members.get_mut(&user) {
            m.open_items = m.open_items.saturating_add(1);
        }
    }
}

impl Workforce for Roster {
    fn is_available(&self, user: UserId) -> bool {
        self.members.get(&user).is_some_and(|m| m.available)
    }
    fn open_items(&self, user: UserId) -> u32 {
        self.members.get(&user).map_or(0, |m| m.open_items)
    }
    fn max_open(&self, user: UserId) -> Option<u32> {
        self.members.get(&user).and_then(|m| m.max_open)
    }
    fn name(&self, user: UserId) -> Option<&str> {
        self.members.get(&user).and_then(|m| m.name.as_deref())
    }
    fn load(&self, user: UserId) -> Load {
        self.members.get(&user).map_or(Load::default(), |m| Load {
            available: m.available,
            open_items: m.open_items,
            max_open: m.max_open,
        })
    }
}

/// Another [`Workforce`] plus the items handed out since it was read: for assigning a batch
/// against loads the host counted once.
///
/// ```
/// # use crm_core::id::UserId;
/// # use crm_rules::assignment::{Roster, Tally, Workforce};
/// let wang = UserId(uuid::Uuid::from_u128(1));
/// let roster = Roster::new().with(wang, "王芳");
/// let mut batch = Tally::new(&roster);
/// batch.assigned(wang);
/// assert_eq!(batch.open_items(wang), 1);
/// assert_eq!(roster.open_items(wang), 0);
/// ```
#[derive(Debug, Clone)]
pub struct Tally<W> {
    inner: W,
    added: HashMap<UserId, u32, QuickHash>,
}

impl<W: Workforce> Tally<W> {
    /// Nothing handed out yet.
    pub fn new(inner: W) -> Tally<W> {
        Tally {
            inner,
            added: HashMap::default(),
        }
    }

    /// Count one more open item for `user`.
    pub fn assigned(&mut self, user: UserId) {
        *self.added.entry(user).or_default() += 1;
    }

    /// The items handed out to `user` since the tally began.
    pub fn added(&self, user: UserId) -> u32 {
        self.added.get(&user).copied().unwrap_or(0)
    }
}

impl<W: Workforce> Workforce for Tally<W> {
    fn is_available(&self, user: UserId) -> bool {
        self.inner.is_available(user)
    }
    fn open_items(&self, user: UserId) -> u32 {
        self.inner.open_items(user).saturating_add(self.added(user))
    }
    fn max_open(&self, user: UserId) -> Option<u32> {
        self.inner.max_open(user)
    }
    fn name(&self, user: UserId) -> Option<&str> {
        self.inner.name(user)
    }
    fn load(&self, user: UserId) -> Load {
        let load = self.inner.load(user);
        Load {
            open_items: load.open_items.saturating_add(self.added(user)),
            ..load
        }
    }
}
