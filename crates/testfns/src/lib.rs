//! Test functions built with AWS's own Rust runtime crates (`lambda_runtime`, `lambda_http`), and
//! helpers that build and locate them, for tests across the workspace.
//!
//! Binaries (see each file's doc comment): `echo`, `http`, `fail`, `crash`, `sleep`, `authorizer`.
//!
//! ```no_run
//! let echo = tollgate_testfns::binary("echo");
//! // A `provided` function's code directory: `bootstrap` -> the binary.
//! let code_dir = tollgate_testfns::bootstrap_dir("echo");
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The names of the test function binaries.
pub const FUNCTIONS: &[&str] = &["echo", "http", "fail", "crash", "sleep", "authorizer"];

/// The target profile directory (`target/debug`, ...) the running test binary was built into,
/// or the same profile under `CARGO_TARGET_DIR` when that is set.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/{profile}/deps/{test binary} (or target/{profile}/{binary})
    let mut dir = exe
        .parent()
        .expect("test binary has a directory")
        .to_path_buf();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(target) => {
            let profile = dir
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("debug"));
            let target = PathBuf::from(target);
            let target = if target.is_absolute() {
                target
            } else {
                workspace_root().join(target)
            };
            target.join(profile)
        }
        None => dir,
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds the test functions once per process (`cargo build -p tollgate-testfns --bins`, in the
/// profile the tests were built with) and returns the directory holding them.
fn built() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = profile_dir();
        let mut cmd = Command::new(env!("CARGO"));
        cmd.current_dir(workspace_root()).args([
            "build",
            "--quiet",
            "-p",
            "tollgate-testfns",
            "--bins",
        ]);
        match dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => {}
            Some("release") => {
                cmd.arg("--release");
            }
            Some(other) => {
                cmd.args(["--profile", other]);
            }
        }
        let status = cmd
            .status()
            .expect("cannot run cargo to build the test functions");
        assert!(
            status.success(),
            "building the test functions failed: {status}"
        );
        dir
    })
}

/// The path of the test function binary `name` (one of [`FUNCTIONS`]), building them first if
/// this process has not yet.
pub fn binary(name: &str) -> PathBuf {
    assert!(
        FUNCTIONS.contains(&name),
        "unknown test function {name:?}; known: {FUNCTIONS:?}"
    );
    let path = built().join(name);
    assert!(
        path.is_file(),
        "test function {} was not built",
        path.display()
    );
    path
}

/// A code directory for a `provided` runtime function running `name`: a directory whose
/// `bootstrap` is a symlink to the binary. It lives under the target directory and is reused.
pub fn bootstrap_dir(name: &str) -> PathBuf {
    let binary = binary(name);
    let dir = built().join("testfns-code").join(name);
    std::fs::create_dir_all(&dir).expect("create the code directory");
    let link = dir.join("bootstrap");
    if std::fs::read_link(&link).ok().as_deref() != Some(binary.as_path()) {
        let _ = std::fs::remove_file(&link);
        // Another test process may have just created it: that is the same link.
        if let Err(e) = std::os::unix::fs::symlink(&binary, &link) {
            assert!(link.exists(), "cannot link {}: {e}", link.display());
        }
    }
    dir
}
