//! The web pages for browsers: each route reads the reader's language and the page's request,
//! runs one `ponte-web` page function (itself built on `ponte-app`'s operations) on the
//! executor, and answers HTML, with a strict Content-Security-Policy. A failure is an HTML page
//! with the status and the same detail the API's problem document gives.

use crate::problem::Problem;
use crate::sparql_endpoint::Operation;
use crate::{AppState, http_util};
use axum::Router;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ponte_app::request::{ListRequest, MatchOptions, MatchRequest, Profile};
use ponte_app::{App, AppError, Collection, FromParams, NamedNode};
use ponte_store::CancellationToken;
use ponte_store::sparql::{OutputFormat, ProtocolDataset, QueryKind, parse_query};
use ponte_web::{ConsoleOutcome, Lang, Page};

/// The routes of the pages. Entity pages live at the entities' own IRIs (`/id/…`, `/topic/…`),
/// which answer HTML only to a client that prefers it (see [`prefers_html`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/search", get(search))
        .route("/match", get(suggestions))
        .route("/match.csv", get(suggestions_csv))
        .route("/match/profile", get(profile_suggestions))
        .route("/match/profile.csv", get(profile_suggestions_csv))
        .route("/source", get(source))
        .route("/console", get(console))
        .route("/console/download", get(console_download))
        .route("/accessibility", get(accessibility))
        .route("/map", get(map))
        .route("/ecosystems", get(ecosystems))
        .route("/ecosystems/{code}", get(ecosystem))
        .route("/assets/ponte.css", get(style))
        .route("/assets/typeahead.js", get(typeahead))
        .route("/assets/console.js", get(console_script))
        .route("/assets/vendor/yasqe.min.js", get(yasqe_script))
        .route("/assets/vendor/yasqe.min.css", get(yasqe_style))
        .route("/{collection}", get(list))
}

/// Everything a page may load: only this server's own styles, scripts and images, no frames,
/// forms that post back here only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The cookie that keeps the language a reader chose with `?lang=`.
const LANG_COOKIE: &str = "ponte-lang";

/// A request for a page: where it is shown (language, path, origin), the parameters that are
/// the page's own (the query without `lang` and without empty form fields), and whether the
/// reader just chose a language (then a cookie keeps it).
pub struct Reader {
    state: AppState,
    page: Page,
    query: String,
    chosen: Option<Lang>,
    /// What a successful render is: an HTML page, or a CSV download.
    csv: bool,
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let pairs = form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect::<Vec<_>>();
        let asked = pairs.iter().rev().find(|(key, _)| key == "lang");
        let chosen = asked.map(|(_, tag)| Lang::named(tag));
        let cookie = cookie(&parts.headers, LANG_COOKIE);
        let accept_language = header_text(&parts.headers, header::ACCEPT_LANGUAGE);
        let lang = Lang::choose(
            asked.map(|(_, tag)| tag.as_str()),
            cookie.as_deref(),
            accept_language,
        );
        // An empty form field is a choice not made, not an empty value to filter by.
        let mut own = form_urlencoded::Serializer::new(String::new());
        for (key, value) in &pairs {
            if key != "lang" && !value.is_empty() {
                own.append_pair(key, value);
            }
        }
        let query = own.finish();
        let path = match query.is_empty() {
            true => parts.uri.path().to_owned(),
            false => format!("{}?{query}", parts.uri.path()),
        };
        let page = Page {
            lang,
            path,
            origin: http_util::origin(&parts.headers, &state.config),
        };
        if let Some(None) = chosen {
            let detail = "lang must be it (italiano) or en (English)";
            let problem = Problem::bad_request(detail).with("parameter", "lang");
            return Err(error_response(&page, &problem));
        }
        Ok(Self {
            state: state.clone(),
            page,
            query,
            chosen: chosen.flatten(),
            csv: false,
        })
    }
}

impl Reader {
    /// The same request, answered as a CSV download (errors stay pages).
    fn into_csv(self) -> Self {
        Self { csv: true, ..self }
    }

