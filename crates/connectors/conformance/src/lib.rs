#![doc = include_str!("../README.md")]

pub mod read;
pub mod related;
pub mod write;
