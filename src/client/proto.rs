//! The NATS client protocol without I/O: a decoder that takes bytes as they arrive (split across reads or
//! WebSocket frames, or several operations packed into one) and yields whole server operations, and an encoder
//! for client operations. The transports only move bytes.

use crate::server::wire::HeaderBlock;
use std::fmt::Write as _;

/// An operation from the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerOp {
    /// The server's INFO JSON.
    Info(String),
    Msg {
        subject: String,
        sid: u64,
        reply: Option<String>,
        headers: Option<Vec<u8>>,
        payload: Vec<u8>,
    },
    Ping,
    Pong,
    Ok,
    Err(String),
}

/// A protocol violation: the connection cannot go on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolError(pub String);

/// The longest control line accepted before the stream is declared broken.
pub const MAX_CONTROL_LINE: usize = 64 * 1024;

/// Accumulates bytes and splits them into server operations.
#[derive(Default)]
pub struct Decoder {
    buf: Vec<u8>,
    /// The largest payload accepted (the server's max_payload, once known; 64 MiB before).
    pub max_payload: usize,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder { buf: Vec::new(), max_payload: 64 << 20 }
    }

    /// Adds bytes as they arrived.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole operation, `Ok(None)` if more bytes are needed.
    pub fn next_op(&mut self) -> Result<Option<ServerOp>, ProtocolError> {
        let Some(nl) = self.buf.windows(2).position(|w| w == b"\r\n") else {
            if self.buf.len() > MAX_CONTROL_LINE {
                return Err(ProtocolError("control line too long".into()));
            }
            return Ok(None);
        };
        let line = String::from_utf8_lossy(&self.buf[..nl]).into_owned();
        let mut parts = line.split_ascii_whitespace();
        let verb = parts.next().unwrap_or("").to_ascii_uppercase();
        let args: Vec<&str> = parts.collect();
        let consume_line = nl + 2;
        let op = match verb.as_str() {
            "PING" => ServerOp::Ping,
            "PONG" => ServerOp::Pong,
            "+OK" => ServerOp::Ok,
            "-ERR" => ServerOp::Err(line[4..].trim().trim_matches('\'').to_string()),
            "INFO" => ServerOp::Info(line[4..].trim().to_string()),
            "MSG" | "HMSG" => {
                let with_headers = verb == "HMSG";
                let (subject, sid, reply, hlen, total) = match (with_headers, args.as_slice()) {
                    (false, [s, sid, n]) => (*s, *sid, None, "0", *n),
                    (false, [s, sid, r, n]) => (*s, *sid, Some(*r), "0", *n),
                    (true, [s, sid, h, n]) => (*s, *sid, None, *h, *n),
                    (true, [s, sid, r, h, n]) => (*s, *sid, Some(*r), *h, *n),
                    _ => return Err(ProtocolError(format!("malformed {verb}: {line}"))),
                };
                let num = |v: &str| v.parse::<usize>().map_err(|_| ProtocolError(format!("bad number in {line}")));
                let (hlen, total) = (num(hlen)?, num(total)?);
                if hlen > total || total > self.max_payload {
                    return Err(ProtocolError(format!("bad sizes in {line}")));
                }
                if self.buf.len() < consume_line + total + 2 {
                    return Ok(None);
                }
                let body = &self.buf[consume_line..consume_line + total];
                if &self.buf[consume_line + total..consume_line + total + 2] != b"\r\n" {
                    return Err(ProtocolError("message not followed by CRLF".into()));
                }
                let op = ServerOp::Msg {
                    subject: subject.to_string(),
                    sid: sid.parse().map_err(|_| ProtocolError(format!("bad sid in {line}")))?,
                    reply: reply.map(str::to_string),
                    headers: with_headers.then(|| body[..hlen].to_vec()),
                    payload: body[hlen..].to_vec(),
                };
                self.buf.drain(..consume_line + total + 2);
                return Ok(Some(op));
            }
            "" => {
                self.buf.drain(..consume_line);
                return self.next_op();
            }
            other => return Err(ProtocolError(format!("unknown operation {other}"))),
        };
        self.buf.drain(..consume_line);
        Ok(Some(op))
    }
}