    /// Renders the page for the page's own request, parsed by the API's parser (unknown or bad
    /// parameters are refused the same way, on the error page).
    async fn render_for<T: FromParams + Send + 'static>(
        self,
        page_fn: impl FnOnce(&App, &Page, T) -> Result<String, AppError> + Send + 'static,
    ) -> Response {
        match T::from_query(&self.query) {
            Ok(request) => {
                self.render(move |app, page| page_fn(app, page, request))
                    .await
            }
            Err(error) => error_response(&self.page, &error.into()),
        }
    }

    /// Renders a page on the executor: the HTML, or the error page with the failure's status.
    async fn render(
        self,
        page_fn: impl FnOnce(&App, &Page) -> Result<String, AppError> + Send + 'static,
    ) -> Response {
        self.render_status(move |app, page, _| Ok((StatusCode::OK, page_fn(app, page)?)))
            .await
    }

    /// Renders a page that decides its own status (the console shows a refused query on the
    /// page, with the endpoint's status); the page function gets the evaluation's
    /// cancellation token.
    async fn render_status(
        self,
        page_fn: impl FnOnce(&App, &Page, CancellationToken) -> Result<(StatusCode, String), Problem>
        + Send
        + 'static,
    ) -> Response {
        let Self {
            state,
            page,
            chosen,
            csv,
            ..
        } = self;
        let app = state.app.clone();
        let shown = page.clone();
        let rendered = state
            .executor
            .run(move |token| page_fn(&app, &shown, token))
            .await;
        let mut response = match rendered {
            Ok((_, text)) if csv => csv_response(text),
            Ok((status, html)) => html_response(status, html),
            Err(problem) => error_response(&page, &problem),
        };
        let headers = response.headers_mut();
        headers.insert(
            header::VARY,
            HeaderValue::from_static("accept, accept-language, cookie"),
        );
        if let Some(lang) = chosen {
            let cookie = format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                lang.code()
            );
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                headers.insert(header::SET_COOKIE, value);
            }
        }
        response
    }
}

/// `GET /`: the home page.
async fn home(reader: Reader) -> Response {
    reader
        .render_for(|app, page, NoParams| ponte_web::home_page(app, page))
        .await
}

/// `GET /{collection}`: one page of a collection with its filters.
async fn list(reader: Reader, Path(collection): Path<String>) -> Response {
    let collection = match Collection::named(&collection) {
        Ok(collection) => collection,
        Err(error) => return error_response(&reader.page, &error.into()),
    };
    reader
        .render_for(move |app, page, request: ListRequest| {
            ponte_web::list_page(app, page, Some(collection), &request)
        })
        .await
}

/// `GET /search?q=…`: entities of every kind; without words, the search form alone.
async fn search(reader: Reader) -> Response {
    reader
        .render_for(|app, page, request: ListRequest| {
            ponte_web::list_page(app, page, None, &request)
        })
        .await
}

/// `GET /match?actor=…`: the suggestions of `/api/match` for the same parameters.
async fn suggestions(reader: Reader) -> Response {
    reader
        .render_for(|app, page, request: MatchRequest| ponte_web::match_page(app, page, &request))
        .await
}

/// `GET /match.csv?actor=…`: the shortlist of the match view, as CSV.
async fn suggestions_csv(reader: Reader) -> Response {
    reader
        .into_csv()
        .render_for(|app, page, request: MatchRequest| ponte_web::match_csv(app, page, &request))
        .await
}

/// `GET /match/profile?topics=…&linkedTo=…&wants=…`: suggestions for a profile (the form on
/// the match view), `POST /api/match`'s operation.
async fn profile_suggestions(reader: Reader) -> Response {
    reader
        .render_for(|app, page, request: ProfileRequest| {
            ponte_web::profile_match_page(app, page, &request.profile, &request.options)
        })
        .await
}

/// `GET /match/profile.csv?…`: the shortlist of a profile's match view, as CSV.
async fn profile_suggestions_csv(reader: Reader) -> Response {
    reader
        .into_csv()
        .render_for(|app, page, request: ProfileRequest| {
            ponte_web::profile_match_csv(app, page, &request.profile, &request.options)
        })
        .await
}

/// A profile from the form's fields, with the match options.
struct ProfileRequest {
    profile: Profile,
    options: MatchOptions,
}

impl FromParams for ProfileRequest {
    const WHAT: &'static str = "a profile's suggestions";

    fn take(params: &mut ponte_app::Params) -> Self {
        Self {
            profile: Profile {
                topics: params.all("topics"),
                linked_to: params.all("linkedTo"),
                wants: params.all("wants"),
            },
            options: MatchOptions::take(params),
        }
    }
}

