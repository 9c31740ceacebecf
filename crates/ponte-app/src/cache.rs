//! One cache for every view derived from the store (class hierarchy, search index, matchmaking
//! projection): a value tagged with the store generation it was built at, rebuilt when a write
//! has moved the generation on.

use std::sync::{Arc, Mutex, RwLock};

/// A value derived from the store, and the generation it was built at.
pub struct GenerationCache<T> {
    current: RwLock<Option<(u64, Arc<T>)>>,
    /// One build at a time: whoever waited finds it done instead of building again.
    building: Mutex<()>,
}

impl<T> Default for GenerationCache<T> {
    fn default() -> Self {
        Self {
            current: RwLock::new(None),
            building: Mutex::new(()),
        }
    }
}

impl<T> GenerationCache<T> {
    /// The value for `generation`: the cached one if it was built at that generation, else
    /// `build`'s, which replaces it. Readers keep the `Arc` they hold while a rebuild runs.
    pub fn get<E>(
        &self,
        generation: impl Fn() -> u64,
        build: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        let cached = || {
            let wanted = generation();
            self.current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .filter(|(built, _)| *built == wanted)
                .map(|(_, value)| Arc::clone(value))
        };
        if let Some(value) = cached() {
            return Ok(value);
        }
        let _building = self.building.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(value) = cached() {
            return Ok(value);
        }
        // The generation is read before building: a write during the build leaves the value
        // tagged older, so the next reader rebuilds rather than trusting a stale view.
        let built_at = generation();
        let value = Arc::new(build()?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) =
            Some((built_at, Arc::clone(&value)));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn rebuilds_only_when_the_generation_moves() {
        let cache = GenerationCache::<usize>::default();
        let generation = Cell::new(1);
        let builds = Cell::new(0);
        let build = || -> Result<usize, ()> {
            builds.set(builds.get() + 1);
            Ok(builds.get())
        };
        assert_eq!(*cache.get(|| generation.get(), build).unwrap(), 1);
        assert_eq!(*cache.get(|| generation.get(), build).unwrap(), 1);
        generation.set(2);
        assert_eq!(*cache.get(|| generation.get(), build).unwrap(), 2);
        assert_eq!(builds.get(), 2);
        assert!(cache.get(|| 3, || Err::<usize, _>("broken")).is_err());
        assert_eq!(
            *cache.get(|| 2, build).unwrap(),
            2,
            "a failed build keeps the old value"
        );
    }
}
