//! The home page: what the graph holds, by collection and kind, its missions, the foreign
//! ecosystems and the sources of the data.

#[allow(clippy::wildcard_imports)]
use super::*;

/// One collection on the home page.
pub(crate) struct CollectionCount {
    pub(crate) name: &'static str,
    pub(crate) label: &'static str,
    pub(crate) total: usize,
}

/// One source of the data on the home page.
pub(crate) struct SourceCount {
    pub(crate) source: String,
    pub(crate) graph: String,
    pub(crate) triples: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
pub(crate) struct HomeTemplate<'a> {
    pub(crate) page: &'a Page,
    pub(crate) w: &'static Words,
    pub(crate) title: String,
    pub(crate) collections: Vec<CollectionCount>,
    pub(crate) missions: Vec<Link>,
    pub(crate) sources: Vec<SourceCount>,
    pub(crate) ecosystems: Vec<EcosystemCount>,
    pub(crate) kinds: Vec<KindCount>,
}

/// `/`: a search box, what the graph holds by collection, the missions, the sources.
pub fn home_page(app: &App, page: &Page) -> Result<String, AppError> {
    let w = page.words();
    let overview = app.overview()?;
    let collections = overview
        .totals
        .iter()
        .map(|(name, total)| CollectionCount {
            name,
            label: w.collection(name),
            total: *total,
        })
        .collect();
    let missions = overview
        .missions
        .iter()
        .map(|m| Link::to(&m.iri, &m.names, page.lang))
        .collect();
    let sources = overview
        .graphs
        .iter()
        .filter_map(|g| {
            g.source.as_ref().map(|source| SourceCount {
                source: source.clone(),
                graph: g.id.clone(),
                triples: g.triples,
            })
        })
        .collect();
    let kinds = overview
        .actors
        .kinds
        .iter()
        .map(|k| KindCount {
            label: facet_label(k, page.lang, false),
            count: k.count,
            href: format!("/actors?kind={}", encode(&k.value)),
        })
        .collect();
    render(&HomeTemplate {
        page,
        w,
        kinds,
        ecosystems: foreign_ecosystems(&overview, page.lang),
        title: "Ponte".into(),
        collections,
        missions,
        sources,
    })
}
