# As mensagens do Replyguard em português.
comments-one = 1 comentário
comments-other = { $count } comentários
leave-reply = Deixe uma resposta
reply-to = Responder a { $name }
notes = O seu endereço de e-mail não será publicado. Os campos obrigatórios estão marcados com *
notes-before-mark = O seu endereço de e-mail não será publicado. Os campos obrigatórios estão marcados com
field-comment = Comentário
field-name = Nome
field-email = E-mail
field-website = Site
post-comment = Publicar comentário
cancel-reply = Cancelar resposta
reply = Responder
report = Denunciar
report-who = Denunciar o comentário de { $name }
report-why = Porque o denuncia?
report-spam = Spam
report-abuse = Abuso
report-off-topic = Fora do tema
report-illegal = Conteúdo ilegal
report-other = Outro motivo
report-explanation = Explicação (obrigatória para conteúdo ilegal)
report-send = Enviar denúncia
report-thanks = Obrigado. Um moderador vai analisá-lo.
report-failed = Não foi possível enviar a sua denúncia. Tente de novo.
show-more = Mostrar mais comentários
closed = Os comentários estão fechados.
awaiting = O seu comentário aguarda moderação.
thanks-awaiting = Obrigado. O seu comentário aguarda moderação.
thanks-published = Obrigado. O seu comentário foi publicado.
sending = A enviar…
send-failed = Não foi possível enviar o seu comentário. Verifique a ligação e tente de novo.
send-retry = Não foi possível enviar o seu comentário. Tente de novo.
fix-fields = Corrija os campos assinalados.
date-at = { $day } às { $time }
not-posted = O seu comentário ainda não foi publicado
back-to-article = Voltar ao artigo
demo-title = Bem-vindo ao Replyguard
demo-intro = Esta página faz as vezes de um dos seus artigos. Publique um comentário abaixo: é validado, avaliado pelo filtro de spam e guardado como pendente. Um moderador aprova-o no painel ou pela API de moderação, e depois aparece aqui.
demo-widget = A secção de comentários abaixo é o widget do Replyguard, o mesmo que qualquer site acrescenta com uma única etiqueta script; sem JavaScript, é um formulário HTML simples.
err-name-empty = Escreva o seu nome.
err-name-line = O seu nome tem de ser uma única linha de texto.
err-email-empty = Escreva o seu endereço de e-mail.
err-email-invalid = Escreva um endereço de e-mail válido, como nome@exemplo.com.
err-body-empty = Escreva um comentário.
err-body-control = O seu comentário contém caracteres de controlo que não podem ser mostrados.
err-thread-missing = Falta o artigo a que este comentário pertence.
notify-replies = Avisar-me das respostas por e-mail
mail-confirm-subject = Confirme: avisos de respostas em { $site }
mail-confirm-greeting = Olá,
mail-confirm-asked = Alguém, esperamos que tenha sido você, pediu para receber um e-mail quando uma pessoa responder a um comentário em { $article }
mail-confirm-action = Para confirmar, abra esta ligação nas próximas 48 horas:
mail-confirm-ignore = Se não foi você, ignore este e-mail: não lhe enviaremos mais nada.
mail-reply-subject = { $name } respondeu ao seu comentário em { $site }
mail-reply-wrote = { $name } respondeu ao seu comentário:
mail-reply-read = Leia a resposta:
mail-reply-stop = Para deixar de receber e-mails sobre respostas em { $site }, abra:
page-confirm-title = Avisos de respostas por e-mail
page-confirm-lead = Carregue no botão para receber um e-mail quando alguém responder aos seus comentários neste site.
page-confirm-button = Confirmar
page-confirmed = Obrigado. Vai receber um e-mail quando alguém responder aos seus comentários neste site.
page-unsubscribe-title = Deixar de receber avisos de respostas
page-unsubscribe-lead = Carregue no botão para deixar de receber e-mails sobre respostas aos seus comentários neste site.
page-unsubscribe-button = Cancelar a subscrição
page-unsubscribed = Feito. Não vai receber mais e-mails sobre respostas neste site.
page-link-title = Esta ligação não funcionou
page-link-invalid = Esta ligação não é válida. Verifique se foi copiada por inteiro.
page-link-expired = Esta ligação expirou. Marque de novo a caixa no seu próximo comentário para receber outra.
page-link-gone = Estes avisos já estavam desligados. Marque de novo a caixa no seu próximo comentário para os ligar.
page-link-failed = Algo correu mal do nosso lado. Tente de novo mais tarde.
form-duplicate = Já publicou este comentário; está a aguardar moderação.
form-closed = Os comentários estão fechados neste artigo. O seu texto está abaixo, por isso não se perde.
form-limited = Está a publicar mais depressa do que este site permite. O seu texto está abaixo: envie-o de novo daqui a { $seconds } segundos.
form-failed = Algo correu mal do nosso lado e o seu comentário não foi guardado. O seu texto está abaixo: tente de novo daqui a pouco.
time-just-now = agora mesmo
time-minutes-ago =
    { $n ->
        [one] há 1 minuto
       *[other] há { $n } minutos
    }
time-hours-ago =
    { $n ->
        [one] há 1 hora
       *[other] há { $n } horas
    }
time-months = janeiro, fevereiro, março, abril, maio, junho, julho, agosto, setembro, outubro, novembro, dezembro
time-date = { $day } de { $month } de { $year }, { $hour24 }:{ $minute } UTC
