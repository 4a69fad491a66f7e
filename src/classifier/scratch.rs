//! Per-thread scratch buffers for scoring, kept between comments so that scoring allocates
//! nothing in the common case.

use std::cell::RefCell;
use std::thread::LocalKey;

/// The largest scratch buffer a thread keeps between comments, in bytes or items.
pub(crate) const KEPT: usize = 1 << 16;

/// Runs `f` with this thread's `T` from `key`, then `after` readies it for the next comment
/// (clears it, or drops a buffer grown past [`KEPT`]). A call made from inside `f` (a
/// callback that scores) gets a fresh `T` of its own.
pub(crate) fn with<T: Default, R>(
    key: &'static LocalKey<RefCell<T>>,
    f: impl FnOnce(&mut T) -> R,
    after: impl FnOnce(&mut T),
) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut value) => {
            let result = f(&mut value);
            after(&mut value);
            result
        }
        Err(_) => f(&mut T::default()),
    })
}
