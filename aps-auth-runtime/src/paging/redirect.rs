//! Sending a page through the operation's own call: the URL the call builds is replaced by the
//! next link, for that call's request only. The stream polls the call's future inside
//! [`WithUrl`], which offers the link to the first request that the stream's own runtime client
//! builds ([`take`], called by `Client::request`); so headers, authentication, decoding (and
//! whatever else the single call does) are the same for every page, and a request another
//! client builds meanwhile (a token source's token request) is never redirected.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use url::Url;

use crate::client::Client;

thread_local! {
    /// The link on offer while a page's call is polled: the client it is for, and the URL.
    static OFFER: RefCell<Option<(usize, Url)>> = const { RefCell::new(None) };
}

/// The URL to send instead of the one `client` built, when a page stream is polling a call of
/// `client` and the call has not taken its link yet.
pub(crate) fn take(client: &Client) -> Option<Url> {
    let id = std::ptr::from_ref(client) as usize;
    OFFER.with(|offer| {
        let mut offer = offer.borrow_mut();
        match offer.as_ref() {
            Some((for_client, _)) if *for_client == id => offer.take().map(|(_, url)| url),
            _ => None,
        }
    })
}

/// A call's future whose request goes to `url` instead (when `url` is `Some`).
pub(super) struct WithUrl<F: ?Sized> {
    pub(super) client: usize,
    pub(super) url: Option<Url>,
    pub(super) inner: Pin<Box<F>>,
}

impl<F: Future + ?Sized> Future for WithUrl<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(url) = this.url.take() else {
            return this.inner.as_mut().poll(cx);
        };
        let previous = OFFER.with(|o| o.borrow_mut().replace((this.client, url)));
        let result = this.inner.as_mut().poll(cx);
        // Not taken yet (the call has not built its request): offer it again at the next poll.
        let left = OFFER.with(|o| std::mem::replace(&mut *o.borrow_mut(), previous));
        this.url = left.map(|(_, url)| url);
        result
    }
}
