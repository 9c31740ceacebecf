#[cfg(feature = "rdf-12")]
use crate::storage::numeric_encoder::EncodedTriple;
use crate::storage::numeric_encoder::{
    Decoder, EncodedTerm, StrHash, StrHashHasher, StrLookup, insert_term,
};
use crate::storage::{CorruptionError, StorageError, StorageReader};
use oxrdf::Term;
use oxsdatatypes::Boolean;
#[cfg(feature = "rdf-12")]
use spareval::ExpressionTriple;
use spareval::{ExpressionTerm, InternalQuad, QueryableDataset};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::BuildHasherDefault;
#[cfg(feature = "rdf-12")]
use std::sync::Arc;

pub struct DatasetView<'a> {
    reader: StorageReader<'a>,
    extra: RefCell<HashMap<StrHash, String, BuildHasherDefault<StrHashHasher>>>,
    /// Ponte patch: the bytes of the strings kept in `extra` that the store may hold too.
    kept: Cell<usize>,
}

/// Ponte patch: up to this many bytes of strings the store may hold too are kept in the view,
/// so that a string is read from RocksDB at most once per query. The strings a query names are
/// kept without asking the store whether it has them (asking is a read: about 5% of a
/// one-pattern lookup's CPU); the strings read to decode an answer are kept once read (a
/// DESCRIBE decodes its subject and each predicate once per triple: two thirds of its reads).
/// Decoding gives the same string either way. Past this, strings made while evaluating are
/// kept only when the store does not have them, and decoded strings are not kept, as upstream.
const KEPT_BYTES: usize = 256 * 1024;

impl<'a> DatasetView<'a> {
    pub fn new(reader: StorageReader<'a>) -> Self {
        Self {
            reader,
            extra: RefCell::new(HashMap::default()),
            kept: Cell::new(0),
        }
    }

    pub fn insert_str(&self, key: &StrHash, value: &str) {
        if let Entry::Vacant(e) = self.extra.borrow_mut().entry(*key) {
            if self.keep(value) {
                e.insert(value.to_owned());
            } else if !matches!(self.reader.contains_str(key), Ok(true)) {
                e.insert(value.to_owned());
            }
        }
    }

    /// Ponte patch: whether `value` fits in what the view keeps ([`KEPT_BYTES`]), counted if so.
    fn keep(&self, value: &str) -> bool {
        let kept = self.kept.get() + value.len();
        let fits = kept <= KEPT_BYTES;
        if fits {
            self.kept.set(kept);
        }
        fits
    }
}

