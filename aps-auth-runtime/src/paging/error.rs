//! [`PageError`]: why a page stream stopped, naming the page.

use std::fmt;

use crate::error::Error;

/// Why a stream of pages ended early. Every variant names the page (counted from 1) whose
/// request failed or whose next link was not followed; a refused link is named by its origin
/// only (`scheme://host:port`), never its path or query, and nothing was sent to it.
#[derive(Debug)]
#[non_exhaustive]
pub enum PageError<E> {
    /// The request of page `page` failed.
    Call {
        /// The page whose request failed.
        page: u64,
        /// What the single call failed with.
        error: Error<E>,
    },
    /// Page `page`'s next link points to another origin than the client's base URL.
    ForeignNextLink {
        /// The page that carried the link.
        page: u64,
        /// The link's origin.
        origin: String,
    },
    /// Page `page`'s next link is plain HTTP to a host other than loopback.
    InsecureNextLink {
        /// The page that carried the link.
        page: u64,
        /// The link's origin.
        origin: String,
    },
    /// Page `page`'s next link is not a URL, even relative to the client's base URL.
    InvalidNextLink {
        /// The page that carried the link.
        page: u64,
    },
    /// Page `page`'s next link could not be read: the answer's value at `pointer` (or around
    /// it) did not decode, so whether there is a next page is unknown.
    UnreadableNextLink {
        /// The page whose link could not be read.
        page: u64,
        /// Where the link is in the answer (a JSON pointer).
        pointer: &'static str,
    },
    /// Page `page`'s next link is a page already fetched: following it would never end.
    Loop {
        /// The page that carried the link.
        page: u64,
    },
    /// Page `page` is the last the stream may fetch ([`Pages::max_pages`](super::Pages::max_pages))
    /// and it has a next link.
    TooManyPages {
        /// The last page fetched, which is the bound.
        page: u64,
    },
}

impl<E> PageError<E> {
    /// The page the error is about (counted from 1).
    pub fn page(&self) -> u64 {
        match self {
            PageError::Call { page, .. }
            | PageError::ForeignNextLink { page, .. }
            | PageError::InsecureNextLink { page, .. }
            | PageError::InvalidNextLink { page }
            | PageError::UnreadableNextLink { page, .. }
            | PageError::Loop { page }
            | PageError::TooManyPages { page } => *page,
        }
    }

    /// The single call's error, when the request of a page failed.
    pub fn call_error(&self) -> Option<&Error<E>> {
        match self {
            PageError::Call { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl<E> fmt::Display for PageError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageError::Call { page, error } => write!(f, "page {page}: {error}"),
            PageError::ForeignNextLink { page, origin } => write!(
                f,
                "page {page}: the next link points to another origin ({origin}) than the client's base URL; not followed"
            ),
            PageError::InsecureNextLink { page, origin } => write!(
                f,
                "page {page}: the next link is plain http to {origin}, not loopback; not followed"
            ),
            PageError::InvalidNextLink { page } => {
                write!(f, "page {page}: the next link is not a URL")
            }
            PageError::UnreadableNextLink { page, pointer } => write!(
                f,
                "page {page}: the next link at `{pointer}` did not decode, so the listing may go on"
            ),
            PageError::Loop { page } => write!(
                f,
                "page {page}: the next link repeats a page already fetched"
            ),
            PageError::TooManyPages { page } => write!(
                f,
                "page {page} is the most this stream may fetch, and it has a next link"
            ),
        }
    }
}

impl<E: fmt::Debug + 'static> std::error::Error for PageError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PageError::Call { error, .. } => Some(error),
            _ => None,
        }
    }
}
