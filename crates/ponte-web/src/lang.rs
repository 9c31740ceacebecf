//! The reader's language: Italian or English, chosen from `?lang=`, then the `lang` cookie,
//! then `Accept-Language`; and every word a page shows, in both.

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Italian, the language of the region.
    It,
    /// English, for partners abroad.
    En,
}

impl Lang {
    /// Its BCP 47 tag (`<html lang>`, the language of names shown first).
    pub fn code(self) -> &'static str {
        match self {
            Self::It => "it",
            Self::En => "en",
        }
    }

    /// The other language, for the switch on every page.
    pub fn other(self) -> Self {
        match self {
            Self::It => Self::En,
            Self::En => Self::It,
        }
    }

    /// The language a tag names (`it`, `it-IT`, `EN`), if it is one of the pages' languages.
    pub fn named(tag: &str) -> Option<Self> {
        let tag = tag.trim().to_ascii_lowercase();
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        match primary {
            "it" => Some(Self::It),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The language `?lang=` names, else the cookie's, else the best of `Accept-Language`
    /// (q-values honoured), else English.
    pub fn choose(query: Option<&str>, cookie: Option<&str>, accept: Option<&str>) -> Self {
        let named = Self::named;
        if let Some(lang) = query.and_then(named).or_else(|| cookie.and_then(named)) {
            return lang;
        }
        let mut best: Option<(f32, Self)> = None;
        for range in accept.unwrap_or_default().split(',') {
            let mut parts = range.split(';');
            let Some(lang) = parts.next().and_then(named) else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Self::En, |(_, lang)| lang)
    }

    /// Every word the pages show, in this language.
    pub(crate) fn words(self) -> &'static Words {
        match self {
            Self::It => &IT,
            Self::En => &EN,
        }
    }
}