impl<'a> QueryableDataset<'a> for DatasetView<'a> {
    type InternalTerm = EncodedTerm;
    type Error = StorageError;

    fn internal_quads_for_pattern(
        &self,
        subject: Option<&EncodedTerm>,
        predicate: Option<&EncodedTerm>,
        object: Option<&EncodedTerm>,
        graph_name: Option<Option<&EncodedTerm>>,
    ) -> impl Iterator<Item = Result<InternalQuad<EncodedTerm>, StorageError>> + use<'a> {
        self.reader
            .quads_for_pattern(
                subject,
                predicate,
                object,
                graph_name.map(|graph_name| graph_name.unwrap_or(&EncodedTerm::DefaultGraph)),
            )
            .map(|quad| {
                let quad = quad?;
                Ok(InternalQuad {
                    subject: quad.subject,
                    predicate: quad.predicate,
                    object: quad.object,
                    graph_name: if quad.graph_name.is_default_graph() {
                        None
                    } else {
                        Some(quad.graph_name)
                    },
                })
            })
    }

    fn internal_quads_grouped_by_triple(&self) -> bool {
        self.reader.quads_grouped_by_triple()
    }

    fn internal_named_graphs(
        &self,
    ) -> impl Iterator<Item = Result<EncodedTerm, StorageError>> + use<'a> {
        self.reader.named_graphs()
    }

    fn contains_internal_graph_name(&self, graph_name: &EncodedTerm) -> Result<bool, StorageError> {
        self.reader.contains_named_graph(graph_name)
    }

    fn internalize_term(&self, term: Term) -> Result<EncodedTerm, StorageError> {
        let encoded = term.as_ref().into();
        insert_term(term.as_ref(), &encoded, &mut |key, value| {
            self.insert_str(key, value)
        });
        Ok(encoded)
    }

    fn externalize_term(&self, term: EncodedTerm) -> Result<Term, StorageError> {
        self.decode_term(&term)
    }

    fn externalize_expression_term(
        &self,
        term: EncodedTerm,
    ) -> Result<ExpressionTerm, StorageError> {
        Ok(match term {
            EncodedTerm::DefaultGraph => {
                return Err(CorruptionError::new("Unexpected default graph").into());
            }
            EncodedTerm::BooleanLiteral(value) => ExpressionTerm::BooleanLiteral(value),
            EncodedTerm::FloatLiteral(value) => ExpressionTerm::FloatLiteral(value),
            EncodedTerm::DoubleLiteral(value) => ExpressionTerm::DoubleLiteral(value),
            EncodedTerm::IntegerLiteral(value) => ExpressionTerm::IntegerLiteral(value),
            EncodedTerm::DecimalLiteral(value) => ExpressionTerm::DecimalLiteral(value),
            EncodedTerm::DateTimeLiteral(value) => ExpressionTerm::DateTimeLiteral(value),
            EncodedTerm::TimeLiteral(value) => ExpressionTerm::TimeLiteral(value),
            EncodedTerm::DateLiteral(value) => ExpressionTerm::DateLiteral(value),
            EncodedTerm::GYearMonthLiteral(value) => ExpressionTerm::GYearMonthLiteral(value),
            EncodedTerm::GYearLiteral(value) => ExpressionTerm::GYearLiteral(value),
            EncodedTerm::GMonthDayLiteral(value) => ExpressionTerm::GMonthDayLiteral(value),
            EncodedTerm::GDayLiteral(value) => ExpressionTerm::GDayLiteral(value),
            EncodedTerm::GMonthLiteral(value) => ExpressionTerm::GMonthLiteral(value),
            EncodedTerm::DurationLiteral(value) => ExpressionTerm::DurationLiteral(value),
            EncodedTerm::YearMonthDurationLiteral(value) => {
                ExpressionTerm::YearMonthDurationLiteral(value)
            }
            EncodedTerm::DayTimeDurationLiteral(value) => {
                ExpressionTerm::DayTimeDurationLiteral(value)
            }
            #[cfg(feature = "rdf-12")]
            EncodedTerm::Triple(t) => ExpressionTriple::new(
                self.externalize_expression_term(t.subject.clone())?,
                self.externalize_expression_term(t.predicate.clone())?,
                self.externalize_expression_term(t.object.clone())?,
            )
            .ok_or_else(|| CorruptionError::msg("Invalid triple term in the storage"))?
            .into(),
            _ => self.decode_term(&term)?.into(), // No escape
        })
    }

    fn internalize_expression_term(
        &self,
        term: ExpressionTerm,
    ) -> Result<EncodedTerm, StorageError> {
        Ok(match term {
            ExpressionTerm::BooleanLiteral(value) => EncodedTerm::BooleanLiteral(value),
            ExpressionTerm::FloatLiteral(value) => EncodedTerm::FloatLiteral(value),
            ExpressionTerm::DoubleLiteral(value) => EncodedTerm::DoubleLiteral(value),
            ExpressionTerm::IntegerLiteral(value) => EncodedTerm::IntegerLiteral(value),
            ExpressionTerm::DecimalLiteral(value) => EncodedTerm::DecimalLiteral(value),
            ExpressionTerm::DateTimeLiteral(value) => EncodedTerm::DateTimeLiteral(value),
            ExpressionTerm::TimeLiteral(value) => EncodedTerm::TimeLiteral(value),
            ExpressionTerm::DateLiteral(value) => EncodedTerm::DateLiteral(value),
            ExpressionTerm::GYearMonthLiteral(value) => EncodedTerm::GYearMonthLiteral(value),
            ExpressionTerm::GYearLiteral(value) => EncodedTerm::GYearLiteral(value),
            ExpressionTerm::GMonthDayLiteral(value) => EncodedTerm::GMonthDayLiteral(value),
            ExpressionTerm::GDayLiteral(value) => EncodedTerm::GDayLiteral(value),
            ExpressionTerm::GMonthLiteral(value) => EncodedTerm::GMonthLiteral(value),
            ExpressionTerm::DurationLiteral(value) => EncodedTerm::DurationLiteral(value),
            ExpressionTerm::YearMonthDurationLiteral(value) => {
                EncodedTerm::YearMonthDurationLiteral(value)
            }
            ExpressionTerm::DayTimeDurationLiteral(value) => {
                EncodedTerm::DayTimeDurationLiteral(value)
            }
            #[cfg(feature = "rdf-12")]
            ExpressionTerm::Triple(t) => EncodedTerm::Triple(Arc::new(EncodedTriple {
                subject: self.internalize_expression_term(t.subject.into())?,
                predicate: self.internalize_expression_term(t.predicate.into())?,
                object: self.internalize_expression_term(t.object)?,
            })),
            _ => self.internalize_term(term.into())?, // No fast path
        })
    }

    fn internal_term_effective_boolean_value(
        &self,
        term: EncodedTerm,
    ) -> Result<Option<bool>, StorageError> {
        Ok(match term {
            EncodedTerm::BooleanLiteral(value) => Some(value.into()),
            EncodedTerm::SmallStringLiteral(value) => Some(!value.is_empty()),
            EncodedTerm::BigStringLiteral { .. } => {
                Some(true) // A big literal can't be empty
            }
            EncodedTerm::FloatLiteral(value) => Some(Boolean::from(value).into()),
            EncodedTerm::DoubleLiteral(value) => Some(Boolean::from(value).into()),
            EncodedTerm::IntegerLiteral(value) => Some(Boolean::from(value).into()),
            EncodedTerm::DecimalLiteral(value) => Some(Boolean::from(value).into()),
            _ => None,
        })
    }
}

