//! The match view: suggestions with their score parts and evidence, the profile form, the
//! shortlist as CSV.

#[allow(clippy::wildcard_imports)]
use super::*;

/// One part of a score, as a bar with its number.
pub(crate) struct Bar {
    pub(crate) label: &'static str,
    pub(crate) value: f64,
    pub(crate) percent: u32,
}

/// A suggestion on the match page.
pub(crate) struct MatchRow {
    pub(crate) link: Link,
    pub(crate) kinds: String,
    pub(crate) score: f64,
    pub(crate) bars: Vec<Bar>,
    pub(crate) evidence: Vec<Vec<Statement>>,
    pub(crate) graph: Option<super::graph::EvidenceGraph>,
    /// The words both use, comma-separated (empty when none).
    pub(crate) shared_terms: String,
}

/// A value a profile field can take.
pub(crate) struct ProfileChoice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) checked: bool,
}

/// The profile form: what an organisation not in the graph can say of itself.
pub(crate) struct ProfileForm {
    pub(crate) topics: Vec<ProfileChoice>,
    pub(crate) linked: Vec<ProfileChoice>,
    pub(crate) wants: Vec<ProfileChoice>,
}

#[derive(Template)]
#[template(path = "match.html")]
pub(crate) struct MatchTemplate<'a> {
    pub(crate) page: &'a Page,
    pub(crate) w: &'static Words,
    pub(crate) title: String,
    pub(crate) seed: Option<Link>,
    pub(crate) actor: Option<String>,
    pub(crate) rows: Vec<MatchRow>,
    pub(crate) api_url: Option<String>,
    pub(crate) csv_url: String,
    pub(crate) kind: String,
    pub(crate) kinds: Vec<String>,
    pub(crate) country: String,
    pub(crate) form: ProfileForm,
}

/// `/match?actor=…`: the ranked suggestions of `/api/match` for the same request, each with
/// its score parts as bars with numbers and its evidence as statements.
pub fn match_page(app: &App, page: &Page, request: &MatchRequest) -> Result<String, AppError> {
    let answer = app.suggest(request, &page.origin)?;
    let seed_iri = answer.seed.clone().unwrap_or_default();
    let seed = Link::to(&seed_iri, &app.names_of(&seed_iri)?, page.lang);
    let api_url = answer
        .head
        .id
        .clone()
        .and_then(|id| id.strip_prefix(&page.origin).map(str::to_owned));
    let title = format!("{} {}", page.words().partners_for, seed.name);
    let shown = Shown {
        seed: Some(seed),
        actor: request.target.actor.clone(),
        api_url,
        title,
    };
    render_match(
        app,
        page,
        &answer,
        &request.options,
        &Profile::default(),
        shown,
    )
}

/// `/match/profile?topics=…&linkedTo=…&wants=…`: suggestions for an organisation not in the
/// graph, from the profile the form gives: `POST /api/match`'s operation.
pub fn profile_match_page(
    app: &App,
    page: &Page,
    profile: &Profile,
    options: &MatchOptions,
) -> Result<String, AppError> {
    let answer = app.suggest_for_profile(profile, options, &page.origin)?;
    let shown = Shown {
        seed: None,
        actor: None,
        api_url: None,
        title: page.words().partners_for_profile.to_owned(),
    };
    render_match(app, page, &answer, options, profile, shown)
}

/// What a match view shows besides the suggestions: for whom, and where its data is.
pub(crate) struct Shown {
    pub(crate) seed: Option<Link>,
    pub(crate) actor: Option<String>,
    pub(crate) api_url: Option<String>,
    pub(crate) title: String,
}

/// The match view of `answer`.
pub(crate) fn render_match(
    app: &App,
    page: &Page,
    answer: &MatchAnswer,
    options: &MatchOptions,
    profile: &Profile,
    shown: Shown,
) -> Result<String, AppError> {
    let w = page.words();
    let lang = page.lang;
    let mut names = Names::new(app, lang);
    let mut rows = Vec::new();
    for item in &answer.items {
        let bars = w
            .parts
            .iter()
            .zip(part_values(&item.score_parts))
            .map(|(label, value)| Bar {
                label,
                value,
                percent: (value.clamp(0.0, 1.0) * 100.0).round() as u32,
            })
            .collect();
        rows.push(MatchRow {
            link: Link::to(&item.id, &item.label, lang),
            kinds: item.kinds.join(", "),
            score: item.score,
            bars,
            graph: None,
            evidence: statements(&mut names, &item.evidence)?,
            shared_terms: item.shared_terms.join(", "),
        });
        if let Some(row) = rows.last_mut() {
            row.graph = super::graph::evidence_graph(&item.id, &row.evidence);
        }
    }
    let (path, query) = page.path.split_once('?').unwrap_or((&page.path, ""));
    let csv_url = format!("{path}.csv?{query}");
    render(&MatchTemplate {
        page,
        w,
        title: shown.title,
        seed: shown.seed,
        actor: shown.actor,
        rows,
        api_url: shown.api_url,
        csv_url,
        kind: options.kind.clone().unwrap_or_default(),
        kinds: app.kinds(CollectionName::Actors.collection())?,
        country: options.filters.country.first().cloned().unwrap_or_default(),
        form: profile_form(app, lang, profile)?,
    })
}

