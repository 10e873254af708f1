//! Time as a dependency.
//!
//! Nothing in the core reads the wall clock. Services, the reference load and the CLI are handed a
//! [`Clock`]; the binary gives them [`SystemClock`], tests give them a [`FixedClock`] they can move. A test
//! that passes today therefore passes on any other day (the suite is also run with the system date moved a
//! year ahead, see `.ci/run`).

use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use time::{Date, Duration, OffsetDateTime, UtcOffset};

/// Türkiye has kept UTC+3 all year since 2016 (Europe/Istanbul). Users mean this calendar when they say
/// "today", and every time is shown in it.
pub const ISTANBUL: UtcOffset = match UtcOffset::from_hms(3, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("valid offset"),
};

/// The date in Istanbul at an instant.
pub fn istanbul_date(at: OffsetDateTime) -> Date {
    at.to_offset(ISTANBUL).date()
}

/// Where the current time comes from.
pub trait Clock: Send + Sync + Debug {
    /// The current instant, in UTC.
    fn now(&self) -> OffsetDateTime;

    /// Today's date as a user in Türkiye means it (Europe/Istanbul), not the UTC date: between 00:00 and
    /// 03:00 Istanbul time the two differ.
    fn today(&self) -> Date {
        istanbul_date(self.now())
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until it is moved: for tests, and for replaying an import at a known time.
#[derive(Debug)]
pub struct FixedClock {
    at: Mutex<OffsetDateTime>,
}

impl FixedClock {
    /// A clock showing `at` (converted to UTC).
    pub fn new(at: OffsetDateTime) -> Arc<FixedClock> {
        Arc::new(FixedClock { at: Mutex::new(at.to_offset(UtcOffset::UTC)) })
    }

    /// Shows `at` from now on.
    pub fn set(&self, at: OffsetDateTime) {
        *self.at.lock().unwrap_or_else(|e| e.into_inner()) = at.to_offset(UtcOffset::UTC);
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut at = self.at.lock().unwrap_or_else(|e| e.into_inner());
        *at += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.at.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The clock the binary uses.
pub fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn today_is_the_istanbul_date_not_the_utc_date() {
        let clock = FixedClock::new(datetime!(2026-03-09 22:30 UTC));
        assert_eq!(clock.today(), date!(2026 - 03 - 10));
        clock.set(datetime!(2026-03-09 20:59 UTC));
        assert_eq!(clock.today(), date!(2026 - 03 - 09));
    }

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let clock = FixedClock::new(datetime!(2026-11-28 10:00 UTC));
        assert_eq!(clock.now(), datetime!(2026-11-28 10:00 UTC));
        clock.advance(Duration::minutes(16));
        assert_eq!(clock.now(), datetime!(2026-11-28 10:16 UTC));
    }
}
