//! Streams of pages and of items for the operations whose answers carry a next link (the
//! generated call builders' `pages()` and `items()`).
//!
//! [`Pages`] sends page 1 as the call was built, then, for as long as the answer has a next
//! link (or cursor: the previous URL with the cursor parameter set), the same call again with
//! its URL replaced by that (`redirect.rs`): same headers,
//! same authentication, same decoding as the single call. One request is in flight at a time and
//! none starts before the stream is polled for its page; nothing is sent after the last page
//! (an absent, `null` or blank link). A link is resolved against the client's base URL and
//! refused, before anything is sent, when it leaves the base URL's origin, is plain HTTP off
//! loopback, repeats a page already fetched, or would exceed the bound on pages
//! ([`Pages::max_pages`], [`DEFAULT_MAX_PAGES`] by default): each is a [`PageError`] naming the
//! page, yielded after the page that carried the link. So the token goes to the base URL's
//! origin only.

mod error;
mod link;
pub(crate) mod redirect;

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use url::Url;

pub use error::PageError;
use link::Seen;
use redirect::WithUrl;

use crate::client::Client;
use crate::error::Error;
use crate::response::ApiResponse;

/// How many pages a stream fetches at most unless told otherwise ([`Pages::max_pages`]).
pub const DEFAULT_MAX_PAGES: u64 = 10_000;

/// The future of one page's call (a call builder's `IntoFuture`).
type PageFuture<'a, T, E> =
    Pin<Box<dyn Future<Output = Result<ApiResponse<T>, Error<E>>> + Send + 'a>>;

/// Where an operation's next link is, as generated code states it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct NextLink<T> {
    /// Where the link is in the answer (a JSON pointer), for errors and lenient decoding.
    pub pointer: &'static str,
    /// The link (or cursor), read from a decoded page.
    pub read: fn(&T) -> Option<&str>,
    /// When the value read is a cursor: the query parameter the next request sends it in (the
    /// next page is the previous page's URL with that parameter set).
    pub param: Option<&'static str>,
}

/// The pages of a paged operation, in order, as a [`Stream`] of
/// `Result<ApiResponse<T>, PageError<E>>` (a generated call builder's `pages()`).
///
/// Page 1 is the call as it was built; each later page is the same call (same headers, token
/// and decoding) sent to the previous page's next link, resolved against the client's base URL
/// (or, for an operation that pages by cursor, to the previous page's URL with the cursor
/// parameter set to the cursor the page carried).
/// One request is in flight at a time, none is sent before the stream is polled for its page,
/// and none after the last page (no next link, or a `null` or blank one). A next link to another
/// origin than the base URL's, plain HTTP off loopback, one that repeats a page already fetched
/// or one that did not decode, and a next link on the last page the bound allows
/// ([`Pages::max_pages`], [`DEFAULT_MAX_PAGES`] by default), end the stream with a [`PageError`]
/// naming the page, yielded after the page that carried the link; nothing is sent to such a
/// link, so the token only goes to the base URL's origin. After an error the stream ends.
#[must_use = "a stream does nothing until it is polled"]
pub struct Pages<'a, T, E> {
    client: &'a Client,
    call: Box<dyn Fn() -> PageFuture<'a, T, E> + Send + Sync + 'a>,
    next: NextLink<T>,
    max_pages: u64,
    /// Pages requested so far.
    page: u64,
    seen: Seen,
    state: State<'a, T, E>,
}

enum State<'a, T, E> {
    /// Page 1 not requested yet.
    Start,
    /// The page after `page` is to be requested from this URL when the stream is polled.
    Next(Url),
    InFlight(WithUrl<dyn Future<Output = Result<ApiResponse<T>, Error<E>>> + Send + 'a>),
    /// Yield this error, then end.
    Failed(PageError<E>),
    Done,
}

