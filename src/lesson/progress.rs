//! A learner's progress in a workshop, as the page and the headless runner write it into the instructor's KV
//! bucket: the bucket and subject names every part agrees on, and the records' shape.
//!
//! A workshop's server gives each learner an account of their own. The instructor's account keeps two buckets:
//! [`PROGRESS_BUCKET`], which every learner may write into under their own name only (the instructor's account
//! exports `$KV.kvplay_progress.>` as a service and each learner's account imports the part under its own
//! name), and [`NEWS_BUCKET`], whose [`NEWS_KEY`] the instructor sets; it republishes to [`NEWS_SUBJECTS`], which
//! every learner's account imports as a stream, and its last value is read with a direct get the learners import
//! as a service ([`news_direct_get_subject`]). A learner writes progress as a KV put is written: a request on the
//! key's subject, answered by JetStream's publish acknowledgement.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::compare::Verdict;
use super::{Lesson, StepReport, StepStatus};
use crate::engine::{time::rfc3339_nanos, Nanos};

/// The instructor's bucket of every learner's progress: keys `LEARNER.LESSON.STEP` and `LEARNER.presence`.
pub const PROGRESS_BUCKET: &str = "kvplay_progress";
/// The instructor's bucket of messages to every learner.
pub const NEWS_BUCKET: &str = "kvplay_news";
/// The key in [`NEWS_BUCKET`] every learner's page shows as a banner.
pub const NEWS_KEY: &str = "message";
/// Where [`NEWS_BUCKET`] republishes its writes (a stream export every learner imports).
pub const NEWS_SUBJECTS: &str = "kvplay.news.>";

/// A name made fit for one token of a KV key: letters, digits, `-` and `_` stay; anything else becomes `-`;
/// never empty.
pub fn token(name: &str) -> String {
    let t: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    if t.is_empty() {
        "-".to_string()
    } else {
        t
    }
}

/// The key of one step's record (steps are counted from 1, as the page shows them).
pub fn step_key(learner: &str, lesson: &str, step: usize) -> String {
    format!("{}.{}.{}", token(learner), token(lesson), step)
}

/// The key of a learner's presence record (written on joining and whenever they move to a step).
pub fn presence_key(learner: &str) -> String {
    format!("{}.presence", token(learner))
}

/// The subject a put of `key` into the progress bucket is published on.
pub fn subject(key: &str) -> String {
    format!("$KV.{PROGRESS_BUCKET}.{key}")
}

/// What a learner's account imports from the instructor's: the progress subjects under its own name.
pub fn learner_import(learner: &str) -> String {
    format!("$KV.{PROGRESS_BUCKET}.{}.>", token(learner))
}

/// The direct get that reads the news key's last value (a request with an empty body).
pub fn news_direct_get_subject() -> String {
    format!("$JS.API.DIRECT.GET.KV_{NEWS_BUCKET}.$KV.{NEWS_BUCKET}.{NEWS_KEY}")
}

/// A lesson's name in keys: a built-in lesson's short name, or a lesson file's name without its extension.
pub fn lesson_name(source: &str) -> String {
    let last = source.rsplit('/').next().unwrap_or(source);
    let last = last.split(['?', '#']).next().unwrap_or(last);
    token(last.strip_suffix(".md").unwrap_or(last))
}

/// One step's verdict as the instructor's board reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub learner: String,
    pub lesson: String,
    /// Counted from 1.
    pub step: usize,
    /// How many steps the lesson has.
    pub steps: usize,
    pub title: String,
    /// `pass`, `drift`, `fail`, `pending` (an exercise not solved yet), `solved` (by Run all), `waiting`,
    /// `shown`, or `check-error` (an exercise whose check is broken: the author's error).
    pub verdict: String,
    /// How many times the learner ran this step (each run writes the key again).
    pub attempts: u32,
    /// For a failure: the first unmet check or differing line, in a few words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When, RFC 3339 UTC.
    pub at: String,
}

/// Where a learner is: written when they join and when they move to a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    pub learner: String,
    pub lesson: String,
    /// The step they are on, from 1 (0 before any).
    pub step: usize,
    pub at: String,
}

/// A step status as a record's verdict.
pub fn verdict(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Pass => "pass",
        StepStatus::Drift => "drift",
        StepStatus::Fail => "fail",
        StepStatus::Shown => "shown",
        StepStatus::Pending => "pending",
        StepStatus::Solved => "solved",
        StepStatus::Waiting => "waiting",
    }
}

/// A record's time: RFC 3339 UTC, to the second.
pub fn at(now: Nanos) -> String {
    rfc3339_nanos(now - now.rem_euclid(1_000_000_000))
}

/// How many times a learner ran each step (lesson, step from 1). A step waiting for its programs and the verdict
/// that follows when they end are one attempt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attempts(BTreeMap<(String, usize), (u32, bool)>);

