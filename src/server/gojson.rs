//! How nats-server's JSON decoder reads an API request's body: its syntax errors in its own words and offsets,
//! a body of several JSON values read one after another into the same request, and the error for a value
//! that is not an object. Measured against nats-server 2.15 (whose decoder words some errors its own way: every
//! bad number is "in numeric literal", a control character is "in string").

use serde_json::Value;

/// Why a body stopped being readable: a syntax error (its words and the offset the server reports, one past
/// the offending byte), or the end of the body inside a value.
#[derive(Debug, PartialEq)]
pub enum Stop {
    Syntax(String, usize),
    Eof,
}

/// The top-level values a body holds (their byte ranges, in order), and why reading stopped before the end,
/// if it did. The server decodes the values in order, so an error in one comes before anything after it.
pub fn values(body: &[u8]) -> (Vec<(usize, usize)>, Option<Stop>) {
    let mut found = Vec::new();
    let mut i = 0;
    loop {
        skip_space(body, &mut i);
        if i == body.len() {
            return (found, None);
        }
        let start = i;
        match value(body, &mut i) {
            Ok(()) => found.push((start, i)),
            Err(stop) => return (found, Some(stop)),
        }
    }
}

/// The request a body holds, as nats-server's strict decoder reads it into its Go type `go_type`: the objects
/// merged in order (a later value's fields replace an earlier one's), nulls read as nothing, and anything else
/// refused with Go's words.
pub fn decode(body: &[u8], go_type: &str) -> Result<Value, String> {
    let (found, stop) = values(body);
    let mut merged = Value::Object(Default::default());
    for (start, end) in found {
        let text = &body[start..end];
        let kind = match text[0] {
            b'n' => continue,
            b'{' => {
                let v: Value = serde_json::from_slice(text).map_err(|e| e.to_string())?;
                merge(&mut merged, v);
                continue;
            }
            b'[' => "array",
            b'"' => "string",
            b't' | b'f' => "bool",
            _ => "number",
        };
        return Err(format!("json: cannot unmarshal {kind} into Go value of type server.{go_type}"));
    }
    match stop {
        None => Ok(merged),
        Some(Stop::Eof) => Err("unexpected EOF".into()),
        Some(Stop::Syntax(words, offset)) => Err(format!("{words} at offset {offset}")),
    }
}

/// Go's words for a body its plain `json.Unmarshal` cannot read as one JSON value (no offset in them).
pub fn unmarshal_words(body: &[u8]) -> Option<String> {
    let (found, stop) = values(body);
    let Some(&(_, end)) = found.first() else {
        return Some(match stop {
            Some(Stop::Syntax(words, _)) => words,
            _ => "unexpected end of JSON input".into(),
        });
    };
    // One value only: whatever follows it is refused as such.
    let mut i = end;
    skip_space(body, &mut i);
    (i < body.len()).then(|| format!("invalid character {} after top-level value", quote(body, i)))
}

/// A later value decoded into the same request: objects field by field, nulls as nothing, the rest replaced.
fn merge(into: &mut Value, v: Value) {
    match (into, v) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(old) if old.is_object() && v.is_object() => merge(old, v),
                    _ if v.is_null() => {}
                    _ => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (into, v) if !v.is_null() => *into = v,
        _ => {}
    }
}

