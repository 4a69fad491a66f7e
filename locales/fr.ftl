# Les messages de Replyguard en français.
comments-one = 1 commentaire
comments-other = { $count } commentaires
leave-reply = Laisser un commentaire
reply-to = Répondre à { $name }
notes = Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *
notes-before-mark = Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec
field-comment = Commentaire
field-name = Nom
field-email = E-mail
field-website = Site web
post-comment = Publier le commentaire
cancel-reply = Annuler la réponse
reply = Répondre
report = Signaler
report-who = Signaler le commentaire de { $name }
report-why = Pourquoi le signaler ?
report-spam = Spam
report-abuse = Abus
report-off-topic = Hors sujet
report-illegal = Contenu illégal
report-other = Autre
report-explanation = Explication (obligatoire pour un contenu illégal)
report-send = Envoyer le signalement
report-thanks = Merci. Un modérateur va l’examiner.
report-failed = Votre signalement n’a pas pu être envoyé. Veuillez réessayer.
show-more = Afficher plus de commentaires
closed = Les commentaires sont fermés.
awaiting = Votre commentaire est en attente de modération.
thanks-awaiting = Merci. Votre commentaire est en attente de modération.
thanks-published = Merci. Votre commentaire est publié.
sending = Envoi…
send-failed = Votre commentaire n’a pas pu être envoyé. Vérifiez votre connexion et réessayez.
send-retry = Votre commentaire n’a pas pu être envoyé. Veuillez réessayer.
fix-fields = Veuillez corriger les champs signalés.
date-at = { $day } à { $time }
not-posted = Votre commentaire n’est pas encore publié
back-to-article = Retour à l’article
demo-title = Bienvenue sur Replyguard
demo-intro = Cette page tient lieu de l’un de vos articles. Publiez un commentaire ci-dessous : il est validé, noté par le filtre anti-spam et mis en attente. Un modérateur l’approuve dans le tableau de bord ou par l’API de modération, puis il apparaît ici.
demo-widget = La section de commentaires ci-dessous est le widget de Replyguard, le même que tout site ajoute avec une seule balise script ; sans JavaScript, c’est un formulaire HTML ordinaire.
err-name-empty = Veuillez saisir votre nom.
err-name-line = Votre nom doit tenir sur une seule ligne.
err-email-empty = Veuillez saisir votre adresse e-mail.
err-email-invalid = Veuillez saisir une adresse e-mail valide, comme nom@exemple.com.
err-body-empty = Veuillez écrire un commentaire.
err-body-control = Votre commentaire contient des caractères de contrôle qui ne peuvent pas être affichés.
err-thread-missing = L’article auquel appartient ce commentaire est manquant.
notify-replies = M’avertir des réponses par e-mail
mail-confirm-subject = Confirmez : être averti des réponses sur { $site }
mail-confirm-greeting = Bonjour,
mail-confirm-asked = Quelqu’un, sans doute vous, a demandé à recevoir un e-mail quand une personne répond à un commentaire sur { $article }
mail-confirm-action = Pour confirmer, ouvrez ce lien dans les 48 heures :
mail-confirm-ignore = Si ce n’était pas vous, ignorez cet e-mail : rien d’autre ne vous sera envoyé.
mail-reply-subject = { $name } a répondu à votre commentaire sur { $site }
mail-reply-wrote = { $name } a répondu à votre commentaire :
mail-reply-read = Lire la réponse :
mail-reply-stop = Pour ne plus recevoir d’e-mails sur les réponses sur { $site }, ouvrez :
page-confirm-title = M’avertir des réponses par e-mail
page-confirm-lead = Appuyez sur le bouton pour recevoir un e-mail quand quelqu’un répond à vos commentaires sur ce site.
page-confirm-button = Confirmer
page-confirmed = Merci. Vous recevrez un e-mail quand quelqu’un répondra à vos commentaires sur ce site.
page-unsubscribe-title = Ne plus être averti des réponses
page-unsubscribe-lead = Appuyez sur le bouton pour ne plus recevoir d’e-mails sur les réponses à vos commentaires sur ce site.
page-unsubscribe-button = Me désabonner
page-unsubscribed = C’est fait. Vous ne recevrez plus d’e-mails sur les réponses sur ce site.
page-link-title = Ce lien n’a pas fonctionné
page-link-invalid = Ce lien n’est pas valide. Vérifiez qu’il a été copié en entier.
page-link-expired = Ce lien a expiré. Cochez de nouveau la case avec votre prochain commentaire pour en recevoir un autre.
page-link-gone = Ces avertissements étaient déjà désactivés. Cochez de nouveau la case avec votre prochain commentaire pour les réactiver.
page-link-failed = Une erreur s’est produite de notre côté. Veuillez réessayer plus tard.
form-duplicate = Vous avez déjà publié ce commentaire ; il est en attente de modération.
form-closed = Les commentaires sont fermés sur cet article. Votre texte est ci-dessous, il n’est donc pas perdu.
form-limited = Vous publiez plus vite que ce site ne le permet. Votre texte est ci-dessous : renvoyez-le dans { $seconds } secondes.
form-failed = Une erreur s’est produite de notre côté et votre commentaire n’a pas été enregistré. Votre texte est ci-dessous : réessayez dans un instant.
time-just-now = à l’instant
time-minutes-ago =
    { $n ->
        [one] il y a { $n } minute
       *[other] il y a { $n } minutes
    }
time-hours-ago =
    { $n ->
        [one] il y a { $n } heure
       *[other] il y a { $n } heures
    }
time-months = janvier, février, mars, avril, mai, juin, juillet, août, septembre, octobre, novembre, décembre
time-date = { $day } { $month } { $year } à { $hour24 }:{ $minute } UTC
