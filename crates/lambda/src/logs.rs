//! Per-invocation log capture in CloudWatch's shape: `START` / function output / `END` /
//! `REPORT`, kept small enough that the last 4 KB (`LogType: Tail`) is always available.

use std::time::Duration;

use time::OffsetDateTime;
use time::macros::format_description;

/// Bytes of captured output kept per invocation before the oldest are dropped. Only the tail
/// is ever returned, so this just needs to exceed [`crate::LOG_TAIL_BYTES`] comfortably.
const KEEP: usize = 16 * 1024;

/// `2024-05-24T19:45:05.123Z`, as Lambda stamps its own log lines.
pub(crate) fn timestamp() -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::now_utc().format(format).unwrap_or_default()
}

/// `2024/05/24/[$LATEST]0123456789abcdef0123456789abcdef`, AWS's log stream name format.
pub(crate) fn log_stream_name() -> String {
    let format = format_description!("[year]/[month]/[day]");
    let date = OffsetDateTime::now_utc().format(format).unwrap_or_default();
    format!("{date}/[$LATEST]{:032x}", fastrand::u128(..))
}

/// Output captured for one invocation (or between invocations).
#[derive(Debug, Default)]
pub(crate) struct LogBuffer {
    text: String,
}

impl LogBuffer {
    pub(crate) fn push_line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
        if self.text.len() > 2 * KEEP {
            let mut cut = self.text.len() - KEEP;
            while !self.text.is_char_boundary(cut) {
                cut += 1;
            }
            self.text.drain(..cut);
        }
    }

    pub(crate) fn take(&mut self) -> String {
        std::mem::take(&mut self.text)
    }
}

/// The last [`crate::LOG_TAIL_BYTES`] bytes of `text`, cut at a character boundary.
pub(crate) fn tail(text: &str) -> String {
    if text.len() <= crate::LOG_TAIL_BYTES {
        return text.to_string();
    }
    let mut cut = text.len() - crate::LOG_TAIL_BYTES;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    text[cut..].to_string()
}

pub(crate) fn start_line(request_id: &str) -> String {
    format!("START RequestId: {request_id} Version: $LATEST")
}

pub(crate) fn end_line(request_id: &str) -> String {
    format!("END RequestId: {request_id}")
}

/// What a `REPORT` line says about one invocation.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub duration: Duration,
    pub memory_mb: u32,
    pub max_memory_used_mb: u64,
    /// Set on the first invocation a worker handles (its cold start).
    pub init_duration: Option<Duration>,
    /// `timeout`, `error` (the runtime crashed), or none.
    pub status: Option<&'static str>,
}

impl Report {
    /// `REPORT RequestId: {id}\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tInit Duration: 100.12 ms\t`
    pub(crate) fn line(&self, request_id: &str) -> String {
        let ms = self.duration.as_secs_f64() * 1000.0;
        let mut line = format!(
            "REPORT RequestId: {request_id}\tDuration: {ms:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
            ms.ceil().max(1.0) as u64,
            self.memory_mb,
            self.max_memory_used_mb
        );
        if let Some(init) = self.init_duration {
            line.push_str(&format!(
                "Init Duration: {:.2} ms\t",
                init.as_secs_f64() * 1000.0
            ));
        }
        if let Some(status) = self.status {
            line.push_str(&format!("Status: {status}"));
        }
        line
    }
}

/// Peak resident memory of `pid` in MB (`VmHWM`), or 0 when it cannot be read.
pub(crate) fn max_memory_used_mb(pid: u32) -> u64 {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb.div_ceil(1024))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_line() {
        let r = Report {
            duration: Duration::from_micros(1234),
            memory_mb: 128,
            max_memory_used_mb: 20,
            init_duration: Some(Duration::from_micros(100_120)),
            status: None,
        };
        assert_eq!(
            r.line("abc"),
            "REPORT RequestId: abc\tDuration: 1.23 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tInit Duration: 100.12 ms\t"
        );
    }

    #[test]
    fn tail_cuts_at_char_boundary() {
        let text = "é".repeat(3000);
        let t = tail(&text);
        assert!(t.len() <= crate::LOG_TAIL_BYTES);
        assert!(t.chars().all(|c| c == 'é'));
        let mut buf = LogBuffer::default();
        for _ in 0..10_000 {
            buf.push_line("0123456789");
        }
        assert!(buf.take().len() <= 2 * KEEP + 11);
    }

    #[test]
    fn stream_name_shape() {
        let name = log_stream_name();
        assert!(name.contains("/[$LATEST]"), "{name}");
        assert_eq!(name.len(), "2024/05/24/[$LATEST]".len() + 32);
    }
}
