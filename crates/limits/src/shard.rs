//! A sharded hash table: `N` independent `RwLock`ed tables selected by the key's hash.
//!
//! Lookups take one shard's read lock (an uncontended atomic in the common case) and are done in
//! place through a closure, so values never need reference counting and lookups with borrowed keys
//! allocate nothing. Inserts take one shard's write lock. There is no global lock.

use std::hash::{BuildHasher, Hash};
use std::sync::{PoisonError, RwLock};

use hashbrown::hash_table::Entry;
use hashbrown::{DefaultHashBuilder, Equivalent, HashTable};

/// One shard, padded so that neighbouring locks do not share a cache line.
#[repr(align(128))]
struct Shard<K, V> {
    table: RwLock<ShardTable<K, V>>,
}

struct ShardTable<K, V> {
    entries: HashTable<(K, V)>,
    /// Length at which the next insert sweeps the shard for evictable entries.
    sweep_at: usize,
}

/// String equality that never calls `memcmp` on empty strings.
///
/// An empty `Box<str>` has a dangling (non-null, unmapped) pointer; glibc's AVX-512 `memcmp`
/// reads it with a zero-mask load whose fault suppression costs a microcode assist of hundreds of
/// nanoseconds. Comparing lengths first avoids the call entirely.
#[inline]
pub(crate) fn str_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a.is_empty() || a.as_bytes() == b.as_bytes())
}

/// Minimum shard size before inserts start sweeping.
const MIN_SWEEP: usize = 64;

pub(crate) struct ShardedMap<K, V> {
    shards: Box<[Shard<K, V>]>,
    hasher: DefaultHashBuilder,
    mask: usize,
}

impl<K: Hash, V> ShardedMap<K, V> {
    /// A map with `shards` shards (rounded up to a power of two, at least 1).
    pub(crate) fn new(shards: usize) -> Self {
        let n = shards.max(1).next_power_of_two();
        ShardedMap {
            shards: (0..n)
                .map(|_| Shard {
                    table: RwLock::new(ShardTable {
                        entries: HashTable::new(),
                        sweep_at: MIN_SWEEP,
                    }),
                })
                .collect(),
            hasher: DefaultHashBuilder::default(),
            mask: n - 1,
        }
    }

    fn shard(&self, hash: u64) -> &Shard<K, V> {
        // The low bits pick the bucket inside the table; use the high bits for the shard.
        let index = (hash >> 48) as usize & self.mask;
        &self.shards[index]
    }

    /// Runs `f` on the value for `key` under the shard's read lock, or returns `None`.
    pub(crate) fn with<Q, R>(&self, key: &Q, f: impl FnOnce(&V) -> R) -> Option<R>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        let guard = self
            .shard(hash)
            .table
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        guard
            .entries
            .find(hash, |(k, _)| key.equivalent(k))
            .map(|(_, v)| f(v))
    }

    /// Runs `f` on the value for `key`, inserting `make()` first if absent.
    ///
    /// When the insert makes the shard reach its sweep threshold, entries for which `evictable`
    /// returns true are removed first (amortised, bounded memory).
    pub(crate) fn with_or_insert<Q, R>(
        &self,
        key: &Q,
        make: impl FnOnce() -> (K, V),
        evictable: impl FnMut(&V) -> bool,
        f: impl FnOnce(&V) -> R,
    ) -> R
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        let shard = self.shard(hash);
        {
            let guard = shard.table.read().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, v)) = guard.entries.find(hash, |(k, _)| key.equivalent(k)) {
                return f(v);
            }
        }
        let mut guard = shard.table.write().unwrap_or_else(PoisonError::into_inner);
        let table = &mut *guard;
        if table.entries.len() >= table.sweep_at {
            let mut evictable = evictable;
            table.entries.retain(|(_, v)| !evictable(v));
            table.sweep_at = (table.entries.len() * 2).max(MIN_SWEEP);
        }
        let hasher = &self.hasher;
        let entry = match table.entries.entry(
            hash,
            |(k, _)| key.equivalent(k),
            |(k, _)| hasher.hash_one(k),
        ) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(make()).into_mut(),
        };
        f(&entry.1)
    }

    /// Removes every entry for which `remove` returns true; returns how many were removed.
    pub(crate) fn retain_not(&self, mut remove: impl FnMut(&K, &V) -> bool) -> usize {
        let mut removed = 0;
        for shard in self.shards.iter() {
            let mut guard = shard.table.write().unwrap_or_else(PoisonError::into_inner);
            let before = guard.entries.len();
            guard.entries.retain(|(k, v)| !remove(k, v));
            removed += before - guard.entries.len();
        }
        removed
    }

    /// Takes all entries out of the map, shard by shard (each shard atomically).
    pub(crate) fn take_all(&self) -> Vec<(K, V)> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            let mut guard = shard.table.write().unwrap_or_else(PoisonError::into_inner);
            out.extend(std::mem::take(&mut guard.entries));
            guard.sweep_at = MIN_SWEEP;
        }
        out
    }

    /// Number of entries (sum over shards, not a consistent snapshot).
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.table
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entries
                    .len()
            })
            .sum()
    }
}
