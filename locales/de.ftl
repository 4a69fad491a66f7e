# Die Meldungen von Replyguard auf Deutsch.
comments-one = 1 Kommentar
comments-other = { $count } Kommentare
leave-reply = Schreibe einen Kommentar
reply-to = Antwort an { $name }
notes = Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind mit * markiert
notes-before-mark = Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind markiert mit
field-comment = Kommentar
field-name = Name
field-email = E-Mail
field-website = Website
post-comment = Kommentar abschicken
cancel-reply = Antwort abbrechen
reply = Antworten
report = Melden
report-who = Den Kommentar von { $name } melden
report-why = Warum meldest du ihn?
report-spam = Spam
report-abuse = Missbrauch
report-off-topic = Nicht zum Thema
report-illegal = Rechtswidriger Inhalt
report-other = Anderes
report-explanation = Erklärung (für rechtswidrige Inhalte erforderlich)
report-send = Meldung senden
report-thanks = Danke. Ein Moderator sieht es sich an.
report-failed = Deine Meldung konnte nicht gesendet werden. Bitte versuche es noch einmal.
show-more = Weitere Kommentare anzeigen
closed = Die Kommentare sind geschlossen.
awaiting = Dein Kommentar wartet auf Freischaltung.
thanks-awaiting = Danke. Dein Kommentar wartet auf Freischaltung.
thanks-published = Danke. Dein Kommentar ist veröffentlicht.
sending = Wird gesendet…
send-failed = Dein Kommentar konnte nicht gesendet werden. Bitte prüfe deine Verbindung und versuche es noch einmal.
send-retry = Dein Kommentar konnte nicht gesendet werden. Bitte versuche es noch einmal.
fix-fields = Bitte korrigiere die markierten Felder.
date-at = { $day } um { $time }
not-posted = Dein Kommentar ist noch nicht veröffentlicht
back-to-article = Zurück zum Artikel
demo-title = Willkommen bei Replyguard
demo-intro = Diese Seite steht für einen deiner Artikel. Schreibe unten einen Kommentar: Er wird geprüft, vom Spamfilter bewertet und als ausstehend gespeichert. Ein Moderator gibt ihn im Dashboard oder über die Moderations-API frei, und dann erscheint er hier.
demo-widget = Der Kommentarbereich unten ist das Widget von Replyguard, dasselbe, das jede Website mit einem einzigen Script-Tag einbindet; ohne JavaScript ist es ein einfaches HTML-Formular.
err-name-empty = Bitte gib deinen Namen ein.
err-name-line = Dein Name muss eine einzige Textzeile sein.
err-email-empty = Bitte gib deine E-Mail-Adresse ein.
err-email-invalid = Bitte gib eine gültige E-Mail-Adresse ein, etwa name@beispiel.de.
err-body-empty = Bitte schreibe einen Kommentar.
err-body-control = Dein Kommentar enthält Steuerzeichen, die nicht angezeigt werden können.
err-thread-missing = Der Artikel, zu dem dieser Kommentar gehört, fehlt.
notify-replies = Benachrichtige mich per E-Mail über Antworten
mail-confirm-subject = Bitte bestätigen: E-Mails über Antworten auf { $site }
mail-confirm-greeting = Hallo,
mail-confirm-asked = Jemand, hoffentlich du, möchte eine E-Mail bekommen, wenn jemand auf einen Kommentar unter { $article } antwortet.
mail-confirm-action = Öffne zur Bestätigung innerhalb von 48 Stunden diesen Link:
mail-confirm-ignore = Wenn du das nicht warst, ignoriere diese E-Mail: Du bekommst nichts weiter.
mail-reply-subject = { $name } hat auf deinen Kommentar auf { $site } geantwortet
mail-reply-wrote = { $name } hat auf deinen Kommentar geantwortet:
mail-reply-read = Zur Antwort:
mail-reply-stop = Keine E-Mails über Antworten auf { $site } mehr? Öffne:
page-confirm-title = E-Mails über Antworten
page-confirm-lead = Drücke den Knopf, um eine E-Mail zu bekommen, wenn jemand auf deine Kommentare auf dieser Website antwortet.
page-confirm-button = Bestätigen
page-confirmed = Danke. Du bekommst eine E-Mail, wenn jemand auf deine Kommentare auf dieser Website antwortet.
page-unsubscribe-title = Keine E-Mails über Antworten mehr
page-unsubscribe-lead = Drücke den Knopf, um keine E-Mails über Antworten auf deine Kommentare auf dieser Website mehr zu bekommen.
page-unsubscribe-button = Abmelden
page-unsubscribed = Erledigt. Du bekommst keine E-Mails über Antworten auf dieser Website mehr.
page-link-title = Dieser Link hat nicht funktioniert
page-link-invalid = Dieser Link ist ungültig. Bitte prüfe, ob er vollständig kopiert wurde.
page-link-expired = Dieser Link ist abgelaufen. Setze beim nächsten Kommentar wieder das Häkchen, um einen neuen zu bekommen.
page-link-gone = Diese Benachrichtigungen waren schon abgeschaltet. Setze beim nächsten Kommentar wieder das Häkchen, um sie einzuschalten.
page-link-failed = Bei uns ist etwas schiefgegangen. Bitte versuche es später noch einmal.
form-duplicate = Du hast diesen Kommentar schon abgeschickt; er wartet auf Freischaltung.
form-closed = Die Kommentare zu diesem Artikel sind geschlossen. Dein Text steht unten, er geht also nicht verloren.
form-limited = Du schreibst schneller, als diese Website erlaubt. Dein Text steht unten: Bitte schicke ihn in { $seconds } Sekunden noch einmal ab.
form-failed = Bei uns ist etwas schiefgegangen, und dein Kommentar wurde nicht gespeichert. Dein Text steht unten: Bitte versuche es gleich noch einmal.
time-just-now = gerade eben
time-minutes-ago =
    { $n ->
        [one] vor 1 Minute
       *[other] vor { $n } Minuten
    }
time-hours-ago =
    { $n ->
        [one] vor 1 Stunde
       *[other] vor { $n } Stunden
    }
time-months = Januar, Februar, März, April, Mai, Juni, Juli, August, September, Oktober, November, Dezember
time-date = { $day }. { $month } { $year } um { $hour24 }:{ $minute } UTC
