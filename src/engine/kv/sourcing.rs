//! Mirrors and sources on one server: a stream that names another as its mirror or one of its sources gets a copy
//! of each message the other stores, as nats-server's `processInboundMirrorMsg` and `processInboundSourceMsg`
//! store them (a mirror keeps the origin's sequences and times; a source takes sequences of its own and marks
//! each copy with a `Nats-Stream-Source` header). nats-server copies through consumers, a moment later; here a
//! copy is made when the origin stores the message, so what a client reads next already has it.

use super::*;
use crate::engine::stream::StreamSource;
use crate::engine::time::rfc3339_nanos;
use sha2::{Digest, Sha256};

/// How deep copies chain (a source of a source ...): the configuration checks refuse cycles, this bounds the rest.
const MAX_CHAIN: u32 = 16;

/// nats-server's 8-character hash of a name (`getHash`): SHA-256, each of the first 8 bytes as a base-62 digit.
pub fn short_hash(name: &str) -> String {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let sum = Sha256::digest(name.as_bytes());
    sum.iter().take(8).map(|b| DIGITS[(*b % 62) as usize] as char).collect()
}

/// The sources of a stream that read from `origin` (its mirror, or the sources of that name): those fed as the
/// origin stores (`via` None), or those a durable consumer of that name feeds.
fn sources_from<'a>(c: &'a StreamConfig, origin: &str, via: Option<&str>) -> Vec<&'a StreamSource> {
    let fed = |s: &&StreamSource| s.consumer.as_ref().map(|c| c.name.as_str()) == via;
    match &c.mirror {
        Some(m) => (m.name == origin).then_some(m).into_iter().filter(fed).collect(),
        None => c.sources.iter().filter(|s| s.name == origin).filter(fed).collect(),
    }
}

impl Engine {
    /// Notes which streams copy from which (kept with the subject index).
    /// A bucket's or stream's mirror and sources checked against the other streams: a cycle is refused as
    /// nats-server refuses it, and a mirror takes direct gets from its origin's `allow_direct`.
    pub fn check_origins(&self, cfg: &mut StreamConfig) -> Result<(), ApiError> {
        if forms_cycle(cfg, &|n| self.streams.get(n).map(|s| s.config.clone())) {
            return Err(ApiError::invalid_config("detected cycle"));
        }
        if let Some(origin) = cfg.mirror.as_ref().and_then(|m| self.streams.get(&m.name)) {
            cfg.mirror_direct = origin.config.allow_direct;
        }
        Ok(())
    }

    pub(super) fn index_followers(&mut self, name: &str, add: bool) {
        if !add {
            self.followers.retain(|(_, f)| f != name);
            return;
        }
        let Some(s) = self.streams.get(name) else { return };
        for o in s.config.mirror.iter().chain(s.config.sources.iter()) {
            if !self.followers.iter().any(|(x, f)| *x == o.name && f == name) {
                self.followers.push((o.name.clone(), name.to_string()));
            }
        }
    }

    /// The streams that mirror or source `origin`.
    fn followers_of(&self, origin: &str) -> Vec<String> {
        self.followers.iter().filter(|(o, _)| o == origin).map(|(_, f)| f.clone()).collect()
    }

    /// How far `s` has come with one of its origins. `active` is the time since the origin was last heard from:
    /// nats-server hears from an origin that exists at least every second (its idle heartbeats), so the time
    /// since a copy counts modulo a second while the origin is there; -1 before anything was heard.
    pub fn source_info(&self, s: &Stream, src: &StreamSource, with_seq: bool) -> SourceInfo {
        let progress = s.progress(&src.name);
        let since = progress.active_at.map(|at| self.now.saturating_sub(at).max(1));
        let active = match (since, self.streams.contains_key(&src.name)) {
            (None, _) => -1,
            (Some(d), true) => (d % NANOS_PER_SEC).max(1),
            (Some(d), false) => d,
        };
        SourceInfo { name: src.name.clone(), lag: 0, seq: if with_seq { progress.last_seq } else { 0 }, active }
    }

