"""German cue lexicon. Entries are lower-case tokens or phrases; ``=`` marks case-sensitive ones."""

CUES: dict[str, tuple[str, ...]] = {
    "thanks": (
        "danke", "dank", "dankeschön", "danken", "bedanken", "merci", "vielen dank", "herzlichen dank",
        "danke schön", "besten dank", "thx",
    ),
    "apology": (
        "entschuldigung", "entschuldigen", "entschuldige", "sorry", "bedauern", "leider",
        "tut uns leid", "tut mir leid", "unannehmlichkeiten", "ärgerlich", "ärger",
    ),
    "greeting": (
        "hallo", "hi", "hey", "servus", "grüezi", "moin", "liebe", "lieber", "guten tag",
        "guten morgen", "hoi", "sali",
    ),
    "second_person": (
        "du", "dich", "dir", "dein", "deine", "deinen", "deinem", "deiner", "euch", "eure", "euer",
        "euren", "eurem", "ihr", "=Sie", "=Ihnen", "=Ihr", "=Ihre", "=Ihren", "=Ihrem", "=Ihrer",
    ),
    "first_person_org": ("wir", "uns", "unser", "unsere", "unseren", "unserem", "unserer", "unsers"),
    "question_word": (
        "was", "wie", "wann", "wo", "warum", "wieso", "weshalb", "welche", "welcher", "welches",
        "welchen", "wer", "wem", "wen", "woher", "wohin", "wozu",
    ),
    "help_offer": (
        "helfen", "hilfe", "unterstützen", "weiterhelfen", "kümmern", "klären", "prüfen", "schauen",
        "nachsehen", "gerne", "gern", "anschauen", "helfe",
    ),
    "dm_request": (
        "dm", "pn", "direktnachricht", "privatnachricht", "nachricht", "schreib uns", "schreiben sie uns",
        "schreibt uns", "melde dich", "melden sie sich", "meldet euch", "per mail", "kontaktformular",
    ),
    "details_request": (
        "auftragsnummer", "bestellnummer", "kundennummer", "buchungsnummer", "vertragsnummer",
        "zugnummer", "sendungsnummer", "schadennummer", "ticketnummer", "details", "genauer",
    ),
    "invite_response": (
        "was meint ihr", "was meinen sie", "sagt uns", "verratet uns", "erzählt uns", "schreibt es",
        "in die kommentare", "in den kommentaren", "kommentiert", "eure meinung", "ihre meinung",
        "eure ideen", "eure erfahrungen", "ihre erfahrungen", "eure fragen", "ihre fragen",
        "teilt eure", "stellt eure", "lasst es uns wissen", "wir sind gespannt", "sind gespannt",
        "schreibt uns", "schreiben sie uns", "erzählt mal", "zeigt uns", "zeigen sie uns", "welches würdet",
        "was würdet ihr", "wie würdet ihr", "ratet mal", "eure tipps", "eure antworten", "eure geschichten",
        "verratet", "und ihr", "in die antworten", "in den antworten", "beschreibt uns", "schickt uns eure",
        "hier drunter", "eure vorschläge", "ihre vorschläge", "eure wünsche", "ihre wünsche",
        "ihre anregungen", "eure fotos", "eure bilder", "fragt uns", "fragen sie uns", "stellen sie ihre",
        "wir sind neugierig", "schreibt's", "erzählt es uns",
        # the same asks in the dative ("her mit euren Ideen", "helfen Sie uns mit Ihren Vorschlägen")
        "euren ideen", "ihren ideen", "euren fragen", "ihren fragen", "euren erfahrungen", "ihren erfahrungen",
        "euren vorschlägen", "ihren vorschlägen", "euren tipps", "euren antworten", "ihren antworten",
        "euren geschichten", "euren fotos", "eurer meinung", "ihrer meinung",
        # asks for a caption, a completed sentence or a view: the reader's own answer (codebook rule 6)
        "bildunterschrift gesucht", "vervollständigt den satz", "ergänzt den satz", "beendet den satz",
        "was sagt ihr", "eure antwort", "sagt es uns",
    ),
    "reporting_verb": (
        "ist", "war", "hat", "zeigt", "erklärt", "berichtet", "präsentiert", "gewinnt", "gewann", "forscht",
        "erleichtert", "kandidiert", "stellt", "lädt", "startet", "spricht", "sprach", "schreibt", "geht",
        "wird", "erhält", "erhielt", "besucht", "unterstützt", "leitet", "entwickelt", "eröffnet", "und",
    ),
    "opinion_ask": (
        "lieblings", "lieblingsprodukt", "favorit", "favoriten", "meint", "meinung", "findet ihr",
        "finden sie", "würdet ihr", "würden sie", "habt ihr", "seid ihr", "kennt ihr", "erfahrung",
    ),
    "poll": ("umfrage", "abstimmen", "abstimmung", "stimmt ab", "voting"),
    "promo": (
        "neu", "neue", "neuen", "neues", "angebot", "angebote", "rabatt", "aktion", "sale", "gratis",
        "kostenlos", "exklusiv", "launch", "entdecken", "entdeckt", "entdecke", "jetzt", "ab sofort",
        "sparen", "spart", "prozent", "%", "gutschein", "produkt", "kollektion", "shop",
    ),
    "cta": (
        "mehr erfahren", "mehr infos", "mehr dazu", "hier", "anmelden", "jetzt anmelden", "registrieren",
        "herunterladen", "laden", "jetzt", "download", "bestellen", "buchen", "jetzt buchen", "link in bio", "klick",
        "klickt", "lesen", "weiterlesen", "reinhören", "ansehen", "sichern", "sichert", "holt",
        "hol dir", "mitmachen", "shoppen",
    ),
    "engagement_bait": (
        "gewinnspiel", "gewinnen", "gewinnt", "verlosen", "verlosung", "liken", "like", "teilen", "teilt",
        "folgen", "folgt", "markiert", "markieren", "gewinner",
    ),
    "recruiting": (
        "job", "jobs", "stelle", "stellen", "stellenangebot", "karriere", "bewerben", "bewirb",
        "bewerbung", "ausbildung", "praktikum", "team", "verstärkung", "gesucht", "suchen", "einstieg",
        "m/w/d", "w/m/d", "azubi", "trainee",
    ),
    "event": (
        "webinar", "veranstaltung", "messe", "konferenz", "live", "vortrag", "workshop", "save the date",
        "seid dabei", "dabei sein", "besucht uns", "besuchen sie uns", "stand", "halle", "podcast",
        "uhr", "anmeldung", "tag der offenen tür", "panel",
    ),
    "pr": (
        "stolz", "freuen uns", "ausgezeichnet", "auszeichnung", "preis", "award", "nachhaltigkeit",
        "nachhaltig", "meilenstein", "partnerschaft", "jubiläum", "gratulieren", "pressemitteilung",
        "bilanz", "studie", "bericht",
    ),
    "notice": (
        "störung", "verspätung", "verspätungen", "ausfall", "fällt", "entfällt", "umleitung",
        "bauarbeiten", "gesperrt", "sperrung", "ersatzverkehr", "wartungsarbeiten", "wartung",
        "eingeschränkt", "geschlossen", "öffnungszeiten", "hinweis", "achtung", "info",
    ),
    "sympathy": (
        "schade", "ärgerlich", "verstehen", "verständlich", "nachvollziehen", "tut uns leid", "leider",
        "freut uns", "gute besserung", "sorry",
    ),
    "redirect": (
        "kollegen", "kolleginnen", "wende dich", "wenden sie sich", "wendet euch", "kundenservice",
        "kundendienst", "hotline", "service-team", "servicecenter", "filiale", "zuständig",
    ),
    "positive_reaction": (
        "freut uns", "freut mich", "schön", "toll", "super", "klasse", "danke fürs", "danke für",
        "gefällt", "viel spaß",
    ),
}

#: Frequent German function words for language identification (none of them common in English).
FUNCTION_WORDS: frozenset[str] = frozenset(
    "der die das und ist nicht ein eine einen einem einer mit auf für von zu den dem des sich auch "
    "wir ihr sie es ich du bei nach aus noch wie wird werden wurde sind hat haben kann können "
    "über um oder aber nur wenn dass schon mehr sehr hier jetzt heute uns unser unsere euch dich "
    "dir mal doch gibt vom zum zur beim im ins einen gerne leider bitte danke".split()
)

#: Finite verbs that open a German yes/no question ("Habt ihr …?", "Kannst du …?").
VERB_FIRST: frozenset[str] = frozenset(
    "habt hast haben hat hätte hättet hättest seid bist sind ist war wart waren kannst könnt können "
    "kann könntest könntet könnten wollt willst wollen möchtest möchtet möchten mögt magst würdet "
    "würdest würden wisst weißt wissen kennt kennst kennen findet findest finden braucht brauchst "
    "brauchen gibt geht gehts sollen sollten sollen darf dürfen dürft nutzt nutzen nutzt teilt "
    "fahrt fährst".split()
)
