//! The browser entry point of the first load: mounts the small app (`app::components::first_load`) and lets the
//! page's loader take its state for the whole app (see `app::handoff`).

nats_kv_playground::small_module!(nats_kv_playground::app::components::first_load::FirstLoad);
