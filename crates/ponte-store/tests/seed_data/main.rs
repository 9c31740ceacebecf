//! The seeded store against what the source documents say: every entity they name is there,
//! and the analysts' questions (`docs/queries/`) get their expected answers.

mod analyst_queries;
mod default_graph;
mod seed_entities;
