//! Answers of read queries kept between writes: dashboards and the pages' own console ask the
//! same queries again and again, and a kept answer costs a lookup instead of an evaluation.
//!
//! An answer is kept with the store generation read *before* its evaluation started, and served
//! only while the store is still at that generation: any committed write (SPARQL update, Graph
//! Store, REST, import) bumps the generation after its commit, so a kept answer is never older
//! than the data. The key is the whole request as it affects the answer (the query text, the
//! protocol dataset, the base IRI and the `Accept` header), compared in full, never by hash
//! alone, so one client's answer is never served for another dataset, format or text. Memory is
//! bounded in bytes (least recently used answers go first); a budget of zero switches it off.

use axum::body::Bytes;
use lru::LruCache;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// What an answer is kept under: everything of the request that shapes the answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

impl CacheKey {
    /// The key of a query request. `None` when the answer must not be kept: the query calls a
    /// remote `SERVICE` (whose data may change without a write here) or a function whose value
    /// changes between evaluations (`NOW`, `RAND`, `UUID`, `STRUUID`, `BNODE`). The check reads
    /// the text, so a variable named `?now` also turns keeping off: safe, at worst a miss.
    pub fn for_query(
        query: &str,
        default_graphs: &[String],
        named_graphs: &[String],
        base: &str,
        accept: &str,
    ) -> Option<Self> {
        let upper = query.to_ascii_uppercase();
        if ["SERVICE", "NOW", "RAND", "UUID", "BNODE"]
            .iter()
            .any(|word| upper.contains(word))
        {
            return None;
        }
        // Each part is length-prefixed, so no two different requests give the same key.
        let mut key = String::with_capacity(query.len() + base.len() + accept.len() + 64);
        let mut push = |part: &str| {
            key.push_str(&part.len().to_string());
            key.push(':');
            key.push_str(part);
        };
        push(query);
        push(base);
        push(accept);
        push(&default_graphs.len().to_string());
        default_graphs.iter().for_each(|g| push(g));
        push(&named_graphs.len().to_string());
        named_graphs.iter().for_each(|g| push(g));
        Some(Self(key))
    }
}

/// A kept answer.
#[derive(Debug, Clone)]
pub struct CachedAnswer {
    /// The serialized answer.
    pub body: Bytes,
    /// Its media type.
    pub media_type: &'static str,
}

struct Entry {
    generation: u64,
    answer: CachedAnswer,
}

struct Inner {
    entries: LruCache<CacheKey, Entry>,
    bytes: usize,
}

/// Kept answers, bounded in bytes, with their hit and miss counts.
pub struct ResultCache {
    inner: Mutex<Inner>,
    max_bytes: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// What `/health` shows of the cache.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct ResultCacheStats {
    /// Whether answers are kept at all.
    pub enabled: bool,
    /// Answers served from the cache.
    pub hits: u64,
    /// Cacheable queries that had to be evaluated.
    pub misses: u64,
    /// Answers kept now.
    pub entries: usize,
    /// Bytes they take (answers and keys).
    pub bytes: usize,
    /// The budget.
    pub max_bytes: usize,
}

