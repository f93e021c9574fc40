//! Connections waiting for their next request (HTTP keep-alive, a new connection before
//! its first byte). Thousands of them may sit on one thread, so a waiter is kept small:
//! readiness is polled through the socket's own waker slot, and the thread keeps one
//! registry of waiters ([`IdleSet`]) with their deadlines, served by one timer task per
//! thread ([`run_timer`]) and reached by the soft stop at once. A waiter costs a slot in
//! that registry and an entry in its deadline index, not a timer and a broadcast
//! subscription of its own.

use rampart_net::Conn;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::future::poll_fn;
use std::task::{Poll, Waker};
use tokio::sync::Notify;
use tokio::time::Instant;

/// How a wait ended without the connection becoming readable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleEnd {
    Timeout,
    Stopping,
    Error,
}

/// The idle waiters of a thread: their wakers, their deadlines in order, and the
/// thread's stop flag.
#[derive(Default)]
pub struct IdleSet {
    stopping: Cell<bool>,
    wakers: RefCell<Vec<Option<Waker>>>,
    free: RefCell<Vec<usize>>,
    /// `(deadline, slot)` of every waiter that has one; the timer task fires the due ones.
    deadlines: RefCell<BTreeSet<(Instant, usize)>>,
    /// The deadline the timer task sleeps until, if any.
    armed: Cell<Option<Instant>>,
    /// Tells the timer task about a deadline earlier than the one it sleeps until.
    rearm: Notify,
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

    /// Records the waiter's waker (a slot on first use, with its deadline indexed).
    fn register(&self, slot: &mut Slot<'_>, waker: &Waker) {
        let mut wakers = self.wakers.borrow_mut();
        if let Some(i) = slot.index {
            match wakers.get_mut(i) {
                Some(Some(w)) => w.clone_from(waker),
                Some(e) => *e = Some(waker.clone()),
                None => {}
            }
            return;
        }
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
        slot.index = Some(i);
        if let Some(d) = slot.deadline {
            self.deadlines.borrow_mut().insert((d, i));
            if self.armed.get().is_none_or(|a| d < a) {
                self.rearm.notify_one();
            }
        }
    }

    fn unregister(&self, index: usize, deadline: Option<Instant>) {
        if let Some(d) = deadline {
            self.deadlines.borrow_mut().remove(&(d, index));
        }
        if let Some(e) = self.wakers.borrow_mut().get_mut(index) {
            *e = None;
            self.free.borrow_mut().push(index);
        }
    }

    /// Wakes the waiters whose deadline has come and drops them from the index; returns
    /// the next deadline.
    fn fire(&self, now: Instant) -> Option<Instant> {
        let mut due = Vec::new();
        {
            let mut deadlines = self.deadlines.borrow_mut();
            while let Some(&(d, i)) = deadlines.first() {
                if d > now {
                    break;
                }
                deadlines.pop_first();
                due.push(i);
            }
        }
        for i in due {
            let w = self.wakers.borrow().get(i).and_then(Clone::clone);
            if let Some(w) = w {
                w.wake();
            }
        }
        self.deadlines.borrow().first().map(|&(d, _)| d)
    }
}

/// The thread's idle timer: sleeps until the earliest deadline of its waiters, wakes
/// the due ones, and re-arms when an earlier deadline arrives. Runs for the thread's
/// life.
pub async fn run_timer(set: std::rc::Rc<crate::worker::WorkerCx>) {
    let set = &set.waiting;
    loop {
        let next = set.fire(Instant::now());
        set.armed.set(next);
        let rearm = set.rearm.notified();
        match next {
            Some(d) => {
                tokio::select! {
                    () = tokio::time::sleep_until(d) => {}
                    () = rearm => {}
                }
            }
            None => rearm.await,
        }
    }
}

/// A waiter's place in the registry, released however the wait ends (also when
/// dropped).
struct Slot<'a> {
    set: &'a IdleSet,
    index: Option<usize>,
    deadline: Option<Instant>,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Some(i) = self.index.take() {
            self.set.unregister(i, self.deadline);
        }
    }
}

/// Waits until `conn` is readable (data, end of stream or error), at most until
/// `until`, or until the thread stops.
pub async fn wait_readable(
    set: &IdleSet,
    conn: &Conn,
    until: Option<Instant>,
) -> Result<(), IdleEnd> {
    let mut slot = Slot {
        set,
        index: None,
        deadline: until,
    };
    poll_fn(|cx| {
        if set.stopping.get() {
            return Poll::Ready(Err(IdleEnd::Stopping));
        }
        if let Poll::Ready(r) = conn.poll_read_ready(cx) {
            return Poll::Ready(r.map_err(|_| IdleEnd::Error));
        }
        if until.is_some_and(|d| Instant::now() >= d) {
            return Poll::Ready(Err(IdleEnd::Timeout));
        }
        set.register(&mut slot, cx.waker());
        Poll::Pending
    })
    .await
}