/// The words of the pages, one field each, so a page cannot name a word one language lacks.
#[derive(Debug)]
pub(crate) struct Words {
    pub(crate) switch_to: &'static str,
    pub(crate) skip_to_content: &'static str,
    pub(crate) tagline: &'static str,
    pub(crate) search: &'static str,
    pub(crate) search_placeholder: &'static str,
    pub(crate) browse: &'static str,
    pub(crate) missions: &'static str,
    pub(crate) sources: &'static str,
    pub(crate) triples: &'static str,
    pub(crate) showing: &'static str,
    pub(crate) of: &'static str,
    pub(crate) next_page: &'static str,
    pub(crate) nothing_found: &'static str,
    pub(crate) filter: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) country: &'static str,
    pub(crate) topic: &'static str,
    pub(crate) apply: &'static str,
    pub(crate) facts: &'static str,
    pub(crate) property: &'static str,
    pub(crate) value: &'static str,
    pub(crate) source: &'static str,
    pub(crate) linked_from: &'static str,
    pub(crate) same_as: &'static str,
    pub(crate) as_data: &'static str,
    pub(crate) suggested_partners: &'static str,
    pub(crate) all_suggestions: &'static str,
    pub(crate) partners_for: &'static str,
    pub(crate) score: &'static str,
    pub(crate) why: &'static str,
    /// Introduces the words a suggestion and its seed both use.
    pub(crate) shared_words: &'static str,
    pub(crate) sparql: &'static str,
    pub(crate) api: &'static str,
    pub(crate) error: &'static str,
    pub(crate) graph_label: &'static str,
    pub(crate) map_nav: &'static str,
    pub(crate) map: &'static str,
    pub(crate) on_the_map: &'static str,
    pub(crate) without_point: &'static str,
    pub(crate) map_desc: &'static str,
    pub(crate) map_caption: &'static str,
    pub(crate) all_in_list: &'static str,
    pub(crate) same_as_map: &'static str,
    pub(crate) name: &'static str,
    pub(crate) latitude: &'static str,
    pub(crate) longitude: &'static str,
    pub(crate) accessibility: &'static str,
    pub(crate) query: &'static str,
    pub(crate) run: &'static str,
    pub(crate) examples: &'static str,
    pub(crate) vocabulary: &'static str,
    pub(crate) prefixes_note: &'static str,
    pub(crate) classes: &'static str,
    pub(crate) properties: &'static str,
    pub(crate) editor_keys: &'static str,
    pub(crate) completions: &'static str,
    pub(crate) answer: &'static str,
    pub(crate) first: &'static str,
    pub(crate) rows: &'static str,
    pub(crate) download_all: &'static str,
    pub(crate) query_failed: &'static str,
    pub(crate) lines: &'static str,
    pub(crate) partners_for_profile: &'static str,
    pub(crate) share_or_export: &'static str,
    pub(crate) this_view: &'static str,
    pub(crate) shortlist: &'static str,
    pub(crate) profile_title: &'static str,
    pub(crate) profile_note: &'static str,
    pub(crate) profile_topics: &'static str,
    pub(crate) profile_linked: &'static str,
    pub(crate) profile_wants: &'static str,
    pub(crate) find_partners: &'static str,
    pub(crate) ecosystem: &'static str,
    pub(crate) ecosystems: &'static str,
    pub(crate) timeline: &'static str,
    pub(crate) follow_ups: &'static str,
    pub(crate) approximate_point: &'static str,
    pub(crate) where_it_is: &'static str,
    pub(crate) region_centre: &'static str,
    pub(crate) places: &'static str,
    pub(crate) hosted_by: &'static str,
    pub(crate) met: &'static str,
    pub(crate) actors_by_kind: &'static str,
    pub(crate) brokers: &'static str,
    pub(crate) brokers_note: &'static str,
    pub(crate) gaps: &'static str,
    pub(crate) gaps_note: &'static str,
    pub(crate) home_actors: &'static str,
    pub(crate) foreign_actors: &'static str,
    pub(crate) none_yet: &'static str,
    pub(crate) actors_there: &'static str,
    pub(crate) region: &'static str,
    pub(crate) mission: &'static str,
    pub(crate) programme: &'static str,
    pub(crate) any: &'static str,
    pub(crate) clear: &'static str,
    pub(crate) results: &'static str,
    pub(crate) loaded: &'static str,
    pub(crate) loaded_at: &'static str,
    pub(crate) triples_held: &'static str,
    pub(crate) download_graph: &'static str,
    pub(crate) derived_from: &'static str,
    pub(crate) about_graph: &'static str,
    pub(crate) back_home: &'static str,
    pub(crate) collections: [(&'static str, &'static str); 8],
    pub(crate) parts: [&'static str; 9],
    /// What a failure's status means, by status; the last entry is for any other status.
    pub(crate) statuses: [(u16, &'static str); 10],
    /// Labels the operation's own detail, which is English (the API's problem text).
    pub(crate) technical_detail: &'static str,
}

impl Words {
    /// The name of a collection (`actors` → "Attori").
    pub(crate) fn collection(&self, name: &str) -> &'static str {
        self.collections
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, label)| label)
    }

    /// What a failure with `status` means, in the reader's language.
    pub(crate) fn status(&self, status: u16) -> &'static str {
        self.statuses
            .iter()
            .find(|(s, _)| *s == status)
            .unwrap_or(&self.statuses[self.statuses.len() - 1])
            .1
    }
}

