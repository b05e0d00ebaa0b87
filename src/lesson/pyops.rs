//! The operation language of Python steps. A built-in lesson pairs each Python snippet with a `kv-ops` block that
//! performs the same KV operations on the backend and prints what the snippet prints, so the page can run it.
//! A test runs the real snippets against a real nats-server and checks both print the same.
//!
//! Statements, one per line (`#` starts a comment):
//! `add ARGS...` creates a bucket with `nats kv add`'s flags, as nats-py's `create_key_value` does (its stream
//! configuration, so the program run after it finds the same bucket); `let NAME = OP ARGS...` with OP one of put, create,
//! update, delete, purge, get, keys, history, status, watch, next; `print TEMPLATE`; `each LIST TEMPLATE`
//! (each element is `it`); `sleep SECONDS`. Templates interpolate `{name}`, `{name.field}` and `{len(name)}`.

use std::collections::BTreeMap;

use crate::backend::KvBackend;
use crate::cli::parse::{parse, split_words, ParseOutcome};
use crate::engine::{Entry, ErrorKind, KvError, Mapping, Operation, Status, WatchEvent, WatchId, WatchOptions};

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
enum Val {
    Int(u64),
    Str(String),
    Entry(Entry),
    List(Vec<Val>),
    Status(Box<Status>),
    Watch(WatchId),
    None,
    Err(String),
}

/// The text nats-py gives for an error, which is what a Python program prints.
pub(crate) fn py_error(e: &KvError) -> String {
    match (e.kind, &e.api) {
        (ErrorKind::KeyNotFound, _) => "nats: key not found".to_string(),
        (_, Some(a)) if a.err_code == 10071 => format!("nats: {}", a.description),
        (_, Some(a)) => format!("nats: {}", a.description),
        _ => e.message.clone(),
    }
}

fn op_py(o: Operation) -> &'static str {
    match o {
        Operation::Put => "PUT",
        Operation::Delete => "DEL",
        Operation::Purge => "PURGE",
    }
}

fn render(v: &Val) -> String {
    match v {
        Val::Int(n) => n.to_string(),
        Val::Str(s) => s.clone(),
        Val::Entry(e) => String::from_utf8_lossy(&e.value).into_owned(),
        Val::List(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Val::Str(s) => format!("'{s}'"),
                    other => render(other),
                })
                .collect();
            format!("[{}]", parts.join(", "))
        }
        Val::Status(s) => s.bucket.clone(),
        Val::Watch(_) => "<watcher>".to_string(),
        Val::None => "None".to_string(),
        Val::Err(e) => e.clone(),
    }
}

fn field(v: &Val, f: &str) -> Result<String, String> {
    Ok(match (v, f) {
        (Val::Entry(e), "value") => String::from_utf8_lossy(&e.value).into_owned(),
        (Val::Entry(e), "revision") => e.revision.to_string(),
        (Val::Entry(e), "key") => e.key.clone(),
        (Val::Entry(e), "op") => op_py(e.operation).to_string(),
        (Val::Status(s), "bucket") => s.bucket.clone(),
        (Val::Status(s), "values") => s.values.to_string(),
        (Val::Status(s), "history") => s.history().to_string(),
        (Val::Status(s), "ttl") => format!("{:.1}", s.config.max_age as f64 / 1e9),
        (Val::Err(e), "error") => e.clone(),
        (Val::None, _) => "None".to_string(),
        (other, f) => return Err(format!("{} has no field {f}", render(other))),
    })
}

/// A block's `add ARGS...` statement as the bucket the program's `create_key_value` makes, so its stream is
/// configured as nats-py's (`runner::local::add` creates it; the lesson runner also uses it alone, to create a
/// bucket as a skipped step's program would have).
pub fn add_config(line: &str) -> Result<crate::engine::Config, String> {
    let words = split_words(line)?;
    let mut args = vec!["kv".to_string(), "add".to_string()];
    args.extend(words.iter().skip(1).cloned());
    let mut cfg = match parse(&args) {
        ParseOutcome::Command(p) => crate::cli::exec::bucket_config(&p, None)?,
        _ => return Err("bad add arguments".into()),
    };
    cfg.mapping = Mapping::Python;
    Ok(cfg)
}

/// Runs a `kv-ops` block and returns what the Python program prints, or the first error in the block itself.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct PyOps {
    vars: BTreeMap<String, Val>,
}

