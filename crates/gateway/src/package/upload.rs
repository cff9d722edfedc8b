//! The package of an import request: read within `limits.package_max_bytes`, as the raw
//! body (`application/zip`, `application/octet-stream`) or as the `files` part of a
//! `multipart/form-data` body, which is how DreamFactory's admin app uploads it.

use actix_web::http::StatusCode;
use actix_web::web;
use futures::StreamExt;
use memchr::memmem;

use crate::error::ApiError;

/// Reads the whole request body, refusing one past `limit` bytes with a 413.
pub async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::bad_request("The request body could not be read."))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The package is larger than {limit} bytes (limits.package_max_bytes)."),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The package in `body`, by its `Content-Type`.
pub fn package_of(body: Vec<u8>, content_type: Option<&str>) -> Result<Vec<u8>, ApiError> {
    let content_type = content_type.unwrap_or("").trim();
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if media_type.eq_ignore_ascii_case("multipart/form-data") {
        let boundary = boundary_of(content_type).ok_or_else(|| {
            ApiError::bad_request("The multipart body has no boundary in its Content-Type.")
        })?;
        return file_part(&body, &boundary).map(<[u8]>::to_vec);
    }
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "No package was uploaded: send the zip as the body, or as the 'files' part of a \
             multipart form.",
        ));
    }
    Ok(body)
}

fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty())
    })
}

/// The content of the part named `files` (DreamFactory's field), or else of the first part
/// that carries a file name.
fn file_part<'a>(body: &'a [u8], boundary: &str) -> Result<&'a [u8], ApiError> {
    let delimiter = format!("--{boundary}");
    let finder = memmem::Finder::new(delimiter.as_bytes());
    let starts: Vec<usize> = finder.find_iter(body).collect();
    let mut fallback = None;
    for pair in starts.windows(2) {
        let part = &body[pair[0] + delimiter.len()..pair[1]];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(split) = memmem::find(part, b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&part[..split]).to_ascii_lowercase();
        let content = &part[split + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let disposition = headers
            .lines()
            .find(|line| line.starts_with("content-disposition:"))
            .unwrap_or("");
        if disposition.contains("name=\"files\"") {
            return Ok(content);
        }
        if fallback.is_none() && disposition.contains("filename=") {
            fallback = Some(content);
        }
    }
    fallback.ok_or_else(|| {
        ApiError::bad_request("The multipart body has no 'files' part holding the package.")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_part_of_a_multipart_body_is_the_package() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"p.zip\"\r\n\
Content-Type: application/zip\r\n\r\nPK\x03\x04zip\r\nbytes\r\n--XyZ--\r\n"
            .to_vec();
        let package = package_of(body, Some("multipart/form-data; boundary=\"XyZ\"")).unwrap();
        assert_eq!(package, b"PK\x03\x04zip\r\nbytes");
        assert!(
            package_of(
                b"--a\r\n\r\n".to_vec(),
                Some("multipart/form-data; boundary=a")
            )
            .is_err()
        );
        assert_eq!(
            package_of(b"PK".to_vec(), Some("application/zip")).unwrap(),
            b"PK"
        );
        assert!(package_of(Vec::new(), None).is_err());
    }
}
