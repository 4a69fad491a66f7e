//! Files the service writes: private to its user, and replaced durably (readers see the old
//! file or the new one, never half of one).

use std::io::Write as _;
use std::path::Path;

/// Makes every file this process creates from now on readable by its own user only (0600,
/// folders 0700), whatever umask it was started with: the database holds emails and
/// password hashes, and SQLite, the model archive and backups create files with the
/// umask's permissions.
pub fn private_files() {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// Takes group and other permissions off `path` and, for a folder, off what it holds (one
/// level, and its `models` folder): a data directory made before files were private.
///
/// # Errors
/// An I/O error other than a missing file.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let restrict = |p: &Path| -> std::io::Result<()> {
        let meta = match std::fs::symlink_metadata(p) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let mode = meta.permissions().mode();
        if !meta.file_type().is_symlink() && mode & 0o077 != 0 {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
        Ok(())
    };
    restrict(path)?;
    for dir in [path.to_owned(), path.join("models")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            restrict(&entry?.path())?;
        }
    }
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, renames it over
/// `path`, then syncs the folder so the rename itself survives a power cut.
///
/// # Errors
/// An I/O error; `path` is then unchanged.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    sync_dir(dir)
}

/// Syncs a folder, so the names of files just created or renamed in it survive a power cut.
///
/// # Errors
/// The folder cannot be opened.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    let dir = std::fs::File::open(dir)?;
    // Not every platform can sync a directory; the files themselves are already on disk.
    let _ = dir.sync_all();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::write_atomically;

    #[test]
    fn a_file_is_replaced_whole_and_no_temporary_is_left() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("sub").join("f.json");
        write_atomically(&path, b"one").expect("first");
        write_atomically(&path, b"two").expect("second");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["f.json"]);
    }
}
