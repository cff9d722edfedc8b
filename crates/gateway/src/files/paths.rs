//! Paths inside a file service, and how they reach the disk without leaving the service's
//! folder.
//!
//! A client's path is checked segment by segment before anything touches the disk: no empty,
//! `.` or `..` segment, no NUL, no `/` smuggled in as `%2F`, bounded lengths. It is then
//! resolved under the service's canonical root: the deepest part that exists is
//! canonicalised (following any symlink) and must still lie inside the root, and what does
//! not exist yet is made only of checked segments. So neither `..`, an absolute path nor a
//! symlink pointing outside can reach a file outside the folder. (A symlink swapped in by
//! someone with shell access between the check and the open is outside this threat model:
//! only the file API writes there, and it never creates symlinks.)

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::error::ApiError;

/// Longest path, in bytes, and longest segment (a file name on most file systems).
const MAX_PATH_BYTES: usize = 4096;
const MAX_SEGMENT_BYTES: usize = 255;

/// A checked path below a file service's root; `folder` when it names a folder (DreamFactory
/// marks folders with a trailing `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePath {
    segments: Vec<String>,
    pub folder: bool,
}

impl ServicePath {
    /// The service's root folder.
    pub fn root() -> Self {
        Self {
            segments: Vec::new(),
            folder: true,
        }
    }

    /// A path as the router left it: percent-decoded except `%2F`, `%25` and `%2B`, which
    /// are decoded here, per segment (so `%2F` can never split a segment).
    ///
    /// # Errors
    ///
    /// 400 for a path that is not allowed.
    pub fn from_url(raw: &str, folder: bool) -> Result<Self, ApiError> {
        let segments = split(raw, decode_reserved)?;
        let folder = folder || segments.is_empty();
        Ok(Self { segments, folder })
    }

    /// A path given in a request body (`path` or `name` of a resource): plain text, `/`
    /// separated, a trailing `/` marking a folder.
    ///
    /// # Errors
    ///
    /// 400 for a path that is not allowed.
    pub fn from_client(raw: &str) -> Result<Self, ApiError> {
        let segments = split(raw, |segment| Ok(segment.to_owned()))?;
        let folder = raw.ends_with('/') || segments.is_empty();
        Ok(Self { segments, folder })
    }

    /// The same path, naming a folder or a file.
    pub fn with_folder(self, folder: bool) -> Self {
        Self { folder, ..self }
    }

    pub fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// `name` (itself a relative path) inside this folder.
    ///
    /// # Errors
    ///
    /// 400 for a name that is not allowed.
    pub fn join(&self, name: &str, folder: bool) -> Result<Self, ApiError> {
        let mut joined = self.segments.clone();
        joined.extend(Self::from_client(name)?.segments);
        if joined.is_empty() {
            return Err(bad_path());
        }
        Ok(Self {
            segments: joined,
            folder,
        })
    }

    /// The folder this entry is in.
    pub fn parent(&self) -> Self {
        let mut segments = self.segments.clone();
        segments.pop();
        Self {
            segments,
            folder: true,
        }
    }

    /// The last segment; empty for the root.
    pub fn name(&self) -> &str {
        self.segments.last().map_or("", String::as_str)
    }

    /// As DreamFactory writes it: `a/b/` for a folder (`""` for the root), `a/b` for a file.
    pub fn display(&self) -> String {
        let joined = self.segments.join("/");
        if self.folder && !joined.is_empty() {
            joined + "/"
        } else {
            joined
        }
    }

    /// The path below the root, for the file system.
    pub fn relative(&self) -> PathBuf {
        self.segments.iter().collect()
    }

    /// Whether this path is `folder` or inside it.
    pub fn is_within(&self, folder: &ServicePath) -> bool {
        self.segments.starts_with(&folder.segments)
    }
}

fn bad_path() -> ApiError {
    ApiError::bad_request(
        "Invalid path: a path may not hold empty, '.' or '..' segments, NUL characters or \
         encoded slashes, nor be longer than 4096 bytes (255 per name).",
    )
}

fn split(
    raw: &str,
    decode: impl Fn(&str) -> Result<String, ApiError>,
) -> Result<Vec<String>, ApiError> {
    if raw.len() > MAX_PATH_BYTES {
        return Err(bad_path());
    }
    let trimmed = raw.trim_start_matches('/');
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    trimmed
        .split('/')
        .map(|segment| {
            let segment = decode(segment)?;
            let refused = segment.is_empty()
                || segment == "."
                || segment == ".."
                || segment.len() > MAX_SEGMENT_BYTES
                || segment.contains(['/', '\0', '\\']);
            if refused {
                Err(bad_path())
            } else {
                Ok(segment)
            }
        })
        .collect()
}

