//! The playground's clock: real time by default, which the learner can pause and fast-forward. Pure: the real
//! time is passed in, so the clock is testable and the engine never reads a clock itself.

use crate::engine::Nanos;

/// The latest time a playground clock reaches: 2200-01-01T00:00:00Z. Time in NATS is nanoseconds in an i64,
/// which end in April 2262; a clock that stops well before leaves room for TTLs and ages added to it.
pub const LATEST: Nanos = 7_258_118_400_000_000_000;

/// `now` moved forward by `by` (negative: not at all), or an error that says why a clock cannot go there.
pub fn later(now: Nanos, by: Nanos) -> Result<Nanos, String> {
    match now.checked_add(by.max(0)) {
        Some(t) if t <= LATEST.max(now) => Ok(t),
        _ => Err("the playground's clock stops at 2200-01-01 00:00:00 UTC; this would take it past that".into()),
    }
}

/// A clock that follows real time at an offset, or stands still while paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlayClock {
    /// Virtual time at the moment of the last change.
    base_virtual: Nanos,
    /// Real time at the moment of the last change.
    base_real: Nanos,
    paused: bool,
}

impl PlayClock {
    /// A running clock that starts at the real time `real_now`.
    pub fn new(real_now: Nanos) -> PlayClock {
        PlayClock { base_virtual: real_now, base_real: real_now, paused: false }
    }

    /// The virtual time at real time `real_now`; it never goes backwards, even if the real clock does.
    pub fn now(&self, real_now: Nanos) -> Nanos {
        if self.paused {
            self.base_virtual
        } else {
            self.base_virtual.saturating_add(real_now.saturating_sub(self.base_real).max(0))
        }
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    fn rebase(&mut self, real_now: Nanos) {
        self.base_virtual = self.now(real_now);
        self.base_real = real_now;
    }

    pub fn pause(&mut self, real_now: Nanos) {
        self.rebase(real_now);
        self.paused = true;
    }

    pub fn resume(&mut self, real_now: Nanos) {
        self.rebase(real_now);
        self.paused = false;
    }

    /// Jumps the virtual time forward by `by` (negative values are ignored), to `LATEST` at most.
    pub fn fast_forward(&mut self, real_now: Nanos, by: Nanos) {
        self.rebase(real_now);
        self.base_virtual = later(self.base_virtual, by).unwrap_or(LATEST.max(self.base_virtual));
    }

    /// How far the virtual time is ahead of real time.
    pub fn offset(&self, real_now: Nanos) -> Nanos {
        self.now(real_now).saturating_sub(real_now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Nanos = 1_000_000_000;

    #[test]
    fn follows_real_time_pauses_and_fast_forwards() {
        let mut c = PlayClock::new(100 * S);
        assert_eq!(c.now(105 * S), 105 * S);
        c.pause(105 * S);
        assert_eq!(c.now(200 * S), 105 * S);
        c.fast_forward(200 * S, 10 * S);
        assert_eq!(c.now(300 * S), 115 * S, "fast-forward while paused stays paused");
        c.resume(300 * S);
        assert_eq!(c.now(301 * S), 116 * S);
        assert_eq!(c.now(299 * S), 115 * S, "never goes backwards when the real clock does");
        assert_eq!(c.offset(301 * S), -185 * S);
    }
}
