//! Tab completion for the terminal: subcommands, flags, bucket names and keys, from the same command specs
//! the parser uses.

use super::parse::split_words;
use super::spec::{self, FlagKind};

/// What completion can offer for a line: the word being completed and the candidates for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The start (byte offset) of the word being completed.
    pub start: usize,
    pub candidates: Vec<String>,
}

impl Completion {
    /// The longest common prefix of the candidates, which Tab inserts.
    pub fn common_prefix(&self) -> String {
        let Some(first) = self.candidates.first() else { return String::new() };
        let mut end = first.len();
        for c in &self.candidates[1..] {
            end = end.min(first.bytes().zip(c.bytes()).take_while(|(a, b)| a == b).count());
        }
        while !first.is_char_boundary(end) {
            end -= 1;
        }
        first[..end].to_string()
    }
}

/// Completes the last word of `line`. `buckets` lists the bucket names; `keys(bucket)` lists a bucket's keys.
pub fn complete(line: &str, buckets: &[String], keys: &dyn Fn(&str) -> Vec<String>) -> Completion {
    let start = if line.ends_with(' ') { line.len() } else { line.rfind(' ').map(|i| i + 1).unwrap_or(0) };
    let partial = &line[start..];
    let before = split_words(&line[..start]).unwrap_or_default();
    let mut cands: Vec<String> = Vec::new();
    match before.as_slice() {
        [] => cands.extend(["nats", "help", "clear"].map(String::from)),
        [n] if n == "nats" => {
            cands.extend(spec::GROUPS.iter().map(|g| g.name.to_string()));
            cands.push("help".into());
        }
        [n, g] if n == "nats" => {
            if let Some(g) = spec::group(g) {
                cands.extend(spec::commands_of(g.name).map(|c| c.name.to_string()));
            }
        }
        [n, g, c, rest @ ..] if n == "nats" => {
            if let Some(cmd) = spec::group(g).and_then(|g| spec::command(g.name, c)) {
                if partial.starts_with('-') {
                    for f in cmd.flags {
                        cands.push(format!("--{}", f.name));
                        if matches!(f.kind, FlagKind::Bool { negatable: true }) {
                            cands.push(format!("--no-{}", f.name));
                        }
                    }
                    // natscli's global flags are accepted after the command too (`--help` among them).
                    for g in spec::GLOBAL_FLAGS {
                        cands.push(format!("--{}", g.flag.name));
                    }
                } else {
                    // Count positionals so far, skipping flags and their values.
                    let mut positionals: Vec<&str> = Vec::new();
                    let mut skip_next = false;
                    for w in rest {
                        if skip_next {
                            skip_next = false;
                            continue;
                        }
                        if let Some(name) = w.strip_prefix("--") {
                            let takes_value = cmd
                                .flag(name)
                                .or_else(|| spec::global_flag(name))
                                .is_some_and(|f| !matches!(f.kind, FlagKind::Bool { .. }) && !name.contains('='));
                            skip_next = takes_value;
                            continue;
                        }
                        if w.starts_with('-') {
                            continue;
                        }
                        positionals.push(w);
                    }
                    match cmd.args.get(positionals.len()).map(|a| a.name) {
                        Some("bucket") => cands.extend(buckets.iter().cloned()),
                        Some("key") => {
                            if let Some(b) = positionals.first() {
                                cands.extend(keys(b));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        _ => {}
    }
    cands.retain(|c| c.starts_with(partial));
    Completion { start, candidates: crate::engine::index::sorted_unique(cands) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(line: &str) -> Vec<String> {
        let buckets = vec!["config".to_string(), "cache".to_string()];
        complete(line, &buckets, &|b| if b == "config" { vec!["app.timeout".into(), "app.tls".into()] } else { vec![] })
            .candidates
    }

    #[test]
    fn completes_commands_flags_buckets_and_keys() {
        assert_eq!(c("na"), vec!["nats"]);
        assert_eq!(c("nats k"), vec!["kv"]);
        assert_eq!(c("nats kv p"), vec!["purge", "put"]);
        assert_eq!(c("nats kv get c"), vec!["cache", "config"]);
        assert_eq!(c("nats kv get config app.t"), vec!["app.timeout", "app.tls"]);
        assert_eq!(c("nats kv add x --hi"), vec!["--history"]);
        assert_eq!(c("nats kv watch x --no-d"), vec!["--no-deletes"]);
        assert_eq!(c("nats kv get x --tr"), vec!["--trace"]);
        // A global flag's value is not taken for a positional.
        assert_eq!(c("nats kv get --timeout 5s "), vec!["cache", "config"]);
        assert_eq!(c("nats kv get --revision 3 config a"), vec!["app.timeout", "app.tls"]);
        let comp = complete("nats kv get config app.t", &[], &|_| vec!["app.timeout".into(), "app.tls".into()]);
        assert_eq!(comp.common_prefix(), "app.t");
        assert_eq!(comp.start, "nats kv get config ".len());
    }
}
