//! Where a graph's facts come from.

#[allow(clippy::wildcard_imports)]
use super::*;

/// What a source page says of the document a graph was derived from.
pub(crate) struct DerivedFrom {
    pub(crate) title: String,
    pub(crate) facts: Vec<FactRow>,
}

#[derive(Template)]
#[template(path = "source.html")]
pub(crate) struct SourceTemplate<'a> {
    pub(crate) page: &'a Page,
    pub(crate) w: &'static Words,
    pub(crate) title: String,
    pub(crate) graph: GraphItem,
    pub(crate) facts: Vec<FactRow>,
    pub(crate) derived_from: Vec<DerivedFrom>,
}

/// `/source?graph=…`: where the facts of one graph come from: the file or import it was
/// loaded from, when, its hash and size, what the graph says of itself and of the document it
/// was derived from, and its content to download.
pub fn source_page(app: &App, page: &Page, graph: &str) -> Result<String, AppError> {
    let w = page.words();
    let lang = page.lang;
    let Some(item) = app
        .graphs(&page.origin)?
        .items
        .into_iter()
        .find(|item| item.id == graph)
    else {
        return Err(AppError::NotFound {
            detail: format!("no loaded graph is named {graph:?}"),
            parameter: Some("graph".into()),
        });
    };
    let mut names = Names::new(app, lang);
    let described = |iri: &str| -> Result<Option<EntityView>, AppError> {
        let Ok(iri) = NamedNode::new(iri) else {
            return Ok(None);
        };
        match app.entity(None, &iri) {
            Ok(view) => Ok(Some(view)),
            Err(AppError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    };
    let mut title = names.of(&item.id)?;
    let mut facts = Vec::new();
    let mut derived_from = Vec::new();
    if let Some(view) = described(&item.id)? {
        title = dcterms_title(&view, lang).unwrap_or(title);
        facts = fact_rows(&mut names, &view)?.1;
        for triple in &view.triples {
            if triple.predicate.as_str() != PROV_WAS_DERIVED_FROM {
                continue;
            }
            let Term::NamedNode(document) = &triple.object else {
                continue;
            };
            if let Some(view) = described(document.as_str())? {
                derived_from.push(DerivedFrom {
                    title: dcterms_title(&view, lang)
                        .unwrap_or_else(|| local_name(document.as_str()).to_owned()),
                    facts: fact_rows(&mut names, &view)?.1,
                });
            }
        }
    }
    render(&SourceTemplate {
        page,
        w,
        title,
        graph: item,
        facts,
        derived_from,
    })
}

pub(crate) const PROV_WAS_DERIVED_FROM: &str = "http://www.w3.org/ns/prov#wasDerivedFrom";

/// The `dcterms:title` of a described thing (a graph, a document) in `lang`, else another.
pub(crate) fn dcterms_title(view: &EntityView, lang: Lang) -> Option<String> {
    let titles: Vec<_> = view
        .triples
        .iter()
        .filter(|t| t.predicate.as_str() == "http://purl.org/dc/terms/title")
        .filter_map(|t| match &t.object {
            Term::Literal(literal) => Some(literal.clone()),
            _ => None,
        })
        .collect();
    name_in(&names::language_map(&titles), lang)
}
