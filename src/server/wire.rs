//! The client side of the NATS protocol as a server reads it: a decoder that takes bytes as they arrive and
//! yields whole client operations (CONNECT, PUB, HPUB, SUB, UNSUB, PING, PONG), and the server's own
//! operations (INFO, MSG, HMSG, +OK, -ERR) encoded for the wire. No I/O.

use std::fmt::Write as _;

/// The longest control line a client may send, as nats-server's default `max_control_line`.
pub const MAX_CONTROL_LINE: usize = 4096;

/// An operation from a client, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientOp {
    /// CONNECT's argument as sent: the server reads it as Go's decoder does (`connect.rs`).
    Connect(Vec<u8>),
    /// An INFO from a client: a client's is read and set aside.
    Info(Vec<u8>),
    Pub {
        subject: String,
        reply: Option<String>,
        headers: Option<Vec<u8>>,
        payload: Vec<u8>,
    },
    Sub {
        subject: String,
        queue: Option<String>,
        sid: String,
    },
    /// `max`: how many more messages before the subscription ends; `None` ends it now (no number, zero, or
    /// a number nats-server cannot read).
    Unsub {
        sid: String,
        max: Option<u64>,
    },
    Ping,
    Pong,
}

/// Why the stream of operations cannot go on; each maps to what nats-server sends before it closes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// A byte the protocol's grammar has no place for (nats-server's parser error).
    UnknownOperation,
    /// A control line's arguments longer than `MAX_CONTROL_LINE`.
    ControlLineTooLong,
    /// A message larger than the server's `max_payload`.
    MaxPayload,
    /// Anything but CONNECT while the server waits for credentials.
    Authorization,
    /// Arguments nats-server cannot read (a count, a size, a header size past the total, headers the client did
    /// not announce), or a client's `-ERR`: the server closes the connection without a word.
    Closed,
}

impl WireError {
    /// The text of the server's `-ERR`, if it sends one.
    pub fn text(&self) -> Option<&'static str> {
        match self {
            WireError::UnknownOperation => Some("Unknown Protocol Operation"),
            WireError::ControlLineTooLong => Some("maximum control line exceeded"),
            WireError::MaxPayload => Some("Maximum Payload Violation"),
            WireError::Authorization => Some("Authorization Violation"),
            WireError::Closed => None,
        }
    }
}

/// The operations a client may start a line with, as nats-server's parser knows them (case aside).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Pub,
    Hpub,
    Hmsg,
    Sub,
    Unsub,
    Connect,
    Info,
    Ping,
    Pong,
    PlusOk,
    MinusErr,
}

const VERBS: [(&[u8], Verb); 11] = [
    (b"PUB", Verb::Pub),
    (b"PING", Verb::Ping),
    (b"PONG", Verb::Pong),
    (b"HPUB", Verb::Hpub),
    (b"HMSG", Verb::Hmsg),
    (b"SUB", Verb::Sub),
    (b"UNSUB", Verb::Unsub),
    (b"CONNECT", Verb::Connect),
    (b"INFO", Verb::Info),
    (b"+OK", Verb::PlusOk),
    (b"-ERR", Verb::MinusErr),
];

/// The verb `rest` starts with and its length; `Ok(None)` when more bytes are needed to tell.
fn verb(rest: &[u8]) -> Result<Option<(Verb, usize)>, WireError> {
    for i in 0.. {
        let Some(b) = rest.get(i) else { return Ok(None) };
        let mut any = false;
        for (name, v) in VERBS {
            if name.len() > i && name[..i].eq_ignore_ascii_case(&rest[..i]) && name[i].eq_ignore_ascii_case(b) {
                if name.len() == i + 1 {
                    return Ok(Some((v, i + 1)));
                }
                any = true;
            }
        }
        if !any {
            return Err(WireError::UnknownOperation);
        }
    }
    unreachable!()
}

/// nats-server's reading of a size: one to nine decimal digits, nothing else.
fn parse_size(d: &str) -> Option<usize> {
    (!d.is_empty() && d.len() <= 9 && d.bytes().all(|b| b.is_ascii_digit())).then(|| d.parse().ok()).flatten()
}

/// Accumulates a client's bytes and splits them into operations, byte for byte as nats-server's parser reads
/// them: verbs in any case, a line's end at its `\n` (a `\r` before it dropped), arguments split on spaces and
/// tabs, the rest of a PING, PONG or +OK line ignored, and each refusal as that parser's.
pub struct Decoder {
    buf: Vec<u8>,
    /// Where the unread bytes start in `buf` (bytes before it are consumed, dropped in batches).
    start: usize,
    pub max_payload: usize,
    /// The server waits for a CONNECT with credentials: any other operation is refused at its first byte.
    pub awaiting_auth: bool,
    /// The client announced headers in its CONNECT: without them an HPUB closes the connection.
    pub headers: bool,
    /// The rest of a line being passed over (after PING, PONG or +OK): the verb it ends.
    skipping: Option<Verb>,
}

