//! The operations behind the SPARQL 1.1 Graph Store HTTP Protocol, each atomic.

use crate::sparql::{Answer, CHECK_EVERY, SpillPolicy, SpillWriter, ensure_alive, write_error};
use crate::validation::Scope;
use crate::{PonteStore, RdfFormat, StoreError};
use oxigraph::io::{RdfParser, RdfSerializer};
use oxigraph::model::{GraphName, GraphNameRef, NamedNode};
use oxigraph::sparql::CancellationToken;

/// The graph a Graph Store request is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphTarget {
    /// `?default`: the store's default graph.
    Default,
    /// `?graph=IRI`, or the request IRI itself (direct identification).
    Named(NamedNode),
}

impl GraphTarget {
    fn as_ref(&self) -> GraphNameRef<'_> {
        match self {
            Self::Default => GraphNameRef::DefaultGraph,
            Self::Named(node) => node.into(),
        }
    }
}

impl PonteStore {
    /// Whether the graph exists (the default graph always does).
    pub fn graph_exists(&self, target: &GraphTarget) -> Result<bool, StoreError> {
        Ok(match target {
            GraphTarget::Default => true,
            GraphTarget::Named(node) => self.store.contains_named_graph(node)?,
        })
    }

    /// Serializes the graph in `format`, or `None` when it does not exist: in memory up to the
    /// policy's threshold, then in a temporary file, so a large graph is served whole with
    /// bounded memory. Fails with [`StoreError::ResultTooLarge`] past the policy's cap.
    pub fn serialize_graph(
        &self,
        target: &GraphTarget,
        format: RdfFormat,
        policy: SpillPolicy,
        token: &CancellationToken,
    ) -> Result<Option<Answer>, StoreError> {
        if !self.graph_exists(target)? {
            return Ok(None);
        }
        let max_bytes = policy.max_bytes;
        let mut serializer =
            RdfSerializer::from_format(format).for_writer(SpillWriter::new(policy));
        for quad in self
            .store
            .quads_for_pattern(None, None, None, Some(target.as_ref()))
        {
            ensure_alive(token)?;
            let quad = quad?;
            serializer
                .serialize_triple(quad.as_ref())
                .map_err(|e| write_error(e, max_bytes))?;
        }
        let writer = serializer.finish().map_err(|e| write_error(e, max_bytes))?;
        Ok(Some(
            writer.finish().map_err(|e| write_error(e, max_bytes))?,
        ))
    }

    /// Serializes the whole dataset in a dataset `format` (TriG, N-Quads, JSON-LD), spilling
    /// to a temporary file as [`Self::serialize_graph`] does.
    pub fn serialize_dataset(
        &self,
        format: RdfFormat,
        policy: SpillPolicy,
        token: &CancellationToken,
    ) -> Result<Answer, StoreError> {
        let max_bytes = policy.max_bytes;
        let mut serializer =
            RdfSerializer::from_format(format).for_writer(SpillWriter::new(policy));
        for quad in self.store.iter() {
            ensure_alive(token)?;
            serializer
                .serialize_quad(&quad?)
                .map_err(|e| write_error(e, max_bytes))?;
        }
        let writer = serializer.finish().map_err(|e| write_error(e, max_bytes))?;
        writer.finish().map_err(|e| write_error(e, max_bytes))
    }

    /// Parses each of `parts` (format and bytes) and, in one transaction, replaces the graph's
    /// content with them (`replace`, HTTP PUT) or adds them (HTTP POST). Relative IRIs resolve
    /// against `base_iri`. Returns whether the graph was created. A parse error changes nothing.
    pub fn write_graph(
        &self,
        target: &GraphTarget,
        replace: bool,
        parts: &[(RdfFormat, impl AsRef<[u8]>)],
        base_iri: Option<&str>,
        token: &CancellationToken,
    ) -> Result<bool, StoreError> {
        let _writing = self.lock_for_writing()?;
        // The request may have timed out while waiting for the lock: then it must not apply.
        ensure_alive(token)?;
        let graph_name = match target {
            GraphTarget::Default => GraphName::DefaultGraph,
            GraphTarget::Named(node) => node.clone().into(),
        };
        let created = !self.graph_exists(target)?;
        let mut transaction = self.store.start_transaction()?;
        if replace {
            transaction.clear_graph(target.as_ref())?;
        }
        if let GraphTarget::Named(node) = target {
            transaction.insert_named_graph(node);
        }
        for (format, body) in parts {
            crate::check_body(*format, body.as_ref())?;
            // A graph holds triples: a body naming other graphs is an error, not a side door.
            let mut parser = RdfParser::from_format(*format)
                .without_named_graphs()
                .with_default_graph(graph_name.clone());
            if let Some(base_iri) = base_iri {
                parser = parser.with_base_iri(base_iri).map_err(|e| {
                    StoreError::BadRequest(format!("invalid base IRI <{base_iri}>: {e}"))
                })?;
            }
            // Quad by quad, so that a write stopped at its deadline stops here too; blank
            // nodes get fresh names, as two bodies' `_:b0` are two nodes.
            let quads = parser.rename_blank_nodes().for_slice(body.as_ref());
            for (i, quad) in quads.enumerate() {
                let quad = quad.map_err(|e| locate(e.into(), *format, body.as_ref()))?;
                if i % CHECK_EVERY == 0 {
                    ensure_alive(token)?;
                }
                transaction.insert(quad.as_ref());
            }
        }
        self.commit_validated(transaction, &Scope::graph(graph_name), Some(token))?;
        Ok(created)
    }

