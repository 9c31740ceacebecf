//! One cache for every view derived from the store (class hierarchy, search index, matchmaking
//! projection): a value tagged with the store generation it was built at, rebuilt when a write
//! has moved the generation on.

use std::collections::{HashMap, VecDeque};
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

/// Answers of one operation keyed by their request, for the store generation they were
/// computed at: a write moves the generation on and the next lookup starts afresh, so an
/// answer is never stale. Bounded: past `capacity` the oldest answer goes first.
pub struct AnswerCache<T> {
    capacity: usize,
    kept: Mutex<Kept<T>>,
}

/// The answers of one generation, and the order they came in.
struct Kept<T> {
    generation: u64,
    answers: HashMap<String, Arc<T>>,
    order: VecDeque<String>,
}

impl<T> AnswerCache<T> {
    /// An empty cache of at most `capacity` answers.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            kept: Mutex::new(Kept {
                generation: 0,
                answers: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }

    /// The answer to `key` at the current generation: a kept one, else `compute`'s, kept
    /// unless a write came while it was computed.
    pub fn get<E>(
        &self,
        generation: impl Fn() -> u64,
        key: String,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        // Read before computing: an answer computed across a write is tagged with the older
        // generation and not kept.
        let built_at = generation();
        {
            let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            if kept.generation == built_at
                && let Some(answer) = kept.answers.get(&key)
            {
                return Ok(Arc::clone(answer));
            }
        }
        let answer = Arc::new(compute()?);
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if built_at > kept.generation {
            kept.generation = built_at;
            kept.answers.clear();
            kept.order.clear();
        }
        if built_at == kept.generation && generation() == built_at {
            if kept
                .answers
                .insert(key.clone(), Arc::clone(&answer))
                .is_none()
            {
                kept.order.push_back(key);
            }
            while kept.order.len() > self.capacity {
                if let Some(oldest) = kept.order.pop_front() {
                    kept.answers.remove(&oldest);
                }
            }
        }
        Ok(answer)
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

    #[test]
    fn answers_are_kept_per_generation_and_bounded() {
        let cache = AnswerCache::<usize>::new(2);
        let generation = Cell::new(1);
        let computed = Cell::new(0);
        let get = |key: &str, value: usize| {
            *cache
                .get::<()>(
                    || generation.get(),
                    key.to_owned(),
                    || {
                        computed.set(computed.get() + 1);
                        Ok(value)
                    },
                )
                .unwrap()
        };
        assert_eq!(get("a", 1), 1);
        assert_eq!(get("a", 99), 1, "kept");
        assert_eq!(computed.get(), 1);
        get("b", 2);
        get("c", 3);
        assert_eq!(get("a", 4), 4, "the oldest went when a third came");
        generation.set(2);
        assert_eq!(get("c", 5), 5, "a write empties the cache");
    }
}