/// Decodes the three escapes the router leaves in place; any other `%` stays as it is.
fn decode_reserved(segment: &str) -> Result<String, ApiError> {
    let mut out = String::with_capacity(segment.len());
    let mut rest = segment;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 3).unwrap_or("");
        match escape.to_ascii_uppercase().as_str() {
            "%2F" => out.push('/'),
            "%25" => out.push('%'),
            "%2B" => out.push('+'),
            _ => {
                out.push('%');
                rest = &rest[at + 1..];
                continue;
            }
        }
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Where `path` is on disk, every existing part followed through symlinks and checked to
/// lie inside `root` (canonical). Blocking.
///
/// # Errors
///
/// 404 when an existing part leads outside the root (as if it did not exist: the client
/// learns nothing about what is outside); a 500 for other I/O errors.
pub fn resolve(root: &Path, path: &ServicePath) -> Result<PathBuf, ApiError> {
    resolve_parts(root, &path.segments)
}

/// Like [`resolve`], but the last segment is not followed: the entry itself (a symlink is
/// deleted or replaced, never its target). Blocking.
///
/// # Errors
///
/// As [`resolve`]; 400 for the root itself.
pub fn resolve_entry(root: &Path, path: &ServicePath) -> Result<PathBuf, ApiError> {
    let Some((last, parents)) = path.segments.split_last() else {
        return Err(ApiError::bad_request(
            "The service's root folder cannot be changed this way.",
        ));
    };
    Ok(resolve_parts(root, parents)?.join(last))
}

fn resolve_parts(root: &Path, segments: &[String]) -> Result<PathBuf, ApiError> {
    let mut existing = root.to_path_buf();
    let mut consumed = 0;
    for segment in segments {
        let next = existing.join(segment);
        match std::fs::symlink_metadata(&next) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = match std::fs::canonicalize(&next) {
                    Ok(target) => target,
                    // A dangling link: nothing there, and nothing may be created through it.
                    Err(error) if error.kind() == ErrorKind::NotFound => {
                        return Err(outside());
                    }
                    Err(error) => return Err(io_error(error)),
                };
                if !target.starts_with(root) {
                    return Err(outside());
                }
                existing = target;
            }
            Ok(_) => existing = next,
            Err(error) if error.kind() == ErrorKind::NotFound => break,
            Err(error) if error.kind() == ErrorKind::NotADirectory => break,
            Err(error) => return Err(io_error(error)),
        }
        consumed += 1;
    }
    for segment in &segments[consumed..] {
        existing.push(segment);
    }
    Ok(existing)
}

fn outside() -> ApiError {
    ApiError::not_found("The path does not exist in storage.")
}

/// An I/O error as the client may see it: never the OS's text or a server path.
pub fn io_error(error: std::io::Error) -> ApiError {
    match error.kind() {
        ErrorKind::NotFound => ApiError::not_found("The path does not exist in storage."),
        ErrorKind::PermissionDenied => ApiError::forbidden(
            "The server may not access this path in storage (file system permissions).",
        ),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => ApiError::new(
            actix_web::http::StatusCode::INSUFFICIENT_STORAGE,
            "The storage is full. No changes were made.",
        ),
        ErrorKind::ReadOnlyFilesystem => {
            ApiError::unavailable("The storage is read-only at the moment. No changes were made.")
        }
        _ => ApiError::internal(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_keep_folders_and_refuse_dot_segments_and_encoded_slashes() {
        let path = ServicePath::from_url("a/b c/", true).unwrap();
        assert_eq!(path.display(), "a/b c/");
        let file = ServicePath::from_url("a/x%2By%25.txt", false).unwrap();
        assert_eq!(file.display(), "a/x+y%.txt");
        for raw in [
            "..", "a/../b", "a/./b", "a//b", "a/%2F/b", "a%2fb", "a/\0", "a\\b",
        ] {
            assert!(ServicePath::from_url(raw, false).is_err(), "{raw}");
        }
        assert!(ServicePath::from_url(&"a".repeat(256), false).is_err());
        assert!(ServicePath::from_url("", false).unwrap().is_root());
    }

    #[test]
    fn resolution_stays_inside_the_root_through_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let outside_dir = dir.path().join("outside");
        std::fs::create_dir_all(root.join("in")).unwrap();
        std::fs::create_dir_all(&outside_dir).unwrap();
        std::fs::write(outside_dir.join("secret"), "x").unwrap();
        std::os::unix::fs::symlink(&outside_dir, root.join("out")).unwrap();
        std::os::unix::fs::symlink(root.join("in"), root.join("alias")).unwrap();
        let root = std::fs::canonicalize(&root).unwrap();
        let out = ServicePath::from_url("out/secret", false).unwrap();
        assert_eq!(resolve(&root, &out).unwrap_err().status.as_u16(), 404);
        let alias = ServicePath::from_url("alias/new.txt", false).unwrap();
        assert_eq!(resolve(&root, &alias).unwrap(), root.join("in/new.txt"));
        let link = ServicePath::from_url("out", false).unwrap();
        assert_eq!(resolve_entry(&root, &link).unwrap(), root.join("out"));
    }
}
