//! Message schedules (`allow_msg_schedules`, nats-server 2.12): when a message with `Nats-Schedule` fires, and
//! what it fires as. Patterns are nats-server's: `@at <RFC 3339 time>` (once), `@every <Go duration>` (at least
//! a second), a six-field cron pattern (seconds, minutes, hours, day of month, month, day of week; lists,
//! ranges, steps, `*` and `?`, month and day names) or its shorthands (`@hourly`, `@daily`, ...). Times are
//! UTC: the playground knows no other time zone.

use super::time::{civil, parse_go_duration, parse_rfc3339, NANOS_PER_SEC};
use super::Nanos;

/// Why a pattern cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternError {
    /// nats-server refuses it (`message schedules pattern is invalid`).
    Invalid,
    /// A time zone other than UTC: nats-server would read the system's zone database; the playground has none.
    TimeZone,
}

/// When a schedule first fires after `ts` (the schedule's time, or its last firing), and whether it repeats;
/// `Ok(None)` for an empty pattern. A repeating schedule whose next firing is already past fires once, from
/// `now`, as nats-server skips ahead.
pub fn next_fire(
    pattern: &str,
    zone: Option<&str>,
    ts: Nanos,
    now: Nanos,
) -> Result<Option<(Nanos, bool)>, PatternError> {
    let utc = match zone {
        None => true,
        Some("") => return Err(PatternError::Invalid),
        Some(z) if z.eq_ignore_ascii_case("UTC") => false,
        Some(_) => return Err(PatternError::TimeZone),
    };
    if pattern.is_empty() {
        return Ok(None);
    }
    if let Some(at) = pattern.strip_prefix("@at ") {
        // A zone is not allowed with `@at` or `@every`.
        if !utc {
            return Err(PatternError::Invalid);
        }
        return parse_rfc3339(at).map(|t| Some((t, false))).ok_or(PatternError::Invalid);
    }
    if let Some(every) = pattern.strip_prefix("@every ") {
        if !utc {
            return Err(PatternError::Invalid);
        }
        let d = parse_go_duration(every).filter(|d| *d >= NANOS_PER_SEC).ok_or(PatternError::Invalid)?;
        let mut next = round_to_second(ts) + d;
        if next < now {
            next = round_to_second(now) + d;
        }
        return Ok(Some((next, true)));
    }
    let cron = match pattern {
        "@yearly" | "@annually" => "0 0 0 1 1 *",
        "@monthly" => "0 0 0 1 * *",
        "@weekly" => "0 0 0 * * 0",
        "@daily" | "@midnight" => "0 0 0 * * *",
        "@hourly" => "0 0 * * * *",
        other => other,
    };
    let c = Cron::parse(cron).ok_or(PatternError::Invalid)?;
    let mut next = c.next_after(ts).ok_or(PatternError::Invalid)?;
    if next < now {
        next = c.next_after(round_to_second(now)).ok_or(PatternError::Invalid)?;
    }
    Ok(Some((next, true)))
}

/// Go's `Round(time.Second)`: half a second and more rounds up.
fn round_to_second(t: Nanos) -> Nanos {
    (t + NANOS_PER_SEC / 2).div_euclid(NANOS_PER_SEC) * NANOS_PER_SEC
}

/// A cron pattern's fields as bit sets (bit n: value n), and whether day of month and day of week were `*`.
struct Cron {
    seconds: u64,
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    any_day: bool,
    any_weekday: bool,
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

impl Cron {
    fn parse(pattern: &str) -> Option<Cron> {
        let f: Vec<&str> = pattern.split_whitespace().collect();
        if f.len() != 6 {
            return None;
        }
        let (days, any_day) = field(f[3], 1, 31, &[], 1)?;
        let (weekdays, any_weekday) = field(f[5], 0, 6, &WEEKDAYS, 0)?;
        Some(Cron {
            seconds: field(f[0], 0, 59, &[], 0)?.0,
            minutes: field(f[1], 0, 59, &[], 0)?.0,
            hours: field(f[2], 0, 23, &[], 0)?.0,
            days,
            months: field(f[4], 1, 12, &MONTHS, 1)?.0,
            weekdays,
            any_day,
            any_weekday,
        })
    }

