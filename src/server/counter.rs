//! Message counters (`allow_msg_counter`): a publish with `Nats-Incr: <n>` and no payload stores
//! `{"val":"<sum>"}`, the subject's last value plus `n`, as nats-server 2.12 does. Values are integers of any
//! size, written in base 10 as Go's `big.Int` writes them.

/// A signed integer of any size: its sign and its decimal digits, most significant first, without leading zeros
/// (zero is no digits and not negative).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BigInt {
    negative: bool,
    digits: Vec<u8>,
}

impl BigInt {
    /// Reads an integer as Go's `big.Int.SetString(s, 10)` does: an optional sign, then one or more digits.
    pub fn parse(s: &str) -> Option<BigInt> {
        let (negative, rest) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits: Vec<u8> = rest.bytes().map(|b| b - b'0').skip_while(|d| *d == 0).collect();
        Some(BigInt { negative: negative && !digits.is_empty(), digits })
    }

    /// The sum of two integers.
    pub fn add(&self, other: &BigInt) -> BigInt {
        if self.negative == other.negative {
            return BigInt { negative: self.negative, digits: add_magnitudes(&self.digits, &other.digits) }.normal();
        }
        // Opposite signs: the larger magnitude keeps its sign.
        let (big, small) =
            if cmp_magnitudes(&self.digits, &other.digits).is_ge() { (self, other) } else { (other, self) };
        BigInt { negative: big.negative, digits: sub_magnitudes(&big.digits, &small.digits) }.normal()
    }

    fn normal(mut self) -> BigInt {
        let lead = self.digits.iter().take_while(|d| **d == 0).count();
        self.digits.drain(..lead);
        if self.digits.is_empty() {
            self.negative = false;
        }
        self
    }
}

impl std::fmt::Display for BigInt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.digits.is_empty() {
            return f.write_str("0");
        }
        if self.negative {
            f.write_str("-")?;
        }
        let text: String = self.digits.iter().map(|d| (b'0' + d) as char).collect();
        f.write_str(&text)
    }
}

fn cmp_magnitudes(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn add_magnitudes(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let (mut i, mut j, mut carry) = (a.len(), b.len(), 0u8);
    while i > 0 || j > 0 || carry > 0 {
        let x = if i > 0 {
            i -= 1;
            a[i]
        } else {
            0
        };
        let y = if j > 0 {
            j -= 1;
            b[j]
        } else {
            0
        };
        let s = x + y + carry;
        out.push(s % 10);
        carry = s / 10;
    }
    out.reverse();
    out
}

/// `a - b` for magnitudes with `a >= b`.
fn sub_magnitudes(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let (mut i, mut j, mut borrow) = (a.len(), b.len(), 0i8);
    while i > 0 {
        i -= 1;
        let y = if j > 0 {
            j -= 1;
            b[j] as i8
        } else {
            0
        };
        let mut d = a[i] as i8 - y - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out.push(d as u8);
    }
    out.reverse();
    out
}

/// A counter message's value (`{"val":"123"}`); `None` when the body is not one (a broken counter).
pub fn value_of(body: &[u8]) -> Option<BigInt> {
    // Read by hand (a JSON object whose `val` is a string of digits, white space allowed), which keeps a JSON
    // decoder out of the page's first load.
    let text = std::str::from_utf8(body).ok()?.trim();
    let inner = text.strip_prefix('{')?.strip_suffix('}')?.trim();
    let rest = inner.strip_prefix("\"val\"")?.trim_start().strip_prefix(':')?.trim_start();
    let val = rest.strip_prefix('"')?.strip_suffix('"')?;
    if val.contains(['"', '\\']) {
        return None;
    }
    // Go's SetString leaves a value it cannot read at zero.
    Some(BigInt::parse(val).unwrap_or(BigInt { negative: false, digits: Vec::new() }))
}

/// A counter message's body.
pub fn body_of(v: &BigInt) -> Vec<u8> {
    format!("{{\"val\":\"{v}\"}}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(a: &str, b: &str) -> String {
        BigInt::parse(a).unwrap().add(&BigInt::parse(b).unwrap()).to_string()
    }

    #[test]
    fn integers_read_as_go_reads_them() {
        assert_eq!(BigInt::parse("+5").unwrap().to_string(), "5");
        assert_eq!(BigInt::parse("-007").unwrap().to_string(), "-7");
        assert_eq!(BigInt::parse("-0").unwrap().to_string(), "0");
        for bad in ["", "+", "-", "1.5", "0x10", "1_000", " 1", "1e3"] {
            assert!(BigInt::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn sums_of_any_size_and_sign() {
        assert_eq!(sum("1", "2"), "3");
        assert_eq!(sum("999", "1"), "1000");
        assert_eq!(sum("5", "-7"), "-2");
        assert_eq!(sum("-5", "7"), "2");
        assert_eq!(sum("-5", "5"), "0");
        assert_eq!(sum("-1000", "1"), "-999");
        let big = "99999999999999999999999999999999999999";
        assert_eq!(sum(big, "1"), "100000000000000000000000000000000000000");
        assert_eq!(sum(&format!("-{big}"), "-1"), "-100000000000000000000000000000000000000");
    }

    #[test]
    fn bodies_in_and_out() {
        assert_eq!(value_of(br#"{"val":"42"}"#).unwrap().to_string(), "42");
        assert!(value_of(b"42").is_none());
        assert_eq!(value_of(br#" { "val" : "-7" } "#).unwrap().to_string(), "-7");
        assert_eq!(body_of(&BigInt::parse("-3").unwrap()), br#"{"val":"-3"}"#.to_vec());
    }
}
