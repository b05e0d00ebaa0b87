//! Reading a command line: shell-style words, then the `nats` CLI's argument grammar (its `fisk` parser's rules:
//! flags before or after positional arguments, `--flag=value`, `--no-flag`, `-f`, `--`, `--help`) and its errors.

use std::collections::BTreeMap;

use super::spec::{self, ArgSpec, CommandSpec, FlagKind, FlagSpec};

/// Splits a line into words as a POSIX shell does: blanks separate, quotes group, `\` escapes, `#` starts a comment.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '#' if !in_word => break,
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => cur.push(ch),
                        None => return Err("unexpected EOF while looking for matching `''".to_string()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => cur.push(e),
                            Some('\n') => {}
                            Some(o) => {
                                cur.push('\\');
                                cur.push(o);
                            }
                            None => return Err("unexpected EOF while looking for matching `\"'".to_string()),
                        },
                        Some(ch) => cur.push(ch),
                        None => return Err("unexpected EOF while looking for matching `\"'".to_string()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    if n != '\n' {
                        cur.push(n);
                    }
                }
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// A parsed leaf command with its argument and flag values as given (flags hold their raw text).
#[derive(Clone, Debug)]
pub struct Parsed {
    pub spec: &'static CommandSpec,
    pub args: BTreeMap<&'static str, String>,
    pub flags: BTreeMap<&'static str, Vec<String>>,
}

impl Parsed {
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args.get(name).map(String::as_str)
    }
    pub fn is_set(&self, name: &str) -> bool {
        self.flags.contains_key(name)
    }
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags.get(name).and_then(|v| v.last()).map(String::as_str)
    }
    pub fn flag_all(&self, name: &str) -> &[String] {
        self.flags.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
    /// A boolean flag's value, or its default.
    pub fn bool(&self, name: &str) -> bool {
        match self.flag(name) {
            Some(v) => v == "true",
            None => self.spec.flag(name).and_then(|f| f.default) == Some("true"),
        }
    }
}

/// What the parser concluded.
#[derive(Clone, Debug)]
pub enum ParseOutcome {
    Command(Parsed),
    /// `--help` or an incomplete command: print this usage text.
    Help(String),
    /// A usage error: the CLI prints `error: ...`, a blank line, then the usage of the command.
    UsageError {
        message: String,
        usage: String,
    },
    /// Any other parse error: the CLI prints `nats: error: ...`.
    Error(String),
}

