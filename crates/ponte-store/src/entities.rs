//! Reading entities for the REST API: who is an instance of a kind, what the store says about an
//! entity, and the names of what it links to. Index lookups with terms, never SPARQL text, so no
//! request value can change what is asked.

use crate::vocab::{GRAPH_PREFIX, META_GRAPH, PONTE};
use crate::{PonteStore, StoreError};
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{
    GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term, TermRef, Triple,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// `skos:prefLabel`: topics are named with it rather than `rdfs:label`.
const SKOS_PREF_LABEL: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#prefLabel");

/// Properties that name an entity, searched first.
const NAME_PROPERTIES: [&str; 4] = [
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://xmlns.com/foaf/0.1/name",
];

/// Properties that describe an entity in prose, searched with less weight.
const TEXT_PROPERTIES: [&str; 3] = [
    "http://purl.org/dc/terms/description",
    "http://www.w3.org/2000/01/rdf-schema#comment",
    "http://www.w3.org/2004/02/skos/core#definition",
];

/// A point on a map, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
    /// Whether it stands for a region (the centre of its known places), not the entity's own
    /// place.
    pub approximate: bool,
}

impl Point {
    fn exact(lat: f64, lng: f64) -> Self {
        Self {
            lat,
            lng,
            approximate: false,
        }
    }
}

/// What the search index holds of one entity.
#[derive(Debug, Clone, Default)]
pub struct SearchableText {
    /// Its names, in any language.
    pub names: Vec<String>,
    /// Its descriptions.
    pub texts: Vec<String>,
}

impl PonteStore {
    /// `class` and every class below it in the store's `rdfs:subClassOf` hierarchy.
    pub fn subclasses(&self, class: NamedNodeRef<'_>) -> Result<HashSet<NamedNode>, StoreError> {
        self.closure(&class.into_owned(), &[], &[rdfs::SUB_CLASS_OF.as_str()])
    }

    /// The kinds of actor that naturally partner with an actor of `class`: those the ontology
    /// says complement it (`ponte:complements`, read both ways) or one of its superclasses,
    /// with all their subclasses. An IRCCS gets what a hospital gets; a startup what a company
    /// gets.
    pub fn complementary_classes(
        &self,
        class: NamedNodeRef<'_>,
    ) -> Result<HashSet<NamedNode>, StoreError> {
        let above = self.closure(&class.into_owned(), &[rdfs::SUB_CLASS_OF.as_str()], &[])?;
        let mut complements = HashSet::new();
        for class in &above {
            // `ponte:complements` is read both ways.
            complements.extend(self.objects(class, &[COMPLEMENTS])?);
            complements.extend(self.subjects(class, COMPLEMENTS)?);
        }
        let mut all = HashSet::new();
        for class in complements {
            all.extend(self.subclasses(class.as_ref())?);
        }
        Ok(all)
    }

    /// The IRIs typed with one of `classes`, in IRI order, each once.
    pub fn instances(
        &self,
        classes: &HashSet<NamedNode>,
    ) -> Result<BTreeSet<NamedNode>, StoreError> {
        let mut instances = BTreeSet::new();
        for class in classes {
            for quad in self.store.quads_for_pattern(
                None,
                Some(rdf::TYPE),
                Some(class.as_ref().into()),
                None,
            ) {
                if let NamedOrBlankNode::NamedNode(node) = quad?.subject
                    && !is_meta(&node)
                {
                    instances.insert(node);
                }
            }
        }
        Ok(instances)
    }

    /// Whether some statement of the store has `property` as its predicate (one index seek).
    pub fn is_used_property(&self, property: NamedNodeRef<'_>) -> Result<bool, StoreError> {
        Ok(self
            .store
            .quads_for_pattern(None, Some(property), None, None)
            .next()
            .transpose()?
            .is_some())
    }

