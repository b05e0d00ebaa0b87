//! A headless learner in a workshop (`kvplay lesson FILE --server URL --learner NAME`): each step's verdict and
//! the learner's presence written into the instructor's progress bucket, exactly as the page writes them (a KV
//! put through the account's import: a request on the key's subject, answered by JetStream's ack).

use crate::client::native::RemoteKv;
use crate::engine::Nanos;
use crate::lesson::progress::{self, Attempts};
use crate::lesson::{Lesson, StepReport};

/// Writes one learner's progress in one lesson.
pub struct ProgressWriter {
    pub learner: String,
    pub lesson: String,
    attempts: Attempts,
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

impl ProgressWriter {
    pub fn new(learner: &str, lesson_name: &str) -> ProgressWriter {
        ProgressWriter {
            learner: progress::token(learner),
            lesson: progress::token(lesson_name),
            attempts: Attempts::default(),
        }
    }

    /// Writes the presence record (step from 1; 0 before any).
    pub fn write_presence(&self, remote: &RemoteKv, step: usize, now: Nanos) -> Result<u64, String> {
        let (key, p) = progress::presence_record(&self.learner, &self.lesson, step, now);
        put(remote, &key, serde_json::to_string(&p).unwrap_or_default().as_bytes())
    }

    /// Writes step `i`'s (from 0) record after a run; `check_error` when one of its checks is broken.
    pub fn write_step(
        &mut self,
        remote: &RemoteKv,
        lesson: &Lesson,
        i: usize,
        r: &StepReport,
        check_error: Option<String>,
        now: Nanos,
    ) -> Result<u64, String> {
        let attempts = self.attempts.count(&self.lesson, i + 1, r.status);
        let (key, rec) = progress::step_record(&self.learner, &self.lesson, lesson, i, r, attempts, check_error, now);
        put(remote, &key, serde_json::to_string(&rec).unwrap_or_default().as_bytes())
    }
}