impl Attempts {
    /// Counts a run of `step` (from 1) of `lesson` that ended with `status`; the attempts so far.
    pub fn count(&mut self, lesson: &str, step: usize, status: StepStatus) -> u32 {
        let (n, waiting) = self.0.entry((lesson.to_string(), step)).or_insert((0, false));
        if !*waiting {
            *n += 1;
        }
        *waiting = status == StepStatus::Waiting;
        *n
    }

    /// The counts, to keep (a reload goes on counting).
    pub fn kept(&self) -> String {
        let v: Vec<(&String, usize, u32)> = self.0.iter().map(|((l, n), (a, _))| (l, *n, *a)).collect();
        serde_json::to_string(&v).unwrap_or_default()
    }

    /// Counts kept by `kept` (anything unreadable counts as none).
    pub fn restore(kept: &str) -> Attempts {
        let v: Vec<(String, usize, u32)> = serde_json::from_str(kept).unwrap_or_default();
        Attempts(v.into_iter().map(|(l, n, a)| ((l, n), (a, false))).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
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
    Some(format!("expected: {}", missing.chars().take(120).collect::<String>()))
}

/// Step `i`'s (from 0) record after a run that ended with `r`, its key beside it; `check_error` when one of the
/// step's checks is broken (the author's error, which the board shows as such).
#[allow(clippy::too_many_arguments)] // one record's fields, each from its own place in the run
pub fn step_record(
    learner: &str,
    lesson_name: &str,
    lesson: &Lesson,
    i: usize,
    r: &StepReport,
    attempts: u32,
    check_error: Option<String>,
    now: Nanos,
) -> (String, StepRecord) {
    let (verdict, detail) = match check_error {
        Some(e) => ("check-error".to_string(), Some(e)),
        None => (verdict(r.status).to_string(), detail(r).filter(|_| r.status != StepStatus::Pass)),
    };
    let rec = StepRecord {
        learner: token(learner),
        lesson: token(lesson_name),
        step: i + 1,
        steps: lesson.steps.len(),
        title: lesson.steps.get(i).map(|s| s.title.clone()).unwrap_or_default(),
        verdict,
        attempts,
        detail,
        at: at(now),
    };
    (step_key(learner, lesson_name, i + 1), rec)
}

/// Where a learner is (step from 1; 0 before any), its key beside it.
pub fn presence_record(learner: &str, lesson_name: &str, step: usize, now: Nanos) -> (String, Presence) {
    let p = Presence { learner: token(learner), lesson: token(lesson_name), step, at: at(now) };
    (presence_key(learner), p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_inside_the_learners_own_import() {
        let k = step_key("Ana María", "cli-walkthrough", 3);
        assert_eq!(k, "Ana-Mar-a.cli-walkthrough.3");
        let import = learner_import("Ana María");
        assert!(subject(&k).starts_with(import.trim_end_matches('>')));
        assert!(subject(&presence_key("Ana María")).starts_with(import.trim_end_matches('>')));
        assert_eq!(token(""), "-");
        assert_eq!(token("a.b*>"), "a-b--");
    }

    #[test]
    fn lesson_names_come_from_sources() {
        assert_eq!(lesson_name("cli"), "cli");
        assert_eq!(lesson_name("http://host:8000/lessons/intro.md?v=2#x"), "intro");
        assert_eq!(lesson_name("/lessons/my lesson.md"), "my-lesson");
    }

    #[test]
    fn a_waiting_step_and_its_verdict_are_one_attempt_and_counts_are_kept() {
        let mut a = Attempts::default();
        assert_eq!(a.count("intro", 2, StepStatus::Fail), 1);
        assert_eq!(a.count("intro", 2, StepStatus::Waiting), 2);
        assert_eq!(a.count("intro", 2, StepStatus::Pass), 2);
        assert_eq!(a.count("intro", 2, StepStatus::Pass), 3);
        assert_eq!(a.count("other", 2, StepStatus::Pass), 1, "counted per lesson");
        let mut back = Attempts::restore(&a.kept());
        assert_eq!(back.count("intro", 2, StepStatus::Pass), 4);
        assert!(Attempts::restore("not json").is_empty());
        assert_eq!(at(1_767_225_600_123_456_789), "2026-01-01T00:00:00Z");
    }

    #[test]
    fn records_round_trip_as_json() {
        let r = StepRecord {
            learner: "ana".into(),
            lesson: "cli".into(),
            step: 2,
            steps: 12,
            title: "Create a bucket".into(),
            verdict: verdict(StepStatus::Pass).into(),
            attempts: 1,
            detail: None,
            at: "2026-12-03T10:00:00Z".into(),
        };
        let j = serde_json::to_string(&r).unwrap();
        assert!(!j.contains("detail"));
        assert_eq!(serde_json::from_str::<StepRecord>(&j).unwrap(), r);
    }
}
