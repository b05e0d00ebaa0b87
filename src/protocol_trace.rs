//! `kvplay serve -V`: nats-server's protocol trace, read from the bytes each connection sent (`<<-`) and was
//! sent (`->>`), one log line per operation and per message payload, in nats-server's words (native only).

use crate::engine::time::{civil, Nanos, NANOS_PER_SEC};

/// The longest line a direction keeps while it waits for the line's end (a client that never ends one).
const MAX_LINE: usize = 64 * 1024;
/// The largest payload a direction waits for (nats-server's largest `max_payload`); a larger size is the
/// server's error, and its bytes are read as lines.
const MAX_PAYLOAD: usize = 64 * 1024 * 1024;

/// One direction of one connection: what is left of the last bytes, and the payload size a `PUB`, `HPUB`,
/// `MSG` or `HMSG` announced.
#[derive(Default)]
pub struct Direction {
    buf: Vec<u8>,
    payload: Option<usize>,
}

impl Direction {
    /// Reads more bytes; returns the trace entries they complete (what follows the arrow).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            if let Some(n) = self.payload {
                if self.buf.len() < n.saturating_add(2) {
                    break;
                }
                out.push(format!("MSG_PAYLOAD: [{}]", go_quote(&self.buf[..n])));
                self.buf.drain(..n + 2);
                self.payload = None;
                continue;
            }
            let Some(end) = self.buf.iter().position(|b| *b == b'\n') else {
                if self.buf.len() > MAX_LINE {
                    self.buf.clear();
                }
                break;
            };
            let line: Vec<u8> = self.buf.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(entry) = self.entry(line) {
                out.push(entry);
            }
        }
        out
    }

    /// A protocol line as nats-server traces it: the operation's name and its arguments in brackets.
    fn entry(&mut self, line: &str) -> Option<String> {
        let trimmed = line.trim_start();
        let (op, args) = trimmed.split_once([' ', '\t']).unwrap_or((trimmed, ""));
        let args = args.trim_start_matches([' ', '\t']);
        let op = op.to_ascii_uppercase();
        match op.as_str() {
            "" | "INFO" => None,
            "+OK" => Some("[OK]".into()),
            "-ERR" => Some(format!("[-ERR {}]", args.trim_matches('\''))),
            "PUB" | "HPUB" | "MSG" | "HMSG" => {
                self.payload =
                    args.split_whitespace().last().and_then(|n| n.parse().ok()).filter(|n| *n <= MAX_PAYLOAD);
                Some(format!("[{op} {args}]"))
            }
            "CONNECT" => Some(format!("[CONNECT {}]", redact(args))),
            "PING" | "PONG" => Some(format!("[{op}]")),
            "SUB" | "UNSUB" => Some(format!("[{op} {args}]")),
            // What is not an operation is the parser's error, which the `-ERR` sent back shows.
            _ => None,
        }
    }
}

/// A CONNECT's secrets hidden as nats-server hides them in its trace.
fn redact(json: &str) -> String {
    let mut out = json.to_string();
    for key in ["\"pass\":", "\"auth_token\":"] {
        let Some(at) = out.find(key) else { continue };
        let rest = &out[at + key.len()..];
        let start = rest.find('"').map(|i| at + key.len() + i);
        let Some(start) = start else { continue };
        let mut end = start + 1;
        let bytes = out.as_bytes();
        while end < bytes.len() && bytes[end] != b'"' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        if end < bytes.len() {
            out.replace_range(start..=end, "\"[REDACTED]\"");
        }
    }
    out
}

/// Bytes quoted as Go's `%q` quotes them: printable characters as they are, the rest escaped.
pub fn go_quote(b: &[u8]) -> String {
    let mut out = String::from("\"");
    for c in String::from_utf8_lossy(b).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A trace line as nats-server logs it: its process, the time (UTC, microseconds), the client and the entry.
pub fn log_line(now: Nanos, client: &str, cid: u64, arrow: &str, entry: &str) -> String {
    let t = civil(now, 0);
    let micros = now.rem_euclid(NANOS_PER_SEC) / 1000;
    format!(
        "[{}] {:04}/{:02}/{:02} {:02}:{:02}:{:02}.{micros:06} [TRC] {client} - cid:{cid} - {arrow} {entry}",
        std::process::id(),
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_traced_as_nats_server_traces_it() {
        // What nats-server 2.15.1 logged with -V for these bytes, in and out.
        let mut inbound = Direction::default();
        let got = inbound
            .feed(b"CONNECT {\"verbose\":true,\"user\":\"a\",\"pass\":\"s\\\"x\"}\r\nSUB bar q 2\r\nPUB foo 5\r\nhel");
        assert_eq!(
            got,
            ["[CONNECT {\"verbose\":true,\"user\":\"a\",\"pass\":\"[REDACTED]\"}]", "[SUB bar q 2]", "[PUB foo 5]"]
        );
        assert_eq!(inbound.feed(b"lo\r\nPING\r\nbogus\r\n"), ["MSG_PAYLOAD: [\"hello\"]", "[PING]"]);
        let mut outbound = Direction::default();
        let got =
            outbound.feed(b"INFO {} \r\n+OK\r\nMSG foo 1 5\r\nhello\r\n-ERR 'Unknown Protocol Operation'\r\nPONG\r\n");
        assert_eq!(
            got,
            ["[OK]", "[MSG foo 1 5]", "MSG_PAYLOAD: [\"hello\"]", "[-ERR Unknown Protocol Operation]", "[PONG]"]
        );
        assert_eq!(go_quote(b"NATS/1.0\r\nA: b\r\n\r\n\x01"), "\"NATS/1.0\\r\\nA: b\\r\\n\\r\\n\\x01\"");
    }

    #[test]
    fn a_line_that_never_ends_is_dropped_at_its_bound() {
        let mut d = Direction::default();
        assert!(d.feed(&vec![b'x'; MAX_LINE + 1]).is_empty());
        assert_eq!(d.feed(b"PING\r\n"), ["[PING]"]);
        // A size beyond any server's limit is not waited for.
        assert_eq!(d.feed(b"PUB a 999999999999\r\nPING\r\n"), ["[PUB a 999999999999]", "[PING]"]);
    }
}
