//! Lessons: Markdown documents whose commands run step by step, with the document's output beside the actual
//! output, differences from older CLIs explained, exercises checked, and Python steps tied to the operations they
//! perform.

pub mod checks;
pub mod compare;
pub mod markdown;
pub mod progress;
pub mod pycheck;
pub mod pyops;
#[cfg(not(target_arch = "wasm32"))]
pub mod pyprocess;
pub mod runner;

pub use markdown::{parse, Lesson, Step};
pub use runner::{CommandReport, LessonRun, StepReport, StepStatus};

/// The lessons the playground ships, written for it.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("cli", include_str!("../../lessons/cli-walkthrough.md")),
    ("python", include_str!("../../lessons/python-kv.md")),
];

/// A built-in lesson by its short name.
pub fn built_in(name: &str) -> Option<Lesson> {
    BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, src)| parse(src))
}
