//! Per-batch interning. Each parallel worker interns what it reads into its own tables (no locks); the store
//! merges tables once per *distinct* value, which is where the expensive derivations (vault from resource id,
//! principal from claims, object from URI) happen.
//!
//! Distinct texts are copied into one compact arena per table. Comparing a new value against a key that still
//! lived in the input would touch memory hundreds of megabytes away — a cache miss on nearly every lookup of a
//! large load; the arena of a table's distinct values stays in cache.

use std::hash::{BuildHasher, Hash};

use hashbrown::{DefaultHashBuilder, HashTable};

/// Texts → dense ids starting at 1; 0 means "absent".
#[derive(Default)]
pub struct TextInterner {
    arena: String,
    /// Start and end of each text in the arena, by id − 1.
    spans: Vec<(usize, usize)>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
    /// The id returned last: consecutive records often repeat a value (the same vault, caller or token), and
    /// comparing with it — still in cache — skips hashing and probing.
    last: u32,
}

impl TextInterner {
    pub fn new() -> TextInterner {
        TextInterner::default()
    }

    fn text(arena: &str, span: (usize, usize)) -> &str {
        &arena[span.0..span.1]
    }

    /// The whole key is hashed: hashing a sample of long keys is faster on friendly data, but structured values
    /// (identity objects, URIs) share long prefixes and suffixes, and a hostile log could make every key collide.
    fn hash_of(hasher: &DefaultHashBuilder, key: &str) -> u64 {
        hasher.hash_one(key.as_bytes())
    }

    pub fn intern(&mut self, key: &str) -> u32 {
        if self.last != 0 && Self::text(&self.arena, self.spans[self.last as usize - 1]) == key {
            return self.last;
        }
        let id = self.lookup(key);
        self.last = id;
        id
    }

    fn lookup(&mut self, key: &str) -> u32 {
        let hash = Self::hash_of(&self.hasher, key);
        let (arena, spans) = (&self.arena, &self.spans);
        if let Some(&id) = self.table.find(hash, |&id| Self::text(arena, spans[id as usize - 1]) == key) {
            return id;
        }
        let start = self.arena.len();
        self.arena.push_str(key);
        self.spans.push((start, self.arena.len()));
        let id = self.spans.len() as u32;
        let (arena, spans, hasher) = (&self.arena, &self.spans, &self.hasher);
        self.table.insert_unique(hash, id, |&id| Self::hash_of(hasher, Self::text(arena, spans[id as usize - 1])));
        id
    }

    pub fn intern_opt(&mut self, key: Option<&str>) -> u32 {
        key.map_or(0, |k| self.intern(k))
    }

    /// The text of id `id` (`""` for 0).
    pub fn get(&self, id: u32) -> &str {
        if id == 0 { "" } else { Self::text(&self.arena, self.spans[id as usize - 1]) }
    }

    /// The texts in id order (id 1 first).
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.spans.iter().map(|&s| Self::text(&self.arena, s))
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// Small fixed-size keys (tuples of text ids) → dense ids starting at 1.
pub struct TupleInterner<K> {
    keys: Vec<K>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl<K> Default for TupleInterner<K> {
    fn default() -> Self {
        TupleInterner { keys: Vec::new(), table: HashTable::new(), hasher: DefaultHashBuilder::default() }
    }
}

impl<K: Hash + Eq + Copy> TupleInterner<K> {
    pub fn intern(&mut self, key: K) -> u32 {
        let hash = self.hasher.hash_one(key);
        let keys = &self.keys;
        if let Some(&id) = self.table.find(hash, |&id| keys[id as usize - 1] == key) {
            return id;
        }
        self.keys.push(key);
        let id = self.keys.len() as u32;
        let (keys, hasher) = (&self.keys, &self.hasher);
        self.table.insert_unique(hash, id, |&id| hasher.hash_one(keys[id as usize - 1]));
        id
    }

    /// The keys; the key of id `i` is at `i - 1`.
    pub fn keys(&self) -> &[K] {
        &self.keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_ids_from_one() {
        let mut i = TextInterner::new();
        assert_eq!(i.intern("a"), 1);
        assert_eq!(i.intern("bé"), 2);
        assert_eq!(i.intern("a"), 1);
        assert_eq!(i.intern_opt(None), 0);
        assert_eq!(i.iter().collect::<Vec<_>>(), ["a", "bé"]);
        assert_eq!((i.get(2), i.get(0)), ("bé", ""));
        let mut t = TupleInterner::default();
        assert_eq!((t.intern((1u32, 2u32)), t.intern((2, 1)), t.intern((1, 2))), (1, 2, 1));
    }
}
