//! Reading a command line: shell-style words, then the `nats` CLI's argument grammar (its `fisk` parser's rules:
//! flags before or after positional arguments, `--flag=value`, `--no-flag`, `-f`, `--`, `--help`) and its errors.

use crate::engine::index::ListMap;

use super::spec::{self, ArgSpec, CommandSpec, FlagKind, FlagSpec, GroupSpec};
use super::usage::{self, Selected};

pub use super::usage::render as usage_text;

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
    /// Each argument's one value (held as flags hold theirs: the page then has one such map's code).
    pub args: ListMap<&'static str, Vec<String>>,
    pub flags: ListMap<&'static str, Vec<String>>,
    /// The global flags given (`--server`, `--trace`, ...), before or after the command.
    pub globals: ListMap<&'static str, Vec<String>>,
}

impl Parsed {
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args.get(name).and_then(|v| v.first()).map(String::as_str)
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
            Some(v) => parse_go_bool(v).unwrap_or(false),
            None => self.spec.flag(name).and_then(|f| f.default) == Some("true"),
        }
    }
    /// An unsigned flag or argument (a revision), parsed as fisk parses it; 0 when absent.
    pub fn uint(&self, name: &str) -> u64 {
        self.flag(name).or_else(|| self.arg(name)).and_then(|v| parse_go_uint(v).ok()).unwrap_or(0)
    }
    /// A global flag's last value.
    pub fn global(&self, name: &str) -> Option<&str> {
        self.globals.get(name).and_then(|v| v.last()).map(String::as_str)
    }
    /// Whether `--trace` was given.
    pub fn trace(&self) -> bool {
        self.global("trace").is_some_and(|v| parse_go_bool(v).unwrap_or(false))
    }
}

/// What the parser concluded.
#[derive(Clone, Debug)]
pub enum ParseOutcome {
    Command(Parsed),
    /// `--help`, `nats help ...`, a bare `nats` or `--version`: print this text on stdout; the CLI exits 0.
    Help(String),
    /// A usage error: the CLI prints `error: ...` and a blank line on stderr, then the usage of the command.
    /// `hint` is the playground's suggestion for a mistyped command ("did you mean get?"), printed after it.
    UsageError {
        message: String,
        hint: Option<String>,
        usage: String,
    },
    /// Any other parse error: the CLI prints `nats: error: ...`.
    Error(String),
}

/// The version `nats --version` prints.
pub const CLI_VERSION: &str = "0.4.0";

