//! The seeded store against what the source documents say: every entity they name is there,
//! and the analysts' questions (`docs/queries/`) get their expected answers; and how the store
//! answers what any data asks of it (the default graph as a set, strings made by queries).

mod analyst_queries;
mod default_graph;
mod made_strings;
mod seed_entities;
