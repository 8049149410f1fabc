//! The error documents Lambda itself produces (as opposed to those a function's runtime posts),
//! with AWS's exact texts.
//!
//! Sources: the Lambda Runtime Interface Emulator (`aws/aws-lambda-runtime-interface-emulator`:
//! `interop/model.go` formats `RequestId: {id} Error: {cause}` and the oversized-response text,
//! the supervisor formats `Runtime exited with error: {status}` / `Runtime exited without providing
//! a reason`), LocalStack's RIE fork (kept in parity with AWS: timeouts answer
//! `Sandbox.Timedout` / `RequestId: {id} Error: Task timed out after {t}.00 seconds`), and
//! payloads captured from AWS in public changelogs (`Runtime.ExitError`, `Sandbox.Timedout`).

use std::process::ExitStatus;
use std::time::Duration;

use bytes::Bytes;
use serde_json::json;

/// `{"errorType": ..., "errorMessage": ...}`, the shape Lambda uses for errors it generates.
pub(crate) fn document(error_type: &str, message: &str) -> Bytes {
    Bytes::from(json!({ "errorType": error_type, "errorMessage": message }).to_string())
}

/// The runtime process exited while handling an invocation (or during init).
pub(crate) fn exit_error(request_id: &str, status: Option<ExitStatus>) -> (String, Bytes) {
    let cause = exit_cause(status);
    let message = format!("RequestId: {request_id} Error: {cause}");
    let payload = document("Runtime.ExitError", &message);
    (message, payload)
}

/// `Runtime exited with error: exit status 1`, `... signal: killed`, or `Runtime exited without
/// providing a reason` (exit code 0), as Go's `ProcessState.String()` renders the status.
pub(crate) fn exit_cause(status: Option<ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(s) if s.success() => "Runtime exited without providing a reason".to_string(),
        Some(s) => match (s.code(), s.signal()) {
            (Some(code), _) => format!("Runtime exited with error: exit status {code}"),
            (None, Some(sig)) => format!("Runtime exited with error: signal: {}", signal_name(sig)),
            _ => "Runtime exited with error: unknown status".to_string(),
        },
        None => "Runtime exited with error: unknown status".to_string(),
    }
}

/// Go's names for signals (`os.Signal.String()`), which is what AWS prints.
fn signal_name(sig: i32) -> String {
    let name = match sig {
        1 => "hangup",
        2 => "interrupt",
        3 => "quit",
        4 => "illegal instruction",
        5 => "trace/breakpoint trap",
        6 => "aborted",
        7 => "bus error",
        8 => "floating point exception",
        9 => "killed",
        10 => "user defined signal 1",
        11 => "segmentation fault",
        12 => "user defined signal 2",
        13 => "broken pipe",
        14 => "alarm clock",
        15 => "terminated",
        _ => return format!("signal {sig}"),
    };
    name.to_string()
}

/// `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: {id} Error: Task timed out after 3.00 seconds"}`.
pub(crate) fn timeout_error(request_id: &str, timeout: Duration) -> Bytes {
    document(
        "Sandbox.Timedout",
        &format!(
            "RequestId: {request_id} Error: Task timed out after {:.2} seconds",
            timeout.as_secs_f64()
        ),
    )
}

/// The log line Lambda writes when an invocation times out:
/// `2024-05-24T19:45:05.123Z {id} Task timed out after 3.00 seconds`.
pub(crate) fn timeout_log_line(request_id: &str, timeout: Duration) -> String {
    format!(
        "{} {request_id} Task timed out after {:.2} seconds",
        crate::logs::timestamp(),
        timeout.as_secs_f64()
    )
}

/// The function posted a response larger than [`crate::MAX_RESPONSE_PAYLOAD`].
pub(crate) fn response_too_large(size: usize) -> Bytes {
    document(
        "Function.ResponseSizeTooLarge",
        &format!(
            "Response payload size ({size} bytes) exceeded maximum allowed payload size ({} bytes).",
            crate::MAX_RESPONSE_PAYLOAD
        ),
    )
}

/// The runtime could not be started (`bootstrap` missing, interpreter not found, ...).
pub(crate) fn invalid_entrypoint(request_id: &str, cause: &str) -> Bytes {
    document(
        "Runtime.InvalidEntrypoint",
        &format!("RequestId: {request_id} Error: {cause}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn exit_texts() {
        let (message, payload) = exit_error("abc", Some(ExitStatus::from_raw(1 << 8)));
        assert_eq!(
            message,
            "RequestId: abc Error: Runtime exited with error: exit status 1"
        );
        let v: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(v["errorType"], "Runtime.ExitError");
        assert_eq!(
            exit_cause(Some(ExitStatus::from_raw(9))),
            "Runtime exited with error: signal: killed"
        );
        assert_eq!(
            exit_cause(Some(ExitStatus::from_raw(0))),
            "Runtime exited without providing a reason"
        );
    }

    #[test]
    fn timeout_texts() {
        let v: serde_json::Value =
            serde_json::from_slice(&timeout_error("abc", Duration::from_secs(3))).unwrap();
        assert_eq!(v["errorType"], "Sandbox.Timedout");
        assert_eq!(
            v["errorMessage"],
            "RequestId: abc Error: Task timed out after 3.00 seconds"
        );
        let line = timeout_log_line("abc", Duration::from_millis(1500));
        assert!(
            line.ends_with(" abc Task timed out after 1.50 seconds"),
            "{line}"
        );
    }
}