    /// A mirror of `origin` that answers its direct gets (`mirror_direct`), for when the origin does not.
    pub fn mirror_serving(&self, origin: &str) -> Option<&Stream> {
        let serves = |s: &&Stream| s.config.mirror_direct && s.config.mirror.as_ref().is_some_and(|m| m.name == origin);
        if !self.indexed {
            return self.streams.values().map(|s| &**s).find(serves);
        }
        self.followers
            .iter()
            .filter(|(o, _)| o == origin)
            .filter_map(|(_, f)| self.streams.get(f).map(|s| &**s))
            .find(serves)
    }

    /// Copies a message `origin` just stored to every stream that mirrors or sources it.
    pub(super) fn copy_to_followers(&mut self, origin: &str, seq: u64, depth: u32) {
        if depth >= MAX_CHAIN {
            return;
        }
        self.ensure_indexed();
        let followers = self.followers_of(origin);
        if followers.is_empty() {
            return;
        }
        let Some((msg, ident)) = self.streams.get(origin).and_then(|s| Some((s.get(seq)?.clone(), identity(s)))) else {
            return;
        };
        for f in followers {
            self.copy_one(&f, origin, &msg, &ident, depth, None);
        }
    }

    /// Copies everything `follower` has not yet taken from the streams it mirrors or sources: after it is created
    /// or changed (the JetStream API answers first, as nats-server answers before its source consumers deliver),
    /// or after one of its origins is put in place.
    pub fn catch_up(&mut self, follower: &str) {
        let Some(c) = self.streams.get(follower).map(|s| s.config.clone()) else { return };
        // A source fed by a durable consumer takes what the consumer delivers, when it delivers it.
        let origins = crate::engine::index::sorted_unique(
            c.mirror.iter().chain(c.sources.iter()).filter(|o| o.consumer.is_none()).map(|o| o.name.clone()).collect(),
        );
        for origin in origins {
            let from = self.streams.get(follower).map_or(0, |s| s.progress(&origin).last_seq);
            let Some(o) = self.streams.get(&origin) else { continue };
            let ident = identity(o);
            // Reading from an origin that is there is hearing from it (nats-server's source consumer answers,
            // then sends heartbeats), whether or not it has anything to copy.
            let now = self.now;
            if let Some(f) = self.streams.get_mut(follower) {
                f.progress_mut(&origin).active_at = Some(now);
            }
            let Some(o) = self.streams.get(&origin) else { continue };
            let msgs: Vec<StoredMsg> = o.messages_from(from + 1).cloned().collect();
            for m in msgs {
                self.copy_one(follower, &origin, &m, &ident, 0, None);
            }
        }
    }

    /// The followers of a stream about to be created or replaced take what it holds.
    pub(super) fn catch_up_followers(&mut self, origin: &str) {
        self.ensure_indexed();
        for f in self.followers_of(origin) {
            self.catch_up(&f);
        }
    }

    /// A removed origin's followers start again from its first message if it is made again (nats-server sees the
    /// new stream's identity); a mirror keeps its sequences and takes only newer ones.
    pub(super) fn forget_origin(&mut self, origin: &str) {
        self.ensure_indexed();
        for f in self.followers_of(origin) {
            if let Some(s) = self.streams.get_mut(&f) {
                if s.config.mirror.is_none() {
                    s.sourcing.retain(|(o, _)| o != origin);
                }
            }
        }
    }

    /// A message a durable consumer of `origin` delivered to the sources it feeds in `follower` (as nats-server's
    /// stream stores what arrives on the consumer's deliver subject).
    pub fn copy_from_feed(&mut self, follower: &str, origin: &str, consumer: &str, seq: u64) {
        let Some((msg, ident)) = self.streams.get(origin).and_then(|s| Some((s.get(seq)?.clone(), identity(s)))) else {
            return;
        };
        self.copy_one(follower, origin, &msg, &ident, 0, Some(consumer));
    }

