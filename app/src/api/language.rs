use leptos::prelude::*;

use crate::error::AppError;

/// Switches the language pages are read in (`lang`: "es" or "en") and keeps the choice, in the
/// browser and, for a signed-in user, in their account; back to `back`, a path on this site.
#[server(prefix = "/api", endpoint = "set_language")]
pub async fn set_language(lang: String, back: String) -> Result<(), AppError> {
    super::ssr::answer(async {
        let (backend, req) = super::ssr::request()?;
        let lang = crate::i18n::Lang::from_code(&lang).ok_or_else(|| {
            let lang = crate::i18n::Lang::current();
            AppError::invalid(lang.t(crate::i18n::Text::ChooseLanguage))
        })?;
        let cookie = backend.set_language(&req, lang).await?;
        super::ssr::set_cookie(cookie);
        leptos_axum::redirect(&local_path(&back));
        Ok(())
    })
    .await
}

/// `back` when it is a path on this site, else the home page: the switch never sends anyone
/// elsewhere.
#[cfg(feature = "ssr")]
fn local_path(back: &str) -> String {
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && !back.starts_with("/\\")
        && !back.chars().any(char::is_control);
    if local {
        back.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::local_path;

    #[test]
    fn the_switch_only_goes_back_to_this_site() {
        assert_eq!(
            local_path("/transactions?period=d30"),
            "/transactions?period=d30"
        );
        assert_eq!(local_path("https://evil.example"), "/");
        assert_eq!(local_path("//evil.example/x"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        assert_eq!(local_path(""), "/");
        assert_eq!(local_path("/a\r\nSet-Cookie: x=y"), "/");
    }
}
