//! What actors say they do: each actor's words (its names and descriptions, and the labels of
//! its topics) as a document, and BM25 between the seed's document and each actor's. The words
//! come analysed (stemmed, stop words gone) from whoever builds the projection, so this module
//! knows no language.

use crate::projection::NodeId;
use std::collections::HashMap;

/// BM25's term-frequency saturation.
const K1: f64 = 1.2;
/// BM25's length normalisation.
const B: f64 = 0.75;
/// A term in more than this share of the documents is skipped (like a hub node): it explains
/// nothing, and walking its postings would cost the most.
const COMMON_TERM_SHARE: f64 = 0.1;
/// Terms in at most this many documents are never skipped as common (small graphs).
const ALWAYS_RARE: usize = 10;

/// A term of the content index (a stem): an index into its postings, never mistaken for a
/// node or a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct TermId(u32);

/// A word as written: an index into the content index's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WordId(u32);

/// A document: each term once, with how often it occurs and the first form the document writes
/// it in, sorted by term.
pub(crate) type Document = Vec<(TermId, u32, WordId)>;

/// The content index over the actors' documents.
#[derive(Default)]
pub struct Content {
    /// The words as written, each once.
    words: Vec<Box<str>>,
    /// For each node, its document (actors: their own words and their topics' labels; topics:
    /// their labels; other nodes: empty).
    documents: Vec<Document>,
    /// For each term, the actors whose document has it, with its frequency there.
    postings: Vec<Vec<(NodeId, u32)>>,
    /// Actors with a non-empty document.
    actor_documents: usize,
    /// Their average length in terms.
    average_length: f64,
}

/// Collects the analysed words of nodes while the projection is built.
#[derive(Default)]
pub(crate) struct ContentBuilder {
    words: Vec<Box<str>>,
    word_index: HashMap<Box<str>, WordId>,
    stems: HashMap<Box<str>, TermId>,
    /// Each node's own terms with their written forms, with repeats.
    own: HashMap<NodeId, Vec<(TermId, WordId)>>,
}

impl ContentBuilder {
    /// Adds words to a node's own text: `(stem, word as written)` pairs.
    pub(crate) fn add<'a>(
        &mut self,
        node: NodeId,
        terms: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) {
        let own = self.own.entry(node).or_default();
        for (stem, word) in terms {
            let next = TermId(u32::try_from(self.stems.len()).expect("fewer than 2^32 terms"));
            let term = *self.stems.entry(stem.into()).or_insert(next);
            let written = match self.word_index.get(word) {
                Some(id) => *id,
                None => {
                    let id =
                        WordId(u32::try_from(self.words.len()).expect("fewer than 2^32 words"));
                    self.words.push(word.into());
                    self.word_index.insert(word.into(), id);
                    id
                }
            };
            own.push((term, written));
        }
    }

    /// The index: `is_actor` says which nodes are documents of the index, `topics_of` which
    /// topics' words an actor's document takes in.
    pub(crate) fn build(
        self,
        node_count: usize,
        is_actor: impl Fn(NodeId) -> bool,
        is_topic: impl Fn(NodeId) -> bool,
        topics_of: impl Fn(NodeId) -> Vec<NodeId>,
    ) -> Content {
        let count = |terms: &mut dyn Iterator<Item = (TermId, WordId)>| -> Document {
            // Stable: of a term's forms, the one written first is kept.
            let mut all: Vec<(TermId, WordId)> = terms.collect();
            all.sort_by_key(|(term, _)| *term);
            let mut document: Document = Vec::new();
            for (term, written) in all {
                match document.last_mut() {
                    Some((last, n, _)) if *last == term => *n += 1,
                    _ => document.push((term, 1, written)),
                }
            }
            document
        };
        let term_count = self.stems.len();
        let mut documents = vec![Document::new(); node_count];
        let mut postings = vec![Vec::new(); term_count];
        let (mut actor_documents, mut total_length) = (0_usize, 0_u64);
        for (index, slot) in documents.iter_mut().enumerate() {
            let node = NodeId::from_index(index);
            let own = self.own.get(&node).map(Vec::as_slice).unwrap_or_default();
            if is_topic(node) {
                *slot = count(&mut own.iter().copied());
            } else if is_actor(node) {
                let topics = topics_of(node);
                let document = count(
                    &mut own.iter().copied().chain(
                        topics
                            .iter()
                            .flat_map(|t| self.own.get(t).into_iter().flatten().copied()),
                    ),
                );
                if document.is_empty() {
                    continue;
                }
                actor_documents += 1;
                for (term, frequency, _) in &document {
                    postings[term.0 as usize].push((node, *frequency));
                    total_length += u64::from(*frequency);
                }
                *slot = document;
            }
        }
        Content {
            words: self.words,
            documents,
            postings,
            actor_documents,
            average_length: if actor_documents == 0 {
                0.0
            } else {
                total_length as f64 / actor_documents as f64
            },
        }
    }
}

