//! Errors: the server's API errors (code, err_code, description) and the KV client errors built on them,
//! each carrying the exact text the Go client (and so the `nats` CLI) prints.

use std::fmt;

/// An error as the JetStream API returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub code: u16,
    pub err_code: u16,
    pub description: String,
}

impl ApiError {
    pub fn new(code: u16, err_code: u16, description: impl Into<String>) -> ApiError {
        ApiError { code, err_code, description: description.into() }
    }
    pub fn wrong_last_sequence(last: u64) -> ApiError {
        ApiError::new(400, 10071, format!("wrong last sequence: {last}"))
    }
    pub fn message_exceeds_maximum() -> ApiError {
        ApiError::new(400, 10054, "message size exceeds maximum allowed")
    }
    pub fn maximum_bytes_exceeded() -> ApiError {
        ApiError::new(503, 10077, "maximum bytes exceeded")
    }
    pub fn message_ttl_disabled() -> ApiError {
        ApiError::new(400, 10166, "per-message TTL is disabled")
    }
    pub fn message_ttl_invalid() -> ApiError {
        ApiError::new(400, 10165, "invalid per-message TTL")
    }
    pub fn stream_name_in_use() -> ApiError {
        ApiError::new(400, 10058, "stream name already in use with a different configuration")
    }
    pub fn stream_not_found() -> ApiError {
        ApiError::new(404, 10059, "stream not found")
    }
    pub fn replicas_not_supported() -> ApiError {
        ApiError::new(500, 10074, "replicas > 1 not supported in non-clustered mode")
    }
    pub fn stream_sealed() -> ApiError {
        ApiError::new(400, 10109, "invalid operation on sealed stream")
    }
    pub fn invalid_config(msg: impl Into<String>) -> ApiError {
        ApiError::new(500, 10052, msg)
    }
    /// What the playground's server does not implement, said plainly (nats-server has no such answer).
    pub fn not_supported(what: &str) -> ApiError {
        ApiError::new(501, 10999, format!("not supported by the playground server: {what}"))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "nats: API error: code={} err_code={} description={}", self.code, self.err_code, self.description)
    }
}

/// What went wrong, one kind per failure a learner can meet. Tests assert kinds; users read the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidBucketName,
    InvalidKey,
    BucketNotFound,
    BucketExists,
    KeyNotFound,
    KeyExists,
    WrongLastSequence,
    HistoryTooLarge,
    MaxValueSize,
    MaxBytes,
    TtlNotEnabled,
    TtlInvalid,
    TtlOnDeleteNotSupported,
    InvalidConfig,
    NotSupported,
    NoKeysFound,
    /// Nothing answered a request (a stream that is gone, a server without JetStream).
    NoResponders,
    /// The connection to the server is closed.
    ConnectionClosed,
    /// The server runs without JetStream.
    JetStreamNotEnabled,
    /// No answer came in time (a request's deadline, a handshake that never finished).
    Timeout,
    /// The server cannot be reached: a bad address, a refused or failed dial, a closed WebSocket.
    Unreachable,
    /// The server refused the connection's credentials or a permission.
    Refused,
    /// The server sent something the client cannot read (a protocol error, an unreadable answer).
    Protocol,
    Other,
}

/// A KV operation's failure, with the text the Go client would give for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvError {
    pub kind: ErrorKind,
    pub message: String,
    pub api: Option<ApiError>,
}

impl KvError {
    pub fn client(kind: ErrorKind, message: &str) -> KvError {
        KvError { kind, message: format!("nats: {message}"), api: None }
    }
    pub fn invalid_key() -> KvError {
        KvError::client(ErrorKind::InvalidKey, "invalid key")
    }
    pub fn invalid_bucket() -> KvError {
        KvError::client(ErrorKind::InvalidBucketName, "invalid bucket name")
    }
    pub fn bucket_not_found() -> KvError {
        KvError::client(ErrorKind::BucketNotFound, "bucket not found")
    }
    pub fn key_not_found() -> KvError {
        KvError::client(ErrorKind::KeyNotFound, "key not found")
    }
    /// A failed publish: the Go client wraps the API error as "nats: " + its text.
    pub fn publish(api: ApiError) -> KvError {
        let kind = match api.err_code {
            10071 | 10164 => ErrorKind::WrongLastSequence,
            10054 => ErrorKind::MaxValueSize,
            10077 => ErrorKind::MaxBytes,
            10166 => ErrorKind::TtlNotEnabled,
            10165 => ErrorKind::TtlInvalid,
            _ => ErrorKind::Other,
        };
        KvError { kind, message: format!("nats: {api}"), api: Some(api) }
    }
    /// A bucket that exists with another configuration. nats.go joins its `ErrBucketExists` with its own
    /// `ErrStreamNameAlreadyInUse` (code 400, err_code 10058, "stream name already in use"), which replaces the
    /// server's longer description (nats.go `jetstream/kv.go` `CreateKeyValue`, `jetstream/errors.go`).
    pub fn bucket_exists(bucket: &str, api: ApiError) -> KvError {
        let sentinel = ApiError::new(400, 10058, "stream name already in use");
        KvError {
            kind: ErrorKind::BucketExists,
            message: format!("nats: bucket name already in use: {bucket}\n{sentinel}"),
            api: Some(api),
        }
    }
    /// A failed stream management call: the API error's own text.
    pub fn api(api: ApiError) -> KvError {
        let kind = match api.err_code {
            10059 => ErrorKind::BucketNotFound,
            10058 => ErrorKind::BucketExists,
            10074 => ErrorKind::NotSupported,
            10052 => ErrorKind::InvalidConfig,
            _ => ErrorKind::Other,
        };
        KvError { kind, message: api.to_string(), api: Some(api) }
    }
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for KvError {}
