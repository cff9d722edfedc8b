//! The zip of a package: written in memory for an export, and read back for an import within
//! the `limits.package_*` bounds, checked entry by entry before anything is unpacked.
//!
//! Entries are never written to disk under their own names (an import reads the entries it
//! knows into memory), but a name that is absolute or climbs out with `..` still refuses the
//! whole package: such a zip was made to attack an unpacker, and nothing in it is trusted.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::error::ApiError;

/// The bounds an uploaded package is read within.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// All entries together, unpacked.
    pub max_unpacked_bytes: u64,
    pub max_entries: usize,
}

/// Builds a package's zip in memory, entry by entry.
pub struct Writer {
    zip: ZipWriter<Cursor<Vec<u8>>>,
}

impl Default for Writer {
    fn default() -> Self {
        Self::new()
    }
}

impl Writer {
    pub fn new() -> Self {
        Self {
            zip: ZipWriter::new(Cursor::new(Vec::new())),
        }
    }

    /// Adds the entry `name` holding `bytes`, deflated.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), ApiError> {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .unix_permissions(0o644);
        self.zip
            .start_file(name, options)
            .and_then(|()| self.zip.write_all(bytes).map_err(Into::into))
            .map_err(|error| ApiError::internal(format!("writing a package entry: {error}")))
    }

    /// The finished zip.
    pub fn finish(self) -> Result<Vec<u8>, ApiError> {
        self.zip
            .finish()
            .map(Cursor::into_inner)
            .map_err(|error| ApiError::internal(format!("finishing a package: {error}")))
    }
}

/// A package's entries by name, read whole into memory.
pub type Entries = BTreeMap<String, Vec<u8>>;

fn refused(message: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid package supplied. {message}"))
}

/// A name an unpacker could be tricked with: absolute, with a drive or a backslash, a NUL,
/// or a `..` component.
fn is_unsafe_name(name: &str) -> bool {
    name.starts_with('/')
        || name.contains('\\')
        || name.contains('\0')
        || name.contains(':')
        || name.split('/').any(|part| part == "..")
}

/// Reads every file entry of the zip `bytes` within `bounds`. Directory entries are ignored.
///
/// # Errors
/// 400 when the bytes are not a zip, an entry's name is unsafe, there are too many entries,
/// an entry is encrypted or cannot be read, or the entries unpack to more than allowed. The
/// unpacked sizes are counted as the bytes come out, not taken from the zip's own headers,
/// which a zip bomb would fake.
pub fn read(bytes: &[u8], bounds: Bounds) -> Result<Entries, ApiError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| refused("The upload is not a zip file."))?;
    if archive.len() > bounds.max_entries {
        return Err(refused(&format!(
            "It holds more than {} entries (limits.package_max_entries).",
            bounds.max_entries
        )));
    }
    let too_large = || {
        refused(&format!(
            "It unpacks to more than {} bytes (limits.package_max_unpacked_bytes).",
            bounds.max_unpacked_bytes
        ))
    };
    let mut entries = Entries::new();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|_| refused("An entry cannot be read (encrypted or damaged)."))?;
        let name = entry
            .name()
            .map_err(|_| refused("An entry's name is not valid."))?
            .into_owned();
        if is_unsafe_name(&name) {
            return Err(refused(
                "An entry's name is absolute or leads out of the package.",
            ));
        }
        if entry.is_dir() {
            continue;
        }
        if entry.is_symlink() {
            return Err(refused("An entry is a symbolic link."));
        }
        let room = bounds.max_unpacked_bytes.saturating_sub(total);
        let mut content = Vec::new();
        (&mut entry)
            .take(room.saturating_add(1))
            .read_to_end(&mut content)
            .map_err(|_| refused("An entry cannot be unpacked."))?;
        let size = content.len() as u64;
        if size > room {
            return Err(too_large());
        }
        total += size;
        entries.insert(name, content);
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: Bounds = Bounds {
        max_unpacked_bytes: 1000,
        max_entries: 4,
    };

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = Writer::new();
        for (name, bytes) in entries {
            writer.add(name, bytes).unwrap();
        }
        writer.finish().unwrap()
    }

    #[test]
    fn entries_round_trip() {
        let bytes = zip_of(&[("package.json", b"{}"), ("system/role.json", b"[]")]);
        let entries = read(&bytes, BOUNDS).unwrap();
        assert_eq!(entries["package.json"], b"{}");
        assert_eq!(entries["system/role.json"], b"[]");
    }

    #[test]
    fn traversal_names_bombs_and_too_many_entries_are_refused() {
        for name in ["../x.json", "a/../../x", "/etc/passwd", "c:\\x", "a\\..\\b"] {
            let bytes = zip_of(&[(name, b"{}")]);
            let error = read(&bytes, BOUNDS).unwrap_err();
            assert_eq!(error.status.as_u16(), 400, "{name}");
        }
        // 100 KB of zeros deflate to a few hundred bytes: counted as they unpack.
        let bytes = zip_of(&[("big", &[0u8; 100_000])]);
        assert!(bytes.len() < 1000);
        let error = read(&bytes, BOUNDS).unwrap_err();
        assert!(
            error.message.contains("unpacks to more than"),
            "{}",
            error.message
        );
        let many: Vec<(String, &[u8])> = (0..5).map(|i| (format!("f{i}"), &b"x"[..])).collect();
        let many: Vec<(&str, &[u8])> = many.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        assert!(read(&zip_of(&many), BOUNDS).is_err());
        assert!(read(b"not a zip", BOUNDS).is_err());
    }
}
