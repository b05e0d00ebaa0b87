//! `mdbook-kvplay`: an mdBook preprocessor that turns fenced `nats`, `python` and `javascript` blocks marked
//! `playground` into live `<nats-kv-playground>` embeds, and checks each block (its programs too, when the book
//! names their interpreters) while the book is built (see `nats_kv_playground::mdbook`). In `book.toml`:
//!
//! ```toml
//! [preprocessor.kvplay]
//! playground = "https://WHERE-THE-PLAYGROUND-IS/"
//! ```

use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `mdbook-kvplay supports RENDERER`: the embeds are HTML.
    if args.first().map(String::as_str) == Some("supports") {
        return if args.get(1).map(String::as_str) == Some("html") { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("mdbook-kvplay: could not read the book from mdbook: {e}");
        return ExitCode::FAILURE;
    }
    let parsed: serde_json::Value = match serde_json::from_str(&input) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("mdbook-kvplay: mdbook's input is not the JSON it should be: {e}");
            return ExitCode::FAILURE;
        }
    };
    match nats_kv_playground::mdbook::preprocess(&parsed) {
        Ok(book) => {
            println!("{book}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mdbook-kvplay: a playground block does not do what the book shows:\n{e}");
            ExitCode::FAILURE
        }
    }
}
