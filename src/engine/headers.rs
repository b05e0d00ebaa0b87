//! NATS message headers: the names KV and JetStream use, and their size on the wire.

/// Headers in the order they were set. Names compare case-sensitively, as the Go client sets them.
pub type Headers = Vec<(String, String)>;

pub const KV_OPERATION: &str = "KV-Operation";
pub const ROLLUP: &str = "Nats-Rollup";
pub const MSG_TTL: &str = "Nats-TTL";
pub const MARKER_REASON: &str = "Nats-Marker-Reason";
pub const EXPECTED_LAST_SUBJECT_SEQ: &str = "Nats-Expected-Last-Subject-Sequence";
/// The subject (or pattern) `EXPECTED_LAST_SUBJECT_SEQ` is checked on, when not the published one.
pub const EXPECTED_LAST_SUBJECT_SEQ_SUBJECT: &str = "Nats-Expected-Last-Subject-Sequence-Subject";

/// The encoded length of a header block (`NATS/1.0\r\n`, one `Name: value\r\n` per header, then `\r\n`);
/// zero when there are no headers, because such a message is sent with PUB, not HPUB.
pub fn encoded_len(h: &Headers) -> usize {
    if h.is_empty() {
        return 0;
    }
    10 + h.iter().map(|(k, v)| k.len() + 2 + v.len() + 2).sum::<usize>() + 2
}

pub fn get<'a>(h: &'a Headers, name: &str) -> Option<&'a str> {
    h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

pub fn remove(h: &mut Headers, name: &str) {
    h.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
}

/// True for the markers the server itself leaves, and for KV purge markers: expiring one leaves no new marker.
pub fn is_subject_delete_marker(h: &Headers) -> bool {
    get(h, MARKER_REASON).is_some_and(|v| !v.is_empty()) || get(h, KV_OPERATION) == Some("PURGE")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_length_matches_the_wire_format() {
        let h = vec![("KV-Operation".to_string(), "DEL".to_string())];
        assert_eq!(encoded_len(&h), "NATS/1.0\r\nKV-Operation: DEL\r\n\r\n".len());
        assert_eq!(encoded_len(&vec![]), 0);
    }
}
