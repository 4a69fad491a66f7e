//! The sign-in page.

use maud::{Markup, html};

use super::layout;

/// The sign-in page.
pub fn login_page(csrf_token: &str, error: Option<&str>, name: &str) -> Markup {
    layout(
        "Sign in",
        None,
        html! {
            form.login method="post" action="/dashboard/login" {
                h1 { "Sign in to moderate" }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                input type="hidden" name="csrf" value=(csrf_token);
                label for="name" { "Name" }
                input #name name="name" value=(name) autocomplete="username" required autofocus;
                label for="password" { "Password" }
                input #password name="password" type="password" autocomplete="current-password" required;
                button type="submit" { "Sign in" }
            }
        },
    )
}
