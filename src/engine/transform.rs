//! Subject transforms as nats-server validates and applies them (a stream's republish directive and subject
//! transform, a mirror's or a source's transforms): a source filter and a destination made of literal tokens,
//! `>`, and references to the source's `*` tokens (`$1` or `{{wildcard(1)}}`).

use crate::engine::ApiError;

/// Whether a subject is valid as a filter: no empty token, no white space, `>` only last.
pub fn valid_filter(subject: &str) -> bool {
    if subject.is_empty() || subject.contains([' ', '\t', '\r', '\n']) {
        return false;
    }
    let tokens: Vec<&str> = subject.split('.').collect();
    tokens.iter().enumerate().all(|(i, t)| !t.is_empty() && (*t != ">" || i == tokens.len() - 1))
}

/// One token of a destination.
#[derive(Clone, Debug, PartialEq, Eq)]
enum DestToken {
    Literal(String),
    /// The subject's token at this position (a reference to one of the source's `*` tokens).
    Token(usize),
    /// What the source's `>` matched.
    Rest,
}

/// A validated transform from subjects matching `src` to subjects built from `dest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectTransform {
    src: Vec<String>,
    dest: Vec<DestToken>,
}

/// A destination token's mapping function, if it is one: `Ok(Some(n))` for a wildcard reference, `Err(true)`
/// for another mapping function (which the playground does not implement), `Err(false)` for a malformed one.
fn placeholder(token: &str) -> Result<Option<usize>, bool> {
    // `$1` names a wildcard; a token such as `$KV` is a literal (async-nats republishes to `$KV.<bucket>.>`).
    if let Some(n) = token.strip_prefix('$').filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) {
        return n.parse::<usize>().map(Some).map_err(|_| false);
    }
    let Some(inner) = token.strip_prefix("{{").and_then(|t| t.strip_suffix("}}")) else { return Ok(None) };
    let inner = inner.trim();
    let (name, args) = inner.split_once('(').ok_or(false)?;
    let args = args.strip_suffix(')').ok_or(false)?;
    if !name.trim().eq_ignore_ascii_case("wildcard") {
        return Err(true);
    }
    args.trim().parse::<usize>().map(Some).map_err(|_| false)
}

impl SubjectTransform {
    /// Checks a transform as the server does. `Err(None)` when it is not valid, `Err(Some(_))` when it uses a
    /// mapping function the playground does not implement.
    pub fn new(src: &str, dest: &str) -> Result<SubjectTransform, Option<ApiError>> {
        // The destination may hold spaces inside a mapping function (`{{ wildcard(1) }}`).
        let tokens_valid = |s: &str| {
            let t: Vec<&str> = s.split('.').collect();
            t.iter().enumerate().all(|(i, x)| !x.is_empty() && (*x != ">" || i == t.len() - 1))
        };
        if !valid_filter(src) || !tokens_valid(dest) {
            return Err(None);
        }
        let stokens: Vec<String> = src.split('.').map(str::to_string).collect();
        // Where each `*` is in the source; a reference to the 0th, which the server takes, means the first token.
        let positions: Vec<usize> = stokens.iter().enumerate().filter(|(_, t)| *t == "*").map(|(i, _)| i).collect();
        let pwcs = positions.len();
        let src_fwc = stokens.last().is_some_and(|t| t == ">");
        let dtokens: Vec<&str> = dest.split('.').collect();
        if dtokens.contains(&"*") || src_fwc != dtokens.last().is_some_and(|t| *t == ">") {
            return Err(None);
        }
        let mut out = Vec::with_capacity(dtokens.len());
        for t in dtokens {
            out.push(match (t, placeholder(t)) {
                (">", _) => DestToken::Rest,
                (_, Ok(None)) => DestToken::Literal(t.to_string()),
                (_, Ok(Some(n))) if n <= pwcs && (pwcs > 0 || src_fwc) => {
                    DestToken::Token(n.checked_sub(1).and_then(|i| positions.get(i).copied()).unwrap_or(0))
                }
                (_, Err(true)) => {
                    return Err(Some(ApiError::not_supported("subject mapping functions other than wildcard")))
                }
                _ => return Err(None),
            });
        }
        Ok(SubjectTransform { src: stokens, dest: out })
    }

    /// The destination for a subject, or `None` when the subject does not match the source.
    pub fn apply(&self, subject: &str) -> Option<String> {
        let tokens: Vec<&str> = subject.split('.').collect();
        let mut rest = None;
        for (i, s) in self.src.iter().enumerate() {
            match (s.as_str(), tokens.get(i)) {
                (">", Some(_)) => {
                    rest = Some(tokens[i..].join("."));
                    break;
                }
                ("*", Some(_)) => {}
                (lit, Some(t)) if lit == *t => {}
                _ => return None,
            }
        }
        if rest.is_none() && tokens.len() != self.src.len() {
            return None;
        }
        let parts: Vec<String> = self
            .dest
            .iter()
            .map(|d| match d {
                DestToken::Literal(l) => l.clone(),
                DestToken::Token(i) => tokens.get(*i).map(|t| t.to_string()).unwrap_or_default(),
                DestToken::Rest => rest.clone().unwrap_or_default(),
            })
            .collect();
        Some(parts.join("."))
    }
}

