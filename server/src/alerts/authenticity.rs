//! Is a bank mail genuine? The receiving mail service's own verdict decides: the topmost
//! `Authentication-Results` header whose authserv-id is that service's (RFC 8601;
//! `mx.google.com` for Gmail, `mx.microsoft.com` for Outlook by default). Any other header, a
//! lower one with the same authserv-id included, is something a sender or relay could have
//! written and counts for nothing.
//!
//! Exchange Online also writes its verdict with no authserv-id at all (`Authentication-Results:
//! spf=pass (sender IP is …) smtp.mailfrom=…; dkim=pass …; dmarc=pass … header.from=…`), at the
//! top of what it receives. Where [`Verdicts::unnamed_topmost`] allows it, such a header counts
//! when it is the topmost one; an unnamed header anywhere lower never does.
//!
//! The mail passes when the header that counts reports
//! - `dmarc=pass` with `header.from` equal to the From domain, or
//! - `dkim=pass` with `header.d` (or the domain of `header.i`) equal to the From domain or a
//!   parent of it with at least two labels,
//!
//! and no `dmarc=fail` for the From domain: the service's DMARC verdict is never outweighed by
//! a DKIM pass (of another selector, say). Comments are dropped, and a quoted string is only
//! ever a property's value: a method, a result or a property name in quotes counts for
//! nothing, so no text a sender gets quoted into the header can add a result.

use super::Verdicts;

/// Decides from the raw header values, topmost first, whose verdicts count and the From
/// address's domain.
pub(crate) fn is_authentic<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    verdicts: Verdicts<'_>,
    from_domain: &str,
) -> bool {
    let named = |sections: &[Vec<Token>]| {
        sections
            .first()
            .and_then(|id| id.first())
            .and_then(Token::plain)
            .is_some_and(|id| id.eq_ignore_ascii_case(verdicts.authserv_id))
    };
    // A header whose first section is already a result (`spf=pass …`) names no service.
    let unnamed = |sections: &[Vec<Token>]| {
        sections
            .first()
            .and_then(|first| first.first())
            .and_then(Token::plain)
            .is_some_and(|token| token.contains('='))
    };
    let chosen =
        headers
            .into_iter()
            .map(sections)
            .enumerate()
            .find_map(|(position, mut sections)| {
                if named(&sections) {
                    Some(sections.split_off(1))
                } else if verdicts.unnamed_topmost && position == 0 && unnamed(&sections) {
                    Some(sections)
                } else {
                    None
                }
            });
    chosen.is_some_and(|results| {
        !results
            .iter()
            .any(|resinfo| dmarc_fails(resinfo, from_domain))
            && results.iter().any(|resinfo| vouches(resinfo, from_domain))
    })
}

/// A result's method (without its version) and result, e.g. `("dkim", "pass")`: from a token
/// written plainly, never from a quoted string.
fn method_and_result(resinfo: &[Token]) -> Option<(&str, &str)> {
    let (method, result) = resinfo.first()?.plain()?.split_once('=')?;
    Some((method.split('/').next().unwrap_or_default(), result))
}

/// `dmarc=fail` for the From domain (or naming no domain, so about the From field).
fn dmarc_fails(resinfo: &[Token], from_domain: &str) -> bool {
    let Some((method, result)) = method_and_result(resinfo) else {
        return false;
    };
    if !method.eq_ignore_ascii_case("dmarc") || !result.eq_ignore_ascii_case("fail") {
        return false;
    }
    let mut domains = resinfo[1..]
        .iter()
        .filter_map(Token::property)
        .filter(|(k, _)| k.eq_ignore_ascii_case("header.from"))
        .peekable();
    domains.peek().is_none() || domains.any(|(_, v)| v.eq_ignore_ascii_case(from_domain))
}

/// One result (`dkim=pass header.i=@x.com header.s=s1`) as tokens.
fn vouches(resinfo: &[Token], from_domain: &str) -> bool {
    let Some((method, result)) = method_and_result(resinfo) else {
        return false;
    };
    if !result.eq_ignore_ascii_case("pass") {
        return false;
    }
    let mut props = resinfo[1..].iter().filter_map(Token::property);
    if method.eq_ignore_ascii_case("dmarc") {
        props
            .filter(|(k, _)| k.eq_ignore_ascii_case("header.from"))
            .any(|(_, v)| v.eq_ignore_ascii_case(from_domain))
    } else if method.eq_ignore_ascii_case("dkim") {
        props.any(|(k, v)| {
            let domain = if k.eq_ignore_ascii_case("header.d") {
                v
            } else if k.eq_ignore_ascii_case("header.i") {
                v.rsplit_once('@').map_or(v, |(_, d)| d)
            } else {
                return false;
            };
            is_same_or_parent(domain, from_domain)
        })
    } else {
        false
    }
}

