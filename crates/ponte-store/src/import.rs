//! Importing a whole source (such as the ROR registry) into its own named graph: atomic, and
//! idempotent by content hash.

use crate::seed::{
    description, hashed_description, now_xsd_date_time, recorded_hash, remove_description,
    sha256_hex,
};
use crate::sparql::{CHECK_EVERY, ensure_alive};
use crate::validation::Scope;
use crate::{PonteStore, StoreError, canonical};
use oxigraph::model::vocab::xsd;
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Triple, TripleRef};
use oxigraph::sparql::CancellationToken;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Triples now in the graph.
    pub triples: usize,
    /// False when the graph already held this very content and nothing was written.
    pub changed: bool,
}

/// What a bulk import of quads did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuadImportReport {
    /// Each graph written, with the number of (distinct) triples the input gave it.
    pub graphs: BTreeMap<String, usize>,
    /// Quads the store did not hold before.
    pub added: usize,
    /// The graphs whose content the input gave again (the same canonical hash, whatever its
    /// blank-node labels or order): nothing was written to them, not even their description.
    pub unchanged: BTreeSet<String>,
}

impl PonteStore {
    /// Writes `quads` in one validated transaction: into their named graphs, each first emptied
    /// when `replace`, and each described in the meta graph with `source` and the time. A quad
    /// in the default graph is refused: every fact needs the graph of its source. A graph whose
    /// content the input gives again (the same canonical hash as recorded) is left as it is:
    /// re-importing a file changes nothing, and adding it again does not double its blank nodes.
    pub fn import_quads(
        &self,
        quads: Vec<Quad>,
        replace: bool,
        source: &str,
        token: &CancellationToken,
    ) -> Result<QuadImportReport, StoreError> {
        let quads: HashSet<Quad> = quads.into_iter().collect();
        let mut graphs: BTreeMap<String, (NamedNode, Vec<&Quad>)> = BTreeMap::new();
        for quad in &quads {
            let GraphName::NamedNode(graph) = &quad.graph_name else {
                return Err(StoreError::BadRequest(format!(
                    "{quad} is in the default graph; name the graph of its source"
                )));
            };
            graphs
                .entry(graph.as_str().to_owned())
                .or_insert_with(|| (graph.clone(), Vec::new()))
                .1
                .push(quad);
        }
        // Canonicalizing takes time: before the write lock, so other writes need not wait.
        let mut incoming = BTreeMap::new();
        for (iri, (_, graph_quads)) in &graphs {
            ensure_alive(token)?;
            let triples = graph_quads.iter().map(|q| TripleRef::from(q.as_ref()));
            incoming.insert(iri.clone(), canonical::graph_hash(triples)?);
        }
        let _writing = self.lock_for_writing()?;
        ensure_alive(token)?;
        let mut unchanged = BTreeSet::new();
        for (iri, (graph, _)) in &graphs {
            if canonical::recorded_hash(&self.store, graph)?.as_ref() == incoming.get(iri) {
                unchanged.insert(iri.clone());
            }
        }
        let counts = graphs
            .iter()
            .map(|(iri, (_, graph_quads))| (iri.clone(), graph_quads.len()))
            .collect();
        let written: Vec<&(NamedNode, Vec<&Quad>)> = graphs
            .iter()
            .filter(|(iri, _)| !unchanged.contains(*iri))
            .map(|(_, written)| written)
            .collect();
        if written.is_empty() {
            return Ok(QuadImportReport {
                graphs: counts,
                added: 0,
                unchanged,
            });
        }
        let mut transaction = self.store.start_transaction()?;
        let now = Literal::new_typed_literal(now_xsd_date_time(), xsd::DATE_TIME);
        for (graph, _) in &written {
            if replace {
                transaction.clear_graph(graph)?;
            }
            remove_description(&mut transaction, &self.store, graph)?;
            for quad in &description(graph, source, &now) {
                transaction.insert(quad);
            }
        }
        let mut added = 0;
        let written_quads = written.iter().flat_map(|(_, graph_quads)| graph_quads);
        for (i, quad) in written_quads.enumerate() {
            if i % CHECK_EVERY == 0 {
                ensure_alive(token)?;
            }
            if replace || !self.store.contains(*quad)? {
                added += 1;
            }
            transaction.insert(*quad);
        }
        let scope = Scope::Graphs(
            written
                .iter()
                .map(|(graph, _)| GraphName::from(graph.clone()))
                .collect(),
        );
        self.commit_validated(transaction, &scope, Some(token))?;
        Ok(QuadImportReport {
            graphs: counts,
            added,
            unchanged,
        })
    }

    /// Replaces the named graph `graph` with `triples` in one transaction and describes it in
    /// the meta graph (`source`, load time, hash of `content`, triple count). When the graph
    /// was already loaded from the same `content`, nothing is written.
    pub fn replace_graph(
        &self,
        graph: &str,
        triples: Vec<Triple>,
        source: &str,
        content: &[u8],
    ) -> Result<ImportReport, StoreError> {
        let graph = NamedNode::new(graph)
            .map_err(|e| StoreError::BadRequest(format!("invalid graph IRI <{graph}>: {e}")))?;
        let hash = sha256_hex(content);
        let _writing = self.lock_for_writing()?;
        if recorded_hash(&self.store, &graph)?.as_deref() == Some(hash.as_str()) {
            let count = self
                .store
                .quads_for_pattern(None, None, None, Some((&graph).into()))
                .count();
            return Ok(ImportReport {
                triples: count,
                changed: false,
            });
        }
        let mut transaction = self.store.start_transaction()?;
        transaction.clear_graph(&graph)?;
        remove_description(&mut transaction, &self.store, &graph)?;
        // Records share places and name each other: count each triple once.
        let triples: HashSet<Triple> = triples.into_iter().collect();
        let count = triples.len();
        for triple in triples {
            transaction.insert(&triple.in_graph(graph.clone()));
        }
        let now = Literal::new_typed_literal(now_xsd_date_time(), xsd::DATE_TIME);
        let count_u64 = u64::try_from(count).unwrap_or(u64::MAX);
        for quad in &hashed_description(&graph, source, &now, &hash, count_u64) {
            transaction.insert(quad);
        }
        self.commit_validated(transaction, &Scope::graph(graph), None)?;
        Ok(ImportReport {
            triples: count,
            changed: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::NamedNodeRef;

    fn triple(object: &str) -> Triple {
        let node = |iri: &str| NamedNodeRef::new_unchecked(iri).into_owned();
        Triple::new(node("urn:s"), node("urn:p"), node(object))
    }

    #[test]
    fn importing_the_same_content_twice_changes_nothing() {
        let store = PonteStore::in_memory().unwrap();
        let import = |objects: &[&str], content: &[u8]| {
            let triples = objects.iter().map(|o| triple(o)).collect();
            store
                .replace_graph("urn:g", triples, "x.jsonl", content)
                .unwrap()
        };
        let report = |triples, changed| ImportReport { triples, changed };
        assert_eq!(import(&["urn:a", "urn:b"], b"v1"), report(2, true));
        let len = store.len().unwrap();
        assert_eq!(import(&["urn:a", "urn:b"], b"v1"), report(2, false));
        assert_eq!(store.len().unwrap(), len);
        assert_eq!(import(&["urn:c"], b"v2"), report(1, true));
        // One triple, its description (5 quads) and content hash, nothing left of the first
        // version.
        assert_eq!(store.len().unwrap(), 7);
    }
}
