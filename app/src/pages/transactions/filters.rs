//! The Transactions page's filters: one plain GET form (search, mailbox, period, category,
//! kind, card, bank, and the span of days chosen on a chart), so filtering needs no WASM.

use leptos::prelude::*;

use crate::i18n::{Lang, Text};
use crate::model::{Choice, FilterChoices, MailboxOption, Period, TransactionQuery};

/// The filters: a plain form that loads `/transactions?mailbox=…&period=…&q=…` (back to page
/// 1). A span of days chosen on the chart stays until it is cleared.
#[component]
pub fn Filters(
    query: TransactionQuery,
    mailboxes: Vec<MailboxOption>,
    choices: FilterChoices,
) -> impl IntoView {
    let FilterChoices {
        categories,
        kinds,
        cards,
        banks,
    } = choices;
    let lang = Lang::current();
    let days = query.days.clone().map(|(from, to)| {
        let cleared = TransactionQuery {
            days: None,
            page: 1,
            ..query.clone()
        };
        let span = if from == to {
            from.clone()
        } else {
            lang.days_span(&from, &to)
        };
        view! {
            <input type="hidden" name="from" value=from />
            <input type="hidden" name="to" value=to />
            <p class="days">
                {lang.t(Text::Days)} <span class="span">{span}</span> " "
                <a class="clear-days" href=cleared.page_href(1)>{lang.t(Text::ShowWholePeriod)}</a>
            </p>
        }
    });
    view! {
        <form class="filters" method="get" action="/transactions" role="search" aria-label=lang.t(Text::Filters)>
            <div class="field search">
                <label for="search-filter">{lang.t(Text::MerchantOrPerson)}</label>
                <input
                    id="search-filter"
                    type="search"
                    name="q"
                    maxlength=crate::model::MAX_SEARCH_CHARS.to_string()
                    value=query.search.clone().unwrap_or_default()
                />
            </div>
            <div class="field">
                <label for="mailbox-filter">{lang.t(Text::Mailbox)}</label>
                <select id="mailbox-filter" name="mailbox">
                    <option value="" selected=query.mailbox.is_none()>
                        {lang.t(Text::AllMailboxes)}
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
                <label for="period-filter">{lang.t(Text::Period)}</label>
                <select id="period-filter" name="period">
                    {Period::ALL
                        .into_iter()
                        .map(|period| {
                            view! {
                                <option value=period.code() selected=period == query.period>
                                    {lang.t(period.text())}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <ChoiceFilter id="category-filter" name="category" label=lang.t(Text::Category) every=lang.t(Text::AllCategories) choices=categories chosen=query.category.clone() />
            <ChoiceFilter id="kind-filter" name="kind" label=lang.t(Text::Kind) every=lang.t(Text::AllKinds) choices=kinds chosen=query.kind.clone() />
            <ChoiceFilter id="card-filter" name="card" label=lang.t(Text::Card) every=lang.t(Text::AllCards) choices=cards chosen=query.card.clone() />
            <ChoiceFilter id="bank-filter" name="bank" label=lang.t(Text::Bank) every=lang.t(Text::AllBanks) choices=banks chosen=query.bank.clone() />
            {days}
            <button type="submit">{lang.t(Text::Apply)}</button>
        </form>
    }
    .into_any()
}

/// One select of the filters: "All …" or one of `choices`.
#[component]
fn ChoiceFilter(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    every: &'static str,
    choices: Vec<Choice>,
    chosen: Option<String>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id name=name>
                <option value="" selected=chosen.is_none()>
                    {every}
                </option>
                {choices
                    .into_iter()
                    .map(|choice| {
                        let selected = chosen.as_deref() == Some(choice.code.as_str());
                        view! {
                            <option value=choice.code selected=selected>
                                {choice.label}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
