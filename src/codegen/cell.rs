//! A session's commands as a cell for the page (what the Embed panel's Python and JavaScript embeds run): the
//! program `program` writes, connected the way a program in the page connects. A JavaScript cell dials with
//! `wsconnect` from `@nats-io/nats-core` (the page's worker has no `transport-node` and no `process`), a Python
//! cell names its server without `sys.argv`. Either reaches the page's embedded server whatever address it names.

use super::{program, Lang};

/// The address a JavaScript cell names (the page's worker sends its connections to the embedded server).
const WS_ADDRESS: &str = "ws://127.0.0.1:8080";

/// The commands as a cell in `lang` (Python or JavaScript; the page runs no other).
pub fn cell(lang: Lang, commands: &[String]) -> Option<String> {
    let p = program(lang, commands);
    match lang {
        Lang::JavaScript => Some(
            p.lines()
                .filter(|l| !l.starts_with("// npm install") && !l.starts_with("// (in a browser:"))
                .map(|l| match l {
                    "import { connect } from \"@nats-io/transport-node\";" => {
                        "import { wsconnect } from \"@nats-io/nats-core\";".to_string()
                    }
                    l if l.starts_with("const nc = await connect(") => {
                        format!("const nc = await wsconnect({{ servers: \"{WS_ADDRESS}\" }});")
                    }
                    l => l.to_string(),
                })
                .map(|l| l + "\n")
                .collect(),
        ),
        Lang::Python => Some(
            p.lines()
                .filter(|l| *l != "# pip install nats-py" && *l != "import sys")
                .map(|l| match l.trim_start().strip_prefix("nc = await nats.connect(sys.argv") {
                    Some(_) => "    nc = await nats.connect(\"nats://127.0.0.1:4222\")".to_string(),
                    None => l.to_string(),
                })
                .map(|l| l + "\n")
                .collect(),
        ),
        Lang::Rust | Lang::Go => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Vec<String> {
        ["nats kv add demo", "nats kv put demo colour red", "sleep 2s", "nats kv get demo colour"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn a_javascript_cell_dials_the_page_not_node() {
        let c = cell(Lang::JavaScript, &session()).unwrap();
        assert!(!c.contains("transport-node"), "{c}");
        assert!(!c.contains("process."), "{c}");
        assert!(c.contains("import { wsconnect } from \"@nats-io/nats-core\";\n"), "{c}");
        assert!(c.contains("const nc = await wsconnect({ servers: \"ws://127.0.0.1:8080\" });\n"), "{c}");
        assert!(c.contains("await kvm.create(\"demo\");"), "{c}");
        assert!(c.ends_with("await nc.close();\n"), "{c}");
    }

    #[test]
    fn a_python_cell_names_its_server_without_argv() {
        let c = cell(Lang::Python, &session()).unwrap();
        assert!(!c.contains("sys."), "{c}");
        assert!(!c.contains("import sys"), "{c}");
        assert!(c.contains("    nc = await nats.connect(\"nats://127.0.0.1:4222\")\n"), "{c}");
        assert!(c.contains("await js.create_key_value(bucket=\"demo\""), "{c}");
        assert!(c.trim_end().ends_with("asyncio.run(main())"), "{c}");
    }

    #[test]
    fn only_the_page_s_languages_make_cells() {
        assert_eq!(cell(Lang::Rust, &session()), None);
        assert_eq!(cell(Lang::Go, &session()), None);
    }
}