    fn copy_one(&mut self, follower: &str, origin: &str, msg: &StoredMsg, ident: &str, depth: u32, via: Option<&str>) {
        let now = self.now;
        let Some(fs) = self.streams.get(follower) else { return };
        let mirror = fs.config.mirror.is_some();
        let copies: Vec<(String, Headers)> = sources_from(&fs.config, origin, via)
            .into_iter()
            .filter(|src| src.starts_by(msg.seq, msg.time))
            .filter_map(|src| {
                let subject = src.map_subject(&msg.subject)?;
                if mirror {
                    return Some((subject, msg.headers.clone()));
                }
                let mut h = msg.headers.clone();
                h.retain(|(k, _)| k != "Nats-Stream-Source" && !k.starts_with("Nats-Batch-"));
                let (filter, dest) = src.filter_and_dest();
                // A durable source names its consumer (by hash) beside the origin, as nats-server's index name does.
                let by = src.consumer.as_ref().map(|c| format!(":C={}", short_hash(&c.name))).unwrap_or_default();
                let value = format!("{origin}{by} {} {filter} {dest} {} {ident}", msg.seq, msg.subject);
                h.push(("Nats-Stream-Source".to_string(), value));
                Some((subject, h))
            })
            .collect();
        let storage = fs.config.storage;
        // What a source's filter passes over never reaches it (its consumer delivers only what matches).
        if copies.is_empty() {
            return;
        }
        if let Some(s) = self.streams.get_mut(follower) {
            let p = s.progress_mut(origin);
            p.last_seq = p.last_seq.max(msg.seq);
            p.active_at = Some(now);
        }
        for (subject, headers) in copies {
            if self.check_usage(storage).is_err() {
                return;
            }
            let Some(s) = self.streams.get_mut(follower) else { return };
            let before = s.state().bytes;
            let (at, time) = if mirror { (Some(msg.seq), msg.time) } else { (None, now) };
            let result = s.store_copy(at, &subject, headers, msg.data.clone(), time);
            let after = s.state().bytes;
            self.note_usage(storage, before, after);
            if let Some(Ok((_, events))) = result {
                self.deliver_chained(follower, &events, depth + 1);
            }
        }
    }
}

/// nats-server's cycle check for a stream's configuration: from it, through the streams it sources and mirrors
/// (`others` finds one by name), back to one already seen (for a source, only when its filter could take what
/// that stream stores).
pub fn forms_cycle(cfg: &StreamConfig, others: &dyn Fn(&str) -> Option<StreamConfig>) -> bool {
    // A queue (visited in the order nats-server visits) as a list and a cursor.
    let mut to_visit = vec![cfg.clone()];
    let mut visited: Vec<String> = Vec::new();
    let mut next = 0;
    while let Some(c) = to_visit.get(next).cloned() {
        next += 1;
        visited.push(c.name.clone());
        for src in &c.sources {
            if visited.contains(&src.name) {
                let f = &src.filter_subject;
                if f.is_empty() || c.subjects.iter().any(|s| subjects_collide(s, f)) {
                    return true;
                }
            } else if let Some(next) = others(&src.name) {
                to_visit.push(next);
            }
        }
        if let Some(m) = &c.mirror {
            if visited.contains(&m.name) {
                return true;
            }
            if let Some(next) = others(&m.name) {
                to_visit.push(next);
            }
        }
        if next > 10_000 {
            return true;
        }
    }
    false
}

/// Whether two subjects (wildcards allowed) can match a common subject.
pub fn subjects_collide(a: &str, b: &str) -> bool {
    let (ta, tb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    let mut i = 0;
    loop {
        match (ta.get(i), tb.get(i)) {
            (Some(&">"), Some(_)) | (Some(_), Some(&">")) => return true,
            (Some(x), Some(y)) if x == y || *x == "*" || *y == "*" => i += 1,
            (None, None) => return true,
            _ => return false,
        }
    }
}

/// A stream's identity as its sources see it: the hash of its creation time.
fn identity(s: &Stream) -> String {
    short_hash(&rfc3339_nanos(s.created))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_hash_is_nats_servers() {
        // nats-server 2.15.1 marked copies from a stream created at this time with this identity.
        assert_eq!(short_hash("2026-12-03T11:08:33.079425451Z"), "FBgOh3e2");
    }
}