/// A value to check once the whole line is read, in the order fisk sets values.
enum Check {
    Flag(&'static FlagSpec, String),
    Arg(&'static ArgSpec, String),
}

#[derive(Default)]
struct State {
    group: Option<&'static GroupSpec>,
    cmd: Option<&'static CommandSpec>,
    /// `nats help ...`: the words naming the command to explain.
    help_cmd: Option<Vec<String>>,
    args: ListMap<&'static str, Vec<String>>,
    flags: ListMap<&'static str, Vec<String>>,
    globals: ListMap<&'static str, Vec<String>>,
    checks: Vec<Check>,
    next_arg: usize,
    help: bool,
}

impl State {
    fn selected(&self) -> Selected {
        match (self.group, self.cmd) {
            (_, Some(c)) => Selected::Command(c),
            (Some(g), None) => Selected::Group(g),
            (None, None) => Selected::App,
        }
    }
    fn usage_error(&self, message: String, hint: Option<String>) -> ParseOutcome {
        ParseOutcome::UsageError { message, hint, usage: usage::render(self.selected(), self.help) }
    }
    /// Finds a long flag among the selected command's flags and the global ones.
    fn long_flag(&self, name: &str) -> Option<(&'static FlagSpec, bool)> {
        let own = self.cmd.and_then(|c| c.flags.iter().find(|f| f.name == name));
        if let Some(f) = own {
            return Some((f, false));
        }
        spec::global_flag(name).map(|f| (f, true))
    }
    fn short_flag(&self, c: char) -> Option<(&'static FlagSpec, bool)> {
        let own = self.cmd.and_then(|cmd| cmd.flags.iter().find(|f| f.short == Some(c)));
        if let Some(f) = own {
            return Some((f, false));
        }
        spec::GLOBAL_FLAGS.iter().map(|g| &g.flag).find(|f| f.short == Some(c)).map(|f| (f, true))
    }
    fn set_flag(&mut self, f: &'static FlagSpec, global: bool, value: String) -> Result<(), String> {
        if f.name == "help" {
            self.help = true;
        }
        let map = if global { &mut self.globals } else { &mut self.flags };
        let repeatable = matches!(f.kind, FlagKind::Strings | FlagKind::Map);
        let entry = map.entry_or_insert_with(f.name, Vec::new);
        if !entry.is_empty() && !repeatable {
            return Err(format!("flag '{}' cannot be repeated", f.name));
        }
        entry.push(value.clone());
        self.checks.push(Check::Flag(f, value));
        Ok(())
    }
}

/// The closest name to a mistyped one, if one is close (at most two edits, or a prefix).
fn suggest<'a>(typed: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let sub = prev[j] + usize::from(ca != *cb);
                cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
            }
            prev = cur;
        }
        prev[b.len()]
    }
    let typed_l = typed.to_ascii_lowercase();
    names
        .map(|n| (distance(&typed_l, n), n))
        .filter(|(d, n)| {
            *d <= 2.min(n.len().saturating_sub(1)).max(1) || (typed_l.len() >= 2 && n.starts_with(&typed_l))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Parses the words after `nats` with fisk's rules: flags of the selected command and global flags anywhere after
/// they become known, `--flag=value`, `--no-flag` for negatable booleans, clustered short flags, `--`, and fisk's
/// order of errors (flag validators, then parse errors, then help, then values, then required arguments).
pub fn parse(words: &[String]) -> ParseOutcome {
    let mut st = State::default();
    let mut queue: std::collections::VecDeque<(String, bool)> = words.iter().map(|w| (w.clone(), false)).collect();
    let mut only_args = false;
    let mut parse_err: Option<ParseOutcome> = None;
    // Takes a flag's value: the next word, unless it is a flag (`--` lets the word after it through).
    fn take_value(queue: &mut std::collections::VecDeque<(String, bool)>, only_args: &mut bool) -> Option<String> {
        let (w, literal) = queue.front()?.clone();
        if literal || *only_args {
            queue.pop_front();
            return Some(w);
        }
        if w == "--" {
            queue.pop_front();
            *only_args = true;
            return queue.pop_front().map(|(w, _)| w);
        }
        if w.starts_with('-') && w != "-" {
            return None;
        }
        queue.pop_front();
        Some(w)
    }
    while let Some((w, literal)) = queue.pop_front() {
        let ignore_rest = st.cmd.is_some_and(|c| !c.available);
        if !literal && !only_args && w == "--" {
            only_args = true;
            continue;
        }
        if !literal && !only_args && w.starts_with("--") {
            let body = &w[2..];
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let found = match st.long_flag(name) {
                Some(f) => Some((f, false)),
                None => name.strip_prefix("no-").and_then(|n| st.long_flag(n)).map(|f| (f, true)),
            };
            let (f, global, negated) = match found {
                Some(((f, g), false)) => (f, g, false),
                Some(((f, g), true)) if matches!(f.kind, FlagKind::Bool { negatable: true }) => (f, g, true),
                _ if ignore_rest => continue,
                _ => {
                    parse_err = Some(st.usage_error(format!("unknown long flag '--{name}'"), None));
                    break;
                }
            };
            let value = if let FlagKind::Bool { .. } = f.kind {
                // fisk gives `--flag=x` of a boolean the value true and reads `x` as the next argument.
                if let Some(v) = inline {
                    queue.push_front((v, true));
                }
                (!negated).to_string()
            } else {
                match inline.or_else(|| take_value(&mut queue, &mut only_args)) {
                    Some(v) => v,
                    None => {
                        parse_err = Some(st.usage_error(format!("expected argument for flag '--{name}'"), None));
                        break;
                    }
                }
            };
            if let Err(e) = st.set_flag(f, global, value) {
                parse_err = Some(st.usage_error(e, None));
                break;
            }
            continue;
        }
        if !literal && !only_args && w.starts_with('-') && w.len() > 1 {
            let mut chars = w[1..].chars();
            let Some(ch) = chars.next() else { continue };
            let rest: String = chars.collect();
            let Some((f, global)) = st.short_flag(ch) else {
                if ignore_rest {
                    continue;
                }
                parse_err = Some(st.usage_error(format!("unknown short flag '-{ch}'"), None));
                break;
            };
            let value = if matches!(f.kind, FlagKind::Bool { .. }) {
                if !rest.is_empty() {
                    queue.push_front((format!("-{rest}"), false));
                }
                "true".to_string()
            } else if !rest.is_empty() {
                rest
            } else {
                match take_value(&mut queue, &mut only_args) {
                    Some(v) => v,
                    None => {
                        parse_err = Some(st.usage_error(format!("expected argument for flag '-{ch}'"), None));
                        break;
                    }
                }
            };
            if let Err(e) = st.set_flag(f, global, value) {
                parse_err = Some(st.usage_error(e, None));
                break;
            }
            continue;
        }
        // A positional word: a group, a command, or an argument.
        if let Some(path) = &mut st.help_cmd {
            path.push(w);
            continue;
        }
        match (st.group, st.cmd) {
            (None, _) if w == "help" => st.help_cmd = Some(Vec::new()),
            (None, _) => match spec::group(&w) {
                Some(g) => st.group = Some(g),
                None => {
                    let hint = suggest(&w, spec::GROUPS.iter().map(|g| g.name)).map(|n| format!("did you mean {n}?"));
                    parse_err = Some(st.usage_error(
                        format!(
                            "expected command but got {w:?}, use --help for full help including flags and arguments"
                        ),
                        hint,
                    ));
                    break;
                }
            },
            (Some(g), None) => {
                match spec::command(g.name, &w) {
                    Some(c) => st.cmd = Some(c),
                    None => {
                        let hint = suggest(&w, spec::commands_of(g.name).map(|c| c.name))
                            .map(|n| format!("did you mean {n}?"));
                        parse_err = Some(st.usage_error(
                        format!("expected command but got {w:?}, use --help for full help including flags and arguments"),
                        hint,
                    ));
                        break;
                    }
                }
            }
            (Some(_), Some(c)) if !c.available => {}
            (Some(_), Some(c)) => {
                let Some(a) = c.args.get(st.next_arg) else {
                    parse_err = Some(st.usage_error(format!("unexpected argument {w}"), None));
                    break;
                };
                st.args.insert(a.name, vec![w.clone()]);
                st.checks.push(Check::Arg(a, w));
                st.next_arg += 1;
            }
        }
    }
    // Flag validators run first, even when the line has a parse error (fisk `validateFlagsAndArgs`).
    for c in &st.checks {
        if let Check::Flag(f, v) = c {
            if let FlagKind::IntRange(lo, hi) = f.kind {
                if let Err(e) = check_range(v, lo, hi) {
                    return ParseOutcome::Error(format!("{}: {e}", f.name));
                }
            }
        }
    }
    if st.globals.contains_key("version") {
        return ParseOutcome::Help(format!("{CLI_VERSION}\n"));
    }
    if let Some(e) = parse_err {
        return e;
    }
    if let Some(path) = &st.help_cmd {
        return help_for(path, st.help);
    }
    if st.help {
        return ParseOutcome::Help(usage::render(st.selected(), true));
    }
    // Values are set in the order given; the first that does not parse ends the line.
    for c in &st.checks {
        let r = match c {
            Check::Flag(f, v) => check_value(f, v),
            Check::Arg(a, v) if a.uint => parse_go_uint(v).map(|_| ()).map_err(|e| uint_error(v, e)),
            Check::Arg(..) => Ok(()),
        };
        if let Err(e) = r {
            return ParseOutcome::Error(e);
        }
    }
    if st.group.is_none() {
        // A bare `nats` prints the application's usage and exits 0.
        return ParseOutcome::Help(usage::render(Selected::App, false));
    }
    let Some(c) = st.cmd else {
        let msg =
            "a subcommand from the list below is required, use --help for full help including flags and arguments";
        return st.usage_error(msg.to_string(), None);
    };
    let mut args = st.args.clone();
    if c.available {
        for a in c.args {
            if !args.contains_key(a.name) {
                if a.required {
                    return st.usage_error(format!("required argument '{}' not provided", a.name), None);
                }
                if let Some(d) = a.default {
                    args.insert(a.name, vec![d.to_string()]);
                }
            }
        }
    }
    ParseOutcome::Command(Parsed { spec: c, args, flags: st.flags, globals: st.globals })
}

/// `nats help WORDS...`: the usage of the command the words name (fisk's help command), or the parse error.
fn help_for(path: &[String], help_flag: bool) -> ParseOutcome {
    let mut sel = Selected::App;
    for w in path {
        sel = match sel {
            Selected::App => match spec::group(w) {
                Some(g) => Selected::Group(g),
                None => return ParseOutcome::Error(format!("expected command but got {w:?}")),
            },
            Selected::Group(g) => match spec::command(g.name, w) {
                Some(c) => Selected::Command(c),
                None => return ParseOutcome::Error(format!("expected command but got {w:?}")),
            },
            Selected::Command(_) => break,
        };
    }
    ParseOutcome::Help(usage::render(sel, help_flag))
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Why a number did not parse, in `strconv`'s words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumError {
    Syntax,
    Range,
}

fn uint_error(v: &str, e: NumError) -> String {
    let why = if e == NumError::Syntax { "invalid syntax" } else { "value out of range" };
    format!("strconv.ParseUint: parsing {v:?}: {why}")
}

/// Go's `strconv.ParseUint(s, 0, 64)`, which fisk uses for unsigned flags and arguments: decimal, `0x` hex,
/// `0o` or a leading `0` for octal, `0b` binary, and `_` between digits when a base prefix is given.
pub fn parse_go_uint(s: &str) -> Result<u64, NumError> {
    if s.is_empty() {
        return Err(NumError::Syntax);
    }
    let lower = s.to_ascii_lowercase();
    let (base, digits, prefixed) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r.to_string(), true)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r.to_string(), true)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    // Underscores: only with a base prefix, only between digits (Go's `underscoreOK`).
    if digits.contains('_') {
        // The base prefix counts as a digit, so `0x_1f` is fine.
        let ok = prefixed && !digits.ends_with('_') && !digits.contains("__");
        if !ok {
            return Err(NumError::Syntax);
        }
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() {
        return Err(NumError::Syntax);
    }
    let mut n: u64 = 0;
    let mut overflow = false;
    for c in clean.chars() {
        let d = c.to_digit(base).ok_or(NumError::Syntax)? as u64;
        match n.checked_mul(base as u64).and_then(|m| m.checked_add(d)) {
            Some(v) => n = v,
            None => overflow = true,
        }
    }
    if overflow {
        return Err(NumError::Range);
    }
    Ok(n)
}

/// natscli's `Int64RangeValidator`: a base-10 integer within the range.
fn check_range(v: &str, lo: i64, hi: i64) -> Result<(), String> {
    let n: i64 = match v.parse() {
        Ok(n) => n,
        Err(_) => {
            let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
            let why = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                "value out of range"
            } else {
                "invalid syntax"
            };
            return Err(format!("strconv.ParseInt: parsing {v:?}: {why}"));
        }
    };
    if n < lo {
        return Err(format!("must be greater than or equal to {lo}"));
    }
    if n > hi {
        return Err(format!("must be less than or equal to {hi}"));
    }
    Ok(())
}

