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
    built_in_text(name).map(|src| parse(&src))
}

/// A built-in lesson's Markdown by its short name.
#[cfg(not(target_arch = "wasm32"))]
pub fn built_in_text(name: &str) -> Option<String> {
    compiled_in(name)
}

/// Native builds have every lesson compiled in.
#[cfg(not(target_arch = "wasm32"))]
pub fn install_built_in() {}

fn compiled_in(name: &str) -> Option<String> {
    BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, src)| src.to_string())
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    /// Where the page's module finds a built-in lesson's Markdown: the whole app has them compiled in
    /// (`install_built_in`); the lesson module reads the one its address names from the page, where the loader
    /// put it (`window.kvplayLessons`, fetched beside the module), and so carries neither.
    static SOURCE: std::cell::Cell<fn(&str) -> Option<String>> = std::cell::Cell::new(from_loader);
}

/// A built-in lesson's Markdown by its short name.
#[cfg(target_arch = "wasm32")]
pub fn built_in_text(name: &str) -> Option<String> {
    SOURCE.with(|s| s.get())(name)
}

/// The whole app's lessons: compiled in.
#[cfg(target_arch = "wasm32")]
pub fn install_built_in() {
    SOURCE.with(|s| s.set(compiled_in));
}

#[cfg(target_arch = "wasm32")]
fn from_loader(name: &str) -> Option<String> {
    let window = web_sys::window()?;
    let lessons = js_sys::Reflect::get(&window, &"kvplayLessons".into()).ok()?;
    let lessons: &js_sys::Map = wasm_bindgen::JsCast::dyn_ref(&lessons)?;
    lessons.get(&name.into()).as_string()
}
