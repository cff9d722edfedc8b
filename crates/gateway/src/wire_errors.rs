//! DreamFactory's envelope for the errors actix-http's HTTP/1 codec answers itself.
//!
//! A request head actix cannot parse (a malformed request line, a bad header, conflicting
//! `Content-Length` / `Transfer-Encoding`), one past its 128 KiB or 96-header limit, or one
//! that does not arrive in time never reaches a middleware: the dispatcher writes a bodyless
//! `400`, `431` or `408` (or `500` on an internal fault) and closes the connection, and it
//! has no hook for the body. [`EnvelopedErrors`] wraps each accepted connection and replaces
//! exactly those responses, as they are written, with the same status and the envelope.
//!
//! Why it can tell them apart: every response the application writes with these statuses
//! carries a JSON body (`middleware::envelope_errors` rewrites the bodyless ones), and a JSON
//! body never holds a raw CR LF, so `HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n` is
//! actix's own head wherever it appears in the output. The cost on the request path is one
//! `memmem` search per write (docs/HTTP-ERRORS.md has the measurement).

use std::io;
use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{Context, Poll, ready};

use actix_web::http::StatusCode;
use memchr::memmem;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::ApiError;

/// What follows the status line of every bodyless response actix-http encodes.
const BODYLESS: &[u8] = b"\r\ncontent-length: 0\r\n";

/// The searcher for [`BODYLESS`], built once rather than on every write.
static BODYLESS_FINDER: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(BODYLESS));

/// The status lines of the codec's own errors, with the message each gets.
const CODEC_ERRORS: &[(&[u8], StatusCode, &str)] = &[
    (
        b"HTTP/1.1 400 Bad Request",
        StatusCode::BAD_REQUEST,
        "The request is malformed: its request line or a header cannot be parsed \
         (for example, conflicting Content-Length and Transfer-Encoding).",
    ),
    (
        b"HTTP/1.1 431 Request Header Fields Too Large",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "The request headers are too large.",
    ),
    (
        b"HTTP/1.1 408 Request Timeout",
        StatusCode::REQUEST_TIMEOUT,
        "The request headers were not received in time.",
    ),
    (
        b"HTTP/1.1 500 Internal Server Error",
        StatusCode::INTERNAL_SERVER_ERROR,
        "An internal error occurred.",
    ),
];

/// One of actix's bodyless error heads found in a write: where it starts and ends in the
/// buffer, and which error it is.
#[derive(Debug, PartialEq, Eq)]
struct CodecError {
    start: usize,
    end: usize,
    index: usize,
}

/// The first of actix's bodyless error heads in `buf`, if it holds one whole.
fn find_codec_error(buf: &[u8]) -> Option<CodecError> {
    let mut from = 0;
    while let Some(found) = BODYLESS_FINDER.find(&buf[from..]) {
        let at = from + found;
        from = at + BODYLESS.len();
        let Some((index, (status_line, ..))) = CODEC_ERRORS
            .iter()
            .enumerate()
            .find(|(_, (line, ..))| buf[..at].ends_with(line))
        else {
            continue;
        };
        let start = at - status_line.len();
        let end = memmem::find(&buf[at..], b"\r\n\r\n").map(|i| at + i + 4)?;
        return Some(CodecError { start, end, index });
    }
    None
}

/// The envelope response standing in for `head`: same status, `Date` kept, the connection
/// closed as actix closes it.
fn replacement(head: &[u8], index: usize) -> Vec<u8> {
    let (status_line, status, message) = CODEC_ERRORS[index];
    let body = ApiError::new(status, message).body().to_string();
    let date = head
        .split(|&b| b == b'\n')
        .find(|line| line.len() > 5 && line[..5].eq_ignore_ascii_case(b"date:"));
    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(status_line);
    out.extend_from_slice(b"\r\ncontent-type: application/json\r\ncontent-length: ");
    out.extend_from_slice(body.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\nx-content-type-options: nosniff\r\nconnection: close\r\n");
    if let Some(date) = date {
        out.extend_from_slice(date);
        out.push(b'\n');
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.as_bytes());
    out
}

/// The response being written in place of one of actix's heads.
struct Replacement {
    bytes: Vec<u8>,
    written: usize,
    /// How many bytes of actix's output it stands for (the head it replaces).
    replaces: usize,
}

/// An accepted connection whose output has actix's bodyless error responses replaced by the
/// envelope; everything else passes through untouched.
pub struct EnvelopedErrors<S> {
    inner: S,
    replacing: Option<Replacement>,
}

impl<S> EnvelopedErrors<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            replacing: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for EnvelopedErrors<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for EnvelopedErrors<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            if let Some(replacing) = &mut this.replacing {
                // actix hands the same head back until it is reported written.
                while replacing.written < replacing.bytes.len() {
                    let rest = &replacing.bytes[replacing.written..];
                    match ready!(Pin::new(&mut this.inner).poll_write(cx, rest))? {
                        0 => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                        n => replacing.written += n,
                    }
                }
                let replaced = replacing.replaces;
                this.replacing = None;
                return Poll::Ready(Ok(replaced));
            }
            match find_codec_error(buf) {
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
                // What precedes the head goes out first, as it is.
                Some(found) if found.start > 0 => {
                    return Pin::new(&mut this.inner).poll_write(cx, &buf[..found.start]);
                }
                Some(found) => {
                    this.replacing = Some(Replacement {
                        bytes: replacement(&buf[..found.end], found.index),
                        written: 0,
                        replaces: found.end,
                    });
                }
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;

    use super::*;

    const ACTIX_400: &[u8] = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\
        connection: close\r\ndate: Fri, 05 Dec 2025 05:00:00 GMT\r\n\r\n";

    fn split(response: &[u8]) -> (String, serde_json::Value) {
        let text = String::from_utf8(response.to_vec()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head.to_string(), serde_json::from_str(body).unwrap())
    }

    #[tokio::test]
    async fn a_bodyless_codec_error_becomes_the_envelope() {
        let mut out = EnvelopedErrors::new(Vec::new());
        out.write_all(ACTIX_400).await.unwrap();
        let (head, body) = split(&out.inner);
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(
            head.contains("\r\ncontent-type: application/json\r\n"),
            "{head}"
        );
        assert!(
            head.contains("\r\ndate: Fri, 05 Dec 2025 05:00:00 GMT"),
            "{head}"
        );
        let length = format!("content-length: {}\r\n", body.to_string().len());
        assert!(head.contains(&length), "{head}");
        assert_eq!(body["error"]["status_code"], 400);
    }

    #[tokio::test]
    async fn what_precedes_the_head_passes_through() {
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        let mut out = EnvelopedErrors::new(Vec::new());
        out.write_all(&[&ok[..], ACTIX_400].concat()).await.unwrap();
        assert!(out.inner.starts_with(ok));
        let (head, body) = split(&out.inner[ok.len()..]);
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert_eq!(body["error"]["code"], 400);
    }

    #[test]
    fn application_responses_are_left_alone() {
        for output in [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 95\r\n\r\n{}",
            b"HTTP/1.1 204 No Content\r\ndate: x\r\n\r\n",
            // A head cut short is never rewritten half.
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate",
        ] {
            assert_eq!(find_codec_error(output), None);
        }
        let output = b"xHTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n";
        let found = find_codec_error(output);
        let end = output.len();
        assert_eq!(
            found,
            Some(CodecError {
                start: 1,
                end,
                index: 1
            })
        );
    }
}