fn check_value(f: &FlagSpec, v: &str) -> Result<(), String> {
    match f.kind {
        FlagKind::Bool { .. } => {
            parse_go_bool(v).map(|_| ()).ok_or_else(|| format!("strconv.ParseBool: parsing {v:?}: invalid syntax"))
        }
        FlagKind::Uint => parse_go_uint(v).map(|_| ()).map_err(|e| uint_error(v, e)),
        // The validator has passed; fisk's Int64Var then parses with base 0.
        FlagKind::IntRange(..) => Ok(()),
        FlagKind::Duration => parse_fisk_duration(v).map(|_| ()),
        FlagKind::Enum(opts) => {
            if opts.contains(&v) {
                Ok(())
            } else {
                Err(format!("enum value must be one of {}, got '{v}'", opts.join(",")))
            }
        }
        FlagKind::Map => split_map_value(v).map(|_| ()),
        FlagKind::String | FlagKind::Strings => Ok(()),
    }
}

/// A `--metadata` value: fisk's `StringMap` splits at the first `:` or `=`.
pub fn split_map_value(v: &str) -> Result<(String, String), String> {
    match v.find([':', '=']) {
        Some(i) => Ok((v[..i].to_string(), v[i + 1..].to_string())),
        None => Err(format!("expected KEY=VALUE got '{v}'")),
    }
}

