//! `/transactions`: the transactions found in the user's bank alerts, newest first, 50 a page,
//! with spending totals per currency, charts of spending over time and per category, and a CSV
//! download. The filters are a plain GET form, the charts' bars, the paging and the categories
//! plain links, so the page works before (and without) the WASM; the server renders it
//! complete. The server only renders it for a signed-in user. Changing a row's category is a
//! page of its own ([`filing`]).

mod charts;
pub mod filing;
mod filters;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::transactions::list_transactions;
use crate::i18n::{Lang, Text};
use crate::model::{
    CurrencyTotal, FilingUndo, MailService, TransactionPage, TransactionQuery, TransactionRow,
    UnreadBankMail,
};
use charts::Charts;
use filing::FiledNotice;
use filters::Filters;

#[component]
pub fn TransactionsPage() -> impl IntoView {
    let params = use_query_map();
    let request = Memo::new(move |_| {
        params.with(|params| {
            let query = TransactionQuery::from_params(|name| params.get_str(name));
            // Back from a change of category: the notice and its undo.
            let filed = params
                .get_str("filed")
                .and_then(|id| id.parse().ok())
                .map(|id| FilingUndo {
                    id,
                    merchant_wide: params.get_str("scope") == Some("merchant"),
                    was_rule: params.get_str("was_rule").unwrap_or_default().to_owned(),
                    was_own: params.get_str("was_own").unwrap_or_default().to_owned(),
                    back: query.list_params(),
                });
            (query, filed)
        })
    });
    let page = Resource::new(
        move || request.get(),
        |(query, filed)| list_transactions(query, filed),
    );
    let lang = Lang::current();

    view! {
        <section class="card transactions-page">
            <Title text=lang.t(Text::Transactions) />
            <h1 tabindex="-1">{lang.t(Text::Transactions)}</h1>
            <NewTransactionsNote lang />
            <Transition fallback=move || view! { <p>{lang.t(Text::LoadingTransactions)}</p> }>
                {move || {
                    page.get()
                        .map(|result| match result {
                            Ok(page) => view! { <TransactionsView page lang /> }.into_any(),
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

/// While the page is open, "3 new transactions — Show them" when syncs store new rows (the
/// page's event stream, see `header.rs`); "Show them" reads the page again in place, with the
/// same filters, and moves focus to its heading. Empty until then. A few lines of script
/// rather than an island.
#[component]
fn NewTransactionsNote(lang: Lang) -> impl IntoView {
    view! {
        <p
            class="new-transactions"
            role="status"
            data-one=lang.t(Text::NewTransaction)
            data-many=lang.t(Text::NewTransactions)
            data-show=lang.t(Text::ShowNewTransactions)
        ></p>
        <script nonce=leptos::nonce::use_nonce() inner_html=NEW_TRANSACTIONS></script>
    }
}

const NEW_TRANSACTIONS: &str = r#"(function () {
  // New rows not yet shown; those announced while the page is being read again are counted
  // for after it, since the page read may not hold them.
  var count = 0, during = 0, reading = false;
  function note() { return document.querySelector(".new-transactions"); }
  function render() {
    var el = note();
    if (!el) return;
    el.textContent = "";
    if (count === 0) return;
    el.textContent = (count === 1 ? el.dataset.one : el.dataset.many.replace("{}", count)) + " — ";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    button.textContent = el.dataset.show;
    button.addEventListener("click", show);
    el.appendChild(button);
  }
  function show() {
    if (reading) return;
    reading = true;
    during = 0;
    fetch(location.href, { headers: { Accept: "text/html" } })
      .then(function (r) { if (!r.ok) throw r.status; return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector(".transactions-page");
        var page = document.querySelector(".transactions-page");
        if (!fresh || !page) throw 0;
        page.replaceWith(fresh);
        document.title = doc.title;
        reading = false;
        count = during;
        render();
        fresh.querySelector("h1").focus();
      })
      .catch(function () { location.reload(); });
  }
  addEventListener("mailconnect:new", function (e) {
    var n = e.detail.count || 0;
    if (reading) during += n;
    count += n;
    if (!reading) render();
  });
})();"#;

#[component]
fn TransactionsView(page: TransactionPage, lang: Lang) -> impl IntoView {
    let TransactionPage {
        query,
        rows,
        total_rows,
        pages,
        totals,
        mailboxes,
        unread,
        choices,
        charts,
        filed,
    } = page;
    let back = query.list_params();
    let filters = view! {
        {filed.map(|notice| view! { <FiledNotice notice /> })}
        <Filters query=query.clone() mailboxes choices />
        <UnreadNote unread lang />
    }
    .into_any();
    if total_rows == 0 && query.is_filtered() {
        return view! {
            <Title text=lang.t(Text::NoneMatchTitle) />
            {filters}
            <p class="empty">
                {lang.t(Text::NoneMatch)}
                <a href=TransactionQuery::default().page_href(1)>{lang.t(Text::ShowAllTransactions)}</a>
            </p>
        }
        .into_any();
    }
    if total_rows == 0 {
        return view! {
            {filters}
            <p class="empty">
                {lang.t(Text::NoTransactionsYet)} <a href="/connections">{lang.t(Text::ConnectAMailbox)}</a>
                {lang.t(Text::WellFindAlerts)}
            </p>
        }
        .into_any();
    }
    let list = if rows.is_empty() {
        // A page past the end (an old link after rows went away).
        view! {
            <p class="empty">
                {lang.t(Text::NothingOnThisPage)} <a href=query.page_href(pages.max(1))>{lang.t(Text::GoToLastPage)}</a>
            </p>
        }
            .into_any()
    } else {
        view! {
            <TransactionTable rows back lang />
            <Pager query=query.clone() pages lang />
        }
        .into_any()
    };
    let count = lang.transactions(total_rows);
    // After a filter or a page link, the title says what the list now holds.
    let title = match (query.is_filtered(), query.page) {
        (false, 1) => lang.t(Text::Transactions).to_owned(),
        (true, 1) => lang.transactions_found(total_rows),
        (_, page) => lang.transactions_page(total_rows, page, pages),
    };
    view! {
        <Title text=title />
        {filters}
        <div class="summary">
            <Totals totals lang />
            <p class="count">{count}</p>
            <a class="csv" href=query.csv_href() download="">
                {lang.t(Text::DownloadCsv)}
            </a>
        </div>
        {charts.map(|charts| view! { <Charts charts lang /> })}
        {list}
    }
    .into_any()
}

/// "2 mails from BAC Credomatic could not be read, so they are not in these totals", with the
/// date and subject of each (the newest), for every bank with such mail.
#[component]
fn UnreadNote(unread: Vec<UnreadBankMail>, lang: Lang) -> impl IntoView {
    if unread.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="unread" aria-label=lang.t(Text::UnreadBankMail)>
            {unread
                .into_iter()
                .map(|bank| {
                    let heading = lang.unread_mail(bank.count, &bank.bank);
                    view! {
                        <div class="unread-bank" data-bank=bank.bank.clone()>
                            <p role="status">{heading}</p>
                            <ul>
                                {bank
                                    .mails
                                    .into_iter()
                                    .map(|mail| {
                                        view! {
                                            <li>
                                                <span class="when">{mail.when}</span>
                                                " — "
                                                <span class="subject">{mail.subject}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        </div>
                    }
                })
                .collect_view()}
            <p class="hint">{lang.t(Text::UnreadHint)}</p>
        </section>
    }
    .into_any()
}

/// "Spent: ₡45,500.00 · $10.00" — refunds count against it; declined rows, card payments and
/// money in are not counted.
#[component]
fn Totals(totals: Vec<CurrencyTotal>, lang: Lang) -> impl IntoView {
    let spent = if totals.is_empty() {
        view! { {lang.t(Text::Nothing)} }.into_any()
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
    view! { <p class="totals">{lang.t(Text::Spent)} {spent}</p> }
}

/// The rows; `back` is the list's filters and page, where a change of category comes back to.
#[component]
fn TransactionTable(rows: Vec<TransactionRow>, back: String, lang: Lang) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="transactions" aria-label=lang.t(Text::Transactions)>
                <thead>
                    <tr>
                        <th scope="col">{lang.t(Text::ColumnDate)}</th>
                        <th scope="col">{lang.t(Text::ColumnMerchant)}</th>
                        <th scope="col" class="amount">
                            {lang.t(Text::ColumnAmount)}
                        </th>
                        <th scope="col">{lang.t(Text::ColumnCard)}</th>
                        <th scope="col">{lang.t(Text::ColumnBank)}</th>
                        <th scope="col">{lang.t(Text::ColumnMailbox)}</th>
                        <th scope="col">{lang.t(Text::ColumnKind)}</th>
                        <th scope="col">{lang.t(Text::ColumnCategory)}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|row| view! { <Row row back=back.clone() lang /> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Row(row: TransactionRow, back: String, lang: Lang) -> impl IntoView {
    let change = filing::form_href(row.id, &back);
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
            <td class="mailbox" data-service=row.service.map(MailService::name)>
                {row.mailbox}
                {(!row.also_in.is_empty())
                    .then(|| {
                        view! { <span class="also-in">{lang.t(Text::AlsoIn)} {row.also_in.join(", ")}</span> }
                    })}
            </td>
            <td class="kind">{row.kind}</td>
            <td class="category" data-category=row.category.code>
                <a href=change title=lang.t(Text::ChangeTheCategory)>
                    {row.category.label}
                </a>
            </td>
        </tr>
    }
}

/// "Previous" / "Page 2 of 5" / "Next", keeping the filters.
#[component]
fn Pager(query: TransactionQuery, pages: u32, lang: Lang) -> impl IntoView {
    let pages = pages.max(1);
    let current = query.page.clamp(1, pages);
    let previous = (current > 1).then(|| {
        view! {
            <a class="previous" rel="prev" href=query.page_href(current - 1)>
                {lang.t(Text::Previous)}
            </a>
        }
    });
    let next = (current < pages).then(|| {
        view! {
            <a class="next" rel="next" href=query.page_href(current + 1)>
                {lang.t(Text::Next)}
            </a>
        }
    });
    view! {
        <nav class="pager" aria-label=lang.t(Text::Pages)>
            {previous}
            <span class="page-of">{lang.page_of(current, pages)}</span>
            {next}
        </nav>
    }
}

#[cfg(test)]
mod tests;
