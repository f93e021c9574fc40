//! An indexed list that grows through a shared reference and never moves its items
//! ([`Grow`]): the servers of a backend, which the runtime API's `add server` extends
//! while the workers read them, and the per-server state beside them.
//!
//! The items known at start-up sit in one boxed slice, read as fast as a `Vec`'s.
//! Items appended later go into chunks of doubling sizes (8, 16, 32... items),
//! allocated when the first of their items arrives; each slot is a `OnceLock`, filled
//! once and never emptied, so a reference to an item lives as long as the list. The
//! length is published with release ordering after the slot is filled: a reader that
//! sees index `i` below [`Grow::len`] finds the item there. Appenders take one mutex;
//! readers take no lock.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// The first chunk's size; chunk `k` holds `FIRST << k` items.
const FIRST: usize = 8;
/// Enough chunks for any index a `usize` can hold past the fixed part.
const CHUNKS: usize = usize::BITS as usize - 3;

/// A chunk of appended items, allocated with its first item.
type Chunk<T> = OnceLock<Box<[OnceLock<T>]>>;

/// See the module documentation.
pub struct Grow<T> {
    fixed: Box<[T]>,
    /// The chunk table, allocated with the first appended item (a list that never
    /// grows costs one word for it).
    chunks: OnceLock<Box<[Chunk<T>]>>,
    len: AtomicUsize,
    adding: Mutex<()>,
}

/// The chunk and the position in it of the `j`th appended item.
fn place(j: usize) -> (usize, usize) {
    let x = j + FIRST;
    let k = (usize::BITS - 1 - x.leading_zeros()) as usize - FIRST.trailing_zeros() as usize;
    (k, x - (FIRST << k))
}

impl<T> Grow<T> {
    /// A list starting with `items`.
    pub fn new(items: Vec<T>) -> Grow<T> {
        let fixed = items.into_boxed_slice();
        let len = fixed.len();
        Grow {
            fixed,
            chunks: OnceLock::new(),
            len: AtomicUsize::new(len),
            adding: Mutex::new(()),
        }
    }

    /// How many items there are now.
    #[inline]
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The items given at creation (never appended ones).
    #[inline]
    pub fn initial(&self) -> &[T] {
        &self.fixed
    }

    /// Item `i`, if there is one.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        if let Some(x) = self.fixed.get(i) {
            return Some(x);
        }
        if i >= self.len() {
            return None;
        }
        let (k, at) = place(i - self.fixed.len());
        self.chunks.get()?.get(k)?.get()?.get(at)?.get()
    }

    /// Appends `item`; returns its index.
    pub fn push(&self, item: T) -> usize {
        self.push_with(|_| item)
    }

    /// Appends the item `make` builds knowing its index; returns the index.
    pub fn push_with(&self, make: impl FnOnce(usize) -> T) -> usize {
        let _guard = self
            .adding
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let i = self.len.load(Ordering::Relaxed);
        let (k, at) = place(i - self.fixed.len());
        let chunks = self
            .chunks
            .get_or_init(|| (0..CHUNKS).map(|_| OnceLock::new()).collect());
        let chunk = chunks[k].get_or_init(|| (0..FIRST << k).map(|_| OnceLock::new()).collect());
        let _ = chunk[at].set(make(i));
        self.len.store(i + 1, Ordering::Release);
        i
    }

    /// Every item, mutably (while building).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        let appended = *self.len.get_mut() - self.fixed.len();
        self.fixed.iter_mut().chain(
            self.chunks
                .get_mut()
                .into_iter()
                .flat_map(|c| c.iter_mut())
                .filter_map(OnceLock::get_mut)
                .flat_map(|c| c.iter_mut())
                .filter_map(OnceLock::get_mut)
                .take(appended),
        )
    }

    /// The items in index order (those present when the iteration starts).
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            list: self,
            front: 0,
            back: self.len(),
        }
    }
}

impl<T> std::ops::Index<usize> for Grow<T> {
    type Output = T;

    /// Panics when `i` is out of bounds, as a slice's indexing does.
    #[inline]
    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(x) => x,
            None => panic!("index {i} out of bounds (len {})", self.len()),
        }
    }
}

impl<T> std::ops::IndexMut<usize> for Grow<T> {
    /// Panics when `i` is out of bounds, as a slice's indexing does.
    fn index_mut(&mut self, i: usize) -> &mut T {
        let len = *self.len.get_mut();
        match self.iter_mut().nth(i) {
            Some(x) => x,
            None => panic!("index {i} out of bounds (len {len})"),
        }
    }
}

impl<T> FromIterator<T> for Grow<T> {
    fn from_iter<I: IntoIterator<Item = T>>(it: I) -> Self {
        Grow::new(it.into_iter().collect())
    }
}

impl<T> From<Vec<T>> for Grow<T> {
    fn from(v: Vec<T>) -> Self {
        Grow::new(v)
    }
}

impl<T> Default for Grow<T> {
    fn default() -> Self {
        Grow::new(Vec::new())
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Grow<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T> IntoIterator for &'a Grow<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// The iterator of [`Grow::iter`].
pub struct Iter<'a, T> {
    list: &'a Grow<T>,
    front: usize,
    back: usize,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        if self.front >= self.back {
            return None;
        }
        let x = self.list.get(self.front);
        self.front += 1;
        x
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.list.get(self.back)
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_dense() {
        let mut expect = (0, 0);
        for j in 0..10_000 {
            assert_eq!(place(j), expect, "{j}");
            expect.1 += 1;
            if expect.1 == FIRST << expect.0 {
                expect = (expect.0 + 1, 0);
            }
        }
    }

    #[test]
    fn grows_while_shared() {
        let g = std::sync::Arc::new(Grow::new(vec![0usize, 1, 2]));
        let w = {
            let g = g.clone();
            std::thread::spawn(move || {
                for i in 3..2000 {
                    assert_eq!(g.push(i), i);
                }
            })
        };
        for _ in 0..1000 {
            let n = g.len();
            for i in 0..n {
                assert_eq!(g[i], i);
            }
            assert!(g.get(n + 100_000).is_none());
        }
        w.join().expect("writer");
        assert_eq!(g.len(), 2000);
        assert!(g.iter().copied().eq(0..2000));
        assert!(g.iter().rev().copied().eq((0..2000).rev()));
        assert_eq!(g.initial(), &[0, 1, 2]);
    }
}
