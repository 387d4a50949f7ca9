//! `/transactions`: the transactions found in the user's bank alerts, newest first, 50 a page,
//! with spending totals per currency and a CSV download. The filters are a plain GET form and
//! the paging plain links, so the page works before (and without) the WASM; the server renders
//! it complete. The server only renders it for a signed-in user.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::transactions::list_transactions;
use crate::model::{
    CurrencyTotal, MailService, MailboxOption, Period, TransactionPage, TransactionQuery,
    TransactionRow,
};

#[component]
pub fn TransactionsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        params.with(|params| {
            TransactionQuery::from_params(
                params.get_str("mailbox"),
                params.get_str("period"),
                params.get_str("page"),
            )
        })
    });
    let page = Resource::new(move || query.get(), list_transactions);

    view! {
        <section class="card transactions-page">
            <h1>"Transactions"</h1>
            <Transition fallback=|| view! { <p>"Loading transactions…"</p> }>
                {move || {
                    page.get()
                        .map(|result| match result {
                            Ok(page) => view! { <TransactionsView page /> }.into_any(),
                            Err(error) => {
                                view! {
                                    <p class="error" role="alert">
                                        {error.to_string()}
                                    </p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn TransactionsView(page: TransactionPage) -> impl IntoView {
    let TransactionPage {
        query,
        rows,
        total_rows,
        pages,
        totals,
        mailboxes,
    } = page;
    let filters = view! { <Filters query=query.clone() mailboxes /> };
    if total_rows == 0 && (query.mailbox.is_some() || query.period != Period::All) {
        return view! {
            {filters}
            <p class="empty">
                "No transactions match these filters. "
                <a href=TransactionQuery::default().page_href(1)>"Show all transactions"</a>
            </p>
        }
        .into_any();
    }
    if total_rows == 0 {
        return view! {
            {filters}
            <p class="empty">
                "No transactions yet. " <a href="/connections">"Connect Gmail"</a>
                " and we'll find your bank alerts."
            </p>
        }
        .into_any();
    }
    let list = if rows.is_empty() {
        // A page past the end (an old link after rows went away).
        view! {
            <p class="empty">
                "Nothing on this page. " <a href=query.page_href(pages.max(1))>"Go to the last page"</a>
            </p>
        }
            .into_any()
    } else {
        view! {
            <TransactionTable rows />
            <Pager query=query.clone() pages />
        }
        .into_any()
    };
    let count = if total_rows == 1 {
        "1 transaction".to_owned()
    } else {
        format!("{total_rows} transactions")
    };
    view! {
        {filters}
        <div class="summary">
            <Totals totals />
            <p class="count">{count}</p>
            <a class="csv" href=query.csv_href() download="">
                "Download CSV"
            </a>
        </div>
        {list}
    }
    .into_any()
}

/// The filters: a plain form that loads `/transactions?mailbox=…&period=…` (back to page 1).
#[component]
fn Filters(query: TransactionQuery, mailboxes: Vec<MailboxOption>) -> impl IntoView {
    view! {
        <form class="filters" method="get" action="/transactions" role="search" aria-label="Filters">
            <div class="field">
                <label for="mailbox-filter">"Mailbox"</label>
                <select id="mailbox-filter" name="mailbox">
                    <option value="" selected=query.mailbox.is_none()>
                        "All mailboxes"
                    </option>
                    {mailboxes
                        .into_iter()
                        .map(|mailbox| {
                            view! {
                                <option
                                    value=mailbox.id.to_string()
                                    selected=query.mailbox == Some(mailbox.id)
                                >
                                    {mailbox.email}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="period-filter">"Period"</label>
                <select id="period-filter" name="period">
                    {Period::ALL
                        .into_iter()
                        .map(|period| {
                            view! {
                                <option value=period.code() selected=period == query.period>
                                    {period.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit">"Apply"</button>
        </form>
    }
}

/// "Spent: ₡45,500.00 · $10.00" — declined rows and money in are not counted.
#[component]
fn Totals(totals: Vec<CurrencyTotal>) -> impl IntoView {
    let spent = if totals.is_empty() {
        view! { "nothing" }.into_any()
    } else {
        totals
            .into_iter()
            .enumerate()
            .map(|(index, total)| {
                view! {
                    {(index > 0).then_some(" · ")}
                    <span class="total" data-currency=total.currency>
                        {total.amount}
                    </span>
                }
            })
            .collect_view()
            .into_any()
    };
    view! { <p class="totals">"Spent: " {spent}</p> }
}

#[component]
fn TransactionTable(rows: Vec<TransactionRow>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="transactions" aria-label="Transactions">
                <thead>
                    <tr>
                        <th scope="col">"Date"</th>
                        <th scope="col">"Merchant"</th>
                        <th scope="col" class="amount">
                            "Amount"
                        </th>
                        <th scope="col">"Card"</th>
                        <th scope="col">"Bank"</th>
                        <th scope="col">"Mailbox"</th>
                        <th scope="col">"Kind"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| view! { <Row row /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Row(row: TransactionRow) -> impl IntoView {
    let class = if row.declined {
        "transaction declined"
    } else {
        "transaction"
    };
    view! {
        <tr class=class>
            <td class="when">{row.when}</td>
            <td class="merchant">{row.merchant}</td>
            <td class="amount">{row.amount}</td>
            <td class="card-number">{row.card.unwrap_or_else(|| "—".to_owned())}</td>
            <td class="bank">{row.bank}</td>
            <td class="mailbox" data-service=row.service.map(MailService::name)>{row.mailbox}</td>
            <td class="kind">{row.kind}</td>
        </tr>
    }
}

/// "Previous" / "Page 2 of 5" / "Next", keeping the filters.
#[component]
fn Pager(query: TransactionQuery, pages: u32) -> impl IntoView {
    let pages = pages.max(1);
    let current = query.page.clamp(1, pages);
    let previous = (current > 1).then(|| {
        view! {
            <a class="previous" rel="prev" href=query.page_href(current - 1)>
                "Previous"
            </a>
        }
    });
    let next = (current < pages).then(|| {
        view! {
            <a class="next" rel="next" href=query.page_href(current + 1)>
                "Next"
            </a>
        }
    });
    view! {
        <nav class="pager" aria-label="Pages">
            {previous}
            <span class="page-of">{format!("Page {current} of {pages}")}</span>
            {next}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(rows: Vec<TransactionRow>, total_rows: u64, pages: u32) -> TransactionPage {
        TransactionPage {
            query: TransactionQuery {
                mailbox: Some(3),
                period: Period::Days90,
                page: 2,
            },
            rows,
            total_rows,
            pages,
            totals: vec![
                CurrencyTotal {
                    currency: "CRC".into(),
                    amount: "₡45,500.00".into(),
                },
                CurrencyTotal {
                    currency: "USD".into(),
                    amount: "$10.00".into(),
                },
            ],
            mailboxes: vec![
                MailboxOption {
                    id: 2,
                    email: "a@example.com".into(),
                },
                MailboxOption {
                    id: 3,
                    email: "b@example.com".into(),
                },
            ],
        }
    }

    fn row(kind: &str, declined: bool) -> TransactionRow {
        TransactionRow {
            when: "30 Nov 2025, 09:09".into(),
            merchant: "AUTOMERCADO, SAN JOSE, CR".into(),
            amount: "₡22,000.00".into(),
            card: Some("••3640".into()),
            bank: "BAC".into(),
            mailbox: "b@example.com".into(),
            service: Some(MailService::Outlook),
            kind: kind.into(),
            declined,
        }
    }

    fn render(page: TransactionPage) -> String {
        Owner::new().with(|| view! { <TransactionsView page /> }.to_html())
    }

    /// The text of the first element that opens with `open`, tags and markers removed.
    fn text_of(html: &str, open: &str) -> String {
        let start = html
            .find(open)
            .unwrap_or_else(|| panic!("no {open} in {html}"));
        let tag = open
            .trim_start_matches('<')
            .split([' ', '>'])
            .next()
            .unwrap();
        let end = start + html[start..].find(&format!("</{tag}>")).unwrap();
        let mut text = String::new();
        let mut in_tag = false;
        for c in html[start..end].chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        text
    }

    #[test]
    fn rows_totals_paging_and_download_keep_the_filters() {
        let html = render(page(
            vec![row("Purchase", false), row("Declined", true)],
            120,
            3,
        ));
        assert_eq!(html.matches("<tr class=\"transaction").count(), 2);
        assert_eq!(
            text_of(&html, "<tr class=\"transaction declined\""),
            "30 Nov 2025, 09:09AUTOMERCADO, SAN JOSE, CR₡22,000.00••3640BACb@example.comDeclined"
        );
        assert_eq!(
            text_of(&html, "<p class=\"totals\""),
            "Spent: ₡45,500.00 · $10.00"
        );
        assert_eq!(text_of(&html, "<nav"), "PreviousPage 2 of 3Next");
        assert!(html.contains("href=\"/transactions?mailbox=3&amp;period=90&amp;page=1\""));
        assert!(html.contains("href=\"/transactions?mailbox=3&amp;period=90&amp;page=3\""));
        assert!(
            html.contains("<a href=\"/transactions.csv?mailbox=3&amp;period=90\" download=\"\"")
        );
        assert!(html.contains("<option value=\"3\" selected>b@example.com</option>"));
        assert!(html.contains("<option value=\"90\" selected>Last 90 days</option>"));
        assert!(html.contains("<option value=\"\">All mailboxes</option>"));
        assert!(html.contains("<td data-service=\"Outlook\" class=\"mailbox\">b@example.com</td>"));
        assert!(!html.contains("No transactions yet"));
    }

    #[test]
    fn a_single_page_has_no_paging_links() {
        let mut one = page(vec![row("Purchase", false)], 1, 1);
        one.query.page = 1;
        one.totals.clear();
        let html = render(one);
        assert_eq!(text_of(&html, "<nav"), "Page 1 of 1");
        assert_eq!(text_of(&html, "<p class=\"totals\""), "Spent: nothing");
        assert_eq!(text_of(&html, "<p class=\"count\""), "1 transaction");
    }

    #[test]
    fn no_rows_shows_the_empty_state_and_keeps_the_filters() {
        // Filtered to one mailbox and 90 days: nothing matches, which is not "nothing yet".
        let html = render(page(vec![], 0, 0));
        assert_eq!(
            text_of(&html, "<p class=\"empty\""),
            "No transactions match these filters. Show all transactions"
        );
        assert!(html.contains("<a href=\"/transactions?period=all&amp;page=1\">"));

        let mut nothing = page(vec![], 0, 0);
        nothing.query = TransactionQuery::default();
        let html = render(nothing);
        assert_eq!(
            text_of(&html, "<p class=\"empty\""),
            "No transactions yet. Connect Gmail and we'll find your bank alerts."
        );
        assert!(html.contains("<a href=\"/connections\">Connect Gmail</a>"));
        assert!(html.contains("<form method=\"get\" action=\"/transactions\""));
        for absent in ["<table", "<nav", "Download CSV", "Spent:"] {
            assert!(!html.contains(absent), "{absent}");
        }
    }
}
