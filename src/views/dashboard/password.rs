//! Changing one's own password.

use maud::{Markup, html};

use crate::app::accounts::Session;

use super::{csrf, layout};

/// Changing one's own password.
pub fn password_page(session: &Session, done: Option<&str>, error: Option<&str>) -> Markup {
    layout(
        "Password",
        Some(session),
        html! {
            h1 { "Change your password" }
            @if done.is_some() { p.notice role="status" { "Password changed. Your other sessions have ended." } }
            @if let Some(e) = error { p.error role="alert" { (match e { "mismatch" => "The new passwords do not match.", "current" => "Your current password is not right.", _ => "The new password must be at least 10 characters." }) } }
            form.stack method="post" action="/dashboard/password" {
                (csrf(session))
                label for="current" { "Current password" } input #current name="current" type="password" autocomplete="current-password" required;
                label for="new" { "New password" } input #new name="new" type="password" autocomplete="new-password" required;
                label for="confirm" { "New password again" } input #confirm name="confirm" type="password" autocomplete="new-password" required;
                label { input name="keep_tokens" type="checkbox" value="1"; " Keep my API tokens working (leave unticked if the old password may have leaked: every token is revoked)" }
                button type="submit" { "Change password" }
            }
        },
    )
}
