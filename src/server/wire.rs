//! The client side of the NATS protocol as a server reads it: a decoder that takes bytes as they arrive and
//! yields whole client operations (CONNECT, PUB, HPUB, SUB, UNSUB, PING, PONG), and the server's own
//! operations (INFO, MSG, HMSG, +OK, -ERR) encoded for the wire. No I/O.

use std::fmt::Write as _;

/// The longest control line a client may send, as nats-server's default `max_control_line`.
pub const MAX_CONTROL_LINE: usize = 4096;

/// An operation from a client, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientOp {
    Connect(String),
    Pub { subject: String, reply: Option<String>, headers: Option<Vec<u8>>, payload: Vec<u8> },
    Sub { subject: String, queue: Option<String>, sid: String },
    Unsub { sid: String, max: Option<u64> },
    Ping,
    Pong,
}

/// Why the stream of operations cannot go on; each maps to the text nats-server sends before it closes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// A verb the protocol does not have, or arguments it cannot read.
    UnknownOperation,
    /// A control line longer than `MAX_CONTROL_LINE`.
    ControlLineTooLong,
    /// A message larger than the server's `max_payload`.
    MaxPayload,
}

impl WireError {
    /// The text of the server's `-ERR`.
    pub fn text(&self) -> &'static str {
        match self {
            WireError::UnknownOperation => "Unknown Protocol Operation",
            WireError::ControlLineTooLong => "maximum control line exceeded",
            WireError::MaxPayload => "Maximum Payload Violation",
        }
    }
}

/// Accumulates a client's bytes and splits them into operations.
pub struct Decoder {
    buf: Vec<u8>,
    /// Where the unread bytes start in `buf` (bytes before it are consumed, dropped in batches).
    start: usize,
    pub max_payload: usize,
}

impl Decoder {
    pub fn new(max_payload: usize) -> Decoder {
        Decoder { buf: Vec::new(), start: 0, max_payload }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 64 * 1024 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole operation, `Ok(None)` when more bytes are needed.
    pub fn next_op(&mut self) -> Result<Option<ClientOp>, WireError> {
        loop {
            let rest = &self.buf[self.start..];
            let Some(nl) = rest.iter().position(|b| *b == b'\n') else {
                if rest.len() > MAX_CONTROL_LINE {
                    return Err(WireError::ControlLineTooLong);
                }
                return Ok(None);
            };
            if nl > MAX_CONTROL_LINE {
                return Err(WireError::ControlLineTooLong);
            }
            let line_end = if nl > 0 && rest[nl - 1] == b'\r' { nl - 1 } else { nl };
            let line = std::str::from_utf8(&rest[..line_end]).map_err(|_| WireError::UnknownOperation)?;
            let line = line.trim_start();
            if line.is_empty() {
                self.start += nl + 1;
                continue;
            }
            let (verb, args) = match line.find([' ', '\t']) {
                Some(i) => (&line[..i], line[i..].trim_matches(ARG_SEPARATORS)),
                None => (line, ""),
            };
            let consumed = nl + 1;
            let verb = verb.to_ascii_uppercase();
            let op = match verb.as_str() {
                "PING" => ClientOp::Ping,
                "PONG" => ClientOp::Pong,
                "CONNECT" => ClientOp::Connect(args.to_string()),
                "SUB" => {
                    let a: Vec<&str> = split_args(args);
                    match a.as_slice() {
                        [s, sid] => ClientOp::Sub { subject: s.to_string(), queue: None, sid: sid.to_string() },
                        [s, q, sid] => {
                            ClientOp::Sub { subject: s.to_string(), queue: Some(q.to_string()), sid: sid.to_string() }
                        }
                        _ => return Err(WireError::UnknownOperation),
                    }
                }
                "UNSUB" => {
                    let a: Vec<&str> = split_args(args);
                    match a.as_slice() {
                        [sid] => ClientOp::Unsub { sid: sid.to_string(), max: None },
                        [sid, m] => ClientOp::Unsub {
                            sid: sid.to_string(),
                            max: Some(m.parse().map_err(|_| WireError::UnknownOperation)?),
                        },
                        _ => return Err(WireError::UnknownOperation),
                    }
                }
                "PUB" | "HPUB" => {
                    let with_headers = verb == "HPUB";
                    let a: Vec<&str> = split_args(args);
                    let (subject, reply, hlen, total) = match (with_headers, a.as_slice()) {
                        (false, [s, n]) => (*s, None, "0", *n),
                        (false, [s, r, n]) => (*s, Some(*r), "0", *n),
                        (true, [s, h, n]) => (*s, None, *h, *n),
                        (true, [s, r, h, n]) => (*s, Some(*r), *h, *n),
                        _ => return Err(WireError::UnknownOperation),
                    };
                    let num = |v: &str| v.parse::<usize>().map_err(|_| WireError::UnknownOperation);
                    let (hlen, total) = (num(hlen)?, num(total)?);
                    if hlen > total {
                        return Err(WireError::UnknownOperation);
                    }
                    if total > self.max_payload {
                        return Err(WireError::MaxPayload);
                    }
                    if rest.len() < consumed + total + 2 {
                        return Ok(None);
                    }
                    let body = &rest[consumed..consumed + total];
                    if &rest[consumed + total..consumed + total + 2] != b"\r\n" {
                        return Err(WireError::UnknownOperation);
                    }
                    let op = ClientOp::Pub {
                        subject: subject.to_string(),
                        reply: reply.map(str::to_string),
                        headers: with_headers.then(|| body[..hlen].to_vec()),
                        payload: body[hlen..].to_vec(),
                    };
                    self.start += consumed + total + 2;
                    return Ok(Some(op));
                }
                _ => return Err(WireError::UnknownOperation),
            };
            self.start += consumed;
            return Ok(Some(op));
        }
    }
}

/// A header block as it travels: an optional status (code and description) and the headers, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderBlock {
    pub status: Option<(u16, String)>,
    pub headers: Vec<(String, String)>,
}

