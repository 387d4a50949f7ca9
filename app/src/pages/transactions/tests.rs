//! Server renders of the Transactions page: rows, totals, paging, filters, the empty state.

use super::*;
use crate::model::{Choice, FilterChoices, MailboxOption, Period, UnreadMail};

fn page(rows: Vec<TransactionRow>, total_rows: u64, pages: u32) -> TransactionPage {
    TransactionPage {
        query: TransactionQuery {
            mailbox: Some(3),
            period: Period::Days90,
            page: 2,
            ..TransactionQuery::default()
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
        unread: vec![],
        choices: FilterChoices::default(),
        charts: None,
        filed: None,
    }
}

fn row(kind: &str, declined: bool) -> TransactionRow {
    TransactionRow {
        id: 7,
        when: "30 Nov 2025, 09:09".into(),
        merchant: "AUTOMERCADO, SAN JOSE, CR".into(),
        amount: "₡22,000.00".into(),
        card: Some("••3640".into()),
        bank: "BAC".into(),
        mailbox: "b@example.com".into(),
        also_in: Vec::new(),
        service: Some(MailService::Outlook),
        kind: kind.into(),
        declined,
        category: Choice {
            code: "supermarkets".into(),
            label: "Supermarkets".into(),
        },
    }
}

fn render(page: TransactionPage) -> String {
    Owner::new().with(|| view! { <TransactionsView page lang=crate::i18n::Lang::En /> }.to_html())
}

/// The text of the first element whose opening tag contains `open`, tags and
/// markers removed. The renderer's attribute order is not part of the page, so
/// `open` may be any part of the opening tag.
fn text_of(html: &str, open: &str) -> String {
    let found = html
        .find(open)
        .unwrap_or_else(|| panic!("no {open} in {html}"));
    let start = html[..=found].rfind('<').unwrap();
    let tag = html[start + 1..].split([' ', '>']).next().unwrap();
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
        "30 Nov 2025, 09:09AUTOMERCADO, SAN JOSE, CR₡22,000.00••3640BACb@example.comDeclinedSupermarkets"
    );
    assert_eq!(
        text_of(&html, "<p class=\"totals\""),
        "Spent: ₡45,500.00 · $10.00"
    );
    assert_eq!(text_of(&html, "<nav"), "PreviousPage 2 of 3Next");
    assert!(html.contains("href=\"/transactions?mailbox=3&amp;period=90&amp;page=1\""));
    assert!(html.contains("href=\"/transactions?mailbox=3&amp;period=90&amp;page=3\""));
    assert!(html.contains("<a href=\"/transactions.csv?mailbox=3&amp;period=90\" download=\"\""));
    assert!(html.contains("<option value=\"3\" selected>b@example.com</option>"));
    assert!(html.contains("<option value=\"90\" selected>Last 90 days</option>"));
    assert!(html.contains("<option value=\"\">All mailboxes</option>"));
    assert!(html.contains("<td data-service=\"Outlook\" class=\"mailbox\">b@example.com"));
    assert!(!html.contains("also in"));
    assert!(!html.contains("No transactions yet"));
}

#[test]
fn an_alert_seen_in_two_mailboxes_is_one_row_naming_both() {
    let mut seen_twice = row("Purchase", false);
    seen_twice.also_in = vec!["c@example.com".into()];
    let html = render(page(vec![seen_twice], 1, 1));
    assert_eq!(html.matches("<tr class=\"transaction").count(), 1);
    assert_eq!(
        text_of(&html, "class=\"mailbox\""),
        "b@example.com · also in c@example.com"
    );
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
        "No transactions yet. Connect a mailbox and we'll find your bank alerts."
    );
    assert!(html.contains("<a href=\"/connections\">Connect a mailbox</a>"));
    assert!(html.contains("<form method=\"get\" action=\"/transactions\""));
    for absent in ["<table", "<nav", "Download CSV", "Spent:"] {
        assert!(!html.contains(absent), "{absent}");
    }
}

#[test]
fn bank_mail_that_could_not_be_read_is_named_with_date_and_subject() {
    let mut with_unread = page(vec![row("Purchase", false)], 1, 1);
    with_unread.unread = vec![
        UnreadBankMail {
            bank: "BAC Credomatic".into(),
            count: 2,
            mails: vec![
                UnreadMail {
                    when: "23 Sep 2026, 09:13".into(),
                    subject: "Comprobante digital de su compra".into(),
                },
                UnreadMail {
                    when: "21 Sep 2026, 20:38".into(),
                    subject: "Comprobante <b>".into(),
                },
            ],
        },
        UnreadBankMail {
            bank: "Banco Nacional".into(),
            count: 1,
            mails: vec![],
        },
    ];
    let html = render(with_unread);
    assert_eq!(
        text_of(&html, "data-bank=\"BAC Credomatic\""),
        "2 mails from BAC Credomatic could not be read, so they are not in these totals.\
         23 Sep 2026, 09:13 — Comprobante digital de su compra\
         21 Sep 2026, 20:38 — Comprobante &lt;b&gt;"
    );
    assert!(
        html.contains(
            "1 mail from Banco Nacional could not be read, so it is not in these totals."
        )
    );
    // Nothing unread, no note.
    let html = render(page(vec![row("Purchase", false)], 1, 1));
    assert!(!html.contains("could not be read"));
}
