//! The one parser of query parameters: pairs from a query string, taken by name into typed
//! requests. Whatever a request type does not take is an unknown parameter, named in the error
//! with the list of those it takes.

use crate::error::AppError;

/// The pairs of a query string, and the names taken from it so far.
pub struct Params {
    pairs: Vec<(String, String)>,
    taken: Vec<&'static str>,
}

impl Params {
    /// Decodes `application/x-www-form-urlencoded` text (a query string).
    pub fn parse(query: &str) -> Self {
        Self {
            pairs: form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
            taken: Vec::new(),
        }
    }

    /// The last value of `name`, if given.
    pub fn one(&mut self, name: &'static str) -> Option<String> {
        self.all(name).pop()
    }

    /// Every value of `name`, in order.
    pub fn all(&mut self, name: &'static str) -> Vec<String> {
        self.taken.push(name);
        let (values, rest) = std::mem::take(&mut self.pairs)
            .into_iter()
            .partition(|(key, _)| key == name);
        self.pairs = rest;
        values.into_iter().map(|(_, value)| value).collect()
    }

    /// Whether `name` was given (it stays to be taken).
    pub fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(key, _)| key == name)
    }

    /// Ends the parse: the first parameter nobody took is an error naming it and the
    /// parameters `what` takes.
    pub fn finish(self, what: &str) -> Result<(), AppError> {
        match self.pairs.first() {
            None => Ok(()),
            Some((key, _)) => Err(AppError::parameter(
                key.as_str(),
                format!(
                    "unknown parameter {key:?}; {what} takes {}",
                    self.taken.join(", ")
                ),
            )),
        }
    }
}

/// A request read from query parameters.
pub trait FromParams: Sized {
    /// What takes these parameters, for the message that names an unknown one.
    const WHAT: &'static str = "this request";

    /// Takes this request's parameters out of `params` (the caller finishes the parse).
    fn take(params: &mut Params) -> Self;

    /// The request a whole query string makes, refusing unknown parameters.
    fn from_query(query: &str) -> Result<Self, AppError> {
        let mut params = Params::parse(query);
        let request = Self::take(&mut params);
        params.finish(Self::WHAT)?;
        Ok(request)
    }

    /// The names this request takes, in order (for documentation checks).
    fn names() -> Vec<&'static str> {
        let mut params = Params::parse("");
        Self::take(&mut params);
        params.taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_taken_by_name_and_leftovers_are_named() {
        let mut params = Params::parse("a=1&b=x&a=2&c=%C3%A9");
        assert_eq!(params.all("a"), ["1", "2"]);
        assert_eq!(params.one("b").as_deref(), Some("x"));
        assert!(params.contains("c"));
        let error = params.finish("this").unwrap_err();
        assert!(
            matches!(&error, AppError::InvalidParameter { parameter, detail }
                if parameter == "c" && detail.contains("a, b")),
            "{error:?}"
        );
    }
}