impl Decoder {
    pub fn new(max_payload: usize) -> Decoder {
        Decoder { buf: Vec::new(), start: 0, max_payload, awaiting_auth: false, headers: false, skipping: None }
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
            if self.skipping.is_some() {
                let Some(nl) = rest.iter().position(|b| *b == b'\n') else {
                    // Nothing of a passed-over line is kept.
                    self.start = self.buf.len();
                    return Ok(None);
                };
                self.start += nl + 1;
                match self.skipping.take() {
                    Some(Verb::Ping) => return Ok(Some(ClientOp::Ping)),
                    Some(Verb::Pong) => return Ok(Some(ClientOp::Pong)),
                    _ => continue,
                }
            }
            let Some(first) = rest.first() else { return Ok(None) };
            if self.awaiting_auth && !first.eq_ignore_ascii_case(&b'C') {
                return Err(WireError::Authorization);
            }
            let Some((verb, len)) = verb(rest)? else { return Ok(None) };
            if matches!(verb, Verb::Ping | Verb::Pong | Verb::PlusOk) {
                self.start += len;
                self.skipping = Some(verb);
                continue;
            }
            // Where the arguments start: CONNECT and INFO may run straight on, the others need a space or tab.
            let mut at = len;
            if !matches!(verb, Verb::Connect | Verb::Info) {
                match rest.get(at) {
                    None => return Ok(None),
                    Some(b' ' | b'\t') => at += 1,
                    Some(_) => return Err(WireError::UnknownOperation),
                }
            }
            while matches!(rest.get(at), Some(b' ' | b'\t')) {
                at += 1;
            }
            if at >= rest.len() {
                return Ok(None);
            }
            // The argument's first byte is taken whatever it is; a `\r` after it drops the byte before `\n`.
            let nl = rest[at + 1..].iter().position(|b| *b == b'\n').map(|i| at + 1 + i);
            let scanned = nl.unwrap_or(rest.len());
            let drop = rest[at + 1..scanned].contains(&b'\r') as usize;
            if scanned - drop - at > MAX_CONTROL_LINE {
                return Err(WireError::ControlLineTooLong);
            }
            let Some(nl) = nl else { return Ok(None) };
            let arg = &rest[at..nl - drop];
            let line_end = nl + 1;
            let op = match verb {
                Verb::Connect => ClientOp::Connect(arg.to_vec()),
                Verb::Info => ClientOp::Info(arg.to_vec()),
                Verb::MinusErr => return Err(WireError::Closed),
                Verb::Sub => {
                    let a = String::from_utf8_lossy(arg);
                    match split_args(&a, true).as_slice() {
                        [s, sid] => ClientOp::Sub { subject: s.to_string(), queue: None, sid: sid.to_string() },
                        [s, q, sid] => {
                            ClientOp::Sub { subject: s.to_string(), queue: Some(q.to_string()), sid: sid.to_string() }
                        }
                        _ => return Err(WireError::Closed),
                    }
                }
                Verb::Unsub => {
                    let a = String::from_utf8_lossy(arg);
                    match split_args(&a, true).as_slice() {
                        [sid] => ClientOp::Unsub { sid: sid.to_string(), max: None },
                        [sid, m] => ClientOp::Unsub {
                            sid: sid.to_string(),
                            max: parse_size(m).filter(|m| *m > 0).map(|m| m as u64),
                        },
                        _ => return Err(WireError::Closed),
                    }
                }
                Verb::Hmsg => {
                    // A client's HMSG is read by nats-server as a message without a size: only its line's end.
                    match rest.get(line_end..line_end + 2) {
                        None if rest.len() == line_end || rest[line_end] == b'\r' => return Ok(None),
                        Some(b"\r\n") => {
                            self.start += line_end + 2;
                            continue;
                        }
                        _ => return Err(WireError::UnknownOperation),
                    }
                }
                Verb::Pub | Verb::Hpub => {
                    let with_headers = verb == Verb::Hpub;
                    if with_headers && !self.headers {
                        return Err(WireError::Closed);
                    }
                    let a = String::from_utf8_lossy(arg);
                    let (subject, reply, hlen, total) = match (with_headers, split_args(&a, false).as_slice()) {
                        (false, [s, n]) => (s.to_string(), None, Some(0), parse_size(n)),
                        (false, [s, r, n]) => (s.to_string(), Some(r.to_string()), Some(0), parse_size(n)),
                        (true, [s, h, n]) => (s.to_string(), None, parse_size(h), parse_size(n)),
                        (true, [s, r, h, n]) => (s.to_string(), Some(r.to_string()), parse_size(h), parse_size(n)),
                        _ => return Err(WireError::Closed),
                    };
                    let (Some(hlen), Some(total)) = (hlen, total) else { return Err(WireError::Closed) };
                    if hlen > total {
                        return Err(WireError::Closed);
                    }
                    if total > self.max_payload {
                        return Err(WireError::MaxPayload);
                    }
                    let end = line_end + total;
                    // The payload's `\r\n` is checked byte by byte as it comes.
                    for (i, want) in [b'\r', b'\n'].into_iter().enumerate() {
                        match rest.get(end + i) {
                            None => return Ok(None),
                            Some(b) if *b != want => return Err(WireError::UnknownOperation),
                            Some(_) => {}
                        }
                    }
                    let body = &rest[line_end..end];
                    let op = ClientOp::Pub {
                        subject,
                        reply,
                        // A header block of no bytes is no headers: the message goes on as a PUB's.
                        headers: (hlen > 0).then(|| body[..hlen].to_vec()),
                        payload: body[hlen..].to_vec(),
                    };
                    self.start += end + 2;
                    return Ok(Some(op));
                }
                Verb::Ping | Verb::Pong | Verb::PlusOk => unreachable!(),
            };
            self.start += line_end;
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

/// A control line's arguments as nats-server splits them: on spaces and tabs (and, for SUB and UNSUB, line ends
/// too), so other control characters (a form feed, say) belong to the subject.
fn split_args(args: &str, line_ends: bool) -> Vec<&str> {
    let seps: &[char] = if line_ends { &[' ', '\t', '\r', '\n'] } else { &[' ', '\t'] };
    args.split(seps).filter(|a| !a.is_empty()).collect()
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
        d.headers = true;
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
        d.headers = true;
        let mut byte_by_byte = Vec::new();
        for b in wire {
            d.push(&[*b]);
            byte_by_byte.extend(all(&mut d).unwrap());
        }
        assert_eq!(byte_by_byte, whole);
    }

    fn first(bytes: &[u8]) -> Result<Option<ClientOp>, WireError> {
        let mut d = Decoder::new(100);
        d.push(bytes);
        d.next_op()
    }

    #[test]
    fn errors_the_server_closes_for() {
        let mut d = Decoder::new(4);
        d.push(b"PUB a 5\r\nhello\r\n");
        assert_eq!(d.next_op(), Err(WireError::MaxPayload));
        for unknown in
            [&b"BOGUS\r\n"[..], b"\r\nPING\r\n", b" PING\r\n", b"PUBX a 1\r\n", b"PUB a 2\r\nhiXX", b"MSG a 1 0\r\n"]
        {
            assert_eq!(first(unknown), Err(WireError::UnknownOperation), "{}", String::from_utf8_lossy(unknown));
        }
        // Arguments nats-server cannot read close the connection without a word.
        for silent in [
            &b"PUB a x\r\n"[..],
            b"PUB a -1\r\n",
            b"PUB a 1234567890\r\n",
            b"PUB a b c 1\r\n",
            b"SUB a\r\n",
            b"UNSUB 1 2 3\r\n",
            b"HPUB a 2 4\r\n",
            b"-ERR 'x'\r\n",
        ] {
            assert_eq!(first(silent), Err(WireError::Closed), "{}", String::from_utf8_lossy(silent));
        }
        assert_eq!(first(&vec![b'A'; MAX_CONTROL_LINE + 10]), Err(WireError::UnknownOperation));
        let mut long = b"SUB ".to_vec();
        long.extend(vec![b'a'; MAX_CONTROL_LINE + 1]);
        assert_eq!(first(&long), Err(WireError::ControlLineTooLong));
        let mut d = Decoder::new(100);
        d.awaiting_auth = true;
        d.push(b"PING\r\n");
        assert_eq!(d.next_op(), Err(WireError::Authorization));
    }

    #[test]
    fn lines_read_as_nats_servers_parser_reads_them() {
        // The rest of a PING, PONG or +OK line is passed over, however long, and kept nowhere.
        let mut d = Decoder::new(100);
        d.push(b"ping x\r\n+OK whatever\r\nPONGs");
        assert_eq!(d.next_op(), Ok(Some(ClientOp::Ping)));
        assert_eq!(d.next_op(), Ok(None));
        d.push(&vec![b'z'; 3 * MAX_CONTROL_LINE]);
        assert_eq!(d.next_op(), Ok(None));
        d.push(b"\nsub\ta\tq\t1\r\n");
        assert_eq!(d.next_op(), Ok(Some(ClientOp::Pong)));
        assert_eq!(
            d.next_op(),
            Ok(Some(ClientOp::Sub { subject: "a".into(), queue: Some("q".into()), sid: "1".into() }))
        );
        // Sizes are one to nine digits; an unreadable UNSUB maximum ends the subscription at once.
        assert_eq!(
            first(b"PUB a 007\r\n1234567\r\n"),
            Ok(Some(ClientOp::Pub { subject: "a".into(), reply: None, headers: None, payload: b"1234567".to_vec() }))
        );
        assert_eq!(first(b"UNSUB 1 x\r\n"), Ok(Some(ClientOp::Unsub { sid: "1".into(), max: None })));
        assert_eq!(first(b"UNSUB 1 0\r\n"), Ok(Some(ClientOp::Unsub { sid: "1".into(), max: None })));
        assert_eq!(first(b"CONNECT{}\r\n"), Ok(Some(ClientOp::Connect(b"{}".to_vec()))));
        // A client's HMSG is a line and its end, nothing more.
        assert_eq!(first(b"HMSG a 1 2 2\r\n\r\nPING\r\n"), Ok(Some(ClientOp::Ping)));
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
