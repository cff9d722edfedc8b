//! The allocator every QuickJS runtime of the pool allocates through: Rust's global allocator
//! behind a meter that refuses an allocation past the memory limit, or once the call's
//! deadline has passed.
//!
//! The second refusal is what bounds the time of built-ins. QuickJS polls its interrupt
//! handler only every 10,000 operations, and a call to a built-in (`JSON.stringify` of a
//! large object, `Array.prototype.join`) counts as one: a loop over such a call can run for
//! minutes between two polls. Those built-ins allocate as they go, so once the watchdog has
//! marked the deadline (`Budget::expire`) the next allocation fails, the built-in throws
//! "out of memory" at once, and the loop reaches the next poll within microseconds. The
//! check is one relaxed atomic load per allocation: reading the clock here instead cost more
//! than the rest of a small script (a fresh context alone allocates about a thousand times).

#![allow(unsafe_code)]

use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rquickjs::allocator::{Allocator, RustAllocator};

/// What one pool thread's runtime may use, shared with the watchdog (which only ever sets
/// `expired`).
#[derive(Debug, Default)]
pub(crate) struct Budget {
    /// Bytes the runtime may hold at once.
    limit: AtomicUsize,
    /// Bytes it holds now.
    used: AtomicUsize,
    /// Set by the watchdog when the running call's deadline passed; cleared for the next call.
    expired: AtomicBool,
    /// An allocation was refused for the memory limit during this call.
    exhausted: AtomicBool,
}

impl Budget {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit: AtomicUsize::new(limit),
            ..Self::default()
        }
    }

    pub(crate) fn expire(&self) {
        self.expired.store(true, Ordering::Relaxed);
    }

    pub(crate) fn is_expired(&self) -> bool {
        self.expired.load(Ordering::Relaxed)
    }

    pub(crate) fn was_exhausted(&self) -> bool {
        self.exhausted.load(Ordering::Relaxed)
    }

    /// Ready for the next call: allocations are allowed again.
    pub(crate) fn reset_call(&self) {
        self.expired.store(false, Ordering::Relaxed);
        self.exhausted.store(false, Ordering::Relaxed);
    }

    /// After a runtime was freed: blocks it leaked (an interrupted call can leave some) are
    /// never freed, so they must not count against the next runtime.
    pub(crate) fn reset_usage(&self) {
        self.used.store(0, Ordering::Relaxed);
    }

    /// Bytes the runtime holds now, garbage not yet collected included.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    fn admit(&self, size: usize) -> bool {
        if self.is_expired() {
            return false;
        }
        let used = self.used.load(Ordering::Relaxed);
        if used.saturating_add(size) > self.limit.load(Ordering::Relaxed) {
            self.exhausted.store(true, Ordering::Relaxed);
            return false;
        }
        true
    }

    fn add(&self, size: usize) {
        self.used.fetch_add(size, Ordering::Relaxed);
    }

    fn remove(&self, size: usize) {
        // Saturating: after `reset_usage`, blocks of the previous runtime may still be freed.
        let _ = self
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                Some(used.saturating_sub(size))
            });
    }
}

/// The metered allocator of one runtime.
pub(crate) struct Metered {
    budget: Arc<Budget>,
}

impl Metered {
    pub(crate) fn new(budget: Arc<Budget>) -> Self {
        Self { budget }
    }
}

// SAFETY: every block comes from `RustAllocator`, which meets the trait's contract; the meter
// only refuses (returns null, which QuickJS handles as out of memory) or counts sizes.
unsafe impl Allocator for Metered {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        if !self.budget.admit(size) {
            return ptr::null_mut();
        }
        let block = RustAllocator.alloc(size);
        if !block.is_null() {
            // SAFETY: `block` was just allocated by `RustAllocator`.
            self.budget
                .add(unsafe { RustAllocator::usable_size(block) });
        }
        block
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        let Some(total) = count.checked_mul(size) else {
            return ptr::null_mut();
        };
        if !self.budget.admit(total) {
            return ptr::null_mut();
        }
        let block = RustAllocator.calloc(count, size);
        if !block.is_null() {
            // SAFETY: as in `alloc`.
            self.budget
                .add(unsafe { RustAllocator::usable_size(block) });
        }
        block
    }

    unsafe fn dealloc(&mut self, block: *mut u8) {
        // SAFETY: the caller passes a block of this allocator, which is `RustAllocator`'s.
        unsafe {
            self.budget.remove(RustAllocator::usable_size(block));
            RustAllocator.dealloc(block);
        }
    }

    unsafe fn realloc(&mut self, block: *mut u8, new_size: usize) -> *mut u8 {
        if block.is_null() {
            return self.alloc(new_size);
        }
        // SAFETY: the caller passes a block of this allocator, which is `RustAllocator`'s; on
        // failure `RustAllocator::realloc` leaves the old block as it was.
        unsafe {
            let old = RustAllocator::usable_size(block);
            // Shrinking is always allowed: it frees memory, even past the deadline.
            if new_size > old && !self.budget.admit(new_size - old) {
                return ptr::null_mut();
            }
            let moved = RustAllocator.realloc(block, new_size);
            if !moved.is_null() {
                self.budget.remove(old);
                self.budget.add(RustAllocator::usable_size(moved));
            }
            moved
        }
    }

    unsafe fn usable_size(block: *mut u8) -> usize {
        // SAFETY: the caller passes a block of this allocator, which is `RustAllocator`'s.
        unsafe { RustAllocator::usable_size(block) }
    }
}
