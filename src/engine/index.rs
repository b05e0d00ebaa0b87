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
