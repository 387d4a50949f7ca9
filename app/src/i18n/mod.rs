//! The languages pages are written in, Spanish (Costa Rica's) and English, and every text in
//! both.
//!
//! A request's language is the one its `mc_lang` cookie names (set by the language switch, and
//! at sign-in from the user's saved choice), else the first of Spanish or English its
//! `Accept-Language` asks for, else English. Texts are [`Text`]s, each written in both
//! languages in one table, or methods of [`Lang`] for texts with values in them: a `match` on
//! the language, so the compiler refuses a text missing in one of them.
//!
//! Pages are rendered on the server, which picks each text. The islands running in the browser
//! get theirs as props, already in the page's language: the WASM client carries no catalogue.
//! Only [`AppError`](crate::error::AppError)'s few fixed messages are in it, in both languages,
//! and [`Lang::current`] reads the page's `<html lang>` there.

mod mailboxes;
mod phrases;
mod texts;

use serde::{Deserialize, Serialize};

pub use texts::Text;

/// A language pages can be read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    /// Spanish, with Costa Rica's formats.
    Es,
    #[default]
    En,
}

/// The cookie that keeps a browser's choice of language.
pub const LANG_COOKIE: &str = "mc_lang";

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Es, Lang::En];

    /// In the cookie, the switch's form and the database: "es", "en".
    pub const fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|lang| lang.code() == code)
    }

    /// The page's `<html lang>`.
    pub const fn html_lang(self) -> &'static str {
        match self {
            Lang::Es => "es-CR",
            Lang::En => "en",
        }
    }

    /// The language's own name, as the switch offers it.
    pub const fn own_name(self) -> &'static str {
        match self {
            Lang::Es => "Español",
            Lang::En => "English",
        }
    }

    /// `text` in this language.
    pub const fn t(self, text: Text) -> &'static str {
        text.get(self)
    }

    /// The language of the page being rendered or of the server function's request; in the
    /// browser, the page's own (`<html lang>`).
    pub fn current() -> Self {
        #[cfg(feature = "ssr")]
        {
            leptos::prelude::use_context::<http::request::Parts>()
                .map(|parts| Self::of_request(&parts.headers))
                .unwrap_or_default()
        }
        #[cfg(not(feature = "ssr"))]
        {
            let html_lang = leptos::prelude::document()
                .document_element()
                .and_then(|html| html.get_attribute("lang"));
            match html_lang {
                Some(lang) if lang.starts_with("es") => Lang::Es,
                _ => Lang::En,
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl Lang {
    /// The request's language: its cookie's, else its `Accept-Language`'s, else English.
    pub fn of_request(headers: &http::HeaderMap) -> Self {
        Self::chosen(headers).unwrap_or_else(|| {
            let accepted = headers
                .get_all(http::header::ACCEPT_LANGUAGE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .collect::<Vec<_>>()
                .join(",");
            Self::negotiate(&accepted)
        })
    }

    /// The language the request's cookie names, if it names one.
    pub fn chosen(headers: &http::HeaderMap) -> Option<Self> {
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|cookie| cookie.name() == LANG_COOKIE)
            .and_then(|cookie| Self::from_code(cookie.value()))
    }

    /// The first of our languages an `Accept-Language` value asks for ("es-CR" is Spanish),
    /// else English.
    pub fn negotiate(accept_language: &str) -> Self {
        accept_language::parse(accept_language)
            .iter()
            .find_map(|tag| {
                let primary = tag.split(['-', '_']).next().unwrap_or_default();
                Self::ALL
                    .into_iter()
                    .find(|lang| lang.code().eq_ignore_ascii_case(primary))
            })
            .unwrap_or_default()
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_browser_asks_and_the_cookie_decides() {
        assert_eq!(Lang::negotiate("es-CR"), Lang::Es);
        assert_eq!(Lang::negotiate("fr-FR, es;q=0.8, en;q=0.9"), Lang::En);
        assert_eq!(Lang::negotiate("fr, ES-mx;q=0.5"), Lang::Es);
        assert_eq!(Lang::negotiate("de"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);

        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::ACCEPT_LANGUAGE,
            "es-CR,es;q=0.9".parse().unwrap(),
        );
        assert_eq!(Lang::of_request(&headers), Lang::Es);
        headers.insert(http::header::COOKIE, "a=b; mc_lang=en".parse().unwrap());
        assert_eq!(Lang::of_request(&headers), Lang::En);
        headers.insert(http::header::COOKIE, "mc_lang=klingon".parse().unwrap());
        assert_eq!(Lang::of_request(&headers), Lang::Es);
        assert_eq!(Lang::chosen(&headers), None);
    }
}

/// The texts of the connections island, in the page's language: sent with its props, so the
/// client needs no catalogue. Values go where a text has `{}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IslandTexts(Vec<String>);

/// What [`IslandTexts`] holds, in order.
const ISLAND_TEXTS: [Text; 17] = [
    Text::ConnectService,
    Text::Connecting,
    Text::ConnectedAccounts,
    Text::NoAccounts,
    Text::ConnectedOn,
    Text::TokenExpires,
    Text::StatusActive,
    Text::ReconnectNeeded,
    Text::Syncing,
    Text::SyncNow,
    Text::Reconnect,
    Text::Disconnect,
    Text::SyncFailedToStart,
    Text::PopupBlocked,
    Text::ServiceConnectionCancelled,
    Text::ServiceConnected,
    Text::ServiceConnectFailed,
];

impl IslandTexts {
    pub fn new(lang: Lang) -> Self {
        Self(
            ISLAND_TEXTS
                .iter()
                .map(|&text| lang.t(text).to_owned())
                .collect(),
        )
    }

    /// `text`, if it is one the island was sent (every text the island uses is).
    pub fn get(&self, text: Text) -> &str {
        ISLAND_TEXTS
            .iter()
            .position(|&sent| sent == text)
            .and_then(|at| self.0.get(at))
            .map_or("", String::as_str)
    }

    /// `text` with `value` in its place.
    pub fn with(&self, text: Text, value: &str) -> String {
        self.get(text).replacen("{}", value, 1)
    }
}
