//! Full-text search over what Ponte's entities are called and how they are described.
//!
//! Every name is indexed three ways: stemmed for Italian, stemmed for English, and as whole
//! words for prefix matching, all lower-cased and folded to ASCII so `universita` finds
//! `Università`. A query matches an entity when each of its words matches one of the three
//! (the last word may be an unfinished prefix, for type-ahead); names weigh more than
//! descriptions, and exact words more than prefixes. The index lives in memory and is rebuilt
//! from the store; see `ponte-server`'s search service for how it is kept in step with writes.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, StopWordFilter, TextAnalyzer,
};
use tantivy::{Index, IndexReader, TantivyDocument, Term, doc};

/// The longest query this index takes, in words; longer ones are refused, not truncated.
pub const MAX_QUERY_WORDS: usize = 128;

/// One entity to index.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    /// The entity's IRI.
    pub iri: String,
    /// Its names (labels, alternative names), in any language.
    pub names: Vec<String>,
    /// Longer texts about it (descriptions, comments).
    pub texts: Vec<String>,
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The entity's IRI.
    pub iri: String,
    /// Relevance (BM25 with boosts); higher is better.
    pub score: f32,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query has no word to look for, or too many.
    #[error("{0}")]
    BadQuery(String),
    /// The index failed.
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
}

/// A searchable snapshot of the entities.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

#[derive(Clone, Copy)]
struct Fields {
    iri: Field,
    name_it: Field,
    name_en: Field,
    name_words: Field,
    name_exact: Field,
    text_it: Field,
    text_en: Field,
}

/// Analyzer names: Italian stems, English stems, whole folded words.
const IT: &str = "ponte_it";
const EN: &str = "ponte_en";
const WORDS: &str = "ponte_words";
/// A whole name as one token: a query that is exactly a name (an acronym) ranks it first.
const EXACT: &str = "ponte_exact";

fn analyzer(stem: Option<Language>) -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    match stem {
        Some(language) => builder.filter(Stemmer::new(language)).build(),
        None => builder.build(),
    }
}

/// A name as an IRI slug, with the words the index sees: lowercased, accents folded, joined
/// by `-` (`Università di Bologna` gives `universita-di-bologna`); empty when no word is left.
pub fn slug(name: &str) -> String {
    let mut analyzer = analyzer(None);
    let mut stream = analyzer.token_stream(name);
    let mut words = Vec::new();
    while let Some(token) = stream.next() {
        words.push(token.text.clone());
    }
    words.join("-")
}

/// One word of a text as content similarity compares it: the stem it is compared by, and the
/// word as written (lower-cased), to show a person which words two texts share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentTerm {
    /// The shorter of the word's Italian and English stems, accents folded: `terapia`,
    /// `terapie` give `terap`, `therapy` and `therapies` give `therapi`.
    pub stem: String,
    /// The word as the text has it, lower-cased.
    pub word: String,
}

/// Reads the words of texts that say what they are about, for content similarity: the index's
/// words without Italian and English stop words, numbers and single letters, each with its
/// stem. A text's language is not known (names are often untagged and mix languages), so each
/// word is stemmed both ways and the shorter stem kept: the two stemmers strip different
/// endings, and the shorter stem is the one that joins a word's forms.
pub struct ContentAnalyzer {
    written: TextAnalyzer,
    italian: TextAnalyzer,
    english: TextAnalyzer,
}

impl Default for ContentAnalyzer {
    fn default() -> Self {
        let words = |stem: Option<Language>| {
            let builder = TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(60))
                .filter(LowerCaser)
                .filter(StopWordFilter::new(Language::Italian).expect("Italian stop words"))
                .filter(StopWordFilter::new(Language::English).expect("English stop words"));
            match stem {
                Some(language) => builder
                    .filter(AsciiFoldingFilter)
                    .filter(Stemmer::new(language))
                    .build(),
                None => builder.build(),
            }
        };
        Self {
            written: words(None),
            italian: words(Some(Language::Italian)),
            english: words(Some(Language::English)),
        }
    }
}

impl ContentAnalyzer {
    /// An analyzer (building one compiles the stop word lists: keep it for many texts).
    pub fn new() -> Self {
        Self::default()
    }

    /// The content terms of `text`, in order.
    pub fn terms(&mut self, text: &str) -> Vec<ContentTerm> {
        let words = |analyzer: &mut TextAnalyzer| {
            let mut stream = analyzer.token_stream(text);
            let mut out = Vec::new();
            while let Some(token) = stream.next() {
                out.push(token.text.clone());
            }
            out
        };
        // The same tokenizer and filters before the stemmers: the three lists run in step.
        let (written, italian, english) = (
            words(&mut self.written),
            words(&mut self.italian),
            words(&mut self.english),
        );
        written
            .into_iter()
            .zip(italian.into_iter().zip(english))
            .filter(|(word, _)| word.chars().count() > 1 && !word.chars().all(|c| c.is_numeric()))
            .map(|(word, (italian, english))| ContentTerm {
                stem: if italian.len() < english.len() {
                    italian
                } else {
                    english
                },
                word,
            })
            .collect()
    }
}

