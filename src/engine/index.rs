//! Subjects with wildcards indexed by their literal prefix (the tokens before the first `*` or `>`), so the
//! patterns that can match a subject are found by looking at its token prefixes, not by walking every pattern.
//! The server routes messages to subscriptions with it, and the engine finds the stream that captures a
//! publish with it.

use std::collections::{BTreeSet, HashMap};

use super::kv::sourcing::subjects_collide;
use super::kv::subject_matches;

/// Patterns and what each stands for, by literal prefix.
#[derive(Clone, Debug)]
pub struct PrefixIndex<T> {
    by_prefix: HashMap<String, Vec<(String, T)>>,
    /// The same prefixes in order, so the prefixes that extend one are found as a range.
    ordered: BTreeSet<String>,
}

impl<T> Default for PrefixIndex<T> {
    fn default() -> Self {
        PrefixIndex { by_prefix: HashMap::new(), ordered: BTreeSet::new() }
    }
}

fn literal_prefix(pattern: &str) -> &str {
    let mut end = 0;
    for (i, t) in pattern.split('.').enumerate() {
        if t == "*" || t == ">" {
            break;
        }
        end = if i == 0 { t.len() } else { end + 1 + t.len() };
    }
    &pattern[..end]
}

impl<T: PartialEq> PrefixIndex<T> {
    pub fn insert(&mut self, pattern: &str, value: T) {
        let p = literal_prefix(pattern);
        if !self.by_prefix.contains_key(p) {
            self.ordered.insert(p.to_string());
        }
        self.by_prefix.entry(p.to_string()).or_default().push((pattern.to_string(), value));
    }

    pub fn remove(&mut self, pattern: &str, value: &T) {
        let p = literal_prefix(pattern);
        if let Some(v) = self.by_prefix.get_mut(p) {
            v.retain(|(pat, t)| !(pat == pattern && t == value));
            if v.is_empty() {
                self.by_prefix.remove(p);
                self.ordered.remove(p);
            }
        }
    }

    /// A value whose pattern collides with `pattern` (some subject matches both), if any, with `skip` passed
    /// over. Only the prefixes that can collide are visited: those `pattern`'s literal prefix starts with, and
    /// those that start with it.
    pub fn first_colliding(&self, pattern: &str, skip: impl Fn(&T) -> bool) -> Option<&T> {
        let lit = literal_prefix(pattern);
        let hit = |p: &str| {
            let v = self.by_prefix.get(p)?;
            v.iter().find(|(pat, t)| !skip(t) && subjects_collide(pat, pattern)).map(|(_, t)| t)
        };
        let mut found = hit("");
        for (i, _) in lit.match_indices('.').filter(|(i, _)| *i > 0) {
            found = found.or_else(|| hit(&lit[..i]));
        }
        if !lit.is_empty() {
            found = found.or_else(|| hit(lit));
        }
        if found.is_some() {
            return found;
        }
        let longer = if lit.is_empty() { String::new() } else { format!("{lit}.") };
        self.ordered.range(longer.clone()..).take_while(|p| p.starts_with(&longer)).find_map(|p| hit(p))
    }

    /// Calls `f` for every pattern that matches `subject`, with what it stands for.
    pub fn each_match(&self, subject: &str, mut f: impl FnMut(&str, &T)) {
        let mut visit = |p: &str| {
            if let Some(v) = self.by_prefix.get(p) {
                for (pat, t) in v {
                    if subject_matches(pat, subject) {
                        f(pat, t);
                    }
                }
            }
        };
        // Each prefix once: a subject that starts with a dot would otherwise visit the empty prefix twice.
        visit("");
        for (i, _) in subject.match_indices('.').filter(|(i, _)| *i > 0) {
            visit(&subject[..i]);
        }
        if !subject.is_empty() {
            visit(subject);
        }
    }

    /// The first value whose pattern matches `subject`, if any.
    pub fn first_match(&self, subject: &str) -> Option<&T> {
        let mut found: Option<&T> = None;
        let mut visit = |p: &str| {
            if found.is_none() {
                if let Some(v) = self.by_prefix.get(p) {
                    found = v.iter().find(|(pat, _)| subject_matches(pat, subject)).map(|(_, t)| t);
                }
            }
        };
        // Each prefix once: a subject that starts with a dot would otherwise visit the empty prefix twice.
        visit("");
        for (i, _) in subject.match_indices('.').filter(|(i, _)| *i > 0) {
            visit(&subject[..i]);
        }
        if !subject.is_empty() {
            visit(subject);
        }
        found
    }