/// `signer` equals `domain` or is a dot-bounded parent of it with at least two labels.
fn is_same_or_parent(signer: &str, domain: &str) -> bool {
    if signer.is_empty() || !signer.contains('.') || signer.starts_with('.') {
        return false;
    }
    if signer.eq_ignore_ascii_case(domain) {
        return true;
    }
    domain.len() > signer.len()
        && domain.is_char_boundary(domain.len() - signer.len())
        && domain[domain.len() - signer.len()..].eq_ignore_ascii_case(signer)
        && domain.as_bytes()[domain.len() - signer.len() - 1] == b'.'
}

/// One whitespace-separated word of a header value, unquoted, remembering where its first
/// quoted character was.
#[derive(Debug, PartialEq)]
struct Token {
    text: String,
    /// The byte offset in `text` where a quoted string began, if one did.
    quoted_from: Option<usize>,
}

impl Token {
    /// The word, if no part of it was quoted (a method, a result, an authserv-id).
    fn plain(&self) -> Option<&str> {
        self.quoted_from.is_none().then_some(self.text.as_str())
    }

    /// `name=value`, where the name and the `=` were written plainly; the value may have been
    /// a quoted string.
    fn property(&self) -> Option<(&str, &str)> {
        let equals = self.text.find('=')?;
        if self.quoted_from.is_some_and(|from| from <= equals) {
            return None;
        }
        Some((&self.text[..equals], &self.text[equals + 1..]))
    }
}