fn skip_space(b: &[u8], i: &mut usize) {
    while matches!(b.get(*i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        *i += 1;
    }
}

/// What the scanner expects next inside a value.
#[derive(Clone, Copy, PartialEq)]
enum Want {
    Value,
    ValueOrEnd,
    KeyOrEnd,
    Key,
    Colon,
    AfterValue,
}

/// Reads one whole value from `*i`, leaving `*i` just past it.
fn value(b: &[u8], i: &mut usize) -> Result<(), Stop> {
    // Open containers, innermost last: true for an object.
    let mut open: Vec<bool> = Vec::new();
    let mut want = Want::Value;
    loop {
        skip_space(b, i);
        if want == Want::AfterValue && open.is_empty() {
            return Ok(());
        }
        let Some(&c) = b.get(*i) else { return Err(Stop::Eof) };
        want = match want {
            Want::ValueOrEnd if c == b']' => close(&mut open, i),
            Want::KeyOrEnd if c == b'}' => close(&mut open, i),
            Want::Value | Want::ValueOrEnd => match c {
                b'{' => {
                    open.push(true);
                    *i += 1;
                    Want::KeyOrEnd
                }
                b'[' => {
                    open.push(false);
                    *i += 1;
                    Want::ValueOrEnd
                }
                b'"' => {
                    string(b, i)?;
                    Want::AfterValue
                }
                b'-' | b'0'..=b'9' => {
                    number(b, i)?;
                    Want::AfterValue
                }
                b't' => literal(b, i, "true")?,
                b'f' => literal(b, i, "false")?,
                b'n' => literal(b, i, "null")?,
                _ => return Err(invalid(b, *i, "looking for beginning of value")),
            },
            Want::KeyOrEnd | Want::Key => {
                if c != b'"' {
                    return Err(invalid(b, *i, "looking for beginning of object key string"));
                }
                string(b, i)?;
                Want::Colon
            }
            Want::Colon => {
                if c != b':' {
                    return Err(invalid(b, *i, "after object key"));
                }
                *i += 1;
                Want::Value
            }
            Want::AfterValue => {
                let object = open.last().copied().unwrap_or(false);
                match (object, c) {
                    (true, b',') => {
                        *i += 1;
                        Want::Key
                    }
                    (false, b',') => {
                        *i += 1;
                        Want::Value
                    }
                    (true, b'}') | (false, b']') => close(&mut open, i),
                    (true, _) => return Err(invalid(b, *i, "after object key:value pair")),
                    (false, _) => return Err(invalid(b, *i, "after array element")),
                }
            }
        };
    }
}

fn close(open: &mut Vec<bool>, i: &mut usize) -> Want {
    open.pop();
    *i += 1;
    Want::AfterValue
}

fn string(b: &[u8], i: &mut usize) -> Result<(), Stop> {
    *i += 1;
    loop {
        let Some(&c) = b.get(*i) else { return Err(Stop::Eof) };
        match c {
            b'"' => {
                *i += 1;
                return Ok(());
            }
            b'\\' => {
                let Some(&e) = b.get(*i + 1) else { return Err(Stop::Eof) };
                let len = if e == b'u' { 6 } else { 2 };
                let window = &b[*i..(*i + len).min(b.len())];
                let good = match e {
                    b'u' => window[2..].iter().all(u8::is_ascii_hexdigit),
                    _ => b"\"\\/bfnrt".contains(&e),
                };
                if !good {
                    let text = String::from_utf8_lossy(window);
                    return Err(Stop::Syntax(format!("invalid escape sequence `{text}` in string"), *i + window.len()));
                }
                if window.len() < len {
                    return Err(Stop::Eof);
                }
                *i += len;
            }
            c if c < 0x20 => return Err(invalid(b, *i, "in string")),
            _ => *i += 1,
        }
    }
}

fn number(b: &[u8], i: &mut usize) -> Result<(), Stop> {
    let digits = |i: &mut usize| {
        let start = *i;
        while matches!(b.get(*i), Some(b'0'..=b'9')) {
            *i += 1;
        }
        *i > start
    };
    // A required digit: the end of the body, or the byte that is not one.
    let need = |i: &usize| match b.get(*i) {
        None => Err(Stop::Eof),
        Some(_) => Err(invalid(b, *i, "in numeric literal")),
    };
    if b[*i] == b'-' {
        *i += 1;
    }
    match b.get(*i) {
        Some(b'0') => *i += 1,
        Some(b'1'..=b'9') => {
            digits(i);
        }
        _ => return need(i),
    }
    if b.get(*i) == Some(&b'.') {
        *i += 1;
        if !digits(i) {
            return need(i);
        }
    }
    if matches!(b.get(*i), Some(b'e' | b'E')) {
        *i += 1;
        if matches!(b.get(*i), Some(b'+' | b'-')) {
            *i += 1;
        }
        if !digits(i) {
            return need(i);
        }
    }
    Ok(())
}

fn literal(b: &[u8], i: &mut usize, word: &str) -> Result<Want, Stop> {
    for (k, expected) in word.bytes().enumerate().skip(1) {
        match b.get(*i + k) {
            None => return Err(Stop::Eof),
            Some(&c) if c != expected => {
                let why = format!("in literal {word} (expecting '{}')", expected as char);
                return Err(invalid(b, *i + k, &why));
            }
            _ => {}
        }
    }
    *i += word.len();
    Ok(Want::AfterValue)
}

fn invalid(b: &[u8], at: usize, why: &str) -> Stop {
    Stop::Syntax(format!("invalid character {} {why}", quote(b, at)), at + 1)
}

/// The character at `at` quoted as Go quotes a rune.
fn quote(b: &[u8], at: usize) -> String {
    let c = std::str::from_utf8(&b[at..(at + 4).min(b.len())])
        .ok()
        .or_else(|| (1..4).rev().find_map(|n| std::str::from_utf8(b.get(at..at + n)?).ok()))
        .and_then(|s| s.chars().next())
        .unwrap_or('\u{fffd}');
    match c {
        '\'' => "'\\''".into(),
        '\\' => "'\\\\'".into(),
        '\n' => "'\\n'".into(),
        '\r' => "'\\r'".into(),
        '\t' => "'\\t'".into(),
        '\u{7}' => "'\\a'".into(),
        '\u{8}' => "'\\b'".into(),
        '\u{c}' => "'\\f'".into(),
        '\u{b}' => "'\\v'".into(),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => format!("'\\x{:02x}'", c as u32),
        c => format!("'{c}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(body: &str) -> String {
        decode(body.as_bytes(), "StreamConfigRequest").err().unwrap_or_default()
    }

    /// Each as nats-server 2.15 answered it (`tests/conformance/api_probes.json` holds them too).
    #[test]
    fn syntax_errors_read_as_nats_server_words_them() {
        let cases = [
            ("{bad", "invalid character 'b' looking for beginning of object key string at offset 2"),
            ("{\"name\":\"T\",}", "invalid character '}' looking for beginning of object key string at offset 13"),
            ("{\"name\":\"T\"} x", "invalid character 'x' looking for beginning of value at offset 14"),
            ("{\"name\":tru}", "invalid character '}' in literal true (expecting 'e') at offset 12"),
            ("{\"max_msgs\":-}", "invalid character '}' in numeric literal at offset 14"),
            ("{\"max_msgs\":1e}", "invalid character '}' in numeric literal at offset 15"),
            ("{\"max_msgs\":1.5e+}", "invalid character '}' in numeric literal at offset 18"),
            ("{\"name\":\"\\q\"}", "invalid escape sequence `\\q` in string at offset 11"),
            ("{\"name\":\"\\uZZZZ\"}", "invalid escape sequence `\\uZZZZ` in string at offset 15"),
            ("{\"name\":\"\\u12\"}", "invalid escape sequence `\\u12\"}` in string at offset 15"),
            ("{\"name\" \"T\"}", "invalid character '\"' after object key at offset 9"),
            ("{\"name\":\"T\" \"x\":1}", "invalid character '\"' after object key:value pair at offset 13"),
            ("[1,]", "invalid character ']' looking for beginning of value at offset 4"),
            ("[1 2]", "invalid character '2' after array element at offset 4"),
            ("\u{1}", "invalid character '\\x01' looking for beginning of value at offset 1"),
            ("{\"name\":\"\u{1}\"}", "invalid character '\\x01' in string at offset 10"),
            ("{'a':1}", "invalid character '\\'' looking for beginning of object key string at offset 2"),
            ("{\"a\":01}", "invalid character '1' after object key:value pair at offset 7"),
            ("nulx", "invalid character 'x' in literal null (expecting 'l') at offset 4"),
            ("falsy", "invalid character 'y' in literal false (expecting 'e') at offset 5"),
            ("{\"name\":\"T\"}}", "invalid character '}' looking for beginning of value at offset 13"),
            ("tru", "unexpected EOF"),
            ("{\"name\":\"T", "unexpected EOF"),
            ("{\"name\":\"T\"} {\"x\":", "unexpected EOF"),
            ("[1]", "json: cannot unmarshal array into Go value of type server.StreamConfigRequest"),
            ("\"str\"", "json: cannot unmarshal string into Go value of type server.StreamConfigRequest"),
            ("{\"name\":\"T\"} 5", "json: cannot unmarshal number into Go value of type server.StreamConfigRequest"),
            ("true", "json: cannot unmarshal bool into Go value of type server.StreamConfigRequest"),
        ];
        for (body, expected) in cases {
            assert_eq!(words(body), expected, "{body}");
        }
    }

    #[test]
    fn values_in_a_row_merge_and_null_reads_as_nothing() {
        let v = decode(br#"{"name":"A","max_msgs":1} null {"name":"T","sub":{"b":2}} {"sub":{"a":1}}"#, "X").unwrap();
        assert_eq!(v, serde_json::json!({"name":"T","max_msgs":1,"sub":{"a":1,"b":2}}));
        assert_eq!(decode(b"null", "X").unwrap(), serde_json::json!({}));
        assert_eq!(decode(b" \t{\"name\"\n:\r\"T\\/\"} ", "X").unwrap(), serde_json::json!({"name":"T/"}));
    }

    #[test]
    fn the_plain_decoder_words_its_errors_without_offsets() {
        assert_eq!(
            unmarshal_words(b"{bad").as_deref(),
            Some("invalid character 'b' looking for beginning of object key string")
        );
        assert_eq!(unmarshal_words(b"{} x").as_deref(), Some("invalid character 'x' after top-level value"));
        assert_eq!(unmarshal_words(b"{\"a\":").as_deref(), Some("unexpected end of JSON input"));
        assert_eq!(unmarshal_words(b"{\"seq\":1}"), None);
    }
}
