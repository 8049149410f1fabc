//! The AWS CLI against Tollgate: examples/aws-cli/build-an-api.sh, run as the README shows it.

use std::path::Path;
use std::process::Command;

use crate::common;

#[test]
fn the_aws_cli_builds_deploys_and_exports_an_api() {
    let has_cli = Command::new("python3")
        .args(["-m", "awscli", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_cli,
        "the AWS CLI is not installed: run scripts/install-test-deps.sh"
    );
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/aws-cli/build-an-api.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(common::BIN)
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        script.display()
    );
    assert!(stdout.ends_with("all good\n"), "{stdout}");
}