impl PyOps {
    fn template(&self, t: &str, it: Option<&Val>) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = t;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').ok_or_else(|| format!("unclosed {{ in {t:?}"))? + open;
            let expr = &rest[open + 1..close];
            let lookup = |name: &str| -> Result<&Val, String> {
                if name == "it" {
                    return it.ok_or_else(|| "`it` is only set inside each".to_string());
                }
                self.vars.get(name).ok_or_else(|| format!("unknown name {name}"))
            };
            let s = if let Some(inner) = expr.strip_prefix("len(").and_then(|x| x.strip_suffix(')')) {
                match lookup(inner)? {
                    Val::List(l) => l.len().to_string(),
                    other => return Err(format!("len() of {}", render(other))),
                }
            } else if let Some((name, f)) = expr.split_once('.') {
                field(lookup(name)?, f)?
            } else {
                render(lookup(expr)?)
            };
            out.push_str(&s);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Runs the block against `b` at time `now`; `advance` moves the clock for `sleep`.
    pub fn run<B: KvBackend>(
        &mut self,
        src: &str,
        b: &mut B,
        advance: &mut dyn FnMut(&mut B, i64),
    ) -> Result<String, String> {
        let mut out = String::new();
        for (n, raw) in src.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = |e: String| format!("kv-ops line {}: {e}", n + 1);
            if let Some(t) = line.strip_prefix("print ") {
                out.push_str(&self.template(t, None).map_err(at)?);
                out.push('\n');
                continue;
            }
            if line == "print" {
                out.push('\n');
                continue;
            }
            if let Some(rest) = line.strip_prefix("each ") {
                let (name, t) = rest.split_once(' ').ok_or_else(|| at("each needs a list and a template".into()))?;
                let items = match self.vars.get(name).cloned() {
                    Some(Val::List(items)) => items,
                    // The operation raised: the Python program stops there with the client's error.
                    Some(Val::Err(e)) => return Err(at(format!("{name} raised {e}"))),
                    _ => return Err(at(format!("{name} is not a list"))),
                };
                for it in &items {
                    out.push_str(&self.template(t, Some(it)).map_err(at)?);
                    out.push('\n');
                }
                continue;
            }
            if let Some(secs) = line.strip_prefix("sleep ") {
                let s: f64 = secs.trim().parse().map_err(|_| at(format!("bad sleep {secs:?}")))?;
                advance(b, (s * 1e9) as i64);
                continue;
            }
            if line.starts_with("add ") {
                crate::lesson::runner::local::add(line, b).map_err(at)?;
                continue;
            }
            let words = split_words(line).map_err(at)?;
            let (name, op, args) = match words.as_slice() {
                [l, name, eq, op, args @ ..] if l == "let" && eq == "=" => (name.clone(), op.as_str(), args),
                _ => return Err(at(format!("cannot read {line:?}"))),
            };
            let arg = |i: usize| args.get(i).cloned().ok_or_else(|| at(format!("{op} needs more arguments")));
            let rev = |r: Result<u64, KvError>| r.map(Val::Int).unwrap_or_else(|e| Val::Err(py_error(&e)));
            let val = match op {
                "put" => rev(b.put(&arg(0)?, &arg(1)?, arg(2)?.as_bytes())),
                "create" => rev(b.create(&arg(0)?, &arg(1)?, arg(2)?.as_bytes(), 0)),
                "update" => {
                    let r: u64 = arg(3)?.parse().map_err(|_| at("update needs a revision".into()))?;
                    rev(b.update(&arg(0)?, &arg(1)?, arg(2)?.as_bytes(), r))
                }
                "delete" => rev(b.delete(&arg(0)?, &arg(1)?)),
                "purge" => rev(b.purge(&arg(0)?, &arg(1)?, 0)),
                "get" => b.get(&arg(0)?, &arg(1)?).map(Val::Entry).unwrap_or_else(|e| Val::Err(py_error(&e))),
                "keys" => b
                    .keys(&arg(0)?, &[])
                    .map(|k| Val::List(k.into_iter().map(Val::Str).collect()))
                    .unwrap_or_else(|e| Val::Err(py_error(&e))),
                "history" => b
                    .history(&arg(0)?, &arg(1)?)
                    .map(|h| Val::List(h.into_iter().map(Val::Entry).collect()))
                    .unwrap_or_else(|e| Val::Err(py_error(&e))),
                "status" => {
                    b.status(&arg(0)?).map(|s| Val::Status(Box::new(s))).unwrap_or_else(|e| Val::Err(py_error(&e)))
                }
                "watch" => b
                    .watch(&arg(0)?, &[arg(1)?], WatchOptions::default())
                    .map(Val::Watch)
                    .unwrap_or_else(|e| Val::Err(py_error(&e))),
                "next" => {
                    let w = match self.vars.get(&arg(0)?) {
                        Some(Val::Watch(w)) => *w,
                        _ => return Err(at(format!("{} is not a watcher", arg(0)?))),
                    };
                    // The engine queues events; take one, remembering the rest for later `next`s.
                    let key = format!("__queue_{}", w.0);
                    let mut q = match self.vars.remove(&key) {
                        Some(Val::List(l)) => l,
                        _ => Vec::new(),
                    };
                    q.extend(b.poll_watch(w).into_iter().map(|ev| match ev {
                        WatchEvent::Entry(e) => Val::Entry(e),
                        _ => Val::None,
                    }));
                    let v = if q.is_empty() { Val::None } else { q.remove(0) };
                    self.vars.insert(key, Val::List(q));
                    v
                }
                other => return Err(at(format!("unknown operation {other}"))),
            };
            self.vars.insert(name, val);
        }
        Ok(out)
    }
}
