//! Sending a page through the operation's own call: the URL the call builds is replaced by the
//! next link, for that call's requests only. The stream polls the call's future inside
//! [`WithUrl`], which offers the link to the requests that the stream's own runtime client
//! builds ([`take`], called by `Client::request`): the first one, and any later one the call
//! builds for the same URL (a resend); and notes the URL they went to (the stream's loop guard).
//! So headers, authentication, decoding (and whatever else the single call does, retries
//! included) are the same for every page, and a request another client builds meanwhile (a
//! token source's token request) or for another URL is never redirected.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use url::Url;

use crate::client::Client;

/// The offer while a page's call is polled.
#[derive(Debug)]
pub(super) struct Slot {
    /// The address of the runtime client the offer is for.
    client: usize,
    /// The next link, `None` for page 1 (the URL the call builds).
    url: Option<Url>,
    /// The URL the call built for its first request, and where that request went.
    built: Option<(Url, Url)>,
}

thread_local! {
    static OFFER: RefCell<Option<Slot>> = const { RefCell::new(None) };
}

/// The URL a request `client` built for `built` goes to: the next link when a page stream is
/// polling a call of `client` (its first request, or one for the same URL), else `built`.
pub(crate) fn take(client: &Client, built: Url) -> Url {
    let id = std::ptr::from_ref(client) as usize;
    OFFER.with(|offer| match offer.borrow_mut().as_mut() {
        Some(slot) if slot.client == id => match &slot.built {
            None => {
                let url = slot.url.clone().unwrap_or_else(|| built.clone());
                slot.built = Some((built, url.clone()));
                url
            }
            Some((first, sent)) if *first == built => sent.clone(),
            Some(_) => built,
        },
        _ => built,
    })
}

/// A call's future whose requests go to `url` instead (when `url` is `Some`).
pub(super) struct WithUrl<F: ?Sized> {
    slot: Option<Slot>,
    inner: Pin<Box<F>>,
}

impl<F: ?Sized> WithUrl<F> {
    /// `inner`, a call of the runtime client at address `client`, sent to `url`.
    pub(super) fn new(client: usize, url: Option<Url>, inner: Pin<Box<F>>) -> Self {
        WithUrl {
            slot: Some(Slot {
                client,
                url,
                built: None,
            }),
            inner,
        }
    }

    /// Where the call's request went, once it was built.
    pub(super) fn sent(&self) -> Option<&Url> {
        self.slot.as_ref()?.built.as_ref().map(|(_, sent)| sent)
    }
}

impl<F: Future + ?Sized> Future for WithUrl<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let previous = OFFER.with(|o| std::mem::replace(&mut *o.borrow_mut(), this.slot.take()));
        let result = this.inner.as_mut().poll(cx);
        this.slot = OFFER.with(|o| std::mem::replace(&mut *o.borrow_mut(), previous));
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
            // A resend of the same request goes where the first went; another URL does not.
            let again = take(o, b);
            let elsewhere = take(o, Url::parse("http://127.0.0.1:1/other").unwrap());
            (theirs, first, again, elsewhere)
        };
        let mut with = WithUrl::new(
            std::ptr::from_ref(&ours) as usize,
            Some(next.clone()),
            Box::pin(call),
        );
        let (theirs, first, again, elsewhere) = (&mut with).await;
        assert_eq!(theirs.as_str(), "http://127.0.0.1:2/token");
        assert_eq!(first, next);
        assert_eq!(again, next);
        assert_eq!(elsewhere.as_str(), "http://127.0.0.1:1/other");
        assert_eq!(with.sent(), Some(&next));
        // Outside a stream, nothing is redirected.
        assert_eq!(take(&ours, built.clone()), built);
    }
}