    pub fn is_empty(&self) -> bool {
        self.by_prefix.is_empty()
    }
}

/// Sorts sequence numbers in place (a heapsort: O(n log n), no extra memory). The standard library's
/// `sort_unstable` would bring 3 KB of code into every module of the page for this one element type.
pub fn sort_seqs(v: &mut [u64]) {
    fn sift_down(v: &mut [u64], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && v[child] < v[child + 1] {
                child += 1;
            }
            if v[root] >= v[child] {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    for i in (0..v.len() / 2).rev() {
        sift_down(v, i, v.len());
    }
    for end in (1..v.len()).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

/// Strings sorted, each once. Inserted one by one into a set: a `sort` or a `collect` into a set costs the page a
/// sorting routine per element type, and the set's own code is there already.
pub fn sorted_unique(v: Vec<String>) -> Vec<String> {
    let mut set = BTreeSet::new();
    for s in v {
        set.insert(s);
    }
    set.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_sequences_as_the_standard_sort_does() {
        let mut seed = 7u64;
        for len in [0usize, 1, 2, 3, 10, 100, 1000] {
            let mut v: Vec<u64> = (0..len)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (seed >> 33) % 50
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            sort_seqs(&mut v);
            assert_eq!(v, want, "{len} numbers");
        }
        let mut desc: Vec<u64> = (0..500).rev().collect();
        sort_seqs(&mut desc);
        assert_eq!(desc, (0..500).collect::<Vec<u64>>());
    }

    #[test]
    fn finds_the_patterns_that_match_by_their_prefix() {
        let mut ix = PrefixIndex::default();
        ix.insert("$KV.a.>", "KV_a");
        ix.insert("$KV.b.>", "KV_b");
        ix.insert("orders.*.eu", "O");
        ix.insert(">", "all");
        let mut got = Vec::new();
        ix.each_match("$KV.a.k", |_, t| got.push(*t));
        got.sort();
        assert_eq!(got, vec!["KV_a", "all"]);
        ix.remove(">", &"all");
        assert_eq!(ix.first_match("orders.x.eu"), Some(&"O"));
        assert_eq!(ix.first_match("orders.x.us"), None);
        assert_eq!(ix.first_match("nothing.here"), None);
        assert_eq!(literal_prefix("a.b.*.c"), "a.b");
        assert_eq!(literal_prefix(">"), "");
        assert_eq!(literal_prefix("a.b"), "a.b");
    }

    #[test]
    fn a_text_map_reads_and_writes_a_json_object_in_key_order() {
        use super::{ListMap, TextMap};
        // Keys out of order and one given twice: the later value stays, as in a `BTreeMap`.
        let m: TextMap = serde_json::from_str(r#"{"b":"2","_nats.ver":"x","a":"1","b":"3"}"#).unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"_nats.ver":"x","a":"1","b":"3"}"#);
        assert_eq!(m.get("b").map(String::as_str), Some("3"));
        assert_eq!(m.get("c"), None);
        assert!(serde_json::from_str::<TextMap>(r#"{"a":1}"#).is_err());
        assert!(serde_json::from_str::<TextMap>(r#"["a","b"]"#).is_err());
        let mut t = TextMap::from([("z", "1"), ("y", "2")]);
        t.retain(|k, _| k != "z");
        assert_eq!(t.keys().collect::<Vec<_>>(), vec!["y"]);
        let l: ListMap<u64, u64> = [(3, 1), (1, 1), (3, 2)].into_iter().collect();
        assert_eq!(l.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(), vec![(1, 1), (3, 2)]);
    }

    #[test]
    fn finds_a_colliding_pattern_shorter_or_longer() {
        let mut ix = PrefixIndex::default();
        ix.insert("$KV.a.>", "KV_a");
        ix.insert("orders.eu.*", "O");
        ix.insert("x", "X");
        assert_eq!(ix.first_colliding("$KV.a.k", |_| false), Some(&"KV_a"));
        assert_eq!(ix.first_colliding("$KV.>", |_| false), Some(&"KV_a"));
        assert_eq!(ix.first_colliding("$KV.a.>", |t| *t == "KV_a"), None);
        assert_eq!(ix.first_colliding("orders.*.x", |_| false), Some(&"O"));
        assert_eq!(ix.first_colliding("orders.>", |_| false), Some(&"O"));
        assert!(ix.first_colliding(">", |_| false).is_some());
        assert_eq!(ix.first_colliding("x.y", |_| false), None);
        assert_eq!(ix.first_colliding("$KV.b.>", |_| false), None);
        ix.remove("x", &"X");
        assert_eq!(ix.first_colliding("*", |_| false), None);
    }
}

/// A map kept as a list in key order, found by binary search: the server's consumers, the engine's streams, the
/// command parser's flags, a lesson run's maps. Every module of the page already has the list code it
/// needs, where each `BTreeMap` of another type brings its own insert, rebalancing and drop code (several KB of
/// the first load each); these maps hold few entries, or entries cheap to move, so inserting into a list costs
/// nothing measurable. The large ones (a stream's messages, its subjects, a consumer's pending and redelivered
/// messages, which leave from the front) stay `BTreeMap`s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for ListMap<K, V> {
    fn default() -> Self {
        ListMap(Vec::new())
    }
}

impl<K: Ord, V> ListMap<K, V> {
    fn at<Q: Ord + ?Sized>(&self, k: &Q) -> Result<usize, usize>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.0.binary_search_by(|(x, _)| x.borrow().cmp(k))
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get<Q: Ord + ?Sized>(&self, k: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.at(k).ok().map(|i| &self.0[i].1)
    }
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.at(k).ok().map(|i| &mut self.0[i].1)
    }
    pub fn contains_key<Q: Ord + ?Sized>(&self, k: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
    {
        self.at(k).is_ok()
    }
    pub fn insert(&mut self, k: K, v: V) {
        match self.at(&k) {
            Ok(i) => self.0[i].1 = v,
            Err(i) => self.0.insert(i, (k, v)),
        }
    }
    pub fn remove<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.at(k).ok().map(|i| self.0.remove(i).1)
    }
    /// The entry `k` holds, made with `make` when it holds none.
    pub fn entry_or_insert_with(&mut self, k: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.at(&k) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (k, make()));
                i
            }
        };
        &mut self.0[i].1
    }
    pub fn clear(&mut self) {
        self.0.clear()
    }
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v))
    }
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.0.iter_mut().map(|(k, v)| (&*k, v))
    }
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }
    pub fn into_values(self) -> impl Iterator<Item = V> {
        self.0.into_iter().map(|(_, v)| v)
    }
    pub fn into_entries(self) -> impl Iterator<Item = (K, V)> {
        self.0.into_iter()
    }
    /// The entries from `k` on, in key order.
    pub fn from(&self, k: &K) -> impl Iterator<Item = (&K, &V)> {
        let i = self.at(k).unwrap_or_else(|i| i);
        self.0[i..].iter().map(|(k, v)| (k, v))
    }
}

