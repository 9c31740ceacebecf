//! Times each query file in-process: `raw` (oxigraph's own parse + evaluate + JSON) or `ponte`
//! (Ponte's guarded parse + evaluate_query), to separate engine time from Ponte's own work.
#![allow(missing_docs)]
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use ponte_store::PonteStore;
use ponte_store::RdfFormat;
use ponte_store::sparql::{OutputFormat, ProtocolDataset, QueryKind, Services, parse_query};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, location, reps) = (&args[1], &args[2], args[3].parse::<usize>().unwrap());
    let files = &args[4..];
    let raw = (mode == "raw").then(|| Store::open(location).unwrap());
    let ponte = (mode != "raw").then(|| PonteStore::open(location.as_ref()).unwrap());
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..reps {
            let start = Instant::now();
            if let Some(store) = &raw {
                let mut q = SparqlEvaluator::new().parse_query(&text).unwrap();
                q.dataset_mut().set_default_graph_as_union();
                let out = match q.on_store(store).execute().unwrap() {
                    QueryResults::Solutions(s) => {
                        let mut ser = QueryResultsSerializer::from_format(QueryResultsFormat::Json)
                            .serialize_solutions_to_writer(Vec::new(), s.variables().to_vec())
                            .unwrap();
                        for sol in s {
                            ser.serialize(&sol.unwrap()).unwrap();
                        }
                        ser.finish().unwrap()
                    }
                    QueryResults::Graph(t) => {
                        let mut ser = oxigraph::io::RdfSerializer::from_format(RdfFormat::NTriples)
                            .for_writer(Vec::new());
                        for triple in t {
                            ser.serialize_triple(&triple.unwrap()).unwrap();
                        }
                        ser.finish().unwrap()
                    }
                    _ => Vec::new(),
                };
                size = out.len();
            } else if let Some(store) = &ponte {
                let parsed = parse_query(
                    &text,
                    None,
                    &ProtocolDataset::default(),
                    true,
                    &Services::default(),
                    CancellationToken::new(),
                )
                .unwrap();
                let format = match parsed.kind() {
                    QueryKind::Graph => OutputFormat::Rdf(RdfFormat::NTriples),
                    _ => OutputFormat::Results(QueryResultsFormat::Json),
                };
                let out = store.evaluate_query(parsed, format, usize::MAX).unwrap();
                size = out.len();
            }
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "{mode} {} p50 {:.3} ms min {:.3} bytes {size}",
            file.rsplit('/').next().unwrap(),
            times[reps / 2],
            times[0]
        );
    }
}