impl HeaderBlock {
    /// Reads a header block; `None` when it does not start with `NATS/1.0`.
    pub fn decode(b: &[u8]) -> Option<HeaderBlock> {
        let text = std::str::from_utf8(b).ok()?;
        let mut lines = text.split("\r\n");
        let first = lines.next()?.strip_prefix("NATS/1.0")?;
        let status = match first.trim() {
            "" => None,
            s => {
                let (code, desc) = s.split_once(' ').unwrap_or((s, ""));
                Some((code.parse().ok()?, desc.trim().to_string()))
            }
        };
        let mut headers = Vec::new();
        for l in lines {
            if l.is_empty() {
                continue;
            }
            let (k, v) = l.split_once(':')?;
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
        Some(HeaderBlock { status, headers })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut s = String::from("NATS/1.0");
        if let Some((code, desc)) = &self.status {
            let _ = write!(s, " {code}");
            if !desc.is_empty() {
                let _ = write!(s, " {desc}");
            }
        }
        s.push_str("\r\n");
        for (k, v) in &self.headers {
            let _ = write!(s, "{k}: {v}\r\n");
        }
        s.push_str("\r\n");
        s.into_bytes()
    }
}

/// Encodes a message for a subscriber: MSG without headers, HMSG with them.
pub fn encode_msg(
    out: &mut Vec<u8>,
    subject: &str,
    sid: &str,
    reply: Option<&str>,
    headers: Option<&[u8]>,
    payload: &[u8],
) {
    let reply = reply.map(|r| format!(" {r}")).unwrap_or_default();
    match headers {
        Some(h) => {
            out.extend_from_slice(
                format!("HMSG {subject} {sid}{reply} {} {}\r\n", h.len(), h.len() + payload.len()).as_bytes(),
            );
            out.extend_from_slice(h);
        }
        None => out.extend_from_slice(format!("MSG {subject} {sid}{reply} {}\r\n", payload.len()).as_bytes()),
    }
    out.extend_from_slice(payload);
    out.extend_from_slice(b"\r\n");
}

/// What separates a control line's arguments for nats-server: spaces and tabs only, so other control characters
/// (a form feed, say) belong to the subject.
const ARG_SEPARATORS: [char; 4] = [' ', '\t', '\r', '\n'];

fn split_args(args: &str) -> Vec<&str> {
    args.split(ARG_SEPARATORS).filter(|a| !a.is_empty()).collect()
}

/// A `-ERR` line.
pub fn encode_err(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(format!("-ERR '{text}'\r\n").as_bytes());
}

/// Whether a subject is valid as a filter (subscriptions, stream subjects).
pub use crate::engine::transform::valid_filter;

/// Whether a published subject can reach anything: nats-server matches no subscription, API or stream to a subject
/// with an empty token (`.a`, `a.`, `a..b`), so a request on one meets "no responders".
pub fn routable(subject: &str) -> bool {
    !subject.split('.').any(str::is_empty)
}

/// Whether a subject is valid to publish to: a valid subject without wildcards.
pub fn valid_publish(subject: &str) -> bool {
    valid_filter(subject) && !subject.split('.').any(|t| t == "*" || t == ">")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(d: &mut Decoder) -> Result<Vec<ClientOp>, WireError> {
        let mut v = Vec::new();
        while let Some(op) = d.next_op()? {
            v.push(op);
        }
        Ok(v)
    }

    #[test]
    fn client_operations_packed_and_split() {
        let wire = b"CONNECT {\"verbose\":false}\r\nPING\r\nSUB a.* q 1\r\nSUB b 2\r\nPUB a.b r 5\r\nhello\r\nHPUB x 12 14\r\nNATS/1.0\r\n\r\nhi\r\nUNSUB 1 3\r\npong\r\n";
        let mut d = Decoder::new(1 << 20);
        d.push(wire);
        let whole = all(&mut d).unwrap();
        assert_eq!(whole.len(), 8);
        assert_eq!(whole[2], ClientOp::Sub { subject: "a.*".into(), queue: Some("q".into()), sid: "1".into() });
        assert_eq!(
            whole[4],
            ClientOp::Pub { subject: "a.b".into(), reply: Some("r".into()), headers: None, payload: b"hello".to_vec() }
        );
        assert_eq!(whole[7], ClientOp::Pong);
        let mut d = Decoder::new(1 << 20);
        let mut byte_by_byte = Vec::new();
        for b in wire {
            d.push(&[*b]);
            byte_by_byte.extend(all(&mut d).unwrap());
        }
        assert_eq!(byte_by_byte, whole);
    }

    #[test]
    fn errors_the_server_closes_for() {
        let mut d = Decoder::new(4);
        d.push(b"PUB a 5\r\nhello\r\n");
        assert_eq!(d.next_op(), Err(WireError::MaxPayload));
        let mut d = Decoder::new(100);
        d.push(b"BOGUS\r\n");
        assert_eq!(d.next_op(), Err(WireError::UnknownOperation));
        let mut d = Decoder::new(100);
        d.push(b"PUB a x\r\n");
        assert_eq!(d.next_op(), Err(WireError::UnknownOperation));
        let mut d = Decoder::new(100);
        d.push(b"PUB a 2\r\nhiXX");
        assert_eq!(d.next_op(), Err(WireError::UnknownOperation));
        let mut d = Decoder::new(100);
        d.push(&vec![b'A'; MAX_CONTROL_LINE + 10]);
        assert_eq!(d.next_op(), Err(WireError::ControlLineTooLong));
    }

    #[test]
    fn header_blocks_keep_status_apart() {
        let h = HeaderBlock::decode(b"NATS/1.0 404 Message Not Found\r\n\r\n").unwrap();
        assert_eq!(h.status, Some((404, "Message Not Found".into())));
        assert!(h.headers.is_empty());
        let h = HeaderBlock::decode(b"NATS/1.0\r\nKV-Operation: DEL\r\n\r\n").unwrap();
        assert_eq!(h.status, None);
        assert_eq!(h.headers, vec![("KV-Operation".into(), "DEL".into())]);
        assert_eq!(h.encode(), b"NATS/1.0\r\nKV-Operation: DEL\r\n\r\n");
        assert!(HeaderBlock::decode(b"HTTP/1.1 200\r\n\r\n").is_none());
    }

    #[test]
    fn subjects() {
        assert!(valid_filter("a.*.>") && valid_filter("$KV.b.>") && !valid_filter("a..b") && !valid_filter("a.>.b"));
        assert!(valid_filter("a*b.c") && !valid_filter("") && !valid_filter("a b"));
        assert!(valid_publish("a.b") && !valid_publish("a.*"));
        assert!(routable("a.b") && routable("a.>") && !routable(".a") && !routable("a.") && !routable("a..b"));
    }
}