impl ResultCache {
    /// A cache of at most `max_bytes` (0: nothing is kept).
    pub fn new(max_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                entries: LruCache::unbounded(),
                bytes: 0,
            }),
            max_bytes,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Whether answers are kept.
    pub fn enabled(&self) -> bool {
        self.max_bytes > 0
    }

    /// The answer kept for `key` at `generation`, if any. An answer of an older generation is
    /// dropped on the way.
    pub fn get(&self, key: &CacheKey, generation: u64) -> Option<CachedAnswer> {
        let mut inner = self.lock();
        let found = match inner.entries.get(key) {
            Some(entry) if entry.generation == generation => Some(entry.answer.clone()),
            Some(_) => {
                if let Some(stale) = inner.entries.pop(key) {
                    inner.bytes -= size(key, &stale.answer);
                }
                None
            }
            None => None,
        };
        drop(inner);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps `answer` for `key`, evaluated from the store at `generation`. An answer larger
    /// than a quarter of the budget is not kept (it would push out many small ones).
    pub fn put(&self, key: CacheKey, generation: u64, answer: CachedAnswer) {
        let bytes = size(&key, &answer);
        if !self.enabled() || bytes > self.max_bytes / 4 {
            return;
        }
        let key_len = key.0.len();
        let mut inner = self.lock();
        if let Some(old) = inner.entries.put(key, Entry { generation, answer }) {
            inner.bytes -= key_len + old.answer.body.len();
        }
        inner.bytes += bytes;
        while inner.bytes > self.max_bytes {
            match inner.entries.pop_lru() {
                Some((key, entry)) => inner.bytes -= size(&key, &entry.answer),
                None => break,
            }
        }
    }

    /// The counts `/health` shows.
    pub fn stats(&self) -> ResultCacheStats {
        let inner = self.lock();
        ResultCacheStats {
            enabled: self.enabled(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: inner.entries.len(),
            bytes: inner.bytes,
            max_bytes: self.max_bytes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves counts that are at worst approximate.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What an entry counts against the budget: its answer and its key.
fn size(key: &CacheKey, answer: &CachedAnswer) -> usize {
    key.0.len() + answer.body.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(text: &str) -> CachedAnswer {
        CachedAnswer {
            body: Bytes::from(text.to_owned()),
            media_type: "text/csv",
        }
    }

    fn key(query: &str, accept: &str) -> CacheKey {
        CacheKey::for_query(query, &[], &[], "http://x/sparql", accept).unwrap()
    }

    #[test]
    fn an_answer_is_served_only_at_its_generation_and_for_its_exact_request() {
        let cache = ResultCache::new(1 << 20);
        let k = key("SELECT * {?s ?p ?o}", "text/csv");
        assert!(cache.get(&k, 1).is_none());
        cache.put(k.clone(), 1, answer("a"));
        assert_eq!(cache.get(&k, 1).unwrap().body, "a");
        // Another format, another dataset, another text: another answer.
        assert!(
            cache
                .get(&key("SELECT * {?s ?p ?o}", "application/json"), 1)
                .is_none()
        );
        let other_dataset = CacheKey::for_query(
            "SELECT * {?s ?p ?o}",
            &["urn:g".into()],
            &[],
            "http://x/sparql",
            "text/csv",
        )
        .unwrap();
        assert!(cache.get(&other_dataset, 1).is_none());
        // After a write, the kept answer is gone.
        assert!(cache.get(&k, 2).is_none());
        assert_eq!(cache.stats().entries, 0);
        assert_eq!(cache.stats().bytes, 0);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses), (1, 4));
    }

    #[test]
    fn the_budget_bounds_the_bytes_and_the_least_recent_answer_goes_first() {
        let cache = ResultCache::new(1_000);
        for i in 0..20 {
            cache.put(
                key(&format!("ASK {{ <urn:{i}> ?p ?o }}"), "a"),
                1,
                answer(&"x".repeat(100)),
            );
        }
        let stats = cache.stats();
        assert!(stats.bytes <= 1_000, "{stats:?}");
        assert!(cache.get(&key("ASK { <urn:19> ?p ?o }", "a"), 1).is_some());
        assert!(cache.get(&key("ASK { <urn:0> ?p ?o }", "a"), 1).is_none());
        // Too big for a quarter of the budget: not kept.
        cache.put(key("big", "a"), 1, answer(&"x".repeat(400)));
        assert!(cache.get(&key("big", "a"), 1).is_none());
        // Off: nothing kept.
        let off = ResultCache::new(0);
        off.put(key("q", "a"), 1, answer("a"));
        assert!(off.get(&key("q", "a"), 1).is_none());
    }

    #[test]
    fn answers_that_change_without_a_write_are_never_kept() {
        for query in [
            "SELECT (NOW() AS ?t) {}",
            "SELECT (rand() AS ?r) {}",
            "SELECT (STRUUID() AS ?u) {}",
            "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        ] {
            assert!(
                CacheKey::for_query(query, &[], &[], "b", "a").is_none(),
                "{query}"
            );
        }
    }
}