/// Splits a header value into `;`-separated sections of whitespace-separated tokens, with
/// comments removed, quoted strings unquoted (and remembered as such), and folding undone.
fn sections(value: &str) -> Vec<Vec<Token>> {
    let mut out = vec![Vec::new()];
    let mut token = String::new();
    let mut quoted_from = None;
    let mut depth = 0_u32;
    let mut quoted = false;
    let mut escaped = false;
    let end_token =
        |token: &mut String, quoted_from: &mut Option<usize>, out: &mut Vec<Vec<Token>>| {
            let quoted_from = quoted_from.take();
            if (!token.is_empty() || quoted_from.is_some())
                && let Some(last) = out.last_mut()
            {
                last.push(Token {
                    text: std::mem::take(token),
                    quoted_from,
                });
            }
        };
    for c in value.chars() {
        if escaped {
            if depth == 0 {
                token.push(c);
            }
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted || depth > 0 => escaped = true,
            '"' if depth == 0 => {
                quoted = !quoted;
                quoted_from.get_or_insert(token.len());
            }
            _ if quoted => token.push(c),
            '(' => {
                depth += 1;
                end_token(&mut token, &mut quoted_from, &mut out);
            }
            ')' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            ';' => {
                end_token(&mut token, &mut quoted_from, &mut out);
                out.push(Vec::new());
            }
            c if c.is_whitespace() => end_token(&mut token, &mut quoted_from, &mut out),
            c => token.push(c),
        }
    }
    end_token(&mut token, &mut quoted_from, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GMAIL: Verdicts = crate::alerts::GMAIL_VERDICTS;
    const OUTLOOK: Verdicts = Verdicts {
        authserv_id: "mx.microsoft.com",
        unnamed_topmost: true,
    };

    const GOOD: &str = " mx.google.com;\r\n       dkim=pass header.i=@bancobcr.com header.s=s1 \
        header.b=Ab+c/9=;\r\n       spf=pass (google.com: domain of x@bancobcr.com designates \
        1.2.3.4 as permitted sender) smtp.mailfrom=x@bancobcr.com;\r\n       dmarc=pass \
        (p=REJECT sp=REJECT dis=NONE) header.from=bancobcr.com\r\n";

    #[test]
    fn parses_gmail_header() {
        let s: Vec<Vec<String>> = sections(GOOD)
            .into_iter()
            .map(|section| section.into_iter().map(|t| t.text).collect())
            .collect();
        assert_eq!(s[0], vec!["mx.google.com"]);
        assert_eq!(s[1][0], "dkim=pass");
        assert_eq!(s[2], vec!["spf=pass", "smtp.mailfrom=x@bancobcr.com"]);
        assert_eq!(s[3], vec!["dmarc=pass", "header.from=bancobcr.com"]);
        assert!(is_authentic([GOOD], GMAIL, "bancobcr.com"));
        assert!(is_authentic([GOOD], GMAIL, "alertas.bancobcr.com"));
        assert!(!is_authentic([GOOD], GMAIL, "evil.io"));
        assert!(!is_authentic([GOOD], GMAIL, "notbancobcr.com"));
    }

    #[test]
    fn decisions() {
        let cases: &[(&[&str], &str, bool)] = &[
            (&[], "bancobcr.com", false),
            (
                &["mx.google.com; dmarc=pass header.from=BancoBCR.com"],
                "bancobcr.com",
                true,
            ),
            (
                &["mx.google.com; dmarc=fail header.from=bancobcr.com"],
                "bancobcr.com",
                false,
            ),
            (
                &["mx.google.com; dmarc=pass header.from=evil.io"],
                "bancobcr.com",
                false,
            ),
            (
                &["mx.google.com; dkim=pass header.d=bancobcr.com"],
                "bancobcr.com",
                true,
            ),
            (
                &["mx.google.com; dkim=pass header.i=\"@bancobcr.com\""],
                "bancobcr.com",
                true,
            ),
            (
                &["mx.google.com; dkim=pass header.i=@evil.io"],
                "bancobcr.com",
                false,
            ),
            (
                &["mx.google.com; dkim=pass header.d=com"],
                "bancobcr.com",
                false,
            ),
            (
                &["mx.google.com; dkim=pass header.d=cr.com"],
                "bancobcr.com",
                false,
            ),
            (
                &["mx.google.com; dkim=fail header.d=bancobcr.com"],
                "bancobcr.com",
                false,
            ),
            (
                &["mx.google.com; spf=pass smtp.mailfrom=bancobcr.com"],
                "bancobcr.com",
                false,
            ),
            (&["mx.google.com; none"], "bancobcr.com", false),
            (
                &["evil.io; dkim=pass header.d=bancobcr.com"],
                "bancobcr.com",
                false,
            ),
            (
                &[
                    "relay.example; dkim=pass header.d=bancobcr.com",
                    "mx.google.com; dkim=fail header.d=bancobcr.com",
                ],
                "bancobcr.com",
                false,
            ),
            (
                &[
                    "mx.google.com; dkim=fail header.d=bancobcr.com",
                    "mx.google.com; dkim=pass header.d=bancobcr.com",
                ],
                "bancobcr.com",
                false,
            ),
            (
                &["mx.google.com (x;y); dkim=pass (c;o(m)m) header.d=bancobcr.com"],
                "bancobcr.com",
                true,
            ),
            (
                &["mx.google.com 1; dkim/2=pass header.d=bancobcr.com"],
                "bancobcr.com",
                true,
            ),
            (
                &["MX.Google.com; dkim=pass header.d=bancobcr.com"],
                "bancobcr.com",
                true,
            ),
            // The service's DMARC failure is not outweighed by a DKIM pass.
            (
                &[
                    "mx.google.com; dkim=pass header.d=bancobcr.com header.s=s2; \
                   dmarc=fail (p=REJECT) header.from=bancobcr.com",
                ],
                "bancobcr.com",
                false,
            ),
            (
                &["mx.google.com; dmarc=fail; dkim=pass header.d=bancobcr.com"],
                "bancobcr.com",
                false,
            ),
            // A failure about another domain says nothing of this one.
            (
                &["mx.google.com; dmarc=fail header.from=other.example; \
                   dkim=pass header.d=bancobcr.com"],
                "bancobcr.com",
                true,
            ),
            // Quoted, a method or a property name is no result.
            (
                &["mx.google.com; \"dkim=pass\" header.d=bancobcr.com"],
                "bancobcr.com",
                false,
            ),
            (
                &["mx.google.com; dkim=pass \"header.d\"=bancobcr.com"],
                "bancobcr.com",
                false,
            ),
            (
                &[
                    "mx.google.com; spf=fail smtp.mailfrom=\"x; dmarc=pass header.from=bancobcr.com\"@evil.io",
                ],
                "bancobcr.com",
                false,
            ),
            (
                &["\"mx.google.com\"; dkim=pass header.d=bancobcr.com"],
                "bancobcr.com",
                false,
            ),
        ];
        for (headers, domain, want) in cases {
            assert_eq!(
                is_authentic(headers.iter().copied(), GMAIL, domain),
                *want,
                "{headers:?} for {domain}"
            );
        }
    }

    #[test]
    fn only_the_trusted_service_counts() {
        let outlook = "mx.microsoft.com 1; spf=pass smtp.mailfrom=bancobcr.com; \
            dkim=pass (signature was verified) header.d=bancobcr.com; \
            dmarc=pass action=none header.from=bancobcr.com;compauth=pass reason=100";
        assert!(is_authentic([outlook], OUTLOOK, "bancobcr.com"));
        assert!(!is_authentic([outlook], GMAIL, "bancobcr.com"));
        assert!(!is_authentic([GOOD], OUTLOOK, "bancobcr.com"));
    }

    #[test]
    fn an_unnamed_verdict_counts_only_on_top_and_only_where_allowed() {
        // Exchange Online's own form: no authserv-id.
        let exchange = "spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=bancobcr.com; \
            dkim=pass (signature was verified) header.d=bancobcr.com;dmarc=pass action=none \
            header.from=bancobcr.com;compauth=pass reason=100";
        let failed = "spf=fail smtp.mailfrom=bancobcr.com; dmarc=fail header.from=bancobcr.com";
        let forged = "mx.microsoft.com; dmarc=pass header.from=bancobcr.com";
        assert!(is_authentic([exchange], OUTLOOK, "bancobcr.com"));
        assert!(!is_authentic([exchange], OUTLOOK, "evil.io"));
        // Gmail always names itself: an unnamed header is anyone's.
        assert!(!is_authentic([exchange], GMAIL, "bancobcr.com"));
        // Lower down, an unnamed header is a sender's.
        assert!(!is_authentic([failed, exchange], OUTLOOK, "bancobcr.com"));
        // The topmost (the service's) failed: a lower header naming the service changes nothing.
        assert!(!is_authentic([failed, forged], OUTLOOK, "bancobcr.com"));
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// Text a sender might get into a comment or a quoted string: results, separators,
        /// quotes, brackets and escapes.
        fn hostile_text() -> impl Strategy<Value = String> {
            proptest::collection::vec(
                prop_oneof![
                    Just("dkim=pass header.d=bancobcr.com".to_owned()),
                    Just("dmarc=pass header.from=bancobcr.com".to_owned()),
                    Just("mx.google.com".to_owned()),
                    Just(";".to_owned()),
                    Just(" ".to_owned()),
                    Just("\\".to_owned()),
                    Just("\"".to_owned()),
                    Just("(".to_owned()),
                    Just(")".to_owned()),
                    "[a-z=.@ ]{0,12}",
                ],
                0..12,
            )
            .prop_map(|parts| parts.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            /// A failing verdict stays failing whatever a comment holds.
            #[test]
            fn comments_never_add_a_result(text in hostile_text()) {
                let comment = text.replace(['(', ')', '\\'], " ");
                let header = format!(
                    "mx.google.com; dkim=fail ({comment}) header.d=bancobcr.com; \
                     spf=fail ({comment}) smtp.mailfrom=bancobcr.com"
                );
                prop_assert!(!is_authentic([header.as_str()], GMAIL, "bancobcr.com"));
            }

            /// A failing verdict stays failing whatever a quoted value holds.
            #[test]
            fn quoted_strings_never_add_a_result(text in hostile_text()) {
                let quoted = text.replace(['"', '\\'], " ");
                let header = format!(
                    "mx.google.com; spf=fail smtp.mailfrom=\"{quoted}\"@evil.io; \
                     dkim=fail header.i=\"{quoted}\""
                );
                prop_assert!(!is_authentic([header.as_str()], GMAIL, "bancobcr.com"));
            }

            /// Whatever headers follow it, in any order, the topmost header of the service
            /// decides: a failure is not outweighed, a pass is not undone.
            #[test]
            fn the_services_topmost_header_decides(
                passes in any::<bool>(),
                lower in proptest::collection::vec(
                    prop_oneof![
                        Just("mx.google.com; dkim=pass header.d=bancobcr.com"),
                        Just("mx.google.com; dmarc=fail header.from=bancobcr.com"),
                        Just("relay.example; dmarc=pass header.from=bancobcr.com"),
                        Just("dkim=pass header.d=bancobcr.com"),
                        Just("mx.google.com; none"),
                    ],
                    0..6,
                ),
                noise in hostile_text(),
            ) {
                let top = if passes {
                    "mx.google.com; dkim=pass header.d=bancobcr.com; dmarc=pass header.from=bancobcr.com"
                } else {
                    "mx.google.com; dkim=pass header.d=bancobcr.com header.s=old; dmarc=fail header.from=bancobcr.com"
                };
                let mut headers = vec![format!("relay.example; {noise}"), top.to_owned()];
                headers.extend(lower.iter().map(|h| (*h).to_owned()));
                let decided = is_authentic(headers.iter().map(String::as_str), GMAIL, "bancobcr.com");
                prop_assert_eq!(decided, passes);
            }
        }
    }
}
