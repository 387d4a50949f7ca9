//! Changing a transaction's category: `/transactions/category?id=…&back=…`, a page with one
//! plain form (no island: every answer is a page) that asks for the category and whether it is for every
//! transaction from the merchant (a rule, for past and future ones) or this one alone; and the
//! notice the list shows afterwards, with its undo.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use server_fn::ServerFn;

use crate::api::transactions::{FileTransaction, UndoFiling, transaction_filing};
use crate::i18n::{Lang, Text};
use crate::model::{FilingForm, FilingNotice};
use crate::pages::forms::PageForm;

/// The page that changes transaction `id`'s category, coming back to the list at `back` (its
/// filters and page).
pub fn form_href(id: i32, back: &str) -> String {
    let query = serde_urlencoded::to_string([("id", id.to_string()), ("back", back.to_owned())])
        .unwrap_or_default();
    format!("/transactions/category?{query}")
}

#[component]
pub fn FilingPage() -> impl IntoView {
    let params = use_query_map();
    let lang = Lang::current();
    let request = Memo::new(move |_| {
        params.with(|params| {
            let id = params.get_str("id").and_then(|id| id.parse::<i32>().ok());
            let back = params.get_str("back").unwrap_or_default().to_owned();
            (id, back)
        })
    });
    let form = Resource::new(
        move || request.get().0,
        |id| async move {
            match id {
                Some(id) => transaction_filing(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    view! {
        <section class="card filing-page">
            <Title text=lang.t(Text::ChangeTheCategory) />
            <h1>{lang.t(Text::ChangeTheCategory)}</h1>
            <Transition fallback=move || view! { <p>{lang.t(Text::LoadingTheTransaction)}</p> }>
                {move || {
                    let back = request.get().1;
                    form.get()
                        .map(|result| match result {
                            Ok(form) => view! { <Filing form back lang /> }.into_any(),
                            Err(error) => {
                                view! {
                                    <p class="error" role="alert">
                                        {error.to_string()}
                                    </p>
                                    <p>
                                        <a href="/transactions">{lang.t(Text::BackToTransactions)}</a>
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
fn Filing(form: FilingForm, back: String, lang: Lang) -> impl IntoView {
    let FilingForm {
        id,
        when,
        merchant,
        amount,
        category,
        has_merchant,
        categories,
    } = form;
    let back_href = format!("/transactions?{back}");
    let scope = if has_merchant {
        view! {
            <fieldset class="scope">
                <legend>{lang.all_from_merchant(&merchant)}</legend>
                <label>
                    <input type="radio" name="scope" value="merchant" checked=true />
                    {lang.every_from_merchant(&merchant)}
                </label>
                <label>
                    <input type="radio" name="scope" value="one" />
                    {lang.t(Text::ThisTransactionOnly)}
                </label>
            </fieldset>
        }
        .into_any()
    } else {
        view! { <input type="hidden" name="scope" value="one" /> }.into_any()
    };
    view! {
        <p class="transaction">
            <span class="when">{when}</span> " · " <span class="merchant">{merchant.clone()}</span>
            " · " <span class="amount">{amount}</span>
        </p>
        <PageForm url=FileTransaction::url() submit=lang.t(Text::Save)>
            <input type="hidden" name="id" value=id.to_string() />
            <input type="hidden" name="back" value=back />
            <div class="field">
                <label for="category-choice">{lang.t(Text::Category)}</label>
                <select id="category-choice" name="category">
                    {categories
                        .into_iter()
                        .map(|choice| {
                            let selected = choice.code == category;
                            view! {
                                <option value=choice.code selected=selected>
                                    {choice.label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            {scope}
        </PageForm>
        <p>
            <a href=back_href>{lang.t(Text::Cancel)}</a>
        </p>
    }
}

/// "Every transaction from AUTO MERCADO is now in Supermarkets. [Undo]".
#[component]
pub fn FiledNotice(notice: FilingNotice) -> impl IntoView {
    let FilingNotice { text, undo } = notice;
    let scope = if undo.merchant_wide {
        "merchant"
    } else {
        "one"
    };
    view! {
        <div class="filed notice" role="status">
            <p>{text}</p>
            <PageForm url=UndoFiling::url() submit=Lang::current().t(Text::Undo) button_class="link">
                <input type="hidden" name="id" value=undo.id.to_string() />
                <input type="hidden" name="scope" value=scope />
                <input type="hidden" name="was_rule" value=undo.was_rule />
                <input type="hidden" name="was_own" value=undo.was_own />
                <input type="hidden" name="back" value=undo.back />
            </PageForm>
        </div>
    }
}
