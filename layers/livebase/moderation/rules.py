"""Text rules: which pattern a comment matches, checked in one pass per reason.

The comment's language tag is only a hint (viewers mix languages), so every language's terms are
checked on every comment: one compiled alternation per reason. Text is folded first (lower case,
look-alike digits and symbols to letters, letters stretched or spaced out joined again), so
"D.M  m3" and "dm me" match alike. Latin-script terms match on word boundaries; Thai and Arabic
terms, written without reliable spaces, match as substrings.

Criticism is not abuse: "this is a scam", "looks fake", "worst host ever" are opinions about
the goods or the show and stay visible (sentiment counts them). Only the patterns below act.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from livebase.moderation.decisions import Reason

# Abuse aimed at people (hide). Kept short and unambiguous: words that are also food, animals
# or everyday speech in a market language are left out ("babi" is pork in Malay).
INSULTS: dict[str, tuple[str, ...]] = {
    "en": ("idiot", "stupid host", "you stupid", "moron", "loser", "dumbass", "shut up", "fuck", "fuk",
           "bitch", "retard", "scumbag", "piece of shit", "ugly cow"),
    "ms": ("bodoh", "sial", "celaka", "bangang", "pukimak"),
    "id": ("goblok", "tolol", "bangsat", "anjing lo", "kampret", "bego"),
    "th": ("ควาย", "เหี้ย", "ส้นตีน", "อีดอก"),
    "vi": ("đồ ngu", "ngu như", "óc chó", "đm mày", "cút đi"),
    "ar": ("غبي", "يا حمار", "يا كلب", "حقير", "يا حيوان", "تافه"),
    "de": ("arschloch", "idiotin", "vollidiot", "halt die klappe", "blöde kuh", "wichser"),
    "fr": ("connard", "connasse", "ta gueule", "débile", "salope", "abruti"),
    "es": ("idiota", "estúpida", "estúpido", "pendejo", "imbécil", "cállate", "gilipollas"),
}  # fmt: skip
# Off-platform dealing (hide): the scams live rooms see most.
SCAMS: dict[str, tuple[str, ...]] = {
    "en": ("dm me", "pm me", "message me for", "inbox me", "cheaper at my", "cheaper in my", "cheaper outside",
           "dm for cheaper", "dm for price", "whatsapp me", "telegram me", "contact me for", "check my profile",
           "check my bio", "link in bio", "pay outside", "transfer direct", "bank transfer only", "earn money fast",
           "crypto investment", "double your money", "free giveaway click", "you won a prize", "claim your prize"),
    "ms": ("pm saya", "pm je", "dm saya", "lagi murah", "whatsapp saya", "bayar terus", "cek bio"),
    "id": ("dm aja", "wa aja", "chat aku", "cek bio", "lebih murah di", "transfer langsung", "japri"),
    "th": ("ทักแชทมา", "ทักไลน์มา", "แอดไลน์มา", "ถูกกว่าที่ร้าน", "โอนตรงมา"),  # substrings: "ทักแชท" alone is a complaint
    "vi": ("ib mình", "inbox mình", "rẻ hơn ở", "chuyển khoản trực tiếp", "kết bạn zalo"),
    "ar": ("راسلني", "كلمني خاص", "تواصل معي", "ارخص عندي", "واتساب", "حول مباشرة"),
    "de": ("schreib mir privat", "billiger bei mir", "melde dich privat", "direkt überweisen"),
    "fr": ("écris-moi en privé", "moins cher chez moi", "contacte-moi", "viens en mp", "virement direct"),
    "es": ("escríbeme al privado", "más barato conmigo", "mándame dm", "contáctame", "transferencia directa"),
}  # fmt: skip
SPAM_PATTERNS = (
    r"https?://", r"www\.", r"\b[a-z0-9-]{2,}\.(?:com|net|shop|xyz|top|io|ly|me)\b", r"\bt\.me/", r"\bwa\.me/",
    r"\bbit\.ly\b", r"\bfollow (?:me|for follow)\b", r"\bfollow back\b", r"\bsub4sub\b", r"\bpromo code\b",
)  # fmt: skip
# Contact details spelled out to pass the schema's email/phone test (hide).
CONTACT_PATTERNS = (
    r"\b(?:at|@)\s*(?:gmail|yahoo|hotmail|outlook|icloud)\s*(?:dot|\.)\s*com\b", r"\bline\s*id\b",
    r"\b(?:ig|insta|instagram|telegram|tg|wechat|snap)\s*[:@]\s*[a-z0-9_.]{3,}",
    r"(?:\d[\s.\-]*){9,15}",
)  # fmt: skip
# Terms per banned category, any language: a market bans categories in its cultural rules.
CATEGORY_TERMS: dict[str, tuple[str, ...]] = {
    "alcohol": ("alcohol", "beer", "wine", "whisky", "whiskey", "vodka", "liquor", "arak", "bir", "wein", "bière",
                "vin rouge", "cerveza", "خمر", "خمور", "نبيذ", "بيرة", "كحول", "ويسكي"),
    "pork": ("pork", "bacon", "ham sandwich", "lard", "schwein", "porc", "cerdo", "lechón", "خنزير", "لحم الخنزير"),
    "gambling": ("casino", "slot online", "judi", "betting", "قمار"),
    "tobacco": ("cigarette", "vape", "rokok", "سجائر"),
}  # fmt: skip
_NON_SPACED = re.compile(r"[\u0600-\u06ff\u0e00-\u0e7f]")  # Arabic and Thai: substring match
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "|": "i"})
_SPACED_LETTERS = re.compile(r"\b(?:[a-z][\s.\-_*]+)+[a-z]\b")
_STRETCH = re.compile(r"([a-z])\1{2,}")
_DIGIT = re.compile(r"\d")
_SHOUT = re.compile(r"[A-Z]{12,}|(.)\1{9,}")


_TOKEN = re.compile(r"\w+(?:['’.-]\w+)*")


@dataclass(frozen=True, slots=True)
class Terms:
    """Terms found by word n-grams (Latin and other spaced scripts) or as substrings (Thai, Arabic).

    A set lookup per n-gram of the comment's words: a few microseconds whatever the list's length,
    where one regular-expression alternation of every term cost a hundred.
    """

    ngrams: frozenset[str]
    starts: Mapping[str, int]  # a term's first word -> the most words of a term starting with it
    substrings: tuple[str, ...]
    names: Mapping[str, str]  # term -> its category (banned talk) or ""

    @classmethod
    def of(cls, terms: Iterable[str], names: Mapping[str, str] | None = None) -> Terms:
        spaced, substrings, keyed = set(), [], {}
        for term in terms:
            if _NON_SPACED.search(term):
                substrings.append(term)
                keyed[term] = (names or {}).get(term, "")
            else:
                key = " ".join(_TOKEN.findall(term.lower()))
                spaced.add(key)
                keyed[key] = (names or {}).get(term, "")
        starts: dict[str, int] = {}
        for key in spaced:
            first = key.split(" ", 1)[0]
            starts[first] = max(starts.get(first, 0), key.count(" ") + 1)
        return cls(frozenset(spaced), starts, tuple(sorted(substrings, key=len, reverse=True)), keyed)

    def find(self, folded: str) -> str | None:
        """The first term present in ``folded`` text, or None."""
        if self.ngrams:
            words = _TOKEN.findall(folded)
            for i, word in enumerate(words):  # only where a term can start
                longest = self.starts.get(word)
                if longest is None:
                    continue
                for n in range(1, min(longest, len(words) - i) + 1):
                    key = word if n == 1 else " ".join(words[i : i + n])
                    if key in self.ngrams:
                        return key
        for term in self.substrings:
            if term in folded:
                return term
        return None


def _flat(table: Mapping[str, tuple[str, ...]]) -> list[str]:
    return [term for terms in table.values() for term in terms]


_INSULT = Terms.of(_flat(INSULTS))
_SCAM = Terms.of(_flat(SCAMS))
_SPAM = re.compile("|".join(SPAM_PATTERNS))
_CONTACT = re.compile("|".join(CONTACT_PATTERNS))


def fold(text: str) -> str:
    """Lower case, compatibility forms, look-alikes to letters, spaced and stretched letters joined."""
    folded = text.lower() if text.isascii() else unicodedata.normalize("NFKC", text).lower()
    if folded.isascii():
        letters = folded.translate(_LEET)
        # digits may be a number (contact rule) or look-alike letters: keep both readings
        folded = f"{folded} {letters}" if _DIGIT.search(folded) else letters
    folded = _SPACED_LETTERS.sub(lambda m: re.sub(r"[\s.\-_*]", "", m.group(0)), folded)
    return _STRETCH.sub(r"\1\1", folded)


@dataclass(frozen=True, slots=True)
class TextMatch:
    reason: Reason
    rule: str  # the rule's name, e.g. "scam:off_platform", never the matched text


@dataclass(frozen=True, slots=True)
class TextRules:
    """One market's text rules: the shared patterns plus its banned categories."""

    banned: Terms | None

    @classmethod
    def for_categories(cls, categories: Iterable[str]) -> TextRules:
        named = {term: name for name in categories if name in CATEGORY_TERMS for term in CATEGORY_TERMS[name]}
        return cls(Terms.of(named, named) if named else None)

    def match(self, text: str, folded: str | None = None) -> TextMatch | None:
        """The first rule the comment breaks, most harmful first; None when it breaks none (``folded``:
        :func:`fold` of ``text`` when the caller has it already)."""
        folded = fold(text) if folded is None else folded
        if _SCAM.find(folded):
            return TextMatch(Reason.SCAM, "scam:off_platform")
        if _CONTACT.search(folded):  # the schema refused plain emails and phone numbers already
            return TextMatch(Reason.CONTACT_DATA, "contact:spelled_out")
        if _INSULT.find(folded):
            return TextMatch(Reason.INSULT, "insult:word_list")
        if _SPAM.search(folded) or _SHOUT.search(text):
            return TextMatch(Reason.SPAM, "spam:link_or_shouting")
        if self.banned is not None:
            found = self.banned.find(folded)
            if found is not None:
                return TextMatch(Reason.BANNED_CATEGORY, f"banned_category:{self.banned.names[found]}")
        return None
