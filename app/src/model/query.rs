//! The Transactions page's filters, as its URLs (and the CSV download's) spell them.

use crate::i18n::Text;
use serde::{Deserialize, Serialize};

/// Which period the Transactions page covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Period {
    Days7,
    Days30,
    Days90,
    /// The default: everything found, whenever it happened.
    #[default]
    All,
}

impl Period {
    pub const ALL: [Period; 4] = [Period::Days7, Period::Days30, Period::Days90, Period::All];

    /// The value in the page's URL (`?period=30`).
    pub fn code(self) -> &'static str {
        match self {
            Period::Days7 => "7",
            Period::Days30 => "30",
            Period::Days90 => "90",
            Period::All => "all",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    /// Its name in the filters.
    pub fn text(self) -> Text {
        match self {
            Period::Days7 => Text::Last7Days,
            Period::Days30 => Text::Last30Days,
            Period::Days90 => Text::Last90Days,
            Period::All => Text::AllTime,
        }
    }

    /// How many days back it reaches; `None` for all time.
    pub fn days(self) -> Option<i64> {
        match self {
            Period::Days7 => Some(7),
            Period::Days30 => Some(30),
            Period::Days90 => Some(90),
            Period::All => None,
        }
    }
}

/// What the Transactions page asks for (also the CSV download's query). Every filter is in the
/// URL, so a filtered list can be bookmarked and shared.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TransactionQuery {
    /// One mailbox (an account id of the user's), or all of them.
    pub mailbox: Option<i32>,
    pub period: Period,
    /// A span of days chosen on the chart, both included ("2026-12-01" to "2026-12-07"): it
    /// replaces the period.
    pub days: Option<(String, String)>,
    /// Words of the merchant's or the counterparty's name (any case, accents or not).
    pub search: Option<String>,
    /// A category's code (`supermarkets`, …).
    pub category: Option<String>,
    /// A kind's code (`purchase`, `refund`, …).
    pub kind: Option<String>,
    /// A card's last four digits.
    pub card: Option<String>,
    /// A bank's code (`bac_credomatic`, …).
    pub bank: Option<String>,
    /// 1-based; 50 rows a page.
    pub page: u32,
}

/// The longest search the filters take, in characters.
pub const MAX_SEARCH_CHARS: usize = 100;

impl TransactionQuery {
    /// Reads the filters from the URL's values (`get("mailbox")`, …). A missing or malformed
    /// value falls back to its default: all mailboxes, all time, no other filter, page 1.
    pub fn from_params<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        let text = |name: &str| {
            get(name)
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        // Codes are short snake_case words; anything else names nothing.
        let code = |name: &str| {
            text(name).filter(|value| {
                value.len() <= 40 && value.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            })
        };
        let day = |name: &str| text(name).filter(|value| is_iso_date(value));
        Self {
            mailbox: get("mailbox")
                .and_then(|id| id.trim().parse::<i32>().ok())
                .filter(|id| *id > 0),
            period: get("period")
                .and_then(Period::from_code)
                .unwrap_or_default(),
            days: day("from").zip(day("to")).filter(|(from, to)| from <= to),
            search: text("q").filter(|q| q.chars().count() <= MAX_SEARCH_CHARS),
            category: code("category"),
            kind: code("kind"),
            card: text("card")
                .filter(|card| card.len() == 4 && card.chars().all(|c| c.is_ascii_digit())),
            bank: code("bank"),
            page: get("page")
                .and_then(|page| page.trim().parse::<u32>().ok())
                .filter(|page| *page >= 1)
                .unwrap_or(1),
        }
    }

    /// The filters as URL pairs, without the page, in a fixed order: `mailbox`, `period` (always),
    /// `from`, `to`, `q`, `category`, `kind`, `card`, `bank`.
    pub fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(id) = self.mailbox {
            pairs.push(("mailbox", id.to_string()));
        }
        pairs.push(("period", self.period.code().to_owned()));
        if let Some((from, to)) = &self.days {
            pairs.push(("from", from.clone()));
            pairs.push(("to", to.clone()));
        }
        let optional = [
            ("q", &self.search),
            ("category", &self.category),
            ("kind", &self.kind),
            ("card", &self.card),
            ("bank", &self.bank),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                pairs.push((name, value.clone()));
            }
        }
        pairs
    }

    /// The filters as a query string, without the page: `mailbox=3&period=30&q=auto+mercado`.
    pub fn filter_params(&self) -> String {
        serde_urlencoded::to_string(self.filter_pairs()).unwrap_or_default()
    }

    /// The filters and the page, `period=all&q=soda&page=2`: where a change of category comes
    /// back to.
    pub fn list_params(&self) -> String {
        format!("{}&page={}", self.filter_params(), self.page)
    }

    /// Whether any filter narrows the list (besides all time, all mailboxes).
    pub fn is_filtered(&self) -> bool {
        self.filter_pairs().len() > 1 || self.period != Period::All
    }

    /// The Transactions page with these filters, at `page`.
    pub fn page_href(&self, page: u32) -> String {
        format!("/transactions?{}&page={page}", self.filter_params())
    }

    /// The CSV download of every row these filters match.
    pub fn csv_href(&self) -> String {
        format!("/transactions.csv?{}", self.filter_params())
    }
}

