//! Connections waiting for their next request (HTTP keep-alive, a new connection before
//! its first byte). Thousands of them may sit on one thread, so the wait is kept small:
//! readiness is polled through the socket's own waker slot, the deadline is one inline
//! timer, and the soft stop reaches every waiter through one per-thread registry of
//! wakers instead of a broadcast subscription per connection.

use rampart_net::Conn;
use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::{Poll, Waker};
use tokio::time::Instant;

/// How a wait ended without the connection becoming readable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleEnd {
    Timeout,
    Stopping,
    Error,
}

/// The wakers of a thread's idle waiters, woken all at once when the process stops.
#[derive(Default)]
pub struct IdleSet {
    stopping: Cell<bool>,
    wakers: RefCell<Vec<Option<Waker>>>,
    free: RefCell<Vec<usize>>,
}

impl IdleSet {
    /// Marks the thread as stopping and wakes every waiter.
    pub fn stop_all(&self) {
        self.stopping.set(true);
        let wakers: Vec<Waker> = self
            .wakers
            .borrow_mut()
            .iter_mut()
            .filter_map(Option::take)
            .collect();
        for w in wakers {
            w.wake();
        }
    }

    fn register(&self, slot: &mut Option<usize>, waker: &Waker) {
        let mut wakers = self.wakers.borrow_mut();
        match *slot {
            Some(i) => match wakers.get_mut(i) {
                Some(Some(w)) => w.clone_from(waker),
                Some(e) => *e = Some(waker.clone()),
                None => {}
            },
            None => {
                let w = Some(waker.clone());
                let i = match self.free.borrow_mut().pop() {
                    Some(i) => {
                        wakers[i] = w;
                        i
                    }
                    None => {
                        wakers.push(w);
                        wakers.len() - 1
                    }
                };
                *slot = Some(i);
            }
        }
    }

    fn unregister(&self, slot: Option<usize>) {
        if let Some(i) = slot {
            if let Some(e) = self.wakers.borrow_mut().get_mut(i) {
                *e = None;
                self.free.borrow_mut().push(i);
            }
        }
    }
}

/// Releases a waiter's registry slot however the wait ends (also when dropped).
struct Slot<'a> {
    set: &'a IdleSet,
    index: Option<usize>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.set.unregister(self.index.take());
    }
}

/// Waits until `conn` is readable (data, end of stream or error), at most until
/// `until`, or, when `stoppable`, until the thread stops (a connection waiting for its
/// first request is not: HAProxy serves that request, with a close).
pub async fn wait_readable(
    set: &IdleSet,
    conn: &Conn,
    until: Option<Instant>,
    stoppable: bool,
) -> Result<(), IdleEnd> {
    let mut sleep = pin!(until.map(tokio::time::sleep_until));
    let mut slot = Slot { set, index: None };
    poll_fn(|cx| {
        if stoppable && set.stopping.get() {
            return Poll::Ready(Err(IdleEnd::Stopping));
        }
        if let Poll::Ready(r) = conn.poll_read_ready(cx) {
            return Poll::Ready(r.map_err(|_| IdleEnd::Error));
        }
        if let Some(s) = sleep.as_mut().as_pin_mut() {
            if s.poll(cx).is_ready() {
                return Poll::Ready(Err(IdleEnd::Timeout));
            }
        }
        if stoppable {
            set.register(&mut slot.index, cx.waker());
        }
        Poll::Pending
    })
    .await
}
