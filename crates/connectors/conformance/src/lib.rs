#![doc = include_str!("../README.md")]

pub mod read;
pub mod write;