/// `GET /console?query=…`: the SPARQL console, with the answer of `query` when given. The
/// query runs as at `/sparql` (the same guards, time limit and dataset); a refused query is
/// shown on the page with the status the endpoint would give.
async fn console(reader: Reader, headers: HeaderMap) -> Response {
    let request = match ConsoleRequest::from_query(&reader.query) {
        Ok(request) => request,
        Err(error) => return error_response(&reader.page, &error.into()),
    };
    let state = reader.state.clone();
    let base = crate::sparql_endpoint::endpoint_iri(&state, &headers);
    reader
        .render_status(move |app, page, token| {
            let outcome = request
                .query
                .as_deref()
                .map(|query| console_answer(&state, query, &base, token));
            let status = match &outcome {
                Some(ConsoleOutcome::Failed { status, .. }) => {
                    StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
                }
                _ => StatusCode::OK,
            };
            let html = ponte_web::console_page(app, page, request.query.as_deref(), outcome)?;
            Ok((status, html))
        })
        .await
}

/// The most a console page reads of an answer to show its first rows; a bigger answer is
/// downloaded instead (the download has the endpoint's own limit).
const CONSOLE_MAX_BYTES: usize = 16 << 20;

/// Runs a console query: SPARQL JSON results for SELECT and ASK, N-Triples for a graph, or
/// the problem the endpoint would answer.
fn console_answer(
    state: &AppState,
    query: &str,
    base: &str,
    token: CancellationToken,
) -> ConsoleOutcome {
    let run = || -> Result<ConsoleOutcome, Problem> {
        let parsed = parse_query(
            query,
            Some(base),
            &ProtocolDataset::default(),
            state.config.union_default_graph,
            &state.sparql_services(),
            token,
        )?;
        let max = state.config.max_result_bytes.min(CONSOLE_MAX_BYTES);
        Ok(match parsed.kind() {
            QueryKind::Graph => {
                let format = OutputFormat::Rdf(ponte_store::RdfFormat::NTriples);
                let bytes = state.store.evaluate_query(parsed, format, max)?;
                ConsoleOutcome::Graph(String::from_utf8_lossy(&bytes).into_owned())
            }
            QueryKind::Solutions | QueryKind::Boolean => {
                let format = OutputFormat::Results(ponte_store::QueryResultsFormat::Json);
                let bytes = state.store.evaluate_query(parsed, format, max)?;
                let results = serde_json::from_slice(&bytes).map_err(|e| Problem::internal(&e))?;
                ConsoleOutcome::Results(results)
            }
        })
    };
    run().unwrap_or_else(|problem| ConsoleOutcome::Failed {
        status: problem.status().as_u16(),
        detail: problem.detail().to_owned(),
    })
}

/// The parameters of the console.
struct ConsoleRequest {
    query: Option<String>,
}

impl FromParams for ConsoleRequest {
    const WHAT: &'static str = "the console";

    fn take(params: &mut ponte_app::Params) -> Self {
        Self {
            query: params.one("query"),
        }
    }
}

