//! Where a function's code is, for a local run: a directory, a zip archive (extracted into
//! [`SamOptions::work_dir`](crate::SamOptions::work_dir)), inline code (written there as
//! `index.py` / `index.js`, the file Lambda makes of `ZipFile` and `InlineCode`), or a CDK asset
//! (`Metadata.aws:asset:path` beside an S3 `Code`).
//!
//! Archives are hostile input: entries that would land outside the extraction directory
//! (`../x`, absolute paths) and symbolic links are skipped, and extraction stops at Lambda's own
//! limits (50 MB zipped, 250 MB unzipped), counted on the bytes actually inflated, not on sizes
//! the archive declares.

use std::io::Read;
use std::path::{Path, PathBuf};

use tollgate_lambda::Runtime;

use crate::loader::Loader;
use crate::yaml::{Node, Pos};

/// Lambda's limit on a zip uploaded directly.
const MAX_ZIP_BYTES: u64 = 50 * 1024 * 1024;

/// Lambda's limit on a function's unzipped code (262,144,000 bytes).
const MAX_UNZIPPED_BYTES: u64 = 262_144_000;

/// Most entries read from one archive.
const MAX_ENTRIES: usize = 65_535;

/// The metadata key the CDK writes next to an asset's S3 location: the asset's local path
/// (relative to the template's directory, `cdk.out`).
const CDK_ASSET_PATH: &str = "aws:asset:path";

impl Loader<'_> {
    /// The local code directory of a function, or `None` (with an error or a warning that
    /// says why) when its code cannot run here. `key` is `CodeUri` or `Code`.
    pub(crate) fn code_dir(
        &mut self,
        id: &str,
        node: &Node,
        props: &Node,
        key: &str,
        runtime: &Runtime,
        handler: Option<&str>,
    ) -> Option<PathBuf> {
        let base = format!("Resources.{id}.Properties");
        let inline = match props.get("InlineCode") {
            Some(n) => Some((n, format!("{base}.InlineCode"))),
            None => props
                .get(key)
                .and_then(|c| c.get("ZipFile"))
                .map(|n| (n, format!("{base}.{key}.ZipFile"))),
        };
        if let Some((n, path)) = inline {
            return self.inline_code(id, n, &path, runtime, handler);
        }
        let mut key = key;
        let mut path = format!("{base}.{key}");
        if key == "Code" && props.get("Code").is_none() && props.get("CodeUri").is_some() {
            key = "CodeUri";
            path = format!("{base}.CodeUri");
            self.warn(
                &path,
                props.get("CodeUri").map(|n| n.pos).unwrap_or(node.pos),
                "AWS::Lambda::Function takes Code, not CodeUri (a property of AWS::Serverless::Function): CloudFormation would refuse it; Tollgate reads the code from CodeUri, as sam local does",
            );
        }
        let Some(n) = props.get(key) else {
            self.error(
                &path,
                node.pos,
                format!("Function {id} has no {key}: set it to the function's code directory (on the function or in Globals.Function)"),
            );
            return None;
        };
        if n.is_map() && n.intrinsic().is_none() {
            // {Bucket, Key, Version} or {S3Bucket, S3Key}: the CDK says where the asset is locally.
            if let Some(asset) = node
                .get("Metadata")
                .and_then(|m| m.get(CDK_ASSET_PATH))
                .and_then(Node::as_str)
            {
                let asset_path = format!("Resources.{id}.Metadata.{CDK_ASSET_PATH}");
                return self.local_code(id, asset, &asset_path, n.pos);
            }
            self.warn(
                &path,
                n.pos,
                format!("Function {id} has its code in S3, which Tollgate does not download: point {key} at a local directory; the function is skipped"),
            );
            return None;
        }
        match self.eval_text(n, &path) {
            Some(Ok(uri)) if uri.starts_with("s3://") => {
                self.warn(
                    &path,
                    n.pos,
                    format!("Function {id} has its code in S3 ({uri}), which Tollgate does not download: point {key} at a local directory; the function is skipped"),
                );
                None
            }
            Some(Ok(uri)) if !uri.is_empty() => self.local_code(id, &uri, &path, n.pos),
            _ => {
                self.error(
                    &path,
                    n.pos,
                    format!("Expected a local path, found {}", n.kind()),
                );
                None
            }
        }
    }

    /// A local path: a directory as it is, a zip archive extracted.
    fn local_code(&mut self, id: &str, relative: &str, path: &str, pos: Pos) -> Option<PathBuf> {
        let local = self.local_path(relative);
        if !local.is_file() {
            // A directory, or one that `sam build` or the user has yet to make.
            return Some(local);
        }
        if !is_zip(&local) {
            self.warn(
                path,
                pos,
                format!(
                    "{} is a file but not a zip archive; Tollgate runs code from a directory or a .zip",
                    local.display()
                ),
            );
            return Some(local);
        }
        let Some(work) = self.opts.work_dir.clone() else {
            self.warn(
                path,
                pos,
                format!("Function {id}'s code is the archive {}, and no directory was given to extract it into; the function is skipped", local.display()),
            );
            return None;
        };
        match extract(&local, &work.join("code")) {
            Ok(dir) => Some(dir),
            Err(why) => {
                self.error(
                    path,
                    pos,
                    format!("Cannot extract {}: {why}", local.display()),
                );
                None
            }
        }
    }

    /// `InlineCode` / `Code.ZipFile`: written where Lambda puts it, `index.py` or `index.js`.
    fn inline_code(
        &mut self,
        id: &str,
        n: &Node,
        path: &str,
        runtime: &Runtime,
        handler: Option<&str>,
    ) -> Option<PathBuf> {
        let file = match runtime {
            Runtime::Python(_) => "index.py",
            Runtime::Nodejs(_) => "index.js",
            _ => {
                self.warn(
                    path,
                    n.pos,
                    format!("Function {id} has inline code, which Lambda accepts for Python and Node.js runtimes only; the function is skipped"),
                );
                return None;
            }
        };
        let code = match self.eval_text(n, path) {
            Some(Ok(code)) => code,
            _ => {
                self.error(
                    path,
                    n.pos,
                    format!("Expected the function's source code, found {}", n.kind()),
                );
                return None;
            }
        };
        let module = file.split('.').next().unwrap_or_default();
        if let Some(h) = handler
            && h.split('.').next() != Some(module)
        {
            self.warn(
                path,
                n.pos,
                format!("Lambda writes inline code to {file}, so handler '{h}' will not be found (Runtime.ImportModuleError) on AWS or here: use {module}.<function>"),
            );
        }
        let Some(work) = self.opts.work_dir.clone() else {
            self.warn(
                path,
                n.pos,
                format!("Function {id} has inline code, and no directory was given to write it to; the function is skipped"),
            );
            return None;
        };
        let dir = work
            .join("inline")
            .join(format!("{:016x}", fnv(&[file.as_bytes(), code.as_bytes()])));
        match write_once(&dir, |tmp| std::fs::write(tmp.join(file), &code)) {
            Ok(()) => Some(dir),
            Err(e) => {
                self.error(
                    path,
                    n.pos,
                    format!("Cannot write the inline code to {}: {e}", dir.display()),
                );
                None
            }
        }
    }
}