    /// Deletes the graph (the default graph is emptied). Returns whether it existed.
    pub fn delete_graph(
        &self,
        target: &GraphTarget,
        token: &CancellationToken,
    ) -> Result<bool, StoreError> {
        let _writing = self.lock_for_writing()?;
        ensure_alive(token)?;
        let mut transaction = self.store.start_transaction()?;
        let (existed, graph_name) = match target {
            GraphTarget::Default => {
                transaction.clear_graph(GraphNameRef::DefaultGraph)?;
                (true, GraphName::DefaultGraph)
            }
            GraphTarget::Named(node) => {
                let existed = transaction.contains_named_graph(node)?;
                if existed {
                    transaction.remove_named_graph(node)?;
                }
                (existed, node.clone().into())
            }
        };
        // What linked into the graph must not be left dangling.
        self.commit_validated(transaction, &Scope::graph(graph_name), Some(token))?;
        Ok(existed)
    }
}

/// Adds the line and column to an RDF/XML syntax error, whose parser does not give them.
fn locate(error: StoreError, format: RdfFormat, body: &[u8]) -> StoreError {
    match error {
        StoreError::RdfSyntax {
            message,
            line: None,
            ..
        } if format == RdfFormat::RdfXml => {
            let (line, column) = crate::rdf_xml::locate_rdf_xml_error(body).unzip();
            StoreError::RdfSyntax {
                message,
                line,
                column,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph() -> GraphTarget {
        GraphTarget::Named(NamedNode::new("http://example.com/g").unwrap())
    }

    /// Writes Turtle into `target` (replacing it or adding to it); answers whether it was created.
    fn write(
        store: &PonteStore,
        target: &GraphTarget,
        replace: bool,
        turtle: &str,
    ) -> Result<bool, StoreError> {
        let body = [(RdfFormat::Turtle, turtle)];
        store.write_graph(target, replace, &body, None, &CancellationToken::new())
    }

    fn serialize(
        store: &PonteStore,
        target: &GraphTarget,
        max_bytes: usize,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let answer = store.serialize_graph(
            target,
            RdfFormat::NTriples,
            SpillPolicy::in_memory(max_bytes),
            &CancellationToken::new(),
        )?;
        Ok(answer.map(|answer| answer.into_bytes().unwrap()))
    }

    #[test]
    fn put_post_get_delete_round_trip() {
        let store = PonteStore::in_memory().unwrap();
        let g = graph();
        assert!(serialize(&store, &g, 1 << 20).unwrap().is_none());
        assert!(write(&store, &g, true, "<urn:a> <urn:p> 1 .").unwrap());
        assert!(!write(&store, &g, false, "<urn:a> <urn:p> 2 .").unwrap());
        let body = serialize(&store, &g, 1 << 20).unwrap().unwrap();
        assert_eq!(String::from_utf8(body).unwrap().lines().count(), 2);
        write(&store, &g, true, "<urn:a> <urn:p> 3 .").unwrap();
        // The triple, and the graph's content hash in the meta graph.
        assert_eq!(store.len().unwrap(), 2);
        assert!(store.delete_graph(&g, &CancellationToken::new()).unwrap());
        assert!(!store.delete_graph(&g, &CancellationToken::new()).unwrap());
    }

    #[test]
    fn a_bad_body_changes_nothing() {
        let store = PonteStore::in_memory().unwrap();
        let g = graph();
        write(&store, &g, true, "<urn:a> <urn:p> 1 .").unwrap();
        let error = write(&store, &g, true, "<urn:a> <urn:p> 2 .\n<urn:b> <urn:p> .").unwrap_err();
        assert!(
            matches!(error, StoreError::RdfSyntax { line: Some(2), .. }),
            "{error}"
        );
        // The first triple and its graph's content hash.
        assert_eq!(store.len().unwrap(), 2);
    }

    #[test]
    fn the_result_cap_is_enforced() {
        let store = PonteStore::in_memory().unwrap();
        let literal = "<urn:a> <urn:p> \"a long enough literal\" .";
        write(&store, &GraphTarget::Default, true, literal).unwrap();
        assert!(matches!(
            serialize(&store, &GraphTarget::Default, 10),
            Err(StoreError::ResultTooLarge(10))
        ));
    }
}