/// `GET /console/download?query=…&accept=…`: the whole answer of a console query, as
/// `/sparql` gives it for that `Accept`, to save.
async fn console_download(reader: Reader, headers: HeaderMap) -> Response {
    let request = match DownloadRequest::from_query(&reader.query) {
        Ok(request) => request,
        Err(error) => return error_response(&reader.page, &error.into()),
    };
    let Some(query) = request.query else {
        let problem = Problem::bad_request("a download needs query").with("parameter", "query");
        return error_response(&reader.page, &problem);
    };
    let mut asked = headers.clone();
    if let Some(accept) = request
        .accept
        .as_deref()
        .and_then(|a| HeaderValue::from_str(a).ok())
    {
        asked.insert(header::ACCEPT, accept);
    }
    let operation = Operation::Query(query, ProtocolDataset::default());
    match crate::sparql_endpoint::run(&reader.state, &asked, operation).await {
        Ok(mut response) => {
            let extension = match response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
            {
                t if t.starts_with("text/csv") => "csv",
                t if t.starts_with("text/tab-separated-values") => "tsv",
                t if t.starts_with("application/n-triples") => "nt",
                t if t.contains("xml") => "xml",
                t if t.starts_with("text/turtle") => "ttl",
                _ => "json",
            };
            let disposition = format!("attachment; filename=\"answer.{extension}\"");
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(problem) => error_response(&reader.page, &problem),
    }
}

/// The parameters of a download.
struct DownloadRequest {
    query: Option<String>,
    accept: Option<String>,
}

impl FromParams for DownloadRequest {
    const WHAT: &'static str = "a download";

    fn take(params: &mut ponte_app::Params) -> Self {
        Self {
            query: params.one("query"),
            accept: params.one("accept"),
        }
    }
}

/// `GET /map`: the actors the filters select, on a world map and in a table.
async fn map(reader: Reader) -> Response {
    reader
        .render_for(|app, page, request: ListRequest| ponte_web::map_page(app, page, &request))
        .await
}

/// `GET /accessibility`: the accessibility statement.
async fn accessibility(reader: Reader) -> Response {
    reader
        .render_for(|_, page, NoParams| ponte_web::accessibility_page(page))
        .await
}

/// `GET /ecosystems`: the foreign ecosystems the data holds.
async fn ecosystems(reader: Reader) -> Response {
    reader
        .render_for(|app, page, NoParams| ponte_web::ecosystems_page(app, page))
        .await
}

/// `GET /ecosystems/{code}`: one foreign ecosystem (`US`, `KR`, `US-MA`).
async fn ecosystem(reader: Reader, Path(code): Path<String>) -> Response {
    reader
        .render_for(move |app, page, NoParams| ponte_web::ecosystem_page(app, page, &code))
        .await
}

/// A page that takes no parameters (but `lang`): any other is refused.
struct NoParams;

impl FromParams for NoParams {
    const WHAT: &'static str = "this page";

    fn take(_: &mut ponte_app::Params) -> Self {
        Self
    }
}

/// `GET /source?graph=…`: where one graph's facts come from.
async fn source(reader: Reader) -> Response {
    reader
        .render_for(|app, page, request: SourceRequest| {
            let graph = request.graph.ok_or_else(|| {
                AppError::parameter("graph", "a source page needs graph, a loaded graph's IRI")
            })?;
            ponte_web::source_page(app, page, &graph)
        })
        .await
}

/// The parameters of a source page.
struct SourceRequest {
    graph: Option<String>,
}

impl FromParams for SourceRequest {
    const WHAT: &'static str = "a source page";

    fn take(params: &mut ponte_app::Params) -> Self {
        Self {
            graph: params.one("graph"),
        }
    }
}

/// An entity's page, for `/id/{slug}` and `/topic/{slug}` when the client prefers HTML.
pub async fn entity(reader: Reader, iri: NamedNode) -> Response {
    reader
        .render(move |app, page| {
            let view = app.entity(None, &iri)?;
            ponte_web::entity_page(app, page, &view)
        })
        .await
}

/// `GET /assets/ponte.css`: the pages' style sheet.
async fn style() -> Response {
    asset(ponte_web::STYLE, "text/css; charset=utf-8")
}

/// `GET /assets/typeahead.js`: the search box's type-ahead.
async fn typeahead() -> Response {
    asset(ponte_web::TYPEAHEAD, "text/javascript; charset=utf-8")
}

/// `GET /assets/console.js`: the console's editor set-up.
async fn console_script() -> Response {
    asset(ponte_web::CONSOLE_SCRIPT, "text/javascript; charset=utf-8")
}

/// `GET /assets/vendor/yasqe.min.js`: the SPARQL editor.
async fn yasqe_script() -> Response {
    asset(ponte_web::YASQE_SCRIPT, "text/javascript; charset=utf-8")
}

/// `GET /assets/vendor/yasqe.min.css`: the SPARQL editor's styles.
async fn yasqe_style() -> Response {
    asset(ponte_web::YASQE_STYLE, "text/css; charset=utf-8")
}

/// A file of the pages, served by the binary, cached by browsers for an hour.
fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Whether the client prefers a page to data: `Accept` ranks `text/html` (or XHTML) above
/// every RDF format the entity is offered in, as a browser's does. A client that sends no
/// `Accept`, or `*/*`, gets data, as before pages existed.
pub fn prefers_html(headers: &HeaderMap) -> bool {
    crate::negotiate::prefers_page(headers)
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A CSV download (`shortlist.csv`).
fn csv_response(text: String) -> Response {
    let mut response = text.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"shortlist.csv\""),
    );
    response
}

/// The error page for `problem`, with its status (and `Retry-After` when the server was busy).
fn error_response(page: &Page, problem: &Problem) -> Response {
    let status = problem.status();
    let html = ponte_web::error_page(page, status.as_u16(), problem.detail());
    let mut response = html_response(status, html);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

fn header_text(headers: &HeaderMap, name: HeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The value of cookie `name`, if the request carries it.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}
