//! Lists and search: one page of a collection with the API's filters, each value counted.

#[allow(clippy::wildcard_imports)]
use super::*;

/// One row of a list.
pub(crate) struct ListedItem {
    pub(crate) link: Link,
    pub(crate) kinds: String,
}

/// One value a filter can take, with how many listed entities have it.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) count: usize,
    pub(crate) checked: bool,
}

/// A filter shown as checkboxes: its parameter, its legend, its values.
pub(crate) struct ChoiceGroup {
    pub(crate) param: &'static str,
    pub(crate) legend: &'static str,
    pub(crate) choices: Vec<Choice>,
}

/// The most values a filter shows besides those chosen: the most common ones.
pub(crate) const MAX_CHOICES: usize = 12;

#[derive(Template)]
#[template(path = "list.html")]
pub(crate) struct ListTemplate<'a> {
    pub(crate) page: &'a Page,
    pub(crate) w: &'static Words,
    pub(crate) title: String,
    pub(crate) action: String,
    pub(crate) q: String,
    pub(crate) kinds: Vec<Choice>,
    pub(crate) groups: Vec<ChoiceGroup>,
    pub(crate) items: Vec<ListedItem>,
    pub(crate) first: usize,
    pub(crate) last: usize,
    pub(crate) total: usize,
    pub(crate) next: Option<String>,
}

/// `/{collection}` and `/search`: one page of entities with the filters of the API, each
/// filter's values counted over the whole selection, the URL carrying every choice.
pub fn list_page(
    app: &App,
    page: &Page,
    collection: Option<&'static Collection>,
    request: &ListRequest,
) -> Result<String, AppError> {
    let w = page.words();
    let lang = page.lang;
    let answer = app.list(collection, request, &page.origin)?;
    let facets = app.facets(collection, request)?;
    let api_prefix = format!("{}/api", page.origin);
    let items: Vec<ListedItem> = answer
        .items
        .iter()
        .map(|item| ListedItem {
            link: item_link(item, lang),
            kinds: match item.get("type") {
                Some(Value::Array(kinds)) => kinds
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                Some(Value::String(kind)) => kind.clone(),
                _ => String::new(),
            },
        })
        .collect();
    let (title, action) = match collection {
        Some(collection) => (
            w.collection(collection.name).to_owned(),
            format!("/{}", collection.name),
        ),
        None => (w.search.to_owned(), "/search".to_owned()),
    };
    let (kinds, groups) = filter_choices(page, &facets, request);
    let shown = items.len();
    render(&ListTemplate {
        page,
        w,
        title,
        action,
        q: request.text.q.clone().unwrap_or_default(),
        kinds: if collection.is_some() {
            kinds
        } else {
            Vec::new()
        },
        groups,
        first: answer.offset + usize::from(shown > 0),
        last: answer.offset + shown,
        items,
        total: answer.head.total_items,
        // The API's next page, shown here.
        next: answer
            .next
            .and_then(|url| url.strip_prefix(&api_prefix).map(str::to_owned)),
    })
}

/// The filter form's choices for `request`, each value counted: the kinds (a select) and the
/// other filters (checkboxes).
pub(crate) fn filter_choices(
    page: &Page,
    facets: &Facets,
    request: &ListRequest,
) -> (Vec<Choice>, Vec<ChoiceGroup>) {
    let w = page.words();
    let lang = page.lang;
    let filters = &request.filters;
    let group = |param, legend, values: &[FacetValue], chosen: &[String]| ChoiceGroup {
        param,
        legend,
        // A place code shows with its place's name; a topic or mission by its name only.
        choices: choices(values, chosen, lang, matches!(param, "country" | "region")),
    };
    let kind = request.text.kind.clone().into_iter().collect::<Vec<_>>();
    let mut kinds = choices(&facets.kinds, &kind, lang, false);
    kinds.sort_by(|a, b| a.label.cmp(&b.label));
    let groups = [
        group("country", w.country, &facets.countries, &filters.country),
        group("region", w.region, &facets.regions, &filters.region),
        group("topic", w.topic, &facets.topics, &filters.topic),
        group("mission", w.mission, &facets.missions, &filters.mission),
        group(
            "programme",
            w.programme,
            &facets.programmes,
            &filters.programme,
        ),
    ]
    .into_iter()
    .filter(|g| !g.choices.is_empty())
    .collect();
    (kinds, groups)
}

/// How a filter value is shown: its name in `lang` (with the code, for places), else the
/// value itself (`University`, `KR`).
pub(crate) fn facet_label(value: &FacetValue, lang: Lang, with_code: bool) -> String {
    match name_in(&value.names, lang) {
        Some(name) if with_code => format!("{name} ({})", value.value),
        Some(name) => capitalised(&name),
        None => value.value.clone(),
    }
}

/// `name` with its first letter upper-case (the ontology names classes in lower case).
pub(crate) fn capitalised(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The values of one filter: every chosen one, then the most common others.
pub(crate) fn choices(
    values: &[FacetValue],
    chosen: &[String],
    lang: Lang,
    with_code: bool,
) -> Vec<Choice> {
    let mut choices = Vec::new();
    let mut others = 0;
    for value in values {
        let checked = chosen.contains(&value.value);
        if !checked {
            if others == MAX_CHOICES {
                continue;
            }
            others += 1;
        }
        choices.push(Choice {
            label: facet_label(value, lang, with_code),
            value: value.value.clone(),
            count: value.count,
            checked,
        });
    }
    // A chosen value no entity has any more still shows, checked, so it can be unchosen.
    for value in chosen {
        if !values.iter().any(|v| &v.value == value) {
            choices.push(Choice {
                label: value.clone(),
                value: value.clone(),
                count: 0,
                checked: true,
            });
        }
    }
    choices
}
