//! What the visualizations draw, computed from the engine without touching the DOM: the bucket's revisions as
//! marks (kept or gone, and why), refused writes, per-key lanes, which watcher saw which revision, and the bucket
//! as it was at any revision. Pure, so it is tested natively and only the drawing happens in the browser.

use std::collections::BTreeMap;

use crate::cli::format::humanize_duration;
use crate::engine::{Engine, JournalEntry, Nanos, Operation, RemovalReason, WatchId};

/// What a revision is, for its colour and label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    Put,
    Delete,
    Purge,
    /// The marker a 2.11+ server leaves when a key's last value expires.
    MaxAge,
}

impl MarkKind {
    pub fn label(self) -> &'static str {
        match self {
            MarkKind::Put => "PUT",
            MarkKind::Delete => "DEL",
            MarkKind::Purge => "PURGE",
            MarkKind::MaxAge => "MaxAge",
        }
    }
    pub fn class(self) -> &'static str {
        match self {
            MarkKind::Put => "put",
            MarkKind::Delete => "del",
            MarkKind::Purge => "purge",
            MarkKind::MaxAge => "maxage",
        }
    }
}

fn kind_of(j: &JournalEntry) -> MarkKind {
    if crate::engine::headers::get(&j.headers, crate::engine::headers::MARKER_REASON).is_some() {
        return MarkKind::MaxAge;
    }
    match Operation::from_headers(&j.headers) {
        Operation::Put => MarkKind::Put,
        Operation::Delete => MarkKind::Delete,
        Operation::Purge => MarkKind::Purge,
    }
}

/// One revision on the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub seq: u64,
    pub key: String,
    pub kind: MarkKind,
    pub value: Vec<u8>,
    pub time: Nanos,
    /// Why it is gone, in plain words; `None` while it is kept.
    pub gone: Option<String>,
    /// The watchers that received it.
    pub watchers: Vec<WatchId>,
}

impl Mark {
    /// The accessible name of the mark: everything the picture says, in words.
    pub fn label(&self) -> String {
        let mut s = format!("revision {}: {} {}", self.seq, self.kind.label(), self.key);
        if self.kind == MarkKind::Put {
            s.push_str(&format!(" = {}", String::from_utf8_lossy(&self.value)));
        }
        match &self.gone {
            Some(g) => s.push_str(&format!(". Gone: {g}")),
            None => s.push_str(". Kept"),
        }
        if !self.watchers.is_empty() {
            s.push_str(&format!(
                ". Seen by {} watcher{}",
                self.watchers.len(),
                if self.watchers.len() == 1 { "" } else { "s" }
            ));
        }
        s
    }
}

/// Why a revision left, in plain words.
pub fn gone_reason(reason: RemovalReason, after_seq: u64, history: i64) -> String {
    match reason {
        RemovalReason::HistoryLimit => format!(
            "pushed out by revision {after_seq}: the bucket keeps {history} revision{} per key",
            if history == 1 { "" } else { "s" }
        ),
        RemovalReason::Rollup => format!("rolled up by the purge at revision {after_seq}"),
        RemovalReason::MaxAge => "expired: older than the bucket's TTL".to_string(),
        RemovalReason::MessageTtl => "expired: its own TTL ran out".to_string(),
        RemovalReason::Purged => "removed by compact, which clears deleted keys".to_string(),
        RemovalReason::Deleted => "removed by a message delete request".to_string(),
        RemovalReason::MsgLimit => format!("pushed out by revision {after_seq}: the stream's message limit"),
        RemovalReason::ByteLimit => format!("pushed out by revision {after_seq}: the stream's byte limit"),
        RemovalReason::Acknowledged => "removed once its consumers acknowledged it".to_string(),
        RemovalReason::NoInterest => "not kept: no consumer wanted it".to_string(),
    }
}

/// A refused write, placed between two revisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub after_seq: u64,
    pub key: String,
    pub error: String,
}

/// Revisions folded together when there are too many to draw one by one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bin {
    pub first: u64,
    pub last: u64,
    pub kept: u64,
    pub gone: u64,
    pub markers: u64,
}

/// What the timeline draws for a window of revisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Strip {
    Marks(Vec<Mark>),
    Bins(Vec<Bin>),
}

