//! The foreign ecosystems: each one's actors by kind, brokers and gaps.

#[allow(clippy::wildcard_imports)]
use super::*;

/// One kind of actor in an ecosystem, with how many there are.
pub(crate) struct KindCount {
    pub(crate) label: String,
    pub(crate) count: usize,
    pub(crate) href: String,
}

/// A broker towards an ecosystem, with its bridging paths.
pub(crate) struct BrokerRow {
    pub(crate) link: Link,
    pub(crate) betweenness: f64,
    pub(crate) evidence: Vec<Vec<Statement>>,
}

/// A topic the home region works on with no partner in the ecosystem yet.
pub(crate) struct GapRow {
    pub(crate) link: Link,
    pub(crate) home: Vec<Link>,
    pub(crate) foreign: Vec<Link>,
}

#[derive(Template)]
#[template(path = "ecosystem.html")]
pub(crate) struct EcosystemTemplate<'a> {
    pub(crate) page: &'a Page,
    pub(crate) w: &'static Words,
    pub(crate) title: String,
    pub(crate) kinds: Vec<KindCount>,
    pub(crate) actors: Vec<Link>,
    pub(crate) total: usize,
    pub(crate) brokers: Vec<BrokerRow>,
    pub(crate) gaps: Vec<GapRow>,
}

/// `/ecosystems/{code}`: a foreign ecosystem (a country or region code): its actors by kind,
/// the brokers from Emilia-Romagna towards it with their bridging paths, and the topics with
/// no partner there yet. The same operations as `/api/actors?country=…`, `/api/brokers` and
/// `/api/gaps`.
pub fn ecosystem_page(app: &App, page: &Page, code: &str) -> Result<String, AppError> {
    let w = page.words();
    let lang = page.lang;
    let code = code.to_ascii_uppercase();
    if code == HOME_COUNTRY || !app.place_codes()?.contains(&code) {
        return Err(AppError::not_found(format!(
            "{code:?} is no foreign ecosystem of the data: see /ecosystems"
        )));
    }
    let actors = CollectionName::Actors.collection();
    let mut request = ListRequest::default();
    if code.contains('-') {
        request.filters.region.push(code.clone());
    } else {
        request.filters.country.push(code.clone());
    }
    let facets = app.facets(Some(actors), &request)?;
    let mut listing = request.clone();
    listing.paging.limit = Some("100".into());
    let answer = app.list(Some(actors), &listing, &page.origin)?;
    let filter_param = if code.contains('-') {
        "region"
    } else {
        "country"
    };
    let kinds = facets
        .kinds
        .iter()
        .map(|k| KindCount {
            label: facet_label(k, lang, false),
            count: k.count,
            href: format!(
                "/actors?{filter_param}={}&kind={}",
                encode(&code),
                encode(&k.value)
            ),
        })
        .collect();
    let scope = EcosystemScope {
        from: None,
        to: vec![code.clone()],
        limit: None,
    };
    let mut names = Names::new(app, lang);
    let mut brokers = Vec::new();
    for ecosystem in app.brokers(&scope, &page.origin)?.items {
        for broker in ecosystem.brokers {
            brokers.push(BrokerRow {
                link: Link::to(&broker.id, &broker.label, lang),
                betweenness: broker.betweenness,
                evidence: statements(&mut names, &broker.evidence)?,
            });
        }
    }
    let mut gaps = Vec::new();
    for gap in app.gaps(&scope, &page.origin)?.items {
        let linked = |iris: &[String]| -> Result<Vec<Link>, AppError> {
            iris.iter()
                .map(|iri| Ok(Link::to(iri, &app.names_of(iri)?, lang)))
                .collect()
        };
        gaps.push(GapRow {
            link: Link::to(&gap.id, &gap.label, lang),
            home: linked(&gap.regional_actors)?,
            foreign: linked(&gap.foreign_actors)?,
        });
    }
    render(&EcosystemTemplate {
        page,
        w,
        title: format!("{}: {}", w.ecosystem, ecosystem_name(app, &code, lang)?),
        kinds,
        actors: answer
            .items
            .iter()
            .map(|item| item_link(item, lang))
            .collect(),
        total: answer.head.total_items,
        brokers,
        gaps,
    })
}

/// A foreign ecosystem on the index: its code and how many actors it holds.
pub(crate) struct EcosystemCount {
    pub(crate) code: String,
    pub(crate) label: String,
    pub(crate) count: usize,
}

#[derive(Template)]
#[template(path = "ecosystems.html")]
pub(crate) struct EcosystemsTemplate<'a> {
    pub(crate) page: &'a Page,
    pub(crate) w: &'static Words,
    pub(crate) title: &'static str,
    pub(crate) ecosystems: Vec<EcosystemCount>,
}

/// Every country the actors are in but the home one (Italy), most actors first.
pub(crate) fn foreign_ecosystems(overview: &Overview, lang: Lang) -> Vec<EcosystemCount> {
    overview
        .actors
        .countries
        .iter()
        .filter(|c| c.value != HOME_COUNTRY)
        .map(|c| EcosystemCount {
            code: c.value.clone(),
            label: facet_label(c, lang, true),
            count: c.count,
        })
        .collect()
}

/// The home country: its actors are the region's, not a foreign ecosystem.
pub(crate) const HOME_COUNTRY: &str = "IT";

/// `/ecosystems`: the foreign ecosystems the data holds.
pub fn ecosystems_page(app: &App, page: &Page) -> Result<String, AppError> {
    let w = page.words();
    render(&EcosystemsTemplate {
        page,
        w,
        title: w.ecosystems,
        ecosystems: foreign_ecosystems(&*app.overview()?, page.lang),
    })
}

/// An ecosystem's name: its place's name with the code (`South Korea (KR)`), else the code.
pub(crate) fn ecosystem_name(app: &App, code: &str, lang: Lang) -> Result<String, AppError> {
    let overview = app.overview()?;
    let known = overview
        .actors
        .countries
        .iter()
        .chain(&overview.actors.regions)
        .find(|c| c.value == code);
    Ok(known.map_or_else(|| code.to_owned(), |c| facet_label(c, lang, true)))
}