/// The mapping functions nats-server knows by name (it checks their form; the playground runs `wildcard` only).
const MAPPING_FUNCTIONS: [&str; 8] =
    ["partition", "wildcard", "splitfromleft", "splitfromright", "slicefromleft", "slicefromright", "split", "random"];

/// nats-server's `ValidateMapping` for the transforms of mirrors, sources and streams: `None` when `src` may be
/// mapped to `dest`, or the server's reason (which its API errors quote after "mirror transform: " and the like).
pub fn mapping_error(src: &str, dest: &str) -> Option<String> {
    const INVALID: &str = "invalid mapping destination";
    if dest.is_empty() {
        return None;
    }
    let mut after_fwc = false;
    for t in dest.split('.') {
        if t.is_empty() {
            return Some(format!("{INVALID}: invalid transform"));
        }
        if after_fwc {
            return Some(format!("{INVALID}: invalid transform in {t}"));
        }
        if t.len() > 4 && t.starts_with("{{") && t.ends_with("}}") {
            let inner = t[2..t.len() - 2].trim();
            let known = inner.split_once('(').is_some_and(|(name, rest)| {
                MAPPING_FUNCTIONS.contains(&name.trim().to_ascii_lowercase().as_str()) && rest.trim_end().ends_with(')')
            });
            if !known {
                return Some(format!("{INVALID}: unknown function in {t}"));
            }
            continue;
        }
        if t == ">" {
            after_fwc = true;
        } else if t.contains([' ', '\t', '\n', '\x0c', '\r']) {
            return Some(format!("{INVALID}: invalid transform"));
        }
    }
    let src = if src.is_empty() { ">" } else { src };
    let dtokens: Vec<&str> = dest.split('.').collect();
    let fwc = |toks: &[&str]| toks.last() == Some(&">");
    let stokens: Vec<&str> = src.split('.').collect();
    if !valid_filter(src) || !valid_filter(dest) || dtokens.contains(&"*") || fwc(&stokens) != fwc(&dtokens) {
        return Some("invalid subject".to_string());
    }
    let pwcs = stokens.iter().filter(|t| **t == "*").count();
    for t in dtokens {
        if let Ok(Some(n)) = placeholder(t) {
            if n > pwcs {
                return Some(format!("{INVALID}: wildcard index out of range in {t}: [{n}]"));
            }
        }
    }
    match SubjectTransform::new(src, dest) {
        Err(None) => Some("invalid subject".to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str, dest: &str) -> SubjectTransform {
        SubjectTransform::new(src, dest).unwrap()
    }

    #[test]
    fn valid_transforms_as_the_server_measures_them() {
        assert_eq!(ok("r.>", "rp.>").apply("r.a.b").as_deref(), Some("rp.a.b"));
        assert_eq!(ok("A.>", "$KV.test.>").apply("A.k").as_deref(), Some("$KV.test.k"));
        assert_eq!(ok("r2.*", "rp2.{{wildcard(1)}}").apply("r2.a").as_deref(), Some("rp2.a"));
        assert_eq!(ok("r2.*", "rp2.{{wildcard(1)}}").apply("r2.a.b"), None);
        assert_eq!(ok("r7.*.*", "r7x.$2.$1").apply("r7.a.b").as_deref(), Some("r7x.b.a"));
        assert_eq!(ok("r10.a", "r10x").apply("r10.b"), None);
    }

    #[test]
    fn invalid_transforms_as_the_server_measures_them() {
        assert_eq!(ok("r.*", "x.{{ wildcard(1) }}").apply("r.a").as_deref(), Some("x.a"));
        assert_eq!(ok("r.*", "x.$0").apply("r.a").as_deref(), Some("x.r"));
        for (src, dest) in
            [(">", "x"), ("r.>", "x.foo"), ("r.*", "y.>"), ("r.*", "y.*"), ("r..a", "x"), ("r.*", "x.$2")]
        {
            assert_eq!(SubjectTransform::new(src, dest), Err(None), "{src} -> {dest}");
        }
        assert!(matches!(SubjectTransform::new("r.*", "x.{{partition(3,1)}}"), Err(Some(_))));
    }

    #[test]
    fn mapping_errors_read_as_the_server_words_them() {
        // Each as nats-server 2.15.1 answered a mirror's transform (after "mirror transform: ").
        assert_eq!(mapping_error("a.*", "x.*").as_deref(), Some("invalid subject"));
        assert_eq!(mapping_error("a.>", "x").as_deref(), Some("invalid subject"));
        let out_of_range = "invalid mapping destination: wildcard index out of range in $2: [2]";
        assert_eq!(mapping_error("a.*", "x.$2").as_deref(), Some(out_of_range));
        let unknown = "invalid mapping destination: unknown function in {{foo(1)}}";
        assert_eq!(mapping_error("a.*", "x.{{foo(1)}}").as_deref(), Some(unknown));
        assert_eq!(mapping_error("a.*", "x.{{partition(3,1)}}"), None);
        assert_eq!(mapping_error("o.>", "t.>"), None);
        assert_eq!(mapping_error("", ""), None);
    }
}
