"""Hong Kong addresses said in English: "Flat 5C, Block 2, 18 Tai Po Road, Sham Shui Po".

An address is a run of comma-separated parts, each a flat or room ("Flat 5C", "Room 1203", "Unit 808"), a
floor ("12/F", "9th Floor"), a block or tower ("Block 2", "Tower 3"), a named building or estate ("Wing Shing
House", "Lek Yuen Estate") or a numbered street ("18 Tai Po Road"); then up to two district names in
capitals ("Sham Shui Po", "New Territories"). As with Chinese addresses, it must find a household: a numbered
street, or a flat, floor or block together with a building, block or street. "Nathan Road", "the Block 2
lift" or "the 3rd floor" alone are where a problem is, not who called. Findings are in the text's
coordinates.
"""

from __future__ import annotations

import re

from qc.pii.kinds import Hit

_WORD = r"[A-Z][a-z]+(?:['-][A-Za-z]+)?"
_NAME = rf"{_WORD}(?:\s+{_WORD}){{0,3}}"
_FLAT = r"(?i:flat|room|rm|unit|apartment|apt|suite)\.?\s*(?:[A-Z]\d{0,4}|\d{1,4}[A-Z]?)(?![A-Za-z0-9])"
_FLOOR = r"(?:\d{1,3}\s*/\s*F|G/F|\d{1,3}(?:st|nd|rd|th)\s+(?i:floor)|(?i:floor)\s+\d{1,3}|(?i:ground floor))(?![A-Za-z0-9])"
_BLOCK = r"(?i:block|blk|tower|phase|wing)\s+[A-Z0-9]{1,3}(?![A-Za-z0-9])"
_STREET = (rf"\d{{1,4}}[A-Z]?(?:-\d{{1,4}})?\s+{_NAME}\s+"
           r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Path|Drive|Terrace|Square|Circuit|Crescent|Boulevard|Praya|Highway)\.?"
           r"(?:\s+(?:Central|East|West|North|South))?(?![A-Za-z])")
_BUILDING = (rf"{_NAME}\s+(?:Building|Bldg|House|Court|Mansions?|Centre|Center|Gardens?|Estate|Villas?|Plaza|Towers?|"
             r"Heights|Lodge|Chuen|Village)(?![A-Za-z])")
_PART = re.compile(rf"(?P<flat>{_FLAT})|(?P<floor>{_FLOOR})|(?P<block>{_BLOCK})|(?P<street>{_STREET})|(?P<building>{_BUILDING})")
_BETWEEN = re.compile(r"\s*,\s*|\s+")
# A district after the address: capitalised words, then a pause, the end, or a lower-case word.
_DISTRICT = re.compile(rf"\s*,\s*({_NAME})(?=\s*[,.;!?]|\s*$|\s+[a-z]|\s*[\u4e00-\u9fff])")
_NOT_DISTRICTS = frozenset({"I", "The", "And", "But", "It", "My", "We", "He", "She", "They", "Please", "Thank",
                            "Thanks", "Yes", "No", "Ok", "Okay", "Sorry", "So", "Then"})
MAX_DISTRICTS = 2  # "Sha Tin, New Territories"


def find_english_addresses(text: str) -> list[Hit]:
    hits = []
    parts = list(_PART.finditer(text))
    i = 0
    while i < len(parts):
        j = i  # parts i..j follow one another, separated by commas or spaces
        while j + 1 < len(parts) and _BETWEEN.fullmatch(text, parts[j].end(), parts[j + 1].start()):
            j += 1
        kinds = {p.lastgroup for p in parts[i:j + 1]}
        unit = kinds & {"flat", "floor", "block"}
        # a household: a numbered street, or a flat, floor or block in a building or a block
        if "street" in kinds or (unit and (kinds & {"building"} or ("block" in kinds and len(unit) > 1))):
            end = parts[j].end()
            for _ in range(MAX_DISTRICTS):
                district = _DISTRICT.match(text, end)
                if not district or district.group(1).split()[0] in _NOT_DISTRICTS:
                    break
                end = district.end(1)
            hits.append(Hit("address", parts[i].start(), end, 0.85))
        i = j + 1
    return hits
