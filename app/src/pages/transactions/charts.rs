//! The Transactions page's charts, drawn as SVG on the server (the WASM client carries none of
//! this): spending per day, week or month for each currency, the previous period's beside it in
//! a faint bar, and spending per category as horizontal bars. Each chart has a title and a
//! description for screen readers, and its numbers in a table. Every bar is a plain link that
//! filters the list.

use leptos::prelude::*;

use crate::i18n::{Lang, Text};
use crate::model::{CategorySpending, SpendingCharts, SpendingSeries};

/// The drawing's size in SVG units, drawn one unit a pixel (narrower where the page is).
const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 150.0;
/// Room under the bars for their labels.
const AXIS: f64 = 20.0;
/// One category's row.
const ROW: f64 = 26.0;
/// Where category bars start, after their names, and how long the longest is.
const BAR_START: f64 = 190.0;
const BAR_ROOM: f64 = 170.0;

#[component]
pub fn Charts(charts: SpendingCharts, lang: Lang) -> impl IntoView {
    let SpendingCharts {
        step,
        series,
        categories,
    } = charts;
    // Each currency's spending over time, then by category, side by side.
    let mut categories = categories;
    let drawn = series
        .into_iter()
        .map(|series| {
            let by_category = categories
                .iter()
                .position(|spending| spending.currency == series.currency)
                .map(|at| categories.remove(at));
            view! {
                <SeriesChart series step=step.clone() lang />
                {by_category.map(|spending| view! { <CategoryChart spending lang /> })}
            }
            .into_any()
        })
        .collect_view();
    view! {
        <section class="charts" aria-label=lang.t(Text::SpendingCharts)>
            {drawn}
        </section>
    }
    .into_any()
}

/// A bar's height for `value` when `max` fills the drawing (nothing below zero).
fn height(value: i64, max: i64) -> f64 {
    if max <= 0 || value <= 0 {
        return 0.0;
    }
    (HEIGHT - AXIS) * value as f64 / max as f64
}

/// Which bars get their label written under them: about eight, evenly, from the first.
fn labelled(index: usize, count: usize) -> bool {
    let every = count.div_ceil(8).max(1);
    index.is_multiple_of(every)
}