impl StrLookup for DatasetView<'_> {
    fn get_str(&self, key: &StrHash) -> Result<Option<String>, StorageError> {
        if let Some(value) = self.extra.borrow().get(key) {
            return Ok(Some(value.clone()));
        }
        // Ponte patch: a string another query decoded is not read again.
        if let Some(value) = shared_strings::get(key) {
            return Ok(Some(value));
        }
        let value = self.reader.get_str(key)?;
        if let Some(value) = &value {
            shared_strings::put(key, value);
            // Ponte patch: kept for the next time this query decodes it.
            if self.keep(value) {
                self.extra.borrow_mut().insert(*key, value.clone());
            }
        }
        Ok(value)
    }
}

/// Ponte patch: what the cache of strings kept between queries holds and how often it helped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SharedStringStats {
    /// Strings found in the cache.
    pub hits: u64,
    /// Strings read from the store instead (then kept, if not too long).
    pub misses: u64,
    /// Strings kept now.
    pub strings: usize,
    /// What they count against the budget, in bytes.
    pub bytes: usize,
    /// The budget.
    pub max_bytes: usize,
}

/// Ponte patch: the counts of the process's cache of decoded strings.
pub fn shared_string_stats() -> SharedStringStats {
    shared_strings::stats()
}

/// Ponte patch: the strings decoded by every query of the process, least recently used first
/// out, up to [`shared_strings::BYTES`]. A string's key is the SipHash of its content (fixed
/// keys) and the store never deletes a string, so a key names the same string in every store
/// at every moment: a kept string is never stale. Reading one from RocksDB (memtable, then each
/// level's bloom filter and block) was a sixth of a ten-row SELECT's CPU, and the same IRIs
/// (classes, predicates, popular subjects) are decoded by query after query.
mod shared_strings {
    use super::{SharedStringStats, StrHash, StrHashHasher};
    use lru::LruCache;
    use std::hash::BuildHasherDefault;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{LazyLock, Mutex, PoisonError};

    static HITS: AtomicU64 = AtomicU64::new(0);
    static MISSES: AtomicU64 = AtomicU64::new(0);

    /// The counts `/health` shows.
    pub fn stats() -> SharedStringStats {
        let mut stats = SharedStringStats {
            hits: HITS.load(Ordering::Relaxed),
            misses: MISSES.load(Ordering::Relaxed),
            max_bytes: BYTES,
            ..SharedStringStats::default()
        };
        for shard in CACHE.iter() {
            let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            stats.strings += shard.strings.len();
            stats.bytes += shard.bytes;
        }
        stats
    }

    /// Bytes of strings kept, over all shards.
    pub const BYTES: usize = 16 << 20;
    /// Locks taken by concurrent queries are spread over this many shards.
    const SHARDS: usize = 16;
    /// Longer strings (descriptions, big literals) are not kept: one would push out hundreds
    /// of IRIs.
    const LONGEST: usize = 1024;

    struct Shard {
        strings: LruCache<StrHash, Box<str>, BuildHasherDefault<StrHashHasher>>,
        bytes: usize,
    }

    static CACHE: LazyLock<[Mutex<Shard>; SHARDS]> = LazyLock::new(|| {
        std::array::from_fn(|_| {
            Mutex::new(Shard {
                strings: LruCache::unbounded_with_hasher(BuildHasherDefault::default()),
                bytes: 0,
            })
        })
    });

    fn shard(key: &StrHash) -> &'static Mutex<Shard> {
        &CACHE[usize::from(key.to_be_bytes()[15]) % SHARDS]
    }

    /// The string of `key`, if a query decoded it lately.
    pub fn get(key: &StrHash) -> Option<String> {
        let mut shard = shard(key).lock().unwrap_or_else(PoisonError::into_inner);
        let found = shard.strings.get(key).map(|value| String::from(&**value));
        let counter = if found.is_some() { &HITS } else { &MISSES };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps `value`, the string of `key`, pushing out the least recently used past the budget.
    pub fn put(key: &StrHash, value: &str) {
        if value.len() > LONGEST {
            return;
        }
        let mut shard = shard(key).lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = shard.strings.put(*key, value.into()) {
            shard.bytes -= cost(&old);
        }
        shard.bytes += cost(value);
        while shard.bytes > BYTES / SHARDS {
            let Some((_, old)) = shard.strings.pop_lru() else {
                break;
            };
            shard.bytes -= cost(&old);
        }
    }

    /// What a kept string counts against the budget: its bytes, its key, and about what the
    /// cache's list and table spend on an entry.
    fn cost(value: &str) -> usize {
        value.len() + size_of::<StrHash>() + 32
    }
}
