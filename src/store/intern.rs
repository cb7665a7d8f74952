//! Per-batch interning of borrowed text. Each parallel worker interns what it reads into its own table (no
//! locks); the store merges tables once per *distinct* value, which is where the expensive derivations (vault
//! from resource id, principal from claims, object from URI) happen.

use std::hash::{BuildHasher, Hash};

use hashbrown::{DefaultHashBuilder, HashTable};

/// Values → dense ids starting at 1; 0 means "absent".
pub struct Interner<K> {
    table: HashTable<u32>,
    keys: Vec<K>,
    hasher: DefaultHashBuilder,
}

impl<K: Hash + Eq> Interner<K> {
    pub fn new() -> Interner<K> {
        Interner { table: HashTable::new(), keys: Vec::new(), hasher: DefaultHashBuilder::default() }
    }

    pub fn intern(&mut self, key: K) -> u32 {
        let hash = self.hasher.hash_one(&key);
        let keys = &mut self.keys;
        if let Some(&id) = self.table.find(hash, |&id| keys[id as usize - 1] == key) {
            return id;
        }
        keys.push(key);
        let id = keys.len() as u32;
        let hasher = &self.hasher;
        self.table.insert_unique(hash, id, |&id| hasher.hash_one(&keys[id as usize - 1]));
        id
    }

    pub fn intern_opt(&mut self, key: Option<K>) -> u32 {
        key.map_or(0, |k| self.intern(k))
    }

    /// The interned values; the value of id `i` is at `i - 1`.
    pub fn keys(&self) -> &[K] {
        &self.keys
    }
}

impl<K: Hash + Eq> Default for Interner<K> {
    fn default() -> Self {
        Interner::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_ids_from_one() {
        let mut i = Interner::new();
        assert_eq!(i.intern("a"), 1);
        assert_eq!(i.intern("b"), 2);
        assert_eq!(i.intern("a"), 1);
        assert_eq!(i.intern_opt(None), 0);
        assert_eq!(i.keys(), &["a", "b"]);
    }
}
