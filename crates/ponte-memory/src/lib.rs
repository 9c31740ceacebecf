//! The memory each evaluation holds, counted by the process's allocator, so that a query that
//! gathers too much (a sort, a grouping, a join or a `DISTINCT` over millions of rows) is
//! stopped at its budget instead of taking the machine's memory.
//!
//! An evaluation runs on one thread from start to end (its connection's thread or an
//! evaluation worker). While it runs, that thread points a thread-local at the evaluation's
//! counter, and [`CountingAllocator`] adds every allocation made on the thread to it and takes
//! every free away: the counter is the evaluation's net growth. Only the evaluating thread
//! writes it (a plain load and store, no locked instruction); the watchdog reads it every tick
//! and stops the evaluation past its budget. Memory the evaluation hands on (its answer, freed
//! by the connection later) stays counted, which errs on the safe side.
//!
//! The counting is only as wide as the allocator it wraps: the binary installs it
//! (`ponte-cli`); in a process without it (the in-process tests) the counters stay at zero and
//! no budget is enforced. The budget itself is the server's (`ponte-server`'s watchdog).
//!
//! This is the workspace's one crate with `unsafe` code (a global allocator needs it); every
//! other crate forbids it.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};

thread_local! {
    /// The counter of the evaluation running on this thread, or null.
    static COUNTER: Cell<*const AtomicIsize> = const { Cell::new(std::ptr::null()) };
}

/// Adds `delta` bytes to the counter of the evaluation running on this thread, if any.
#[inline]
fn count(delta: isize) {
    // `try_with`: an allocation may come while the thread is being torn down.
    let _torn_down = COUNTER.try_with(|counter| {
        let counter = counter.get();
        if !counter.is_null() {
            // SAFETY: the pointer is set by `count_on_this_thread` from an `Arc` its guard
            // keeps alive, and cleared when the guard drops, on this thread.
            let counter = unsafe { &*counter };
            counter.store(counter.load(Ordering::Relaxed) + delta, Ordering::Relaxed);
        }
    });
}

/// A global allocator that counts what evaluations allocate (see the module documentation)
/// and leaves the work to `A`.
pub struct CountingAllocator<A>(pub A);

// SAFETY: every call is passed on to `A` unchanged; counting neither allocates nor frees.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAllocator<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees are passed on.
        let pointer = unsafe { self.0.alloc(layout) };
        if !pointer.is_null() {
            count(layout.size() as isize);
        }
        pointer
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees are passed on.
        let pointer = unsafe { self.0.alloc_zeroed(layout) };
        if !pointer.is_null() {
            count(layout.size() as isize);
        }
        pointer
    }

    #[inline]
    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: the caller's guarantees are passed on.
        unsafe { self.0.dealloc(pointer, layout) };
        count(-(layout.size() as isize));
    }

    #[inline]
    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's guarantees are passed on.
        let moved = unsafe { self.0.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            count(new_size as isize - layout.size() as isize);
        }
        moved
    }
}

/// Counts this thread's allocations into `counter` until dropped (on this thread).
pub struct CountingOnThisThread {
    _counter: Arc<AtomicIsize>,
    previous: *const AtomicIsize,
    /// Bound to the thread whose thread-local it set.
    _not_send: PhantomData<*const ()>,
}

/// Starts counting this thread's allocations into `counter`.
pub fn count_on_this_thread(counter: &Arc<AtomicIsize>) -> CountingOnThisThread {
    let previous = COUNTER.with(|current| current.replace(Arc::as_ptr(counter)));
    CountingOnThisThread {
        _counter: Arc::clone(counter),
        previous,
        _not_send: PhantomData,
    }
}

impl Drop for CountingOnThisThread {
    fn drop(&mut self) {
        COUNTER.with(|current| current.set(self.previous));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::System;

    #[test]
    fn only_what_is_allocated_while_counting_is_counted_net_of_frees() {
        let allocator = CountingAllocator(System);
        let counter = Arc::new(AtomicIsize::new(0));
        let layout = Layout::from_size_align(1000, 8).unwrap();
        // SAFETY: plain allocations of a valid layout, each freed once with it.
        unsafe {
            let before = allocator.alloc(layout);
            let counting = count_on_this_thread(&counter);
            let kept = allocator.alloc(layout);
            let freed = allocator.alloc_zeroed(layout);
            allocator.dealloc(freed, layout);
            let grown = allocator.realloc(kept, layout, 3000);
            assert_eq!(counter.load(Ordering::Relaxed), 3000);
            // Another thread's allocations are not this evaluation's.
            std::thread::scope(|scope| {
                scope.spawn(|| allocator.dealloc(allocator.alloc(layout), layout));
            });
            assert_eq!(counter.load(Ordering::Relaxed), 3000);
            drop(counting);
            allocator.dealloc(before, layout);
            allocator.dealloc(grown, Layout::from_size_align(3000, 8).unwrap());
            assert_eq!(
                counter.load(Ordering::Relaxed),
                3000,
                "not counted after the guard"
            );
        }
    }
}