/// Parses the words after `nats`.
pub fn parse(words: &[String]) -> ParseOutcome {
    let mut group: Option<&'static spec::GroupSpec> = None;
    let mut cmd: Option<&'static CommandSpec> = None;
    let mut args: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut flags: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut next_arg = 0usize;
    let mut help = false;
    let mut only_args = false;
    let mut i = 0;
    let usage = |g: Option<&'static spec::GroupSpec>, c: Option<&'static CommandSpec>| usage_text(g, c);
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if !only_args && w == "--" {
            only_args = true;
            continue;
        }
        if !only_args && w.starts_with("--") {
            let body = &w[2..];
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            if name == "help" {
                help = true;
                continue;
            }
            let Some(c) = cmd else {
                return ParseOutcome::UsageError {
                    message: format!("unknown long flag '{w}'"),
                    usage: usage(group, cmd),
                };
            };
            let (f, negated) = match c.flag(name) {
                Some(f) => (f, false),
                None => match name.strip_prefix("no-").and_then(|n| c.flag(n)) {
                    Some(f) if matches!(f.kind, FlagKind::Bool { negatable: true }) => (f, true),
                    _ => {
                        return ParseOutcome::UsageError {
                            message: format!("unknown long flag '--{name}'"),
                            usage: usage(group, cmd),
                        }
                    }
                },
            };
            let value = if let FlagKind::Bool { .. } = f.kind {
                match inline {
                    Some(v) => v,
                    None => (!negated).to_string(),
                }
            } else {
                match inline {
                    Some(v) => v,
                    None if i < words.len() => {
                        i += 1;
                        words[i - 1].clone()
                    }
                    None => {
                        return ParseOutcome::UsageError {
                            message: format!("expected argument for flag '--{name}'"),
                            usage: usage(group, cmd),
                        }
                    }
                }
            };
            if let Err(e) = add_flag(&mut flags, f, value) {
                return ParseOutcome::UsageError { message: e, usage: usage(group, cmd) };
            }
            continue;
        }
        if !only_args && w.starts_with('-') && w.len() > 1 {
            // One or more short flags ("-f", "-nv").
            for ch in w[1..].chars() {
                if ch == 'h' {
                    help = true;
                    continue;
                }
                let found = cmd.and_then(|c| c.flags.iter().find(|f| f.short == Some(ch)));
                match found {
                    Some(f) if matches!(f.kind, FlagKind::Bool { .. }) => {
                        if let Err(e) = add_flag(&mut flags, f, "true".into()) {
                            return ParseOutcome::UsageError { message: e, usage: usage(group, cmd) };
                        }
                    }
                    _ => {
                        return ParseOutcome::UsageError {
                            message: format!("unknown short flag '-{ch}'"),
                            usage: usage(group, cmd),
                        }
                    }
                }
            }
            continue;
        }
        // A positional word: a group, a command, or an argument.
        match (group, cmd) {
            (None, _) => match spec::group(w) {
                Some(g) => group = Some(g),
                None => {
                    return ParseOutcome::UsageError {
                        message: format!(
                            "expected command but got {w:?}, use --help for full help including flags and arguments"
                        ),
                        usage: usage(None, None),
                    }
                }
            },
            (Some(g), None) => match spec::command(g.name, w) {
                Some(c) => cmd = Some(c),
                None => {
                    return ParseOutcome::UsageError {
                        message: format!(
                            "expected command but got {w:?}, use --help for full help including flags and arguments"
                        ),
                        usage: usage(group, None),
                    }
                }
            },
            (Some(_), Some(c)) => {
                let Some(a) = c.args.get(next_arg) else {
                    return ParseOutcome::UsageError {
                        message: format!("unexpected argument {w}"),
                        usage: usage(group, cmd),
                    };
                };
                args.insert(a.name, w.clone());
                next_arg += 1;
            }
        }
    }
    if help {
        return ParseOutcome::Help(usage(group, cmd));
    }
    let Some(c) = cmd else {
        let msg =
            "a subcommand from the list below is required, use --help for full help including flags and arguments";
        return ParseOutcome::UsageError { message: msg.to_string(), usage: usage(group, None) };
    };
    for a in c.args {
        if !args.contains_key(a.name) {
            if a.required {
                return ParseOutcome::UsageError {
                    message: format!("required argument '{}' not provided", a.name),
                    usage: usage(group, cmd),
                };
            }
            if let Some(d) = a.default {
                args.insert(a.name, d.to_string());
            }
        }
    }
    // Validate flag values as the CLI's value parsers would.
    for (name, values) in &flags {
        let Some(f) = c.flag(name) else { continue };
        for v in values {
            if let Err(e) = check_value(f, v) {
                return ParseOutcome::Error(e);
            }
        }
    }
    ParseOutcome::Command(Parsed { spec: c, args, flags })
}

fn add_flag(flags: &mut BTreeMap<&'static str, Vec<String>>, f: &FlagSpec, value: String) -> Result<(), String> {
    let repeatable = matches!(f.kind, FlagKind::Strings | FlagKind::Map);
    let entry = flags.entry(f.name).or_default();
    if !entry.is_empty() && !repeatable {
        return Err(format!("flag '{}' cannot be repeated", f.name));
    }
    entry.push(value);
    Ok(())
}

fn check_value(f: &FlagSpec, v: &str) -> Result<(), String> {
    match f.kind {
        FlagKind::Bool { .. } => match v {
            "true" | "false" | "1" | "0" | "t" | "f" | "T" | "F" | "TRUE" | "FALSE" | "True" | "False" => Ok(()),
            _ => Err(format!("strconv.ParseBool: parsing {v:?}: invalid syntax")),
        },
        FlagKind::Uint => {
            v.parse::<u64>().map(|_| ()).map_err(|_| format!("strconv.ParseUint: parsing {v:?}: invalid syntax"))
        }
        FlagKind::IntRange(lo, hi) => {
            let n: i64 =
                v.parse().map_err(|_| format!("{}: strconv.ParseInt: parsing {v:?}: invalid syntax", f.name))?;
            if n < lo {
                return Err(format!("{}: must be greater than or equal to {lo}", f.name));
            }
            if n > hi {
                return Err(format!("{}: must be less than or equal to {hi}", f.name));
            }
            Ok(())
        }
        FlagKind::Duration => parse_cli_duration(v).map(|_| ()).ok_or_else(|| "invalid duration".to_string()),
        FlagKind::Enum(opts) => {
            if opts.contains(&v) {
                Ok(())
            } else {
                Err(format!("enum value must be one of {}, got '{v}'", opts.join(",")))
            }
        }
        FlagKind::Map => {
            if v.contains('=') {
                Ok(())
            } else {
                Err(format!("expected KEY=VALUE got '{v}'"))
            }
        }
        FlagKind::String | FlagKind::Strings => Ok(()),
    }
}

