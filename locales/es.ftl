# Los mensajes de Replyguard en español.
comments-one = 1 comentario
comments-other = { $count } comentarios
leave-reply = Deja una respuesta
reply-to = Responder a { $name }
notes = Tu dirección de correo electrónico no será publicada. Los campos obligatorios están marcados con *
notes-before-mark = Tu dirección de correo electrónico no será publicada. Los campos obligatorios están marcados con
field-comment = Comentario
field-name = Nombre
field-email = Correo electrónico
field-website = Web
post-comment = Publicar el comentario
cancel-reply = Cancelar la respuesta
reply = Responder
report = Denunciar
report-who = Denunciar el comentario de { $name }
report-why = ¿Por qué lo denuncias?
report-spam = Spam
report-abuse = Abuso
report-off-topic = Fuera de tema
report-illegal = Contenido ilegal
report-other = Otro motivo
report-explanation = Explicación (obligatoria para contenido ilegal)
report-send = Enviar la denuncia
report-thanks = Gracias. Un moderador lo revisará.
report-failed = No se pudo enviar tu denuncia. Inténtalo de nuevo.
show-more = Mostrar más comentarios
closed = Los comentarios están cerrados.
awaiting = Tu comentario está pendiente de moderación.
thanks-awaiting = Gracias. Tu comentario está pendiente de moderación.
thanks-published = Gracias. Tu comentario está publicado.
sending = Enviando…
send-failed = No se pudo enviar tu comentario. Comprueba tu conexión e inténtalo de nuevo.
send-retry = No se pudo enviar tu comentario. Inténtalo de nuevo.
fix-fields = Corrige los campos señalados.
date-at = { $day } a las { $time }
not-posted = Tu comentario aún no se ha publicado
back-to-article = Volver al artículo
demo-title = Bienvenido a Replyguard
demo-intro = Esta página hace las veces de uno de tus artículos. Publica un comentario abajo: se valida, lo puntúa el filtro de spam y queda pendiente. Un moderador lo aprueba en el panel o con la API de moderación, y entonces aparece aquí.
demo-widget = La sección de comentarios de abajo es el widget de Replyguard, el mismo que cualquier sitio añade con una sola etiqueta script; sin JavaScript, es un formulario HTML normal.
err-name-empty = Escribe tu nombre.
err-name-line = Tu nombre debe ser una sola línea de texto.
err-email-empty = Escribe tu dirección de correo electrónico.
err-email-invalid = Escribe una dirección de correo válida, como nombre@ejemplo.com.
err-body-empty = Escribe un comentario.
err-body-control = Tu comentario contiene caracteres de control que no se pueden mostrar.
err-thread-missing = Falta el artículo al que pertenece este comentario.
notify-replies = Avisarme de las respuestas por correo electrónico
mail-confirm-subject = Confirma: avisos de respuestas en { $site }
mail-confirm-greeting = Hola:
mail-confirm-asked = Alguien, esperamos que tú, pidió recibir un correo cuando alguien responda a un comentario en { $article }
mail-confirm-action = Para confirmarlo, abre este enlace en las próximas 48 horas:
mail-confirm-ignore = Si no fuiste tú, ignora este correo: no te enviaremos nada más.
mail-reply-subject = { $name } respondió a tu comentario en { $site }
mail-reply-wrote = { $name } respondió a tu comentario:
mail-reply-read = Lee la respuesta:
mail-reply-stop = Para dejar de recibir avisos de respuestas en { $site }, abre:
page-confirm-title = Avisos de respuestas por correo
page-confirm-lead = Pulsa el botón para recibir un correo cuando alguien responda a tus comentarios en este sitio.
page-confirm-button = Confirmar
page-confirmed = Gracias. Recibirás un correo cuando alguien responda a tus comentarios en este sitio.
page-unsubscribe-title = Dejar de recibir avisos de respuestas
page-unsubscribe-lead = Pulsa el botón para dejar de recibir correos sobre respuestas a tus comentarios en este sitio.
page-unsubscribe-button = Darme de baja
page-unsubscribed = Hecho. No recibirás más correos sobre respuestas en este sitio.
page-link-title = Este enlace no ha funcionado
page-link-invalid = Este enlace no es válido. Comprueba que se copió entero.
page-link-expired = Este enlace ha caducado. Marca la casilla de nuevo con tu próximo comentario para recibir otro.
page-link-gone = Estos avisos ya estaban desactivados. Marca la casilla de nuevo con tu próximo comentario para activarlos.
page-link-failed = Algo ha fallado por nuestra parte. Inténtalo de nuevo más tarde.
form-duplicate = Ya has publicado este comentario; está pendiente de moderación.
form-closed = Los comentarios están cerrados en este artículo. Tu texto está abajo, así que no se pierde.
form-limited = Estás publicando más deprisa de lo que permite este sitio. Tu texto está abajo: envíalo de nuevo dentro de { $seconds } segundos.
form-failed = Algo ha fallado por nuestra parte y tu comentario no se ha guardado. Tu texto está abajo: inténtalo de nuevo en un momento.
time-just-now = ahora mismo
time-minutes-ago =
    { $n ->
        [one] hace 1 minuto
       *[other] hace { $n } minutos
    }
time-hours-ago =
    { $n ->
        [one] hace 1 hora
       *[other] hace { $n } horas
    }
time-months = enero, febrero, marzo, abril, mayo, junio, julio, agosto, septiembre, octubre, noviembre, diciembre
time-date = { $day } de { $month } de { $year }, { $hour24 }:{ $minute } UTC