#[component]
fn SeriesChart(series: SpendingSeries, step: String, lang: Lang) -> impl IntoView {
    let SpendingSeries {
        currency,
        total,
        previous_total,
        bars,
    } = series;
    let title_id = format!("spending-{currency}-title");
    let desc_id = format!("spending-{currency}-desc");
    let (labelled_by, described_by) = (title_id.clone(), desc_id.clone());
    // The step in words: "day", "week", "month".
    let step = lang
        .t(match step.as_str() {
            "week" => Text::StepWeek,
            "month" => Text::StepMonth,
            _ => Text::StepDay,
        })
        .to_owned();
    let title = lang.spending_per(&currency, &step);
    let description =
        lang.spending_description(&total, previous_total.as_deref(), bars.len(), &step);
    let max = bars
        .iter()
        .flat_map(|bar| [bar.value, bar.previous.unwrap_or(0)])
        .max()
        .unwrap_or(0);
    let slot = WIDTH / bars.len().max(1) as f64;
    let count = bars.len();
    let drawn = bars
        .iter()
        .enumerate()
        .map(|(index, bar)| {
            let left = slot * index as f64;
            let previous = bar.previous.map(|previous| {
                let h = height(previous, max);
                view! {
                    <rect
                        class="previous"
                        x=format!("{:.1}", left + slot * 0.1)
                        y=format!("{:.1}", HEIGHT - AXIS - h)
                        width=format!("{:.1}", slot * 0.8)
                        height=format!("{h:.1}")
                    />
                }
            });
            let h = height(bar.value, max);
            let tip = lang.bar_tip(&bar.label, &bar.amount, bar.previous_amount.as_deref());
            let label = labelled(index, count).then(|| {
                view! {
                    <text class="axis" x=format!("{:.1}", left + slot * 0.25) y=format!("{:.1}", HEIGHT - 5.0)>
                        {bar.label.clone()}
                    </text>
                }
            });
            view! {
                {previous}
                <a href=bar.href.clone() aria-label=tip.clone()>
                    <title>{tip.clone()}</title>
                    <rect
                        class="current"
                        data-value=bar.value.to_string()
                        x=format!("{:.1}", left + slot * 0.25)
                        y=format!("{:.1}", HEIGHT - AXIS - h)
                        width=format!("{:.1}", slot * 0.5)
                        height=format!("{h:.1}")
                    />
                </a>
                {label}
            }
        })
        .collect_view();
    let has_previous = previous_total.is_some();
    view! {
        <figure class="chart spending" data-currency=currency.clone()>
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                width=WIDTH.to_string()
                role="group"
                aria-labelledby=labelled_by
                aria-describedby=described_by
            >
                <title id=title_id>{title.clone()}</title>
                <desc id=desc_id>{description}</desc>
                <line class="axis" x1="0" x2=WIDTH.to_string() y1=(HEIGHT - AXIS).to_string() y2=(HEIGHT - AXIS).to_string() />
                {drawn}
            </svg>
            <figcaption>
                {title} ": " <span class="total">{total}</span>
                {previous_total.map(|previous| view! {
                    {lang.previous_period_total()} <span class="previous-total">{previous}</span> ")"
                })}
            </figcaption>
            <details class="numbers">
                <summary>{lang.t(Text::TheNumbers)}</summary>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{step.clone()}</th>
                            <th scope="col" class="amount">{lang.t(Text::SpentColumn)}</th>
                            {has_previous.then(|| view! { <th scope="col" class="amount">{lang.t(Text::PreviousPeriod)}</th> })}
                        </tr>
                    </thead>
                    <tbody>
                        {bars
                            .into_iter()
                            .map(|bar| {
                                view! {
                                    <tr>
                                        <th scope="row"><a href=bar.href>{bar.label}</a></th>
                                        <td class="amount">{bar.amount}</td>
                                        {has_previous.then(|| view! {
                                            <td class="amount">{bar.previous_amount.unwrap_or_default()}</td>
                                        })}
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
    .into_any()
}

#[component]
fn CategoryChart(spending: CategorySpending, lang: Lang) -> impl IntoView {
    let CategorySpending { currency, bars } = spending;
    let title_id = format!("categories-{currency}-title");
    let desc_id = format!("categories-{currency}-desc");
    let (labelled_by, described_by) = (title_id.clone(), desc_id.clone());
    let title = lang.spending_by_category(&currency);
    let description = bars
        .iter()
        .map(|bar| format!("{}: {} ({})", bar.category.label, bar.amount, bar.share))
        .collect::<Vec<_>>()
        .join("; ");
    let max = bars.iter().map(|bar| bar.value).max().unwrap_or(0);
    let drawn_height = ROW * bars.len() as f64;
    let drawn = bars
        .iter()
        .enumerate()
        .map(|(index, bar)| {
            let top = ROW * index as f64;
            let length = if max > 0 && bar.value > 0 {
                BAR_ROOM * bar.value as f64 / max as f64
            } else {
                0.0
            };
            // The name says what the bar shows, in the words it shows.
            let shown = format!("{} · {}", bar.amount, bar.share);
            let tip = format!("{} {shown}", bar.category.label);
            view! {
                <a href=bar.href.clone() aria-label=tip.clone() data-category=bar.category.code.clone()>
                    <title>{tip.clone()}</title>
                    <text x="0" y=format!("{:.1}", top + 17.0)>{bar.category.label.clone()}</text>
                    <rect
                        class="current"
                        data-value=bar.value.to_string()
                        x=BAR_START.to_string()
                        y=format!("{:.1}", top + 5.0)
                        width=format!("{length:.1}")
                        height="16"
                    />
                    <text x=format!("{:.1}", BAR_START + length + 6.0) y=format!("{:.1}", top + 17.0)>
                        {shown}
                    </text>
                </a>
            }
        })
        .collect_view();
    view! {
        <figure class="chart categories" data-currency=currency.clone()>
            <svg
                viewBox=format!("0 0 {WIDTH} {drawn_height}")
                width=WIDTH.to_string()
                role="group"
                aria-labelledby=labelled_by
                aria-describedby=described_by
            >
                <title id=title_id>{title.clone()}</title>
                <desc id=desc_id>{description}</desc>
                {drawn}
            </svg>
            <figcaption>{title}</figcaption>
            <details class="numbers">
                <summary>{lang.t(Text::TheNumbers)}</summary>
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{lang.t(Text::Category)}</th>
                            <th scope="col" class="amount">{lang.t(Text::SpentColumn)}</th>
                            <th scope="col" class="amount">{lang.t(Text::Share)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {bars
                            .into_iter()
                            .map(|bar| {
                                view! {
                                    <tr data-category=bar.category.code>
                                        <th scope="row"><a href=bar.href>{bar.category.label}</a></th>
                                        <td class="amount">{bar.amount}</td>
                                        <td class="amount">{bar.share}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
    .into_any()
}
