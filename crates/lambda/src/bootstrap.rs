//! The runtimes Tollgate ships for `python3.x` and `nodejs*` functions: small Runtime API
//! clients embedded in the binary and written into the host's work directory at start-up.

use std::io;
use std::path::{Path, PathBuf};

/// The Python bootstrap (`bootstrap/bootstrap.py`), standard library only.
pub(crate) const PYTHON: &str = include_str!("../bootstrap/bootstrap.py");
/// The Node.js bootstrap (`bootstrap/bootstrap.mjs`), Node's standard library only.
pub(crate) const NODE: &str = include_str!("../bootstrap/bootstrap.mjs");

pub(crate) const PYTHON_FILE: &str = "bootstrap.py";
pub(crate) const NODE_FILE: &str = "bootstrap.mjs";

/// Where the shipped bootstraps live once [`install`] has run.
#[derive(Debug, Clone)]
pub(crate) struct Installed {
    pub dir: PathBuf,
    pub python: PathBuf,
    pub node: PathBuf,
}

/// Writes the bootstraps into `work_dir` (created if missing), replacing older copies, and
/// returns their paths. The directory is what functions see as `LAMBDA_RUNTIME_DIR`.
pub(crate) fn install(work_dir: &Path) -> io::Result<Installed> {
    std::fs::create_dir_all(work_dir)?;
    let dir = std::fs::canonicalize(work_dir)?;
    let python = dir.join(PYTHON_FILE);
    let node = dir.join(NODE_FILE);
    write_if_changed(&python, PYTHON)?;
    write_if_changed(&node, NODE)?;
    Ok(Installed { dir, python, node })
}

/// Writes through a temporary file and a rename, so that a worker starting concurrently (another
/// Tollgate on the same data directory) never reads half a script.
fn write_if_changed(path: &Path, content: &str) -> io::Result<()> {
    if std::fs::read(path).is_ok_and(|existing| existing == content.as_bytes()) {
        return Ok(());
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, content)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_and_reinstalls() {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("functions");
        let installed = install(&work).unwrap();
        assert_eq!(std::fs::read_to_string(&installed.python).unwrap(), PYTHON);
        assert_eq!(std::fs::read_to_string(&installed.node).unwrap(), NODE);
        std::fs::write(&installed.python, "stale").unwrap();
        install(&work).unwrap();
        assert_eq!(std::fs::read_to_string(&installed.python).unwrap(), PYTHON);
    }
}
