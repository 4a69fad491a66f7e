//! The reader's language (issue #28 item 3): the submission API's field messages, the plain
//! form's error page and the demo article in English, Spanish, French, German and
//! Portuguese, as `Accept-Language` asks; the widget's catalogue for each.

use serde_json::{Value, json};

use crate::helpers::{ARTICLE, spawn_app};

/// Per language: "Please enter your name." and "Leave a Reply" in it, and the Name label.
const LANGUAGES: &[(&str, &str, &str, &str)] = &[
    ("en", "Please enter your name.", "Leave a Reply", "Name"),
    ("es", "Escribe tu nombre.", "Deja una respuesta", "Nombre"),
    (
        "fr",
        "Veuillez saisir votre nom.",
        "Laisser un commentaire",
        "Nom",
    ),
    (
        "de",
        "Bitte gib deinen Namen ein.",
        "Schreibe einen Kommentar",
        "Name",
    ),
    ("pt", "Escreva o seu nome.", "Deixe uma resposta", "Nome"),
];

#[test]
fn field_messages_the_error_page_and_the_demo_speak_the_readers_language() {
    let app = spawn_app();
    // One published comment on the demo article, to see its date in each language.
    let origin = app.url("");
    crate::listing_pages::published_thread(&app, origin.trim_end_matches('/'), &app.url("/"), 1);
    for (lang, name_missing, leave_reply, name_label) in LANGUAGES {
        let accept = format!("{lang}-XX,{lang};q=0.9,en;q=0.5");
        // The JSON API's field message.
        let refused = app
            .client
            .post(app.url("/api/v1/comments"))
            .header("accept-language", &accept)
            .json(&json!({"thread": ARTICLE, "author": "", "email": "a@mail.example", "body": "Hello"}))
            .send()
            .expect("post");
        assert_eq!(refused.status().as_u16(), 422);
        let body: Value = refused.json().expect("json");
        assert_eq!(body["fields"]["author"][0], *name_missing, "{lang}: {body}");

        // The plain form's error page keeps the text and speaks the language.
        let page = app
            .client
            .post(app.url("/comments"))
            .header("accept-language", &accept)
            .form(&[
                ("thread", ARTICLE),
                ("author", ""),
                ("email", "a@mail.example"),
                ("comment", "Kept text"),
            ])
            .send()
            .expect("form post");
        assert_eq!(page.status().as_u16(), 422);
        let html = page.text().expect("html");
        assert!(
            html.contains(&format!("<html lang=\"{lang}\">")),
            "{lang}: {html}"
        );
        assert!(
            html.contains(name_missing) && html.contains(leave_reply),
            "{lang}: {html}"
        );
        assert!(
            html.contains(&format!(">{name_label} <")) && html.contains("Kept text"),
            "{lang}: {html}"
        );

        // The demo article in the language asked for, its widget told by `<html lang>`.
        let demo = app
            .client
            .get(app.url("/demo"))
            .header("accept-language", &accept)
            .send()
            .expect("demo")
            .text()
            .expect("html");
        assert!(
            demo.contains(&format!("<html lang=\"{lang}\">")) && demo.contains(leave_reply),
            "{lang}"
        );
        let just_now = match *lang {
            "es" => "ahora mismo",
            "fr" => "à l’instant",
            "de" => "gerade eben",
            "pt" => "agora mesmo",
            _ => "just now",
        };
        assert!(
            demo.contains(just_now),
            "{lang}: the comment's date: {demo}"
        );

        // The widget's catalogue.
        let catalogue = app
            .client
            .get(app.url(&format!("/i18n/{lang}.json")))
            .send()
            .expect("catalogue");
        assert_eq!(catalogue.status().as_u16(), 200);
        let messages: Value = catalogue.json().expect("json");
        assert_eq!(messages["leave-reply"], *leave_reply);
    }
    // The form's other refusals speak it too: a closed article, in each language.
    let (ok, _, err) = app.cli(&["thread", "close", ARTICLE]);
    assert!(ok, "{err}");
    for (lang, closed) in [
        ("en", "Comments are closed on this article."),
        ("es", "Los comentarios están cerrados en este artículo."),
        ("fr", "Les commentaires sont fermés sur cet article."),
        ("de", "Die Kommentare zu diesem Artikel sind geschlossen."),
        ("pt", "Os comentários estão fechados neste artigo."),
    ] {
        let page = app
            .client
            .post(app.url("/comments"))
            .header("accept-language", lang)
            .form(&[
                ("thread", ARTICLE),
                ("author", "Ida"),
                ("email", "ida@mail.example"),
                ("comment", "Too late?"),
            ])
            .send()
            .expect("form post");
        assert_eq!(page.status().as_u16(), 403);
        let html = page.text().expect("html");
        assert!(
            html.contains(closed) && html.contains("Too late?"),
            "{lang}: {html}"
        );
    }
    assert_eq!(
        app.client
            .get(app.url("/i18n/xx.json"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        404
    );
}