impl<K: serde::Serialize, V: serde::Serialize> serde::Serialize for ListMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, K: serde::Deserialize<'de> + Ord, V: serde::Deserialize<'de>> serde::Deserialize<'de> for ListMap<K, V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut v: Vec<(K, V)> = Vec::deserialize(d)?;
        // Kept in order whatever was read (a hand-made hand-over cannot break the binary search).
        v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|a, b| a.0 == b.0);
        Ok(ListMap(v))
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for ListMap<K, V> {
    /// In key order; of two entries with one key the later stays, as in a `BTreeMap`.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let mut m = ListMap::default();
        for (k, v) in items {
            m.insert(k, v);
        }
        m
    }
}

/// Text keys and values in key order, written and read as a JSON object (a stream's or consumer's metadata):
/// a `BTreeMap<String, String>` would bring its own insert, rebalancing and serde code into every module of
/// the page for maps of a few entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextMap(pub ListMap<String, String>);

impl std::ops::Deref for TextMap {
    type Target = ListMap<String, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for TextMap {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl TextMap {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, String)> for TextMap {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(items: I) -> Self {
        TextMap(items.into_iter().collect())
    }
}

impl<const N: usize> From<[(&str, &str); N]> for TextMap {
    fn from(pairs: [(&str, &str); N]) -> Self {
        pairs.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }
}

impl serde::Serialize for TextMap {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter())
    }
}

impl<'de> serde::Deserialize<'de> for TextMap {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = TextMap;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<TextMap, A::Error> {
                let mut m = TextMap::default();
                while let Some((k, v)) = a.next_entry::<String, String>()? {
                    m.insert(k, v);
                }
                Ok(m)
            }
        }
        d.deserialize_map(Pairs)
    }
}
