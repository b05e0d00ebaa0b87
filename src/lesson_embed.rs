//! The browser entry point of a lesson embed: mounts `app::components::lesson_embed` and lets the page's loader
//! take its state for the whole app (see `app::handoff`).

nats_kv_playground::small_module!(nats_kv_playground::app::components::lesson_embed::LessonEmbed);
