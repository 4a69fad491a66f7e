//! How a moderator hears about new comments.

use maud::{Markup, html};

use crate::app::accounts::Session;

use super::{csrf, layout};

/// How this moderator hears about new comments.
pub fn notifications_page(
    session: &Session,
    email: &str,
    choice: crate::domain::NotifyChoice,
    saved: bool,
    invalid: bool,
) -> Markup {
    use crate::domain::NotifyChoice;
    let options = [
        (NotifyChoice::Off, "No email"),
        (NotifyChoice::Each, "An email for each new comment"),
        (NotifyChoice::Digest, "An hourly digest of new comments"),
    ];
    layout(
        "Notifications",
        Some(session),
        html! {
            h1 { "Notifications" }
            @if saved { p.notice role="status" { "Saved." } }
            @if invalid { p.error role="alert" { "Enter a valid email address to receive email." } }
            form.stack method="post" action="/dashboard/notifications" {
                (csrf(session))
                label for="notify-email" { "Your email address" }
                input #notify-email name="email" type="email" value=(email) autocomplete="email";
                fieldset {
                    legend { "Tell me about new comments" }
                    @for (value, label) in options {
                        label {
                            input type="radio" name="notify" value=(value.as_str()) checked[choice == value];
                            " " (label)
                        }
                    }
                }
                button type="submit" { "Save" }
            }
        },
    )
}
