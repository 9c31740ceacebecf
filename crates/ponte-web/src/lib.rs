//! Ponte's web pages: one more face over `ponte-app`. Each page is built from the same
//! operations as the JSON-LD API (never from SPARQL text, never through HTTP) and rendered by
//! an askama template, in the reader's language. Nothing here knows HTTP: the server chooses
//! the language from the request ([`Lang::choose`]) and sends the HTML a page function returns.

mod console;
mod lang;
mod map;
mod pages;

pub use console::{ConsoleOutcome, SHOWN_ROWS, console_page};
pub use lang::Lang;
pub use map::map_page;
pub use pages::{
    Page, accessibility_page, ecosystem_page, ecosystems_page, entity_page, error_page, home_page,
    list_page, match_csv, match_page, profile_match_csv, profile_match_page, source_page,
};

/// The style sheet every page links to, served by the binary.
pub const STYLE: &str = include_str!("../assets/ponte.css");

/// The search box's type-ahead (every page works without it).
pub const TYPEAHEAD: &str = include_str!("../assets/typeahead.js");

/// The console's editor set-up: YASQE over the query box, completing Ponte's vocabulary.
pub const CONSOLE_SCRIPT: &str = include_str!("../assets/console.js");

/// YASQE, the SPARQL editor (vendored by `scripts/vendor`; licences in `vendor/yasqe/LICENSE`).
pub const YASQE_SCRIPT: &str = include_str!("../assets/vendor/yasqe/yasqe.min.js");

/// YASQE's style sheet.
pub const YASQE_STYLE: &str = include_str!("../assets/vendor/yasqe/yasqe.min.css");
