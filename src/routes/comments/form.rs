//! The classic HTML comment form (WordPress's field names): its own body reader, which
//! refuses what is not UTF-8 after percent-decoding, the error page with the form filled in
//! again, and the redirect back to the article.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use url::Url;

use crate::app::submission::SubmitError;
use crate::domain::{FieldErrors, NewComment, RawComment, SubmissionMeta, Submitted, ThreadUrl};
use crate::routes::AppState;
use crate::views::{self, ReplyForm};

use super::{public_status, submission_meta};
use crate::routes::html_response;

/// The classic comment form, with WordPress's field names. Every field is optional here so
/// that a missing one reaches validation and gets a message, not a parse error.
#[derive(Debug, Default, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    author: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    comment_parent: String,
    #[serde(default)]
    thread: String,
    #[serde(default)]
    redirect_to: String,
    /// The signed form token (`app::guard::TOKEN_FIELD`).
    #[serde(default)]
    rg_token: String,
    /// The honeypot (`app::guard::HONEYPOT_FIELD`): people leave it empty.
    #[serde(default)]
    rg_hp: String,
    /// "Notify me of replies by email": `1` when ticked.
    #[serde(default)]
    notify_replies: String,
    /// Whether the form offers that box (email can be sent); not a field.
    #[serde(skip)]
    offer_notify: bool,
}

impl CommentForm {
    /// A ticked box sends `1` (ours), `on` (a browser's default) or `true`.
    fn wants_notifications(&self) -> bool {
        matches!(self.notify_replies.trim(), "1" | "on" | "true")
    }

    fn raw(&self) -> RawComment {
        RawComment {
            thread: self.thread.clone(),
            parent: Some(self.comment_parent.clone()),
            author: self.author.clone(),
            email: self.email.clone(),
            website: self.url.clone(),
            body: self.comment.clone(),
        }
    }

    fn view(&self, errors: &FieldErrors, lang: &'static str) -> ReplyForm<'_> {
        ReplyForm {
            lang,
            thread: &self.thread,
            parent: &self.comment_parent,
            author: &self.author,
            email: &self.email,
            url: &self.url,
            comment: &self.comment,
            redirect_to: &self.redirect_to,
            token: &self.rg_token,
            notify: self.offer_notify,
            notify_checked: self.wants_notifications(),
            errors: errors
                .iter()
                .flat_map(|(field, messages)| {
                    messages
                        .iter()
                        .map(move |m| (form_field_name(field), crate::i18n::field_message(lang, m)))
                })
                .collect(),
        }
    }
}

/// The WordPress form name of a JSON API field.
fn form_field_name(api_field: &'static str) -> &'static str {
    match api_field {
        "website" => "url",
        "body" => "comment",
        "parent" => "comment_parent",
        other => other,
    }
}

/// Reads the form body: at most `MAX_BODY_BYTES`, url-encoded, and UTF-8 throughout; else the
/// page to answer with.
async fn read_form(req: &HttpRequest, payload: web::Payload) -> Result<CommentForm, HttpResponse> {
    let refuse = |status: StatusCode, message: &str| {
        html_response(
            status,
            views::reply_error_page(&ReplyForm::default(), message),
        )
    };
    let url_encoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|t| {
                t.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if !url_encoded {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The comment form must be sent as application/x-www-form-urlencoded.",
        ));
    }
    let body = match payload
        .to_bytes_limited(crate::routes::MAX_BODY_BYTES)
        .await
    {
        Ok(Ok(body)) => body,
        Err(_) => {
            return Err(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Your comment is too large to be sent. Please shorten it and try again.",
            ));
        }
        Ok(Err(_)) => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "The comment form could not be read.",
            ));
        }
    };
    if crate::routes::urlencoded::pairs(&body, None).is_err() {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "The comment form was not sent as UTF-8 text, so it could not be read. \
             Please send it again from the page.",
        ));
    }
    serde_urlencoded::from_bytes(&body).map_err(|_| {
        refuse(
            StatusCode::BAD_REQUEST,
            "The comment form could not be read.",
        )
    })
}