/// The timeline of one bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    pub first: u64,
    pub last: u64,
    pub strip: Strip,
    pub refused: Vec<Refused>,
}

impl Timeline {
    /// What a learner is told when older revisions are no longer remembered: the journal keeps only the newest
    /// (`engine::stream::JOURNAL_BYTES` bytes of revisions per bucket), so a timeline starts at `first`.
    pub fn window_note(&self) -> Option<String> {
        (self.first > 1).then(|| {
            format!(
                "revisions before {} are beyond the remembered window (the newest {} MiB of revisions per bucket)",
                self.first,
                crate::engine::stream::JOURNAL_BYTES / (1024 * 1024)
            )
        })
    }
}

fn key_of(subject: &str) -> String {
    subject.splitn(3, '.').nth(2).unwrap_or_default().to_string()
}

/// Builds the timeline for revisions `from..=to` of a bucket, drawing at most `max_marks` marks (otherwise
/// folding revisions into that many bins).
pub fn timeline(e: &crate::server::Standalone, bucket: &str, from: u64, to: u64, max_marks: usize) -> Option<Timeline> {
    let s = e.bucket_stream(bucket)?;
    let j = s.journal();
    let first = j.front().map(|x| x.seq).unwrap_or(1);
    let last = s.state().last_seq;
    let from = from.max(first);
    let to = to.min(last);
    let history = s.config.max_msgs_per_subject;
    let refused = s
        .rejections()
        .iter()
        .filter(|r| r.after_seq + 1 >= from && r.after_seq <= to)
        .map(|r| Refused { after_seq: r.after_seq, key: key_of(&r.subject), error: r.error.clone() })
        .collect();
    if to < from {
        return Some(Timeline { first, last, strip: Strip::Marks(Vec::new()), refused });
    }
    let count = (to - from + 1) as usize;
    let entries = j.range((from - first) as usize..=(to - first) as usize);
    if count <= max_marks.max(1) {
        let seen: BTreeMap<u64, Vec<WatchId>> = {
            let mut m: BTreeMap<u64, Vec<WatchId>> = BTreeMap::new();
            for w in e.watchers_between(bucket, from, to) {
                for d in w.delivered.iter().filter(|d| (from..=to).contains(*d)) {
                    m.entry(*d).or_default().push(w.id);
                }
            }
            m
        };
        let marks = entries
            .map(|x| Mark {
                seq: x.seq,
                key: key_of(&x.subject),
                kind: kind_of(x),
                value: x.data.clone(),
                time: x.time,
                gone: x.removed.map(|r| gone_reason(r.reason, r.after_seq, history)),
                watchers: seen.get(&x.seq).cloned().unwrap_or_default(),
            })
            .collect();
        return Some(Timeline { first, last, strip: Strip::Marks(marks), refused });
    }
    let per = count.div_ceil(max_marks.max(1)) as u64;
    let mut bins: Vec<Bin> = Vec::new();
    for x in entries {
        let idx = ((x.seq - from) / per) as usize;
        if bins.len() <= idx {
            bins.push(Bin { first: x.seq, last: x.seq, ..Bin::default() });
        }
        let b = &mut bins[idx];
        b.last = x.seq;
        if x.removed.is_some() {
            b.gone += 1;
        } else {
            b.kept += 1;
        }
        if kind_of(x) != MarkKind::Put {
            b.markers += 1;
        }
    }
    Some(Timeline { first, last, strip: Strip::Bins(bins), refused })
}

/// How many of the newest revisions the lanes look at.
pub const LANE_SCAN: usize = 5_000;

/// One key's lane: its revisions, how deep its history is against the limit, and when it expires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lane {
    pub key: String,
    /// Revisions of the key, kept or gone, oldest first.
    pub revisions: Vec<(u64, MarkKind, bool)>,
    pub kept: usize,
    pub limit: i64,
    /// The key's latest revision: what `update` must name.
    pub latest: u64,
    /// Time left before the latest revision expires, if it will.
    pub expires_in: Option<String>,
}

