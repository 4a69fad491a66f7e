# Replyguard's messages in English: the widget, the plain form and its error page, and the
# submission API's field messages. One file per language; a new language is a new file.
comments-one = 1 Comment
comments-other = { $count } Comments
leave-reply = Leave a Reply
reply-to = Reply to { $name }
notes = Your email address will not be published. Required fields are marked *
notes-before-mark = Your email address will not be published. Required fields are marked
field-comment = Comment
field-name = Name
field-email = Email
field-website = Website
post-comment = Post Comment
cancel-reply = Cancel reply
reply = Reply
report = Report
report-who = Report the comment by { $name }
report-why = Why report it?
report-spam = Spam
report-abuse = Abuse
report-off-topic = Off topic
report-illegal = Illegal content
report-other = Other
report-explanation = Explanation (required for illegal content)
report-send = Send report
report-thanks = Thank you. A moderator will look at it.
report-failed = Your report could not be sent. Please try again.
show-more = Show more comments
closed = Comments are closed.
awaiting = Your comment is awaiting moderation.
thanks-awaiting = Thank you. Your comment is awaiting moderation.
thanks-published = Thank you. Your comment is published.
sending = Sending…
send-failed = Your comment could not be sent. Please check your connection and try again.
send-retry = Your comment could not be sent. Please try again.
fix-fields = Please correct the highlighted fields.
date-at = { $day } at { $time }
not-posted = Your comment was not posted yet
back-to-article = Back to the article
demo-title = Welcome to Replyguard
demo-intro = This page is a stand-in for one of your articles. Post a comment below: it is validated, scored by the spam filter and stored as pending. A moderator approves it in the dashboard or through the moderation API, and then it appears here.
demo-widget = The comment section below is Replyguard's embeddable widget, the same one any site adds with a single script tag; with JavaScript off, it is a plain HTML form.
err-name-empty = Please enter your name.
err-name-line = Your name must be a single line of text.
err-email-empty = Please enter your email address.
err-email-invalid = Please enter a valid email address, like name@example.com.
err-body-empty = Please write a comment.
err-body-control = Your comment contains control characters that cannot be shown.
err-thread-missing = The article this comment belongs to is missing.
notify-replies = Notify me of replies by email
# Emails to readers (not sent to the widget).
mail-confirm-subject = Please confirm: email me about replies on { $site }
mail-confirm-greeting = Hello,
mail-confirm-asked = Someone, we hope you, asked to get an email when a person replies to a comment on { $article }
mail-confirm-action = To confirm, open this link within 48 hours:
mail-confirm-ignore = If it was not you, ignore this email: nothing more will be sent to you.
mail-reply-subject = { $name } replied to your comment on { $site }
mail-reply-wrote = { $name } replied to your comment:
mail-reply-read = Read the reply:
mail-reply-stop = To stop emails about replies on { $site }, open:
# Pages the links in those emails lead to.
page-confirm-title = Email me about replies
page-confirm-lead = Press the button to get an email when someone replies to your comments on this site.
page-confirm-button = Confirm
page-confirmed = Thank you. You will get an email when someone replies to your comments on this site.
page-unsubscribe-title = Stop emails about replies
page-unsubscribe-lead = Press the button to stop emails about replies to your comments on this site.
page-unsubscribe-button = Unsubscribe
page-unsubscribed = Done. You will get no more emails about replies on this site.
page-link-title = This link did not work
page-link-invalid = This link is not valid. Please check that it was copied whole.
page-link-expired = This link has expired. Tick the box again with your next comment to get a new one.
page-link-gone = These notifications were already turned off. Tick the box again with your next comment to turn them on.
page-link-failed = Something went wrong on our side. Please try again later.
# The plain form's error pages (not sent to the widget).
form-duplicate = You have already posted this comment; it is awaiting moderation.
form-closed = Comments are closed on this article. Your text is below, so it is not lost.
form-limited = You are posting faster than this site allows. Your text is below: please send it again in { $seconds } seconds.
form-failed = Something went wrong on our side and your comment was not saved. Your text is below: please try again in a moment.
# Dates on the plain form's pages (the widget writes its own with the browser's locale).
time-just-now = just now
time-minutes-ago =
    { $n ->
        [one] 1 minute ago
       *[other] { $n } minutes ago
    }
time-hours-ago =
    { $n ->
        [one] 1 hour ago
       *[other] { $n } hours ago
    }
time-months = January, February, March, April, May, June, July, August, September, October, November, December
time-date = { $month } { $day }, { $year } at { $hour12 }:{ $minute } { $ampm } UTC
