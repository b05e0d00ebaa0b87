//! Unit tests of the server core: protocol bytes in, protocol bytes out.
