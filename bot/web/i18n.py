"""The web interface's words in Danish (the default) and English; templates call `t("key")`."""

from __future__ import annotations

from bot.language import Language

LANGUAGES: tuple[Language, ...] = ("da", "en")
DEFAULT_LANGUAGE: Language = "da"

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (Danish, English)
    "app.name": ("Vejviser", "Vejviser"),
    "app.tagline": (
        "Svar fra integrationspolitikkens dokumenter, med kilder",
        "Answers from the integration policy documents, with sources",
    ),
    "nav.requisitions": ("Rekvisitioner", "Requisitions"),
    "nav.gaps": ("Videnshuller", "Gap map"),
    "nav.eval": ("Evaluering", "Evaluation"),
    "nav.users": ("Brugere", "Users"),
    "nav.chat": ("Spørg", "Ask"),
    "nav.documents": ("Dokumenter", "Documents"),
    "nav.api": ("API", "API"),
    "nav.logout": ("Log ud", "Sign out"),
    "nav.login": ("Log ind", "Sign in"),
    "nav.password": ("Adgangskode", "Password"),  # "Skift adgangskode" made the staff bar wrap at 1280 px
    "nav.skip": ("Spring til indhold", "Skip to content"),
    "lang.switch": ("English", "Dansk"),
    "role.coordinator": ("koordinator", "coordinator"),
    "role.adviser": ("rådgiver", "adviser"),
    "role.caseworker": ("sagsbehandler", "caseworker"),
    # Sign-in.
    "login.title": ("Log ind", "Sign in"),
    "login.username": ("Brugernavn", "Username"),
    "login.password": ("Adgangskode", "Password"),
    "login.submit": ("Log ind", "Sign in"),
    "login.failed": ("Forkert brugernavn eller adgangskode.", "Wrong username or password."),
    "login.limited": (
        "For mange mislykkede forsøg herfra eller for dette navn. Vent {seconds} sekunder og prøv igen.",
        "Too many failed attempts from here or for this name. Wait {seconds} seconds and try again.",
    ),
    "login.failures_since": (
        "Siden du sidst loggede ind, er der gjort {count} mislykkede forsøg på at logge ind som dig. "
        "Var det ikke dig, så skift adgangskode og sig det til koordinatoren.",
        "Since you last signed in there were {count} failed attempts to sign in as you. "
        "If that was not you, change your password and tell the coordinator.",
    ),
    "password.same": (
        "Den nye adgangskode skal være en anden end den nuværende.",
        "The new password must differ from the current one.",
    ),
    "mfa.title": ("Totrinsbekræftelse", "Two-step verification"),
    "mfa.code": ("Kode fra din godkendelses-app (eller en gendannelseskode)", "Code from your authenticator app (or a recovery code)"),
    "mfa.submit": ("Bekræft", "Confirm"),
    "mfa.failed": ("Koden passer ikke. Skriv de seks cifre, appen viser nu.", "That code does not match. Type the six digits your app shows now."),
    "mfa.expired": ("Log ind med din adgangskode igen.", "Please sign in with your password again."),
    "mfa.must_enrol": (
        "Opsæt totrinsbekræftelse, før du fortsætter: skan QR-koden med en godkendelses-app og skriv koden.",
        "Set up two-step verification before you continue: scan the QR code with an authenticator app and type its code.",
    ),
    "mfa.secret": ("Kan du ikke skanne, så indtast denne nøgle i appen:", "If you cannot scan, enter this key in the app:"),
    "mfa.enrolled": ("Totrinsbekræftelse er slået til.", "Two-step verification is on."),
    "mfa.recovery_intro": (
        "Dine gendannelseskoder. De vises kun denne ene gang; hver kan bruges én gang, hvis du mister telefonen:",
        "Your recovery codes. They are shown only this once; each works once if you lose your phone:",
    ),
    "mfa.continue": ("Fortsæt", "Continue"),
    "login.expired": ("Din session er udløbet. Log ind igen.", "Your session has expired. Please sign in again."),
    # Nothing typed is lost (issue 16 d): a form refused after the session expired, or because it was stale.
    "unsent.question": (
        "Din session er udløbet, så dit spørgsmål blev ikke sendt. Log ind igen — din tekst er gemt, og du kan sende den igen.",
        "Your session has expired, so your question was not sent. Sign in again — your text is kept, and you can send it again.",
    ),
    "unsent.answer": (
        "Din session er udløbet, så dit svar blev ikke sendt. Log ind igen — din tekst er gemt, og du kan sende den igen.",
        "Your session has expired, so your answer was not sent. Sign in again — your text is kept, and you can send it again.",
    ),
    "unsent.text": (
        "Din session er udløbet, så din tekst blev ikke sendt. Log ind igen — den er gemt, og du kan sende den igen.",
        "Your session has expired, so your text was not sent. Sign in again — it is kept, and you can send it again.",
    ),
    "unsent.form": (
        "Din session er udløbet, så det, du sendte, blev ikke gemt. Log ind igen, og send det igen.",
        "Your session has expired, so what you sent was not saved. Sign in again and send it again.",
    ),
    "unsent.stale": (
        "Formularen var for gammel eller allerede sendt, så den blev ikke sendt nu. Din tekst er gemt: gå tilbage "
        "til siden, se efter, om det allerede er sket, og send den ellers igen.",
        "The form was too old or already sent, so it was not sent now. Your text is kept: go back to the page, "
        "check whether it already went through, and otherwise send it again.",
    ),
    "unsent.back": ("Tilbage til siden", "Back to the page"),
    "unsent.quote": (
        "Citatet „{quote}“ står ikke ordret i „{title}“, så svaret blev ikke sendt. Åbn dokumentet i dokumentvisningen, "
        "kopiér citatet derfra, og send igen — din tekst står stadig herunder.",
        "The quote “{quote}” is not in “{title}” word for word, so the answer was not sent. Open the document in the "
        "viewer, copy the quote from there and send again — your text is still below.",
    ),
    "unsent.document": (
        "Det valgte dokument findes ikke, så svaret blev ikke sendt. Vælg et dokument fra listen, og send igen — din tekst står stadig herunder.",
        "The chosen document does not exist, so the answer was not sent. Pick a document from the list and send again — your text is still below.",
    ),
    "login.register_hint": (
        "Sagsbehandler uden konto? Brug den invitationskode, du har fået af koordinatoren.",
        "Caseworker without an account? Use the invite code you got from the coordinator.",
    ),
    "login.key": ("Din personlige login-nøgle", "Your personal sign-in key"),
    "register.welcome": ("Velkommen til Vejviser", "Welcome to Vejviser"),
    "register.key_intro": (
        "Din konto er oprettet. Det her er din personlige login-nøgle. Den vises kun denne ene gang:",
        "Your account has been created. This is your personal sign-in key. It is shown only this once:",
    ),
    "register.key_hint": (
        "Gem nøglen i din adgangskodeboks. Du logger ind med den næste gang. Mister du den, "
        "kan koordinatoren give dig en ny invitationskode.",
        "Keep the key in your password manager; you sign in with it next time. If you lose it, "
        "the coordinator can give you a new invite code.",
    ),
    "register.title": ("Opret konto med invitationskode", "Create an account with an invite code"),
    "register.code": ("Invitationskode", "Invite code"),
    "register.display_name": ("Navn", "Name"),
    "register.submit": ("Opret konto", "Create account"),
    "password.title": ("Skift adgangskode", "Change password"),
    "password.current": ("Nuværende adgangskode", "Current password"),
    "password.new": ("Ny adgangskode", "New password"),
    "password.repeat": ("Gentag ny adgangskode", "Repeat new password"),
    "password.rules": (
        "Mindst 12 tegn. Almindelige adgangskoder afvises.",
        "At least 12 characters. Common passwords are refused.",
    ),
    "password.must_change": (
        "Du er logget ind med en engangsadgangskode. Vælg din egen, før du fortsætter.",
        "You signed in with a one-time password. Choose your own before you continue.",
    ),
    "password.mismatch": ("De to nye adgangskoder er ikke ens.", "The two new passwords differ."),
    "password.changed": ("Adgangskoden er skiftet.", "Your password has been changed."),
    "password.submit": ("Skift adgangskode", "Change password"),
    # Errors.
    "error.title": ("Noget gik galt", "Something went wrong"),
    "error.400": ("Forespørgslen kunne ikke læses.", "The request could not be read."),
    "error.403": ("Du har ikke adgang til denne side eller handling.", "You may not see this page or do this."),
    "error.404": ("Siden eller posten findes ikke.", "The page or record does not exist."),
    "error.405": ("Metoden er ikke tilladt her.", "That method is not allowed here."),
    "error.409": ("Handlingen passer ikke til sagens tilstand.", "The action does not fit the record's state."),
    "error.413": ("Det sendte er for stort.", "What you sent is too large."),
    "error.422": ("Det sendte er ikke gyldigt.", "What you sent is not valid."),
    "error.429": ("For mange forsøg. Vent lidt.", "Too many attempts. Please wait."),
    "error.500": ("Der opstod en fejl hos os. Prøv igen.", "Something went wrong on our side. Please try again."),
    "error.503": ("Tjenesten er ikke klar endnu.", "The service is not ready yet."),
    "error.database": (
        "Databasen kan ikke nås lige nu, så intet blev gemt. Prøv igen om et øjeblik.",
        "The database cannot be reached right now, so nothing was saved. Try again in a moment.",
    ),
    "error.stale": (
        "En anden har ændret rekvisitionen, siden du åbnede den. Genindlæs siden, se ændringen, og prøv igen.",
        "Someone else changed this requisition since you opened it. Reload the page, check the change and try again.",
    ),
    "error.csrf": (
        "Formularen var for gammel eller allerede sendt. Siden er genindlæst; prøv igen.",
        "The form was too old or already sent. The page has been reloaded; please try again.",
    ),
    "error.back": ("Tilbage til forsiden", "Back to the start page"),
    # Requisitions.
    "req.title": ("Rekvisitioner", "Requisitions"),
    "req.number": ("Nr.", "No."),
    "req.question": ("Spørgsmål", "Question"),
    "req.status": ("Status", "Status"),
    "req.department": ("Forvaltning", "Department"),
    "req.theme": ("Tema", "Theme"),
    "req.themes": ("Temaer", "Themes"),
    "req.assignee": ("Tildelt", "Assignee"),
    "req.unassigned": ("ikke tildelt", "unassigned"),
    "req.waited": ("Ventet", "Waited"),
    "req.created": ("Oprettet", "Created"),
    "req.age": ("Alder", "Age"),
    "req.search": ("Søg i tekst", "Search text"),
    "req.sort": ("Sortér", "Sort"),
    "req.filter": ("Filtrér", "Filter"),
    "req.reset": ("Nulstil", "Reset"),
    "req.any": ("alle", "any"),
    "req.open": ("åbne", "open"),
    "req.context": ("Uddybning fra sagsbehandleren", "Context from the caseworker"),
    "req.cite_other": ("Citér et andet dokument (valgfrit)", "Cite another document (optional)"),
    "req.cite_quote": ("Ordret citat fra dokumentet", "Verbatim quote from the document"),
    "req.none": ("Ingen rekvisitioner passer til filtrene.", "No requisitions match the filters."),
    "req.export": ("Eksportér CSV", "Export CSV"),
    "req.count": ("{n} rekvisition(er)", "{n} requisition(s)"),
    "req.sort.oldest": ("ældste først", "oldest first"),
    "req.sort.newest": ("nyeste først", "newest first"),
    "req.sort.waited": ("længst ventet", "waited longest"),
    "req.sort.status": ("status", "status"),
    "req.sort.due": ("forfalder først", "due first"),
    "req.sla": ("Tid mod frist", "Time against SLA"),
    "req.due": ("Frist", "Due"),
    "inbox.label": ("Indbakke", "Inbox"),
    "inbox.new": ("Nye", "New"),
    "inbox.unassigned": ("Ikke tildelt", "Unassigned"),
    "inbox.needs_info": ("Venter på info", "Waiting for info"),
    "inbox.overdue": ("Overskredet", "Overdue"),
    "inbox.mine": ("Tildelt mig", "Assigned to me"),
    "inbox.all": ("Alle", "All"),
    "req.select": ("Vælg {number}", "Select {number}"),
    "req.select_all": ("Vælg alle på siden", "Select all on the page"),
    "req.bulk_assign": ("Tildel valgte til", "Assign selected to"),
    "tpl.title": ("Svarskabeloner", "Answer templates"),
    "tpl.intro": (
        "Faste tekster, som rådgiverne kan indsætte i et svar. Skriv ikke personoplysninger i dem.",
        "Stored texts advisers can insert into an answer. Do not put personal data in them.",
    ),
    "tpl.name": ("Titel", "Title"),
    "tpl.text": ("Tekst", "Text"),
    "tpl.save": ("Gem skabelon", "Save template"),
    "tpl.delete": ("Slet", "Delete"),
    "tpl.delete_named": ("Slet skabelonen {title}", "Delete the template {title}"),
    "tpl.none": ("Ingen skabeloner endnu.", "No templates yet."),
    "tpl.insert_label": ("Skabelon", "Template"),
    "tpl.insert": ("Indsæt i svaret", "Insert into the answer"),
    "tpl.manage": ("Redigér svarskabeloner", "Edit answer templates"),
    "req.notes": ("Interne noter", "Internal notes"),
    "req.notes_hint": (
        "Kun for task forcen: sagsbehandleren ser aldrig noterne.",
        "For the task force only: the caseworker never sees the notes.",
    ),
    "req.note": ("Ny note", "New note"),
    "req.no_notes": ("Ingen noter endnu.", "No notes yet."),
    "action.add_note": ("Gem note", "Save note"),
    "req.age.1": ("over 1 dag", "over 1 day"),
    "req.age.7": ("over 7 dage", "over 7 days"),
    "req.age.30": ("over 30 dage", "over 30 days"),
    "req.asked_by": ("Spurgt af", "Asked by"),
    "req.language": ("Sprog", "Language"),
    "req.confidence": ("Sikkerhed ved rutning", "Confidence at routing"),
    "req.candidates": ("Assistentens nærmeste passager", "The assistant's closest passages"),
    "req.no_candidates": ("Assistenten fandt ingen passager.", "The assistant found no passages."),
    "req.open_in_viewer": ("Vis i dokumentet", "Show in the document"),
    "req.history": ("Historik", "History"),
    "req.answer": ("Svar", "Answer"),
    "req.answered_by": ("Besvaret af", "Answered by"),
    "req.sources": ("Kilder i svaret", "Sources in the answer"),
    "req.duplicate_of": ("Dublet af", "Duplicate of"),
    "req.similar": ("Lignende åbne rekvisitioner", "Similar open requisitions"),
    "req.actions": ("Handlinger", "Actions"),
    "req.no_actions": ("Ingen handlinger er mulige i denne tilstand.", "No actions are possible in this state."),
    "req.reason": ("Begrundelse", "Reason"),
    "req.message": ("Besked til sagsbehandleren", "Message to the caseworker"),
    "req.cite": ("Citér passager i svaret", "Cite passages in the answer"),
    "req.back": ("Tilbage til listen", "Back to the list"),
    "req.done": ("Gemt.", "Saved."),
    "action.assign": ("Tildel", "Assign"),
    "action.start": ("Påbegynd", "Start"),
    "action.request_info": ("Bed om flere oplysninger", "Ask for more information"),
    "action.answer": ("Send svar", "Send answer"),
    "action.close": ("Luk", "Close"),
    "action.duplicate": ("Markér som dublet", "Mark as duplicate"),
    "action.reject": ("Afvis", "Reject"),
    "action.publish": ("Udgiv som best practice", "Publish as best practice"),
    "action.publish_preview": ("Forhåndsvis og udgiv", "Preview and publish"),
    "action.preview": ("Vis forhåndsvisning", "Show preview"),
    "action.unpublish": ("Tilbagekald udgivelsen", "Unpublish"),
    "publish.title": ("Udgiv {number} som best practice", "Publish {number} as best practice"),
    "publish.intro": (
        "Sådan bliver dokumentet, som assistenten kan citere. Ret svaret herunder, vis forhåndsvisningen igen, og udgiv. "
        "Svaret, sagsbehandleren fik, ændres ikke.",
        "This is the document the assistant will be able to cite. Edit the answer below, show the preview again, "
        "and publish. The answer the caseworker got is not changed.",
    ),
    "publish.preview": ("Forhåndsvisning", "Preview"),
    "publish.edit": ("Svaret, som det udgives", "The answer as published"),
    "publish.unpublish_hint": (
        "Dokumentet fjernes fra søgningen, og assistenten holder op med at citere det.",
        "The document leaves the search, and the assistant stops citing it.",
    ),
    "status.new": ("ny", "new"),
    "status.assigned": ("tildelt", "assigned"),
    "status.in_progress": ("i gang", "in progress"),
    "status.needs_info": ("mangler oplysninger", "needs information"),
    "status.answered": ("besvaret", "answered"),
    "status.closed": ("lukket", "closed"),
    "status.duplicate": ("dublet", "duplicate"),
    "status.rejected": ("afvist", "rejected"),
    "status.published": ("udgivet", "published"),
    # Documents.
    "doc.title": ("Dokumenter", "Documents"),
    "doc.metadata": ("Om dokumentet", "About the document"),
    "doc.date": ("Dato", "Date"),
    "doc.type": ("Type", "Type"),
    "doc.issuer": ("Afsender", "From"),
    "doc.recipient": ("Modtager", "To"),
    "doc.case_number": ("Sagsnr.", "Case no."),
    "doc.document_number": ("Dok.nr.", "Document no."),
    "doc.journal_number": ("J.nr.", "Journal no."),
    "doc.signatory": ("Underskrevet af", "Signed by"),
    "doc.source": ("Kildefil", "Source file"),
    "doc.ocr": (
        "Teksten er OCR-læst og automatisk rettet; enkelte tegn kan være forkerte.",
        "The text was read by OCR and repaired automatically; some characters may be wrong.",
    ),
    "doc.jump": ("Gå til den citerede passage", "Go to the cited passage"),
    "doc.bad_span": ("Den angivne passage findes ikke i dokumentet.", "The given passage is not in the document."),
    # Chat.
    "chat.title": ("Spørg Vejviser", "Ask Vejviser"),
    "chat.intro": (
        "Stil et spørgsmål om integrationsindsatsen. Svaret citerer dokumenterne ordret med kilder. "
        "Kan dokumenterne ikke svare, kan du sende spørgsmålet til task forcen.",
        "Ask a question about the integration effort. The answer quotes the documents verbatim with sources. "
        "If the documents cannot answer, you can send the question to the task force.",
    ),
    "chat.placeholder": ("Skriv dit spørgsmål …", "Type your question …"),
    "chat.ask": ("Spørg", "Ask"),
    "chat.no_cpr": (
        "Skriv ikke CPR-numre, telefonnumre eller e-mails. De fjernes automatisk.",
        "Do not write CPR numbers, phone numbers or e-mails. They are removed automatically.",
    ),
    "chat.route": ("Send til task forcen", "Send to the task force"),
    "chat.route_context": ("Evt. uddybning (valgfri)", "Extra context (optional)"),
    "chat.routed": (
        "Dit spørgsmål er sendt til task forcen som rekvisition nr. {number}. Du får svaret her.",
        "Your question has been sent to the task force as requisition no. {number}. You will get the answer here.",
    ),
    "chat.helpful": ("Hjalp svaret?", "Did the answer help?"),
    "chat.thanks": ("Tak for din tilbagemelding.", "Thank you for your feedback."),
    "chat.sources": ("Kilder", "Sources"),
    "chat.confidence": ("Sikkerhed {value}", "Confidence {value}"),
    "chat.found": ("Fundet i dokumenterne", "Found in the documents"),
    "chat.unsure": ("Ikke sikkert — send til task forcen?", "Not sure — send it to the task force?"),
    "chat.not_answered": ("Ikke i dokumenterne — send til task forcen?", "Not in the documents — send it to the task force?"),
    "chat.redacted": (
        "Vi fjernede {kinds} fra dit spørgsmål, før det blev brugt: personoplysninger må ikke gemmes.",
        "We removed {kinds} from your question before it was used: personal data must not be kept.",
    ),
    "chat.my_requisitions": ("Mine rekvisitioner", "My requisitions"),
    "chat.no_requisitions": ("Du har ingen rekvisitioner endnu.", "You have no requisitions yet."),
    "chat.reply": ("Svar på spørgsmålet fra task forcen", "Reply to the task force's question"),
    "chat.send_reply": ("Send oplysninger", "Send information"),
    "chat.task_force_asks": ("Task forcen spørger", "The task force asks"),
    "chat.task_force_answer": ("Svar fra task forcen", "Answer from the task force"),
    "chat.task_force_asked": ("Task forcen spurgte", "The task force asked"),
    "chat.your_reply": ("Dit svar", "Your reply"),
    "chat.reply_sent": ("Dit svar er sendt til task forcen.", "Your reply has been sent to the task force."),
    "chat.news.answered": ("Nyt svar", "New answer"),
    "chat.news.needs_info": ("Nyt spørgsmål til dig", "New question for you"),
    "chat.news.other": ("Nyt fra task forcen", "News from the task force"),
    "chat.news_count": ("{n} nye", "{n} new"),
    "chat.news_count_one": ("1 ny", "1 new"),
    "chat.news_on": ("{news}: {number}", "{news}: {number}"),
    "chat.mark_read": ("Markér som læst", "Mark as read"),
    "chat.history": ("Dine spørgsmål", "Your questions"),
    "chat.history_empty": ("Ingen tidligere spørgsmål.", "No earlier questions."),
    "chat.history_routed": ("Sendt til task forcen som {number}", "Sent to the task force as {number}"),
    "chat.history_help": ("Vejledning", "How to ask"),
    "chat.history_not_found": ("Ikke fundet i dokumenterne", "Not found in the documents"),
    "chat.history_kept": (
        "Dine spørgsmål og svarene gemmes uden personoplysninger i {days} dage.",
        "Your questions and the answers are kept, without personal data, for {days} days.",
    ),
    "chat.newer": ("Nyere", "Newer"),
    "chat.older": ("Ældre", "Older"),
    "chat.history_page": ("Side {page} af {pages}", "Page {page} of {pages}"),
    # Gap map.
    "gaps.title": ("Videnshuller", "Gap map"),
    "gaps.intro": (
        "Hvor politikken efterlader sagsbehandlerne uden svar: rekvisitioner, negative tilbagemeldinger og rutede "
        "spørgsmål, grupperet efter den dokumentsektion de kom tættest på, efter tema og efter måned.",
        "Where the policy leaves caseworkers without an answer: requisitions, negative feedback and routed questions, "
        "grouped by the document section they came closest to, by theme and by month.",
    ),
    "gaps.by_section": ("Efter nærmeste dokumentsektion", "By closest document section"),
    "gaps.by_theme": ("Efter tema", "By theme"),
    "gaps.untagged": (
        "Uden tema: {n} ({share} %) af tegnene på huller; de er ikke med i diagrammet.",
        "Without a theme: {n} ({share} %) of the signs of a gap; they are not in the chart.",
    ),
    "gaps.by_month": ("Efter måned", "By month"),
    "gaps.empty": ("Ingen data endnu.", "No data yet."),
    "gaps.requisitions": ("rekvisitioner", "requisitions"),
    "gaps.negative": ("negative tilbagemeldinger (👎)", "negative feedback (👎)"),
    "gaps.routed": ("rutede spørgsmål", "routed questions"),
    "gaps.figures": ("Nøgletal", "Key figures"),
    "gaps.first_response": ("Median tid til første svar", "Median time to first response"),
    "gaps.to_answer": ("Median tid til svar", "Median time to answer"),
    "gaps.open": ("Åbne rekvisitioner", "Open requisitions"),
    # Eval.
    "eval.title": ("Evaluering", "Evaluation"),
    "eval.missing": (
        "Der er ingen evalueringsrapport endnu. Kør `vejviser eval` for at lave eval/report/REPORT.md.",
        "There is no evaluation report yet. Run `vejviser eval` to write eval/report/REPORT.md.",
    ),
    # Users.
    "users.title": ("Brugere og adgang", "Users and access"),
    "users.username": ("Brugernavn", "Username"),
    "users.display_name": ("Navn", "Name"),
    "users.role": ("Rolle", "Role"),
    "users.department": ("Forvaltning", "Department"),
    "users.add": ("Opret bruger", "Add user"),
    "users.added": (
        "Brugeren er oprettet. Engangsadgangskode (vises kun nu): {password}",
        "The user has been created. One-time password (shown only now): {password}",
    ),
    "users.invite": ("Ny invitationskode til sagsbehandler", "New invite code for a caseworker"),
    "users.invite_created": ("Invitationskode (vises kun nu): {code}", "Invite code (shown only now): {code}"),
    "users.token": ("Nyt API-token", "New API token"),
    "users.token_name": ("Formål", "Purpose"),
    "users.token_created": ("API-token (vises kun nu): {token}", "API token (shown only now): {token}"),
    "users.active": ("Aktiv", "Active"),
    "users.deactivate": ("Deaktivér", "Deactivate"),
    "users.activate": ("Aktivér", "Activate"),
    "users.tokens": ("API-tokens", "API tokens"),
    "users.revoked": ("tilbagekaldt", "revoked"),
    "users.revoke": ("Tilbagekald", "Revoke"),
    "users.create": ("Opret", "Create"),
    "users.caseworkers": ("Sagsbehandlere", "Caseworkers"),
    "users.channel": ("Kanal", "Channel"),
    "users.deactivated": ("deaktiveret", "deactivated"),
    "users.caseworker_deactivated": (
        "Sagsbehandler {id} er deaktiveret: nøglen og Telegram-adgangen virker ikke længere.",
        "Caseworker {id} has been deactivated: their key and Telegram access no longer work.",
    ),
    "users.caseworker_already": ("Sagsbehandler {id} var allerede deaktiveret; intet er ændret.",
                                 "Caseworker {id} was already deactivated; nothing changed."),
    "users.invites": ("Invitationskoder", "Invite codes"),
    "users.expires": ("Udløber", "Expires"),
    "users.status": ("Status", "Status"),
    "invite.open": ("åben", "open"),
    "invite.used": ("brugt", "used"),
    "invite.expired": ("udløbet", "expired"),
    "invite.revoked": ("tilbagekaldt", "revoked"),
    "users.invite_revoked": ("Invitation {id} er tilbagekaldt.", "Invite {id} has been revoked."),
    "users.invite_already": ("Invitation {id} var allerede tilbagekaldt; intet er ændret.",
                             "Invite {id} was already revoked; nothing changed."),
    "users.token_revoked": ("API-token {id} er tilbagekaldt.", "API token {id} has been revoked."),
    "users.token_already": ("API-token {id} var allerede tilbagekaldt; intet er ændret.",
                            "API token {id} was already revoked; nothing changed."),
    # Misc.
    "misc.yes": ("ja", "yes"),
    "misc.no": ("nej", "no"),
    "misc.days": ("{n} d", "{n} d"),
    "misc.hours": ("{n} t", "{n} h"),
    "misc.minutes": ("{n} min", "{n} min"),
    "misc.seconds": ("{n} s", "{n} s"),
    "sla.of": ("{elapsed} af {allowed}", "{elapsed} of {allowed}"),
    "sla.overdue": ("Overskredet: {text}", "Overdue: {text}"),
    "sla.waiting_for.answer": ("til svar", "to answer"),
    "sla.waiting_for.needs_info": ("venter på info", "waiting for info"),
}


def translate(key: str, language: str, /, **values: object) -> str:
    """The text for `key` in `language`; an unknown key shows itself, so a gap is visible, not fatal."""
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[1] if language == "en" else pair[0]
    return text.format(**values) if values else text


def pick_language(*candidates: str | None) -> Language:
    """The first supported language among the candidates, else Danish."""
    for candidate in candidates:
        if candidate:
            code = candidate.strip().lower()[:2]
            if code in LANGUAGES:
                return code  # type: ignore[return-value]
    return DEFAULT_LANGUAGE
