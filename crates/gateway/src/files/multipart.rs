//! `multipart/form-data` uploads (DreamFactory's `files` form field), parsed from the body
//! already read whole within `server.max_body_bytes`: a few dozen lines instead of a
//! streaming parser, since the body is bounded anyway.

use bytes::Bytes;
use memchr::memmem;

use crate::error::ApiError;

/// One part of a form.
#[derive(Debug)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub data: Bytes,
}

/// The boundary of a `multipart/form-data` content type; `None` for any other type.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let media = params.next()?.trim();
    if !media.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn malformed() -> ApiError {
    ApiError::bad_request("The multipart/form-data body could not be read.")
}

/// The parts of `body`.
///
/// # Errors
///
/// 400 for a body that is not a well-formed form.
pub fn parse(body: &Bytes, boundary: &str) -> Result<Vec<Part>, ApiError> {
    if boundary.is_empty() || boundary.len() > 200 {
        return Err(malformed());
    }
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n--{boundary}");
    let start = memmem::find(body, delimiter.as_bytes()).ok_or_else(malformed)?;
    let mut at = start + delimiter.len();
    let mut parts = Vec::new();
    loop {
        let rest = &body[at..];
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        let rest = rest.strip_prefix(b"\r\n").ok_or_else(malformed)?;
        let head_end = memmem::find(rest, b"\r\n\r\n").ok_or_else(malformed)?;
        let head = std::str::from_utf8(&rest[..head_end]).map_err(|_| malformed())?;
        let data_start = at + 2 + head_end + 4;
        let data_len =
            memmem::find(&body[data_start..], next_delimiter.as_bytes()).ok_or_else(malformed)?;
        let (name, filename) = disposition(head)?;
        parts.push(Part {
            name,
            filename,
            data: body.slice(data_start..data_start + data_len),
        });
        at = data_start + data_len + next_delimiter.len();
    }
}

/// `name` and `filename` of a part's `Content-Disposition: form-data` header.
fn disposition(head: &str) -> Result<(String, Option<String>), ApiError> {
    let line = head
        .split("\r\n")
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case("content-disposition")
                .then_some(value)
        })
        .ok_or_else(malformed)?;
    let mut name = None;
    let mut filename = None;
    for param in line.split(';').skip(1) {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let value = value.trim().trim_matches('"').to_owned();
        match key.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(value),
            "filename" => filename = Some(value),
            _ => {}
        }
    }
    Ok((name.ok_or_else(malformed)?, filename))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_with_two_files_is_read() {
        let body = Bytes::from_static(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\
Content-Type: text/plain\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; \
name=\"files\"; filename=\"b.bin\"\r\n\r\n\x00\x01\r\n--XyZ--\r\n",
        );
        let parts = parse(&body, "XyZ").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].filename.as_deref(), Some("a.txt"));
        assert_eq!(&parts[0].data[..], b"hello");
        assert_eq!(&parts[1].data[..], b"\x00\x01");
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\"").as_deref(),
            Some("XyZ")
        );
        assert!(parse(&Bytes::from_static(b"--XyZ\r\nno end"), "XyZ").is_err());
    }
}