/// Starts with a zip local-file or end-of-central-directory signature.
fn is_zip(file: &Path) -> bool {
    let mut magic = [0u8; 4];
    std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06")
}

/// FNV-1a over the parts: names content-addressed directories (not a security boundary: the
/// directories are Tollgate's own cache of the template's code).
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.iter().chain(&[0xff]) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Fills `dir` once: `fill` writes into a fresh sibling directory, which is then renamed into
/// place, so a half-written directory is never used. An existing `dir` is kept as it is.
fn write_once(dir: &Path, fill: impl FnOnce(&Path) -> std::io::Result<()>) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let tmp = tempfile_dir(parent)?;
    let filled = fill(&tmp);
    let result = filled.and_then(|()| std::fs::rename(&tmp, dir));
    if result.is_err() || tmp.exists() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    match result {
        // Another process filled it first.
        Err(_) if dir.is_dir() => Ok(()),
        other => other,
    }
}

/// A new, empty, uniquely named directory in `parent`.
fn tempfile_dir(parent: &Path) -> std::io::Result<PathBuf> {
    for attempt in 0..100u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let tmp = parent.join(format!(".tmp-{}-{nanos}-{attempt}", std::process::id()));
        match std::fs::create_dir(&tmp) {
            Ok(()) => return Ok(tmp),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("cannot create a temporary directory"))
}

/// Extracts the archive into `{into}/{hash of its bytes}` (kept for later loads of the same
/// archive) and returns that directory.
fn extract(archive: &Path, into: &Path) -> Result<PathBuf, String> {
    let len = std::fs::metadata(archive).map_err(|e| e.to_string())?.len();
    if len > MAX_ZIP_BYTES {
        return Err(format!(
            "the archive is {len} bytes; Lambda takes at most {MAX_ZIP_BYTES} bytes zipped"
        ));
    }
    let bytes = std::fs::read(archive).map_err(|e| e.to_string())?;
    let dir = into.join(format!("{:016x}", fnv(&[&bytes])));
    let mut failure = None;
    let written = write_once(&dir, |tmp| {
        if let Err(why) = unzip(&bytes, tmp) {
            failure = Some(why);
            return Err(std::io::Error::other("extraction failed"));
        }
        Ok(())
    });
    match (written, failure) {
        (Ok(()), _) => Ok(dir),
        (Err(_), Some(why)) => Err(why),
        (Err(e), None) => Err(e.to_string()),
    }
}

fn unzip(bytes: &[u8], to: &Path) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a valid zip archive ({e})"))?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!(
            "the archive has {} entries; Tollgate reads at most {MAX_ENTRIES}",
            zip.len()
        ));
    }
    let mut budget = MAX_UNZIPPED_BYTES;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("entry {i} cannot be read ({e})"))?;
        // `enclosed_name` refuses `..`, absolute paths and drive prefixes (zip-slip).
        let (Some(relative), false) = (entry.enclosed_name(), entry.is_symlink()) else {
            continue;
        };
        let target = to.join(&relative);
        if entry.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let too_big = || {
            format!(
                "it unzips to more than {MAX_UNZIPPED_BYTES} bytes, Lambda's limit on a function's code"
            )
        };
        if entry.size() > budget {
            return Err(too_big());
        }
        let mut out = std::fs::File::create(&target).map_err(|e| e.to_string())?;
        // One byte past the budget tells an archive that lies about its sizes.
        let copied = std::io::copy(&mut (&mut entry).take(budget + 1), &mut out)
            .map_err(|e| format!("{} cannot be extracted ({e})", relative.display()))?;
        if copied > budget {
            return Err(too_big());
        }
        budget -= copied;
        #[cfg(unix)]
        if let Some(mode) = entry.unix_mode() {
            use std::os::unix::fs::PermissionsExt;
            // Permission bits only: no setuid, setgid or sticky bits from an archive.
            let perms = std::fs::Permissions::from_mode((mode & 0o777) | 0o600);
            std::fs::set_permissions(&target, perms).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_separates_parts() {
        assert_ne!(fnv(&[b"ab", b"c"]), fnv(&[b"a", b"bc"]));
        assert_eq!(fnv(&[b"x"]), fnv(&[b"x"]));
    }
}
