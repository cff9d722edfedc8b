//! A file on disk as an HTTP response: its content type from its name, `Content-Length`,
//! `Last-Modified` and a weak `ETag` from size and modification time (an unchanged file
//! answers `If-None-Match` with 304), streamed in chunks read on the blocking pool.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;

use super::ops::{content_type, http_date};

const CHUNK: usize = 64 * 1024;

fn etag(meta: &Metadata) -> String {
    let modified = (meta.modified().ok())
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("W/\"{:x}-{modified:x}\"", meta.len())
}

/// The response for file `disk` named `name`; `download` adds `Content-Disposition:
/// attachment`.
pub fn send_file(
    request: &HttpRequest,
    disk: PathBuf,
    meta: &Metadata,
    name: &str,
    download: bool,
) -> HttpResponse {
    let tag = etag(meta);
    let unchanged = (request.headers().get(header::IF_NONE_MATCH))
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, tag))
        .insert_header((header::LAST_MODIFIED, http_date(meta)));
    if unchanged {
        return response.finish();
    }
    response.insert_header((header::CONTENT_TYPE, content_type(name)));
    if download {
        let safe: String = (name.chars())
            .map(|c| if c == '"' || c.is_control() { '_' } else { c })
            .collect();
        response.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{safe}\""),
        ));
    }
    let length = meta.len();
    let stream = futures::stream::unfold(Some((disk, 0u64)), move |state| async move {
        let (disk, offset) = state?;
        if offset >= length {
            return None;
        }
        let read = web::block(move || read_chunk(&disk, offset).map(|bytes| (disk, bytes))).await;
        match read {
            Ok(Ok((disk, bytes))) if !bytes.is_empty() => {
                let next = offset + bytes.len() as u64;
                Some((Ok::<_, std::io::Error>(bytes), Some((disk, next))))
            }
            Ok(Ok(_)) => None,
            Ok(Err(error)) => Some((Err(error), None)),
            Err(error) => Some((Err(std::io::Error::other(error.to_string())), None)),
        }
    });
    response.no_chunking(length).streaming(stream)
}

/// Up to one chunk of `disk` from `offset` (the file is opened per chunk, so no handle is
/// held between reads of a slow client).
fn read_chunk(disk: &PathBuf, offset: u64) -> std::io::Result<Bytes> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(disk)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut buffer = vec![0; CHUNK];
    let mut filled = 0;
    while filled < CHUNK {
        let n = file.read(&mut buffer[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    buffer.truncate(filled);
    Ok(Bytes::from(buffer))
}
