//! A connection pool per thread.
//!
//! tokio-postgres and mysql_async do a connection's I/O on the runtime that opened it, and
//! every HTTP worker is a runtime of its own. A connection opened by another worker costs a
//! query two cross-thread wake-ups (a system call and a context switch each way): the
//! request's worker wakes the owner to send, the owner wakes the request's worker with the
//! answer. With a pool per thread a query never leaves the thread that serves its request.

use thread_local::ThreadLocal;

/// One value per thread that asks for it, made on that thread's first call of
/// [`get_or_try`](Self::get_or_try) and dropped with this value (not with the thread).
#[derive(Debug)]
pub struct PerThread<T: Send> {
    values: ThreadLocal<T>,
}

impl<T: Send> Default for PerThread<T> {
    fn default() -> Self {
        Self {
            values: ThreadLocal::new(),
        }
    }
}

impl<T: Send> PerThread<T> {
    /// This thread's value, made by `make` if the thread has none yet.
    pub fn get_or(&self, make: impl FnOnce() -> T) -> &T {
        self.values.get_or(make)
    }

    /// This thread's value, made by `make` if the thread has none yet.
    ///
    /// # Errors
    ///
    /// `make`'s error; the thread then has no value and the next call tries again.
    pub fn get_or_try<E>(&self, make: impl FnOnce() -> Result<T, E>) -> Result<&T, E> {
        self.values.get_or_try(make)
    }

    /// Every thread's value.
    pub fn iter(&self) -> impl Iterator<Item = &T>
    where
        T: Sync,
    {
        self.values.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_thread_gets_its_own_value_and_keeps_it() {
        let values = PerThread::<std::thread::ThreadId>::default();
        let mine = |values: &PerThread<_>| {
            *values
                .get_or_try(|| Ok::<_, ()>(std::thread::current().id()))
                .expect("made")
        };
        let here = mine(&values);
        let there =
            std::thread::scope(|scope| scope.spawn(|| mine(&values)).join().expect("thread ran"));
        assert_ne!(here, there);
        assert_eq!(mine(&values), here);
        assert_eq!(values.iter().count(), 2);
    }

    #[test]
    fn a_failed_make_leaves_the_thread_without_a_value() {
        let values = PerThread::<u8>::default();
        assert_eq!(values.get_or_try(|| Err("down")), Err("down"));
        assert_eq!(values.get_or_try(|| Ok::<_, &str>(7)), Ok(&7));
        assert_eq!(values.iter().count(), 1);
    }
}