/// Lanes for the keys of a bucket, the most recently written first, at most `max_lanes` of them, using the
/// newest `depth` remembered revisions per key.
pub fn lanes(e: &Engine, bucket: &str, max_lanes: usize, depth: usize) -> Vec<Lane> {
    let Some(s) = e.bucket_stream(bucket) else { return Vec::new() };
    let limit = s.config.max_msgs_per_subject;
    let now = e.now();
    let mut by_key: BTreeMap<&str, Vec<&JournalEntry>> = BTreeMap::new();
    // Walk back over the newest revisions (a bounded number, so a huge bucket stays quick) collecting keys.
    for x in s.journal().iter().rev().take(LANE_SCAN) {
        let k = x.subject.as_str();
        if by_key.len() >= max_lanes && !by_key.contains_key(k) {
            continue;
        }
        let v = by_key.entry(k).or_default();
        if v.len() < depth {
            v.push(x);
        }
    }
    let mut lanes: Vec<Lane> = by_key
        .into_iter()
        .map(|(subject, mut v)| {
            v.reverse();
            let latest = v.last().map(|x| x.seq).unwrap_or(0);
            let expires_in = v
                .last()
                .filter(|x| x.removed.is_none())
                .and_then(|x| x.expires)
                .map(|at| humanize_duration((at - now).max(0)));
            Lane {
                key: key_of(subject),
                kept: s.subject_seqs(subject).len(),
                revisions: v.iter().map(|x| (x.seq, kind_of(x), x.removed.is_none())).collect(),
                limit,
                latest,
                expires_in,
            }
        })
        .collect();
    lanes.sort_by_key(|l| std::cmp::Reverse(l.latest));
    lanes.truncate(max_lanes);
    lanes
}

/// A key as it was at some revision: its value (if it held one) and its kept history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyAt {
    pub key: String,
    pub value: Option<Vec<u8>>,
    pub revision: u64,
    pub history: Vec<(u64, MarkKind)>,
}

