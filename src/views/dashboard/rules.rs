//! The block and hold lists.

use maud::{Markup, html};

use crate::app::accounts::Session;

use super::{csrf, layout};

/// The block and hold lists, with a form to add a rule and a button to remove each.
pub fn rules_page(
    session: &Session,
    rules: &[crate::domain::Rule],
    done: Option<&str>,
    error: Option<&str>,
) -> Markup {
    use crate::domain::{RuleKind, RuleList};
    layout(
        "Block and hold lists",
        Some(session),
        html! {
            h1 { "Block and hold lists" }
            p {
                "A comment matching the " strong { "block list" } " is filed as spam; one matching the "
                strong { "hold list" } " stays in the queue for a person, whatever the filter says. "
                "Words match anywhere in the name, email, website, comment or browser, ignoring case; "
                "domains and hosts match their subdomains too; emails are kept only as a keyed hash."
            }
            @if let Some(d) = done { p.notice role="status" { (if d == "deleted" { "Rule removed." } else { "Rule added." }) } }
            @if let Some(e) = error { p.error role="alert" { (match e { "exists" => "That rule is already on the list.", "missing" => "That rule no longer exists.", _ => "Check the value: a word or phrase, an email address, a domain such as example.com, or an address range such as 192.0.2.0/24." }) } }
            @for list in [RuleList::Block, RuleList::Hold] {
                h2 { (if list == RuleList::Block { "Block list" } else { "Hold list" }) }
                @let on_list: Vec<_> = rules.iter().filter(|r| r.list == list).collect();
                @if on_list.is_empty() { p.empty { "No rules." } }
                @else {
                    table.rules data-list=(list.as_str()) {
                        thead { tr { th { "Kind" } th { "Matches" } th {} } }
                        tbody {
                            @for rule in on_list {
                                tr {
                                    td { (rule.kind.as_str()) }
                                    td { bdi { (rule.shown) } }
                                    td {
                                        form.inline method="post" action="/dashboard/rules" {
                                            (csrf(session)) input type="hidden" name="op" value="delete";
                                            input type="hidden" name="id" value=(rule.id);
                                            button type="submit" { "Remove" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Add a rule" }
            form.stack method="post" action="/dashboard/rules" {
                (csrf(session)) input type="hidden" name="op" value="add";
                label for="rule-list" { "List" }
                select #rule-list name="list" {
                    option value="block" { "Block (file as spam)" }
                    option value="hold" { "Hold (keep for a person)" }
                }
                label for="rule-kind" { "Kind" }
                select #rule-kind name="kind" {
                    @for kind in RuleKind::ALL { option value=(kind.as_str()) { (kind.as_str()) } }
                }
                label for="rule-value" { "Value" }
                input #rule-value name="value" required maxlength="253";
                button type="submit" { "Add" }
            }
        },
    )
}
