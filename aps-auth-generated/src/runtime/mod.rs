//! The hand-written runtime that all generated operations share: the client, sending and
//! decoding, errors, secrets, scope lists. What generated code may use is [`contract`].

pub mod auth;
pub(crate) mod builders;
pub mod client;
pub mod contract;
pub(crate) mod enums;
pub mod error;
#[cfg(test)]
pub(crate) mod examples;
pub mod lenient;
pub(crate) mod object;
pub mod one_or_many;
pub(crate) mod redact;
pub mod response;
pub mod scopes;
pub mod secret;