/// The parts of a score in the order of `Words::parts`.
pub(crate) fn part_values(p: &ponte_app::ScoreParts) -> [f64; 9] {
    [
        p.shared_topics,
        p.shared_projects,
        p.shared_activities,
        p.shared_actors,
        p.adamic_adar,
        p.personalized_page_rank,
        p.complementarity,
        p.content,
        p.place,
    ]
}

/// The choices of the profile form: the topics actors work on, the missions and
/// programmes, the kinds of actor; those of `profile` checked.
pub(crate) fn profile_form(
    app: &App,
    lang: Lang,
    profile: &Profile,
) -> Result<ProfileForm, AppError> {
    let actors = CollectionName::Actors.collection();
    let slug = |iri: &str| -> String {
        iri.strip_prefix(vocab::TOPIC_NAMESPACE)
            .or_else(|| iri.strip_prefix(vocab::ID_NAMESPACE))
            .unwrap_or(iri)
            .to_owned()
    };
    let overview = app.overview()?;
    let mut topics: Vec<ProfileChoice> = overview
        .actors
        .topics
        .iter()
        .map(|t| {
            let value = slug(&t.value);
            ProfileChoice {
                label: name_in(&t.names, lang).unwrap_or_else(|| value.clone()),
                checked: profile.topics.contains(&value),
                value,
            }
        })
        .collect();
    topics.sort_by(|a, b| a.label.cmp(&b.label));
    let linked = overview
        .missions
        .iter()
        .map(|mission| {
            let value = slug(&mission.iri);
            ProfileChoice {
                checked: profile.linked_to.contains(&value),
                label: Link::to(&mission.iri, &mission.names, lang).name,
                value,
            }
        })
        .collect();
    let wants = app
        .kinds(actors)?
        .into_iter()
        .map(|kind| ProfileChoice {
            checked: profile.wants.contains(&kind),
            label: kind.clone(),
            value: kind,
        })
        .collect();
    Ok(ProfileForm {
        topics,
        linked,
        wants,
    })
}

/// The shortlist of `answer` as CSV: rank, IRI, name, kinds, score, each part.
pub(crate) fn shortlist_csv(answer: &MatchAnswer, lang: Lang) -> Result<String, AppError> {
    let failed = |e: csv::Error| AppError::internal("writing the shortlist as CSV", e);
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["rank", "id", "name", "kinds", "score"];
    header.extend(PART_NAMES);
    out.write_record(&header).map_err(failed)?;
    for (rank, item) in answer.items.iter().enumerate() {
        let mut record = vec![
            (rank + 1).to_string(),
            item.id.clone(),
            name_in(&item.label, lang).unwrap_or_default(),
            item.kinds.join(" "),
            format!("{:.6}", item.score),
        ];
        record.extend(part_values(&item.score_parts).map(|v| format!("{v:.6}")));
        out.write_record(&record).map_err(failed)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::internal("writing the shortlist as CSV", e.into_error()))?;
    String::from_utf8(bytes).map_err(|e| AppError::internal("writing the shortlist as CSV", e))
}

/// The column names of the score parts, as `/api/match` names them.
pub(crate) const PART_NAMES: [&str; 9] = [
    "sharedTopics",
    "sharedProjects",
    "sharedActivities",
    "sharedActors",
    "adamicAdar",
    "personalizedPageRank",
    "complementarity",
    "content",
    "place",
];

/// `/match.csv?actor=…`: the shortlist of the match view as CSV.
pub fn match_csv(app: &App, page: &Page, request: &MatchRequest) -> Result<String, AppError> {
    shortlist_csv(&app.suggest(request, &page.origin)?, page.lang)
}

/// `/match/profile.csv?…`: the shortlist of a profile's match view as CSV.
pub fn profile_match_csv(
    app: &App,
    page: &Page,
    profile: &Profile,
    options: &MatchOptions,
) -> Result<String, AppError> {
    shortlist_csv(
        &app.suggest_for_profile(profile, options, &page.origin)?,
        page.lang,
    )
}
