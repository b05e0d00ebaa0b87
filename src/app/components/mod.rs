//! The app's components, one per file.

pub mod app;
pub mod cell_preview;
pub mod clock_bar;
pub mod code_run;
pub mod code_view;
pub mod embed_code;
pub mod embed_panel;
pub mod embed_snippet;
pub mod explorer;
pub mod first_load;
pub mod js_cell;
pub mod lesson_embed;
pub mod lesson_panel;
pub mod lesson_step;
pub mod python_cell;
pub mod python_console;
pub mod server_bar;
pub mod session_bar;
pub mod step_embed;
pub mod terminal;
pub mod timeline;
pub mod watch_panes;
pub mod workshop_banner;