/// `POST /comments`: the HTML form. Success is a `303` back to the article; a refusal is a
/// page naming each problem with the form filled in again.
pub async fn submit_comment_form(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let lang = super::lang_of(&req);
    let mut form = match read_form(&req, payload).await {
        Ok(form) => form,
        Err(page) => return page,
    };
    form.offer_notify = state.app.replies().enabled();
    let result = match NewComment::try_from(form.raw()) {
        Ok(comment) => {
            let thread = comment.thread.clone();
            let meta = SubmissionMeta {
                from_form: true,
                form_token: Some(form.rg_token.clone()),
                honeypot: Some(form.rg_hp.clone()),
                notify_replies: form.wants_notifications(),
                ..submission_meta(&req, &state)
            };
            state
                .app
                .submissions()
                .submit(comment, meta)
                .await
                .map(|submitted| (thread, submitted))
        }
        Err(errors) => Err(SubmitError::Validation(errors)),
    };
    match result {
        Ok((thread, submitted)) => {
            see_other(&redirect_target(&thread, &form.redirect_to, &submitted))
        }
        Err(SubmitError::Duplicate(_)) => {
            let page = views::reply_error_page(
                &form.view(&FieldErrors::default(), lang),
                &crate::i18n::text(lang, "form-duplicate", &[]),
            );
            html_response(StatusCode::CONFLICT, page)
        }
        Err(SubmitError::Closed) => {
            let page = views::reply_error_page(
                &form.view(&FieldErrors::default(), lang),
                &crate::i18n::text(lang, "form-closed", &[]),
            );
            html_response(StatusCode::FORBIDDEN, page)
        }
        Err(SubmitError::Limited(limited)) => {
            let seconds = limited.retry_after.as_secs().max(1);
            let page = views::reply_error_page(
                &form.view(&FieldErrors::default(), lang),
                &crate::i18n::text(lang, "form-limited", &[("seconds", &seconds.to_string())]),
            );
            let mut response = html_response(StatusCode::TOO_MANY_REQUESTS, page);
            if let Ok(value) = header::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Err(SubmitError::Validation(errors)) => {
            let page = views::reply_error_page(
                &form.view(&errors, lang),
                &crate::i18n::text(lang, "fix-fields", &[]),
            );
            html_response(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(SubmitError::Unexpected(e)) => {
            tracing::error!(error.cause_chain = ?e, error.message = %e, "form submission failed");
            let page = views::reply_error_page(
                &form.view(&FieldErrors::default(), lang),
                &crate::i18n::text(lang, "form-failed", &[]),
            );
            if crate::app::database_unavailable(&e) {
                let mut response = html_response(StatusCode::SERVICE_UNAVAILABLE, page);
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from(crate::routes::UNAVAILABLE_RETRY_SECS),
                );
                return response;
            }
            html_response(StatusCode::INTERNAL_SERVER_ERROR, page)
        }
    }
}

/// Where to send the browser after a successful post: `redirect_to` when it is on the
/// article's own origin (never elsewhere: that would make us an open redirect), else the
/// article, with a marker the page can use to say the comment awaits moderation.
fn redirect_target(thread: &ThreadUrl, redirect_to: &str, submitted: &Submitted) -> String {
    let mut target = Url::parse(redirect_to.trim())
        .ok()
        .filter(|u| u.origin() == thread.url().origin())
        .unwrap_or_else(|| thread.url().clone());
    target
        .query_pairs_mut()
        .append_pair("replyguard_comment", &submitted.id.to_string())
        .append_pair(
            "replyguard_status",
            public_status(submitted.status).as_str(),
        );
    target.set_fragment(Some(&format!("comment-{}", submitted.id)));
    target.into()
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