    /// Whether something of the store is typed with `class` (one index seek).
    pub fn is_used_class(&self, class: NamedNodeRef<'_>) -> Result<bool, StoreError> {
        Ok(self
            .store
            .quads_for_pattern(None, Some(rdf::TYPE), Some(class.into()), None)
            .next()
            .transpose()?
            .is_some())
    }

    /// The `rdf:type` triples of `entity`, each once: what a listing shows of its kind.
    pub fn types(&self, entity: NamedNodeRef<'_>) -> Result<Vec<Triple>, StoreError> {
        let mut triples = Vec::new();
        for quad in self
            .store
            .quads_for_pattern(Some(entity.into()), Some(rdf::TYPE), None, None)
        {
            triples.push(Triple::from(quad?));
        }
        triples.sort_by_cached_key(|t| t.object.to_string());
        triples.dedup();
        Ok(triples)
    }

    /// Every triple with `entity` as subject, from all its sources, each once, in a stable
    /// order; empty when the store knows nothing about it.
    pub fn description(&self, entity: NamedNodeRef<'_>) -> Result<Vec<Triple>, StoreError> {
        Ok(distinct_triples(&self.sourced_quads(entity)?))
    }

    /// Every quad with `entity` as subject in the graphs of data (not the store's own
    /// record of its graphs), each in its source graph.
    pub fn sourced_quads(&self, entity: NamedNodeRef<'_>) -> Result<Vec<Quad>, StoreError> {
        let mut quads = Vec::new();
        for quad in self
            .store
            .quads_for_pattern(Some(entity.into()), None, None, None)
        {
            let quad = quad?;
            if quad.graph_name.as_ref() != GraphNameRef::NamedNode(META_GRAPH) {
                quads.push(quad);
            }
        }
        Ok(quads)
    }

    /// The names of `node` and the property that gives them: its `rdfs:label`s, or its
    /// `skos:prefLabel`s when it has none.
    pub fn labels(
        &self,
        node: TermRef<'_>,
    ) -> Result<Option<(NamedNode, Vec<Literal>)>, StoreError> {
        let subject = match node {
            TermRef::NamedNode(n) => NamedOrBlankNode::from(n.into_owned()),
            TermRef::BlankNode(b) => NamedOrBlankNode::from(b.into_owned()),
            _ => return Ok(None),
        };
        for predicate in [rdfs::LABEL, SKOS_PREF_LABEL] {
            let mut labels = Vec::new();
            for quad in
                self.store
                    .quads_for_pattern(Some(subject.as_ref()), Some(predicate), None, None)
            {
                if let Term::Literal(label) = quad?.object {
                    labels.push(label);
                }
            }
            if !labels.is_empty() {
                labels.sort_by_cached_key(ToString::to_string);
                labels.dedup();
                return Ok(Some((predicate.into_owned(), labels)));
            }
        }
        Ok(None)
    }
}

impl PonteStore {
    /// The names and descriptions of every entity that has a name, by IRI; the ontology's own
    /// classes and properties are left out (they name kinds, not ecosystem entities).
    pub fn searchable_texts(
        &self,
    ) -> Result<std::collections::BTreeMap<NamedNode, SearchableText>, StoreError> {
        let mut texts: std::collections::BTreeMap<NamedNode, SearchableText> = Default::default();
        for (properties, is_name) in [(&NAME_PROPERTIES[..], true), (&TEXT_PROPERTIES[..], false)] {
            for property in properties {
                let property = NamedNodeRef::new_unchecked(property);
                for quad in self
                    .store
                    .quads_for_pattern(None, Some(property), None, None)
                {
                    let quad = quad?;
                    let (NamedOrBlankNode::NamedNode(subject), Term::Literal(text)) =
                        (quad.subject, quad.object)
                    else {
                        continue;
                    };
                    if is_meta(&subject) || subject.as_str().starts_with(PONTE) {
                        continue;
                    }
                    let entry = texts.entry(subject).or_default();
                    let list = if is_name {
                        &mut entry.names
                    } else {
                        &mut entry.texts
                    };
                    list.push(text.value().to_owned());
                }
            }
        }
        texts.retain(|_, t| !t.names.is_empty());
        Ok(texts)
    }
}

