"""English cue lexicon. Entries are lower-case tokens or phrases of up to three tokens."""

CUES: dict[str, tuple[str, ...]] = {
    "thanks": (
        "thanks", "thank", "thx", "ty", "appreciate", "appreciated", "grateful", "cheers",
        "thank you", "thanks for",
    ),
    "apology": (
        "sorry", "apologies", "apologise", "apologize", "apologize for", "regret", "inconvenience",
        "frustrating", "frustration", "unfortunately",
    ),
    "greeting": ("hi", "hey", "hello", "hiya", "dear", "good morning", "good afternoon", "howdy"),
    "second_person": ("you", "your", "you're", "youre", "yours", "yourself", "u", "ur", "you've", "you'll"),
    "first_person_org": ("we", "our", "us", "we're", "we've", "we'll", "ours"),
    "question_word": ("what", "how", "when", "where", "why", "which", "who", "whom", "whose"),
    "help_offer": (
        "help", "assist", "support", "look into", "happy to", "glad to", "take a look", "check",
        "sort", "fix", "resolve", "troubleshoot",
    ),
    "dm_request": (
        "dm", "dms", "direct message", "message us", "send us", "reach out", "reach us", "contact us",
        "private message", "pm", "email us", "drop us",
    ),
    "details_request": (
        "order number", "account number", "booking reference", "confirmation number", "details",
        "email address", "serial number", "reference", "zip code", "postcode", "tracking number",
    ),
    "invite_response": (
        "let us know", "tell us", "share your", "in the comments", "comment below", "reply with",
        "drop your", "what do you think", "we want to hear", "we'd love to hear", "love to hear",
        "hear from you", "your thoughts", "your questions", "ask us", "ask me", "sound off",
        "what's yours", "whats yours", "what about you", "show us", "which would you", "what would you",
        "where would you", "how would you", "settle this", "any guesses", "your guesses", "your answers",
        "reply below", "your tips", "your stories", "in the replies", "tell us in", "drop it below",
        "comment with", "theories welcome", "ask us anything", "ask away", "your suggestions", "your ideas",
        "your photos", "your pics", "share yours", "let me know", "we'll go first", "we're all ears",
        "your answer", "post it here",
        # asks for a caption, a completed sentence or a view: the reader's own answer (codebook rule 6)
        "caption this", "in the blank", "in the blanks", "finish this sentence", "finish the sentence",
        "complete the sentence", "share with us", "love to know", "curious to hear",
    ),
    "reporting_verb": (
        "is", "was", "has", "shows", "explains", "explained", "presents", "presented", "wins", "won",
        "joins", "joined", "talks", "shares", "announces", "announced", "launches", "hosts", "hosted",
        "discusses", "reports", "reported", "receives", "received", "visits", "visited", "gives", "takes",
        "leads", "speaks", "spoke", "writes", "published", "publishes", "will", "and",
    ),
    "opinion_ask": (
        "favorite", "favourite", "thoughts", "opinion", "do you", "would you", "have you", "are you",
        "which one", "your experience", "experiences", "guess",
    ),
    "poll": ("poll", "vote", "voting", "votes"),
    "promo": (
        "new", "launch", "launches", "launched", "introducing", "offer", "deal", "deals", "sale", "off",
        "free", "exclusive", "discover", "save", "savings", "now", "available", "shop", "collection",
        "limited", "%", "product",
    ),
    "cta": (
        "learn more", "read more", "find out", "register", "sign up", "download", "shop now", "book",
        "order", "click", "link in bio", "tap", "get yours", "grab", "watch", "listen", "subscribe",
        "apply", "details here", "see more", "check out",
    ),
    "engagement_bait": (
        "giveaway", "win", "winner", "winners", "like", "retweet", "share", "follow", "tag",
        "enter", "contest", "sweepstakes",
    ),
    "recruiting": (
        "hiring", "job", "jobs", "career", "careers", "apply", "join our team", "internship", "intern",
        "position", "role", "vacancy", "opening", "recruiting", "graduate",
    ),
    "event": (
        "webinar", "event", "conference", "summit", "live", "join us", "join", "panel", "keynote",
        "session", "booth", "save the date", "podcast", "episode", "tune in", "livestream",
    ),
    "pr": (
        "proud", "excited", "thrilled", "honored", "honoured", "award", "awarded", "recognized",
        "milestone", "partnership", "congratulations", "congrats", "sustainability", "report",
        "announce", "announces", "announced", "celebrate", "celebrating",
    ),
    "notice": (
        "delay", "delays", "delayed", "outage", "disruption", "disrupted", "maintenance", "closed",
        "closure", "cancelled", "canceled", "service update", "suspended", "diversion", "reminder",
        "experiencing", "update",
    ),
    "sympathy": (
        "sorry to hear", "hear that", "understand", "understandable", "that's not", "not what we",
        "glad", "hope", "we hear you",
    ),
    "redirect": (
        "team", "colleagues", "support team", "customer service", "visit", "contact", "store",
        "call us", "helpline", "specialists",
    ),
    "positive_reaction": (
        "glad you", "happy to hear", "love this", "love that", "awesome", "amazing", "enjoy",
        "great to hear", "so happy", "love to see",
    ),
}

#: Frequent English function words for language identification (none of them common in German).
FUNCTION_WORDS: frozenset[str] = frozenset(
    "the and is are were of to for on with at by from this that these those it its you your "
    "we our us they their be been have has had do does did not no can could will would should "
    "what how when where which who there here just about more out if or but than then into "
    "get got all any some new now today please thanks help".split()
)

#: Auxiliaries that open an English yes/no question ("Have you …?", "Do you …?").
VERB_FIRST: frozenset[str] = frozenset(
    "do does did have has had are is was were can could will would should shall may might "
    "don't doesn't didn't haven't hasn't aren't isn't wasn't can't couldn't won't wouldn't".split()
)
