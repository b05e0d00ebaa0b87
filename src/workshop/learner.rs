//! A headless learner in a workshop (`kvplay lesson FILE --server URL --learner NAME`): each step's verdict and
//! the learner's presence written into the instructor's progress bucket, exactly as the page writes them (a KV
//! put through the account's import: a request on the key's subject, answered by JetStream's ack).

use std::collections::BTreeMap;

use crate::client::native::RemoteKv;
use crate::engine::{time::rfc3339_nanos, Nanos};
use crate::lesson::compare::Verdict;
use crate::lesson::progress::{self, Presence, StepRecord};
use crate::lesson::{Lesson, StepReport};

/// Writes one learner's progress in one lesson.
pub struct ProgressWriter {
    pub learner: String,
    pub lesson: String,
    attempts: BTreeMap<usize, u32>,
}

/// Puts one progress key through the account's import: the instructor's stream sequence, or why not in words a
/// learner can act on.
pub fn put(remote: &RemoteKv, key: &str, value: &[u8]) -> Result<u64, String> {
    let (_, reply) = remote.request(&progress::subject(key), value).map_err(|e| {
        if e.kind == crate::engine::ErrorKind::NoResponders {
            format!("the workshop's server takes no progress for {key}: is this the learner's own account?")
        } else {
            e.message
        }
    })?;
    let v: serde_json::Value = serde_json::from_slice(&reply)
        .map_err(|_| "the progress write got no JetStream acknowledgement".to_string())?;
    if let Some(e) = v.get("error") {
        return Err(format!("the progress write was refused: {}", e["description"].as_str().unwrap_or("(no reason)")));
    }
    v["seq"].as_u64().ok_or_else(|| "the progress write got no JetStream acknowledgement".to_string())
}

/// An RFC 3339 time to the second.
fn at(now: Nanos) -> String {
    rfc3339_nanos(now - now.rem_euclid(1_000_000_000))
}

/// In a few words, why a step is not done: its first unmet check, or the first line of output not seen.
pub fn detail(r: &StepReport) -> Option<String> {
    if let Some(c) = r.unmet.first() {
        return Some(format!("check not met: {c}"));
    }
    let missing =
        r.commands.iter().map(|c| &c.verdict).chain(r.python.iter().map(|p| &p.verdict)).find_map(|v| match v {
            Verdict::Fail { missing } => missing.first().cloned(),
            _ => None,
        })?;
    Some(format!("expected: {missing}"))
}

impl ProgressWriter {
    pub fn new(learner: &str, lesson_name: &str) -> ProgressWriter {
        ProgressWriter {
            learner: progress::token(learner),
            lesson: progress::token(lesson_name),
            attempts: BTreeMap::new(),
        }
    }

    /// Where the learner is (step from 1; 0 before any).
    pub fn presence(&self, step: usize, now: Nanos) -> (String, Presence) {
        let p = Presence { learner: self.learner.clone(), lesson: self.lesson.clone(), step, at: at(now) };
        (progress::presence_key(&self.learner), p)
    }

    /// Step `i`'s (from 0) record after a run; `check_error` when one of its checks is broken (the author's error).
    pub fn record(
        &mut self,
        lesson: &Lesson,
        i: usize,
        r: &StepReport,
        check_error: Option<String>,
        now: Nanos,
    ) -> (String, StepRecord) {
        let attempts = self.attempts.entry(i).or_insert(0);
        *attempts += 1;
        let (verdict, detail) = match check_error {
            Some(e) => ("check-error".to_string(), Some(e)),
            None => (progress::verdict(r.status).to_string(), detail(r)),
        };
        let rec = StepRecord {
            learner: self.learner.clone(),
            lesson: self.lesson.clone(),
            step: i + 1,
            steps: lesson.steps.len(),
            title: lesson.steps.get(i).map(|s| s.title.clone()).unwrap_or_default(),
            verdict,
            attempts: *attempts,
            detail,
            at: at(now),
        };
        (progress::step_key(&self.learner, &self.lesson, i + 1), rec)
    }

    /// Writes the presence record.
    pub fn write_presence(&self, remote: &RemoteKv, step: usize, now: Nanos) -> Result<u64, String> {
        let (key, p) = self.presence(step, now);
        put(remote, &key, serde_json::to_string(&p).unwrap_or_default().as_bytes())
    }

    /// Writes step `i`'s record.
    pub fn write_step(
        &mut self,
        remote: &RemoteKv,
        lesson: &Lesson,
        i: usize,
        r: &StepReport,
        check_error: Option<String>,
        now: Nanos,
    ) -> Result<u64, String> {
        let (key, rec) = self.record(lesson, i, r, check_error, now);
        put(remote, &key, serde_json::to_string(&rec).unwrap_or_default().as_bytes())
    }
}
