//! A JSON object written key by key into a byte buffer, placing the commas.

use super::{write_bool, write_i64, write_str};

/// Writes a JSON object key by key, placing the commas.
pub struct Object<'b> {
    buf: &'b mut Vec<u8>,
    empty: bool,
}

impl<'b> Object<'b> {
    pub fn open(buf: &'b mut Vec<u8>) -> Self {
        buf.push(b'{');
        Self { buf, empty: true }
    }

    /// Writes `"name":` and returns the buffer for the value.
    pub fn key(&mut self, name: &str) -> &mut Vec<u8> {
        if !self.empty {
            self.buf.push(b',');
        }
        self.empty = false;
        write_str(self.buf, name);
        self.buf.push(b':');
        self.buf
    }

    pub fn string(&mut self, name: &str, value: &str) {
        write_str(self.key(name), value);
    }

    pub fn optional_string(&mut self, name: &str, value: Option<&str>) {
        match value {
            Some(value) => self.string(name, value),
            None => self.null(name),
        }
    }

    pub fn boolean(&mut self, name: &str, value: bool) {
        write_bool(self.key(name), value);
    }

    pub fn number(&mut self, name: &str, value: Option<u32>) {
        match value {
            Some(value) => write_i64(self.key(name), i64::from(value)),
            None => self.null(name),
        }
    }

    pub fn null(&mut self, name: &str) {
        self.raw(name, b"null");
    }

    pub fn raw(&mut self, name: &str, json: &[u8]) {
        self.key(name).extend_from_slice(json);
    }

    pub fn close(self) {
        self.buf.push(b'}');
    }
}
