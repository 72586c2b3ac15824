"""How many SMS segments a text costs, and the look-alike clean-up that keeps Latin text in GSM-7.

A text is GSM-7 when every character is in the GSM 03.38 alphabet (the extension table's characters cost two
septets: an escape and the character); one segment holds 160 septets, a concatenated one 153. Any other
character (a Chinese character, full-width punctuation, an emoji) makes the whole text UCS-2: 70 UTF-16 code
units, 67 per concatenated segment. A two-unit character (escape pair, surrogate pair) is never split between
segments, so segments are packed as phones pack them rather than divided.
"""

from dataclasses import dataclass

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENSION = set("^{}\\[~]|€\f")

# Invisible or space-like characters that pasted text carries (from Word, web pages, WeChat): always cleaned,
# since they look like nothing or like a space in any encoding.
INVISIBLE = {"\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": ""}
SPACES = dict.fromkeys("\u00a0\u2002\u2003\u2007\u2008\u2009\u200a\u202f\u205f", " ")
# Typographic punctuation with a GSM-7 twin: replaced only when that makes the whole text GSM-7 (in Chinese
# text “” and — are correct and the text is UCS-2 anyway).
TYPOGRAPHIC = {"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"',
               "–": "-", "—": "-", "‒": "-", "―": "-", "‐": "-", "‑": "-", "−": "-", "…": "...", "•": "-"}

GSM_SINGLE, GSM_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class Count:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2
    segments: int


def _translate(text: str, table: dict) -> str:
    return "".join(table.get(char, char) for char in text)


def is_gsm(text: str) -> bool:
    return all(char in GSM_BASIC or char in GSM_EXTENSION for char in text)


def normalise(text: str) -> str:
    """The text with invisible characters removed, odd spaces made plain, and typographic quotes, dashes and
    ellipses made plain when the rest of the text is GSM-7."""
    text = _translate(_translate(text or "", INVISIBLE), SPACES)
    plain = _translate(text, TYPOGRAPHIC)
    return plain if is_gsm(plain) else text


def _units(text: str, gsm: bool) -> list[int]:
    if gsm:
        return [2 if char in GSM_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _pack(units: list[int], capacity: int) -> int:
    segments, used = 1, 0
    for size in units:
        if used + size > capacity:
            segments, used = segments + 1, 0
        used += size
    return segments


def count(text: str) -> Count:
    """Encoding, length and segments of `text` as it will be sent (normalise it first)."""
    gsm = is_gsm(text)
    units = _units(text, gsm)
    total = sum(units)
    single, multi = (GSM_SINGLE, GSM_MULTI) if gsm else (UCS2_SINGLE, UCS2_MULTI)
    if total == 0:
        segments = 0
    elif total <= single:
        segments = 1
    else:
        segments = _pack(units, multi)
    return Count("GSM-7" if gsm else "UCS-2", total, segments)
