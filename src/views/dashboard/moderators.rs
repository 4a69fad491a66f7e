//! Moderator management (administrators).

use maud::{Markup, html};

use crate::app::accounts::Session;
use crate::domain::ModeratorRow;

use super::{csrf, layout};

/// Moderator management (admins).
pub fn moderators_page(
    session: &Session,
    rows: &[ModeratorRow],
    done: Option<&str>,
    error: Option<&str>,
) -> Markup {
    layout(
        "Moderators",
        Some(session),
        html! {
            h1 { "Moderators" }
            @if let Some(d) = done { p.notice role="status" { (match d { "added" => "Account saved.", "disabled" => "Account disabled; its sessions ended.", "enabled" => "Account enabled.", "reset" => "Password reset; the account's sessions ended.", _ => "Role changed." }) } }
            @if let Some(e) = error { p.error role="alert" { (match e { "self" => "You cannot disable yourself or remove your own admin role.", _ => "Check the name (letters, digits, . _ -) and the password (at least 10 characters)." }) } }
            table.moderators {
                thead { tr { th { "Name" } th { "Role" } th { "Status" } th { "Since" } th {} } }
                tbody {
                    @for m in rows {
                        tr {
                            td { bdi { (m.name) } }
                            td { (if m.is_admin { "admin" } else { "moderator" }) }
                            td { (if m.is_disabled { "disabled" } else { "active" }) }
                            td { (super::super::readable_time(m.created_at)) }
                            td {
                                form.inline method="post" action="/dashboard/moderators" {
                                    (csrf(session)) input type="hidden" name="id" value=(m.id);
                                    @if m.is_disabled { button type="submit" name="op" value="enable" { "Enable" } }
                                    @else { button type="submit" name="op" value="disable" { "Disable" } }
                                    @if m.is_admin { button type="submit" name="op" value="unadmin" { "Make moderator" } }
                                    @else { button type="submit" name="op" value="admin" { "Make admin" } }
                                }
                                form.inline method="post" action="/dashboard/moderators" {
                                    (csrf(session)) input type="hidden" name="id" value=(m.id); input type="hidden" name="op" value="reset";
                                    input type="password" name="password" placeholder="New password" autocomplete="new-password" aria-label={ "New password for " (m.name) };
                                    button type="submit" { "Reset password" }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Add a moderator" }
            form.stack method="post" action="/dashboard/moderators" {
                (csrf(session)) input type="hidden" name="op" value="add";
                label for="new-name" { "Name" } input #new-name name="name" required;
                label for="new-password" { "Password (at least 10 characters)" } input #new-password name="password" type="password" autocomplete="new-password" required;
                label { input type="checkbox" name="admin" value="1"; " Administrator" }
                button type="submit" { "Add" }
            }
        },
    )
}