const IT: Words = Words {
    switch_to: "English",
    skip_to_content: "Vai al contenuto",
    tagline: "Chi fa parte dell'ecosistema, chi ha incontrato chi, in quale missione, su quali temi, e con chi collaborare ora.",
    search: "Cerca",
    search_placeholder: "Nome, tema, città…",
    browse: "Esplora",
    missions: "Missioni",
    sources: "Fonti dei dati",
    triples: "fatti",
    showing: "Risultati",
    of: "di",
    next_page: "Pagina successiva",
    nothing_found: "Nessun risultato.",
    filter: "Filtra",
    kind: "Tipo",
    country: "Paese",
    topic: "Tema",
    apply: "Applica",
    facts: "Fatti",
    property: "Proprietà",
    value: "Valore",
    source: "Fonte",
    linked_from: "Collegamenti in entrata",
    same_as: "Lo stesso altrove",
    as_data: "Come dati",
    suggested_partners: "Partner suggeriti",
    all_suggestions: "Tutti i suggerimenti, con le prove",
    partners_for: "Partner suggeriti per",
    score: "Punteggio",
    why: "Perché?",
    shared_words: "Parole in comune",
    sparql: "Console SPARQL",
    api: "API JSON-LD",
    error: "Questa pagina non si può mostrare",
    graph_label: "Gli stessi percorsi dell'elenco qui sopra, come grafo",
    map_nav: "Mappa",
    map: "Mappa degli attori",
    on_the_map: "attori sulla mappa",
    without_point: "senza coordinate né città con coordinate",
    map_desc: "Mappa del mondo con un punto per ogni attore selezionato; la tabella qui sotto elenca gli stessi attori con le loro coordinate.",
    map_caption: "Confini: Natural Earth (world-atlas). Punti: coordinate dell'organizzazione (ROR) o della sua città (GeoNames).",
    all_in_list: "tutti nell'elenco",
    same_as_map: "Gli stessi attori della mappa",
    name: "Nome",
    latitude: "Latitudine",
    longitude: "Longitudine",
    accessibility: "Dichiarazione di accessibilità",
    query: "Interrogazione SPARQL",
    run: "Esegui",
    examples: "Interrogazioni d'esempio degli analisti",
    vocabulary: "Il vocabolario di Ponte",
    prefixes_note: "Si possono usare nelle interrogazioni con una riga PREFIX.",
    classes: "Classi",
    completions: "Completamenti",
    properties: "Proprietà",
    editor_keys: "Nell'editor: Ctrl+Spazio completa classi, proprietà e prefissi; Ctrl+Invio esegue; Tab ed Esc escono dall'editor.",
    answer: "Risposta",
    first: "Prime",
    rows: "righe",
    download_all: "Scarica la risposta completa",
    query_failed: "L'interrogazione non è andata a buon fine",
    lines: "righe",
    partners_for_profile: "Partner suggeriti per il tuo profilo",
    share_or_export: "Condividi o esporta",
    this_view: "link a questa vista",
    shortlist: "Partner suggeriti, dal più adatto",
    profile_title: "Un'organizzazione non ancora nel grafo?",
    profile_note: "Descrivila: temi, missioni o programmi a cui è legata, tipi di partner cercati. Tieni premuto Ctrl (⌘ su Mac) per sceglierne più d'uno.",
    profile_topics: "Temi su cui lavora",
    profile_linked: "Missioni a cui ha partecipato",
    profile_wants: "Tipi di partner cercati",
    find_partners: "Trova partner",
    ecosystem: "Ecosistema",
    ecosystems: "Ecosistemi esteri",
    timeline: "Cronologia",
    follow_ups: "Cosa ne è seguito",
    where_it_is: "Dove si trova",
    region_centre: "il centro dei luoghi noti della sua regione",
    approximate_point: "≈: il luogo dell'attore non è noto oltre la regione; il punto è il centro dei luoghi noti della regione.",
    places: "Luoghi",
    hosted_by: "Ospitato da",
    met: "Incontrati",
    actors_by_kind: "Attori per tipo",
    brokers: "Intermediari verso questo ecosistema",
    brokers_note: "Gli attori più spesso sui percorsi più brevi fra gli attori dell'Emilia-Romagna e quelli di questo ecosistema, ciascuno con un percorso.",
    gaps: "Temi senza ancora un partner qui",
    gaps_note: "Temi su cui lavorano attori della regione senza ancora un legame con un attore di questo ecosistema.",
    home_actors: "Nella regione",
    foreign_actors: "Possibili partner qui",
    none_yet: "Nessuno.",
    actors_there: "Attori",
    region: "Regione",
    mission: "Missione",
    programme: "Programma",
    any: "Qualsiasi",
    clear: "Togli i filtri",
    results: "Risultati",
    loaded: "Caricamento",
    loaded_at: "Caricato il",
    triples_held: "Fatti contenuti",
    download_graph: "Scarica il grafo (Turtle)",
    derived_from: "Tratto da",
    about_graph: "Il grafo",
    back_home: "Torna all'inizio",
    statuses: [
        (
            400,
            "La richiesta non è valida: un parametro o un valore non va bene.",
        ),
        (
            404,
            "Qui non c'è niente: l'indirizzo non corrisponde a nessuna pagina né a nessuna entità.",
        ),
        (
            405,
            "Questo indirizzo non accetta questo tipo di richiesta.",
        ),
        (406, "Il formato chiesto non è tra quelli disponibili."),
        (413, "La richiesta è troppo grande."),
        (414, "L'indirizzo è troppo lungo."),
        (
            422,
            "La richiesta è ben formata ma i dati non rispettano le regole del grafo.",
        ),
        (429, "Troppe richieste: riprovare tra poco."),
        (
            503,
            "Il servizio è occupato o la richiesta ha superato il tempo massimo: riprovare tra poco.",
        ),
        (
            0,
            "Qualcosa non ha funzionato dalla nostra parte: la richiesta non ha cambiato nulla.",
        ),
    ],
    technical_detail: "Dettaglio tecnico (in inglese)",
    collections: [
        ("actors", "Attori"),
        ("missions", "Missioni"),
        ("programmes", "Programmi"),
        ("calls", "Bandi"),
        ("events", "Eventi"),
        ("projects", "Progetti"),
        ("topics", "Temi"),
        ("places", "Luoghi"),
    ],
    parts: [
        "Temi in comune",
        "Progetti in comune",
        "Missioni ed eventi in comune",
        "Attori in comune",
        "Vicini rari in comune (Adamic-Adar)",
        "Vicinanza nel grafo (PageRank)",
        "Tipo complementare o cercato",
        "Parole in comune (nomi, descrizioni, temi)",
        "Stesso luogo o regione",
    ],
};

