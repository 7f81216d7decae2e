//! [`SingleFlight`]: one task does the work (a token request, a refresh); every caller that asks
//! while it runs waits for that task's result, errors included, instead of sending its own
//! request. The task is spawned, so it runs to completion even when every caller is dropped.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

use super::error::OAuthError;

/// The result of one flight, as its waiters see it.
type Outcome<T> = Option<Result<T, OAuthError>>;

/// At most one flight at a time; callers join the one in progress.
#[derive(Debug)]
pub(crate) struct SingleFlight<T> {
    in_flight: Mutex<Option<watch::Receiver<Outcome<T>>>>,
}

impl<T> Default for SingleFlight<T> {
    fn default() -> Self {
        SingleFlight {
            in_flight: Mutex::new(None),
        }
    }
}

impl<T: Clone + Send + Sync + 'static> SingleFlight<T> {
    /// Joins the flight in progress, or starts `start()` in a task of its own. Every caller gets
    /// the flight's result. If the task ends without one (it panicked, or the runtime shut down),
    /// the callers get [`OAuthError::RefreshInterrupted`] and the next call starts afresh.
    pub(crate) async fn run<F, Fut>(self: &Arc<Self>, start: F) -> Result<T, OAuthError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, OAuthError>> + Send + 'static,
    {
        let mut outcome = {
            let mut slot = self.slot();
            match &*slot {
                Some(joined) => joined.clone(),
                None => {
                    let (done, outcome) = watch::channel(None);
                    *slot = Some(outcome.clone());
                    let work = start();
                    let landing = Landing(Some(self.clone()));
                    tokio::spawn(async move {
                        let result = work.await;
                        landing.land(&done, result);
                    });
                    outcome
                }
            }
        };
        let interrupted = || {
            OAuthError::RefreshInterrupted(
                "the task doing the request ended without an answer".into(),
            )
        };
        match outcome.wait_for(Option::is_some).await {
            Ok(result) => result.clone().unwrap_or_else(|| Err(interrupted())),
            Err(_) => Err(interrupted()),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<watch::Receiver<Outcome<T>>>> {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Ends a flight: publishes its result and clears the slot in one step (a caller either joined
/// this flight or starts the next one). Dropped without landing (a panic), it clears the slot so
/// the next caller is not stuck with a flight that will never answer.
struct Landing<T: Clone + Send + Sync + 'static>(Option<Arc<SingleFlight<T>>>);

impl<T: Clone + Send + Sync + 'static> Landing<T> {
    fn land(mut self, done: &watch::Sender<Outcome<T>>, result: Result<T, OAuthError>) {
        if let Some(flight) = self.0.take() {
            let mut slot = flight.slot();
            *slot = None;
            done.send_replace(Some(result));
        }
    }
}

impl<T: Clone + Send + Sync + 'static> Drop for Landing<T> {
    fn drop(&mut self) {
        if let Some(flight) = self.0.take() {
            *flight.slot() = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiters_share_one_run_and_its_error() {
        let flight = Arc::new(SingleFlight::<u32>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let mut callers = Vec::new();
        for _ in 0..20 {
            let (flight, runs) = (flight.clone(), runs.clone());
            callers.push(tokio::spawn(async move {
                flight
                    .run(|| async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Err::<u32, _>(OAuthError::InvalidTokenResponse("no".into()))
                    })
                    .await
            }));
        }
        for caller in callers {
            let err = caller.await.unwrap().unwrap_err();
            assert!(
                matches!(err, OAuthError::InvalidTokenResponse(_)),
                "{err:?}"
            );
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        // The next call starts a new flight.
        assert_eq!(flight.run(|| async { Ok(7) }).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_flight_runs_on_when_its_caller_is_dropped() {
        let flight = Arc::new(SingleFlight::<u32>::default());
        let finished = Arc::new(AtomicUsize::new(0));
        let f = finished.clone();
        let caller = flight.run(|| async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            f.fetch_add(1, Ordering::SeqCst);
            Ok(1)
        });
        assert!(
            tokio::time::timeout(Duration::from_millis(5), caller)
                .await
                .is_err()
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(finished.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_panicking_flight_is_an_error_and_does_not_wedge_the_next() {
        let flight = Arc::new(SingleFlight::<u32>::default());
        let err = flight
            .run(|| async {
                if true {
                    panic!("boom");
                }
                Ok(0)
            })
            .await
            .unwrap_err();
        assert!(matches!(err, OAuthError::RefreshInterrupted(_)), "{err:?}");
        assert_eq!(flight.run(|| async { Ok(2) }).await.unwrap(), 2);
    }
}
