//! The filter page: the model in use, its agreement with moderators, retraining.

use maud::{Markup, html};

use crate::app::accounts::Session;
use crate::app::model_archive::StoredModel;
use crate::classifier::ModelInfo;
use crate::domain::Agreement;

use super::{csrf, layout};

/// What the filter page shows.
pub struct ModelView<'a> {
    pub info: &'a ModelInfo,
    pub threshold: f64,
    pub agreement: Agreement,
    pub stored: &'a [StoredModel],
    /// The site layers of the model in use.
    pub layers: &'a [crate::classifier::LayerInfo],
    pub done: Option<&'a str>,
}

/// The filter page.
pub fn model_page(session: &Session, v: &ModelView<'_>) -> Markup {
    let a = v.agreement;
    layout(
        "Filter",
        Some(session),
        html! {
            h1 { "The spam filter" }
            @match v.done {
                Some("retrained") => p.notice role="status" { "A new model was trained, passed the acceptance check and is now in use." },
                Some("refused") => p.notice.warn role="status" { "A new model was trained but the acceptance check kept the current one: see its verdict below." },
                Some("activated") => p.notice role="status" { "The chosen model is now in use; the queue was re-scored." },
                _ => {}
            }
            section.card {
                h2 { "In use: " code { (v.info.version) } }
                p { "Trained " (v.info.created_at) " on " (v.info.training.texts) " texts (" (v.info.training.spam) " spam, " (v.info.training.ham) " ham) from " (v.info.training.files.join(", ")) "." }
                p { "Comments with P(spam) ≥ " (format!("{:.3}", v.threshold)) " go to the spam folder." }
                @if let Some(c) = &v.info.calibration {
                    p { "On " (c.held_out) " held-out texts: accuracy " (format!("{:.3}", c.metrics.accuracy)) ", spam precision " (format!("{:.3}", c.metrics.precision)) ", recall " (format!("{:.3}", c.metrics.recall)) ", false-positive rate " (format!("{:.2}%", c.metrics.false_positive_rate * 100.0)) "." }
                }
            }
            section.card {
                h2 { "Site layers" }
                p { "Each site is scored by the shared model above plus a layer learnt from its own moderators' decisions (an app's feedback counts for a quarter, and feedback that contradicts the filter waits for a moderator). A site's decisions never change another site's scores; only sites an operator promotes (" code { "replyguard model promote --site ORIGIN" } ") shape the shared model." }
                @if v.layers.is_empty() { p.empty { "No site has a layer yet: every site is scored by the shared model." } } @else {
                    table.layers {
                        thead { tr { th { "Site" } th { "Layer" } th { "Labels" } th { "Learnt" } } }
                        tbody {
                            @for l in v.layers {
                                tr { td { bdi { (l.site) } } td { code { (l.version) } } td { (l.labels.spam + l.labels.ham) " (" (l.labels.spam) " spam)" } td { (l.created_at) } }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 { "Agreement with moderators" }
                p { "Decided comments, comparing the filter's score when the decision was made with the decision." }
                table.confusion {
                    thead { tr { th {} th { "Moderator: spam" } th { "Moderator: not spam" } } }
                    tbody {
                        tr { th { "Filter: spam" } td.good { (a.spam_caught) " spam caught" } td.bad { (a.ham_flagged) " ham flagged" } }
                        tr { th { "Filter: not spam" } td.bad { (a.spam_missed) " spam missed" } td.good { (a.ham_passed) " ham passed" } }
                    }
                }
            }
            section.card {
                h2 { "Retrain" }
                p { "Learn each site's layer again from its decisions. A site's new layer goes live only if it does at least as well as its layer in use on that site's recent decisions it has not seen; otherwise the site keeps its layer." }
                form.inline method="post" action="/dashboard/model/retrain" {
                    (csrf(session))
                    label { input type="checkbox" name="force" value="1"; " Activate even if the acceptance check objects" }
                    " " button type="submit" { "Retrain now" }
                }
            }
            h2 { "Stored models" }
            @if v.stored.is_empty() { p.empty { "None yet: the base model is in use." } } @else {
                table.models {
                    thead { tr { th { "Version" } th { "Trained" } th { "Labels" } th { "Guard" } th {} } }
                    tbody {
                        @for m in v.stored.iter().rev() {
                            tr {
                                td { code { (m.version) } @if m.base { " " span.badge { "base" } } @if m.active { " " span.badge.approved { "in use" } } }
                                td { (m.created_at) }
                                td { @if let Some(r) = &m.retraining { (r.labels) " (" (r.spam) " spam)" } }
                                td { @if let Some(r) = &m.retraining { (if r.accepted { "passed: " } else { "refused: " }) (r.verdict) } }
                                td {
                                    @if !m.active {
                                        form.inline method="post" action="/dashboard/model/activate" {
                                            (csrf(session))
                                            input type="hidden" name="version" value=(m.version);
                                            button type="submit" { "Use this model" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
