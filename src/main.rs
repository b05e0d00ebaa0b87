//! The browser entry point: mounts the playground app.

fn main() {
    yew::Renderer::<nats_kv_playground::app::App>::new().render();
}
