//! Sending a page through the operation's own call: the URL the call builds is replaced by the
//! next link, for that call's request only. The stream polls the call's future inside
//! [`WithUrl`], which offers the link to the first request that the stream's own runtime client
//! builds ([`take`], called by `Client::request`) and notes the URL that request went to (the
//! stream's loop guard). So headers, authentication, decoding (and whatever else the single call
//! does) are the same for every page, and a request another client builds meanwhile (a token
//! source's token request) is never redirected.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use url::Url;

use crate::client::Client;

/// The offer while a page's call is polled.
struct Slot {
    /// The address of the runtime client the offer is for.
    client: usize,
    /// The next link, `None` for page 1 (the URL the call builds).
    url: Option<Url>,
    /// The URL the call's request went to, once it is built.
    sent: Option<Url>,
}

thread_local! {
    static OFFER: RefCell<Option<Slot>> = const { RefCell::new(None) };
}

/// The URL a request `client` built for `built` goes to: the next link when a page stream is
/// polling a call of `client` whose request is not built yet, else `built`.
pub(crate) fn take(client: &Client, built: Url) -> Url {
    let id = std::ptr::from_ref(client) as usize;
    OFFER.with(|offer| match offer.borrow_mut().as_mut() {
        Some(slot) if slot.client == id && slot.sent.is_none() => {
            let url = slot.url.take().unwrap_or(built);
            slot.sent = Some(url.clone());
            url
        }
        _ => built,
    })
}

/// A call's future whose request goes to `url` instead (when `url` is `Some`).
pub(super) struct WithUrl<F: ?Sized> {
    pub(super) client: usize,
    pub(super) url: Option<Url>,
    /// Where the request went, once built.
    pub(super) sent: Option<Url>,
    pub(super) inner: Pin<Box<F>>,
}

impl<F: Future + ?Sized> Future for WithUrl<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.sent.is_some() {
            return this.inner.as_mut().poll(cx);
        }
        let slot = Slot {
            client: this.client,
            url: this.url.take(),
            sent: None,
        };
        let previous = OFFER.with(|o| o.borrow_mut().replace(slot));
        let result = this.inner.as_mut().poll(cx);
        let slot = OFFER.with(|o| std::mem::replace(&mut *o.borrow_mut(), previous));
        // Not built yet (the call has not made its request): offer it again at the next poll.
        if let Some(slot) = slot {
            this.url = slot.url;
            this.sent = slot.sent;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_streams_client_and_its_first_request_are_redirected() {
        let ours = Client::builder()
            .base_url("http://127.0.0.1:1")
            .build()
            .unwrap();
        let other = Client::builder()
            .base_url("http://127.0.0.1:2")
            .build()
            .unwrap();
        let built = Url::parse("http://127.0.0.1:1/built").unwrap();
        let next = Url::parse("http://127.0.0.1:1/next").unwrap();
        let (o, b) = (&ours, built.clone());
        let other_ref = &other;
        let call = async move {
            // Another client (a token source's) first: not redirected.
            let theirs = take(other_ref, Url::parse("http://127.0.0.1:2/token").unwrap());
            let first = take(o, b.clone());
            let second = take(o, b);
            (theirs, first, second)
        };
        let mut with = WithUrl {
            client: std::ptr::from_ref(&ours) as usize,
            url: Some(next.clone()),
            sent: None,
            inner: Box::pin(call),
        };
        let (theirs, first, second) = (&mut with).await;
        assert_eq!(theirs.as_str(), "http://127.0.0.1:2/token");
        assert_eq!(first, next);
        assert_eq!(second, built, "one request only");
        assert_eq!(with.sent, Some(next));
        // Outside a stream, nothing is redirected.
        assert_eq!(take(&ours, built.clone()), built);
    }
}