impl Content {
    /// A node's document (empty for a node without words).
    pub(crate) fn document(&self, node: NodeId) -> &[(TermId, u32, WordId)] {
        self.documents
            .get(node.index())
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// A word as written.
    pub fn word(&self, word: WordId) -> &str {
        &self.words[word.0 as usize]
    }

    /// How much a term says: BM25's inverse document frequency; `None` for a term too common
    /// to count.
    fn idf(&self, term: TermId) -> Option<f64> {
        let frequency = self.postings[term.0 as usize].len();
        let common = (self.actor_documents as f64 * COMMON_TERM_SHARE) as usize;
        if frequency == 0 || frequency > common.max(ALWAYS_RARE) {
            return None;
        }
        let (n, df) = (self.actor_documents as f64, frequency as f64);
        Some((1.0 + (n - df + 0.5) / (df + 0.5)).ln())
    }

    /// What one occurrence count contributes in a document of `length` terms.
    fn saturation(&self, frequency: u32, length: u32) -> f64 {
        let frequency = f64::from(frequency);
        let relative = if self.average_length > 0.0 {
            f64::from(length) / self.average_length
        } else {
            1.0
        };
        frequency * (K1 + 1.0) / (frequency + K1 * (1.0 - B + B * relative))
    }

    /// BM25 of every actor sharing a term with `query` (each of its terms counted once).
    pub(crate) fn scores(&self, query: &[(TermId, u32, WordId)]) -> HashMap<NodeId, f64> {
        let mut scores: HashMap<NodeId, f64> = HashMap::new();
        for (term, _, _) in query {
            let Some(idf) = self.idf(*term) else {
                continue;
            };
            for (actor, frequency) in &self.postings[term.0 as usize] {
                let length = document_length(self.document(*actor));
                *scores.entry(*actor).or_default() += idf * self.saturation(*frequency, length);
            }
        }
        scores
    }

    /// BM25 of `query` against a document with the same words: the most a candidate can
    /// share with it, the scale of the content part.
    pub(crate) fn self_score(&self, query: &[(TermId, u32, WordId)]) -> f64 {
        let length = document_length(query);
        query
            .iter()
            .filter_map(|(term, frequency, _)| {
                Some(self.idf(*term)? * self.saturation(*frequency, length))
            })
            .sum()
    }

    /// The terms `query` and `candidate`'s document share, the rarest first, each as the
    /// query writes it (the candidate may write another form of it: `therapy`, `therapies`).
    pub(crate) fn shared(&self, query: &[(TermId, u32, WordId)], candidate: NodeId) -> Vec<WordId> {
        let theirs = self.document(candidate);
        let mut shared: Vec<(f64, TermId, WordId)> = query
            .iter()
            .filter(|(term, _, _)| theirs.binary_search_by_key(term, |(t, _, _)| *t).is_ok())
            .filter_map(|(term, _, written)| Some((self.idf(*term)?, *term, *written)))
            .collect();
        shared.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        shared.into_iter().map(|(_, _, written)| written).collect()
    }
}

impl Content {
    /// How close each actor's words are to the labels of `topics` (BM25 over what the labels
    /// score against themselves, at most 1), with the words they share, rarest first: who says
    /// they work on these topics, whatever the topics they are linked to.
    pub fn about_topics(&self, topics: &[NodeId]) -> HashMap<NodeId, (f64, Vec<WordId>)> {
        let query = query_of(self, None, topics);
        let scale = self.self_score(&query);
        if scale <= 0.0 {
            return HashMap::new();
        }
        self.scores(&query)
            .into_iter()
            .map(|(actor, score)| {
                (
                    actor,
                    ((score / scale).min(1.0), self.shared(&query, actor)),
                )
            })
            .collect()
    }
}

/// A document's length: all its occurrences.
fn document_length(document: &[(TermId, u32, WordId)]) -> u32 {
    document.iter().map(|(_, n, _)| n).sum()
}

/// The query for a seed: an actor's own document, or the merged documents of a profile's
/// topics.
pub(crate) fn query_of(content: &Content, actor: Option<NodeId>, topics: &[NodeId]) -> Document {
    match actor {
        Some(actor) => content.document(actor).to_vec(),
        None => {
            let mut merged: HashMap<TermId, (u32, WordId)> = HashMap::new();
            for topic in topics {
                for (term, frequency, written) in content.document(*topic) {
                    merged.entry(*term).or_insert((0, *written)).0 += frequency;
                }
            }
            let mut document: Document = merged
                .into_iter()
                .map(|(term, (frequency, written))| (term, frequency, written))
                .collect();
            document.sort_unstable();
            document
        }
    }
}
