//! Help and usage texts laid out as natscli's parser (fisk v0.8.1) lays them out: its `CompactMainUsageTemplate`
//! (`templates.go`), its two-column formatter and flag formatting (`usage.go`), and the paragraph wrapping of Go's
//! `go/doc/comment` text printer that both use, at the 80 columns fisk assumes when output is not a terminal.

use super::spec::{self, ArgSpec, CommandSpec, FlagKind, FlagSpec, GroupSpec};

/// The width fisk wraps help to when it cannot ask a terminal (`guesswidth.go`).
pub const WIDTH: usize = 80;

/// What a usage text is about: the application, a command group such as `kv`, or a leaf command.
#[derive(Clone, Copy, Debug)]
pub enum Selected {
    App,
    Group(&'static GroupSpec),
    Command(&'static CommandSpec),
}

/// Splits words into lines of at most `max` characters as Go's `go/doc/comment` does: it minimises first the number
/// of overlong lines and then the sum of the squared spaces left at the end of each line but the last, with a
/// penalty of 64 for a line that does not end in `.`, `,`, `:` or `;`. Returns the index of each line's first word,
/// then `words.len()`.
pub fn wrap_words(words: &[&str], max: usize) -> Vec<usize> {
    let n = words.len();
    if n == 0 {
        return vec![0, 0];
    }
    let max = max as i64;
    let mut total = vec![0i64; n + 1];
    for (i, w) in words.iter().enumerate() {
        total[i + 1] = total[i] + w.chars().count() as i64 + 1;
    }
    let weight = |i: usize, j: usize| -> (i64, i64) {
        let len = total[j] - 1 - total[i];
        if j == n && len <= max {
            return (0, 0);
        }
        let last = words[j - 1];
        let penalty = if last.ends_with(['.', ',', ':', ';']) { 0 } else { 64 };
        let v = (max - len) * (max - len);
        if len > max {
            (v, penalty)
        } else {
            (0, v + penalty)
        }
    };
    // best[j]: the least weight of breaking words[..j], and where its last line starts.
    let mut best: Vec<((i64, i64), usize)> = vec![((0, 0), 0); n + 1];
    for j in 1..=n {
        let mut b: Option<((i64, i64), usize)> = None;
        for (i, ((f_hi, f_lo), _)) in best.iter().enumerate().take(j) {
            let (w_hi, w_lo) = weight(i, j);
            let s = (f_hi.saturating_add(w_hi), f_lo.saturating_add(w_lo));
            if b.is_none_or(|(bs, _)| s < bs) {
                b = Some((s, i));
            }
        }
        best[j] = b.unwrap_or(((0, 0), 0));
    }
    let mut seq = vec![n];
    let mut m = n;
    while m > 0 {
        m = best[m].1;
        seq.push(m);
    }
    seq.reverse();
    seq
}

/// Formats text as fisk's `Wrap` does: paragraphs (separated by blank lines) re-flowed to `width` with `prefix`
/// before each line, a blank line between paragraphs; indented lines are kept as code, two spaces further in.
pub fn wrap(text: &str, width: usize, prefix: &str) -> String {
    let mut blocks: Vec<(bool, Vec<&str>)> = Vec::new();
    let mut cur: Option<(bool, Vec<&str>)> = None;
    for line in text.lines() {
        if line.trim().is_empty() {
            if let Some(b) = cur.take() {
                blocks.push(b);
            }
            continue;
        }
        let code = line.starts_with([' ', '\t']);
        match &mut cur {
            Some((c, lines)) if *c == code => lines.push(line),
            _ => {
                if let Some(b) = cur.take() {
                    blocks.push(b);
                }
                cur = Some((code, vec![line]));
            }
        }
    }
    if let Some(b) = cur.take() {
        blocks.push(b);
    }
    let mut out = String::new();
    for (i, (code, lines)) in blocks.iter().enumerate() {
        if i > 0 {
            out.push_str(prefix.trim_end());
            out.push('\n');
        }
        if *code {
            let common = lines.iter().map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
            for l in lines {
                out.push_str(&format!("{prefix}  {}\n", l[common..].trim_end()));
            }
            continue;
        }
        let joined = lines.join(" ");
        let words: Vec<&str> = joined.split_whitespace().collect();
        let seq = wrap_words(&words, width.saturating_sub(prefix.chars().count()).max(1));
        for k in 0..seq.len().saturating_sub(1) {
            out.push_str(prefix);
            out.push_str(&words[seq[k]..seq[k + 1]].join(" "));
            out.push('\n');
        }
    }
    out
}

/// fisk's `formatTwoColumns` with an indent and padding of 2: the first column is as wide as its widest entry
/// under 30 characters; a wider entry puts its help on the next line; help wraps within what is left of 80.
pub fn two_columns(rows: &[(String, String)]) -> String {
    let (indent, padding) = (2usize, 2usize);
    let max = ((WIDTH as f32 * 0.75 / 2.0) as usize).max(30);
    let s = rows.iter().map(|(a, _)| a.chars().count()).filter(|n| *n < max).max().unwrap_or(0);
    let indent_str = " ".repeat(indent);
    let offset = " ".repeat(s + padding);
    let mut out = String::new();
    for (left, help) in rows {
        let text_width = WIDTH as i64 - s as i64 - padding as i64 - indent as i64;
        let wrapped = if text_width <= 0 {
            format!("{}\n", help.split_whitespace().collect::<Vec<_>>().join(" "))
        } else {
            wrap(help, text_width as usize, "")
        };
        let lines: Vec<&str> = wrapped.trim_end_matches('\n').split('\n').collect();
        let pad = s.saturating_sub(left.chars().count());
        out.push_str(&format!("{indent_str}{left}{}{}", " ".repeat(pad), " ".repeat(padding)));
        if left.chars().count() >= max {
            out.push_str(&format!("\n{indent_str}{offset}"));
        }
        out.push_str(lines.first().copied().unwrap_or(""));
        out.push('\n');
        for l in lines.iter().skip(1) {
            out.push_str(&format!("{indent_str}{offset}{l}\n"));
        }
    }
    out
}

/// fisk's `formatFlag`: `-s, --name=PLACEHOLDER`, `--[no-]name` for negatable booleans, `...` when repeatable.
pub fn format_flag(f: &FlagSpec, have_short: bool) -> String {
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
            (None, None) => f.name.to_ascii_uppercase(),
        };
        s.push('=');
        s.push_str(&ph);
    }
    if matches!(f.kind, FlagKind::Strings | FlagKind::Map) {
        s.push_str(" ...");
    }
    s
}