/// An operation from the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientOp<'a> {
    Connect(&'a str),
    Pub { subject: &'a str, reply: Option<&'a str>, headers: &'a [(String, String)], payload: &'a [u8] },
    Sub { subject: &'a str, sid: u64 },
    Unsub { sid: u64, max: Option<u64> },
    Ping,
    Pong,
}

/// Encodes a header block ("NATS/1.0\r\nName: value\r\n\r\n"); empty when there are no headers.
pub fn encode_headers(h: &[(String, String)]) -> Vec<u8> {
    if h.is_empty() {
        return Vec::new();
    }
    let mut s = String::from("NATS/1.0\r\n");
    for (k, v) in h {
        let _ = write!(s, "{k}: {v}\r\n");
    }
    s.push_str("\r\n");
    s.into_bytes()
}

/// Reads a message's header block (the status line kept apart from the headers, as the server writes it); a
/// message without one, or with one that cannot be read, has neither status nor headers.
pub fn read_headers(b: Option<&[u8]>) -> HeaderBlock {
    b.and_then(HeaderBlock::decode).unwrap_or_default()
}

/// Encodes a client operation.
pub fn encode(op: &ClientOp) -> Vec<u8> {
    match op {
        ClientOp::Connect(json) => format!("CONNECT {json}\r\n").into_bytes(),
        ClientOp::Pub { subject, reply, headers, payload } => {
            let reply = reply.map(|r| format!(" {r}")).unwrap_or_default();
            let mut out = if headers.is_empty() {
                format!("PUB {subject}{reply} {}\r\n", payload.len()).into_bytes()
            } else {
                let h = encode_headers(headers);
                let mut o = format!("HPUB {subject}{reply} {} {}\r\n", h.len(), h.len() + payload.len()).into_bytes();
                o.extend_from_slice(&h);
                o
            };
            out.extend_from_slice(payload);
            out.extend_from_slice(b"\r\n");
            out
        }
        ClientOp::Sub { subject, sid } => format!("SUB {subject} {sid}\r\n").into_bytes(),
        ClientOp::Unsub { sid, max: Some(m) } => format!("UNSUB {sid} {m}\r\n").into_bytes(),
        ClientOp::Unsub { sid, max: None } => format!("UNSUB {sid}\r\n").into_bytes(),
        ClientOp::Ping => b"PING\r\n".to_vec(),
        ClientOp::Pong => b"PONG\r\n".to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(d: &mut Decoder) -> Vec<ServerOp> {
        let mut v = Vec::new();
        while let Some(op) = d.next_op().unwrap() {
            v.push(op);
        }
        v
    }

    #[test]
    fn operations_packed_into_one_read() {
        let mut d = Decoder::new();
        d.push(b"INFO {\"max_payload\":1048576}\r\nPING\r\n+OK\r\nMSG a.b 1 5\r\nhello\r\nPONG\r\n-ERR 'Authorization Violation'\r\n");
        assert_eq!(
            all(&mut d),
            vec![
                ServerOp::Info("{\"max_payload\":1048576}".into()),
                ServerOp::Ping,
                ServerOp::Ok,
                ServerOp::Msg { subject: "a.b".into(), sid: 1, reply: None, headers: None, payload: b"hello".to_vec() },
                ServerOp::Pong,
                ServerOp::Err("Authorization Violation".into()),
            ]
        );
    }

    #[test]
    fn an_operation_split_across_reads_byte_by_byte() {
        let wire = b"HMSG $KV.b.k 7 _INBOX.x 31 33\r\nNATS/1.0\r\nKV-Operation: DEL\r\n\r\nhi\r\n";
        let mut d = Decoder::new();
        let mut got = Vec::new();
        for b in wire.iter() {
            d.push(&[*b]);
            got.extend(all(&mut d));
        }
        assert_eq!(got.len(), 1);
        let ServerOp::Msg { subject, sid, reply, headers, payload } = &got[0] else { panic!() };
        assert_eq!((subject.as_str(), *sid, reply.as_deref()), ("$KV.b.k", 7, Some("_INBOX.x")));
        assert_eq!(read_headers(headers.as_deref()).headers, vec![("KV-Operation".to_string(), "DEL".to_string())]);
        assert_eq!(payload, b"hi");
    }

    #[test]
    fn status_headers_and_errors() {
        assert_eq!(
            read_headers(Some(b"NATS/1.0 404 Message Not Found\r\n\r\n")),
            HeaderBlock { status: Some((404, "Message Not Found".into())), headers: vec![] }
        );
        let mut d = Decoder::new();
        d.push(b"MSG a 1 x\r\n");
        assert!(d.next_op().is_err());
        let mut d = Decoder::new();
        d.push(b"BOGUS\r\n");
        assert!(d.next_op().is_err());
        let mut d = Decoder::new();
        d.max_payload = 4;
        d.push(b"MSG a 1 5\r\nhello\r\n");
        assert!(d.next_op().is_err(), "over the max payload");
        let mut d = Decoder::new();
        d.push(b"MSG a 1 2\r\nhiXX");
        assert!(d.next_op().is_err(), "payload without its CRLF");
    }

    #[test]
    fn client_operations_encode_as_the_protocol_says() {
        assert_eq!(encode(&ClientOp::Sub { subject: "_INBOX.>", sid: 3 }), b"SUB _INBOX.> 3\r\n");
        assert_eq!(encode(&ClientOp::Unsub { sid: 3, max: Some(1) }), b"UNSUB 3 1\r\n");
        assert_eq!(
            encode(&ClientOp::Pub { subject: "a", reply: Some("r"), headers: &[], payload: b"xy" }),
            b"PUB a r 2\r\nxy\r\n"
        );
        let h = vec![("KV-Operation".to_string(), "DEL".to_string())];
        assert_eq!(
            encode(&ClientOp::Pub { subject: "$KV.b.k", reply: None, headers: &h, payload: b"" }),
            b"HPUB $KV.b.k 31 31\r\nNATS/1.0\r\nKV-Operation: DEL\r\n\r\n\r\n"
        );
    }
}