fn text_field(analyzer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

impl SearchIndex {
    /// Indexes `entries`.
    pub fn build(entries: impl IntoIterator<Item = Entry>) -> Result<Self, SearchError> {
        let mut schema = Schema::builder();
        let fields = Fields {
            iri: schema.add_text_field("iri", STRING | STORED),
            name_it: schema.add_text_field("name_it", text_field(IT)),
            name_en: schema.add_text_field("name_en", text_field(EN)),
            name_words: schema.add_text_field("name_words", text_field(WORDS)),
            name_exact: schema.add_text_field("name_exact", text_field(EXACT)),
            text_it: schema.add_text_field("text_it", text_field(IT)),
            text_en: schema.add_text_field("text_en", text_field(EN)),
        };
        let index = Index::create_in_ram(schema.build());
        index
            .tokenizers()
            .register(IT, analyzer(Some(Language::Italian)));
        index
            .tokenizers()
            .register(EN, analyzer(Some(Language::English)));
        index.tokenizers().register(WORDS, analyzer(None));
        index.tokenizers().register(
            EXACT,
            TextAnalyzer::builder(RawTokenizer::default())
                .filter(RemoveLongFilter::limit(200))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        );
        // One thread: the machine serves queries meanwhile.
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 30_000_000)?;
        for entry in entries {
            let mut document = doc!(fields.iri => entry.iri);
            for name in &entry.names {
                document.add_text(fields.name_it, name);
                document.add_text(fields.name_en, name);
                document.add_text(fields.name_words, name);
                document.add_text(fields.name_exact, name);
            }
            for text in &entry.texts {
                document.add_text(fields.text_it, text);
                document.add_text(fields.text_en, text);
            }
            writer.add_document(document)?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(Self {
            index,
            reader,
            fields,
        })
    }

    /// Number of entities indexed.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The best `limit` entities for `query`, best first (ties by IRI, so the order is stable).
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, SearchError> {
        let words = self.tokens(self.fields.name_words, query)?;
        if words.is_empty() {
            return Err(SearchError::BadQuery(
                "the query has no word to search for".into(),
            ));
        }
        if words.len() > MAX_QUERY_WORDS {
            return Err(SearchError::BadQuery(format!(
                "the query has {} words; at most {MAX_QUERY_WORDS} are searched",
                words.len()
            )));
        }
        let italian = self.tokens(self.fields.name_it, query)?;
        let english = self.tokens(self.fields.name_en, query)?;
        let last = words.len() - 1;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            let term = |field: Field, text: &str| Term::from_field_text(field, text);
            let exact = |field: Field, text: &str, boost: f32| -> (Occur, Box<dyn Query>) {
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(
                            term(field, text),
                            IndexRecordOption::WithFreqs,
                        )),
                        boost,
                    )),
                )
            };
            let prefix = |field: Field, text: &str, boost: f32| -> (Occur, Box<dyn Query>) {
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new_prefix(term(field, text), 0, true)),
                        boost,
                    )),
                )
            };
            let mut alternatives = vec![exact(self.fields.name_words, word, 3.0)];
            for (stems, name, text) in [
                (&italian, self.fields.name_it, self.fields.text_it),
                (&english, self.fields.name_en, self.fields.text_en),
            ] {
                if let Some(stem) = stems.get(i) {
                    alternatives.push(exact(name, stem, 2.0));
                    alternatives.push(exact(text, stem, 0.5));
                    // Derived words share the stem's start: "ospedale" finds "ospedaliero".
                    if stem.chars().count() >= 5 {
                        alternatives.push(prefix(name, stem, 0.8));
                    }
                }
            }
            // The word being typed: any name word that starts with it.
            if i == last && word.chars().count() >= 2 {
                alternatives.push(prefix(self.fields.name_words, word, 1.0));
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
        // The whole query spelled as a whole name: "kaist" puts KAIST before "KAIST institutes".
        if let Some(whole) = self.tokens(self.fields.name_exact, query.trim())?.first() {
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(self.fields.name_exact, whole),
                        IndexRecordOption::Basic,
                    )),
                    20.0,
                )),
            ));
        }
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit.max(1)).order_by_score(),
        )?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            if let Some(iri) = document.get_first(self.fields.iri).and_then(|v| v.as_str()) {
                hits.push(Hit {
                    iri: iri.to_owned(),
                    score,
                });
            }
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.iri.cmp(&b.iri)));
        Ok(hits)
    }

    /// The tokens `field`'s analyzer makes of `text`.
    fn tokens(&self, field: Field, text: &str) -> Result<Vec<String>, SearchError> {
        let mut analyzer = self.index.tokenizer_for_field(field)?;
        let mut stream = analyzer.token_stream(text);
        let mut tokens = Vec::new();
        while let Some(token) = stream.next() {
            tokens.push(token.text.clone());
        }
        Ok(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(iri: &str, names: &[&str], texts: &[&str]) -> Entry {
        Entry {
            iri: iri.into(),
            names: names.iter().map(|s| (*s).to_owned()).collect(),
            texts: texts.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn index() -> SearchIndex {
        SearchIndex::build([
            entry(
                "urn:unibo",
                &["Università di Bologna", "University of Bologna"],
                &[],
            ),
            entry(
                "urn:aou",
                &["Azienda Ospedaliero-Universitaria di Bologna"],
                &[],
            ),
            entry(
                "urn:kaist",
                &[
                    "KAIST",
                    "Korea Advanced Institute of Science and Technology",
                ],
                &[],
            ),
            entry("urn:kaist-labs", &["KAIST labs: 6"], &[]),
            entry(
                "urn:gene",
                &["Terapia genica e cellulare", "Gene and cell therapy"],
                &[],
            ),
            entry(
                "urn:other",
                &["Something else"],
                &["mentions therapy in passing"],
            ),
        ])
        .unwrap()
    }

    fn iris(hits: &[Hit]) -> Vec<&str> {
        hits.iter().map(|h| h.iri.as_str()).collect()
    }

    #[test]
    fn content_terms_join_a_words_forms_in_both_languages_and_drop_stop_words() {
        let mut analyzer = ContentAnalyzer::new();
        let mut stems = |text: &str| -> Vec<String> {
            analyzer.terms(text).into_iter().map(|t| t.stem).collect()
        };
        assert_eq!(stems("terapia"), stems("terapie"));
        assert_eq!(stems("therapy"), stems("therapies"));
        assert_eq!(stems("Università"), stems("universita"));
        let terms = analyzer.terms("The Centre for Gene Therapy of the 2nd Università di Bologna");
        let words: Vec<&str> = terms.iter().map(|t| t.word.as_str()).collect();
        assert_eq!(
            words,
            ["centre", "gene", "therapy", "2nd", "università", "bologna"]
        );
        assert!(analyzer.terms("di the of 42 a").is_empty());
    }

    #[test]
    fn slugs_fold_accents_and_case() {
        assert_eq!(slug("Università di Bologna"), "universita-di-bologna");
        assert_eq!(
            slug("  IRCCS Ospedale S.Orsola! "),
            "irccs-ospedale-s-orsola"
        );
        assert_eq!(slug("' } ; DROP ALL"), "drop-all");
        assert_eq!(slug("…"), "");
    }

    #[test]
    fn accents_case_and_stems_do_not_matter() {
        let index = index();
        assert_eq!(
            iris(&index.search("universita", 10).unwrap())[0],
            "urn:unibo"
        );
        assert!(iris(&index.search("ospedale", 10).unwrap()).contains(&"urn:aou"));
        assert_eq!(
            iris(&index.search("Kaist", 10).unwrap()),
            ["urn:kaist", "urn:kaist-labs"]
        );
        assert_eq!(
            iris(&index.search("gene therapy", 10).unwrap())[0],
            "urn:gene"
        );
        assert_eq!(
            iris(&index.search("terapie geniche", 10).unwrap())[0],
            "urn:gene"
        );
    }

    #[test]
    fn the_last_word_is_a_prefix_and_names_outrank_descriptions() {
        let index = index();
        assert_eq!(iris(&index.search("bolo", 10).unwrap()).len(), 2);
        assert_eq!(iris(&index.search("Korea adv", 10).unwrap()), ["urn:kaist"]);
        let therapy = index.search("therapy", 10).unwrap();
        assert_eq!(iris(&therapy), ["urn:gene", "urn:other"]);
    }

    #[test]
    fn empty_and_punctuation_only_queries_are_refused() {
        let index = index();
        assert!(matches!(
            index.search("", 10),
            Err(SearchError::BadQuery(_))
        ));
        assert!(matches!(
            index.search("\" } ; {", 10),
            Err(SearchError::BadQuery(_))
        ));
        assert!(index.search("\" } ; DROP ALL ; {", 10).unwrap().is_empty());
    }
}