fn flag_rows<'a>(flags: impl Iterator<Item = (&'a FlagSpec, Option<&'a str>)> + Clone) -> Vec<(String, String)> {
    let have_short = flags.clone().any(|(f, _)| f.short.is_some());
    flags
        .map(|(f, envar)| {
            let help = match envar {
                Some(e) => format!("{} (${e})", f.help),
                None => f.help.to_string(),
            };
            (format_flag(f, have_short), help)
        })
        .collect()
}

fn arg_usage(a: &ArgSpec) -> String {
    if a.required {
        format!("<{}>", a.name)
    } else {
        format!("[<{}>]", a.name)
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The usage text fisk's compact template renders. `help_flag_set` is true when `--help` (or `-h`) was given:
/// then the global flags are listed; otherwise a line says how to see them.
pub fn render(sel: Selected, help_flag_set: bool) -> String {
    let mut out = String::new();
    match sel {
        Selected::App => {
            out.push_str("usage: nats [<flags>] <command> [<args> ...]\n\n");
            out.push_str(&wrap(spec::APP_HELP, WIDTH, ""));
            out.push('\n');
            out.push_str("Commands:\n");
            let rows: Vec<(String, String)> =
                spec::GROUPS.iter().map(|g| (g.name.to_string(), first_line(g.help).to_string())).collect();
            out.push_str(&two_columns(&rows));
            out.push('\n');
        }
        Selected::Group(g) => {
            out.push_str(&format!("usage: nats {} <command> [<args> ...]\n\n", g.name));
            out.push_str(&wrap(g.help, WIDTH, ""));
            out.push('\n');
            out.push_str("Subcommands:\n");
            let rows: Vec<(String, String)> =
                spec::commands_of(g.name).map(|c| (c.full_name(), first_line(c.help).to_string())).collect();
            out.push_str(&two_columns(&rows));
            out.push('\n');
            if !g.aliases.is_empty() {
                out.push_str(&format!("Command Aliases: {}\n", g.aliases.join(", ")));
            }
            // The template prints a line break after the aliases block whether or not there are aliases.
            out.push('\n');
        }
        Selected::Command(c) => {
            let mut head = format!("usage: nats {}", c.full_name());
            if !c.flags.is_empty() {
                head.push_str(" [<flags>]");
            }
            for a in c.args {
                head.push(' ');
                head.push_str(&arg_usage(a));
            }
            out.push_str(&head);
            out.push_str("\n\n");
            out.push_str(&wrap(c.help, WIDTH, ""));
            out.push('\n');
            if !c.args.is_empty() {
                out.push_str("Args:\n");
                let rows: Vec<(String, String)> = c.args.iter().map(|a| (arg_usage(a), a.help.to_string())).collect();
                out.push_str(&two_columns(&rows));
                out.push('\n');
            }
            if !c.flags.is_empty() {
                out.push_str("Flags:\n");
                out.push_str(&two_columns(&flag_rows(c.flags.iter().map(|f| (f, None)))));
                out.push('\n');
            }
            if !c.aliases.is_empty() {
                out.push_str(&format!("Command Aliases: {}\n", c.aliases.join(", ")));
            }
            out.push('\n');
        }
    }
    if help_flag_set {
        out.push_str("Global Flags:\n");
        out.push_str(&two_columns(&flag_rows(spec::GLOBAL_FLAGS.iter().map(|g| (&g.flag, g.envar)))));
        out.push('\n');
    } else {
        out.push_str("Pass --help to see global flags applicable to this command.\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_wrap_as_go_doc_comments_wrap() {
        let text = "The JetStream Key-Value store uses streams to store key-value pairs\nfor an indefinite period or a per-bucket configured TTL.";
        let w = wrap(text, 80, "");
        assert!(w.lines().all(|l| l.chars().count() <= 80), "{w}");
        assert_eq!(w.lines().count(), 2);
        // A line may end early to end at punctuation.
        let seq = wrap_words(&["aaaa,", "bbbb", "cc"], 10);
        assert_eq!(seq, vec![0, 1, 3]);
        assert_eq!(wrap("one\n\ntwo", 80, ""), "one\n\ntwo\n");
    }

    #[test]
    fn two_columns_wrap_the_help_beside_the_widest_entry() {
        let rows = vec![
            (
                "--mirror-domain=MIRROR-DOMAIN".to_string(),
                "When mirroring find the bucket in a different domain".to_string(),
            ),
            ("--a".to_string(), "short".to_string()),
        ];
        let t = two_columns(&rows);
        assert_eq!(
            t,
            "  --mirror-domain=MIRROR-DOMAIN  When mirroring find the bucket in a different\n                                 domain\n  --a                            short\n"
        );
    }
}