/// Parses a duration as the CLI does: Go units plus `d` (day), `w` (week), `M` (30 days) and `y` (365 days).
pub fn parse_cli_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    if s == "0" {
        return Some(0);
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if body.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    let mut rest = body;
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if n == 0 {
            return None;
        }
        let num: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let day = 86_400e9;
        let unit = match &rest[..u] {
            "w" | "W" => 7.0 * day,
            "d" | "D" => day,
            "M" => 30.0 * day,
            "y" | "Y" => 365.0 * day,
            "h" => 3600e9,
            "m" => 60e9,
            "s" => 1e9,
            "ms" => 1e6,
            "us" | "µs" => 1e3,
            "ns" => 1.0,
            _ => return None,
        };
        rest = &rest[u..];
        total += num * unit;
    }
    if total >= i64::MAX as f64 {
        return None;
    }
    let v = total.round() as i64;
    Some(if neg { -v } else { v })
}

fn arg_usage(a: &ArgSpec) -> String {
    if a.required {
        format!("<{}>", a.name)
    } else {
        format!("[<{}>]", a.name)
    }
}

fn flag_usage(f: &FlagSpec, have_short: bool) -> String {
    let mut name = f.name.to_string();
    if matches!(f.kind, FlagKind::Bool { negatable: true }) {
        name = format!("[no-]{name}");
    }
    let mut s = match f.short {
        Some(c) => format!("-{c}, --{name}"),
        None if have_short => format!("    --{name}"),
        None => format!("--{name}"),
    };
    if !matches!(f.kind, FlagKind::Bool { .. }) {
        let ph = match (f.placeholder, f.default) {
            (Some(p), _) => p.to_string(),
            (None, Some(d)) if f.kind == FlagKind::String => format!("{d:?}"),
            (None, Some(d)) => d.to_string(),
            (None, None) => f.name.to_uppercase(),
        };
        s.push('=');
        s.push_str(&ph);
    }
    if matches!(f.kind, FlagKind::Strings | FlagKind::Map) {
        s.push_str(" ...");
    }
    s
}

fn two_columns(rows: &[(String, String)]) -> String {
    let w = rows.iter().map(|(a, _)| a.chars().count()).filter(|n| *n < 30).max().unwrap_or(0);
    let mut out = String::new();
    for (a, b) in rows {
        if a.chars().count() >= 30 {
            out.push_str(&format!("  {a}\n  {}  {b}\n", " ".repeat(w)));
        } else {
            out.push_str(&format!("  {a:<w$}  {b}\n"));
        }
    }
    out
}

