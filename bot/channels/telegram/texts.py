"""Every sentence the bot says, in Danish and English, so handlers and rendering never hold prose.

Texts are Telegram HTML fragments: placeholders are filled with already escaped values by `rendering`.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # Answers.
    "according_to": {"da": "Ifølge {source}:", "en": "According to {source}:"},
    "see_also": {"da": "Se også {source}:", "en": "See also {source}:"},
    "section": {"da": "afsnit", "en": "section"},
    "not_sure": {
        "da": "<b>Ikke sikkert.</b> Det nærmeste, jeg finder, står herunder: tjek det, eller send spørgsmålet til "
        "task forcen med knappen.",
        "en": "<b>Not sure.</b> The closest I find is below: check it, or send the question to the task force with "
        "the button.",
    },
    "not_answered": {
        "da": "<b>Det står ikke i dokumenterne.</b> Vil du sende spørgsmålet til task forcen? Brug knappen herunder.",
        "en": "<b>The documents do not answer this.</b> Send the question to the task force? Use the button below.",
    },
    "closest": {"da": "Det nærmeste, jeg fandt, i {source}:", "en": "The closest I found, in {source}:"},
    "notice_old": {
        "da": "Kilden er fra {date} og mere end {years} år gammel: tjek om den stadig gælder.",
        "en": "The source is from {date}, more than {years} years old: check that it still applies.",
    },
    "notice_newer": {
        "da": "Der findes et nyere dokument om samme emne: {title} ({date}).",
        "en": "A newer document on the same subject exists: {title} ({date}).",
    },
    "route_left": {
        "da": "<i>Det tog jeg som et nyt spørgsmål; det forrige er ikke sendt til task forcen.</i>",
        "en": "<i>I took that as a new question; the previous one was not sent to the task force.</i>",
    },
    "route_expired": {
        "da": "<i>Jeg ventede 15 minutter på konteksten; det forrige spørgsmål er ikke sendt til task forcen. "
        "Din besked har jeg taget som et nyt spørgsmål.</i>",
        "en": "<i>I waited 15 minutes for the context; the previous question was not sent to the task force. "
        "I took your message as a new question.</i>",
    },
    "button_up": {"da": "👍", "en": "👍"},
    "button_down": {"da": "👎", "en": "👎"},
    "button_route": {"da": "Send til task forcen", "en": "Send to the task force"},
    "button_send_without": {"da": "Send uden kontekst", "en": "Send without context"},
    "button_cancel": {"da": "Fortryd", "en": "Cancel"},
    # Feedback and routing.
    "thanks_up": {"da": "Tak for din feedback.", "en": "Thank you for your feedback."},
    "thanks_down": {
        "da": "Tak. Du kan sende spørgsmålet til task forcen med knappen.",
        "en": "Thank you. You can send the question to the task force with the button.",
    },
    "button_expired": {
        "da": "Den knap er udløbet. Stil spørgsmålet igen, eller brug /rekvirer efterfulgt af spørgsmålet.",
        "en": "That button has expired. Ask again, or use /rekvirer followed by your question.",
    },
    "ask_context": {
        "da": "<b>Klar til at sende til task forcen.</b> Din næste besked bliver sendt med som kontekst, fx hvilken "
        "slags sag det er, eller hvad du har prøvet. Eller tryk «Send uden kontekst» eller «Fortryd».\n"
        "<i>Skriver du et nyt spørgsmål (med ? eller et spørgeord først), besvarer jeg det i stedet. Jeg venter 15 minutter. "
        "Skriv ikke CPR-numre eller navne.</i>",
        "en": "<b>Ready to send to the task force.</b> Your next message goes with it as context, e.g. what kind "
        "of case this is or what you have tried. Or press “Send without context” or “Cancel”.\n"
        "<i>If you write a new question (with ? or a question word first), I answer it instead. I wait 15 minutes. "
        "Please do not write CPR numbers or names.</i>",
    },
    "route_cancelled": {"da": "Spørgsmålet er ikke sendt.", "en": "The question was not sent."},
    "routed": {
        "da": "Sendt til task forcen som rekvisition <b>{number}</b>. Du får svaret her i chatten.",
        "en": "Sent to the task force as requisition <b>{number}</b>. You will receive the answer here in the chat.",
    },
    "similar_open": {
        "da": "Task forcen har allerede lignende åbne rekvisitioner: {numbers}.",
        "en": "The task force already has similar open requisitions: {numbers}.",
    },
    "similar_elsewhere": {
        "da": "Et lignende spørgsmål ligger allerede hos task forcen.",
        "en": "A similar question is already with the task force.",
    },
    "requisition_usage": {
        "da": "Skriv spørgsmålet efter kommandoen, fx:\n<code>/rekvirer Hvordan samarbejder vi med task forcen om en familie?</code>",
        "en": "Write the question after the command, e.g.:\n<code>/rekvirer How do we work with the task force on a family case?</code>",
    },
    # Status.
    "status_none": {"da": "Du har ingen åbne rekvisitioner.", "en": "You have no open requisitions."},
    "status_head": {"da": "Dine åbne rekvisitioner:", "en": "Your open requisitions:"},
    "status_more": {"da": "… og {count} flere.", "en": "… and {count} more."},
    "status_needs_info_hint": {
        "da": "Task forcen venter på dit svar: svar på deres besked her i chatten.",
        "en": "The task force is waiting for your reply: reply to their message here in the chat.",
    },
    # Task-force notifications.
    "delivered_answer": {
        "da": "<b>Svar fra task forcen</b> på din rekvisition <b>{number}</b>",
        "en": "<b>Answer from the task force</b> to your requisition <b>{number}</b>",
    },
    "your_question": {"da": "Dit spørgsmål:", "en": "Your question:"},
    "sources": {"da": "Kilder:", "en": "Sources:"},
    "needs_info": {
        "da": "<b>Task forcen har brug for mere information</b> om din rekvisition <b>{number}</b>",
        "en": "<b>The task force needs more information</b> about your requisition <b>{number}</b>",
    },
    "needs_info_reply": {
        "da": "Svar på denne besked med informationen (skriv ikke CPR-numre).",
        "en": "Reply to this message with the information (no CPR numbers, please).",
    },
    "needs_info_placeholder": {"da": "Dit svar til task forcen", "en": "Your reply to the task force"},
    "info_sent": {
        "da": "Tak. Dit svar er sendt til task forcen (<b>{number}</b>).",
        "en": "Thank you. Your reply was sent to the task force (<b>{number}</b>).",
    },
    "info_sent_without_reply": {
        "da": "Tak. Din besked er sendt til task forcen som den information, de bad om (<b>{number}</b>). "
        "Var det et nyt spørgsmål, så skriv det med spørgsmålstegn.",
        "en": "Thank you. Your message was sent to the task force as the information they asked for (<b>{number}</b>). "
        "If it was a new question, write it with a question mark.",
    },
    "info_not_waiting": {
        "da": "Rekvisition <b>{number}</b> venter ikke på information fra dig lige nu.",
        "en": "Requisition <b>{number}</b> is not waiting for information from you right now.",
    },
    "rejected": {
        "da": "Task forcen har afvist din rekvisition <b>{number}</b>.",
        "en": "The task force declined your requisition <b>{number}</b>.",
    },
    "reason": {"da": "Begrundelse:", "en": "Reason:"},
    "duplicate": {
        "da": "Din rekvisition <b>{number}</b> er det samme spørgsmål som <b>{original}</b>; du får svaret, når det kommer.",
        "en": "Your requisition <b>{number}</b> is the same question as <b>{original}</b>; you will get its answer when it comes.",
    },
    "status_changed": {
        "da": "Din rekvisition <b>{number}</b> er opdateret.",
        "en": "Your requisition <b>{number}</b> was updated.",
    },
    # Registration and access.
    "welcome": {
        "da": "Velkommen, du er nu registreret ({department}). Stil dit spørgsmål, så svarer jeg med citater fra "
        "dokumenterne om integrationsindsatsen. /hjaelp viser, hvad jeg kan.",
        "en": "Welcome, you are now registered ({department}). Ask your question and I will answer with quotes from "
        "the documents on the integration effort. /help shows what I can do.",
    },
    "already_registered": {
        "da": "Du er allerede registreret. Stil dit spørgsmål, eller skriv /hjaelp.",
        "en": "You are already registered. Ask your question, or type /help.",
    },
    "refusal": {
        "da": "Beklager, denne assistent er kun for registrerede sagsbehandlere i Københavns Kommune. "
        "Få en invitationskode hos task forcens koordinator, og skriv <code>/start KODE</code>.",
        "en": "Sorry, this assistant is only for registered caseworkers of the City of Copenhagen. "
        "Ask the task-force coordinator for an invite code and send <code>/start CODE</code>.",
    },
    "invite_invalid": {
        "da": "Invitationskoden er ugyldig, brugt eller udløbet. Bed koordinatoren om en ny.",
        "en": "The invite code is invalid, used or expired. Ask the coordinator for a new one.",
    },
    "private_only": {
        "da": "Jeg svarer kun i en privat chat. Skriv direkte til mig.",
        "en": "I only answer in a private chat. Write to me directly.",
    },
    # The command menu (setMyCommands).
    "command_help": {"da": "Hvad jeg kan, og hvordan du spørger", "en": "What I can do and how to ask"},
    "command_status": {"da": "Dine åbne rekvisitioner", "en": "Your open requisitions"},
    "command_requisition": {"da": "Send et spørgsmål direkte til task forcen", "en": "Send a question straight to the task force"},
    "command_language": {"da": "Vælg sprog: /sprog da eller /sprog en", "en": "Choose the language: /sprog da or /sprog en"},
    # Language and help.
    "language_set": {"da": "Jeg svarer nu på dansk.", "en": "I will now answer in English."},
    "language_usage": {"da": "Brug <code>/sprog da</code> eller <code>/sprog en</code>.", "en": "Use <code>/sprog da</code> or <code>/sprog en</code>."},
    "help": {
        "da": "Jeg besvarer spørgsmål om Københavns Kommunes integrationsindsats og task forcen ved at citere fem "
        "politiske dokumenter, altid med kilde. Jeg finder ikke på svar.\n\n"
        "• Skriv dit spørgsmål som almindelig tekst.\n"
        "• Kan dokumenterne ikke svare, kan du sende spørgsmålet til task forcen med knappen under svaret.\n"
        "• /rekvirer <i>spørgsmål</i> sender det direkte til task forcen.\n"
        "• /status viser dine åbne rekvisitioner.\n"
        "• /sprog da eller /sprog en vælger sprog.\n\n"
        "Skriv ikke CPR-numre, telefonnumre eller navne på borgere; jeg fjerner dem.",
        "en": "I answer questions about the City of Copenhagen's integration effort and the task force by quoting five "
        "policy documents, always with the source. I never make answers up.\n\n"
        "• Write your question as plain text.\n"
        "• If the documents cannot answer, send the question to the task force with the button under the answer.\n"
        "• /rekvirer <i>question</i> sends it straight to the task force.\n"
        "• /status lists your open requisitions.\n"
        "• /sprog da or /sprog en chooses the language.\n\n"
        "Please do not write CPR numbers, phone numbers or citizens' names; I remove them.",
    },
    # What the bot cannot take.
    "redacted": {
        "da": "🔒 Din besked indeholdt {kinds}. Jeg har fjernet {them}, før beskeden blev brugt, og slettet den "
        "oprindelige besked: personoplysninger må ikke stå i chatlogs eller rekvisitioner.",
        "en": "🔒 Your message contained {kinds}. I removed {them} before using the message and deleted the original: "
        "personal data must not be kept in chat logs or requisitions.",
    },
    "asked_as": {"da": "Dit spørgsmål uden personoplysninger:", "en": "Your question without the personal data:"},
    "it": {"da": "det", "en": "it"},
    "them": {"da": "dem", "en": "them"},
    "text_only": {
        "da": "Jeg kan kun læse tekst. Skriv dit spørgsmål som en almindelig besked, eller /hjaelp.",
        "en": "I can only read text. Write your question as a plain message, or /help.",
    },
    "edited": {
        "da": "Jeg ser ikke rettede beskeder. Send det rettede spørgsmål som en ny besked.",
        "en": "I do not see edited messages. Send the corrected question as a new message.",
    },
    "too_long": {
        "da": "Beskeden er for lang ({length} tegn; højst {limit}). Stil ét kort spørgsmål ad gangen.",
        "en": "The message is too long ({length} characters; at most {limit}). Ask one short question at a time.",
    },
    "invalid_question": {
        "da": "Jeg kunne ikke bruge beskeden som spørgsmål. Skriv hvad du vil vide som almindelig tekst.",
        "en": "I could not use the message as a question. Write what you want to know as plain text.",
    },
    "unknown_command": {
        "da": "Den kommando kender jeg ikke. /hjaelp viser, hvad jeg kan.",
        "en": "I do not know that command. /help shows what I can do.",
    },
    "rate_limited": {
        "da": "Du skriver hurtigere, end jeg kan følge med. Vent et halvt minut, og prøv så igen.",
        "en": "You are writing faster than I can keep up with. Please wait half a minute and try again.",
    },
    "error": {
        "da": "Noget gik galt hos mig. Prøv igen om lidt.",
        "en": "Something went wrong on my side. Please try again in a moment.",
    },
}

STATUS_NAMES: dict[str, dict[str, str]] = {
    "new": {"da": "modtaget", "en": "received"},
    "assigned": {"da": "fordelt til en rådgiver", "en": "assigned to an adviser"},
    "in_progress": {"da": "under behandling", "en": "in progress"},
    "needs_info": {"da": "venter på information fra dig", "en": "waiting for information from you"},
    "answered": {"da": "besvaret", "en": "answered"},
    "closed": {"da": "lukket", "en": "closed"},
    "duplicate": {"da": "dublet", "en": "duplicate"},
    "rejected": {"da": "afvist", "en": "declined"},
    "published": {"da": "offentliggjort", "en": "published"},
}


def text(key: str, language: str, **values: object) -> str:
    """The sentence `key` in `language` (Danish unless "en"), with `values` filled in."""
    template = TEXTS[key]["en" if language == "en" else "da"]
    return template.format(**values) if values else template


def both(key: str, **values: object) -> str:
    """Danish and English together, for people whose language we do not know (refusals, errors)."""
    return f"{text(key, 'da', **values)}\n\n{text(key, 'en', **values)}"


def status_name(status: str, language: str) -> str:
    """A requisition state as a caseworker reads it."""
    return STATUS_NAMES.get(status, {}).get("en" if language == "en" else "da", status)
