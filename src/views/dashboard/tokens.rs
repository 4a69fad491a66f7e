//! API tokens: the list, a new token's secret (shown once), create and revoke.

use maud::{Markup, html};

use crate::app::accounts::Session;

use super::{csrf, layout};

/// API tokens: the list, a new token's secret (shown once), create and revoke.
pub fn tokens_page(
    session: &Session,
    tokens: &[crate::domain::ApiTokenRow],
    new_secret: Option<&str>,
    done: Option<&str>,
    error: Option<&str>,
) -> Markup {
    layout(
        "API tokens",
        Some(session),
        html! {
            h1 { "API tokens" }
            p {
                "A token lets a script use the moderation API as you: send it as "
                code { "Authorization: Bearer …" } ". Only a hash is kept; revoke a token the moment it may have leaked."
            }
            @if let Some(secret) = new_secret {
                div.notice role="status" {
                    p { "Your new token. Copy it now: it is not shown again." }
                    p { code #new-token { (secret) } }
                }
            }
            @if done.is_some() { p.notice role="status" { "Token revoked." } }
            @if let Some(e) = error { p.error role="alert" { (if e == "missing" { "That token no longer exists." } else { "A token name is 1 to 64 printable characters." }) } }
            @if tokens.is_empty() { p.empty { "No tokens." } }
            @else {
                table.tokens {
                    thead { tr { th { "Name" } th { "Owner" } th { "Created" } th { "Last used" } th {} } }
                    tbody {
                        @for t in tokens {
                            tr {
                                td { bdi { (t.name) } }
                                td { bdi { (t.moderator) } }
                                td { (super::super::readable_time(t.created_at)) }
                                td { @match t.last_used_at { Some(at) => (super::super::readable_time(at)), None => "never" } }
                                td {
                                    form.inline method="post" action="/dashboard/tokens" {
                                        (csrf(session)) input type="hidden" name="op" value="revoke";
                                        input type="hidden" name="id" value=(t.id);
                                        button type="submit" { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Create a token" }
            form.stack method="post" action="/dashboard/tokens" {
                (csrf(session)) input type="hidden" name="op" value="create";
                label for="token-name" { "Name (what uses it)" }
                input #token-name name="name" required maxlength="64";
                button type="submit" { "Create" }
            }
        },
    )
}