/// Whether `node` is one of Ponte's graphs (described in the meta graph), not an entity.
fn is_meta(node: &NamedNode) -> bool {
    node.as_str().starts_with(GRAPH_PREFIX)
}

/// Narrows a listing: an entity passes when it matches every non-empty criterion (and any
/// value within one).
#[derive(Debug, Clone, Default)]
pub struct EntityFilter {
    /// ISO 3166-1 alpha-2 codes (`IT`): where the entity is, through its places.
    pub countries: Vec<String>,
    /// ISO 3166-2 (`IT-45`) or NUTS codes of a region the entity is in.
    pub regions: Vec<String>,
    /// Topics, each standing for itself and everything narrower.
    pub topics: Vec<NamedNode>,
    /// Missions the entity took part in (directly, or in one of their stages or events).
    pub missions: Vec<NamedNode>,
    /// Programmes the entity took part in (directly, or in a mission they include).
    pub programmes: Vec<NamedNode>,
}

/// The triples of `quads`, each once, in a stable order: a description from its sourced quads.
pub fn distinct_triples(quads: &[Quad]) -> Vec<Triple> {
    let mut triples: Vec<Triple> = quads.iter().cloned().map(Triple::from).collect();
    // The same fact from several sources is one triple; N-Triples order is stable.
    triples.sort_by_cached_key(ToString::to_string);
    triples.dedup();
    triples
}

/// The values an entity has for the list filters (see [`PonteStore::facet_values`]).
#[derive(Debug, Default)]
pub struct FacetValues {
    /// ISO 3166-1, ISO 3166-2 and NUTS codes of its places, upper-cased.
    pub codes: HashSet<String>,
    /// Its topics (not their broader ones).
    pub topics: HashSet<NamedNode>,
    /// The activities it took part in, with those they are part of.
    pub activities: HashSet<NamedNode>,
}

/// The codes of places already read (with the places they are in), for one request.
#[derive(Debug, Default)]
pub struct PlaceMemo(Mutex<HashMap<NamedNode, Arc<HashSet<String>>>>);

impl PlaceMemo {
    fn known(&self, place: &NamedNode) -> Option<Arc<HashSet<String>>> {
        let known = self.0.lock().unwrap_or_else(|e| e.into_inner());
        known.get(place).cloned()
    }

    fn keep(&self, place: &NamedNode, codes: Arc<HashSet<String>>) {
        let mut known = self.0.lock().unwrap_or_else(|e| e.into_inner());
        known.insert(place.clone(), codes);
    }
}

/// A filter with its topic, mission and programme sets expanded once per request.
pub struct PreparedFilter {
    /// The codes of the places seen so far, shared by the entities of one request.
    places: PlaceMemo,
    countries: Vec<String>,
    regions: Vec<String>,
    topics: Option<HashSet<NamedNode>>,
    activities: Option<Vec<HashSet<NamedNode>>>,
}

impl PonteStore {
    /// Expands `filter` against the store: topics with their narrower topics, missions with
    /// their stages and events, programmes with their missions.
    pub fn prepare_filter(&self, filter: &EntityFilter) -> Result<PreparedFilter, StoreError> {
        let topics = if filter.topics.is_empty() {
            None
        } else {
            let mut all = HashSet::new();
            for topic in &filter.topics {
                all.extend(self.closure(topic, &[SKOS_NARROWER], &[SKOS_BROADER])?);
            }
            Some(all)
        };
        let mut activities = Vec::new();
        if !filter.missions.is_empty() {
            let mut all = HashSet::new();
            for mission in &filter.missions {
                all.extend(self.closure(mission, &[], &[SUPER_EVENT])?);
            }
            activities.push(all);
        }
        if !filter.programmes.is_empty() {
            let mut all = HashSet::new();
            for programme in &filter.programmes {
                all.extend(self.programme_activities(programme)?);
            }
            activities.push(all);
        }
        Ok(PreparedFilter {
            places: PlaceMemo::default(),
            countries: filter.countries.iter().map(|c| c.to_uppercase()).collect(),
            regions: filter.regions.iter().map(|r| r.to_uppercase()).collect(),
            topics,
            activities: (!activities.is_empty()).then_some(activities),
        })
    }