/// Parses a duration as the CLI does; `None` when it would fail.
pub fn parse_cli_duration(s: &str) -> Option<i64> {
    parse_fisk_duration(s).ok()
}

/// fisk's `ParseDuration` (`durations.go`): every `[-+]?[\d.]+[a-zA-Z]+` in the text (anything between them is
/// ignored, so `1h 30m` is 90 minutes), with `w`/`W` (7 days), `d`/`D`, `M` (30 days) and `y`/`Y` (365 days)
/// counted in whole hours of a float32, and Go's own units through `time.ParseDuration`; a sign counts only on the
/// first part. Errors are fisk's: `invalid duration`, `invalid duration: invalid unit x`, and Go's texts.
pub fn parse_fisk_duration(s: &str) -> Result<i64, String> {
    const INVALID: &str = "invalid duration";
    if s == "0" {
        return Ok(0);
    }
    let s = s.trim();
    if s.is_empty() {
        return Err(INVALID.into());
    }
    // Find the parts as the regular expression would, leftmost first.
    let chars: Vec<char> = s.chars().collect();
    let mut parts: Vec<(bool, String, String)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let signed = matches!(chars[i], '-' | '+');
        let start = if signed { i + 1 } else { i };
        let mut j = start;
        while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
            j += 1;
        }
        let mut k = j;
        while k < chars.len() && chars[k].is_ascii_alphabetic() {
            k += 1;
        }
        if j > start && k > j {
            let num: String = chars[start..j].iter().collect();
            let unit: String = chars[j..k].iter().collect();
            parts.push((signed && chars[i] == '-', num, unit));
            i = k;
        } else {
            i += 1;
        }
    }
    if parts.is_empty() {
        return Err(INVALID.into());
    }
    let hour: i128 = 3_600_000_000_000;
    let mut total: i128 = 0;
    let neg = parts[0].0;
    for (_, num, unit) in &parts {
        let days = match unit.as_str() {
            "w" | "W" => Some(7.0 * 24.0),
            "d" | "D" => Some(24.0),
            "M" => Some(24.0 * 30.0),
            "y" | "Y" => Some(24.0 * 365.0),
            _ => None,
        };
        if let Some(hours_per) = days {
            let v: f64 = match go_parse_float(num) {
                Some(v) => v,
                None => return Err(format!("{INVALID}: strconv.ParseFloat: parsing {num:?}: invalid syntax")),
            };
            // `time.Duration(val*24) * time.Hour`: the hours are truncated to a whole number.
            let hours = (v * hours_per).trunc();
            total = total.saturating_add((hours as i128).saturating_mul(hour));
            continue;
        }
        match unit.as_str() {
            "ns" | "us" | "ms" | "s" | "m" | "h" => {
                let d = go_parse_duration(&format!("{num}{unit}")).map_err(|e| format!("{INVALID}: {e}"))?;
                total = total.saturating_add(d as i128);
            }
            other => return Err(format!("{INVALID}: invalid unit {other}")),
        }
    }
    // Go would wrap around on overflow; the playground refuses such a duration instead.
    if total > i64::MAX as i128 {
        return Err(INVALID.into());
    }
    let total = total as i64;
    Ok(if neg { -total } else { total })
}