/// The bucket just after revision `n` was written: what `get`, `ls` and `history` would have answered then.
pub fn state_at(e: &Engine, bucket: &str, n: u64) -> Vec<KeyAt> {
    let Some(s) = e.bucket_stream(bucket) else { return Vec::new() };
    let mut keys: BTreeMap<String, Vec<&JournalEntry>> = BTreeMap::new();
    for x in s.journal().iter().take_while(|x| x.seq <= n).filter(|x| x.present_at(n)) {
        keys.entry(key_of(&x.subject)).or_default().push(x);
    }
    let mut out: Vec<KeyAt> = keys
        .into_iter()
        .map(|(key, v)| {
            let last = v.last().copied();
            KeyAt {
                key,
                value: last.filter(|x| kind_of(x) == MarkKind::Put).map(|x| x.data.clone()),
                revision: last.map(|x| x.seq).unwrap_or(0),
                history: v.iter().map(|x| (x.seq, kind_of(x))).collect(),
            }
        })
        .collect();
    out.sort_by_key(|k| k.revision);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::KvBackend;
    use crate::engine::{Config, WatchOptions};

    const S: i64 = 1_000_000_000;

    fn engine() -> crate::server::Standalone {
        let mut e = crate::server::Standalone::embedded(0);
        let mut c = Config::new("b");
        c.history = 2;
        e.create_bucket(&c).unwrap();
        e
    }

    #[test]
    fn older_revisions_beyond_the_remembered_window_are_said_to_be() {
        let mut e = engine();
        assert_eq!(timeline(&e, "b", 1, 100, 50).unwrap().window_note(), None);
        let value = vec![b'v'; 100_000];
        for _ in 0..100 {
            e.put("b", "k", &value).unwrap();
        }
        let t = timeline(&e, "b", 1, 100, 50).unwrap();
        assert!(t.first > 1 && t.last == 100, "{} to {}", t.first, t.last);
        assert_eq!(
            t.window_note().unwrap(),
            format!(
                "revisions before {} are beyond the remembered window (the newest 4 MiB of revisions per bucket)",
                t.first
            )
        );
    }

    #[test]
    fn marks_show_kept_and_gone_revisions_with_their_reasons() {
        let mut e = engine();
        e.put("b", "k", b"1").unwrap();
        e.put("b", "k", b"2").unwrap();
        e.put("b", "k", b"3").unwrap();
        e.put("b", "x", b"1").unwrap();
        e.purge("b", "x", 0).unwrap();
        let _ = e.update("b", "k", b"4", 1);
        let t = timeline(&e, "b", 1, 100, 50).unwrap();
        let Strip::Marks(m) = &t.strip else { panic!("marks expected") };
        assert_eq!(m.len(), 5);
        assert_eq!(m[0].gone.as_deref(), Some("pushed out by revision 3: the bucket keeps 2 revisions per key"));
        assert_eq!(m[1].gone, None);
        assert_eq!(m[3].gone.as_deref(), Some("rolled up by the purge at revision 5"));
        assert_eq!(m[4].kind, MarkKind::Purge);
        assert_eq!(t.refused, vec![Refused { after_seq: 5, key: "k".into(), error: "wrong last sequence: 3".into() }]);
        assert_eq!(
            m[0].label(),
            "revision 1: PUT k = 1. Gone: pushed out by revision 3: the bucket keeps 2 revisions per key"
        );
    }

    #[test]
    fn watchers_are_credited_with_what_they_received() {
        let mut e = engine();
        e.put("b", "a", b"1").unwrap();
        let w = e.watch("b", &["a".to_string()], WatchOptions::default()).unwrap();
        e.put("b", "b", b"1").unwrap();
        e.put("b", "a", b"2").unwrap();
        // The watcher is a consumer on the server: what it delivered is what the terminal took.
        assert_eq!(e.poll_watch(w).len(), 3);
        let t = timeline(&e, "b", 1, 10, 50).unwrap();
        let Strip::Marks(m) = t.strip else { panic!() };
        assert_eq!(m.iter().map(|x| x.watchers.clone()).collect::<Vec<_>>(), vec![vec![w], vec![], vec![w]]);
    }

    #[test]
    fn ttl_marker_and_expiry_reasons() {
        let mut e = crate::server::Standalone::embedded(0);
        let mut c = Config::new("t");
        c.history = 3;
        c.limit_marker_ttl = 2 * S;
        e.create_bucket(&c).unwrap();
        e.create("t", "k", b"v", 5 * S).unwrap();
        assert_eq!(lanes(&e, "t", 10, 10)[0].expires_in.as_deref(), Some("5.00s"));
        e.set_now(5 * S);
        let t = timeline(&e, "t", 1, 10, 50).unwrap();
        let Strip::Marks(m) = t.strip else { panic!() };
        assert_eq!(m[0].gone.as_deref(), Some("expired: its own TTL ran out"));
        assert_eq!(m[1].kind, MarkKind::MaxAge);
    }

    #[test]
    fn many_revisions_fold_into_bins() {
        let mut e = engine();
        for i in 0..1000 {
            e.put("b", &format!("k{}", i % 10), b"v").unwrap();
        }
        let t = timeline(&e, "b", 1, 1000, 100).unwrap();
        let Strip::Bins(b) = t.strip else { panic!("bins expected") };
        assert_eq!(b.len(), 100);
        assert_eq!(b.iter().map(|x| x.kept + x.gone).sum::<u64>(), 1000);
        assert_eq!(b.iter().map(|x| x.kept).sum::<u64>(), 20, "history 2 of 10 keys");
    }

    #[test]
    fn state_at_a_revision_is_what_get_and_history_said_then() {
        let mut e = engine();
        e.put("b", "k", b"1").unwrap();
        e.put("b", "k", b"2").unwrap();
        e.put("b", "k", b"3").unwrap();
        e.delete("b", "k").unwrap();
        let at2 = state_at(&e, "b", 2);
        assert_eq!(at2[0].value.as_deref(), Some(&b"2"[..]));
        assert_eq!(at2[0].history.iter().map(|h| h.0).collect::<Vec<_>>(), vec![1, 2]);
        let at3 = state_at(&e, "b", 3);
        assert_eq!(at3[0].history.iter().map(|h| h.0).collect::<Vec<_>>(), vec![2, 3], "revision 1 went with write 3");
        let at4 = state_at(&e, "b", 4);
        assert_eq!(at4[0].value, None);
        assert_eq!(at4[0].revision, 4);
        let lane = &lanes(&e, "b", 5, 10)[0];
        assert_eq!((lane.kept, lane.limit, lane.latest), (2, 2, 4));
    }
}
