//! The store's dictionaries: one per dimension, mapping a canonical key to a dense id and the value it stands
//! for. Id 0 is reserved for "absent" in every dictionary, so a column never needs an `Option`.

use hashbrown::HashMap;

#[derive(Clone)]
pub struct Dict<V> {
    ids: HashMap<Box<str>, u32>,
    values: Vec<V>,
}

impl<V> Dict<V> {
    /// A dictionary whose id 0 holds `absent`.
    pub fn new(absent: V) -> Dict<V> {
        Dict { ids: HashMap::new(), values: vec![absent] }
    }

    /// The id of `key`, creating it with `make` if new; `merge` updates an existing value with a new sighting.
    pub fn upsert(&mut self, key: &str, make: impl FnOnce() -> V, merge: impl FnOnce(&mut V)) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            merge(&mut self.values[id as usize]);
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(make());
        self.ids.insert(key.into(), id);
        id
    }

    pub fn intern(&mut self, key: &str, make: impl FnOnce() -> V) -> u32 {
        self.upsert(key, make, |_| {})
    }

    pub fn update(&mut self, id: u32, change: impl FnOnce(&mut V)) {
        if let Some(v) = self.values.get_mut(id as usize) {
            change(v);
        }
    }

    pub fn find(&self, key: &str) -> Option<u32> {
        self.ids.get(key).copied()
    }

    pub fn get(&self, id: u32) -> &V {
        &self.values[id as usize]
    }

    /// Number of ids, including the reserved 0.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.len() <= 1
    }

    pub fn values(&self) -> &[V] {
        &self.values
    }
}

/// A dictionary of plain text values (user agents, URIs, …): the key is the text.
pub type TextDict = Dict<Box<str>>;

impl TextDict {
    pub fn text(absent: &str) -> TextDict {
        Dict::new(absent.into())
    }

    pub fn intern_text(&mut self, text: &str) -> u32 {
        self.intern(text, || text.into())
    }
}