/// `strconv.ParseFloat(s, 32)` for digits and dots, widened back to f64.
fn go_parse_float(s: &str) -> Option<f64> {
    if s.matches('.').count() > 1 || s == "." {
        return None;
    }
    s.parse::<f32>().ok().map(f64::from)
}

/// Go's `time.ParseDuration` for one number and unit (`1.5h`), with its error texts.
fn go_parse_duration(orig: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {orig:?}");
    let split = orig.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(orig.len());
    let (num, unit) = orig.split_at(split);
    let (int_part, frac_part, dot) = match num.split_once('.') {
        Some((a, b)) => (a, b, true),
        None => (num, "", false),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(invalid());
    }
    if dot && frac_part.contains('.') {
        return Err(format!("time: missing unit in duration {orig:?}"));
    }
    let per: f64 = match unit {
        "ns" => 1.0,
        "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => return Err(format!("time: unknown unit {unit:?} in duration {orig:?}")),
    };
    let whole: f64 = if int_part.is_empty() { 0.0 } else { int_part.parse::<f64>().map_err(|_| invalid())? };
    let frac: f64 =
        if frac_part.is_empty() { 0.0 } else { format!("0.{frac_part}").parse::<f64>().map_err(|_| invalid())? };
    let v = whole * per + frac * per;
    if v >= 9.223_372_036_854_776e18 {
        return Err(invalid());
    }
    Ok(v as i64)
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
    fn global_flags_go_anywhere_once_known() {
        for line in ["nats --trace kv get b k", "nats kv get b k --trace", "nats kv --trace get b k"] {
            match p(line) {
                ParseOutcome::Command(c) => assert!(c.trace(), "{line}"),
                other => panic!("{line}: {other:?}"),
            }
        }
        match p("nats -s nats://x:4222 kv ls --context dev") {
            ParseOutcome::Command(c) => {
                assert_eq!(c.global("server"), Some("nats://x:4222"));
                assert_eq!(c.global("context"), Some("dev"));
            }
            other => panic!("{other:?}"),
        }
        match p("nats -snats://x kv ls -nv") {
            ParseOutcome::Command(c) => {
                assert_eq!(c.global("server"), Some("nats://x"));
                assert!(c.bool("names") && c.bool("verbose"));
            }
            other => panic!("{other:?}"),
        }
        // A command's flags are not known before the command is.
        assert!(matches!(p("nats --history 5 kv add b"), ParseOutcome::UsageError { .. }));
        // A boolean given `=x` is true, and `x` is read as the next argument (fisk's tokenizer).
        match p("nats kv del b --force=false") {
            ParseOutcome::Command(c) => {
                assert!(c.bool("force"));
                assert_eq!(c.arg("key"), Some("false"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn help_follows_fisk() {
        let help = |o: ParseOutcome| match o {
            ParseOutcome::Help(h) => h,
            other => panic!("{other:?}"),
        };
        let h = help(p("nats kv put --help"));
        assert!(h.contains("\nArgs:\n") && h.contains("\nGlobal Flags:\n") && !h.contains("\nFlags:\n"), "{h}");
        let h = help(p("nats help kv put"));
        assert!(h.ends_with("Pass --help to see global flags applicable to this command.\n"), "{h}");
        assert!(help(p("nats help")).starts_with("usage: nats [<flags>] <command>"));
        assert!(matches!(p("nats help kv gett"), ParseOutcome::Error(e) if e == "expected command but got \"gett\""));
        let h = help(p("nats account --help"));
        for sub in ["account info", "account report", "account backup", "account restore", "account tls"] {
            assert!(h.contains(sub), "{sub}: {h}");
        }
        assert_eq!(help(p("nats --version")), "0.4.0\n");
    }

    #[test]
    fn a_mistyped_command_gets_a_suggestion() {
        match p("nats kv gett") {
            ParseOutcome::UsageError { hint, .. } => assert_eq!(hint.as_deref(), Some("did you mean get?")),
            other => panic!("{other:?}"),
        }
        match p("nats kb ls") {
            ParseOutcome::UsageError { hint, .. } => assert_eq!(hint.as_deref(), Some("did you mean kv?")),
            other => panic!("{other:?}"),
        }
        match p("nats kv zzzzzz") {
            ParseOutcome::UsageError { hint, .. } => assert_eq!(hint, None),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn numbers_take_the_bases_fisk_takes() {
        assert_eq!(parse_go_uint("10"), Ok(10));
        assert_eq!(parse_go_uint("0x1f"), Ok(31));
        assert_eq!(parse_go_uint("0o17"), Ok(15));
        assert_eq!(parse_go_uint("017"), Ok(15));
        assert_eq!(parse_go_uint("0b101"), Ok(5));
        assert_eq!(parse_go_uint("0x_1f"), Ok(31));
        assert_eq!(parse_go_uint("1_000"), Err(NumError::Syntax));
        assert_eq!(parse_go_uint("-1"), Err(NumError::Syntax));
        assert_eq!(parse_go_uint("99999999999999999999"), Err(NumError::Range));
        let err = |o: ParseOutcome| match o {
            ParseOutcome::Error(e) => e,
            other => panic!("{other:?}"),
        };
        assert_eq!(err(p("nats kv revert b k x")), "strconv.ParseUint: parsing \"x\": invalid syntax");
        assert_eq!(err(p("nats kv get b k --revision=-1")), "strconv.ParseUint: parsing \"-1\": invalid syntax");
        // The history validator parses base 10 first.
        assert_eq!(err(p("nats kv add b --history 0x5")), "history: strconv.ParseInt: parsing \"0x5\": invalid syntax");
        match p("nats kv get b k --revision 0x10") {
            ParseOutcome::Command(c) => assert_eq!(c.uint("revision"), 16),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn durations_parse_and_fail_as_fisk_does() {
        assert_eq!(parse_fisk_duration("1h 30m"), Ok(90 * 60 * 1_000_000_000));
        assert_eq!(parse_fisk_duration("1.5h"), Ok(90 * 60 * 1_000_000_000));
        assert_eq!(parse_fisk_duration("1.5d"), Ok(36 * 3600 * 1_000_000_000));
        assert_eq!(parse_fisk_duration("-2m"), Ok(-120 * 1_000_000_000));
        assert_eq!(parse_fisk_duration("10"), Err("invalid duration".to_string()));
        assert_eq!(parse_fisk_duration("10x"), Err("invalid duration: invalid unit x".to_string()));
        assert_eq!(parse_fisk_duration("1mo"), Err("invalid duration: invalid unit mo".to_string()));
        assert_eq!(
            parse_fisk_duration("1.2.3h"),
            Err("invalid duration: time: missing unit in duration \"1.2.3h\"".to_string())
        );
        // Absurd sizes do not overflow.
        assert!(parse_fisk_duration("99999999999999999999999999999999999999999w").is_err());
        assert!(parse_fisk_duration("9999999999999999999999h").is_err());
        assert_eq!(split_map_value("a:b=c"), Ok(("a".to_string(), "b=c".to_string())));
        assert_eq!(split_map_value("a=b:c"), Ok(("a".to_string(), "b:c".to_string())));
        assert!(split_map_value("ab").is_err());
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
