//! Time as the engine sees it: nanoseconds since the Unix epoch, passed in by the caller, never read from a clock.

pub type Nanos = i64;

pub const NANOS_PER_MILLI: i64 = 1_000_000;
pub const NANOS_PER_SEC: i64 = 1_000_000_000;

/// Parses a Go `time.ParseDuration` string ("1h30m", "10s", "1.5s", "250ms"); `None` when malformed or out of range.
pub fn parse_go_duration(s: &str) -> Option<Nanos> {
    let (neg, mut rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_end == 0 {
            return None;
        }
        let num: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += num * unit;
    }
    if total > i64::MAX as f64 {
        return None;
    }
    let n = total.round() as i64;
    Some(if neg { -n } else { n })
}

/// Formats a duration as Go's `time.Duration.String` does ("1h0m0s", "10s", "1.5s", "250ms").
pub fn go_duration_string(d: Nanos) -> String {
    if d == 0 {
        return "0s".to_string();
    }
    let neg = d < 0;
    let u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        let (unit, div) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&trim_fraction(u, div));
        out.push_str(unit);
    } else {
        let secs_total = u / 1_000_000_000;
        let frac = u % 1_000_000_000;
        let h = secs_total / 3600;
        let m = (secs_total % 3600) / 60;
        let s = secs_total % 60;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&trim_fraction(s * 1_000_000_000 + frac, 1_000_000_000));
        out.push('s');
    }
    if neg {
        format!("-{out}")
    } else {
        out
    }
}

fn trim_fraction(v: u64, div: u64) -> String {
    let whole = v / div;
    let frac = v % div;
    if frac == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let digits = format!("{frac:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// A civil date and time in UTC, for formatting timestamps.
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// Converts nanoseconds since the epoch (shifted by `offset_secs` for a local zone) to a civil time.
pub fn civil(t: Nanos, offset_secs: i64) -> Civil {
    let secs = t.div_euclid(NANOS_PER_SEC) + offset_secs;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-from-civil inverse.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    Civil {
        year: if m <= 2 { y + 1 } else { y },
        month: m,
        day: d,
        hour: (rem / 3600) as u32,
        minute: ((rem % 3600) / 60) as u32,
        second: (rem % 60) as u32,
    }
}

/// Formats a time as Go's `RFC3339Nano` in UTC does (trailing zeros of the fraction dropped), the form the
/// server's JSON carries.
pub fn rfc3339_nanos(t: Nanos) -> String {
    let c = civil(t, 0);
    let frac = t.rem_euclid(NANOS_PER_SEC);
    let mut s = format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", c.year, c.month, c.day, c.hour, c.minute, c.second);
    if frac > 0 {
        let digits = format!("{frac:09}");
        s.push('.');
        s.push_str(digits.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (RFC 3339 in UTC), as used by `--clock`.
pub fn parse_rfc3339_utc(s: &str) -> Option<Nanos> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let mo: i64 = dp.next()?.parse().ok()?;
    let d: i64 = dp.next()?.parse().ok()?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut tp = hms.split(':');
    let h: i64 = tp.next()?.parse().ok()?;
    let mi: i64 = tp.next()?.parse().ok()?;
    let se: i64 = tp.next()?.parse().ok()?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let frac_ns: i64 = if frac.is_empty() {
        0
    } else {
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        format!("{frac:0<9}").parse().ok()?
    };
    let (yy, mm) = if mo <= 2 { (y - 1, mo + 9) } else { (y, mo - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy.rem_euclid(400);
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + se;
    secs.checked_mul(NANOS_PER_SEC)?.checked_add(frac_ns)
}

/// Parses an RFC 3339 time with `Z` or a numeric offset (`+01:00`), as UTC nanoseconds.
pub fn parse_rfc3339(s: &str) -> Option<Nanos> {
    if let Some(t) = parse_rfc3339_utc(s) {
        return Some(t);
    }
    let (i, sign) = s.rfind('+').map(|i| (i, -1)).or_else(|| s.rfind('-').filter(|i| *i > 10).map(|i| (i, 1)))?;
    let (hh, mm) = s[i + 1..].split_once(':')?;
    let off = (hh.parse::<i64>().ok()? * 60 + mm.parse::<i64>().ok()?) * 60 * NANOS_PER_SEC;
    Some(parse_rfc3339_utc(&format!("{}Z", &s[..i]))? + sign * off)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_round_trip() {
        assert_eq!(parse_go_duration("10s"), Some(10 * NANOS_PER_SEC));
        assert_eq!(parse_go_duration("1h30m"), Some(5400 * NANOS_PER_SEC));
        assert_eq!(parse_go_duration("1.5s"), Some(1_500_000_000));
        assert_eq!(parse_go_duration("250ms"), Some(250 * NANOS_PER_MILLI));
        assert_eq!(parse_go_duration("10"), None);
        assert_eq!(parse_go_duration("10x"), None);
        assert_eq!(parse_go_duration(""), None);
        assert_eq!(go_duration_string(10 * NANOS_PER_SEC), "10s");
        assert_eq!(go_duration_string(3600 * NANOS_PER_SEC), "1h0m0s");
        assert_eq!(go_duration_string(90 * NANOS_PER_SEC), "1m30s");
        assert_eq!(go_duration_string(1_500_000_000), "1.5s");
        assert_eq!(go_duration_string(250 * NANOS_PER_MILLI), "250ms");
    }

    #[test]
    fn civil_time_and_rfc3339_agree() {
        let t = parse_rfc3339_utc("2026-11-22T03:04:05Z").unwrap();
        let c = civil(t, 0);
        assert_eq!((c.year, c.month, c.day, c.hour, c.minute, c.second), (2026, 11, 22, 3, 4, 5));
        assert_eq!(parse_rfc3339_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_utc("2024-02-29T12:00:00.5Z").map(|t| t % NANOS_PER_SEC), Some(500_000_000));
        assert_eq!(parse_rfc3339_utc("2026-13-01T00:00:00Z"), None);
        assert_eq!(rfc3339_nanos(t + 226_650_469), "2026-11-22T03:04:05.226650469Z");
        assert_eq!(rfc3339_nanos(t + 500_000_000), "2026-11-22T03:04:05.5Z");
        assert_eq!(rfc3339_nanos(t), "2026-11-22T03:04:05Z");
    }
}