const EN: Words = Words {
    switch_to: "Italiano",
    skip_to_content: "Skip to content",
    tagline: "Who is in the ecosystem, who met whom, on which mission, around which topics, and who should partner next.",
    search: "Search",
    search_placeholder: "Name, topic, city…",
    browse: "Browse",
    missions: "Missions",
    sources: "Where the data comes from",
    triples: "facts",
    showing: "Showing",
    of: "of",
    next_page: "Next page",
    nothing_found: "Nothing found.",
    filter: "Filter",
    kind: "Kind",
    country: "Country",
    topic: "Topic",
    apply: "Apply",
    facts: "Facts",
    property: "Property",
    value: "Value",
    source: "Source",
    linked_from: "Incoming links",
    same_as: "The same elsewhere",
    as_data: "As data",
    suggested_partners: "Suggested partners",
    all_suggestions: "All suggestions, with evidence",
    partners_for: "Suggested partners for",
    score: "Score",
    why: "Why?",
    shared_words: "Words both use",
    sparql: "SPARQL console",
    api: "JSON-LD API",
    error: "This page cannot be shown",
    graph_label: "The same paths as the list above, as a graph",
    map_nav: "Map",
    map: "Map of the actors",
    on_the_map: "actors on the map",
    without_point: "without coordinates or a city with them",
    map_desc: "World map with a point for each selected actor; the table below lists the same actors with their coordinates.",
    map_caption: "Boundaries: Natural Earth (world-atlas). Points: the organisation's coordinates (ROR) or its city's (GeoNames).",
    all_in_list: "all of them in the list",
    same_as_map: "The same actors as on the map",
    name: "Name",
    latitude: "Latitude",
    longitude: "Longitude",
    accessibility: "Accessibility statement",
    query: "SPARQL query",
    run: "Run",
    examples: "The analysts' example queries",
    vocabulary: "Ponte's vocabulary",
    prefixes_note: "Use them in a query with a PREFIX line.",
    classes: "Classes",
    completions: "Completions",
    properties: "Properties",
    editor_keys: "In the editor: Ctrl+Space completes classes, properties and prefixes; Ctrl+Enter runs; Tab and Esc leave the editor.",
    answer: "Answer",
    first: "First",
    rows: "rows",
    download_all: "Download the whole answer",
    query_failed: "The query failed",
    lines: "lines",
    partners_for_profile: "Suggested partners for your profile",
    share_or_export: "Share or export",
    this_view: "link to this view",
    shortlist: "Suggested partners, best first",
    profile_title: "An organisation not in the graph yet?",
    profile_note: "Describe it: the topics it works on, the missions or programmes it is linked to, the kinds of partner it wants. Hold Ctrl (⌘ on a Mac) to choose more than one.",
    profile_topics: "Topics it works on",
    profile_linked: "Missions it took part in",
    profile_wants: "Kinds of partner wanted",
    find_partners: "Find partners",
    ecosystem: "Ecosystem",
    ecosystems: "Foreign ecosystems",
    timeline: "Timeline",
    follow_ups: "What it led to",
    where_it_is: "Where it is",
    region_centre: "the centre of its region's known places",
    approximate_point: "≈: the actor's place is known only as a region; the point is the centre of the region's known places.",
    places: "Places",
    hosted_by: "Hosted by",
    met: "Met",
    actors_by_kind: "Actors by kind",
    brokers: "Brokers towards this ecosystem",
    brokers_note: "The actors most often on the shortest paths between Emilia-Romagna's actors and this ecosystem's, each with one such path.",
    gaps: "Topics without a partner here yet",
    gaps_note: "Topics the region's actors work on with no link yet to an actor of this ecosystem.",
    home_actors: "In the region",
    foreign_actors: "Possible partners here",
    none_yet: "None.",
    actors_there: "Actors",
    region: "Region",
    mission: "Mission",
    programme: "Programme",
    any: "Any",
    clear: "Clear the filters",
    results: "Results",
    loaded: "Loading",
    loaded_at: "Loaded at",
    triples_held: "Facts held",
    download_graph: "Download the graph (Turtle)",
    derived_from: "Derived from",
    about_graph: "The graph",
    back_home: "Back to the home page",
    statuses: [
        (
            400,
            "The request is not valid: a parameter or a value is wrong.",
        ),
        (
            404,
            "There is nothing here: the address matches no page and no entity.",
        ),
        (405, "This address does not take this kind of request."),
        (406, "The format asked for is not one of those offered."),
        (413, "The request is too large."),
        (414, "The address is too long."),
        (
            422,
            "The request is well formed but its data breaks the graph's rules.",
        ),
        (429, "Too many requests: try again shortly."),
        (
            503,
            "The service is busy or the request ran out of time: try again shortly.",
        ),
        (
            0,
            "Something went wrong on our side: the request changed nothing.",
        ),
    ],
    technical_detail: "Technical detail",
    collections: [
        ("actors", "Actors"),
        ("missions", "Missions"),
        ("programmes", "Programmes"),
        ("calls", "Calls"),
        ("events", "Events"),
        ("projects", "Projects"),
        ("topics", "Topics"),
        ("places", "Places"),
    ],
    parts: [
        "Shared topics",
        "Shared projects",
        "Shared missions and events",
        "Shared actors",
        "Rare shared neighbours (Adamic-Adar)",
        "Closeness in the graph (PageRank)",
        "Complementary or wanted kind",
        "Shared words (names, descriptions, topics)",
        "Same place or region",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_wins_then_the_cookie_then_the_best_accepted_language() {
        assert_eq!(Lang::choose(Some("it"), Some("en"), Some("en")), Lang::It);
        assert_eq!(Lang::choose(None, Some("it"), Some("en")), Lang::It);
        assert_eq!(
            Lang::choose(Some("xx"), None, Some("it-IT,it;q=0.9")),
            Lang::It
        );
        assert_eq!(
            Lang::choose(None, None, Some("de, en;q=0.5, it;q=0.8")),
            Lang::It
        );
        assert_eq!(Lang::choose(None, None, Some("it;q=0, en;q=0.1")), Lang::En);
        assert_eq!(Lang::choose(None, None, None), Lang::En);
    }
}