    /// `programme` and everything taking part in it means taking part in the programme: its
    /// phases, its missions, their stages and events.
    pub fn programme_activities(
        &self,
        programme: &NamedNode,
    ) -> Result<HashSet<NamedNode>, StoreError> {
        let mut all = HashSet::new();
        for part in self.closure(programme, &[INCLUDES_MISSION, HAS_PHASE], &[])? {
            all.extend(self.closure(&part, &[], &[SUPER_EVENT])?);
        }
        Ok(all)
    }

    /// Whether `entity` passes `filter`.
    pub fn passes(&self, entity: &NamedNode, filter: &PreparedFilter) -> Result<bool, StoreError> {
        if !filter.countries.is_empty() || !filter.regions.is_empty() {
            let codes = self.place_codes_with(entity, &filter.places)?;
            if !filter.countries.is_empty()
                && !codes.iter().any(|code| {
                    filter
                        .countries
                        .iter()
                        // `IT` itself, or a subdivision of it such as `IT-45`.
                        .any(|c| {
                            code.strip_prefix(c.as_str())
                                .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
                        })
                })
            {
                return Ok(false);
            }
            if !filter.regions.is_empty() && !codes.iter().any(|code| filter.regions.contains(code))
            {
                return Ok(false);
            }
        }
        if let Some(topics) = &filter.topics {
            let linked = self.objects(entity, &[DCTERMS_SUBJECT, INTERESTED_IN, HAS_COMPETENCE])?;
            if linked.is_disjoint(topics) {
                return Ok(false);
            }
        }
        if let Some(activities) = &filter.activities {
            let took_part = self.objects(entity, &[PARTICIPATED_IN])?;
            // The entity may be the activity's organiser or host, or a stage of it.
            for wanted in activities {
                if took_part.is_disjoint(wanted) && !wanted.contains(entity) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    /// What the list filters of an entity look at, read once, for facet counts: its place
    /// codes, the topics it is about, works on or is interested in, and the activities it
    /// took part in with every activity they are part of (a stage's mission).
    pub fn facet_values(
        &self,
        entity: &NamedNode,
        memo: &PlaceMemo,
    ) -> Result<FacetValues, StoreError> {
        let mut activities = HashSet::new();
        for activity in self.objects(entity, &[PARTICIPATED_IN])? {
            activities.extend(self.closure(&activity, &[SUPER_EVENT], &[])?);
        }
        Ok(FacetValues {
            codes: self.place_codes_with(entity, memo)?,
            topics: self.objects(entity, &[DCTERMS_SUBJECT, INTERESTED_IN, HAS_COMPETENCE])?,
            activities,
        })
    }

    /// The place whose ISO 3166 code is `code` (`KR`, `US-MA`), if the store has one.
    pub fn place_with_code(&self, code: &str) -> Result<Option<NamedNode>, StoreError> {
        let literal = oxigraph::model::Literal::new_simple_literal(code);
        for quad in self.store.quads_for_pattern(
            None,
            Some(NamedNodeRef::new_unchecked(ISO_CODE)),
            Some(literal.as_ref().into()),
            None,
        ) {
            if let NamedOrBlankNode::NamedNode(place) = quad?.subject {
                return Ok(Some(place));
            }
        }
        Ok(None)
    }

    /// Where `entity` is on a map: its own `schema:latitude`/`longitude` (an organisation's
    /// point, from ROR), else those of the first place it is located in that has them (a
    /// city), else, for a region or area without a point of its own, the centre of the places
    /// the store has in it (marked approximate); `None` when none of these says.
    pub fn coordinates(&self, entity: &NamedNode) -> Result<Option<Point>, StoreError> {
        if let Some((lat, lng)) = self.own_point(entity)? {
            return Ok(Some(Point::exact(lat, lng)));
        }
        let mut places: Vec<NamedNode> = self.objects(entity, &[LOCATION])?.into_iter().collect();
        places.sort();
        for place in &places {
            if let Some((lat, lng)) = self.own_point(place)? {
                return Ok(Some(Point::exact(lat, lng)));
            }
        }
        for place in &places {
            if let Some(point) = self.centre_of_parts(place)? {
                return Ok(Some(point));
            }
        }
        Ok(None)
    }

    /// The mean point of the places in `place` (`schema:containedInPlace` it) that have one;
    /// `None` for a country (its parts may be an ocean apart: the map draws countries as
    /// shapes) or a place with no part that has a point.
    fn centre_of_parts(&self, place: &NamedNode) -> Result<Option<Point>, StoreError> {
        let country = self
            .store
            .quads_for_pattern(
                Some(place.as_ref().into()),
                Some(rdf::TYPE),
                Some(NamedNodeRef::new_unchecked(COUNTRY).into()),
                None,
            )
            .next()
            .is_some();
        if country {
            return Ok(None);
        }
        let mut parts = BTreeSet::new();
        for quad in self.store.quads_for_pattern(
            None,
            Some(NamedNodeRef::new_unchecked(CONTAINED_IN_PLACE)),
            Some(place.as_ref().into()),
            None,
        ) {
            if let NamedOrBlankNode::NamedNode(part) = quad?.subject {
                parts.insert(part);
            }
        }
        let mut points = Vec::new();
        for part in &parts {
            if let Some(point) = self.own_point(part)? {
                points.push(point);
            }
        }
        if points.is_empty() {
            return Ok(None);
        }
        let n = points.len() as f64;
        let lat = points.iter().map(|p| p.0).sum::<f64>() / n;
        let lng = points.iter().map(|p| p.1).sum::<f64>() / n;
        Ok(Some(Point {
            lat,
            lng,
            approximate: true,
        }))
    }

    /// The latitude and longitude `node` states itself.
    fn own_point(&self, node: &NamedNode) -> Result<Option<(f64, f64)>, StoreError> {
        let number = |predicate: &str| -> Result<Option<f64>, StoreError> {
            for quad in self.store.quads_for_pattern(
                Some(node.as_ref().into()),
                Some(NamedNodeRef::new_unchecked(predicate)),
                None,
                None,
            ) {
                if let Term::Literal(value) = quad?.object
                    && let Ok(number) = value.value().parse::<f64>()
                {
                    return Ok(Some(number));
                }
            }
            Ok(None)
        };
        Ok(match (number(LATITUDE)?, number(LONGITUDE)?) {
            (Some(lat), Some(lng)) => Some((lat, lng)),
            _ => None,
        })
    }

    /// The ISO 3166 and NUTS codes of every place `entity` is in, up the place hierarchy,
    /// upper-cased: an actor in Bologna gets `IT-45`, `ITH5`, `IT` and the like.
    pub fn place_codes(&self, entity: &NamedNode) -> Result<HashSet<String>, StoreError> {
        self.place_codes_with(entity, &PlaceMemo::default())
    }

    /// [`PonteStore::place_codes`], with the codes of each place (and the places it is in)
    /// read once per `memo`: thousands of actors share a few hundred cities.
    pub fn place_codes_with(
        &self,
        entity: &NamedNode,
        memo: &PlaceMemo,
    ) -> Result<HashSet<String>, StoreError> {
        let (mut codes, parents) = self.own_codes(entity, &[LOCATION, CONTAINED_IN_PLACE])?;
        for place in parents {
            codes.extend(self.codes_of_place(&place, memo)?.iter().cloned());
        }
        Ok(codes)
    }

    /// The codes `node` states itself, and the places it links to through `up`. Each
    /// property is looked up by itself: reading all of an entity's quads would decode every
    /// name and description it has, which is most of the cost on a large store.
    fn own_codes(
        &self,
        node: &NamedNode,
        up: &[&str],
    ) -> Result<(HashSet<String>, Vec<NamedNode>), StoreError> {
        let mut codes = HashSet::new();
        let mut parents = Vec::new();
        for predicate in [ISO_CODE, NUTS_CODE, ADDRESS_COUNTRY, ADDRESS_REGION]
            .iter()
            .chain(up)
        {
            for quad in self.store.quads_for_pattern(
                Some(node.as_ref().into()),
                Some(NamedNodeRef::new_unchecked(predicate)),
                None,
                None,
            ) {
                match quad?.object {
                    Term::Literal(code) if !up.contains(predicate) => {
                        codes.insert(code.value().to_uppercase());
                    }
                    Term::NamedNode(parent) if up.contains(predicate) => parents.push(parent),
                    _ => {}
                }
            }
        }
        Ok((codes, parents))
    }

    /// The codes of `place` and of every place it is in, from `memo` or read into it.
    fn codes_of_place(
        &self,
        place: &NamedNode,
        memo: &PlaceMemo,
    ) -> Result<Arc<HashSet<String>>, StoreError> {
        if let Some(codes) = memo.known(place) {
            return Ok(codes);
        }
        let mut seen = HashSet::new();
        let mut codes = HashSet::new();
        let mut frontier = vec![place.clone()];
        while let Some(place) = frontier.pop() {
            if !seen.insert(place.clone()) {
                continue;
            }
            let (own, parents) = self.own_codes(&place, &[CONTAINED_IN_PLACE])?;
            codes.extend(own);
            frontier.extend(parents);
        }
        let codes = Arc::new(codes);
        memo.keep(place, Arc::clone(&codes));
        Ok(codes)
    }

    /// The IRIs `entity` links to through `predicates`.
    fn objects(
        &self,
        entity: &NamedNode,
        predicates: &[&str],
    ) -> Result<HashSet<NamedNode>, StoreError> {
        let mut objects = HashSet::new();
        for predicate in predicates {
            for quad in self.store.quads_for_pattern(
                Some(entity.as_ref().into()),
                Some(NamedNodeRef::new_unchecked(predicate)),
                None,
                None,
            ) {
                if let Term::NamedNode(object) = quad?.object {
                    objects.insert(object);
                }
            }
        }
        Ok(objects)
    }

    /// `start` and every node reached from it by following `forward` links, or `backward`
    /// links in reverse, any number of times.
    /// The IRIs that are `subject predicate node` in any graph.
    fn subjects(
        &self,
        node: &NamedNode,
        predicate: &str,
    ) -> Result<HashSet<NamedNode>, StoreError> {
        let mut found = HashSet::new();
        for quad in self.store.quads_for_pattern(
            None,
            Some(NamedNodeRef::new_unchecked(predicate)),
            Some(node.as_ref().into()),
            None,
        ) {
            if let NamedOrBlankNode::NamedNode(subject) = quad?.subject {
                found.insert(subject);
            }
        }
        Ok(found)
    }

    fn closure(
        &self,
        start: &NamedNode,
        forward: &[&str],
        backward: &[&str],
    ) -> Result<HashSet<NamedNode>, StoreError> {
        let mut all = HashSet::from([start.clone()]);
        let mut frontier = vec![start.clone()];
        while let Some(node) = frontier.pop() {
            let mut next = self.objects(&node, forward)?;
            for predicate in backward {
                next.extend(self.subjects(&node, predicate)?);
            }
            for found in next {
                if all.insert(found.clone()) {
                    frontier.push(found);
                }
            }
        }
        Ok(all)
    }
}

const SKOS_NARROWER: &str = "http://www.w3.org/2004/02/skos/core#narrower";
const COMPLEMENTS: &str = "https://w3id.org/ponte/ontology#complements";
const SKOS_BROADER: &str = "http://www.w3.org/2004/02/skos/core#broader";
const DCTERMS_SUBJECT: &str = "http://purl.org/dc/terms/subject";
const LATITUDE: &str = "http://schema.org/latitude";
const LONGITUDE: &str = "http://schema.org/longitude";
const INTERESTED_IN: &str = "https://w3id.org/ponte/ontology#interestedIn";
const HAS_COMPETENCE: &str = "https://w3id.org/ponte/ontology#hasCompetence";
const PARTICIPATED_IN: &str = "https://w3id.org/ponte/ontology#participatedIn";
const INCLUDES_MISSION: &str = "https://w3id.org/ponte/ontology#includesMission";
const HAS_PHASE: &str = "https://w3id.org/ponte/ontology#hasPhase";
const SUPER_EVENT: &str = "http://schema.org/superEvent";
const LOCATION: &str = "http://schema.org/location";
const CONTAINED_IN_PLACE: &str = "http://schema.org/containedInPlace";
const COUNTRY: &str = "https://w3id.org/ponte/ontology#Country";
const ADDRESS_COUNTRY: &str = "http://schema.org/addressCountry";
const ADDRESS_REGION: &str = "http://schema.org/addressRegion";
const ISO_CODE: &str = "https://w3id.org/ponte/ontology#iso3166Code";
const NUTS_CODE: &str = "https://w3id.org/ponte/ontology#nutsCode";

impl PonteStore {
    /// Every triple `?s ?p entity` with a named subject (members, participants, partners,
    /// parts, visits, collaborations…; not `rdf:type`, which makes instances of a class),
    /// in a stable order, at most `limit` of them; the flag says whether there were more.
    pub fn incoming(
        &self,
        entity: NamedNodeRef<'_>,
        limit: usize,
    ) -> Result<(Vec<Triple>, bool), StoreError> {
        let mut triples = Vec::new();
        for quad in self
            .store
            .quads_for_pattern(None, None, Some(entity.into()), None)
        {
            let quad = quad?;
            if matches!(quad.subject, NamedOrBlankNode::NamedNode(_)) && quad.predicate != rdf::TYPE
            {
                triples.push(Triple::from(quad));
            }
        }
        triples.sort_by_cached_key(ToString::to_string);
        triples.dedup();
        let more = triples.len() > limit;
        triples.truncate(limit);
        Ok((triples, more))
    }
}

/// `owl:sameAs`: two IRIs for one entity (Ponte's own and ROR's, Wikidata's…).
const OWL_SAME_AS: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2002/07/owl#sameAs");

impl PonteStore {
    /// The IRIs the store declares the same as `entity` (`owl:sameAs`, in either direction),
    /// in IRI order.
    pub fn same_as(&self, entity: NamedNodeRef<'_>) -> Result<Vec<NamedNode>, StoreError> {
        let mut same = BTreeSet::new();
        for quad in self
            .store
            .quads_for_pattern(Some(entity.into()), Some(OWL_SAME_AS), None, None)
        {
            if let Term::NamedNode(node) = quad?.object {
                same.insert(node);
            }
        }
        for quad in self
            .store
            .quads_for_pattern(None, Some(OWL_SAME_AS), Some(entity.into()), None)
        {
            if let NamedOrBlankNode::NamedNode(node) = quad?.subject {
                same.insert(node);
            }
        }
        same.remove(&entity.into_owned());
        Ok(same.into_iter().collect())
    }
}