/// The usage text `--help` prints for the app, a group or a command.
pub fn usage_text(group: Option<&'static spec::GroupSpec>, cmd: Option<&'static CommandSpec>) -> String {
    match (group, cmd) {
        (_, Some(c)) => {
            let mut head = format!("usage: nats {}", c.full_name());
            if !c.flags.is_empty() {
                head.push_str(" [<flags>]");
            }
            for a in c.args {
                head.push(' ');
                head.push_str(&arg_usage(a));
            }
            let mut out = format!("{head}\n\n{}\n\n", c.help);
            let have_short = c.flags.iter().any(|f| f.short.is_some());
            let mut rows = vec![(
                if have_short { "-h, --help".to_string() } else { "-h, --help".to_string() },
                "Show context-sensitive help".to_string(),
            )];
            rows.extend(c.flags.iter().map(|f| (flag_usage(f, true), f.help.to_string())));
            out.push_str("Flags:\n");
            out.push_str(&two_columns(&rows));
            if !c.args.is_empty() {
                out.push_str("\nArgs:\n");
                let rows: Vec<(String, String)> = c.args.iter().map(|a| (arg_usage(a), a.help.to_string())).collect();
                out.push_str(&two_columns(&rows));
            }
            if !c.aliases.is_empty() {
                out.push_str(&format!("\nCommand Aliases: {}\n", c.aliases.join(", ")));
            }
            out
        }
        (Some(g), None) => {
            let mut out = format!("usage: nats {} <command> [<args> ...]\n\n{}\n\nSubcommands:\n", g.name, g.help);
            for c in spec::commands_of(g.name) {
                let mut line = format!("  {}", c.full_name());
                if !c.flags.is_empty() {
                    line.push_str(" [<flags>]");
                }
                for a in c.args {
                    line.push(' ');
                    line.push_str(&arg_usage(a));
                }
                out.push_str(&format!("{line}\n    {}\n\n", c.help));
            }
            out
        }
        (None, None) => {
            let mut out = String::from(
                "usage: nats <command> [<args> ...]\n\nNATS Utility\n\nThis playground speaks the Key-Value part of the nats command.\n\nCommands:\n",
            );
            for g in spec::GROUPS {
                out.push_str(&format!("  {}\n    {}\n\n", g.name, g.help.lines().next().unwrap_or("")));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: &str) -> ParseOutcome {
        let words = split_words(line).unwrap();
        parse(&words[1..])
    }

    #[test]
    fn shell_words_follow_posix_quoting() {
        assert_eq!(
            split_words(r#"nats kv put b k "hello world""#).unwrap(),
            vec!["nats", "kv", "put", "b", "k", "hello world"]
        );
        assert_eq!(split_words(r#"a 'it''s' b\ c "q\"x" # comment"#).unwrap(), vec!["a", "its", "b c", "q\"x"]);
        assert_eq!(split_words(r#"a "" ''"#).unwrap(), vec!["a", "", ""]);
        assert!(split_words("a 'open").is_err());
        assert!(split_words("a \"open").is_err());
    }

    #[test]
    fn flags_go_before_or_after_positionals() {
        for line in ["nats kv add --history 5 b", "nats kv add b --history=5", "nats kv add b --history 5"] {
            match p(line) {
                ParseOutcome::Command(c) => {
                    assert_eq!(c.arg("bucket"), Some("b"));
                    assert_eq!(c.flag("history"), Some("5"));
                }
                other => panic!("{line}: {other:?}"),
            }
        }
        match p("nats kv watch b --no-deletes") {
            ParseOutcome::Command(c) => {
                assert!(!c.bool("deletes"));
                assert_eq!(c.arg("key"), Some(">"));
            }
            other => panic!("{other:?}"),
        }
        match p("nats kv del -f b k") {
            ParseOutcome::Command(c) => assert!(c.bool("force")),
            other => panic!("{other:?}"),
        }
        match p("nats kv put b -- -k") {
            ParseOutcome::Command(c) => assert_eq!(c.arg("key"), Some("-k")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn usage_errors_are_worded_as_the_cli_words_them() {
        let msg = |o: ParseOutcome| match o {
            ParseOutcome::UsageError { message, .. } | ParseOutcome::Error(message) => message,
            other => panic!("{other:?}"),
        };
        assert_eq!(msg(p("nats kv put")), "required argument 'bucket' not provided");
        assert_eq!(msg(p("nats kv put b")), "required argument 'key' not provided");
        assert_eq!(msg(p("nats kv get b k extra")), "unexpected argument extra");
        assert_eq!(msg(p("nats kv get b k --bogus")), "unknown long flag '--bogus'");
        assert_eq!(msg(p("nats kv add b --history 65")), "history: must be less than or equal to 64");
        assert_eq!(msg(p("nats kv add b --history 0")), "history: must be greater than or equal to 1");
        assert_eq!(msg(p("nats kv add b --ttl 10")), "invalid duration");
        assert_eq!(msg(p("nats kv add b --storage disk")), "enum value must be one of file,f,memory,m, got 'disk'");
        assert!(msg(p("nats kv frob")).starts_with("expected command but got \"frob\""));
        assert!(msg(p("nats kv")).starts_with("a subcommand from the list below is required"));
        assert!(matches!(p("nats kv put --help"), ParseOutcome::Help(_)));
    }

    #[test]
    fn cli_durations_include_days_and_weeks() {
        assert_eq!(parse_cli_duration("10s"), Some(10_000_000_000));
        assert_eq!(parse_cli_duration("1d"), Some(86_400_000_000_000));
        assert_eq!(parse_cli_duration("1w1h"), Some((7 * 86_400 + 3600) * 1_000_000_000));
        assert_eq!(parse_cli_duration("10"), None);
        assert_eq!(parse_cli_duration(""), None);
    }
}