/// Whether `value` is written `YYYY-MM-DD` (digits where digits go; the server checks the
/// date itself).
fn is_iso_date(value: &str) -> bool {
    value.len() == 10
        && value.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> TransactionQuery {
        TransactionQuery::from_params(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| *value)
        })
    }

    #[test]
    fn transaction_filters_read_from_the_url_fall_back_to_defaults() {
        let default = TransactionQuery {
            page: 1,
            ..TransactionQuery::default()
        };
        assert_eq!(read(&[]), default);
        let full = read(&[
            ("mailbox", "7"),
            ("period", "90"),
            ("page", "3"),
            ("from", "2026-12-01"),
            ("to", "2026-12-07"),
            ("q", " auto mercado "),
            ("category", "supermarkets"),
            ("kind", "purchase"),
            ("card", "3640"),
            ("bank", "bac_credomatic"),
        ]);
        assert_eq!(
            full,
            TransactionQuery {
                mailbox: Some(7),
                period: Period::Days90,
                days: Some(("2026-12-01".into(), "2026-12-07".into())),
                search: Some("auto mercado".into()),
                category: Some("supermarkets".into()),
                kind: Some("purchase".into()),
                card: Some("3640".into()),
                bank: Some("bac_credomatic".into()),
                page: 3,
            }
        );
        assert_eq!(read(&[("period", "30")]).period, Period::Days30);
        for bad in [
            "",
            "x",
            "-2",
            "0",
            "1.5",
            "99999999999",
            "DROP TABLE",
            "12/01/2026",
        ] {
            let all: Vec<(&str, &str)> = [
                "mailbox", "period", "page", "from", "to", "category", "kind", "card", "bank",
            ]
            .into_iter()
            .map(|name| (name, bad))
            .collect();
            let query = read(&all);
            // A code is only checked for its shape here ("x" could be one); the server knows
            // which exist.
            if bad != "x" {
                assert_eq!(query.category, None, "{bad:?}");
                assert_eq!(query.kind, None, "{bad:?}");
            }
            assert_eq!(query.card, None, "{bad:?}");
            assert_eq!(query.days, None, "{bad:?}");
            assert_eq!(query.mailbox, None, "{bad:?}");
            assert_eq!(query.page, 1, "{bad:?}");
        }
        // A span that ends before it starts, and a search longer than the limit, name nothing.
        assert_eq!(
            read(&[("from", "2026-12-07"), ("to", "2026-12-01")]).days,
            None
        );
        let long = "a".repeat(MAX_SEARCH_CHARS + 1);
        assert_eq!(read(&[("q", &long)]).search, None);
    }

    #[test]
    fn transaction_links_keep_the_filters() {
        let query = TransactionQuery {
            mailbox: Some(4),
            period: Period::Days7,
            page: 2,
            ..TransactionQuery::default()
        };
        assert_eq!(
            query.page_href(3),
            "/transactions?mailbox=4&period=7&page=3"
        );
        assert_eq!(query.csv_href(), "/transactions.csv?mailbox=4&period=7");
        let searched = TransactionQuery {
            search: Some("café & co".into()),
            category: Some("dining".into()),
            ..TransactionQuery::default()
        };
        assert_eq!(
            searched.filter_params(),
            "period=all&q=caf%C3%A9+%26+co&category=dining"
        );
        assert!(searched.is_filtered());
        let all = TransactionQuery {
            page: 1,
            ..TransactionQuery::default()
        };
        assert!(!all.is_filtered());
        assert_eq!(all.page_href(1), "/transactions?period=all&page=1");
        assert_eq!(all.csv_href(), "/transactions.csv?period=all");
        for period in Period::ALL {
            assert_eq!(Period::from_code(period.code()), Some(period));
        }
    }
}
