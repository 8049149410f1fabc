//! The wall clock that quota windows and usage days are read from. `serve --clock-offset-file`
//! (hidden; for tests and demos of quota periods) shifts it by a number of seconds kept in a file
//! that is re-read on every reading, so a test can move time across a day, week or month boundary
//! while the server runs.

use std::path::PathBuf;

use time::OffsetDateTime;
use tollgate_limits::WallClock;

/// System time plus the offset (in seconds, may be negative) written in a file; no offset while
/// the file is missing or does not hold an integer.
#[derive(Debug)]
pub struct OffsetFileClock {
    path: PathBuf,
}

impl OffsetFileClock {
    pub fn new(path: PathBuf) -> OffsetFileClock {
        OffsetFileClock { path }
    }

    fn offset_seconds(&self) -> i64 {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }
}

impl WallClock for OffsetFileClock {
    fn now_utc(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.checked_add(time::Duration::seconds(self.offset_seconds()))
            .unwrap_or(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_comes_from_the_file_each_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("offset");
        let clock = OffsetFileClock::new(path.clone());
        let before = OffsetDateTime::now_utc();
        assert!((clock.now_utc() - before).whole_seconds().abs() <= 1);
        std::fs::write(&path, "86400\n").expect("write");
        assert!(
            (clock.now_utc() - before - time::Duration::DAY)
                .whole_seconds()
                .abs()
                <= 1
        );
        std::fs::write(&path, "not a number").expect("write");
        assert!((clock.now_utc() - before).whole_seconds().abs() <= 1);
    }
}