    /// The first second after `ts` the pattern matches (within five years).
    fn next_after(&self, ts: Nanos) -> Option<Nanos> {
        let mut t = ts.div_euclid(NANOS_PER_SEC) + 1;
        let limit = t + 5 * 366 * 86_400;
        while t <= limit {
            let c = civil(t * NANOS_PER_SEC, 0);
            let day_start = t - (c.hour as i64 * 3600 + c.minute as i64 * 60 + c.second as i64);
            if self.months & (1 << c.month) == 0 {
                // The first second of the next month.
                let (y, m) = if c.month == 12 { (c.year + 1, 1) } else { (c.year, c.month + 1) };
                t = days_from_civil(y, m, 1) * 86_400;
                continue;
            }
            if !self.day_matches(c.day, weekday(day_start)) {
                t = day_start + 86_400;
                continue;
            }
            if self.hours & (1 << c.hour) == 0 {
                t = day_start + (c.hour as i64 + 1) * 3600;
                continue;
            }
            if self.minutes & (1 << c.minute) == 0 {
                t = day_start + c.hour as i64 * 3600 + (c.minute as i64 + 1) * 60;
                continue;
            }
            if self.seconds & (1 << c.second) == 0 {
                t += 1;
                continue;
            }
            return Some(t * NANOS_PER_SEC);
        }
        None
    }

    /// Day of month and day of week: both must match when either was `*`, else either may.
    fn day_matches(&self, day: u32, weekday: u32) -> bool {
        let d = self.days & (1 << day) != 0;
        let w = self.weekdays & (1 << weekday) != 0;
        if self.any_day || self.any_weekday {
            d && w
        } else {
            d || w
        }
    }
}

/// A cron field as a bit set, and whether it was `*` (or `?`).
fn field(text: &str, min: u32, max: u32, names: &[&str], name_base: u32) -> Option<(u64, bool)> {
    let mut bits = 0u64;
    let mut star = false;
    for expr in text.split(',') {
        let (range, step) = match expr.split_once('/') {
            Some((r, s)) => (r, Some(s.parse::<u32>().ok().filter(|s| *s > 0)?)),
            None => (expr, None),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            star = step.is_none();
            (min, max)
        } else {
            let value = |v: &str| -> Option<u32> {
                v.parse::<u32>()
                    .ok()
                    .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(v)).map(|i| i as u32 + name_base))
            };
            match range.split('-').collect::<Vec<_>>().as_slice() {
                [a] => {
                    let a = value(a)?;
                    (a, if step.is_some() { max } else { a })
                }
                [a, b] => (value(a)?, value(b)?),
                _ => return None,
            }
        };
        if lo < min || hi > max || lo > hi {
            return None;
        }
        let step = step.unwrap_or(1);
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Some((bits, star))
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let (yy, mm) = if m <= 2 { (y - 1, m as i64 + 9) } else { (y, m as i64 - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy.rem_euclid(400);
    let doy = (153 * mm + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The day of the week (0: Sunday) of a second since the epoch.
fn weekday(secs: i64) -> u32 {
    (secs.div_euclid(86_400) + 4).rem_euclid(7) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Nanos {
        crate::engine::time::parse_rfc3339_utc(s).unwrap()
    }

    #[test]
    fn at_every_and_cron_patterns() {
        let now = t("2026-12-04T10:00:00.2Z");
        assert_eq!(next_fire("@at 2026-12-05T00:00:00Z", None, now, now), Ok(Some((t("2026-12-05T00:00:00Z"), false))));
        assert_eq!(
            next_fire("@at 2026-12-05T01:00:00+01:00", None, now, now),
            Ok(Some((t("2026-12-05T00:00:00Z"), false)))
        );
        assert_eq!(next_fire("@every 5s", None, now, now), Ok(Some((t("2026-12-04T10:00:05Z"), true))));
        assert_eq!(next_fire("@every 500ms", None, now, now), Err(PatternError::Invalid));
        assert_eq!(next_fire("0 30 * * * *", None, now, now), Ok(Some((t("2026-12-04T10:30:00Z"), true))));
        assert_eq!(next_fire("*/15 * * * * *", None, now, now), Ok(Some((t("2026-12-04T10:00:15Z"), true))));
        // 2026-12-04 is a Friday: the next Monday at 09:00.
        assert_eq!(next_fire("0 0 9 * * mon", None, now, now), Ok(Some((t("2026-12-07T09:00:00Z"), true))));
        assert_eq!(next_fire("@monthly", None, now, now), Ok(Some((t("2027-01-01T00:00:00Z"), true))));
        assert_eq!(next_fire("0 0 0 29 2 *", None, now, now), Ok(Some((t("2028-02-29T00:00:00Z"), true))));
        assert_eq!(next_fire("* * *", None, now, now), Err(PatternError::Invalid));
        assert_eq!(next_fire("61 * * * * *", None, now, now), Err(PatternError::Invalid));
        assert_eq!(next_fire("@every 5s", Some("UTC"), now, now), Err(PatternError::Invalid));
        assert_eq!(next_fire("0 0 9 * * *", Some("Europe/Paris"), now, now), Err(PatternError::TimeZone));
        assert_eq!(next_fire("", None, now, now), Ok(None));
    }
}