impl<'a, T, E> Pages<'a, T, E> {
    /// Pages of `call` (a call builder, cloned for every page) sent through `client`, whose
    /// next link `next` reads.
    #[doc(hidden)]
    pub fn new<C>(client: &'a Client, call: C, next: NextLink<T>) -> Self
    where
        C: Clone + Send + Sync + 'a,
        C: std::future::IntoFuture<
                Output = Result<ApiResponse<T>, Error<E>>,
                IntoFuture = PageFuture<'a, T, E>,
            >,
    {
        Pages {
            client,
            call: Box::new(move || call.clone().into_future()),
            next,
            max_pages: DEFAULT_MAX_PAGES,
            page: 0,
            seen: Seen::default(),
            state: State::Start,
        }
    }

    /// Fetches at most `max` pages (at least 1); a next link on page `max` ends the stream with
    /// [`PageError::TooManyPages`] instead of another request.
    pub fn max_pages(mut self, max: u64) -> Self {
        self.max_pages = max.max(1);
        self
    }

    /// The number of pages requested so far.
    pub fn pages_requested(&self) -> u64 {
        self.page
    }

    fn start(&mut self, url: Option<Url>) {
        self.page += 1;
        let id = std::ptr::from_ref(self.client) as usize;
        self.state = State::InFlight(WithUrl::new(id, url, (self.call)()));
    }

    /// What follows the page just received (sent to `sent`): the next request, the end, or an
    /// error.
    fn after(&mut self, answer: &ApiResponse<T>, sent: Option<&Url>) -> State<'a, T, E> {
        let page = self.page;
        let pointer = self.next.pointer;
        let unread = answer.unparsed().iter().any(|u| {
            let p = u.pointer();
            p == pointer || pointer.starts_with(&format!("{p}/")) || p.is_empty()
        });
        if unread {
            return State::Failed(PageError::UnreadableNextLink { page, pointer });
        }
        let value = (self.next.read)(answer.body());
        let next = match (self.next.param, sent) {
            (Some(param), Some(sent)) => Ok(link::with_cursor(sent, param, value)),
            // (A call that sent nothing through this client: no URL to set the cursor on.)
            (Some(_), None) => Ok(None),
            (None, _) => link::resolve(self.client.base_url(), value, page),
        };
        match next {
            Err(e) => State::Failed(e),
            Ok(None) => State::Done,
            Ok(Some(_)) if page >= self.max_pages => {
                State::Failed(PageError::TooManyPages { page })
            }
            Ok(Some(url)) if !self.seen.insert(&url) => State::Failed(PageError::Loop { page }),
            Ok(Some(url)) => State::Next(url),
        }
    }
}

impl<T, E> Stream for Pages<'_, T, E> {
    type Item = Result<ApiResponse<T>, PageError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match std::mem::replace(&mut this.state, State::Done) {
            State::Start => this.start(None),
            State::Next(url) => this.start(Some(url)),
            State::Failed(e) => return Poll::Ready(Some(Err(e))),
            State::Done => return Poll::Ready(None),
            State::InFlight(call) => this.state = State::InFlight(call),
        }
        let State::InFlight(call) = &mut this.state else {
            return Poll::Ready(None);
        };
        match Pin::new(&mut *call).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(error)) => {
                let page = this.page;
                this.state = State::Done;
                Poll::Ready(Some(Err(PageError::Call { page, error })))
            }
            Poll::Ready(Ok(answer)) => {
                // Page 1's URL too is a page fetched (a link back to it is a loop).
                let sent = call.sent().cloned();
                if let Some(sent) = &sent {
                    this.seen.insert(sent);
                }
                this.state = this.after(&answer, sent.as_ref());
                Poll::Ready(Some(Ok(answer)))
            }
        }
    }
}

impl<T, E> std::fmt::Debug for Pages<'_, T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("next", &self.next.pointer)
            .field("max_pages", &self.max_pages)
            .field("pages_requested", &self.page)
            .finish_non_exhaustive()
    }
}

/// The items of every page of a paged operation, in order, as a [`Stream`] of
/// `Result<I, PageError<E>>`: [`Pages`], each page's item array taken out of it. One page is held
/// at a time; the next is requested when its items are used up.
#[must_use = "a stream does nothing until it is polled"]
pub struct Items<'a, T, I, E> {
    pages: Pages<'a, T, E>,
    take: fn(T) -> Vec<I>,
    current: VecDeque<I>,
}

impl<'a, T, I, E> Items<'a, T, I, E> {
    /// The items `take` takes out of each of `pages`.
    #[doc(hidden)]
    pub fn new(pages: Pages<'a, T, E>, take: fn(T) -> Vec<I>) -> Self {
        Items {
            pages,
            take,
            current: VecDeque::new(),
        }
    }

    /// See [`Pages::max_pages`].
    pub fn max_pages(mut self, max: u64) -> Self {
        self.pages = self.pages.max_pages(max);
        self
    }

    /// The number of pages requested so far.
    pub fn pages_requested(&self) -> u64 {
        self.pages.pages_requested()
    }
}

impl<T, I: Unpin, E> Stream for Items<'_, T, I, E> {
    type Item = Result<I, PageError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => {
                    this.current = (this.take)(page.into_inner()).into();
                }
            }
        }
    }
}

impl<T, I, E> std::fmt::Debug for Items<'_, T, I, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.current.len())
            .finish()
    }
}
